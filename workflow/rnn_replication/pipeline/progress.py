"""How long the training will take on this machine: the whole grid's estimate after the timing pass, and
the runs done and the time left after each finished run (the terminal lines of `snakemake`).

A run is predicted to take ``STARTUP_SECONDS`` plus its epochs at the timing pass's median seconds per epoch
of its cell, times its form's relative cost (selection.FORM_COST). Runs share the machine: the grid's wall
time is the predicted seconds summed over the runs left and divided by the runs that make progress at once
(no more than the CPUs), and no less than the longest run; a run with epochs in its resume state (being
trained now, or killed) counts only its epochs still to train. Once runs have finished, the prediction is
scaled by what they really took against what was predicted for them under the same sharing: Snakemake may
run more jobs than there are CPUs (`--cores 4` on 2 CPUs), and each of them then takes that many times
longer, which the division by the CPUs already counts. Where other processes took part of the timing
pass's CPUs, that load is assumed to go on: the training jobs and the others' demand share the CPUs
(:func:`load_factor`), which stretches the prediction until runs have finished and their real seconds take
over. The steps after the training (collect, judge, report) are given beside it, from their last benchmark
files or ``AFTER_TRAINING_SECONDS``. The error of the whole estimate on a real run is in
docs/operations.md.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from rnn_replication.collect.gather import RunRecordError, check_identity
from rnn_replication.core import identity, records
from rnn_replication.core.history import JOURNAL, RESUME_STAMP, read_history
from rnn_replication.core.runs import RunPaths
from rnn_replication.core.spec import FIELDS, RunSpec
from rnn_replication.pipeline import selection

# Seconds of a training job beyond its steady epochs: the notebook's kernel starting, TensorFlow's import,
# the first epoch's graph building, the final evaluation and saving (about 25 s on a 2-core CPU; the
# finished runs' benchmark files correct it as the grid goes).
STARTUP_SECONDS = 25.0
# Seconds of the steps after the training where none has run here yet: collect, judge, report and its
# bundle, 22.5 s in all for config/small.yaml on a 2-core CPU (docs/operations.md).
AFTER_TRAINING_SECONDS = 25.0
AFTER_TRAINING_STEPS = ("collect", "judge", "report", "bundle")


@dataclass(frozen=True)
class Estimate:
    """The runs to train, the seconds that will take, and how many train at once."""

    runs_left: int
    runs_total: int
    seconds_left: float
    jobs_at_once: int  # jobs that make progress at once (no more than the CPUs)
    scale: float  # finished runs' real over predicted seconds, sharing counted (1.0 before any has finished)
    load: float = 0.0  # the share of the timing pass's CPUs that other processes took (median epoch)
    load_factor: float = 1.0  # how much longer that load makes each run (:func:`load_factor`)
    after_training: float = 0.0  # seconds of the steps after the training


def seconds_per_epoch(timing_csv: str | Path) -> dict[str, float]:
    """Each cell's median seconds per epoch in the timing pass (results/timing/<variant>/timing.csv)."""
    by_cell: dict[str, list[float]] = {}
    with open(timing_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            by_cell.setdefault(row["cell"], []).append(float(row["seconds"]))
    return {cell: statistics.median(seconds) for cell, seconds in by_cell.items()}


def timing_load(timing_csv: str | Path) -> tuple[float, float]:
    """The share of its CPUs that other processes took during the timing pass (the median over its timed
    epochs; 0 where it recorded none) and how many CPUs the pass had (this machine's where not recorded)."""
    shares, cpus = [], []
    with open(timing_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("others_cpu_share") not in (None, ""):
                shares.append(float(row["others_cpu_share"]))
            if row.get("cpus") not in (None, ""):
                cpus.append(float(row["cpus"]))
    return (statistics.median(shares) if shares else 0.0), (statistics.median(cpus) if cpus else _cpus())


def _cpus() -> float:
    return float(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def load_factor(load: float, cpus: float, jobs_at_once: int, threads_per_run: int = 1) -> float:
    """How many times longer each training job takes if other processes go on demanding ``load`` x
    ``cpus`` CPUs, as they did during the timing pass (on its ``cpus`` CPUs): the training jobs keep
    ``jobs_at_once`` x ``threads_per_run`` of those CPUs busy (no more than there are), and they and the
    others' demand share the CPUs fairly, so each job runs at cpus / (its demand + load x cpus) of its
    speed where that is below 1 (no slower where the others fit on the CPUs the jobs leave idle)."""
    if not cpus or cpus <= 0 or not load > 0:
        return 1.0
    demand = min(jobs_at_once * max(1, threads_per_run), cpus)
    return max(1.0, (demand + load * cpus) / cpus)


def after_training_seconds(benchmark_dir: str | Path = "benchmarks") -> float:
    """Seconds of the steps after the training (AFTER_TRAINING_STEPS): their last benchmark files here,
    each step's, else AFTER_TRAINING_SECONDS in all."""
    found = []
    for step in AFTER_TRAINING_STEPS:
        try:
            with open(Path(benchmark_dir) / f"{step}.tsv", newline="") as handle:
                found.append(float(next(csv.DictReader(handle, delimiter="\t"))["s"]))
        except (OSError, StopIteration, KeyError, ValueError):
            return AFTER_TRAINING_SECONDS
    return sum(found)


def predicted_seconds(spec: RunSpec, per_epoch: dict[str, float], epochs: int | None = None) -> float:
    """One run's predicted wall seconds with the machine to itself (a job that trains only ``epochs`` of
    them: the start-up and those)."""
    return STARTUP_SECONDS + (spec.epochs if epochs is None else epochs) * epoch_seconds(spec, per_epoch)


def epoch_seconds(spec: RunSpec, per_epoch: dict[str, float]) -> float:
    """One epoch's predicted seconds: its cell's in the timing pass, times its form's relative cost."""
    return per_epoch.get(spec.cell, max(per_epoch.values())) * selection.FORM_COST[spec.form]


def wall_seconds(run_seconds: list[float], jobs_at_once: int) -> float:
    """Wall time of runs shared out over ``jobs_at_once`` slots: the work divided by the slots, and no
    less than the longest run."""
    if not run_seconds:
        return 0.0
    return max(sum(run_seconds) / max(1, jobs_at_once), max(run_seconds))


@dataclass(frozen=True)
class PlannedRun:
    """A run to estimate: its specification, its expected identity and its files."""

    spec: RunSpec
    identity: dict
    variant: str
    paths: RunPaths

    @classmethod
    def all_of(cls, planned: dict) -> list[PlannedRun]:
        """Every run of a plan (core.identity.plan)."""
        found = []
        for name, expected in identity.unplan(planned).items():
            spec = RunSpec(**{field: expected[field] for field in FIELDS})
            variant = planned["runs"][name]["variant"]
            found.append(cls(spec, expected, variant, RunPaths.of(name, variant)))
        return found


def finished_record(run: PlannedRun) -> dict | None:
    """The run's record (metrics.json) where it is there and was made as the planned run (as collect
    checks it), else None."""
    metrics_path = Path(run.paths.metrics)
    try:
        metrics = json.loads(metrics_path.read_text())
        check_identity(metrics, run.identity, metrics_path, "")
    except (OSError, ValueError, AttributeError, RunRecordError):  # AttributeError: JSON, not an object
        return None
    return metrics


def job_prediction(spec: RunSpec, record: dict, per_epoch: dict[str, float]) -> float:
    """The predicted seconds of the job that finished a run: a job that resumed it trained only the epochs
    from ``resumed_at_epoch`` on (none where it is None: every epoch was already done)."""
    first = record.get("resumed_at_epoch", 1)
    return predicted_seconds(spec, per_epoch, 0 if first is None else spec.epochs - int(first) + 1)


def benchmark_seconds(paths: RunPaths) -> float | None:
    """The wall seconds of the run's last training job (its benchmark file), or None."""
    try:
        with open(paths.benchmark, newline="") as handle:
            return float(next(csv.DictReader(handle, delimiter="\t"))["s"])
    except (OSError, StopIteration, KeyError, ValueError):
        return None


def epochs_trained(run: PlannedRun) -> int:
    """Epochs of a run not yet finished that its resume state holds (train.fitting.resume_checkpoint
    stamps it with the run's identity; train.history.EpochHistory journals a row per epoch), 0 where
    there is none or it belongs to another identity (training would discard it)."""
    resume = Path(run.paths.resume)
    try:
        stamp = json.loads((resume / RESUME_STAMP).read_text())
        rows = read_history(resume / JOURNAL)
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    return min(len(rows), run.spec.epochs) if stamp == run.identity else 0


def estimate(
    planned: dict,
    per_epoch: dict[str, float],
    jobs_at_once: int,
    jobs_running: int | None = None,
    elapsed: dict[str, float] | None = None,
    load: tuple[float, float | None] = (0.0, None),
    after_training: float = 0.0,
    threads_per_run: int = 1,
) -> Estimate:
    """The runs of ``planned`` (core.identity.plan: the config's runs and their identities) still to train
    and the wall seconds left, scaled by the finished runs.

    ``jobs_running``: the training jobs Snakemake runs at once (default ``jobs_at_once``); where they are
    more than ``jobs_at_once``, each takes ``jobs_running / jobs_at_once`` times its predicted seconds.
    ``elapsed``: run (``<variant>/<name>``) -> wall seconds of a run that has just finished, whose benchmark
    file Snakemake writes only after its job has ended. ``load``: the timing pass's (:func:`timing_load`),
    assumed to go on (:func:`load_factor`, with each job's ``threads_per_run``). ``after_training``: the
    seconds of the steps after the training, shown beside it."""
    elapsed = elapsed or {}
    share, cpus = load
    factor = load_factor(share, cpus, jobs_at_once, threads_per_run)
    planned_runs = PlannedRun.all_of(planned)
    left, done = [], []
    for run in planned_runs:
        record = finished_record(run)
        if record is not None:
            real = elapsed.get(f"{run.variant}/{run.spec.name}", benchmark_seconds(run.paths))
            if real is not None:
                done.append((factor * job_prediction(run.spec, record, per_epoch), real))
        else:
            to_train = 1 - epochs_trained(run) / run.spec.epochs
            left.append(factor * to_train * predicted_seconds(run.spec, per_epoch))
    seconds, scale = seconds_left(left, done, jobs_at_once, jobs_running)
    return Estimate(len(left), len(planned_runs), seconds, jobs_at_once, scale, share, factor, after_training)


def estimate_after_timing(settings: dict, elapsed: dict[str, float] | None = None):
    """:func:`estimate` from what the workflow hands on (``settings``: the plan, the timing pass's table
    and the training jobs' ``jobs``, ``running`` and ``threads``, as common.smk's progress_inputs gives
    them), with the timing pass's load and the last report steps' seconds; and the pass's seconds per
    epoch."""
    per_epoch = seconds_per_epoch(settings["timing"])
    found = estimate(
        settings["plan"],
        per_epoch,
        settings["jobs"],
        settings.get("running"),
        elapsed,
        load=timing_load(settings["timing"]),
        after_training=after_training_seconds(),
        threads_per_run=settings.get("threads", 1),
    )
    return found, per_epoch


def seconds_left(
    left: list[float], done: list[tuple[float, float]], jobs_at_once: int, jobs_running: int | None = None
) -> tuple[float, float]:
    """The wall seconds of the runs ``left`` (each run's predicted seconds still to train), scaled by the
    finished runs ``done`` (each run's predicted and real wall seconds), and that scale. Where Snakemake
    runs more jobs than make progress at once, each finished run took ``jobs_running / jobs_at_once``
    times its prediction by sharing alone (no more jobs running than there are runs); the scale is what
    they took beyond that."""
    running = min(jobs_running or jobs_at_once, len(left) + len(done))
    sharing = max(1.0, running / max(1, jobs_at_once))
    predicted_done = sharing * sum(predicted for predicted, _ in done)
    scale = sum(real for _, real in done) / predicted_done if predicted_done else 1.0
    return wall_seconds([scale * predicted for predicted in left], jobs_at_once), scale


def resource_value(resources, name: str) -> int | None:
    """A global resource's number (``--resources gpu_jobs=8`` or the profile's), None where it is not set:
    Snakemake keeps each as a Resource object with a ``value``."""
    resource = resources.get(name)
    value = getattr(resource, "value", resource)
    return int(value) if isinstance(value, int | float) else None


def jobs_running(cores: int, threads_per_run: int, gpu_slots: int | None) -> int:
    """How many training jobs Snakemake runs at once: --cores over each job's threads, and no more than
    the GPU slots where jobs hold one."""
    jobs = max(1, cores // max(1, threads_per_run))
    return min(jobs, gpu_slots) if gpu_slots else jobs


def jobs_at_once(cores: int, threads_per_run: int, cpus: int, gpu_slots: int | None) -> int:
    """How many training jobs make progress at once: as :func:`jobs_running`, but no more than the
    machine's CPUs allow (more jobs than CPUs share them)."""
    return jobs_running(min(cores, cpus), threads_per_run, gpu_slots)


def whole_grid_line(found: Estimate, per_epoch: dict[str, float]) -> str:
    """The line after the timing pass: the training still to do, in all, on this machine."""
    measured = ", ".join(f"{cell} {seconds:.1f} s" for cell, seconds in per_epoch.items())
    left = records.duration(found.seconds_left)
    after = report_steps(found)
    line = (
        f"estimate: {found.runs_left} of {found.runs_total} runs to train, about {left} with "
        f"{found.jobs_at_once} at once on this machine{after} (timing pass, seconds per epoch: {measured})"
    )
    if found.load_factor > 1:
        line += (
            f"; other processes took {100 * found.load:.0f} % of the timing pass's CPUs: if they go on, each"
            f" run takes about {found.load_factor:.1f} times as long, as counted here"
        )
    return line


def progress_line(found: Estimate, finished: str) -> str:
    """The line after a finished run: how many are done, and the estimate left (the report's steps
    after it, where known)."""
    done = found.runs_total - found.runs_left
    left = f"about {records.duration(found.seconds_left)} left" if found.runs_left else "all runs trained"
    left += report_steps(found)
    return f"progress: {finished} done; {done} of {found.runs_total} runs trained, {left}"


def report_steps(found: Estimate) -> str:
    """ ", then about 25 s for the report": the steps after the training, where known."""
    if not found.after_training:
        return ""
    return f", then about {records.duration(found.after_training)} for the report"
