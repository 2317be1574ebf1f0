"""The config schema: the shipped configs pass, bad ones stop the run with the key named."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config, validate

from rnn_replication.pipeline.configuration import config_problem, typed_command_line_values


def schema(repo):
    return str(repo / "workflow" / "schemas" / "config.schema.yaml")


@pytest.fixture
def workflow_copy(repo, tmp_path):
    """The workflow's files in a temporary directory, for a dry run that leaves the repository alone."""
    from rnn_replication.pipeline import selection

    for name in selection.WORKFLOW_FILES:
        source = repo / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    return tmp_path


def run_snakemake(workdir, *arguments):
    from workflow_copy import snakemake  # imports the pipeline, which the config tests need not

    return snakemake(workdir, *arguments, timeout=300)


def load_config(repo, name="config.yaml"):
    """A shipped config as Snakemake sees it: an overlay merged over config/config.yaml, defaults filled."""
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    update_config(config, yaml.safe_load((repo / "config" / name).read_text()))
    validate(config, schema(repo))
    return config


@pytest.mark.parametrize("name", ["small.yaml", "study10.yaml"])
def test_overlay_configs_are_short_and_valid(repo, name):
    overlay = yaml.safe_load((repo / "config" / name).read_text())
    assert len(overlay) <= 8 and "cells" not in overlay  # only what differs from config/config.yaml
    load_config(repo, name)


def test_schema_defaults_fill_what_the_default_config_leaves_out(repo):
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    assert "backend" not in config and "data" not in config
    validate(config, schema(repo))
    assert config["backend"] == "tensorflow" and config["semantics"] == "article"
    assert config["data"] == {"local_path": "", "sources": ["keras", "npm"]}
    assert config["timing"] == {"repeats": 6} and config["threads_per_run"] == 1
    assert config["verdict"]["max_other_cpu_share"] == 0.1
    assert config["verdict"]["power_miss_margins"] == 2


def test_default_config_is_the_articles_experiment_with_seeds_to_judge_it(repo):
    config = load_config(repo)
    assert config["cells"] == ["simplernn", "lstm", "gru"]
    assert config["forms"] == ["single", "stacked", "bidirectional"]
    # The article's single-layer configurations get 5 seeds: enough for a verdict.
    assert config["seeds"] == [0, 1, 2, 3, 4] and config["other_form_seeds"] == [0]
    # The hyperparameters are the article's, as transcribed in paper/article.yaml.
    from rnn_replication.core import paper

    article = paper.load_article(repo / "paper")[0]["hyperparameters"]
    for name in ("units", "epochs", "batch_size", "learning_rate"):
        assert config[name] == article[name], name
    assert (config["train_subset"], config["test_subset"]) == (0, 0)
    assert config["semantics"] == "article" and config["backend"] == "tensorflow"
    assert config["verdict"] == {
        "alpha": 0.05,
        "margins": {"test_accuracy": 0.005, "test_loss": 0.02},
        "max_other_cpu_share": 0.1,
        "power_miss_margins": 2,
    }


def test_the_study_config_runs_every_configuration_ten_times(repo):
    config = load_config(repo, "study10.yaml")
    assert config["seeds"] == config["other_form_seeds"] == list(range(10))
    assert config["compare_semantics"] is True and len(config["cells"]) * len(config["forms"]) == 9
    assert (config["train_subset"], config["test_subset"], config["epochs"]) == (0, 0, 20)


@pytest.mark.parametrize(
    ("extra", "valid"),
    [
        ({"compare_semantics": False, "seeds": [0, 1, 2], "other_form_seeds": [5]}, True),
        ({"semantics": "modern"}, True),
        ({"verdict": {"alpha": 0.05, "margins": {"test_accuracy": 0.01, "test_loss": 0.03}}}, True),
        ({"verdict": {"alpha": 0.05, "margins": {"test_accuracy": 0}}}, False),
        ({"verdict": {"alpha": 0.7, "margins": {"test_accuracy": 0.01, "test_loss": 0.03}}}, False),
        ({"timing": {"repeats": 1}}, False),
    ],
)
def test_schema_checks_the_seed_verdict_and_timing_keys(repo, extra, valid):
    config = load_config(repo) | extra
    if valid:
        validate(config, schema(repo))
    else:
        with pytest.raises(Exception, match="verdict|timing|repeats|alpha|margins"):
            validate(config, schema(repo))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"epochs_count": 3}, "epochs_count"),
        ({"epochs": 0}, "epochs"),
        ({"units": -1}, "units"),
        ({"cells": ["lstm", "transformer"]}, "transformer"),
        ({"forms": ["deep"]}, "deep"),
        ({"learning_rate": "fast"}, "fast"),
        ({"semantics": "keras2"}, "keras2"),
        ({"backend": "mxnet"}, "mxnet"),
        ({"data": {"local_path": "", "sources": ["ftp"]}}, "ftp"),
        ({"train_subset": 70000}, "70000"),
        ({"seeds": [0, 0]}, "non-unique"),
        ({"seeds": [-1]}, "-1"),
        ({"compare_semantics": "yes"}, "yes"),
        ({"other_form_seeds": []}, "other_form_seeds"),
        ({"replication_rule": "mean_2sd"}, "replication_rule"),
    ],
)
def test_bad_config_is_refused_naming_what_is_wrong(repo, change, named):
    config = load_config(repo) | change
    with pytest.raises(Exception) as error:
        validate(config, schema(repo))
    assert named in str(error.value)


