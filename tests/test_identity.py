"""A run's identity: exactly what decides its numbers (core.identity), the numeric code's boundary, code
fingerprints that do not depend on the interpreter, and the plan of a config's runs and variants."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_replication.collect.gather import RunRecordError, check_identity
from rnn_replication.core import fingerprint, identity
from rnn_replication.core.spec import RunSpec
from rnn_replication.observe.job import IdentityError
from rnn_replication.observe.job import check_identity as check_job_identity
from rnn_replication.pipeline import selection

PACKAGE = "workflow/rnn_replication"
# What the numeric code may reach: the training folder, the data loader and the run specification.
NUMERIC = (f"{PACKAGE}/train/", f"{PACKAGE}/data/mnist.py", f"{PACKAGE}/core/spec.py")
# ... and the history's format and the atomic writes of its journal (stdlib only).
NUMERIC += (f"{PACKAGE}/core/history.py", f"{PACKAGE}/core/files.py")


def is_package_init(path: str) -> bool:
    return path.endswith("__init__.py") and path.startswith(PACKAGE)


def test_the_numeric_code_reaches_nothing_that_logs_records_plots_or_launches(repo):
    files = fingerprint.code_files("train", repo)
    assert f"{PACKAGE}/train/models.py" in files and f"{PACKAGE}/train/fitting.py" in files
    outside = [path for path in files if not path.startswith(NUMERIC) and not is_package_init(path)]
    assert outside == [], outside
    # The timing pass measures with the numeric code and its own, not with what observes a run.
    timing = fingerprint.code_files("timing", repo)
    assert f"{PACKAGE}/timing/measure.py" in timing and f"{PACKAGE}/train/models.py" in timing
    assert not [path for path in timing if "/observe/" in path or path.endswith(("records.py", "runs.py"))]


def test_building_fitting_and_evaluating_a_model_loads_no_observing_module(repo):
    """At run time too (an import hidden in a function would escape the static closure)."""
    script = (
        "import sys\n"
        "from rnn_replication.train import fitting, models, arithmetic, backends\n"
        "model = models.build_model('gru', 'bidirectional', 8)\n"
        "import numpy as np\n"
        "x, y = np.zeros((4, 28, 28), 'float32'), np.eye(10, dtype='float32')[[0, 1, 2, 3]]\n"
        "fitting.fit(model, fitting.RunSpec('gru', epochs=1, batch_size=2), (x, y, x, y), [])\n"
        "fitting.evaluate(model, fitting.RunSpec('gru', batch_size=2), x, y)\n"
        "print(sorted(name for name in sys.modules if name.startswith('rnn_replication')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=repo)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - a list of module names we printed
    allowed = {"rnn_replication", "rnn_replication.core", "rnn_replication.core.spec", "rnn_replication.data"}
    allowed |= {"rnn_replication.core.history", "rnn_replication.core.files"}
    allowed |= {"rnn_replication.data.mnist", "rnn_replication.train"}
    assert {name for name in loaded if not name.startswith("rnn_replication.train.")} <= allowed, loaded


# f-strings with nested quotes and a nested format field: Python 3.12 unparses them with other quotes and
# (3.12.0 to 3.12.x) parses a nested field with an extra empty string.
F_STRINGS = """
def line(row, width, label):
    text = f"{label} {row['loss']:.4f} - " + f'{row["epoch"]!r:>{width}}' + f"{label=}" + f"{'x'}"
    return text + rf"\\d{{2}} {label}" + f"{width:{'>'}{10}}"
