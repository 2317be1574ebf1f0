"""Each step's code fingerprint: the files it runs, by meaning (tests/test_workflow_end_to_end.py checks what
Snakemake then reruns)."""

import json
import shutil

import pytest

from rnn_replication.core import fingerprint

PACKAGE = "workflow/rnn_replication"


def names(step, root):
    return {path.rsplit("/", 1)[-1] for path in fingerprint.code_files(step, root)}


def test_each_step_runs_its_own_code_and_not_the_others(repo):
    train = names("train", repo)
    assert {
        "__init__.py",
        "spec.py",
        "mnist.py",
        "models.py",
        "fitting.py",
        "backends.py",
        "arithmetic.py",
    } <= train
    # What launches, logs, records or shows a run does not retrain it; nor do download code, scheduling,
    # fingerprints, collect, judge and report code.
    assert not train & {
        "train.ipynb",
        "run_notebook.py",
        "job.py",
        "epochs.py",
        "record.py",
        "devices.py",
        "records.py",
        "runs.py",
        "provenance.py",
        "curves.py",
        "fetch.py",
        "selection.py",
        "fingerprint.py",
        "gather.py",
        "numbers.py",
        "verdicts.py",
    }
    timing = names("timing", repo)
    assert {"measure.py", "models.py", "fitting.py"} <= timing and "time_cells.py" not in timing
    judge = names("judge", repo)
    assert {"numbers.py", "claims.py", "descriptive.py", "outputs.py"} <= judge
    assert not judge & {"gather.py", "provenance.py", "wording.py", "verdicts.py"}
    report = names("report", repo)
    assert {"report.ipynb", "verdicts.py", "environment.py", "figures.py", "wording.py"} <= report
    assert {"index.html.j2", "conf.json"} <= report and "run_notebook.py" not in report
    assert "fitting.py" not in report and "models.py" not in report
    assert names("bundle", repo) == {"bundle_report.py"}


def test_a_package_folder_stands_for_its_python_files_only(copy):
    """Compiled files (__pycache__) differ between interpreters and would move every fingerprint."""
    before = fingerprints(copy)
    cache = copy / PACKAGE / "train" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "models.cpython-311.pyc").write_bytes(b"\x00compiled")
    (copy / PACKAGE / "train" / "notes.txt").write_text("not code")
    assert fingerprints(copy) == before


@pytest.fixture
def copy(repo, tmp_path):
    for name in ("workflow", "notebooks"):
        shutil.copytree(repo / name, tmp_path / name)
    return tmp_path


def fingerprints(copy):
    return {step: fingerprint.code_fingerprints(step, copy) for step in fingerprint.STEP_ENTRIES}


def test_comments_docstrings_layout_and_markdown_change_no_fingerprint(copy):
    before = fingerprints(copy)
    training = copy / PACKAGE / "train" / "fitting.py"
    source = training.read_text()
    assert source.startswith('"""')
    # Another module docstring, a comment line, blank lines (layout) and a trailing comment.
    edited = '"""Edited.' + source[3:].replace("\n\n\n", "\n\n\n# a comment\n\n\n", 1)
    training.write_text(edited + "\n\n# trailing comment\n")
    notebook = copy / "notebooks" / "report.ipynb"
    cells = json.loads(notebook.read_text())
    markdown = next(cell for cell in cells["cells"] if cell["cell_type"] == "markdown")
    markdown["source"] = ["# Another title\n"]
    code = next(cell for cell in cells["cells"] if cell["cell_type"] == "code")
    code["source"] = ["# a new comment\n", *code["source"]]
    notebook.write_text(json.dumps(cells, indent=2))
    assert fingerprints(copy) == before


def test_a_change_of_meaning_changes_the_fingerprints_of_exactly_the_steps_that_run_the_file(copy):
    before = fingerprints(copy)
    models = copy / PACKAGE / "train" / "models.py"
    models.write_text(models.read_text() + "\nEDITED = 1\n")
    after = fingerprints(copy)
    changed = {step for step in before if before[step] != after[step]}
    assert changed == {"train", "timing"}
    (line,) = set(after["train"]) - set(before["train"])
    assert line.startswith(f"code {PACKAGE}/train/models.py ")


def test_a_notebook_cell_that_is_not_python_is_compared_without_its_comments():
    meaning = fingerprint._cell_meaning("%matplotlib inline\n# note\nx = 1")
    assert meaning == fingerprint._cell_meaning("%matplotlib inline\nx = 1")
    assert meaning.startswith("%matplotlib inline\n") and meaning != fingerprint._cell_meaning("x = 1")
    assert fingerprint._cell_meaning("x = 1  # note") == fingerprint._cell_meaning("x = 1")


def test_every_script_and_notebook_a_rule_runs_is_in_its_steps_code(repo):
    """STEP_ENTRIES repeats what each rule's command runs: a script added to a rule but not there would
    never be fingerprinted, unless it is listed as computing no number (NOT_STEP_CODE). The rules are
    the steps, by name (the data step has no code fingerprint)."""
    import re

    rules = {}
    for path in sorted((repo / "workflow" / "rules").glob("*.smk")):
        for name, body in re.findall(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", path.read_text(), re.M | re.S):
            rules[name] = set(re.findall(r"(?:workflow/scripts|notebooks)/[\w.]+\.(?:py|ipynb)", body))
    assert set(rules) - {"fetch_mnist"} == set(fingerprint.STEP_ENTRIES)
    for step, entries in fingerprint.STEP_ENTRIES.items():
        assert rules[step] - set(fingerprint.NOT_STEP_CODE) <= set(entries), step
    assert rules["fetch_mnist"] == {"workflow/scripts/fetch_mnist.py"}


def test_a_syntax_error_names_the_file_and_imports_after_magics_are_followed(copy):
    broken = copy / PACKAGE / "report" / "verdicts.py"
    broken.write_text(broken.read_text() + "\ndef (:\n")
    with pytest.raises(SyntaxError, match=r"workflow/rnn_replication/report/verdicts.py, line \d+"):
        fingerprint.code_files("report", copy)
    notebook = copy / "notebooks" / "report.ipynb"
    cells = json.loads(notebook.read_text())
    cells["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "%matplotlib inline\nfrom rnn_replication.data import fetch",
        }
    )
    notebook.write_text(json.dumps(cells))
    broken.write_text(broken.read_text().replace("\ndef (:\n", ""))
    assert f"{PACKAGE}/data/fetch.py" in fingerprint.code_files("report", copy)
