"""Writing run records atomically, and describing the software and hardware they came from."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import statistics
import tempfile
from importlib import metadata
from pathlib import Path

# One row per epoch of a run's history.csv.
HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"]

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


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write via a temporary file and rename, so no half-written file ever looks finished."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            handle.write(text)
        os.chmod(tmp_name, 0o644)  # mkstemp makes files private; records are not
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def write_json(path: str | os.PathLike, record: dict) -> None:
    atomic_write_text(path, json.dumps(record, indent=2, sort_keys=True) + "\n")


def write_csv(path: str | os.PathLike, rows: list[dict], columns: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


def read_history(path) -> list[dict]:
    """History rows from a CSV written by EpochLog; none if the file does not exist."""
    if not Path(path).exists():
        return []
    with open(path, newline="") as handle:
        return [
            {key: int(value) if key == "epoch" else float(value) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


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


def describe_device(backend: str) -> str:
    """The accelerator the backend trains on, or the CPU with its core count."""
    cpu = f"CPU: {cpu_name()} ({os.cpu_count()} cores)"
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                details = tf.config.experimental.get_device_details(gpus[0])
                return f"GPU: {details.get('device_name', gpus[0].name)}"
        elif backend == "jax":
            import jax

            device = jax.devices()[0]
            if device.platform != "cpu":
                return f"GPU: {device.device_kind}"
        elif backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"GPU: {torch.cuda.get_device_name(0)}"
    except Exception:  # noqa: BLE001 - a device we cannot name is still recorded as the CPU
        pass
    return cpu


def steady_seconds_per_epoch(epoch_seconds: list[float]) -> float:
    """Median epoch time without the first epoch, which includes graph building / compilation."""
    steady = epoch_seconds[1:] or epoch_seconds
    return statistics.median(steady)