@pytest.mark.workflow  # runs snakemake
def test_snakemake_stops_before_running_anything_on_a_bad_config(repo, workflow_copy):
    bad = workflow_copy / "bad.yaml"
    bad.write_text(yaml.safe_dump(load_config(repo) | {"epoch": 20}))
    result = run_snakemake(workflow_copy, "-n", "--configfile", str(bad))
    assert result.returncode != 0
    output = result.stdout + result.stderr  # Snakemake's log goes to stdout when that is no terminal
    assert "nothing was run: unknown config key epoch: did you mean epochs?\n" in output
    assert len(output.splitlines()) < 15  # not the schema and the config, as validate() prints them


@pytest.mark.parametrize("name", ["config.yaml", "small.yaml", "study10.yaml"])
def test_every_shipped_config_times_each_cell_equally_often_in_each_position(repo, name):
    from rnn_replication.pipeline import selection

    assert selection.timing_config_problem(load_config(repo, name)) is None


def test_an_unbalanced_timing_pass_is_refused_naming_the_repeats_that_would_balance_it(repo):
    from rnn_replication.pipeline import selection

    config = load_config(repo) | {"timing": {"repeats": 5}}
    assert selection.timing_config_problem(config) == (
        "timing.repeats is 5, but the timing pass times 3 cells: use a multiple of 3 (3 or 6), so that each "
        "cell is timed equally often in each position of a repeat"
    )
    assert selection.timing_config_problem(config | {"cells": ["lstm", "gru"]}) is not None
    assert selection.timing_config_problem(config | {"cells": ["lstm"]}) is None


def test_an_unknown_cell_or_form_is_refused_listing_the_valid_ones(repo):
    for change, valid in (
        ({"cells": ["lstm", "transformer"]}, "['simplernn', 'lstm', 'gru']"),
        ({"forms": ["deep"]}, "['single', 'stacked', 'bidirectional']"),
    ):
        with pytest.raises(Exception) as error:
            validate(load_config(repo) | change, schema(repo))
        assert valid in str(error.value)


