"""A killed run's resume state (results/resume/<variant>/<run>/: its stamp, its journal of epochs and
Keras' checkpoint, train.fitting) checked before the run resumes from it. A kill can cut any of these files
mid-write, or land after the last epoch, once Keras has removed its checkpoint but before the run's record
is written; resuming from such a state fails on every retry or trains from scratch under a journal that
claims otherwise. Damaged state is named and discarded, and the run starts again from epoch 1. A state of
another run identity is train.fitting's to discard."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from rnn_replication.core.history import HISTORY_COLUMNS, JOURNAL, RESUME_STAMP
from rnn_replication.train.fitting import CHECKPOINT_DIR

# What Keras' BackupAndRestore writes beside the weights: the epochs the checkpoint holds.
CHECKPOINT_METADATA = "training_metadata.json"


def journal_problem(path: Path) -> tuple[int, str | None]:
    """The epochs the journal at ``path`` holds, and what is wrong with it (None: nothing). A journal
    holds epochs 1, 2, ... in order, every column a number."""
    if not path.exists():
        return 0, None
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != HISTORY_COLUMNS:
            return 0, f"its journal {JOURNAL} has no header or another one"
        epochs = 0
        for line, row in enumerate(reader, start=2):
            try:
                values = [float(value) for value in row]
            except ValueError:
                values = []
            if len(values) != len(HISTORY_COLUMNS) or values[0] != epochs + 1:
                return epochs, f"its journal {JOURNAL} is cut or damaged at line {line}"
            epochs += 1
    return epochs, None


def checkpoint_epochs(metadata: Path) -> int:
    """The epochs Keras' checkpoint holds; ValueError where its metadata cannot be read."""
    try:
        epoch = json.loads(metadata.read_text())["epoch"]
    except (OSError, KeyError, TypeError) as error:
        raise ValueError(str(error)) from None
    if not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"epoch {epoch!r}")
    return epoch


def damage(resume_dir: str | Path) -> str | None:
    """Why the resume state in ``resume_dir`` cannot be resumed from, or None (no state, or a whole one)."""
    resume = Path(resume_dir)
    if not resume.exists():
        return None
    try:
        json.loads((resume / RESUME_STAMP).read_text())
    except (OSError, ValueError):
        return f"its stamp {RESUME_STAMP} is missing or cut"
    journaled, problem = journal_problem(resume / JOURNAL)
    if problem:
        return problem
    metadata = resume / CHECKPOINT_DIR / CHECKPOINT_METADATA
    if not metadata.exists():
        if journaled:
            epochs = f"{journaled} epoch{'s' if journaled > 1 else ''}"
            return (
                f"its journal holds {epochs} but there is no checkpoint to resume from (the run was killed "
                "after its last epoch, once Keras had removed it)"
            )
        return None
    try:
        saved = checkpoint_epochs(metadata)
    except ValueError:
        return f"its checkpoint's {CHECKPOINT_METADATA} is cut or damaged"
    if saved > journaled:
        return f"its checkpoint holds {saved} epochs but its journal only {journaled}"
    return None


def discard_damaged(resume_dir: str | Path, print_fn=print) -> str | None:
    """Remove the resume state in ``resume_dir`` where :func:`damage` finds it damaged, saying why; the
    reason, or None where there was nothing to discard."""
    problem = damage(resume_dir)
    if problem:
        shutil.rmtree(resume_dir)
        print_fn(
            f"discarding resume state in {resume_dir}: {problem}; the run starts again from epoch 1",
            flush=True,
        )
    return problem
