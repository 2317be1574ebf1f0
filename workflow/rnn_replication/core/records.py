"""Writing run records atomically, and describing the software and hardware they came from."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import platform
import statistics
from importlib import metadata
from pathlib import Path

from rnn_replication.core.files import atomic_path, atomic_write_text  # noqa: F401 - records are written with them

RECORDED_PACKAGES = (
    "keras",
    "tensorflow",
    "jax",
    "jaxlib",
    "torch",
    "numpy",
    "pandas",
    "matplotlib",
    "snakemake",
    "papermill",
    "nbconvert",
    "ipykernel",
)


def try_lock(path: str | os.PathLike):
    """An exclusive lock on the file at ``path``, held while the returned open file stays open (the
    operating system drops it when the process ends, even when it is killed); None if another process
    holds it.

    The holder removes the file when it is done (observe.job.exclusive), so a process that opened the file
    just before that may lock a file no longer at ``path`` while a third process creates and locks a new
    one: both would hold "the" lock. A lock counts only if ``path`` still names the locked file; otherwise
    it is dropped and taken again on the file now there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        locked = os.fstat(handle.fileno())
        try:
            named = os.stat(path)
        except FileNotFoundError:
            named = None
        if named is not None and (named.st_dev, named.st_ino) == (locked.st_dev, locked.st_ino):
            return handle
        handle.close()


def lock_holder(path: str | os.PathLike) -> str:
    """The process id the holder of the lock at ``path`` wrote into it (observe.job.exclusive)."""
    return Path(path).read_text().strip() or "unknown"


def write_json(path: str | os.PathLike, record: dict) -> None:
    atomic_write_text(path, json.dumps(record, indent=2, sort_keys=True) + "\n")


def write_csv(path: str | os.PathLike, rows: list[dict], columns: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


def package_versions(names=RECORDED_PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# oneDNN's x86-64 instruction-set levels (its ONEDNN_MAX_CPU_ISA values), lowest first, each with the
# /proc/cpuinfo flags a CPU needs for it.
CPU_ISA_LEVELS = {
    "SSE41": {"sse4_1"},
    "AVX": {"avx"},
    "AVX2": {"avx2"},
    "AVX512_CORE": {"avx512f", "avx512bw", "avx512vl", "avx512dq"},
    "AVX512_CORE_VNNI": {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"},
    "AVX512_CORE_BF16": {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16"},
}


def cpu_isa_level(flags: set[str] | None = None) -> str:
    """The highest of CPU_ISA_LEVELS this CPU has ("" where /proc/cpuinfo says nothing, e.g. not Linux
    or not x86-64)."""
    if flags is None:
        try:
            text = Path("/proc/cpuinfo").read_text()
        except OSError:
            return ""
        lines = [line for line in text.splitlines() if line.startswith("flags")]
        flags = set(lines[0].split(":", 1)[1].split()) if lines else set()
    held = [level for level, needed in CPU_ISA_LEVELS.items() if needed <= flags]
    return held[-1] if held else ""


def cpu_isa_in_effect(cap: str, level: str | None = None) -> str:
    """The instruction-set level oneDNN uses on this CPU under ``cap`` (ONEDNN_MAX_CPU_ISA; "" for none):
    the lower of the two, where both are known levels."""
    level = cpu_isa_level() if level is None else level
    order = list(CPU_ISA_LEVELS)
    if cap in order and level in order:
        return order[min(order.index(cap), order.index(level))]
    return level


def duration(seconds: float) -> str:
    """A rough duration for a person, in log lines: "40 s", "12 min", "1.5 h"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def steady_seconds_per_epoch(epoch_seconds: list[float]) -> float:
    """Median epoch time without the first epoch, which includes graph building / compilation."""
    steady = epoch_seconds[1:] or epoch_seconds
    return statistics.median(steady)


# Columns that hold text even where every value looks like a number: a fingerprint of hex digits only
# ("012345678901") would otherwise be read as an integer and lose its leading zero.
TEXT_COLUMNS = ("run", "backend", "device", "data_sha256", "arithmetic", "variant")


def read_summary(path: str | os.PathLike):
    """A summary.csv (collect.gather writes it) as a DataFrame, its text columns read as text."""
    import pandas as pd  # here, not above: writing a record needs no pandas

    return pd.read_csv(path, dtype=dict.fromkeys(TEXT_COLUMNS, str))


def read_histories(summary) -> dict:
    """Each run of a summary table (run name -> its history.csv, through the summary's paths)."""
    import pandas as pd

    return {row.run: pd.read_csv(row.history_path) for row in summary.itertuples()}
