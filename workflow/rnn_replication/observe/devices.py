"""The machine around a training or timing process: which GPUs the backend can use, spreading training
notebooks over them (each claims one before its backend loads), and the process settings that change no
number (TensorFlow's start-up noise filtered, JAX's memory and compilation cache).

Snakemake bounds how many training jobs run at once (the `gpu_jobs` resource, see profiles/default);
this module decides which GPU each of them uses. A job holds an exclusive lock on one slot file
``gpu<i>.slot<k>.lock`` for as long as its process lives (the operating system drops the lock when the
process ends, even when it is killed), and slots are tried k-major: every GPU gets its first job before
any GPU gets a second. With as many jobs as GPUs, each job has a GPU of its own.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes.util
import fcntl
import os
import re
import shutil
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path

MAX_SLOTS_PER_GPU = 64
# TensorFlow's start-up lines on a machine without a GPU (CUDA probes, CPU features, a graph attribute its
# own runtime does not know): harmless, and written by its C++ code to the process's standard error before
# its logging reads TF_CPP_MIN_LOG_LEVEL. Left out of the executed notebooks and the logs; real errors stay.
TENSORFLOW_NOISE = "|".join(
    [
        "cudart_stub.cc",
        "cuda_executor.cc",
        "cuda_dnn.cc|cuda_fft.cc|cuda_blas.cc",
        "cuda_platform.cc",
        "Could not find cuda drivers",
        "cpu_feature_guard.cc",
        "port.cc:.*oneDNN custom operations are on",
        "To enable the following instructions",
        "All log messages before absl::InitializeLog",
        "use_unbounded_threadpool",
        "Unable to register cu(DNN|FFT|BLAS) factory",
        "computation placer already registered",
        "failed call to cuInit",
    ]
)
_held_locks: list = []  # open lock files of this process; closing one would release its slot


def configure_process(root: Path) -> None:
    """Settings of a training or timing process that change no number and must be made before Keras is
    first imported: quiet TensorFlow C++ logs (TENSORFLOW_NOISE left out of this process's standard
    error); JAX must not take 75 % of a GPU's memory up front (several notebooks may share one); JAX keeps
    compiled programs in .cache/jax, so later seeds of a configuration skip XLA compilation (the saving is
    measured in docs/results.md). The backend and the arithmetic are train.arithmetic's."""
    filter_native_stderr(TENSORFLOW_NOISE)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path(root) / ".cache" / "jax"))


_stderr_filter: list = []  # the thread of filter_native_stderr, once started


def filter_native_stderr(noise: str) -> None:
    """From now on, drop the lines that match ``noise`` from what this process writes to file descriptor
    2 (where TensorFlow's C++ code writes, and, in a notebook, what the kernel shows), passing every other
    line on. A thread moves the lines from a pipe put in place of descriptor 2; at exit the descriptor is
    restored and the pipe drained, so that a traceback written last still arrives. Once per process."""
    if _stderr_filter:
        return
    pattern = re.compile(noise.encode())
    target = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward() -> None:
        pending = b""
        while chunk := os.read(read_end, 65536):
            *lines, pending = (pending + chunk).split(b"\n")
            kept = b"".join(line + b"\n" for line in lines if not pattern.search(line))
            with contextlib.suppress(OSError):  # the original standard error gone: keep draining
                if kept:
                    os.write(target, kept)
        with contextlib.suppress(OSError):
            if pending and not pattern.search(pending):
                os.write(target, pending)
        os.close(read_end)

    thread = threading.Thread(target=forward, name="stderr-filter", daemon=True)
    thread.start()
    _stderr_filter.append(thread)

    def restore() -> None:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(target, 2)  # the pipe's last writer closed: the thread reads what is left, then stops
        thread.join(timeout=5)

    atexit.register(restore)


