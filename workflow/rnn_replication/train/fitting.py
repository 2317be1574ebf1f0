"""Training one run as the article did and evaluating it: the numeric core of a training job.

Everything here decides a run's numbers and is part of its identity (core.identity): the numbers of
its history (train.history) and record included. What a job logs, records and shows around it (epoch
lines, TensorBoard, the run record, the lock) is observe/'s: it hands its Keras callbacks in (``observe``
of :func:`train_and_evaluate`), and nothing here imports it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from rnn_replication.core.files import atomic_write_text
from rnn_replication.core.history import JOURNAL, RESUME_STAMP
from rnn_replication.core.spec import RunSpec
from rnn_replication.data import mnist
from rnn_replication.train import arithmetic, backends, models
from rnn_replication.train.history import EpochHistory

CHECKPOINT_DIR = "backup"


def prepare_backend(seed: int, backend: str, threads: int = 0, semantics: str = "article") -> bool:
    """Seed Python, NumPy and the backend (weights and shuffling follow from the seed), after the
    backend's own settings (backends: threads, GPU memory, TensorFlow's op determinism on a CPU). With
    ``article`` semantics float32 matmuls stay float32, as in the article: TensorFloat-32, which Ampere
    and later NVIDIA GPUs may use by default, is switched off (on a CPU this changes nothing).
    Returns whether op determinism was switched on."""
    chosen = backends.get(backend)
    deterministic = chosen.configure(threads)
    if semantics == "article":
        chosen.disable_tf32()
    keras.utils.set_random_seed(seed)
    return deterministic


def resume_checkpoint(resume_dir: str | Path, stamp: dict) -> tuple[keras.callbacks.Callback, bool]:
    """A checkpoint of the run after every epoch under ``resume_dir``, restored when a killed run starts
    again; a state stamped with another identity (or no readable stamp) is discarded first. Returns the
    callback and whether a state was discarded."""
    resume_dir = Path(resume_dir)
    stamp_path = resume_dir / RESUME_STAMP
    discarded = False
    if resume_dir.exists():
        try:
            same = json.loads(stamp_path.read_text()) == stamp
        except (OSError, ValueError):
            same = False
        if not same:
            shutil.rmtree(resume_dir)
            discarded = True
    atomic_write_text(stamp_path, json.dumps(stamp, sort_keys=True))
    # double_checkpoint keeps the previous backup, in case the kill came while writing the new one.
    return keras.callbacks.BackupAndRestore(
        str(resume_dir / CHECKPOINT_DIR), double_checkpoint=True
    ), discarded


def fit(model, spec: RunSpec, arrays, callbacks: list) -> None:
    """Train ``model`` as the article did: mini-batches of ``spec.batch_size``, ``spec.epochs`` epochs,
    validation on the test images after every epoch."""
    x_train, y_train, x_test, y_test = arrays
    model.fit(
        x_train,
        y_train,
        batch_size=spec.batch_size,
        epochs=spec.epochs,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=callbacks,
    )


def confusion_counts(true_digits, predicted_digits) -> np.ndarray:
    """10 x 10 counts: row = true digit, column = predicted digit."""
    true_digits, predicted_digits = np.asarray(true_digits), np.asarray(predicted_digits)
    if true_digits.shape != predicted_digits.shape:
        raise ValueError(f"{true_digits.size} true digits against {predicted_digits.size} predictions")
    matrix = np.zeros((models.CLASSES, models.CLASSES), dtype=np.int64)
    np.add.at(matrix, (true_digits, predicted_digits), 1)
    return matrix


def evaluate(model, spec: RunSpec, x_test, y_test) -> tuple[dict, np.ndarray]:
    """The article's final test loss and accuracy (``model.evaluate``), and the confusion matrix of the
    model's predicted digits against the true ones."""
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=spec.batch_size, verbose=0)
    predicted = model.predict(x_test, batch_size=spec.batch_size, verbose=0).argmax(axis=1)
    evaluation = {
        "test_images": len(x_test),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
    }
    return evaluation, confusion_counts(y_test.argmax(axis=1), predicted)


@dataclass
class Trained:
    """What training and evaluating one run produced."""

    model: keras.Model
    history: EpochHistory  # its rows: each epoch once, resumed or not
    evaluation: dict  # train_images, test_images, test_loss, test_accuracy, best_val_accuracy
    confusion: np.ndarray
    data_sha256: str
    deterministic_ops: bool


# observe(model, history, train_images, test_images, resume_discarded) -> (callbacks before the
# checkpoint, callbacks after it); the history's callback runs before them all.
Observer = Callable[[keras.Model, EpochHistory, int, int, bool], tuple[list, list]]


def train_and_evaluate(
    spec: RunSpec,
    data_path: str,
    *,
    backend: str,
    cpu_isa: str,
    threads: int = 0,
    resume_dir: str = "",
    resume_stamp: dict | None = None,
    observe: Observer | None = None,
) -> Trained:
    """Train run ``spec`` on the MNIST file at ``data_path`` and evaluate it on the test images, under
    ``backend`` and oneDNN's cap ``cpu_isa`` (checked: arithmetic.choose must have set them). With
    ``resume_dir``, a checkpoint after every epoch and a restart from the last one after a kill, only from
    a state stamped ``resume_stamp`` (the run's identity). ``observe`` gives the callbacks that log and
    record the epochs (the first list runs before the checkpoint is written, the second after it)."""
    arithmetic.check(backend, cpu_isa)
    deterministic_ops = prepare_backend(spec.seed, backend, threads, spec.semantics)
    *arrays, checksum = mnist.load_mnist_sequences(data_path, spec.train_subset, spec.test_subset)
    model = models.build_model(spec.cell, spec.form, spec.units, spec.learning_rate, spec.semantics)
    checkpoint, discarded = (
        resume_checkpoint(resume_dir, resume_stamp or spec.settings()) if resume_dir else (None, False)
    )
    # Journaled before the checkpoint is written, so a resumed run finds every epoch its weights have.
    history = EpochHistory(Path(resume_dir) / JOURNAL if resume_dir else None)
    before, after = (
        observe(model, history, len(arrays[0]), len(arrays[2]), discarded) if observe else ([], [])
    )
    fit(model, spec, arrays, [history, *before, *([checkpoint] if checkpoint else []), *after])
    evaluation, matrix = evaluate(model, spec, arrays[2], arrays[3])
    evaluation = {"train_images": len(arrays[0]), **evaluation}
    evaluation["best_val_accuracy"] = max(row["val_accuracy"] for row in history.rows)
    return Trained(model, history, evaluation, matrix, checksum, deterministic_ops)
