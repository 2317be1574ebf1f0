"""A run's history as it trains: one row per epoch from Keras' own numbers (loss, accuracy, validation
loss and accuracy) and the epoch's wall seconds, journaled after every epoch where the run can be resumed,
so that a resumed run's history has each epoch once."""

from __future__ import annotations

import time
from pathlib import Path

import keras

from rnn_replication.core.history import HISTORY_COLUMNS, read_history, write_history


class EpochHistory(keras.callbacks.Callback):
    """The history rows of a run (``rows``: the journal's, then one per epoch this process trains),
    the first epoch this process trained (``resumed_at``) and the seconds of each (``trained``)."""

    def __init__(self, journal_path: str | Path | None = None):
        super().__init__()
        self.journal_path = Path(journal_path) if journal_path else None
        self.rows: list[dict] = read_history(self.journal_path) if self.journal_path else []
        self.resumed_at: int | None = None
        self.trained: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        if self.resumed_at is None:
            self.resumed_at = epoch + 1
        # A kill between the journal and the checkpoint can leave the journal one epoch ahead: that epoch
        # is trained again, so its row is dropped here.
        self.rows = [row for row in self.rows if row["epoch"] <= epoch]
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.started
        logs = logs or {}
        row = {"epoch": epoch + 1, "seconds": round(seconds, 3)}
        row.update({key: float(logs[key]) for key in HISTORY_COLUMNS[1:5]})
        self.rows.append(row)
        self.trained.append(seconds)
        if self.journal_path:
            write_history(self.journal_path, self.rows)
