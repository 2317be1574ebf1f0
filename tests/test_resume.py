"""A training run killed with SIGKILL continues from its last finished epoch."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from rnn_replication.core.runs import RunOutputs
from rnn_replication.core.spec import RunSpec
from rnn_replication.observe import job

pytestmark = pytest.mark.workflow

RUN = """
from rnn_replication.core.runs import RunOutputs  # the arguments hold a RunOutputs, as its repr
from rnn_replication.core.spec import RunSpec
from rnn_replication.observe import job
job.train_run(RunSpec(**{spec!r}), **{arguments!r})
"""


def spec(epochs=4) -> dict:
    return dict(
        cell="simplernn", seed=1, units=8, epochs=epochs, batch_size=64, train_subset=2048, test_subset=128
    )


def arguments(mnist_npz, tmp_path):
    return dict(
        data_path=str(mnist_npz),
        outputs=RunOutputs.in_dir(tmp_path / "run"),
        resume_dir=str(tmp_path / "resume"),
    )


def saved_epoch(backup_state) -> int:
    """The epoch BackupAndRestore last saved (0 before the first, or while the file is being written)."""
    try:
        return json.loads(backup_state.read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def test_a_killed_run_resumes_and_its_history_has_each_epoch_once(repo, mnist_npz, tmp_path):
    run = arguments(mnist_npz, tmp_path)
    backup_state = tmp_path / "resume" / "backup" / "training_metadata.json"
    process = subprocess.Popen(
        [sys.executable, "-c", RUN.format(spec=spec(), arguments=run)],
        env=os.environ | {"KERAS_BACKEND": "tensorflow"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while saved_epoch(backup_state) < 2:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # during epoch 3 (or right after 2)
    process.wait()
    finished_before = saved_epoch(backup_state)  # epochs saved in the checkpoint
    assert not (tmp_path / "run" / "metrics.json").exists()

    lines = []
    metrics = job.train_run(RunSpec(**spec()), **run, print_fn=lambda line, **_: lines.append(line))
    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert history["epoch"].tolist() == [1, 2, 3, 4]
    assert metrics["resumed_at_epoch"] == finished_before + 1
    assert any(line.startswith(f"resuming after epoch {finished_before}") for line in lines)
    retrained = [line for line in lines if " epoch " in line and "/4:" in line]
    assert len(retrained) == 4 - finished_before  # only the missing epochs were trained again
    assert not (tmp_path / "resume").exists()  # a finished run leaves no resume state behind
    assert metrics["config"]["seed"] == 1 and metrics["config"]["epochs"] == 4


def test_resume_state_of_another_configuration_is_discarded(mnist_npz, tmp_path):
    stale = tmp_path / "resume"
    stale.mkdir()
    (stale / "run.json").write_text(json.dumps({"cell": "lstm", "epochs": 20}))
    (stale / "history.csv").write_text("epoch,loss,accuracy,val_loss,val_accuracy,seconds\n1,1,1,1,1,1\n")
    lines = []
    metrics = job.train_run(
        RunSpec(**spec(epochs=2)),
        **arguments(mnist_npz, tmp_path),
        print_fn=lambda line, **_: lines.append(line),
    )
    assert any("discarding resume state" in line for line in lines)
    assert metrics["resumed_at_epoch"] == 1
    assert metrics["checkpoint_seconds"] > 0  # two backups were written and timed
    assert pd.read_csv(tmp_path / "run" / "history.csv")["epoch"].tolist() == [1, 2]
