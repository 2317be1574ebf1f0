"""A run's history: one row per epoch (HISTORY_COLUMNS), as history.csv and as the journal a killed run
resumes from, beside the stamp that says which run identity a resume state belongs to. Stdlib only: the
numeric code (train/) writes it, collect and the estimate read it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rnn_replication.core.files import atomic_write_text

# One row per epoch of a run's history.csv.
HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"]
# A resume state's files (results/resume/<variant>/<run>/): the epochs so far, and the identity it is of.
JOURNAL = "history.csv"
RESUME_STAMP = "run.json"


def read_history(path) -> list[dict]:
    """History rows from a CSV written by :func:`write_history`; none if the file does not exist."""
    if not Path(path).exists():
        return []
    with open(path, newline="") as handle:
        return [
            {key: int(value) if key == "epoch" else float(value) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def write_history(path, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())
