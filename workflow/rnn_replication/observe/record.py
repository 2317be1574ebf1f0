"""A run's record: its settings, final numbers, parameter counts and timings, and where and with what it
trained (device, identity, git commit, every installed package, host). Nothing here changes a number."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime

from rnn_replication.core import provenance, records, runs
from rnn_replication.core.fingerprint import digest
from rnn_replication.core.identity import variant
from rnn_replication.core.spec import RunSpec
from rnn_replication.observe import devices
from rnn_replication.train import models

# jax_default_matmul_precision values that keep float32 matmuls in full float32 (no TF32).
JAX_FULL_FLOAT32 = ("highest", "float32", "F32_F32_F32")


def gpu_name(backend: str) -> str | None:
    """The GPU ``backend`` trains on, or None on the CPU."""
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return None
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return None if device.platform == "cpu" else device.device_kind
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def tf32_allowed(backend: str) -> bool:
    """Whether TensorFloat-32 matmuls are allowed (on a GPU that has them)."""
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.experimental.tensor_float_32_execution_enabled())
    if backend == "jax":
        import jax

        return jax.config.jax_default_matmul_precision not in JAX_FULL_FLOAT32
    import torch

    return bool(torch.backends.cuda.matmul.allow_tf32 or torch.backends.cudnn.allow_tf32)


def describe_device(backend: str) -> str:
    """The accelerator ``backend`` trains on, or the CPU with its core count."""
    try:
        gpu = gpu_name(backend)
    except Exception:  # noqa: BLE001 - a device we cannot name is still recorded as the CPU
        gpu = None
    return f"GPU: {gpu}" if gpu else f"CPU: {records.cpu_name()} ({os.cpu_count()} cores)"


def environment_record(
    identity: dict, device: str, deterministic_ops: bool, data_sha256: str, arithmetic: str
) -> dict:
    """Where and with what a run trained: its identity (what decides its numbers, core.identity) and its
    variant, the device (and a warning if a GPU went unused), the code (git commit, dirty or not), every
    installed package, Python, host, SLURM job, and the arithmetic its kernels did (observe.probe)."""
    backend = identity["backend"]
    return {
        "identity": identity,
        "variant": variant(identity),
        "backend": backend,
        # The train step's code by meaning, as one digest (core.fingerprint.digest).
        "code_fingerprint": digest(identity["code"]),
        "device": device,
        "gpu_warning": devices.unused_gpu_warning(device, backend),  # None where no GPU went unused
        **provenance.git_state(runs.repository_root()),
        "versions": records.package_versions(),
        "packages": provenance.installed_packages(),
        "python": platform.python_version(),
        "data_sha256": data_sha256,
        "hostname": os.uname().nodename,
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "deterministic_ops": deterministic_ops,
        "tf32": tf32_allowed(backend),
        # What decides the digits on a CPU besides the seed: oneDNN's instruction-set cap (part of the
        # identity) and the level it leaves in effect on this CPU.
        "cpu_model": records.cpu_name(),
        "cpu_isa": identity["cpu_isa"],
        "cpu_isa_in_effect": records.cpu_isa_in_effect(identity["cpu_isa"]),
        # What the kernels did, whatever the names above say: same fingerprint, same digits per seed.
        "arithmetic": arithmetic,
    }


def run_record(
    spec: RunSpec, model, rows: list[dict], evaluation: dict, timings: dict, environment: dict
) -> dict:
    """metrics.json of one run: its settings, final test numbers, parameter counts, timings, where and
    with what it ran."""
    epoch_seconds = [row["seconds"] for row in rows]
    return {
        "run": spec.name,
        **spec.settings(),
        **evaluation,
        "best_val_accuracy": max(row["val_accuracy"] for row in rows),
        **models.parameter_counts(model),
        "seconds_per_epoch": round(records.steady_seconds_per_epoch(epoch_seconds), 3),
        "first_epoch_seconds": epoch_seconds[0],
        "train_seconds": round(sum(epoch_seconds), 3),
        **timings,
        **environment,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": spec.settings(),
    }
