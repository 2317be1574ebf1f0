"""The real DAG, end to end, on the small config: MNIST -> 9 notebooks -> summary -> report.html."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

WORKFLOW_FILES = ["Snakefile", "config", "workflow", "notebooks", "paper", "environment.yml"]
CELLS, FORMS = ("simplernn", "lstm", "gru"), ("single", "stacked", "bidirectional")


def snakemake(workdir: Path, *arguments: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    bin_dir = Path(sys.executable).parent
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [str(bin_dir / "snakemake"), *arguments],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def finished_workflow(repo, mnist_npz, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("workflow")
    for name in WORKFLOW_FILES:
        source = repo / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, workdir / name)
    config = yaml.safe_load((repo / "config" / "small.yaml").read_text())
    config["data"]["local_path"] = str(mnist_npz)
    (workdir / "config" / "test.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(workdir, "--cores", "2", "--configfile", "config/test.yaml")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


def test_every_configuration_ran_and_was_collected(finished_workflow):
    summary = pd.read_csv(finished_workflow / "results" / "summary.csv")
    assert len(summary) == 9
    assert set(zip(summary["cell"], summary["form"], strict=True)) == {(c, f) for c in CELLS for f in FORMS}
    assert (summary["epochs"] == 2).all() and (summary["train_images"] == 1024).all()
    for row in summary.itertuples():
        run_dir = finished_workflow / "results" / "runs" / row.run
        assert (run_dir / "train.ipynb").exists() and (run_dir / "metrics.json").exists()
        assert len(pd.read_csv(run_dir / "history.csv")) == 2
        log = (finished_workflow / "logs" / "train" / f"{row.run}.log").read_text()
        epoch_lines = re.findall(r"^\S+ epoch \d+/2: ", log, flags=re.MULTILINE)
        assert len(epoch_lines) == 2, log[-2000:]


def test_report_holds_the_article_table_all_runs_and_embedded_figures(finished_workflow):
    html = (finished_workflow / "results" / "report.html").read_text(encoding="utf-8")
    for heading in ("The article", "The full grid", "Training histories", "Environment", "record is"):
        assert heading in html
    for article_value in ("97.33", "98.67", "98.79", "20,096", "80,384", "60,288"):
        assert article_value in html
    assert "accuracy, article (%)" in html and "delta (points)" in html
    for cell in CELLS:
        for form in FORMS:
            assert f"{cell}-{form}-article-seed0" in html
    assert html.count("data:image/png;base64,") >= 3
    assert not re.search(r"<script[^>]+src=", html), "report must not load scripts from elsewhere"
    assert "Not the article&#39;s setting" in html or "Not the article's setting" in html


def test_a_finished_workflow_has_nothing_left_to_do(finished_workflow):
    result = snakemake(finished_workflow, "-n", "--configfile", "config/test.yaml")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr
