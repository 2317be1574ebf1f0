"""Train one configuration of the article's experiment and record what happened."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np

from rnn_replication.core import confusion, provenance, records, runs
from rnn_replication.core.runs import RunOutputs, RunSpec
from rnn_replication.data import mnist
from rnn_replication.train import backends, devices, models

HISTORY_COLUMNS = records.HISTORY_COLUMNS


class EpochLog(keras.callbacks.Callback):
    """One plain log line and one history row per epoch (no progress bars in the logs).

    With a ``journal_path`` (set by :func:`resume_callbacks`) the rows are also written there after
    every epoch and read back when a killed run resumes, so the final history has each epoch once.
    """

    def __init__(self, epochs: int, label: str, print_fn=print):
        """``print_fn`` None: no log lines, only the rows (the timing pass)."""
        super().__init__()
        self.epochs, self.label, self.print_fn = epochs, label, print_fn
        self.journal_path: Path | None = None
        self.rows: list[dict] = []
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
        if self.print_fn is None:
            return
        # The first epoch this process trains also builds the graph: left out once a second one exists.
        steady = self.trained[1:] or self.trained
        left = (self.epochs - epoch - 1) * sum(steady) / len(steady)
        self.print_fn(
            f"{self.label} epoch {epoch + 1}/{self.epochs}: {seconds:.1f} s"
            f" - loss {row['loss']:.4f} - accuracy {row['accuracy']:.4f}"
            f" - val_loss {row['val_loss']:.4f} - val_accuracy {row['val_accuracy']:.4f}"
            f" - about {records.duration(left)} left",
            flush=True,
        )


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


class TimedBackupAndRestore(keras.callbacks.BackupAndRestore):
    """BackupAndRestore that adds up the seconds its per-epoch backups take.

    The epoch times in the history stop before the backup is written (the row is journaled first),
    so this is the one place the checkpoint's cost shows; metrics.json records it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seconds = 0.0

    def on_epoch_end(self, epoch, logs=None):
        started = time.perf_counter()
        super().on_epoch_end(epoch, logs)
        self.seconds += time.perf_counter() - started


def resume_callbacks(resume_dir: str, run_config: dict, epoch_log: EpochLog, print_fn=print) -> list:
    """Checkpoint every epoch under ``resume_dir`` and continue from there after a kill.

    The state is only reused for the same run configuration; otherwise it is discarded.
    """
    resume_dir = Path(resume_dir)
    stamp = resume_dir / "run.json"
    if resume_dir.exists() and (not stamp.exists() or json.loads(stamp.read_text()) != run_config):
        print_fn(f"discarding resume state in {resume_dir}: it belongs to another configuration")
        shutil.rmtree(resume_dir)
    resume_dir.mkdir(parents=True, exist_ok=True)
    records.write_json(stamp, run_config)
    epoch_log.journal_path = resume_dir / "history.csv"
    epoch_log.rows = records.read_history(epoch_log.journal_path)
    if epoch_log.rows:
        print_fn(f"resuming after epoch {epoch_log.rows[-1]['epoch']} from {resume_dir}", flush=True)
    # double_checkpoint keeps the previous backup, in case the kill came while writing the new one.
    return [TimedBackupAndRestore(str(resume_dir / "backup"), double_checkpoint=True)]


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


@dataclass
class Fitted:
    """What fitting one run produced: its history rows (each epoch once, resumed or not), the first
    epoch this process trained, and the seconds spent writing resume checkpoints."""

    rows: list[dict]
    resumed_at_epoch: int | None
    checkpoint_seconds: float


def fit(
    model,
    spec: RunSpec,
    arrays,
    resume_dir: str = "",
    print_fn=print,
    code_fingerprint: str = "",
    tensorboard_dir: str = "",
) -> Fitted:
    """Train ``model`` as the article did: mini-batches of ``spec.batch_size``, validation on the test
    images after every epoch, one log line per epoch; with ``resume_dir``, a checkpoint after every
    epoch and a restart from the last one after a kill (only from the state of the same settings and
    code: ``code_fingerprint``); with ``tensorboard_dir``, TensorBoard's event files there."""
    x_train, y_train, x_test, y_test = arrays
    epoch_log = EpochLog(spec.epochs, spec.name, print_fn)
    callbacks = [epoch_log]  # the history row is journaled before the checkpoint is written
    if tensorboard_dir:
        callbacks.append(EpochTensorBoard(tensorboard_dir))
    if resume_dir:
        stamp = spec.settings() | {"backend": keras.backend.backend(), "code_fingerprint": code_fingerprint}
        callbacks += resume_callbacks(resume_dir, stamp, epoch_log, print_fn)
    model.fit(
        x_train,
        y_train,
        batch_size=spec.batch_size,
        epochs=spec.epochs,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=callbacks,
    )
    checkpoints = sum(c.seconds for c in callbacks if isinstance(c, TimedBackupAndRestore))
    return Fitted(epoch_log.rows, epoch_log.resumed_at, round(checkpoints, 3))


def run_record(spec: RunSpec, model, fitted: Fitted, evaluation: dict, environment: dict) -> dict:
    """metrics.json of one run: its settings, final test numbers, parameter counts, timings, where and
    with what it ran."""
    epoch_seconds = [row["seconds"] for row in fitted.rows]
    return {
        "run": spec.name,
        **spec.settings(),
        **evaluation,
        "best_val_accuracy": max(row["val_accuracy"] for row in fitted.rows),
        **models.parameter_counts(model),
        "seconds_per_epoch": round(records.steady_seconds_per_epoch(epoch_seconds), 3),
        "first_epoch_seconds": epoch_seconds[0],
        "train_seconds": round(sum(epoch_seconds), 3),
        # Seconds spent writing resume checkpoints in this process (not part of the epoch times).
        "checkpoint_seconds": fitted.checkpoint_seconds,
        "resumed_at_epoch": fitted.resumed_at_epoch,
        **environment,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": spec.settings(),
    }


