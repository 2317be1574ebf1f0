"""The training notebook run alone, as a user would, with papermill's own command line."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.workflow


def run_train_notebook(repo, tmp_path, *parameters):
    output = tmp_path / "train.ipynb"
    result = subprocess.run(
        [
            sys.executable,
            str(repo / "workflow" / "scripts" / "run_notebook.py"),
            "notebooks/train.ipynb",
            str(output),
        ]
        + ["--no-progress-bar", "-p", "metrics_path", str(tmp_path / "m.json")]
        + ["-p", "history_path", str(tmp_path / "h.csv"), *parameters],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [
        "".join(output["traceback"])
        for cell in json.loads(output.read_text())["cells"]
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    return result, errors


def test_a_wrong_typed_parameter_is_refused_naming_it(repo, tmp_path):
    result, errors = run_train_notebook(repo, tmp_path, "-p", "epochs", "twenty")
    assert result.returncode != 0
    assert "epochs must be a positive integer, got 'twenty' (str)" in errors[0]
    assert not (tmp_path / "m.json").exists()


def test_an_unknown_cell_is_refused_listing_the_valid_ones(repo, tmp_path):
    result, errors = run_train_notebook(repo, tmp_path, "-p", "cell", "transformer")
    assert result.returncode != 0
    assert "unknown cell 'transformer'; expected one of simplernn, lstm, gru" in errors[0]


def test_a_misspelled_parameter_is_refused_naming_the_nearest_valid_one(repo, tmp_path):
    result, errors = run_train_notebook(repo, tmp_path, "-p", "epoch", "1")
    assert result.returncode != 0
    assert "unknown notebook parameter 'epoch'; did you mean 'epochs'?" in errors[0]
    assert not (tmp_path / "m.json").exists()
