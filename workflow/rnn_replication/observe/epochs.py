"""A training run's epochs as they pass: one plain log line each (the history's rows are train.history's),
TensorBoard's event files, and the seconds the checkpoints take."""

from __future__ import annotations

import time
from pathlib import Path

import keras

from rnn_replication.core import records


def epoch_line(label: str, epoch: int, epochs: int, seconds: float, row: dict, left: float) -> str:
    """The terminal's and the log's line for one finished epoch."""
    return (
        f"{label} epoch {epoch}/{epochs}: {seconds:.1f} s"
        f" - loss {row['loss']:.4f} - accuracy {row['accuracy']:.4f}"
        f" - val_loss {row['val_loss']:.4f} - val_accuracy {row['val_accuracy']:.4f}"
        f" - about {records.duration(left)} left"
    )


class EpochLog(keras.callbacks.Callback):
    """One plain log line per epoch (no progress bars in the logs), from the row ``history``
    (train.history.EpochHistory, which runs first) has just added, with the run's time left."""

    def __init__(self, history, epochs: int, label: str, print_fn=print):
        super().__init__()
        self.history, self.epochs, self.label, self.print_fn = history, epochs, label, print_fn

    def on_epoch_end(self, epoch, logs=None):
        trained = self.history.trained
        # The first epoch this process trains also builds the graph: left out once a second one exists.
        steady = trained[1:] or trained
        left = (self.epochs - epoch - 1) * sum(steady) / len(steady)
        line = epoch_line(self.label, epoch + 1, self.epochs, trained[-1], self.history.rows[-1], left)
        self.print_fn(line, flush=True)


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """Keras' TensorBoard callback, one point per epoch and metric, written to disk after every epoch (not
    every two minutes), so that `tensorboard --logdir logs/tensorboard` follows a run live and a killed
    run keeps its curve; a resumed run appends to the same folder, its steps continuing."""

    def __init__(self, log_dir: str, hparams: dict | None = None):
        super().__init__(log_dir=log_dir, write_graph=False, update_freq="epoch", profile_batch=0)
        self.hparams = hparams or {}

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.hparams:
            write_hparams(self.log_dir, self.hparams)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        for writer in self._writers.values():
            writer.flush()


def write_hparams(log_dir: str, hparams: dict) -> None:
    """The run's settings as TensorBoard's HParams (its table and parallel-coordinates views), at the root
    of the run's folder, whose train/ and validation/ curves the plugin then shows beside them. The run's
    name is the trial's id. Written again by a resumed run: the plugin keeps one session per folder."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hparams_api

    writer = tf.summary.create_file_writer(log_dir)
    with writer.as_default():
        hparams_api.hparams(hparams, trial_id=Path(log_dir).name)
    writer.close()


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
