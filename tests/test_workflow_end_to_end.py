"""The real DAG, end to end, on the small config without the semantics study: MNIST -> the 3 single-layer
configurations x 2 seeds, the 6 others x 1 seed, the timing pass -> summary -> verdicts -> report.html.
The Keras 3 semantics train on another backend below (their report section renders in
test_report_grids.py)."""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from workflow_copy import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

CELLS, FORMS = ("simplernn", "lstm", "gru"), ("single", "stacked", "bidirectional")
SEEDS, OTHER_FORM_SEEDS = [0, 1], [0]


def variant_of(workdir: Path) -> str:
    """The one variant of the config's runs (article semantics only)."""
    (variant,) = pd.read_csv(workdir / "results" / "summary.csv")["variant"].unique()
    return variant


def run_small_workflow(repo, mnist_npz, workdir: Path, **overrides) -> Path:
    """A copy of the workflow in ``workdir``, run on config/small.yaml with ``overrides``."""
    copy_workflow(repo, workdir, mnist_npz, **overrides)
    result = snakemake(workdir, "--cores", "2", "--configfile", "config/test.yaml")
    assert result.returncode == 0, result.stderr[-5000:]
    (workdir / "terminal.txt").write_text(result.stdout + result.stderr)  # what the user saw
    return workdir


@pytest.fixture(scope="module")
def finished_workflow(repo, mnist_npz, tmp_path_factory):
    # Three timing repeats: each cell once in each position (the small config's six also balance which
    # cell precedes which).
    return run_small_workflow(
        repo,
        mnist_npz,
        tmp_path_factory.mktemp("workflow"),
        seeds=SEEDS,
        other_form_seeds=OTHER_FORM_SEEDS,
        compare_semantics=False,
        timing={"repeats": 3},
    )


def test_every_configuration_ran_once_per_seed_and_was_collected(finished_workflow):
    summary = pd.read_csv(finished_workflow / "results" / "summary.csv")
    article = summary[summary["semantics"] == "article"]
    assert len(article) == len(summary) == 3 * len(SEEDS) + 6 * len(OTHER_FORM_SEEDS)
    assert set(zip(article["cell"], article["form"], article["seed"], strict=True)) == {
        (c, f, s) for c in CELLS for f in FORMS for s in (SEEDS if f == "single" else OTHER_FORM_SEEDS)
    }
    assert (summary["epochs"] == 2).all() and (summary["train_images"] == 1024).all()
    assert summary["variant"].nunique() == 1  # one variant: the config's runs under article semantics
    for row in summary.itertuples():
        run_dir = finished_workflow / "results" / "runs" / row.variant / row.run
        assert run_dir == finished_workflow / Path(row.metrics_path).parent
        for name in ("train.ipynb", "metrics.json", "model.keras", "confusion.csv"):
            assert (run_dir / name).exists(), (row.run, name)
        # The executed notebook the report links to shows the run, not TensorFlow's start-up lines.
        executed = (run_dir / "train.ipynb").read_text()
        assert "cpu_feature_guard" not in executed and "cudart_stub" not in executed, row.run
        assert len(pd.read_csv(run_dir / "history.csv")) == 2
        log = (finished_workflow / "logs" / "train" / row.variant / f"{row.run}.log").read_text()
        epoch_lines = re.findall(r"^\S+ epoch \d+/2: ", log, flags=re.MULTILINE)
        assert len(epoch_lines) == 2, log[-2000:]
    # Seeds change the numbers.
    lstm = article[(article["cell"] == "lstm") & (article["form"] == "single")]
    assert lstm["test_loss"].nunique() == 2


