"""Nothing lost: a killed workflow resumes where it stopped; a failing run shows where its traceback is."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workflow_copy import copy_workflow, run_paths, snakemake, snakemake_command

pytestmark = pytest.mark.workflow

SHORT = "simplernn-single-article-seed0"
LONG = "lstm-single-article-seed0"
CONFIG = "config/test.yaml"


def saved_epoch(workdir) -> int:
    state = workdir / run_paths(workdir, LONG).resume / "backup" / "training_metadata.json"
    try:
        return json.loads(state.read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def kill_everything_running_in(directory) -> None:
    """SIGKILL every process whose working directory is ``directory`` and wait until they are gone.

    Jupyter starts each kernel in a session of its own, so killing Snakemake's process group leaves the
    kernel training until it notices its parent is gone, possibly one more checkpoint later. A power
    loss would not wait: this kills the kernels too.
    """
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")) == Path(directory):
                os.kill(int(entry.name), signal.SIGKILL)
                pids.append(entry.name)
        except OSError:  # gone already, or not ours to look at
            pass
    deadline = time.monotonic() + 30
    while any((Path("/proc") / pid).exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_killed_workflow_resumes_the_interrupted_run_and_keeps_the_finished_ones(repo, mnist_npz, tmp_path):
    copy_workflow(
        repo,
        tmp_path,
        mnist_npz,
        cells=["simplernn", "lstm"],
        forms=["single"],
        seeds=[0],
        compare_semantics=False,
        epochs=6,
        train_subset=2048,
    )
    # The short run first (the workflow's own priority would start the LSTM first), so that it has
    # finished when the LSTM run is killed.
    first = run_paths(tmp_path, SHORT).metrics
    command, env = snakemake_command(
        "--cores", "1", "--prioritize", first, "--configfile", "config/test.yaml"
    )
    # Its own process group, so the kill reaches Snakemake and every notebook it started, as a
    # power loss or an out-of-memory kill of the whole job would.
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    finished = tmp_path / first
    long = run_paths(tmp_path, LONG)
    deadline = time.monotonic() + 600
    while not (finished.exists() and saved_epoch(tmp_path) >= 2) and process.poll() is None:
        assert time.monotonic() < deadline, "the workflow never got to the middle of the LSTM run"
        time.sleep(0.2)
    assert process.poll() is None, "the workflow finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kill_everything_running_in(tmp_path)
    finished_mtime = finished.stat().st_mtime
    saved = saved_epoch(tmp_path)
    assert not (tmp_path / long.metrics).exists()

    # Snakemake refuses to start over a kill's stale lock until told it is stale; the workflow profile
    # (profiles/default) then reruns the incomplete job without asking. Up to the summary: the timing
    # pass and the report do not depend on how training got there (and would double the test's time).
    summary = "results/summary.csv"  # before --configfile, which takes a list
    assert "--unlock" in snakemake(tmp_path, "--cores", "1", summary, "--configfile", CONFIG).stderr
    assert snakemake(tmp_path, "--unlock", "--configfile", CONFIG).returncode == 0
    rerun = snakemake(tmp_path, "--cores", "1", summary, "--configfile", CONFIG)
    assert rerun.returncode == 0, rerun.stderr[-3000:]

    metrics = json.loads((tmp_path / long.metrics).read_text())
    history = pd.read_csv(tmp_path / long.history)
    assert history["epoch"].tolist() == [1, 2, 3, 4, 5, 6]  # every epoch exactly once
    assert metrics["resumed_at_epoch"] == saved + 1
    assert finished.stat().st_mtime == finished_mtime  # the finished run was not trained again
    assert "resuming after epoch" in (tmp_path / long.log).read_text()
    assert len(pd.read_csv(tmp_path / summary)) == 2
    assert "Nothing to be done" in snakemake(tmp_path, "-n", summary, "--configfile", CONFIG).stdout


def test_a_failing_run_points_to_its_executed_notebook_and_leaves_no_finished_outputs(
    repo, mnist_npz, tmp_path
):
    copy_workflow(repo, tmp_path, mnist_npz)
    # A training notebook that fails after its imports, as a bug in a run would.
    notebook = tmp_path / "notebooks" / "train.ipynb"
    cells = json.loads(notebook.read_text())
    cells["cells"].append(
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "1 / 0"}
    )
    notebook.write_text(json.dumps(cells))
    paths = run_paths(tmp_path, SHORT)
    target = paths.metrics  # before --configfile, which takes a list
    result = snakemake(tmp_path, target, "--cores", "1", "--configfile", "config/test.yaml")
    assert result.returncode != 0
    log_notebook = paths.log_notebook
    assert f"The executed notebook with the traceback: {log_notebook}" in result.stderr
    executed = json.loads((tmp_path / log_notebook).read_text())
    errors = [
        o for cell in executed["cells"] for o in cell.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert errors and "ZeroDivisionError" in "".join(errors[0]["traceback"])
    assert not (tmp_path / paths.metrics).exists()
    assert not (tmp_path / paths.history).exists()


def test_data_that_is_no_longer_mnist_stops_the_workflow_before_anything_trains(repo, tmp_path):
    copy_workflow(repo, tmp_path, "")
    (tmp_path / "resources").mkdir()
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "resources" / "mnist.npz",
        x_train=rng.integers(0, 255, (60000, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 60000, dtype=np.uint8),
        x_test=rng.integers(0, 255, (10000, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, 10000, dtype=np.uint8),
    )
    result = snakemake(tmp_path, "--cores", "1", "--configfile", "config/test.yaml")
    assert result.returncode != 0
    assert "nothing was run: resources/mnist.npz: checksum mismatch" in result.stderr, result.stderr[-3000:]
    assert "Delete resources/mnist.npz and run the workflow again" in result.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs" / "train").exists()


def test_a_path_with_a_space_an_apostrophe_and_a_command_is_used_as_a_path(repo, mnist_npz, tmp_path):
    strange = tmp_path / "it's a $(touch executed) `touch executed` dir"  # a shell would create ./executed
    strange.mkdir()
    shutil.copy(mnist_npz, strange / "mnist.npz")
    workdir = tmp_path / "workflow"
    workdir.mkdir()
    copy_workflow(repo, workdir, strange / "mnist.npz")
    result = snakemake(workdir, "resources/mnist.npz", "--cores", "1", "--configfile", "config/test.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (workdir / "resources" / "mnist.npz").exists()
    assert "verified local copy" in (workdir / "logs" / "fetch_mnist.log").read_text()
    assert not (workdir / "executed").exists(), "a config value was executed by a shell"


HOLD_LOCK = """
import sys
from rnn_replication.observe import job
with job.exclusive(sys.argv[1], sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_second_workflow_after_unlock_refuses_to_touch_runs_another_is_training(repo, tmp_path):
    """Snakemake's own lock keeps a second instance out until `--unlock` breaks it; then the runs being
    trained (their lock held by the first instance's notebook) must stop the second before any job."""
    import sys

    copy_workflow(repo, tmp_path, "")
    variant = "0123456789"  # any variant's run: another config's runs must not be touched either
    lock = tmp_path / "results" / "resume" / variant / f"{SHORT}.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock), SHORT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = snakemake(tmp_path, "--cores", "1", "--configfile", CONFIG)
        dry_run = snakemake(tmp_path, "-n", "--configfile", CONFIG)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode != 0
    assert f"another process is training {variant}/{SHORT} (pid {holder.pid}) in this folder" in result.stderr
    assert not (tmp_path / "resources").exists() and not (tmp_path / "results" / "runs").exists()
    assert "Job stats" in dry_run.stdout  # a dry run still shows what would run
