"""The report's inputs: every run's record collected into one table, and the files the report reads."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from . import records
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


def collect_runs(metrics_paths: list[str]) -> pd.DataFrame:
    """One row per run, from each run's metrics.json; history and notebook sit beside it."""
    rows = []
    for metrics_path in metrics_paths:
        metrics = json.loads(Path(metrics_path).read_text())
        paths = RunPaths.of(Path(metrics_path).parent.name)
        run_dir = Path(metrics_path).parent
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


def write_summary(metrics_paths: list[str], out: str | os.PathLike) -> pd.DataFrame:
    summary = collect_runs(metrics_paths)
    records.atomic_write_text(out, summary.to_csv(index=False))
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


def load_article(paper_dir: str | os.PathLike) -> tuple[dict, pd.DataFrame]:
    """The article's results (article.yaml) and its per-epoch logs (article_history.csv)."""
    paper_dir = Path(paper_dir)
    article = yaml.safe_load((paper_dir / "article.yaml").read_text(encoding="utf-8"))
    history = pd.read_csv(paper_dir / "article_history.csv")
    return article, history


def load_claims(paper_dir: str | os.PathLike) -> dict[str, dict]:
    """The article's claims (paper/claims.yaml) by id."""
    claims = yaml.safe_load((Path(paper_dir) / "claims.yaml").read_text(encoding="utf-8"))["claims"]
    return {claim["id"]: claim for claim in claims}


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
    benchmarks: pd.DataFrame = field(default_factory=pd.DataFrame)
    report_dir: str = "results"


def load_report_inputs(
    summary_path,
    replication_path,
    timing_path,
    paper_dir,
    config: dict,
    benchmark_paths=(),
    report_dir="results",
) -> ReportInputs:
    """Read the summary, the verdicts, the timing pass, the article and the benchmarks for the report."""
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
        benchmarks=read_benchmarks([path for path in benchmark_paths if Path(path).exists()]),
        report_dir=report_dir,
    )
