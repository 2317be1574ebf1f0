"""The training estimate on the terminal: from the timing pass's seconds per epoch, shared over the jobs
that run at once, corrected by the runs that have finished."""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_replication.core import records
from rnn_replication.core.history import JOURNAL, RESUME_STAMP
from rnn_replication.core.runs import RunPaths
from rnn_replication.core.spec import RunSpec
from rnn_replication.observe import epochs
from rnn_replication.pipeline import progress, selection
from rnn_replication.train import fitting
from rnn_replication.train import history as train_history
from rnn_replication.train.history import EpochHistory

CONFIG = {
    "cells": ["simplernn", "lstm"],
    "forms": ["single", "stacked"],
    "seeds": [0, 1],
    "other_form_seeds": [0],
    "semantics": "article",
    "compare_semantics": False,
    "backend": "tensorflow",
    "cpu_isa": "AVX2",
    "units": 128,
    "epochs": 10,
    "batch_size": 128,
    "learning_rate": 0.001,
    "train_subset": 0,
    "test_subset": 0,
    "timing": {"repeats": 6},
}
PER_EPOCH = {"simplernn": 5.0, "lstm": 16.0}
# The config's runs with their identities, as common.smk plans them (the code and versions made up).
PLAN = selection.Plan(CONFIG, {"train/models.py": "c0de"}, {"timing/measure.py": "c0de"}, {"keras": "3"})
PLANNED = PLAN.planned()


def test_a_run_is_its_start_up_and_its_epochs_at_its_cells_and_forms_cost():
    single = RunSpec("lstm", "single", epochs=10)
    stacked = RunSpec("lstm", "stacked", epochs=10)
    assert progress.predicted_seconds(single, PER_EPOCH) == progress.STARTUP_SECONDS + 10 * 16.0
    assert progress.predicted_seconds(stacked, PER_EPOCH) == pytest.approx(
        progress.STARTUP_SECONDS + 10 * 16.0 * selection.FORM_COST["stacked"]
    )


def test_runs_share_the_slots_and_the_longest_run_bounds_the_wall_time():
    assert progress.wall_seconds([100, 100, 100, 100], jobs_at_once=2) == 200
    assert progress.wall_seconds([500, 10, 10], jobs_at_once=4) == 500
    assert progress.wall_seconds([], jobs_at_once=2) == 0


@pytest.mark.parametrize(
    ("cores", "threads", "cpus", "gpu_slots", "expected"),
    [
        (4, 1, 2, None, 2),  # four jobs on two CPUs make progress as two
        (4, 1, 8, None, 4),
        (8, 2, 8, None, 4),
        (16, 1, 16, 4, 4),  # one GPU, four slots
        (1, 4, 2, None, 1),
    ],
)
def test_jobs_at_once_is_bounded_by_cores_cpus_threads_and_gpu_slots(
    cores, threads, cpus, gpu_slots, expected
):
    assert progress.jobs_at_once(cores, threads, cpus, gpu_slots) == expected


def finish(spec: RunSpec, wall_seconds: float, resumed_at: int | None = 1, **changed) -> None:
    """A run record as the train job leaves it (its first epoch trained by that job: ``resumed_at``; its
    identity the planned one, with ``changed``), and its benchmark file."""
    paths = PLAN.paths(spec)
    record = {"identity": PLAN.identity(spec) | changed, "resumed_at_epoch": resumed_at}
    records.write_json(paths.metrics, record)
    records.atomic_write_text(paths.benchmark, f"s\th:m:s\n{wall_seconds}\t0:00:00\n")


def test_the_estimate_counts_the_runs_left_and_scales_by_the_finished_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    specs = selection.selected_runs(CONFIG)
    assert len(specs) == 6  # 2 cells x (2 single seeds + 1 stacked seed)
    before = progress.estimate(PLANNED, PER_EPOCH, jobs_at_once=2)
    predicted = [progress.predicted_seconds(spec, PER_EPOCH) for spec in specs]
    assert (before.runs_left, before.runs_total, before.scale) == (6, 6, 1.0)
    assert before.seconds_left == pytest.approx(progress.wall_seconds(predicted, 2))
    # Two runs done, each taking 1.5 times the prediction; a third record was made with other code and
    # a fourth with other epochs: both are still to train.
    done = specs[:2]
    for spec in done:
        finish(spec, 1.5 * progress.predicted_seconds(spec, PER_EPOCH))
    finish(specs[2], 1.0, code={"train/models.py": "other"})
    finish(specs[3], 1.0, epochs=3)
    after = progress.estimate(PLANNED, PER_EPOCH, jobs_at_once=2)
    assert (after.runs_left, after.scale) == (4, pytest.approx(1.5))
    assert after.seconds_left == pytest.approx(progress.wall_seconds([1.5 * p for p in predicted[2:]], 2))
    line = progress.progress_line(after, specs[1].name)
    assert line.startswith(f"progress: {specs[1].name} done; 2 of 6 runs trained, about ")
    assert progress.whole_grid_line(before, PER_EPOCH).startswith("estimate: 6 of 6 runs to train, about ")


