"""Each step's code fingerprint: the files it runs, by meaning (tests/test_workflow_end_to_end.py checks what
Snakemake then reruns)."""

import json
import shutil

import pytest

from rnn_replication.pipeline import fingerprint

PACKAGE = "workflow/rnn_replication"


def names(step, root):
    return {path.rsplit("/", 1)[-1] for path in fingerprint.code_files(step, root)}


def test_each_step_runs_its_own_code_and_not_the_others(repo):
    train = names("train", repo)
    assert {"train.ipynb", "run_notebook.py", "__init__.py", "runs.py", "mnist.py", "models.py"} <= train
    assert {"training.py", "records.py", "devices.py"} <= train
    # Download code, scheduling and fingerprints, collect, judge and report code do not retrain.
    assert not train & {
        "fetch.py",
        "selection.py",
        "fingerprint.py",
        "gather.py",
        "replication.py",
        "tables.py",
    }
    assert {"timing.py", "training.py", "time_cells.py"} <= names("timing", repo)
    judge = names("judge", repo)
    assert "replication.py" in judge and not judge & {"gather.py", "wording.py", "tables.py"}
    report = names("report", repo)
    assert {"report.ipynb", "tables.py", "figures.py", "wording.py", "index.html.j2", "conf.json"} <= report
    assert "training.py" not in report and "models.py" not in report
    assert names("bundle", repo) == {"bundle_report.py"}


@pytest.fixture
def copy(repo, tmp_path):
    for name in ("workflow", "notebooks"):
        shutil.copytree(repo / name, tmp_path / name)
    return tmp_path


def fingerprints(copy):
    return {step: fingerprint.code_fingerprints(step, copy) for step in fingerprint.STEP_ENTRIES}


def test_comments_docstrings_layout_and_markdown_change_no_fingerprint(copy):
    before = fingerprints(copy)
    training = copy / PACKAGE / "train" / "training.py"
    source = training.read_text()
    assert source.startswith('"""')
    # Another module docstring, a comment line, blank lines (layout) and a trailing comment.
    edited = '"""Edited.' + source[3:].replace("\n\n\n", "\n\n\n# a comment\n\n\n", 1)
    training.write_text(edited + "\n\n# trailing comment\n")
    notebook = copy / "notebooks" / "train.ipynb"
    cells = json.loads(notebook.read_text())
    cells["cells"][0]["source"] = ["# Another title\n"]  # markdown
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
    assert fingerprint._cell_meaning("%matplotlib inline\n# note\nx = 1") == "%matplotlib inline\nx = 1"
    assert fingerprint._cell_meaning("x = 1  # note") == fingerprint._cell_meaning("x = 1")


def test_every_script_and_notebook_a_rule_runs_is_in_its_steps_code(repo):
    """STEP_ENTRIES repeats what each rule's command runs: a script added to a rule but not there would
    never be fingerprinted. The rules are the steps, by name (the data step has no code fingerprint)."""
    import re

    rules = {}
    for path in sorted((repo / "workflow" / "rules").glob("*.smk")):
        for name, body in re.findall(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", path.read_text(), re.M | re.S):
            rules[name] = set(re.findall(r"(?:workflow/scripts|notebooks)/[\w.]+\.(?:py|ipynb)", body))
    assert set(rules) - {"fetch_mnist"} == set(fingerprint.STEP_ENTRIES)
    for step, entries in fingerprint.STEP_ENTRIES.items():
        assert rules[step] - set(fingerprint.OUTSIDE_RESULTS) <= set(entries), step
    assert rules["fetch_mnist"] == {"workflow/scripts/fetch_mnist.py"}


def test_a_syntax_error_names_the_file_and_imports_after_magics_are_followed(copy):
    broken = copy / PACKAGE / "report" / "tables.py"
    broken.write_text(broken.read_text() + "\ndef (:\n")
    with pytest.raises(SyntaxError, match=r"workflow/rnn_replication/report/tables.py, line \d+"):
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