def environment_record(
    backend: str, device: str, deterministic_ops: bool, checksum: str, code_fingerprint: str = ""
) -> dict:
    """Where and with what a run trained: backend, device (and a warning if a GPU went unused), the code
    (git commit, dirty or not), every installed package, data checksum, host, SLURM job."""
    return {
        "backend": backend,
        # The train step's code by meaning (pipeline.fingerprint.digest; empty when run outside the
        # workflow): collect refuses a record made with other code.
        "code_fingerprint": code_fingerprint,
        "device": device,
        "gpu_warning": devices.unused_gpu_warning(device, backend),  # None where no GPU went unused
        **provenance.git_state(runs.repository_root()),
        "versions": records.package_versions(),
        "packages": provenance.installed_packages(),
        "data_sha256": checksum,
        "hostname": os.uname().nodename,
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "deterministic_ops": deterministic_ops,
        # TensorFloat-32 matmuls allowed (on a GPU that has them).
        "tf32": backends.get(backend).tf32_allowed(),
        # What decides the digits on a CPU besides the seed: oneDNN's instruction-set cap (compared by
        # collect, as a setting) and the level it leaves in effect on this CPU.
        "cpu_model": records.cpu_name(),
        "cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", ""),
        "cpu_isa_in_effect": records.cpu_isa_in_effect(os.environ.get("ONEDNN_MAX_CPU_ISA", "")),
    }


def train_run(
    spec: RunSpec,
    *,
    data_path: str,
    outputs: RunOutputs,
    threads: int = 0,
    resume_dir: str = "",
    code_fingerprint: str = "",
    tensorboard_dir: str = "",
    print_fn=print,
) -> dict:
    """Train one run, evaluate it on the test images and write its ``outputs``, metrics last. With
    ``resume_dir``, a rerun after a kill continues from the last finished epoch; the directory is removed
    once the run has finished. Only one process at a time trains a run: a second one stops at once,
    naming the first. ``code_fingerprint`` (the workflow passes the train step's) goes into the record;
    with ``tensorboard_dir``, the epochs' losses and accuracies are logged there for TensorBoard."""
    with exclusive(f"{resume_dir or outputs.metrics}.lock", spec.name):
        return _train_run(
            spec, data_path, outputs, threads, resume_dir, code_fingerprint, tensorboard_dir, print_fn
        )


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
    return evaluation, confusion.count(y_test.argmax(axis=1), predicted)


@contextlib.contextmanager
def exclusive(lock_path: str, name: str):
    """Hold an exclusive lock on ``lock_path`` for as long as the block runs; refuse if another process
    holds it, naming that process."""
    handle = records.try_lock(lock_path)
    if handle is None:
        holder = records.lock_holder(lock_path)
        raise RuntimeError(
            f"run {name} is already being trained by another process (pid {holder}, lock {lock_path}): "
            f"two trainers would write the same files. Wait for it, or stop it (kill {holder})."
        )
    with handle:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            # Removed while still held: a lock file is only a lock while a process holds it, and a
            # notebook run alone must not leave metrics.json.lock beside its outputs.
            Path(lock_path).unlink(missing_ok=True)


def _train_run(
    spec, data_path, outputs: RunOutputs, threads, resume_dir, code_fingerprint, tensorboard_dir, print_fn
) -> dict:
    backend = keras.backend.backend()
    deterministic_ops = prepare_backend(spec.seed, backend, threads, spec.semantics)
    device = backends.describe_device(backend)
    warning = devices.unused_gpu_warning(device, backend)
    if warning:
        print_fn(f"WARNING: {warning}", flush=True)
    *arrays, checksum = mnist.load_mnist_sequences(data_path, spec.train_subset, spec.test_subset)
    model = models.build_model(spec.cell, spec.form, spec.units, spec.learning_rate, spec.semantics)
    model.summary(print_fn=lambda line, **_: print_fn(line))  # as the article printed it
    print_fn(
        f"{spec.name}: {len(arrays[0])} training and {len(arrays[2])} test images, {spec.epochs} epochs, "
        f"backend {backend}, semantics {spec.semantics}",
        flush=True,
    )
    fitted = fit(model, spec, arrays, resume_dir, print_fn, code_fingerprint, tensorboard_dir)
    evaluation, matrix = evaluate(model, spec, arrays[2], arrays[3])
    metrics = run_record(
        spec,
        model,
        fitted,
        {"train_images": len(arrays[0]), **evaluation},
        environment_record(backend, device, deterministic_ops, checksum, code_fingerprint),
    )
    confusion.write(outputs.confusion, matrix)
    save_model(model, outputs.model)
    records.write_csv(outputs.history, fitted.rows, HISTORY_COLUMNS)
    records.write_json(outputs.metrics, metrics)
    if resume_dir:
        shutil.rmtree(resume_dir, ignore_errors=True)
    print_fn(
        f"{spec.name}: test accuracy {metrics['test_accuracy']:.4f}, test loss {metrics['test_loss']:.4f}, "
        f"{metrics['seconds_per_epoch']} s/epoch on {metrics['device']}",
        flush=True,
    )
    return metrics


def save_model(model, path: str) -> None:
    """The trained model as a .keras file (architecture, weights, optimizer state), written atomically:
    `keras.saving.load_model` reads it back, with the article's loss (custom objects of models.py) where
    the run used it."""
    with records.atomic_path(path) as temporary:
        model.save(temporary)
