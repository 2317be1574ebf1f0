"""The report's inputs: every run's record collected into one table, and the files the report reads."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import confusion, records, runs
from .paper import load_article, load_claims
from .runs import CELLS, FORMS, RunPaths

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
    "metrics_path",
    "history_path",
    "notebook_path",
]


# What every run's metrics.json must hold for the report (the rest of its record is for people).
REQUIRED_METRICS = [column for column in SUMMARY_COLUMNS if column != "run" and not column.endswith("_path")]


class RunRecordError(ValueError):
    """A run's metrics.json or history.csv cannot be used; the message names the file and the fix."""


def retrain_advice(run: str) -> str:
    """How to retrain one run and refresh what depends on it (the fix for every unusable record)."""
    return f"retrain it with: snakemake --cores 4 --forcerun {RunPaths.of(run).metrics}"


def read_run_record(metrics_path: str | os.PathLike, expected: dict | None = None) -> dict:
    """One run's metrics.json, checked: valid JSON with every field the report uses, made with the
    ``expected`` settings (pipeline.run_settings) where given, and a history.csv beside it with one row per
    epoch. Raises RunRecordError naming the file and what is wrong."""
    metrics_path = Path(metrics_path)
    run_dir = metrics_path.parent
    retrain = retrain_advice(run_dir.name)
    try:
        metrics = json.loads(metrics_path.read_text())
    except (OSError, ValueError) as error:
        raise RunRecordError(f"{metrics_path}: not a readable JSON run record ({error}); {retrain}") from None
    missing = [key for key in REQUIRED_METRICS if key not in metrics]
    if missing:
        raise RunRecordError(f"{metrics_path}: missing {', '.join(missing)}; {retrain}")
    if expected is not None:
        check_settings(metrics, expected, metrics_path, retrain)
    history_path = run_dir / Path(RunPaths.of(run_dir.name).history).name
    check_history(history_path, metrics["epochs"], retrain)
    return metrics


def check_settings(metrics: dict, expected: dict, metrics_path: Path, fix: str) -> None:
    """A record must have been made with the settings the workflow collects for (its ``config`` block and
    backend): a run trained under other settings must not enter the verdicts beside the others."""
    made = (metrics.get("config") or {}) | {"backend": metrics.get("backend")}
    for key, value in expected.items():
        if made.get(key) != value:
            raise RunRecordError(
                f"{metrics_path}: run {metrics_path.parent.name} was made with {key} {made.get(key)!r}, "
                f"but the config asks for {key} {value!r}; {fix}"
            )


def check_history(path: Path, epochs: int, fix: str) -> None:
    """A history.csv must have the history columns and epochs 1..``epochs``, each once, all numbers."""
    try:
        history = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise RunRecordError(f"{path}: not a readable CSV ({type(error).__name__}: {error}); {fix}") from None
    missing = [column for column in records.HISTORY_COLUMNS if column not in history.columns]
    if missing:
        raise RunRecordError(f"{path}: missing columns {', '.join(missing)}; {fix}")
    if history["epoch"].tolist() != list(range(1, epochs + 1)):
        raise RunRecordError(
            f"{path}: epochs {history['epoch'].tolist()}, expected 1 to {epochs} once each; {fix}"
        )
    numbers = history[records.HISTORY_COLUMNS].apply(pd.to_numeric, errors="coerce")
    if numbers.isna().any().any():
        raise RunRecordError(f"{path}: values that are not numbers; {fix}")


def collect_runs(metrics_paths: list[str], expected: dict[str, dict] | None = None) -> pd.DataFrame:
    """One row per run, from each run's metrics.json (checked, with its history, against the settings
    ``expected`` for its run name where given); the history and the executed notebook sit beside it."""
    rows = []
    for metrics_path in metrics_paths:
        run_dir = Path(metrics_path).parent
        metrics = read_run_record(metrics_path, None if expected is None else expected[run_dir.name])
        paths = RunPaths.of(run_dir.name)
        row = {column: metrics.get(column) for column in SUMMARY_COLUMNS}
        row["run"] = run_dir.name
        row["metrics_path"] = str(metrics_path)
        row["history_path"] = str(run_dir / Path(paths.history).name)
        row["notebook_path"] = str(run_dir / Path(paths.notebook).name)
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