@pytest.mark.workflow  # runs snakemake
def test_training_jobs_run_seed_by_seed_longest_first(repo):
    snakemake = shutil.which("snakemake") or str(Path(sys.executable).parent / "snakemake")
    result = subprocess.run(
        # Nested values too: Snakemake hands them over as strings ("0.01"), the workflow reads them as YAML.
        [snakemake, "-n", "--forceall", "--config", "seeds=[3,1]", "other_form_seeds=[3,1]"]
        + ["verdict={alpha: 0.01}", "timing={repeats: 3}"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    priority = {}  # (cell, form, seed) -> priority, from the dry run's job listing
    for job in result.stdout.split("rule train:")[1:]:
        wildcards = dict(pair.split("=") for pair in job.split("wildcards: ")[1].split("\n")[0].split(", "))
        key = (wildcards["cell"], wildcards["form"], int(wildcards["seed"]))
        priority[key] = int(job.split("priority: ")[1].split("\n")[0])
    assert len(priority) == 18
    # Every run of the first seed (3) before any of the second, so JAX's later seeds find a cached program.
    assert min(p for (_, _, seed), p in priority.items() if seed == 3) > max(
        p for (_, _, seed), p in priority.items() if seed == 1
    )
    # Within a seed, the longest run (stacked GRU / LSTM) first, the shortest (single SimpleRNN) last.
    seed_three = {(cell, form): p for (cell, form, seed), p in priority.items() if seed == 3}
    assert max(seed_three, key=seed_three.get)[1] == "stacked"
    assert min(seed_three, key=seed_three.get) == ("simplernn", "single")


def test_the_schemas_choices_are_the_grid_axes_of_the_run_specification(repo):
    """The schema lists the axes' values for its error messages; rnn_replication.core.spec defines them."""
    from rnn_replication.core import spec
    from rnn_replication.data import fetch

    properties = yaml.safe_load(Path(schema(repo)).read_text())["properties"]
    assert properties["cells"]["items"]["enum"] == list(spec.CELLS)
    assert properties["forms"]["items"]["enum"] == list(spec.FORMS)
    assert properties["semantics"]["enum"] == list(spec.SEMANTICS)
    assert properties["backend"]["enum"] == list(spec.BACKENDS)
    sources = properties["data"]["properties"]["sources"]
    assert sources["items"]["enum"] == sources["default"] == list(fetch.DOWNLOAD_SOURCES)


@pytest.mark.workflow  # runs snakemake
def test_a_negative_seed_on_the_command_line_is_named_as_below_the_minimum(repo):
    snakemake = shutil.which("snakemake") or str(Path(sys.executable).parent / "snakemake")
    result = subprocess.run(
        [snakemake, "-n", "--config", "seeds=[-1]"], cwd=repo, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "-1 is less than the minimum of 0" in result.stdout + result.stderr


def test_command_line_values_are_read_as_yaml_at_any_depth():
    # `--config` entries as typed: Snakemake's own parser leaves the strings inside a list or mapping.
    entries = [
        "verdict={alpha: 0.01, margins: {x: 1e-3}}",
        "seeds=[0,1]",
        "compare_semantics=true",
        "data={local_path: 2024.npz, sources: [keras]}",
        "epochs=5",
        "learning_rate=1e-3",
        "verdict={margins: {y: 2}}",  # merged over the earlier verdict, as Snakemake merges entries
    ]
    assert typed_command_line_values(entries) == {
        "verdict": {"alpha": 0.01, "margins": {"x": 0.001, "y": 2}},
        "seeds": [0, 1],
        "compare_semantics": True,
        "data": {"local_path": "2024.npz", "sources": ["keras"]},
        "epochs": 5,
        "learning_rate": 0.001,
    }
    assert typed_command_line_values(None) == typed_command_line_values([]) == {}


def test_command_line_strings_come_through_as_typed():
    entries = [
        # Quoted inside a mapping: the quotes say "a string", and ` #` is no comment inside them.
        "data={local_path: 'a #b.npz'}",
        "x={flag: yes, word: 'yes', mode: '0777', rate: '1e-3', path: \"c #d\"}",
        # A plain string at the top level, exactly as typed; a quoted one is the string inside the quotes.
        "reference=dir #1/summary.csv",
        "quoted='0777'",
        "word=yes",
        "broken=[0,1",  # not YAML: a string, which the schema then refuses where it wants a list
    ]
    assert typed_command_line_values(entries) == {
        "data": {"local_path": "a #b.npz"},
        "x": {"flag": True, "word": "yes", "mode": "0777", "rate": "1e-3", "path": "c #d"},
        "reference": "dir #1/summary.csv",
        "quoted": "0777",
        "word": "yes",
        "broken": "[0,1",
    }


def effective_config(repo, *entries):
    """config/config.yaml with the `--config` entries merged over it, as the workflow sees it."""
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    update_config(config, typed_command_line_values(entries))
    return config


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("learning_rate=nan", "config value learning_rate is nan: expected a finite number"),
        ("learning_rate=inf", "config value learning_rate is inf: expected a finite number"),
        ("verdict={alpha: .nan}", "config value verdict.alpha is nan: expected a finite number"),
        (
            "verdict={margins: {test_loss: .inf}}",
            "config value verdict.margins.test_loss is inf: expected a finite number",
        ),
        (
            "verdict={max_other_cpu_share: -.inf}",
            "config value verdict.max_other_cpu_share is -inf: expected a finite number",
        ),
        ("seeds=[0, .nan]", "config value seeds[1] is nan: expected a finite number"),
    ],
)
def test_a_number_that_is_not_finite_is_refused_naming_its_key(repo, entry, problem):
    assert config_problem(effective_config(repo, entry), schema(repo)) == problem


def test_a_not_finite_number_in_a_config_file_is_refused_too(repo):
    config = effective_config(repo)
    config["verdict"]["alpha"] = yaml.safe_load("alpha: .nan")["alpha"]  # as an overlay's `alpha: .nan`
    assert (
        config_problem(config, schema(repo)) == "config value verdict.alpha is nan: expected a finite number"
    )


@pytest.mark.parametrize("name", ["config.yaml", "small.yaml", "study10.yaml"])
def test_the_shipped_configs_have_no_problem(repo, name):
    assert config_problem(load_config(repo, name), schema(repo)) is None


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("lerning_rate=0.01", "unknown config key lerning_rate: did you mean learning_rate?"),
        ("verdict={alfa: 0.01}", "unknown config key verdict.alfa: did you mean verdict.alpha?"),
        ("data={local: x.npz}", "unknown config key data.local: did you mean data.local_path?"),
        (
            "verdict={margins: {accuracy: 0.01}}",
            "unknown config key verdict.margins.accuracy: did you mean verdict.margins.test_accuracy?",
        ),
        (
            "replication_rule=mean_2sd",
            "unknown config key replication_rule: expected one of cells, forms, seeds, other_form_seeds, "
            "semantics, compare_semantics, verdict, timing, container, reference, cpu_isa, backend, units, "
            "epochs, "
            "batch_size, learning_rate, train_subset, test_subset, threads_per_run, data",
        ),
        ("epochs=0", "config value epochs: 0 is less than the minimum of 1"),
        ("learning_rate=fast", "config value learning_rate: 'fast' is not of type 'number'"),
        ("seeds=[0,-1]", "config value seeds[1]: -1 is less than the minimum of 0"),
        (
            "cells=[lstm, transformer]",
            "config value cells[1]: 'transformer' is not one of ['simplernn', 'lstm', 'gru']",
        ),
        ("verdict={alpha: 0.7}", "config value verdict.alpha: 0.7 is greater than the maximum of 0.5"),
        ("compare_semantics=yes", "config value compare_semantics: 'yes' is not of type 'boolean'"),
        ("seeds=[0,1", "config value seeds: '[0,1' is not of type 'array'"),
        ("units=128.0", "config value units: 128.0 is not of type 'integer'"),
        ("seeds=[0, 1.0]", "config value seeds[1]: 1.0 is not of type 'integer'"),
    ],
)
def test_a_bad_config_is_named_in_one_line_with_what_was_expected(repo, entry, problem):
    assert config_problem(effective_config(repo, entry), schema(repo)) == problem