def test_the_terminal_shows_the_timing_pass_the_whole_estimate_and_the_progress(finished_workflow):
    terminal = (finished_workflow / "terminal.txt").read_text()
    runs = 3 * len(SEEDS) + 6 * len(OTHER_FORM_SEEDS)
    for repeat in range(1, 4):
        line = rf"^timing: repeat {repeat}/3: .*; other processes took up to .* % of the pass's \S+ CPUs$"
        assert re.search(line, terminal, flags=re.MULTILINE), repeat
    estimate = re.search(
        rf"^estimate: {runs} of {runs} runs to train, about (\d+) (s|min) with 2 at once",
        terminal,
        flags=re.MULTILINE,
    )
    assert estimate, terminal[-3000:]
    progress = re.findall(r"^progress: (\S+) done; (\d+) of (\d+) runs trained", terminal, flags=re.MULTILINE)
    # One line per run; two runs finishing together may count the same number done.
    assert len(progress) == runs and {total for *_, total in progress} == {str(runs)}
    assert max(int(done) for _, done, _ in progress) == runs and "all runs trained" in terminal
    assert f"this config's runs: results/runs/{variant_of(finished_workflow)}/ ({runs} runs" in terminal
    (timing_log,) = (finished_workflow / "logs" / "timing").glob("*.log")
    assert "cpu_feature_guard" not in terminal and "cpu_feature_guard" not in timing_log.read_text()


def test_the_verdicts_cover_every_article_number_and_claim(finished_workflow):
    verdicts = pd.read_csv(finished_workflow / "results" / "replication.csv")
    assert verdicts["kind"].value_counts().to_dict() == {"number": 9, "claim": 5}
    numbers = verdicts[
        (verdicts["kind"] == "number") & verdicts["metric"].isin(["test_accuracy", "test_loss"])
    ]
    assert (numbers["n"] == len(SEEDS)).all() and numbers["pi_low"].notna().all()
    assert set(verdicts["verdict"]) <= {
        "not replicated",
        "replicated",
        "consistent, inconclusive",
        "replicated (exact)",
        "supported",
        "contradicted",
        "inconclusive",
        "not judged",  # the speed claim, where the tests' machine was busy
        "holds by construction",
    }
    (timing_table,) = (finished_workflow / "results" / "timing").glob("*/timing.csv")
    timing = pd.read_csv(timing_table)
    # Balanced: each cell timed equally often in each position; the machine's load beside each epoch.
    assert timing.groupby(["cell", "position"]).size().unique().tolist() == [1]
    assert timing["others_cpu_share"].between(0, 1).all() and (timing["cpu_seconds"] > 0).all()


def test_report_leads_with_the_verdicts_then_the_grid_and_the_semantics_study(finished_workflow):
    html = (finished_workflow / "results" / "report.html").read_text(encoding="utf-8")
    headings = [
        "Does it replicate?",
        "The article&#39;s claims",
        "The article&#39;s numbers",
        "The article&#39;s training curves",
        "Features of the article&#39;s log",
        "Parameters and speed",
        "The full grid",
        "Spread over seeds",
        "Training histories",
        "What the models get wrong",
        "Keras 2.2 vs Keras 3 semantics",
        "Environment",
        "record is",
    ]
    positions = [html.replace("'", "&#39;").find(heading) for heading in headings]
    assert -1 not in positions and positions == sorted(positions), dict(zip(headings, positions, strict=True))
    for article_value in ("97.33", "98.67", "98.79", "20,096", "80,384", "60,288", "显著高于"):
        assert article_value in html, article_value
    # One generated sentence per article number, each with its verdict.
    for label in ("SimpleRNN", "LSTM", "GRU"):
        for number in ("test accuracy", "test loss"):
            assert re.search(rf"<strong>{label} {number}: (not replicated|replicated|consistent)", html), (
                label
            )
    assert "95 % prediction interval" in html and "Holm" in html and "Speed, as ratios" in html
    assert "Not run: set <code>compare_semantics: true</code>" in html
    for run in pd.read_csv(finished_workflow / "results" / "summary.csv")["run"]:
        assert run in html
    assert html.count("data:image/png;base64,") >= 7  # no semantics figure without the study
    assert "most confused (true → predicted" in html
    assert not re.search(r"<script[^>]+src=", html), "report must not load scripts from elsewhere"
    assert "Not the article&#39;s setting" in html or "Not the article's setting" in html


