"""A training run killed with SIGKILL continues from its last finished epoch; a resume state the kill
damaged is named and discarded, and the run starts again."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


# A killed run's resume state, whole: made by the first test, damaged in copies by the others.
KILLED_STATE = Path(tempfile.mkdtemp(prefix="killed-resume-state-"))


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


def kill_after_two_epochs(run: dict, backup_state) -> None:
    """Train ``run`` (spec()) in another process and SIGKILL it once its checkpoint holds 2 epochs."""
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


def test_a_killed_run_resumes_and_its_history_has_each_epoch_once(repo, mnist_npz, tmp_path):
    run = arguments(mnist_npz, tmp_path)
    backup_state = tmp_path / "resume" / "backup" / "training_metadata.json"
    kill_after_two_epochs(run, backup_state)
    finished_before = saved_epoch(backup_state)  # epochs saved in the checkpoint
    assert not (tmp_path / "run" / "metrics.json").exists()
    # Kept, whole, for the damaged-state cases below.
    shutil.copytree(tmp_path / "resume", KILLED_STATE, dirs_exist_ok=True)

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


def cut(path: Path) -> None:
    """``path`` cut in the middle, as a kill while it was written would leave it."""
    text = path.read_text()
    path.write_text(text[: len(text) // 2 + 3])


DAMAGES = {
    "journal cut": (lambda state: cut(state / "history.csv"), "its journal history.csv is cut or damaged"),
    "stamp cut": (lambda state: cut(state / "run.json"), "its stamp run.json is missing or cut"),
    "checkpoint metadata cut": (
        lambda state: cut(state / "backup" / "training_metadata.json"),
        "its checkpoint's training_metadata.json is cut or damaged",
    ),
    # A kill after the last epoch: Keras has removed its checkpoint; the journal still holds the epochs.
    "backup missing after the last epoch": (
        lambda state: shutil.rmtree(state / "backup"),
        "but there is no checkpoint to resume from",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_resume_state_is_named_and_discarded_and_the_run_starts_cleanly(damage, mnist_npz, tmp_path):
    if not (KILLED_STATE / "run.json").exists():  # run alone: make the killed state here
        killed = tmp_path / "killed"
        kill_after_two_epochs(
            arguments(mnist_npz, killed), killed / "resume" / "backup" / "training_metadata.json"
        )
        shutil.copytree(tmp_path / "killed" / "resume", KILLED_STATE, dirs_exist_ok=True)
    run = arguments(mnist_npz, tmp_path)
    shutil.copytree(KILLED_STATE, run["resume_dir"])
    damage_it, reason = DAMAGES[damage]
    damage_it(Path(run["resume_dir"]))
    lines = []
    metrics = job.train_run(RunSpec(**spec()), **run, print_fn=lambda line, **_: lines.append(line))
    (discarded,) = [line for line in lines if line.startswith("discarding resume state")]
    assert reason in discarded and discarded.endswith("the run starts again from epoch 1")
    assert not any(line.startswith("resuming after") for line in lines)
    assert metrics["resumed_at_epoch"] == 1
    assert len([line for line in lines if " epoch " in line and "/4:" in line]) == 4
    assert pd.read_csv(tmp_path / "run" / "history.csv")["epoch"].tolist() == [1, 2, 3, 4]