def test_a_missing_required_key_is_named_by_its_path(repo):
    config = effective_config(repo)
    del config["verdict"]["margins"]["test_loss"]
    assert config_problem(config, schema(repo)) == (
        "config key verdict.margins.test_loss is missing: expected a value, as the key has no default"
    )
    # A misspelt key is named before the key it leaves missing.
    config["verdict"]["margins"]["test_los"] = 0.02
    assert config_problem(config, schema(repo)).startswith("unknown config key verdict.margins.test_los:")


@pytest.mark.workflow  # runs snakemake
@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("lerning_rate=0.01", "unknown config key lerning_rate: did you mean learning_rate?"),
        ("verdict={alfa: 0.01}", "unknown config key verdict.alfa: did you mean verdict.alpha?"),
        ("verdict={alpha: .nan}", "config value verdict.alpha is nan: expected a finite number"),
    ],
)
def test_snakemake_names_a_bad_command_line_value_in_a_few_lines(workflow_copy, entry, problem):
    result = run_snakemake(workflow_copy, "-n", "--config", entry)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"nothing was run: {problem}\n" in output
    assert len(output.splitlines()) < 15


@pytest.mark.workflow  # runs snakemake
def test_a_quoted_path_in_a_command_line_mapping_reaches_the_workflow_whole(workflow_copy):
    # The data step's command line (-p) carries the config's data block.
    result = run_snakemake(
        workflow_copy, "-n", "-p", "resources/mnist.npz", "--config", "data={local_path: 'a #b.npz'}"
    )
    assert result.returncode == 0, result.stderr
    assert '"local_path": "a #b.npz"' in result.stdout


def test_a_broken_config_file_is_named_with_its_line(repo, tmp_path):
    from rnn_replication.pipeline.configuration import ConfigFileError, check_yaml_file

    broken = tmp_path / "config.yaml"
    broken.write_text("epochs: 2\nseeds: [0, 1\ntrain_subset: 1024\n")
    with pytest.raises(ConfigFileError) as error:
        check_yaml_file(broken)
    assert str(error.value).startswith(f"{broken}: not valid YAML, line 3, column 13: expected ',' or ']'")
    assert "begins on line 2, column 8" in str(error.value)
    for shipped in sorted((repo / "config").glob("*.yaml")):
        check_yaml_file(shipped)