# nvidia-smi answers in well under a second; a hung driver must not hold up every Snakefile parse.
NVIDIA_SMI_TIMEOUT_S = 5
# What a backend's CUDA build brings (pip packages), or a library the system provides instead.
CUDA_BUILD_PACKAGES = {
    "tensorflow": (["nvidia-cudnn-cu12"], "cudnn"),
    "jax": (["jax-cuda12-plugin", "jax-cuda13-plugin"], None),
    "torch": ([], None),  # its version says it: "+cpu" is the CPU build
}


def count_gpus() -> int:
    """NVIDIA GPUs on this machine, from `nvidia-smi --list-gpus` (no backend needs loading), else 0."""
    if not shutil.which("nvidia-smi"):
        return 0
    try:
        listing = subprocess.run(
            ["nvidia-smi", "--list-gpus"],
            capture_output=True,
            text=True,
            timeout=NVIDIA_SMI_TIMEOUT_S,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in listing.splitlines() if line.startswith("GPU "))


def cuda_build_problem(backend: str) -> str | None:
    """Why ``backend``'s installed build cannot use a GPU, read from the installed packages without
    importing it (which takes seconds); None where its CUDA build is installed."""
    packages, system_library = CUDA_BUILD_PACKAGES[backend]
    if backend == "torch":
        try:
            version = metadata.version("torch")
        except metadata.PackageNotFoundError:
            return "torch is not installed"
        return f"the CPU build of torch is installed ({version})" if "+cpu" in version else None
    if any(_installed(package) for package in packages):
        return None
    if system_library and ctypes.util.find_library(system_library):
        return None
    return f"its CUDA build is not installed (none of {', '.join(packages)})"


def cuda_driver_problem() -> str | None:
    """Why the CUDA driver does not start (cuInit, in a child process with a time limit, so that a hung
    driver costs seconds and this process loads nothing); None where it starts."""
    probe = (
        "import ctypes, sys\n"
        "try:\n    lib = ctypes.CDLL('libcuda.so.1')\n"
        "except OSError as error:\n    sys.exit(f'libcuda.so.1 cannot be loaded ({error})')\n"
        "code = lib.cuInit(0)\n"
        "name = ctypes.c_char_p()\n"
        "lib.cuGetErrorName(code, ctypes.byref(name))\n"
        "sys.exit(0 if code == 0 else f'cuInit failed: {(name.value or b\"\").decode()} (error {code})')\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT_S * 2
        )
    except subprocess.TimeoutExpired:
        return f"the CUDA driver did not answer cuInit within {NVIDIA_SMI_TIMEOUT_S * 2} s"
    return None if result.returncode == 0 else f"the CUDA driver {result.stderr.strip()}"


def usable_gpus(backend: str, gpu_count: int | None = None) -> tuple[int, str | None]:
    """GPUs the training jobs can use with ``backend``, and, where nvidia-smi sees GPUs the backend cannot
    use, why: its CPU build, or the driver's own error. (0, None) on a machine without GPUs."""
    gpus = count_gpus() if gpu_count is None else gpu_count
    if not gpus:
        return 0, None
    problem = cuda_build_problem(backend) or cuda_driver_problem()
    if problem:
        seen = f"nvidia-smi sees {gpus} GPU{'s' if gpus > 1 else ''}"
        return 0, f"{seen}, but the {backend} backend cannot use {'them' if gpus > 1 else 'it'}: {problem}"
    return gpus, None


def unused_gpu_warning(device: str, backend: str, gpu_count: int | None = None) -> str | None:
    """A warning when nvidia-smi sees a GPU but the backend trains on the CPU (``device``, as
    backends.describe_device names it), with the cause. None otherwise."""
    gpus = count_gpus() if gpu_count is None else gpu_count
    if gpus and device.startswith("CPU"):
        cause = cuda_build_problem(backend) or cuda_driver_problem() or "it found no GPU it could use"
        return (
            f"nvidia-smi sees {gpus} GPU{'s' if gpus > 1 else ''}, but the {backend} backend trains on the "
            f"CPU: {cause} (docs/operations.md, Backends and GPUs). This run trained on the CPU."
        )
    return None


def _installed(package: str) -> bool:
    try:
        metadata.version(package)
    except metadata.PackageNotFoundError:
        return False
    return True


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
