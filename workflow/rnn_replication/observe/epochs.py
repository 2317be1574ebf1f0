"""A training run's epochs as they pass: one plain log line and one history row each (journaled for a
killed run to resume from), TensorBoard's event files, and the seconds the checkpoints take."""

from __future__ import annotations

import time
from pathlib import Path

import keras

from rnn_replication.core import records

HISTORY_COLUMNS = records.HISTORY_COLUMNS


def epoch_line(label: str, epoch: int, epochs: int, seconds: float, row: dict, left: float) -> str:
    """The terminal's and the log's line for one finished epoch."""
    return (
        f"{label} epoch {epoch}/{epochs}: {seconds:.1f} s"
        f" - loss {row['loss']:.4f} - accuracy {row['accuracy']:.4f}"
        f" - val_loss {row['val_loss']:.4f} - val_accuracy {row['val_accuracy']:.4f}"
        f" - about {records.duration(left)} left"
    )


class EpochLog(keras.callbacks.Callback):
    """One plain log line and one history row per epoch (no progress bars in the logs).

    With a ``journal_path`` the rows are also written there after every epoch and read back when a killed
    run resumes, so the final history has each epoch once.
    """

    def __init__(self, epochs: int, label: str, print_fn=print, journal_path: str | Path | None = None):
        super().__init__()
        self.epochs, self.label, self.print_fn = epochs, label, print_fn
        self.journal_path = Path(journal_path) if journal_path else None
        self.rows: list[dict] = records.read_history(self.journal_path) if self.journal_path else []
        self.resumed_at: int | None = None  # first epoch this process trained
        self.trained: list[float] = []  # seconds of the epochs this process trained

    def on_epoch_begin(self, epoch, logs=None):
        if self.resumed_at is None:
            self.resumed_at = epoch + 1
        # A kill between this log and the backup can leave the journal one epoch ahead: that epoch
        # is trained again, so its row is dropped here.
        self.rows = [row for row in self.rows if row["epoch"] <= epoch]
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.started
        logs = logs or {}
        row = {"epoch": epoch + 1, "seconds": round(seconds, 3)}
        row.update({key: float(logs[key]) for key in HISTORY_COLUMNS[1:5]})
        self.rows.append(row)
        if self.journal_path:
            records.write_csv(self.journal_path, self.rows, HISTORY_COLUMNS)
        self.trained.append(seconds)
        # The first epoch this process trains also builds the graph: left out once a second one exists.
        steady = self.trained[1:] or self.trained
        left = (self.epochs - epoch - 1) * sum(steady) / len(steady)
        self.print_fn(epoch_line(self.label, epoch + 1, self.epochs, seconds, row, left), flush=True)


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """Keras' TensorBoard callback, one point per epoch and metric, written to disk after every epoch (not
    every two minutes), so that `tensorboard --logdir logs/tensorboard` follows a run live and a killed
    run keeps its curve; a resumed run appends to the same folder, its steps continuing."""

    def __init__(self, log_dir: str):
        super().__init__(log_dir=log_dir, write_graph=False, update_freq="epoch", profile_batch=0)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        for writer in self._writers.values():
            writer.flush()


class CheckpointClock:
    """The seconds the per-epoch checkpoint takes: ``start`` runs just before the checkpoint callback,
    ``stop`` just after it. The epoch times in the history stop before the checkpoint is written, so this
    is the one place its cost shows; metrics.json records it."""

    def __init__(self):
        self.seconds = 0.0
        self._started: float | None = None
        clock = self

        class Start(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                clock._started = time.perf_counter()

        class Stop(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if clock._started is not None:
                    clock.seconds += time.perf_counter() - clock._started

        self.start, self.stop = Start(), Stop()
