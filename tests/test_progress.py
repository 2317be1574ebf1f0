"""The training estimate on the terminal: from the timing pass's seconds per epoch, shared over the jobs
that run at once, corrected by the runs that have finished."""

import json

import pytest

from rnn_replication.core import records
from rnn_replication.core.runs import RunSpec
from rnn_replication.pipeline import progress, selection
from rnn_replication.train import training

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
}
PER_EPOCH = {"simplernn": 5.0, "lstm": 16.0}


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


def finish(spec: RunSpec, wall_seconds: float, code: str = "c0de", **changed) -> None:
    """A run record as the train job leaves it, and its benchmark file."""
    paths = spec.paths()
    settings = selection.run_settings(spec, CONFIG["backend"], CONFIG["cpu_isa"])
    record = settings | {"config": spec.settings() | changed, "code_fingerprint": code}
    records.write_json(paths.metrics, record)
    records.atomic_write_text(paths.benchmark, f"s\th:m:s\n{wall_seconds}\t0:00:00\n")


def test_the_estimate_counts_the_runs_left_and_scales_by_the_finished_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    specs = selection.selected_runs(CONFIG)
    assert len(specs) == 6  # 2 cells x (2 single seeds + 1 stacked seed)
    before = progress.estimate(CONFIG, "c0de", PER_EPOCH, jobs_at_once=2)
    predicted = [progress.predicted_seconds(spec, PER_EPOCH) for spec in specs]
    assert (before.runs_left, before.runs_total, before.scale) == (6, 6, 1.0)
    assert before.seconds_left == pytest.approx(progress.wall_seconds(predicted, 2))
    # Two runs done, each taking 1.5 times the prediction; a third record was made with other code and
    # a fourth with other epochs: both are still to train.
    done = specs[:2]
    for spec in done:
        finish(spec, 1.5 * progress.predicted_seconds(spec, PER_EPOCH))
    finish(specs[2], 1.0, code="other")
    finish(specs[3], 1.0, epochs=3)
    after = progress.estimate(CONFIG, "c0de", PER_EPOCH, jobs_at_once=2)
    assert (after.runs_left, after.scale) == (4, pytest.approx(1.5))
    assert after.seconds_left == pytest.approx(progress.wall_seconds([1.5 * p for p in predicted[2:]], 2))
    line = progress.progress_line(after, specs[1].name)
    assert line.startswith(f"progress: {specs[1].name} done; 2 of 6 runs trained, about ")
    assert progress.whole_grid_line(before, PER_EPOCH).startswith("estimate: 6 of 6 runs to train, about ")


def test_seconds_per_epoch_are_each_cells_median_in_the_timing_pass(tmp_path):
    rows = [{"cell": cell, "seconds": s} for cell, s in [("lstm", 3), ("lstm", 9), ("lstm", 4), ("gru", 5)]]
    records.write_csv(tmp_path / "timing.csv", rows, ["cell", "seconds"])
    assert progress.seconds_per_epoch(tmp_path / "timing.csv") == {"lstm": 4.0, "gru": 5.0}


def test_the_runs_own_estimate_leaves_out_the_compiling_first_epoch(monkeypatch):
    lines = []
    log = training.EpochLog(
        epochs=4, label="lstm-single-article-seed0", print_fn=lambda line, **_: lines.append(line)
    )
    clock = iter([0.0, 20.0, 20.0, 25.0])  # epoch 1: 20 s (compiling), epoch 2: 5 s
    monkeypatch.setattr(training.time, "perf_counter", lambda: next(clock))
    metrics = {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.5}
    for epoch in range(2):
        log.on_epoch_begin(epoch)
        log.on_epoch_end(epoch, metrics)
    assert lines[0].endswith("about 60 s left")  # 3 epochs at the only one measured
    assert lines[1].endswith("about 10 s left")  # 2 epochs at 5 s, the first left out


def test_a_finished_record_is_read_as_collect_reads_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = RunSpec("lstm", "single", epochs=10)
    expected = selection.run_settings(spec, "tensorflow", "AVX2") | {"code_fingerprint": "c0de"}
    assert not progress.is_finished(spec, expected)
    finish(spec, 10.0)
    assert progress.is_finished(spec, expected)
    (tmp_path / spec.paths().metrics).write_text(json.dumps({"config": {}}))
    assert not progress.is_finished(spec, expected)
    assert progress.benchmark_seconds(spec) == 10.0


def test_the_gpu_slots_are_read_from_snakemakes_resources():
    from snakemake.resources import Resources

    resources = Resources.from_mapping({"gpu_jobs": 4})
    assert progress.resource_value(resources, "gpu_jobs") == 4
    assert progress.resource_value(resources, "other") is None
    assert progress.jobs_at_once(16, 1, 16, progress.resource_value(resources, "gpu_jobs")) == 4
