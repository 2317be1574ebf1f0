"""One training job from start to finish: check that it runs what Snakemake planned, hold the run's lock,
train it (train.fitting, with this folder's callbacks logging and journaling the epochs), write its files,
metrics last."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from pathlib import Path

from rnn_replication.core import confusion, identity, records, runs
from rnn_replication.core.fingerprint import code_digests
from rnn_replication.core.history import write_history
from rnn_replication.core.runs import RunOutputs
from rnn_replication.core.spec import RunSpec
from rnn_replication.data import mnist
from rnn_replication.observe import devices, epochs, probe, record, resume
from rnn_replication.train import arithmetic, fitting


class IdentityError(RuntimeError):
    """The job would train something else than the run Snakemake planned."""


def in_this_process(step: str, root: Path) -> tuple[str, str, dict, dict]:
    """What this process runs ``step`` with: the backend and cap in effect (train.arithmetic), the step's
    code as it is on disk now, the installed numeric packages."""
    in_effect = arithmetic.in_effect()
    versions = identity.installed_versions(identity.NUMERIC_PACKAGES[in_effect["backend"]])
    return in_effect["backend"], in_effect["cpu_isa"], code_digests(step, root), versions


def observed_identity(spec: RunSpec, root: Path) -> dict:
    """The identity of the run this process would train (:func:`in_this_process`, the verified data)."""
    return identity.of_run(spec, *in_this_process("train", root), mnist.ARRAYS_SHA256)


def observed_timing_identity(settings: dict, cells: list, repeats: int, max_busy: float, root: Path) -> dict:
    """The identity of the timing pass this process would run (:func:`in_this_process`, the data)."""
    here = in_this_process("timing", root)
    return identity.of_timing(settings, cells, repeats, max_busy, *here, mnist.ARRAYS_SHA256)


def check_identity(observed: dict, expected: dict, doing: str = "train") -> None:
    """Refuse to ``doing`` (train, time) where what this process would do differs from the identity
    Snakemake planned: code edited since, another environment's packages, a setting passed on wrongly."""
    found = identity.differences(observed, expected)
    if found:
        what, here, planned = found[0]
        raise IdentityError(
            f"this job would {doing} with {what} {here!r}, but the workflow planned it with {planned!r} "
            f"({len(found)} difference{'s' if len(found) > 1 else ''}): the code changed after Snakemake "
            "started, or the job runs in another environment; run snakemake again"
        )


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


def run_hparams(spec: RunSpec, backend: str) -> dict:
    """What TensorBoard's HParams view shows of a run: its configuration and hyperparameters (RunSpec's
    fields) and the backend."""
    return dataclasses.asdict(spec) | {"backend": backend}


class RunObserver:
    """What a training job hands to train.fitting to follow the run: the lines it prints once the model is
    built (its summary, the data, a discarded or resumed state, a GPU that goes unused), the epoch lines,
    TensorBoard's event files, and the checkpoints' clock."""

    def __init__(self, spec: RunSpec, backend: str, resume_dir: str, tensorboard_dir: str, print_fn):
        self.spec, self.backend, self.print_fn = spec, backend, print_fn
        self.resume_dir, self.tensorboard_dir = resume_dir, tensorboard_dir
        self.clock = epochs.CheckpointClock()
        self.device = ""

    def __call__(self, model, history, train_images: int, test_images: int, resume_discarded: bool):
        spec, print_fn = self.spec, self.print_fn
        # Asked once the backend is set up (after the seed and its own settings), as a run always did.
        self.device = record.describe_device(self.backend)
        warning = devices.unused_gpu_warning(self.device, self.backend)
        if warning:
            print_fn(f"WARNING: {warning}", flush=True)
        model.summary(print_fn=lambda line, **_: print_fn(line))  # as the article printed it
        print_fn(
            f"{spec.name}: {train_images} training and {test_images} test images, {spec.epochs} epochs, "
            f"semantics {spec.semantics}",
            flush=True,
        )
        if resume_discarded:
            print_fn(f"discarding resume state in {self.resume_dir}: it belongs to another run identity")
        if history.rows:
            print_fn(f"resuming after epoch {history.rows[-1]['epoch']} from {self.resume_dir}", flush=True)
        before = [epochs.EpochLog(history, spec.epochs, spec.name, print_fn)]
        if self.tensorboard_dir:
            before.append(epochs.EpochTensorBoard(self.tensorboard_dir, run_hparams(spec, self.backend)))
        if self.resume_dir:
            return [*before, self.clock.start], [self.clock.stop]
        return before, []


