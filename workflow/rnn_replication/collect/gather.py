"""The collect step: every run's record checked (against the config's settings, where given) and gathered
into results/summary.csv, one row per run, and results/confusion.csv, summed over seeds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from rnn_replication.core import confusion, identity, records, runs
from rnn_replication.core.history import HISTORY_COLUMNS
from rnn_replication.core.spec import CELLS, FORMS

SUMMARY_COLUMNS = [
    "run",
    "cell",
    "form",
    "semantics",
    "seed",
    "epochs",
    "train_images",
    "test_images",
    "test_accuracy",
    "test_loss",
    "best_val_accuracy",
    "total_params",
    "recurrent_params",
    "dense_params",
    "seconds_per_epoch",
    "first_epoch_seconds",
    "train_seconds",
    "checkpoint_seconds",
    "backend",
    "device",
    "data_sha256",
    "arithmetic",
    "variant",
    "metrics_path",
    "history_path",
    "notebook_path",
]


# What a record may lack: the summary leaves it empty (records made before the arithmetic fingerprint).
OPTIONAL_METRICS = ("arithmetic",)
# What every run's metrics.json must hold for the report (the rest of its record is for people).
REQUIRED_METRICS = [
    column
    for column in SUMMARY_COLUMNS
    if column not in ("run", "variant", *OPTIONAL_METRICS) and not column.endswith("_path")
]
# The numbers of a record and the range each must lie in: a NaN or an impossible value would otherwise
# enter the verdicts (a NaN seed makes n count a value the mean and sd never saw).
PROPORTIONS = ("test_accuracy", "best_val_accuracy")
NON_NEGATIVE = (
    "test_loss",
    "seconds_per_epoch",
    "first_epoch_seconds",
    "train_seconds",
    "checkpoint_seconds",
)
COUNTS = ("epochs", "train_images", "test_images", "total_params", "recurrent_params", "dense_params")


class RunRecordError(ValueError):
    """A run's metrics.json or history.csv cannot be used; the message names the file and the fix."""


def retrain_advice(metrics_path: str | os.PathLike, options: str = "") -> str:
    """How to retrain one run and refresh what depends on it (the fix for every unusable record), with the
    ``options`` that chose the config (``--configfile``, ``--config``), as the workflow was run."""
    return f"retrain it with: snakemake --cores 4{' ' + options if options else ''} --forcerun {metrics_path}"


def read_run_record(
    metrics_path: str | os.PathLike, expected: dict | None = None, rerun_options: str = ""
) -> dict:
    """One run's metrics.json, checked: valid JSON with every field the report uses, made as the run of
    the ``expected`` identity (core.identity) where given, and a history.csv beside it with one row per
    epoch. Raises RunRecordError naming the file and what is wrong."""
    metrics_path = Path(metrics_path)
    run_dir = metrics_path.parent
    retrain = retrain_advice(metrics_path, rerun_options)
    try:
        metrics = json.loads(metrics_path.read_text())
    except (OSError, ValueError) as error:
        raise RunRecordError(f"{metrics_path}: not a readable JSON run record ({error}); {retrain}") from None
    missing = [key for key in REQUIRED_METRICS if key not in metrics]
    if missing:
        raise RunRecordError(f"{metrics_path}: missing {', '.join(missing)}; {retrain}")
    check_values(metrics, metrics_path, retrain)
    if expected is not None:
        check_identity(metrics, expected, metrics_path, retrain)
    history_path = run_dir / runs.RUN_FILE_NAMES["history"]
    check_history(history_path, metrics["epochs"], retrain)
    return metrics