def test_a_finished_workflow_has_nothing_left_to_do(finished_workflow):
    result = snakemake(finished_workflow, "-n", "--configfile", "config/test.yaml")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_the_reports_rebuild_command_followed_literally_retrains_that_run_under_the_same_config(
    finished_workflow,
):
    """The overlay the workflow ran with is in the report's rebuild commands: followed as printed (here
    as a dry run), one command retrains exactly its run, with the same settings (its variant folder)."""
    import html as html_escaping
    import shlex

    page = (finished_workflow / "results" / "report.html").read_text(encoding="utf-8")
    commands = [html_escaping.unescape(code) for code in re.findall(r"<code>(snakemake [^<]*)</code>", page)]
    summary = pd.read_csv(finished_workflow / "results" / "summary.csv")
    assert len(set(commands)) == len(summary)  # one per run (the first also as the example above the table)
    command = shlex.split(commands[0])
    assert command[:5] == ["snakemake", "--cores", "2", "--configfile", "config/test.yaml"]
    assert command[-2:] == ["--forcerun", summary["metrics_path"].iloc[0]]
    result = snakemake(finished_workflow, *command[1:], "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    jobs = output.split("Job stats:")[1].split("total")[0]
    assert re.search(r"^train\s+1$", jobs, re.M), jobs
    assert f"{summary['metrics_path'].iloc[0]}" in output and "Params have changed" not in output


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_same_notebooks_run_on_another_backend(backend, repo, mnist_npz, tmp_path):
    pytest.importorskip(backend, reason=f"{backend} is not installed (see README: backends)")
    # GRU under both semantics: its parameter count is the one the article semantics change.
    cells = ["gru"]
    copy_workflow(
        repo,
        tmp_path,
        mnist_npz,
        backend=backend,
        cells=cells,
        forms=["single"],
        seeds=[0],
        compare_semantics=True,
    )
    # The training runs and their summary: the steps after it are the backend-free ones tested above.
    result = snakemake(tmp_path, "results/summary.csv", "--cores", "2", "--configfile", "config/test.yaml")
    assert result.returncode == 0, result.stderr[-5000:]
    summary = pd.read_csv(tmp_path / "results" / "summary.csv")
    assert len(summary) == 2 * len(cells) and set(summary["backend"]) == {backend}
    # Keras 2.2's GRU on any backend; Keras 3's reset_after=True adds a second recurrent bias.
    counts = dict(zip(summary["semantics"], summary["recurrent_params"], strict=True))
    assert counts == {"article": 60288, "modern": 60672}
    for run, path in zip(summary["run"], summary["history_path"], strict=True):
        history = pd.read_csv(tmp_path / path)  # it learned: the training loss fell from epoch 1 to 2
        assert history["loss"].iloc[1] < history["loss"].iloc[0], run


def planned_jobs(workdir, *arguments: str) -> dict[str, int]:
    """Rule name -> number of jobs in a dry run of the workflow copy (with the reasons in its output)."""
    result = snakemake(workdir, "-n", "--configfile", "config/test.yaml", *arguments)
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    table = output.split("Job stats:")[1].split("total")[0] if "Job stats:" in output else ""
    counts = {}
    for line in table.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts, output


def edited(path: Path, text: str):
    """Append ``text`` to ``path`` and return how to undo it."""
    original = path.read_bytes()
    path.write_bytes(original + text.encode())
    return lambda: path.write_bytes(original)


def reworded(path: Path):
    """Reword ``path``'s module docstring (where it has one) and add a comment; return how to undo it."""
    original = path.read_text()
    text = original.replace('"""', '"""Reworded. ', 1) if original.startswith('"""') else original
    path.write_text(text + "\n# a comment\n")
    return lambda: path.write_text(original)


def downstream(*rules: str) -> dict[str, int]:
    return dict.fromkeys(rules, 1) | {"all": 1}


def test_a_changed_setting_retrains_exactly_the_runs_it_changes_and_threads_retrain_nothing(
    finished_workflow,
):
    runs = len(pd.read_csv(finished_workflow / "results" / "summary.csv"))
    variant = variant_of(finished_workflow)
    jobs, output = planned_jobs(finished_workflow, "--config", "epochs=3")
    # Another variant: its runs are trained beside these; the timing pass does not depend on the epochs.
    assert jobs == {"train": runs} | downstream("collect", "judge", "report", "bundle"), jobs
    assert f"new; differs from results/runs/{variant}/ in epochs 2 -> 3)" in output
    jobs, _ = planned_jobs(finished_workflow, "--config", "test_subset=256")
    assert jobs == {"train": runs} | downstream("timing", "collect", "judge", "report", "bundle"), jobs
    # Settings that cannot change a number: threads (the digits do not depend on them), data routes.
    assert planned_jobs(finished_workflow, "--config", "threads_per_run=2")[0] == {}


def test_what_logs_records_plots_or_launches_and_the_rules_text_retrain_nothing(finished_workflow):
    """Edits of the code around the numbers, each a real change of meaning: the epoch line's text,
    TensorBoard's writer, the run record, the start-up noise filter, the notebook's plotting cell, the
    launcher's retry count, git's timeout; and two spaces inside the train rule's shell string."""
    root = finished_workflow
    package = root / "workflow" / "rnn_replication"
    edits = {
        package / "observe" / "epochs.py": [
            (" - about {records.duration(left)} left", " - ETA {records.duration(left)}"),
            ("write_graph=False", "write_graph=True"),
        ],
        package / "observe" / "record.py": [
            ('"python": platform.python_version(),', '"python": platform.python(),')
        ],
        package / "observe" / "devices.py": [
            ('"failed call to cuInit",', '"failed call to cuInit",\n        "one more noise",')
        ],
        package / "core" / "provenance.py": [("timeout=30", "timeout=60")],
        root / "workflow" / "scripts" / "run_notebook.py": [("ATTEMPTS = 3", "ATTEMPTS = 5")],
        root / "workflow" / "rules" / "train.smk": [
            (" -p tensorboard_dir {params.tensorboard:q}", "  -p tensorboard_dir  {params.tensorboard:q}")
        ],
        root / "notebooks" / "train.ipynb": [('f\\", seed {seed}\\")', 'f\\", seed {seed} (training)\\")')],
    }
    originals = {path: path.read_text() for path in edits}
    try:
        for path, replacements in edits.items():
            text = originals[path]
            for old, new in replacements:
                assert old in text, (path, old)
                text = text.replace(old, new)
            path.write_text(text)
        jobs, output = planned_jobs(finished_workflow)
    finally:
        for path, text in originals.items():
            path.write_text(text)
    assert jobs == {}, output[-3000:]


def test_comments_docstrings_and_touch_rerun_nothing(finished_workflow):
    code = [
        *sorted((finished_workflow / "workflow" / "rnn_replication").rglob("*.py")),
        *sorted((finished_workflow / "workflow" / "scripts").glob("*.py")),
    ]
    undo = [reworded(path) for path in code]
    notebook = finished_workflow / "notebooks" / "train.ipynb"
    original = notebook.read_text()
    cells = json.loads(original)
    cells["cells"][0]["source"] = ["# Another title\n"]  # markdown
    notebook.write_text(json.dumps(cells, indent=2))
    try:
        for path in finished_workflow.rglob("*"):
            if path.is_file() and ".snakemake" not in path.parts:
                path.touch()
        jobs, output = planned_jobs(finished_workflow)
    finally:
        for step in undo:
            step()
        notebook.write_text(original)
    assert jobs == {}, output[-3000:]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "workflow/rnn_replication/train/models.py",
            ("train", "timing", *("collect", "judge", "report", "bundle")),
        ),
        ("workflow/rnn_replication/timing/measure.py", ("timing", "judge", "report", "bundle")),
        ("workflow/rnn_replication/data/fetch.py", ()),  # the data is judged by its checksum
        ("workflow/rnn_replication/collect/gather.py", ("collect", "judge", "report", "bundle")),
        ("workflow/rnn_replication/judge/numbers.py", ("judge", "report", "bundle")),
        ("workflow/rnn_replication/report/wording.py", ("report", "bundle")),
        ("workflow/rnn_replication/report/verdicts.py", ("report", "bundle")),
        ("workflow/scripts/bundle_report.py", ("bundle",)),
    ],
)
def test_a_real_code_edit_reruns_exactly_that_step_and_its_dependants(finished_workflow, path, expected):
    undo = edited(finished_workflow / path, "\nEDITED_FOR_A_TEST = 1\n")
    try:
        jobs, output = planned_jobs(finished_workflow)
    finally:
        undo()
    if not expected:
        assert jobs == {}, output[-3000:]
        return
    runs = len(pd.read_csv(finished_workflow / "results" / "summary.csv"))
    assert jobs == downstream(*expected) | ({"train": runs} if "train" in expected else {}), jobs
    assert f"code {path} " in output  # the reason names the file whose meaning changed


