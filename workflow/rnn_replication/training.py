"""Train one configuration of the article's experiment and record what happened."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime

import keras

from . import data, models, records

HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"]


class EpochLog(keras.callbacks.Callback):
    """One plain log line and one history row per epoch (no progress bars in the logs)."""

    def __init__(self, epochs: int, label: str, print_fn=print):
        super().__init__()
        self.epochs, self.label, self.print_fn = epochs, label, print_fn
        self.rows: list[dict] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.started
        logs = logs or {}
        row = {"epoch": epoch + 1, "seconds": round(seconds, 3)}
        row.update({key: float(logs[key]) for key in HISTORY_COLUMNS[1:5]})
        self.rows.append(row)
        self.print_fn(
            f"{self.label} epoch {epoch + 1}/{self.epochs}: {seconds:.1f} s"
            f" - loss {row['loss']:.4f} - accuracy {row['accuracy']:.4f}"
            f" - val_loss {row['val_loss']:.4f} - val_accuracy {row['val_accuracy']:.4f}",
            flush=True,
        )


def steady_seconds_per_epoch(epoch_seconds: list[float]) -> float:
    """Median epoch time without the first epoch, which includes graph building / compilation."""
    steady = epoch_seconds[1:] or epoch_seconds
    return statistics.median(steady)


def check_positive_int(name: str, value, allow_zero: bool = False) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        expected = "a non-negative integer (0 = all)" if allow_zero else "a positive integer"
        raise ValueError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")


def train_configuration(
    *,
    cell: str,
    form: str,
    data_path: str,
    metrics_path: str,
    history_path: str,
    units: int = 128,
    epochs: int = 20,
    batch_size: int = 128,
    learning_rate: float = 0.001,
    seed: int = 0,
    semantics: str = "article",
    train_subset: int = 0,
    test_subset: int = 0,
    threads: int = 0,
    print_fn=print,
) -> dict:
    """Train one configuration as the article did and write ``metrics_path`` and ``history_path``."""
    models.check_choice("cell", cell, models.CELLS)
    models.check_choice("form", form, models.FORMS)
    models.check_choice("semantics", semantics, models.SEMANTICS)
    for name, value in (("units", units), ("epochs", epochs), ("batch_size", batch_size)):
        check_positive_int(name, value)
    for name, value in (("train_subset", train_subset), ("test_subset", test_subset), ("seed", seed)):
        check_positive_int(name, value, allow_zero=True)
    if not isinstance(learning_rate, (int, float)) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")

    backend = keras.backend.backend()
    if backend == "tensorflow" and threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(seed)

    x_train, y_train, x_test, y_test, checksum = data.load_mnist_sequences(
        data_path, train_subset, test_subset
    )
    model = models.build_model(cell, form, units, learning_rate, semantics)
    model.summary(print_fn=lambda line, **_: print_fn(line))  # as the article printed it
    label = f"{cell}/{form}/seed{seed}"
    epoch_log = EpochLog(epochs, label, print_fn)
    print_fn(
        f"{label}: {len(x_train)} training and {len(x_test)} test images, {epochs} epochs, "
        f"backend {backend}, semantics {semantics}",
        flush=True,
    )
    started = time.perf_counter()
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=[epoch_log],
    )
    train_seconds = time.perf_counter() - started
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)

    epoch_seconds = [row["seconds"] for row in epoch_log.rows]
    metrics = {
        "cell": cell,
        "form": form,
        "seed": seed,
        "semantics": semantics,
        "units": units,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "train_images": len(x_train),
        "test_images": len(x_test),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "best_val_accuracy": max(row["val_accuracy"] for row in epoch_log.rows),
        **models.parameter_counts(model),
        "seconds_per_epoch": round(steady_seconds_per_epoch(epoch_seconds), 3),
        "first_epoch_seconds": epoch_seconds[0],
        "train_seconds": round(train_seconds, 3),
        "backend": backend,
        "device": records.describe_device(backend),
        "versions": records.package_versions(),
        "data_sha256": checksum,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "hostname": os.uname().nodename,
    }
    records.write_csv(history_path, epoch_log.rows, HISTORY_COLUMNS)
    # metrics.json last: its presence means the run finished.
    records.write_json(metrics_path, metrics)
    print_fn(
        f"{label}: test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}, "
        f"{metrics['seconds_per_epoch']} s/epoch on {metrics['device']}",
        flush=True,
    )
    return metrics