def check_values(metrics: dict, metrics_path: Path, fix: str) -> None:
    """Every number of a record is finite and in its range: accuracies in [0, 1], losses and seconds not
    negative, counts whole and (epochs, images) positive."""

    def refuse(key: str, expected: str) -> None:
        raise RunRecordError(f"{metrics_path}: {key} is {metrics[key]!r}, expected {expected}; {fix}")

    for key in (*PROPORTIONS, *NON_NEGATIVE, *COUNTS):
        value = metrics[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            refuse(key, "a finite number")
        if key in PROPORTIONS and not 0 <= value <= 1:
            refuse(key, "a proportion between 0 and 1")
        if key in NON_NEGATIVE and value < 0:
            refuse(key, "a number not below 0")
        if key in COUNTS and (
            value != int(value) or value < (1 if key.endswith(("epochs", "images")) else 0)
        ):
            refuse(
                key, "a whole number" + (" above 0" if key.endswith(("epochs", "images")) else " not below 0")
            )


def check_identity(metrics: dict, expected: dict, metrics_path: Path, fix: str) -> None:
    """A record must have been made as the run the workflow collects for: its identity (settings,
    backend, cap, the code that computes, the numeric packages' versions, the data) must be the expected
    one, whatever the file's modification time. A run trained otherwise must not enter the verdicts beside
    the others."""
    recorded = metrics.get("identity")
    run = metrics_path.parent.name
    if not isinstance(recorded, dict):
        raise RunRecordError(
            f"{metrics_path}: run {run} has no identity in its record (made by an earlier version of "
            f"the workflow, or not by a training run); {fix}"
        )
    found = identity.differences(recorded, expected)
    if found:
        what, made, asked = found[0]
        also = (
            f" (and {len(found) - 1} more difference{'s' if len(found) > 2 else ''})"
            if len(found) > 1
            else ""
        )
        raise RunRecordError(
            f"{metrics_path}: run {run} was made with {what} {made!r}, but this config's run has "
            f"{what} {asked!r}{also}; {fix}"
        )


def check_history(path: Path, epochs: int, fix: str) -> None:
    """A history.csv must have the history columns and epochs 1..``epochs``, each once, all numbers."""
    try:
        history = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise RunRecordError(f"{path}: not a readable CSV ({type(error).__name__}: {error}); {fix}") from None
    missing = [column for column in HISTORY_COLUMNS if column not in history.columns]
    if missing:
        raise RunRecordError(f"{path}: missing columns {', '.join(missing)}; {fix}")
    if history["epoch"].tolist() != list(range(1, epochs + 1)):
        raise RunRecordError(
            f"{path}: epochs {history['epoch'].tolist()}, expected 1 to {epochs} once each; {fix}"
        )
    numbers = history[HISTORY_COLUMNS].apply(pd.to_numeric, errors="coerce")
    if numbers.isna().any().any():
        raise RunRecordError(f"{path}: values that are not numbers; {fix}")


def collect_runs(
    metrics_paths: list[str], expected: dict | None = None, rerun_options: str = ""
) -> pd.DataFrame:
    """One row per run, from each run's metrics.json (checked, with its history, against the identity
    ``expected`` for its run name where given: core.identity.plan's mapping); the history and the executed
    notebook sit beside it."""
    identities = identity.unplan(expected) if expected is not None else None
    rows = []
    for metrics_path in metrics_paths:
        run_dir = Path(metrics_path).parent
        expected_identity = None if identities is None else identities[run_dir.name]
        metrics = read_run_record(metrics_path, expected_identity, rerun_options)
        row = {column: metrics.get(column) for column in SUMMARY_COLUMNS}
        row["run"] = run_dir.name
        row["variant"] = run_dir.parent.name
        row["metrics_path"] = str(metrics_path)
        row["history_path"] = str(run_dir / runs.RUN_FILE_NAMES["history"])
        row["notebook_path"] = str(run_dir / runs.RUN_FILE_NAMES["notebook"])
        rows.append(row)
    if not rows:
        raise ValueError("no runs to collect: the config selects no cell, form or seed")
    return sort_runs(pd.DataFrame(rows, columns=SUMMARY_COLUMNS))


def sort_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """The article's order: SimpleRNN, LSTM, GRU; then single, stacked, bidirectional; then seed."""
    rank = {"cell": list(CELLS).index, "form": FORMS.index}

    def sort_key(column: pd.Series) -> pd.Series:
        return column.map(rank[column.name]) if column.name in rank else column

    return frame.sort_values(["cell", "form", "semantics", "seed"], key=sort_key).reset_index(drop=True)


def collect_confusion(summary: pd.DataFrame, rerun_options: str = "") -> pd.DataFrame:
    """Each configuration's confusion matrix summed over its seeds (confusion.LONG_COLUMNS), from the
    confusion.csv beside each run's metrics.json, checked against the number of images the run tested."""
    matrices = {}
    for row in summary.itertuples():
        run_dir = Path(row.metrics_path).parent
        path = run_dir / runs.RUN_FILE_NAMES["confusion"]
        try:
            matrices[row.run] = confusion.read(
                path, images=row.test_images, fix=retrain_advice(row.metrics_path, rerun_options)
            )
        except confusion.ConfusionError as error:
            raise RunRecordError(str(error)) from None
    return sum_over_seeds(summary, matrices)


def write_tables(
    metrics_paths: list[str], summary_out, confusion_out, expected=None, rerun_options: str = ""
) -> pd.DataFrame:
    """collect's two tables: one row per run (summary.csv), and the confusion counts per configuration;
    ``expected``: the runs' identities (see :func:`collect_runs`)."""
    summary = collect_runs(metrics_paths, expected, rerun_options)
    table = collect_confusion(summary, rerun_options)
    records.atomic_write_text(confusion_out, table.to_csv(index=False))
    records.atomic_write_text(summary_out, summary.to_csv(index=False))
    return summary


def sum_over_seeds(summary: pd.DataFrame, matrices: dict[str, np.ndarray]) -> pd.DataFrame:
    """The runs' matrices (by run name) summed over the seeds of each configuration of ``summary``
    (collect's summary), as one long table (confusion.LONG_COLUMNS) in the summary's order."""
    rows = []
    configurations = summary.groupby(["cell", "form", "semantics"], sort=False)["run"]
    for (cell, form, semantics), run_names in configurations:
        total = sum(matrices[name] for name in run_names)
        rows += [
            (cell, form, semantics, len(run_names), true, predicted, int(total[true, predicted]))
            for true in confusion.DIGITS
            for predicted in confusion.DIGITS
        ]
    return pd.DataFrame(rows, columns=confusion.LONG_COLUMNS)
