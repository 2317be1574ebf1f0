"""How long the training will take on this machine: the whole grid's estimate after the timing pass, and
the runs done and the time left after each finished run (the terminal lines of `snakemake`).

A run is predicted to take ``STARTUP_SECONDS`` plus its epochs at the timing pass's median seconds per epoch
of its cell, times its form's relative cost (selection.FORM_COST). Runs share the machine: the grid's wall
time is the predicted seconds summed over the runs left and divided by the runs that train at once, and no
less than the longest run. Once runs have finished, the prediction is scaled by what they really took
(their benchmark files: wall seconds per job) against what was predicted for them. The error of the whole
estimate on a real run is in docs/operations.md.
"""

from __future__ import annotations

import csv
import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from rnn_replication.collect.gather import RunRecordError, check_settings
from rnn_replication.core import records
from rnn_replication.core.runs import RunSpec
from rnn_replication.pipeline import selection

# Seconds of a training job beyond its steady epochs: the notebook's kernel starting, TensorFlow's import,
# the first epoch's graph building, the final evaluation and saving (about 25 s on a 2-core CPU; the
# finished runs' benchmark files correct it as the grid goes).
STARTUP_SECONDS = 25.0


@dataclass(frozen=True)
class Estimate:
    """The runs to train, the seconds that will take, and how many train at once."""

    runs_left: int
    runs_total: int
    seconds_left: float
    jobs_at_once: int
    scale: float  # finished runs' real over predicted seconds (1.0 before any has finished)


def seconds_per_epoch(timing_csv: str | Path) -> dict[str, float]:
    """Each cell's median seconds per epoch in the timing pass (results/timing.csv)."""
    by_cell: dict[str, list[float]] = {}
    with open(timing_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            by_cell.setdefault(row["cell"], []).append(float(row["seconds"]))
    return {cell: statistics.median(seconds) for cell, seconds in by_cell.items()}


def predicted_seconds(spec: RunSpec, per_epoch: dict[str, float]) -> float:
    """One run's predicted wall seconds with the machine to itself."""
    epoch = per_epoch.get(spec.cell, max(per_epoch.values())) * selection.FORM_COST[spec.form]
    return STARTUP_SECONDS + spec.epochs * epoch


def wall_seconds(run_seconds: list[float], jobs_at_once: int) -> float:
    """Wall time of runs shared out over ``jobs_at_once`` slots: the work divided by the slots, and no
    less than the longest run."""
    if not run_seconds:
        return 0.0
    return max(sum(run_seconds) / max(1, jobs_at_once), max(run_seconds))


def is_finished(spec: RunSpec, expected: dict) -> bool:
    """Whether the run's record is there and was made with the expected settings and code (as collect
    checks it)."""
    metrics_path = Path(spec.paths().metrics)
    try:
        metrics = json.loads(metrics_path.read_text())
        check_settings(metrics, expected, metrics_path, "")
    except (OSError, ValueError, RunRecordError):
        return False
    return True


def benchmark_seconds(spec: RunSpec) -> float | None:
    """The wall seconds of the run's last training job (its benchmark file), or None."""
    try:
        with open(spec.paths().benchmark, newline="") as handle:
            return float(next(csv.DictReader(handle, delimiter="\t"))["s"])
    except (OSError, StopIteration, KeyError, ValueError):
        return None


def estimate(config: dict, code_fingerprint: str, per_epoch: dict[str, float], jobs_at_once: int) -> Estimate:
    """The runs of ``config`` still to train and the wall seconds left, scaled by the finished runs."""
    specs = selection.selected_runs(config)
    left, predicted_done, real_done = [], 0.0, 0.0
    for spec in specs:
        expected = selection.run_settings(spec, config["backend"], config["cpu_isa"])
        if is_finished(spec, expected | {"code_fingerprint": code_fingerprint}):
            real = benchmark_seconds(spec)
            if real is not None:
                predicted_done += predicted_seconds(spec, per_epoch)
                real_done += real
        else:
            left.append(spec)
    scale = real_done / predicted_done if predicted_done else 1.0
    seconds = wall_seconds([scale * predicted_seconds(spec, per_epoch) for spec in left], jobs_at_once)
    return Estimate(len(left), len(specs), seconds, jobs_at_once, scale)


def resource_value(resources, name: str) -> int | None:
    """A global resource's number (``--resources gpu_jobs=8`` or the profile's), None where it is not set:
    Snakemake keeps each as a Resource object with a ``value``."""
    resource = resources.get(name)
    value = getattr(resource, "value", resource)
    return int(value) if isinstance(value, int | float) else None


def jobs_at_once(cores: int, threads_per_run: int, cpus: int, gpu_slots: int | None) -> int:
    """How many training jobs make progress at once: Snakemake's --cores over each job's threads, no
    more than the machine's CPUs allow (more jobs than CPUs share them), and no more than the GPU slots
    where jobs hold one."""
    jobs = max(1, min(cores, cpus) // max(1, threads_per_run))
    return min(jobs, gpu_slots) if gpu_slots else jobs


def whole_grid_line(found: Estimate, per_epoch: dict[str, float]) -> str:
    """The line after the timing pass: the training still to do, in all, on this machine."""
    measured = ", ".join(f"{cell} {seconds:.1f} s" for cell, seconds in per_epoch.items())
    left = records.duration(found.seconds_left)
    return (
        f"estimate: {found.runs_left} of {found.runs_total} runs to train, about {left}"
        f" with {found.jobs_at_once} at once on this machine (timing pass, seconds per epoch: {measured})"
    )


def progress_line(found: Estimate, finished: str) -> str:
    """The line after a finished run: how many are done, and the estimate left."""
    done = found.runs_total - found.runs_left
    left = f"about {records.duration(found.seconds_left)} left" if found.runs_left else "all runs trained"
    return f"progress: {finished} done; {done} of {found.runs_total} runs trained, {left}"
