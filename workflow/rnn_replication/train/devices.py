"""Spread training notebooks over the machine's GPUs: each claims one before its backend loads.

Snakemake bounds how many training jobs run at once (the `gpu_jobs` resource, see profiles/default);
this module decides which GPU each of them uses. A job holds an exclusive lock on one slot file
``gpu<i>.slot<k>.lock`` for as long as its process lives (the operating system drops the lock when the
process ends, even when it is killed), and slots are tried k-major: every GPU gets its first job before
any GPU gets a second. With as many jobs as GPUs, each job has a GPU of its own.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

MAX_SLOTS_PER_GPU = 64
_held_locks: list = []  # open lock files of this process; closing one would release its slot


def configure_environment(backend: str, root: Path, cpu_isa: str = "") -> None:
    """Settings that must be made before Keras is first imported: the backend; oneDNN's instruction-set
    cap on the CPU (``cpu_isa``, read when oneDNN starts; "" leaves oneDNN's own choice, or the
    environment's); quiet TensorFlow C++ logs; JAX must not take 75 % of a GPU's memory up front (several
    notebooks may share one); JAX keeps compiled programs in .cache/jax, so later seeds of a configuration
    skip XLA compilation (the saving is measured in docs/results.md)."""
    os.environ["KERAS_BACKEND"] = backend
    if cpu_isa:
        os.environ["ONEDNN_MAX_CPU_ISA"] = cpu_isa
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path(root) / ".cache" / "jax"))


def count_gpus() -> int:
    """NVIDIA GPUs on this machine, from `nvidia-smi --list-gpus` (no backend needs loading), else 0."""
    if not shutil.which("nvidia-smi"):
        return 0
    try:
        listing = subprocess.run(
            ["nvidia-smi", "--list-gpus"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in listing.splitlines() if line.startswith("GPU "))


def unused_gpu_warning(device: str, backend: str, gpu_count: int | None = None) -> str | None:
    """A warning when nvidia-smi sees a GPU but the backend trains on the CPU (``device``, as
    backends.describe_device names it): a CPU-only build of the backend is installed. None otherwise."""
    gpus = count_gpus() if gpu_count is None else gpu_count
    if gpus and device.startswith("CPU"):
        return (
            f"nvidia-smi sees {gpus} GPU{'s' if gpus > 1 else ''}, but the {backend} backend trains on the "
            "CPU: its CUDA build is not installed (docs/operations.md, Backends and GPUs). This run trained "
            "on the CPU."
        )
    return None


def claim_gpu(lock_dir: str | os.PathLike, gpu_count: int | None = None) -> int | None:
    """Claim the least-used GPU for this process and make it the only one the backend sees.

    Leaves things alone (returns None) where CUDA_VISIBLE_DEVICES is already set (e.g. by SLURM or
    by the user) or where there is no GPU. Returns the claimed GPU's index otherwise.
    """
    if os.environ.get("CUDA_VISIBLE_DEVICES") is not None:
        return None
    gpu_count = count_gpus() if gpu_count is None else gpu_count
    if gpu_count <= 0:
        return None
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    for slot in range(MAX_SLOTS_PER_GPU):
        for gpu in range(gpu_count):
            handle = open(lock_dir / f"gpu{gpu}.slot{slot}.lock", "a")  # noqa: SIM115 - held for life
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held_locks.append(handle)
            os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
            return gpu
    raise RuntimeError(
        f"all {gpu_count * MAX_SLOTS_PER_GPU} GPU slots in {lock_dir} are taken; "
        "lower the gpu_jobs resource (see profiles/default/config.yaml)"
    )