def collect_confusion(summary: pd.DataFrame) -> pd.DataFrame:
    """Each configuration's confusion matrix summed over its seeds (confusion.LONG_COLUMNS), from the
    confusion.csv beside each run's metrics.json, checked against the number of images the run tested."""
    matrices = {}
    for row in summary.itertuples():
        run_dir = Path(row.metrics_path).parent
        path = run_dir / runs.RUN_FILE_NAMES["confusion"]
        try:
            matrices[row.run] = confusion.read(path, images=row.test_images, fix=retrain_advice(row.run))
        except confusion.ConfusionError as error:
            raise RunRecordError(str(error)) from None
    return confusion.collect(summary, matrices)


def write_tables(metrics_paths: list[str], summary_out, confusion_out, expected=None) -> pd.DataFrame:
    """collect's two tables: one row per run (summary.csv), and the confusion counts per configuration;
    ``expected``: each run's settings by run name (see :func:`collect_runs`)."""
    summary = collect_runs(metrics_paths, expected)
    table = collect_confusion(summary)
    records.atomic_write_text(confusion_out, table.to_csv(index=False))
    records.atomic_write_text(summary_out, summary.to_csv(index=False))
    return summary


def read_histories(summary: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {row.run: pd.read_csv(row.history_path) for row in summary.itertuples()}


def read_benchmarks(paths: list[str]) -> pd.DataFrame:
    """Snakemake benchmark: files (one TSV per job) as one table of wall time and max RSS."""
    frames = []
    for path in paths:
        table = pd.read_csv(path, sep="\t")
        table.insert(0, "job", Path(path).stem)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["job", "s", "max_rss"])
    return pd.concat(frames, ignore_index=True)


def read_replication(path: str | os.PathLike) -> pd.DataFrame:
    """results/replication.csv, with the empty note cells read as empty strings."""
    table = pd.read_csv(path)
    table["note"] = table["note"].fillna("")
    return table


@dataclass
class ReportInputs:
    """Everything the report shows, read from the files the workflow produced."""

    config: dict
    summary: pd.DataFrame  # every run
    main: pd.DataFrame  # the runs under the config's semantics (the grid, the verdicts)
    histories: dict[str, pd.DataFrame]
    article: dict
    article_history: pd.DataFrame
    claims: dict[str, dict]
    verdicts: pd.DataFrame
    timing: pd.DataFrame
    confusion: pd.DataFrame  # confusion counts per configuration, summed over seeds (confusion.LONG_COLUMNS)
    benchmarks: pd.DataFrame = field(default_factory=pd.DataFrame)
    report_dir: str = "results"


def load_report_inputs(
    summary_path,
    replication_path,
    timing_path,
    confusion_path,
    paper_dir,
    config: dict,
    benchmark_paths=(),
    report_dir="results",
) -> ReportInputs:
    """Read the summary, the verdicts, the timing pass, the confusion counts, the article and the
    benchmarks for the report."""
    summary = pd.read_csv(summary_path)
    semantics = config.get("semantics") or summary["semantics"].mode()[0]
    article, article_history = load_article(paper_dir)
    return ReportInputs(
        config=config | {"semantics": semantics},
        summary=summary,
        main=summary[summary["semantics"] == semantics].reset_index(drop=True),
        histories=read_histories(summary),
        article=article,
        article_history=article_history,
        claims=load_claims(paper_dir),
        verdicts=read_replication(replication_path),
        timing=pd.read_csv(timing_path),
        confusion=pd.read_csv(confusion_path),
        benchmarks=read_benchmarks([path for path in benchmark_paths if Path(path).exists()]),
        report_dir=report_dir,
    )