def test_the_load_during_the_timing_pass_stretches_the_runs_where_it_would_crowd_them(tmp_path, monkeypatch):
    # A 2-CPU VM, 2 one-CPU jobs, others took half of the pass's CPUs: 3 CPUs' demand on 2, 1.5 times.
    assert progress.load_factor(0.5, 2, 2) == pytest.approx(1.5)
    # 6 busy cores of 64, 4 jobs: the others fit on the idle CPUs, no slower.
    assert progress.load_factor(6 / 64, 64, 4) == 1.0
    assert progress.load_factor(0.0, 2, 2) == progress.load_factor(float("nan"), 2, 2) == 1.0
    # One job of two threads keeps both CPUs busy as two one-thread jobs do.
    assert progress.load_factor(0.5, 2, 1, threads_per_run=2) == pytest.approx(1.5)
    # A pass pinned to 2 of 64 CPUs, 4 jobs at once by the machine's count: the jobs busy 2 CPUs at most,
    # so a trace of load stretches by a trace, not twice.
    assert progress.load_factor(0.001, 2, 4) == pytest.approx(1.001)
    rows = [{"cell": "lstm", "seconds": 3, "others_cpu_share": share, "cpus": 2} for share in (0.1, 0.6, 0.5)]
    records.write_csv(tmp_path / "timing.csv", rows, ["cell", "seconds", "others_cpu_share", "cpus"])
    assert progress.timing_load(tmp_path / "timing.csv") == (0.5, 2.0)
    monkeypatch.chdir(tmp_path)
    quiet = progress.estimate(PLANNED, PER_EPOCH, jobs_at_once=2)
    busy = progress.estimate(PLANNED, PER_EPOCH, jobs_at_once=2, load=(0.5, 2.0), after_training=70.0)
    assert busy.seconds_left == pytest.approx(1.5 * quiet.seconds_left) and busy.load_factor == 1.5
    line = progress.whole_grid_line(busy, PER_EPOCH)
    assert "with 2 at once on this machine, then about 70 s for the report (timing pass" in line
    assert line.endswith(
        "; other processes took 50 % of the timing pass's CPUs: if they go on, each run takes about 1.5 times"
        " as long, as counted here"
    )
    assert "other processes" not in progress.whole_grid_line(quiet, PER_EPOCH)


def test_the_steps_after_training_count_their_last_benchmarks_or_a_default(tmp_path):
    assert progress.after_training_seconds(tmp_path) == progress.AFTER_TRAINING_SECONDS
    for step, seconds in zip(progress.AFTER_TRAINING_STEPS, (5, 9, 40, 6), strict=True):
        records.atomic_write_text(tmp_path / f"{step}.tsv", f"s\th:m:s\n{seconds}\t0:00:00\n")
    assert progress.after_training_seconds(tmp_path) == 60.0


def test_seconds_per_epoch_are_each_cells_median_in_the_timing_pass(tmp_path):
    rows = [{"cell": cell, "seconds": s} for cell, s in [("lstm", 3), ("lstm", 9), ("lstm", 4), ("gru", 5)]]
    records.write_csv(tmp_path / "timing.csv", rows, ["cell", "seconds"])
    assert progress.seconds_per_epoch(tmp_path / "timing.csv") == {"lstm": 4.0, "gru": 5.0}