def train_run(
    spec: RunSpec,
    *,
    data_path: str,
    outputs: RunOutputs,
    backend: str | None = None,
    cpu_isa: str | None = None,
    threads: int = 0,
    resume_dir: str = "",
    expected_identity: dict | None = None,
    tensorboard_dir: str = "",
    print_fn=print,
) -> dict:
    """Train one run under ``backend`` and the cap ``cpu_isa`` (train.arithmetic.choose set both before Keras
    loaded; None: those in effect, which the identity records), evaluate it on the test images and write
    its ``outputs``, metrics last. With ``expected_identity`` (the workflow's), refuse first where this
    process would train anything else. With ``resume_dir``, a rerun after a kill continues from the last
    finished epoch, unless the kill damaged that state (observe.resume: then it is discarded, saying why,
    and the run starts again); the directory is removed once the run has finished. Only one process at a
    time trains a run: a second one stops at once, naming the first. With ``tensorboard_dir``, the epochs'
    losses and accuracies are logged there, with the run's settings as HParams."""
    observed = observed_identity(spec, runs.repository_root())
    if expected_identity:
        check_identity(observed, expected_identity)
    with exclusive(f"{resume_dir or outputs.metrics}.lock", spec.name):
        if resume_dir:
            resume.discard_damaged(resume_dir, print_fn)
        observer = RunObserver(spec, observed["backend"], resume_dir, tensorboard_dir, print_fn)
        trained = fitting.train_and_evaluate(
            spec,
            data_path,
            backend=observed["backend"] if backend is None else backend,
            cpu_isa=observed["cpu_isa"] if cpu_isa is None else cpu_isa,
            threads=threads,
            resume_dir=resume_dir,
            resume_stamp=observed,
            observe=observer,
        )
        history = trained.history
        timings = {
            # Seconds spent writing resume checkpoints in this process (not part of the epoch times).
            "checkpoint_seconds": round(observer.clock.seconds, 3),
            "resumed_at_epoch": history.resumed_at,
        }
        environment = record.environment_record(
            observed,
            observer.device,
            trained.deterministic_ops,
            trained.data_sha256,
            arithmetic_fingerprint(spec, print_fn),
        )
        metrics = record.run_record(
            spec, trained.model, history.rows, trained.evaluation, timings, environment
        )
        confusion.write(outputs.confusion, trained.confusion)
        save_model(trained.model, outputs.model)
        write_history(outputs.history, history.rows)
        records.write_json(outputs.metrics, metrics)
        if resume_dir:
            shutil.rmtree(resume_dir, ignore_errors=True)
        print_fn(
            f"{spec.name}: test accuracy {metrics['test_accuracy']:.4f}, test loss "
            f"{metrics['test_loss']:.4f}, {metrics['seconds_per_epoch']} s/epoch on {metrics['device']}",
            flush=True,
        )
        return metrics


def arithmetic_fingerprint(spec: RunSpec, print_fn) -> str | None:
    """The run's arithmetic fingerprint (observe.probe), computed after training on models of its own; None,
    with a warning, where the probe fails: a finished run is not lost to what only records it."""
    try:
        return probe.arithmetic_fingerprint(spec)
    except Exception as error:  # noqa: BLE001 - any failure of the probe leaves the run's numbers intact
        print_fn(f"WARNING: no arithmetic fingerprint for {spec.name} ({type(error).__name__}: {error})")
        return None


def save_model(model, path: str) -> None:
    """The trained model as a .keras file (architecture, weights, optimizer state), written atomically:
    `keras.saving.load_model` reads it back, with the article's loss (custom objects of train/models.py)
    where the run used it."""
    with records.atomic_path(path) as temporary:
        model.save(temporary)