def broken_report_notebook(notebook: Path):
    """Break the report notebook with a cell that raises; return how to undo it."""
    good = notebook.read_text()
    broken = json.loads(good)
    broken["cells"].insert(
        2,
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "raise RuntimeError('a broken report')",
        },
    )
    notebook.write_text(json.dumps(broken))
    return lambda: notebook.write_text(good)


def test_failures_keep_what_was_computed_and_one_plain_run_rebuilds_exactly_what_is_missing(
    finished_workflow,
):
    """Three failures in a row, as a user meets them, then one plain run: a damaged history stops collect
    naming it; a broken report keeps the previous report and its own traceback; a deleted run record is
    retrained alone. One sequence, so that the DAG after collect runs twice instead of six times."""
    results = finished_workflow / "results"
    report = results / "report.html"
    good_report, report_made = report.read_bytes(), report.stat().st_mtime
    runs_dir = results / "runs" / variant_of(finished_workflow)
    victim = runs_dir / "simplernn-single-article-seed1" / "metrics.json"  # the quickest to retrain
    others = {path: path.stat().st_mtime for path in runs_dir.glob("*/metrics.json") if path != victim}

    # 1. A damaged history: collect stops, naming the file; the report is kept.
    history = runs_dir / "lstm-single-article-seed0" / "history.csv"
    good_history = history.read_bytes()
    history.write_text("epoch,loss\n1,0.5\n")
    try:
        result = snakemake(finished_workflow, "--cores", "2", "--configfile", "config/test.yaml")
        assert result.returncode != 0
        assert f"{history.relative_to(finished_workflow)}: missing columns accuracy" in result.stderr
        assert report.read_bytes() == good_report
    finally:
        history.write_bytes(good_history)

    # 2. A broken report: the previous report is kept, the executed notebook shows the traceback.
    undo = broken_report_notebook(finished_workflow / "notebooks" / "report.ipynb")
    try:
        jobs, _ = planned_jobs(finished_workflow)
        # collect again (the failed job removed the summary), then what depends on it
        assert jobs == downstream("collect", "judge", "report", "bundle"), jobs
        result = snakemake(finished_workflow, "--cores", "2", "--configfile", "config/test.yaml")
        assert result.returncode != 0
        assert "The report failed; the previous one, if any, is kept" in result.stderr
        assert report.read_bytes() == good_report
        executed = (finished_workflow / "logs" / "report.ipynb").read_text()
        assert "a broken report" in executed and "RuntimeError" in executed
        assert planned_jobs(finished_workflow)[0] == downstream("report", "bundle")
    finally:
        undo()

    # 3. A deleted run record: a plain run retrains that run alone and brings everything up to date.
    victim.unlink()
    jobs, _ = planned_jobs(finished_workflow)
    assert jobs == downstream("collect", "judge", "report", "bundle") | {"train": 1}, jobs
    result = snakemake(finished_workflow, "--cores", "2", "--configfile", "config/test.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert victim.exists() and report.stat().st_mtime > report_made
    assert {path: path.stat().st_mtime for path in others} == others  # no other run was retrained
    assert planned_jobs(finished_workflow)[0] == {}


def test_changing_only_where_the_data_comes_from_fetches_and_retrains_nothing(finished_workflow):
    config_path = finished_workflow / "config" / "test.yaml"
    original = config_path.read_text()
    config = yaml.safe_load(original)
    config["data"] = {"local_path": "", "sources": ["npm"]}
    config_path.write_text(yaml.safe_dump(config))
    try:
        assert planned_jobs(finished_workflow)[0] == {}
    finally:
        config_path.write_text(original)


def test_a_config_value_never_reaches_a_shell_and_a_refused_fetch_keeps_the_verified_file(finished_workflow):
    data_file = finished_workflow / "resources" / "mnist.npz"
    verified = data_file.read_bytes()
    bad = finished_workflow / "bad.npz"
    bad.write_bytes(b"not an npz")
    refusals = {"x'$(touch pwned)'.npz": "does not exist", "bad.npz": "bad.npz: not a readable .npz"}
    for local_path, refusal in refusals.items():
        result = snakemake(
            finished_workflow,
            *("resources/mnist.npz", "--cores", "1", "--configfile", "config/test.yaml"),
            *("--forcerun", "resources/mnist.npz", "--config", f"data={{local_path: {local_path}}}"),
        )
        assert result.returncode != 0
        assert "Restored previous version of resources/mnist.npz" in result.stderr, result.stderr[-3000:]
        assert refusal in result.stderr and data_file.read_bytes() == verified
    assert not list(finished_workflow.rglob("pwned"))
    assert planned_jobs(finished_workflow)[0] == {}


def test_a_changed_margin_judges_again_and_retrains_nothing(finished_workflow):
    config_path = finished_workflow / "config" / "test.yaml"
    original = config_path.read_text()
    config = yaml.safe_load(original)
    config.setdefault("verdict", {})["margins"] = {"test_accuracy": 0.01}
    config_path.write_text(yaml.safe_dump(config))
    try:
        jobs, output = planned_jobs(finished_workflow)
        assert jobs == {"judge": 1, "report": 1, "bundle": 1, "all": 1}, jobs
        assert "Params have changed since last execution" in output
    finally:
        config_path.write_text(original)


def test_a_changed_quiet_threshold_times_the_pass_again_and_retrains_nothing(finished_workflow):
    """verdict.max_other_cpu_share decides which repeats the timing pass keeps: it is part of the pass's
    identity, so a new threshold times it anew (beside the old pass) and judges again."""
    config_path = finished_workflow / "config" / "test.yaml"
    original = config_path.read_text()
    config = yaml.safe_load(original)
    config.setdefault("verdict", {})["max_other_cpu_share"] = 0.5
    config_path.write_text(yaml.safe_dump(config))
    try:
        jobs, _ = planned_jobs(finished_workflow)
        assert jobs.get("timing") == 1 and "train" not in jobs and "judge" in jobs, jobs
    finally:
        config_path.write_text(original)


def test_a_replication_compared_with_itself_has_identical_digits_and_a_reference_reruns_nothing_else(
    finished_workflow,
):
    reference = finished_workflow / "reference.csv"
    reference.write_bytes((finished_workflow / "results" / "summary.csv").read_bytes())
    target = ("results/comparison.csv", "--cores", "1", "--configfile", "config/test.yaml")
    result = snakemake(finished_workflow, *target, "--config", f"reference={reference}")
    assert result.returncode == 0, result.stderr[-3000:]
    compared = pd.read_csv(finished_workflow / "results" / "comparison.csv")
    runs = pd.read_csv(finished_workflow / "results" / "summary.csv").groupby(["cell", "form"]).ngroups
    assert len(compared) == 2 * runs and set(compared["verdict"]) == {"identical digits"}
    # Every run recorded its arithmetic fingerprint (observe.probe); a configuration's runs share one.
    assert set(compared["arithmetic"]) == {"same arithmetic, identical digits"}
    fingerprints = pd.read_csv(finished_workflow / "results" / "summary.csv", dtype={"arithmetic": str})
    assert fingerprints["arithmetic"].str.fullmatch("[0-9a-f]{12}").all()
    (timing,) = (finished_workflow / "results" / "timing").glob("*/timing.csv")
    assert pd.read_csv(timing, dtype={"arithmetic": str})["arithmetic"].str.fullmatch("[0-9a-f]{12}").all()
    assert planned_jobs(finished_workflow)[0] == {}  # without a reference, nothing to do


def test_snakemakes_own_report_is_one_archive_with_the_tables_figures_and_run_records(finished_workflow):
    result = snakemake(finished_workflow, "--report", "report.zip", "--configfile", "config/test.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    with zipfile.ZipFile(finished_workflow / "report.zip") as archive:
        names = archive.namelist()
        wanted_files = ("summary.csv", "provenance.csv", "replication.csv", "timing.csv", "confusion.csv")
        for wanted in (*wanted_files, "confusion.png", "verdict-test_accuracy.png"):
            assert any(name.endswith(f"/{wanted}") for name in names), wanted
        # Snakemake's own page is report/report.html; the bundle's report.html sits in a folder of its own.
        (index,) = [name for name in names if name.endswith("/report.html") and name != "report/report.html"]
        html = archive.read(index).decode("utf-8")
    links = re.findall(r'href="(runs/[^"]+)"', html)
    runs = len(pd.read_csv(finished_workflow / "results" / "summary.csv"))
    assert len(links) == 3 * runs  # notebook, metrics and history of every run
    base = index.rsplit("/", 1)[0]
    assert all(f"{base}/{link}" in names for link in links)  # the links work inside the archive


def test_another_config_keeps_these_runs_and_coming_back_trains_nothing(finished_workflow):
    """The quick look, another look, then the quick look again: each config's runs stay in their variant's
    folder, the third run trains nothing (collect, judge and report run again, for that config's runs
    only), and each summary and report holds exactly its own config's runs."""
    config = yaml.safe_load((finished_workflow / "config" / "test.yaml").read_text())
    other = config | {"cells": ["lstm"], "forms": ["single"], "seeds": [0], "epochs": 1}
    (finished_workflow / "config" / "other.yaml").write_text(yaml.safe_dump(other))
    first_runs = pd.read_csv(finished_workflow / "results" / "summary.csv")
    kept = {path: (finished_workflow / path).stat().st_mtime for path in first_runs["metrics_path"]}
    result = snakemake(finished_workflow, "--cores", "2", "--configfile", "config/other.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    other_runs = pd.read_csv(finished_workflow / "results" / "summary.csv")
    assert other_runs["run"].tolist() == ["lstm-single-article-seed0"]
    assert other_runs["variant"].iloc[0] != first_runs["variant"].iloc[0]
    html = (finished_workflow / "results" / "report.html").read_text(encoding="utf-8")
    assert "lstm-single-article-seed0" in html and "gru-single-article-seed0" not in html
    # Back to the first config: its runs are all there, untouched; nothing trains or times again.
    jobs, output = planned_jobs(finished_workflow)
    assert jobs == downstream("collect", "judge", "report", "bundle"), output[-3000:]
    result = snakemake(finished_workflow, "--cores", "2", "--configfile", "config/test.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert {path: (finished_workflow / path).stat().st_mtime for path in kept} == kept
    again = pd.read_csv(finished_workflow / "results" / "summary.csv")
    pd.testing.assert_frame_equal(again, first_runs)
    html = (finished_workflow / "results" / "report.html").read_text(encoding="utf-8")
    assert all(run in html for run in first_runs["run"])
    assert planned_jobs(finished_workflow)[0] == {}
    # Both variants are listed, and the other one can be deleted with all its files.
    listing = subprocess.run(
        [sys.executable, "workflow/scripts/variants.py"],
        cwd=finished_workflow,
        capture_output=True,
        text=True,
    )
    assert (
        listing.returncode == 0 and len(re.findall(r"^[0-9a-f]{10}: \d+ runs?, ", listing.stdout, re.M)) == 2
    ), listing
    removed = subprocess.run(
        [sys.executable, "workflow/scripts/variants.py", "--delete", other_runs["variant"].iloc[0]],
        cwd=finished_workflow,
        capture_output=True,
        text=True,
    )
    assert removed.returncode == 0, removed.stderr
    assert not (finished_workflow / "results" / "runs" / other_runs["variant"].iloc[0]).exists()
    assert planned_jobs(finished_workflow)[0] == {}