def test_the_runs_own_estimate_leaves_out_the_compiling_first_epoch(monkeypatch):
    lines = []
    history = EpochHistory()
    log = epochs.EpochLog(
        history, 4, "lstm-single-article-seed0", print_fn=lambda line, **_: lines.append(line)
    )
    clock = iter([0.0, 20.0, 20.0, 25.0])  # epoch 1: 20 s (compiling), epoch 2: 5 s
    monkeypatch.setattr(train_history.time, "perf_counter", lambda: next(clock))
    metrics = {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.5}
    for epoch in range(2):
        history.on_epoch_begin(epoch)
        history.on_epoch_end(epoch, metrics)
        log.on_epoch_end(epoch, metrics)
    assert lines[0].endswith("about 60 s left")  # 3 epochs at the only one measured
    assert lines[1].endswith("about 10 s left")  # 2 epochs at 5 s, the first left out


def test_a_finished_record_is_read_as_collect_reads_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = PLAN.runs[0]
    (run,) = [run for run in progress.PlannedRun.all_of(PLANNED) if run.spec == spec]
    assert run.paths == PLAN.paths(spec) and run.identity == PLAN.identity(spec)
    assert progress.finished_record(run) is None
    finish(spec, 10.0)
    assert progress.finished_record(run) is not None
    (tmp_path / run.paths.metrics).write_text(json.dumps({"config": {}}))
    assert progress.finished_record(run) is None
    assert progress.benchmark_seconds(run.paths) == 10.0


def test_the_gpu_slots_are_read_from_snakemakes_resources():
    from snakemake.resources import Resources

    resources = Resources.from_mapping({"gpu_jobs": 4})
    assert progress.resource_value(resources, "gpu_jobs") == 4
    assert progress.resource_value(resources, "other") is None
    assert progress.jobs_at_once(16, 1, 16, progress.resource_value(resources, "gpu_jobs")) == 4


def test_more_jobs_than_cpus_are_not_counted_twice(tmp_path, monkeypatch):
    """--cores 4 on 2 CPUs: four jobs share two CPUs, so each takes twice its prediction and two make
    progress at once. Runs that took exactly that leave the scale at 1 and the estimate unchanged (dividing
    their wall by the prediction alone would double the time left)."""
    monkeypatch.chdir(tmp_path)
    specs = selection.selected_runs(CONFIG)
    predicted = [progress.predicted_seconds(spec, PER_EPOCH) for spec in specs]
    assert progress.jobs_running(4, 1, None) == 4 and progress.jobs_at_once(4, 1, 2, None) == 2
    for spec, seconds in zip(specs[:2], predicted[:2], strict=True):
        finish(spec, 2 * seconds)
    shared = progress.estimate(PLANNED, PER_EPOCH, jobs_at_once=2, jobs_running=4)
    assert shared.scale == pytest.approx(1.0)
    assert shared.seconds_left == pytest.approx(progress.wall_seconds(predicted[2:], 2))
    # Contention beyond the sharing (the real run: about 1.3 times) scales what is left by that much.
    for spec, seconds in zip(specs[:2], predicted[:2], strict=True):
        finish(spec, 2 * 1.3 * seconds)
    slower = progress.estimate(PLANNED, PER_EPOCH, jobs_at_once=2, jobs_running=4)
    assert slower.scale == pytest.approx(1.3)
    assert slower.seconds_left == pytest.approx(1.3 * shared.seconds_left)


def test_a_run_that_has_just_finished_counts_with_its_elapsed_seconds(tmp_path, monkeypatch):
    """Snakemake writes a job's benchmark file after the job's shell has ended, so the run the estimate
    follows brings its own seconds; they replace a benchmark file left by an earlier job of the run."""
    monkeypatch.chdir(tmp_path)
    spec = selection.selected_runs(CONFIG)[0]
    predicted = progress.predicted_seconds(spec, PER_EPOCH)
    finish(spec, predicted)
    Path(PLAN.paths(spec).benchmark).unlink()
    assert progress.estimate(PLANNED, PER_EPOCH, 2).scale == 1.0  # no seconds for it yet
    finished = f"{PLAN.variant(spec)}/{spec.name}"  # as the train rule names it
    found = progress.estimate(PLANNED, PER_EPOCH, 2, elapsed={finished: 3 * predicted})
    assert found.scale == pytest.approx(3.0)
    finish(spec, predicted)
    found = progress.estimate(PLANNED, PER_EPOCH, 2, elapsed={finished: 2 * predicted})
    assert found.scale == pytest.approx(2.0)