"""


def test_the_canonical_form_ignores_docstrings_comments_and_layout_and_is_pinned():
    plain = fingerprint.python_meaning(F_STRINGS)
    decorated = '"""A module."""\n# a comment\n' + F_STRINGS.replace("    return", "\n    # why\n    return")
    assert fingerprint.python_meaning(decorated) == plain
    assert fingerprint.python_meaning(F_STRINGS.replace("4f", "3f")) != plain
    # Pinned: a change of the canonical form would move every fingerprint (and every run's variant).
    digest = fingerprint.digest({"snippet": __import__("hashlib").sha256(plain.encode()).hexdigest()})
    assert digest == "05659b5c73689102"


def other_interpreters() -> list[str]:
    """Working Python 3.12 and 3.13 interpreters on this machine (on PATH, or pyenv's), if any."""
    found = []
    for version in ("3.12", "3.13"):
        candidates = [
            shutil.which(f"python{version}"),
            *sorted(Path("/root/.pyenv/versions").glob(f"{version}.*/bin/python")),
        ]
        for candidate in filter(None, candidates):
            if subprocess.run([str(candidate), "--version"], capture_output=True).returncode == 0:
                found.append(str(candidate))
                break
    return found


@pytest.mark.parametrize("interpreter", other_interpreters() or [None])
def test_every_steps_fingerprint_is_the_same_on_another_python(repo, tmp_path, interpreter):
    if interpreter is None:
        pytest.skip("no Python 3.12 or 3.13 interpreter on this machine to compare with")
    (tmp_path / "snippet.py").write_text(F_STRINGS)
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(repo / 'workflow')!r})\n"
        "from rnn_replication.core import fingerprint\n"
        f"root = {str(repo)!r}\n"
        "steps = {step: fingerprint.code_digests(step, root) for step in fingerprint.STEP_ENTRIES}\n"
        f"snippet = fingerprint.python_meaning(open({str(tmp_path / 'snippet.py')!r}).read())\n"
        "print(json.dumps([sys.version, steps, snippet]))\n"
    )
    result = subprocess.run([interpreter, "-I", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    version, steps, snippet = json.loads(result.stdout)
    assert not version.startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert snippet == fingerprint.python_meaning(F_STRINGS), version
    assert steps == {step: fingerprint.code_digests(step, repo) for step in fingerprint.STEP_ENTRIES}, version


VERSIONS = {"keras": "3.15.1", "numpy": "2.4.6", "tensorflow": "2.21.0"}
CODE = {f"{PACKAGE}/train/models.py": "a" * 16, f"{PACKAGE}/train/fitting.py": "b" * 16}


def run_identity(spec=None, **changes):
    spec = spec or RunSpec("lstm", epochs=2)
    return identity.of_run(spec, "tensorflow", "AVX2", CODE, VERSIONS, "d" * 64) | changes


def test_a_variant_is_shared_by_a_configs_runs_and_moves_with_what_decides_their_numbers():
    lstm, gru_seed3 = run_identity(), run_identity(RunSpec("gru", "stacked", seed=3, epochs=2))
    assert identity.variant(lstm) == identity.variant(gru_seed3)
    for change in (
        {"epochs": 3},
        {"cpu_isa": "AVX"},
        {"versions": VERSIONS | {"tensorflow": "2.22.0"}},
        {"code": CODE | {f"{PACKAGE}/train/models.py": "c" * 16}},
        {"data_sha256": "e" * 64},
    ):
        assert identity.variant(run_identity(**change)) != identity.variant(lstm), change


def test_differences_name_the_setting_the_code_file_and_the_package():
    recorded = run_identity(
        epochs=3,
        versions=VERSIONS | {"tensorflow": "2.20.0"},
        code=CODE | {f"{PACKAGE}/train/models.py": "c" * 16},
    )
    assert identity.differences(recorded, run_identity()) == [
        ("epochs", 3, 2),
        (f"code {PACKAGE}/train/models.py", "c" * 16, "a" * 16),
        ("tensorflow version", "2.20.0", "2.21.0"),
    ]
    assert identity.differences(run_identity(), run_identity()) == []


def test_a_plan_keeps_each_variant_once_and_reads_back_every_runs_identity():
    identities = [
        run_identity(RunSpec(cell, seed=seed, epochs=2)) for cell in ("lstm", "gru") for seed in (0, 1)
    ]
    planned = identity.plan(identities)
    assert len(planned["variants"]) == 1 and len(planned["runs"]) == 4
    assert list(identity.unplan(planned).values()) == identities


def test_the_pinned_versions_are_read_from_the_requirements(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pins\nKeras==3.15.1\nnumpy == 2.4.6  # arrays\ntensorflow>=2.20\n")
    pinned = identity.pinned_versions(identity.NUMERIC_PACKAGES["tensorflow"], requirements)
    # What the file pins; the installed version where it pins none exactly.
    assert pinned == {"keras": "3.15.1", "numpy": "2.4.6"} | identity.installed_versions(["tensorflow"])


def write_record(path: Path, recorded: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"identity": recorded}))


def test_collect_refuses_a_record_of_another_tensorflow_naming_the_run_both_values_and_the_command(tmp_path):
    path = tmp_path / "results/runs/abc/lstm-single-article-seed0/metrics.json"
    recorded = run_identity(versions=VERSIONS | {"tensorflow": "2.20.0"})
    with pytest.raises(RunRecordError) as refused:
        check_identity(
            {"identity": recorded}, run_identity(), path, f"retrain it with: snakemake --forcerun {path}"
        )
    message = str(refused.value)
    assert "run lstm-single-article-seed0 was made with tensorflow version '2.20.0'" in message
    assert "this config's run has tensorflow version '2.21.0'" in message
    assert message.endswith(f"retrain it with: snakemake --forcerun {path}")
    with pytest.raises(RunRecordError, match="has no identity in its record"):
        check_identity({"config": {}}, run_identity(), path, "")
    check_identity({"identity": run_identity()}, run_identity(), path, "")


def plan_for(config_changes=None, versions=VERSIONS):
    from rnn_replication.core.runs import default_config

    config = (
        default_config(Path(__file__).parents[1])
        | {"epochs": 2, "seeds": [0], "compare_semantics": True}
        | (config_changes or {})
    )
    return selection.Plan(config, CODE, {f"{PACKAGE}/timing/measure.py": "f" * 16}, versions)


def test_the_job_observes_the_identity_snakemake_plans_for_either_semantics(repo, monkeypatch):
    """What a training job computes of itself (the cap in effect, the code on disk, the installed
    packages) is exactly the planned identity, key for key: the job's check and the resume state's stamp
    compare them."""
    from rnn_replication.core.runs import default_config
    from rnn_replication.observe import job
    from rnn_replication.train import arithmetic

    config = default_config(repo) | {"compare_semantics": True, "seeds": [0], "epochs": 2}
    versions = identity.installed_versions(identity.NUMERIC_PACKAGES["tensorflow"])
    code = {step: fingerprint.code_digests(step, repo) for step in ("train", "timing")}
    plan = selection.Plan(config, code["train"], code["timing"], versions)
    monkeypatch.delenv(arithmetic.CPU_ISA_VARIABLE, raising=False)
    for semantics in ("article", "modern"):
        spec = next(run for run in plan.runs if run.semantics == semantics)
        in_effect = {"backend": "tensorflow", "cpu_isa": plan.identity(spec)["cpu_isa"]}
        monkeypatch.setattr(arithmetic, "in_effect", in_effect.copy)
        assert job.observed_identity(spec, repo) == plan.identity(spec), semantics
    assert [plan.identity(spec)["cpu_isa"] for spec in plan.runs[:1]] == ["AVX2"]


def test_a_config_has_one_variant_per_semantics_and_threads_are_not_part_of_it(repo):
    plan = plan_for()
    article = {plan.variant(spec) for spec in plan.runs if spec.semantics == "article"}
    modern = {plan.variant(spec) for spec in plan.runs if spec.semantics == "modern"}
    assert len(article) == len(modern) == 1 and article != modern
    assert {plan.variant(spec) for spec in plan_for({"threads_per_run": 4}).runs} == article | modern
    # Another cap moves the article's runs only.
    capped = plan_for({"cpu_isa": "AVX"})
    assert {capped.variant(spec) for spec in capped.runs if spec.semantics == "modern"} == modern
    assert {capped.variant(spec) for spec in capped.runs if spec.semantics == "article"} != article
    # What the notebook is given (Snakemake compares it) moves with the identity only.
    for spec in plan.runs:
        assert (capped.notebook_settings(spec) == plan.notebook_settings(spec)) == (
            spec.semantics == "modern"
        )
    spec = plan.runs[0]
    assert plan.paths(spec).metrics == f"results/runs/{plan.variant(spec)}/{spec.name}/metrics.json"


def test_the_notebooks_settings_keep_a_small_learning_rate_a_number_for_papermill():
    """papermill reads -y as YAML 1.1, where 5e-05 (JSON's way) is a string."""
    import yaml
    from papermill.iorw import NoDatesSafeLoader

    settings = RunSpec("lstm", learning_rate=5e-05).settings() | {"identity": {"versions": {"keras": "3.15"}}}
    read = yaml.load(selection.notebook_yaml(settings), Loader=NoDatesSafeLoader)
    assert read == settings and isinstance(read["learning_rate"], float)


def test_the_timing_pass_is_identified_without_the_runs_epochs_or_seeds():
    plan = plan_for()
    assert "epochs" not in plan.timing_identity() and "seed" not in plan.timing_identity()
    assert plan_for({"epochs": 20, "seeds": [0, 1, 2]}).timing_files() == plan.timing_files()
    assert plan_for({"units": 64}).timing_files() != plan.timing_files()


def test_a_record_replaced_under_an_old_time_is_named_by_content(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = plan_for({"cells": ["lstm"], "forms": ["single"], "compare_semantics": False})
    (spec,) = plan.runs
    path = Path(plan.paths(spec).metrics)
    assert selection.foreign_records(plan) == ""  # not there yet: nothing to say
    write_record(path, plan.identity(spec))
    assert selection.foreign_records(plan) == ""
    write_record(path, plan.identity(spec) | {"cpu_isa": "AVX"})
    import os

    os.utime(path, (0, 0))  # as cp -p, rsync -a or tar x leave it
    found = selection.foreign_records(plan)
    assert found.startswith(f"{spec.name}: cpu_isa 'AVX', not 'AVX2' (")
    before = path.stat().st_ctime_ns
    while path.stat().st_ctime_ns == before:  # the same record, put there again (once the clock moved)
        write_record(path, plan.identity(spec) | {"cpu_isa": "AVX"})
    assert selection.foreign_records(plan) != found
    path.write_text("{")
    assert selection.foreign_records(plan).startswith(f"{spec.name}: unreadable (")


def test_a_job_refuses_to_train_what_snakemake_did_not_plan():
    check_job_identity(run_identity(), run_identity())
    with pytest.raises(
        IdentityError, match=r"code workflow/rnn_replication/train/models.py 'c+', but the workflow"
    ):
        check_job_identity(run_identity(code=CODE | {f"{PACKAGE}/train/models.py": "c" * 16}), run_identity())


def test_the_arithmetic_a_run_asks_for_is_the_one_in_effect_or_nothing_trains(monkeypatch):
    from rnn_replication.train import arithmetic

    monkeypatch.setenv(arithmetic.CPU_ISA_VARIABLE, "AVX")  # inherited from the shell
    with pytest.raises(RuntimeError, match="runs with cpu_isa 'AVX' .* but the run asks for ''"):
        arithmetic.check("tensorflow", "")
    arithmetic.choose("tensorflow", "")  # no cap: oneDNN's own choice, whatever the shell said
    arithmetic.check("tensorflow", "")
    arithmetic.choose("tensorflow", "AVX2")
    arithmetic.check("tensorflow", "AVX2")
    with pytest.raises(RuntimeError, match="runs with backend 'tensorflow'"):
        arithmetic.check("jax", "AVX2")


def test_a_variant_is_deleted_with_all_its_files_and_nothing_else(tmp_path):
    from rnn_replication.pipeline import variants

    kept, gone = "0123456789", "abcdef0123"
    for variant in (kept, gone):
        for folder in variants.VARIANT_FOLDERS:
            (tmp_path / folder / variant / "lstm-single-article-seed0").mkdir(parents=True)
    for name in ("", ".", "..", "../results", "abcdef012", kept + "/x"):
        with pytest.raises(ValueError, match="is not a variant"):
            variants.delete(name, tmp_path)
    with pytest.raises(FileNotFoundError, match="no variant"):
        variants.delete("fedcba9876", tmp_path)
    removed = variants.delete(gone, tmp_path)
    assert sorted(removed) == sorted(tmp_path / folder / gone for folder in variants.VARIANT_FOLDERS)
    assert all((tmp_path / folder / kept).is_dir() for folder in variants.VARIANT_FOLDERS)