def test_the_progress_script_counts_the_job_that_runs_it():
    """workflow/scripts/progress.py --finished RUN: the run's seconds are its job's (the parent shell's)
    age. The shell prints the time it started, sleeps 1 s, then starts the script, which prints the job's
    age and the time it measured it: the age is the difference, however slow the machine (its imports)."""
    script = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "progress.py"
    code = f"import runpy, time; print(runpy.run_path({str(script)!r})['job_seconds'](), time.time())"
    result = subprocess.run(
        ["bash", "-c", f"date +%s.%N; sleep 1; {shlex.quote(sys.executable)} -c {shlex.quote(code)}; true"],
        capture_output=True,
        text=True,
        check=True,
    )
    started, age, now = map(float, result.stdout.split())
    assert age >= 1, result
    # The shell exists a moment before `date` reads the clock; its start time is kept in 10 ms ticks.
    assert -0.05 < age - (now - started) < 1.0, result


def test_a_run_being_trained_counts_only_its_epochs_left(tmp_path, monkeypatch):
    """The resume state as training writes it (train.fitting.resume_checkpoint stamps it, EpochLog
    journals the epochs): 4 of 10 epochs done leaves 60 % of the run's prediction; the state of another
    identity counts nothing."""
    monkeypatch.chdir(tmp_path)
    spec = selection.selected_runs(CONFIG)[0]
    resume = PLAN.paths(spec).resume
    fitting.resume_checkpoint(resume, PLAN.identity(spec))
    history = EpochHistory(Path(resume) / JOURNAL)
    metrics = {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.5}
    for epoch in range(4):
        history.on_epoch_begin(epoch)
        history.on_epoch_end(epoch, metrics)
    (run, *_) = progress.PlannedRun.all_of(PLANNED)
    assert run.spec == spec and progress.epochs_trained(run) == 4
    other_code = PLAN.identity(spec) | {"code": {"train/models.py": "other"}}
    other = progress.PlannedRun(spec, other_code, run.variant, run.paths)
    assert progress.epochs_trained(other) == 0
    predicted = [progress.predicted_seconds(other, PER_EPOCH) for other in selection.selected_runs(CONFIG)]
    found = progress.estimate(PLANNED, PER_EPOCH, jobs_at_once=2)
    assert found.runs_left == 6
    assert found.seconds_left == pytest.approx(progress.wall_seconds([0.6 * predicted[0], *predicted[1:]], 2))
    # A journal cut mid-row (a kill while it was written) or a cut stamp: the estimate counts the run as
    # not started and goes on (it never stops a workflow).
    journal, stamp = Path(resume) / JOURNAL, Path(resume) / RESUME_STAMP
    text = journal.read_text()
    journal.write_text(text[: text.rindex("\n", 0, -1) + 8])
    assert progress.epochs_trained(run) == 0 and progress.estimate(PLANNED, PER_EPOCH, 2).runs_left == 6
    journal.write_text(text)
    stamp.write_text(stamp.read_text()[:20])
    assert progress.epochs_trained(run) == 0


SNAKEMAKE_LOG = """Provided cores: 4
[Mon Nov 30 10:00:00 2026]
localrule timing:
    output: results/timing/0123456789/timing.csv
    jobid: 9
[Mon Nov 30 10:01:00 2026]
Finished jobid: 9 (Rule: timing)
[Mon Nov 30 10:01:00 2026]
localrule train:
    output: results/runs/{first}/metrics.json, results/runs/{first}/history.csv
    jobid: 1
[Mon Nov 30 10:01:00 2026]
localrule train:
    output: results/runs/{second}/metrics.json, results/runs/{second}/history.csv
    jobid: 2
[Mon Nov 30 10:03:00 2026]
Finished jobid: 1 (Rule: train)
[Mon Nov 30 10:05:00 2026]
Finished jobid: 2 (Rule: train)
"""


def test_the_replay_reads_a_snakemake_log_and_sets_the_estimate_beside_the_time_left(tmp_path):
    """workflow/scripts/replay_estimate.py on a two-run log (--cores 4, 2 CPUs: the two runs share
    nothing): each run predicted at 60 s (1 epoch of 35 s + 25 s start-up); the first took 120 s, so the
    scale is 2 and the second run, halfway through its 240 s, has 2 x 30 s left, against 120 s really."""
    specs = [RunSpec("lstm", seed=seed, epochs=1) for seed in (0, 1)]
    variant = "abcdef0123"
    log = tmp_path / "run.snakemake.log"
    log.write_text(
        SNAKEMAKE_LOG.format(first=f"{variant}/{specs[0].name}", second=f"{variant}/{specs[1].name}")
    )
    timing = [{"cell": "lstm", "seconds": 35.0}]
    records.write_csv(
        tmp_path / "results" / "timing" / "0123456789" / "timing.csv", timing, ["cell", "seconds"]
    )
    columns = ["run", "cell", "form", "semantics", "seed", "epochs", "variant"]
    rows = [
        {"run": s.name, "cell": s.cell, "form": s.form, "semantics": s.semantics, "seed": s.seed, "epochs": 1}
        | {"variant": variant}
        for s in specs
    ]
    records.write_csv(tmp_path / "results" / "summary.csv", rows, columns)
    for spec, seconds in zip(specs, (120, 240), strict=True):
        benchmark = tmp_path / RunPaths.of(spec.name, variant).benchmark
        records.atomic_write_text(benchmark, f"s\th:m:s\n{seconds}\t0:00:00\n")
    script = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "replay_estimate.py"
    result = subprocess.run(
        [sys.executable, str(script), str(log), "--cpus", "2"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "--cores 4 on 2 CPUs: 4 jobs run, 2 make progress at once; other processes took 0 % of the timing"
        " pass's CPUs (each run counted 1.00 times as long)"
    )
    assert "| after the timing pass | 10:01:00 | 240 | 60 | 0.25 | 60 | 0.25 |" in lines
    assert f"| 1 of 2 trained ({variant}/{specs[0].name}) | 10:03:00 | 120 | 60 | 0.50 | 60 | 0.50 |" in lines
    assert f"| 2 of 2 trained ({variant}/{specs[1].name}) | 10:05:00 | 0 | 0 | – | 0 | – |" in lines
    # The same log, the timing pass beside another process that took half of its 2 CPUs: with that load
    # going on, 2 one-CPU jobs and 1 CPU of others' demand share 2 CPUs, each run 1.5 times as long.
    busy = [{"cell": "lstm", "seconds": 35.0, "others_cpu_share": 0.5, "cpus": 2}]
    records.write_csv(
        tmp_path / "results" / "timing" / "0123456789" / "timing.csv",
        busy,
        ["cell", "seconds", "others_cpu_share", "cpus"],
    )
    result = subprocess.run(
        [sys.executable, str(script), str(log), "--cpus", "2"], cwd=tmp_path, capture_output=True, text=True
    )
    lines = result.stdout.splitlines()
    assert "took 50 % of the timing pass's CPUs (each run counted 1.50 times as long)" in lines[0]
    assert "| after the timing pass | 10:01:00 | 240 | 60 | 0.25 | 90 | 0.38 |" in lines
    # Once a run has finished, its real seconds take over: the load counts no more.
    assert f"| 1 of 2 trained ({variant}/{specs[0].name}) | 10:03:00 | 120 | 60 | 0.50 | 60 | 0.50 |" in lines


def test_a_resumed_job_is_compared_with_the_epochs_it_trained(tmp_path, monkeypatch):
    """A job that resumed a 10-epoch run after epoch 5 trained epochs 6-10: its benchmark wall is set
    against the start-up and 5 epochs, not the whole run (which would make the rest look faster)."""
    monkeypatch.chdir(tmp_path)
    spec = selection.selected_runs(CONFIG)[0]
    half = progress.STARTUP_SECONDS + 5 * progress.epoch_seconds(spec, PER_EPOCH)
    finish(spec, half, resumed_at=6)
    assert progress.estimate(PLANNED, PER_EPOCH, 2).scale == pytest.approx(1.0)
    finish(spec, progress.STARTUP_SECONDS, resumed_at=None)  # every epoch was already done
    assert progress.estimate(PLANNED, PER_EPOCH, 2).scale == pytest.approx(1.0)


def test_sharing_counts_no_more_jobs_than_there_are_runs(tmp_path, monkeypatch):
    """Two runs on --cores 4 and 2 CPUs: two jobs run, nothing is shared, a run that took its prediction
    leaves the scale at 1."""
    assert progress.seconds_left([100.0], [(50.0, 50.0)], jobs_at_once=2, jobs_running=4) == (100.0, 1.0)
    assert progress.seconds_left([100.0] * 3, [(50.0, 100.0)], jobs_at_once=2, jobs_running=4) == (150.0, 1.0)
