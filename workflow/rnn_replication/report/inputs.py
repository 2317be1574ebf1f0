"""What the report reads: the files the workflow produced (summary, provenance, verdicts, timing pass,
confusion counts, histories, benchmarks) and the article, as one object. Each run's record (metrics.json)
is read by collect, not here: its environment comes from collect's provenance table."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rnn_replication.collect.provenance import read_provenance
from rnn_replication.core import records, runs
from rnn_replication.core.paper import load_article, load_claims, read_features
from rnn_replication.judge.descriptive import STATISTICS

# The judge's tables the report shows, each a field of ReportInputs: the descriptive ones, and the
# article's curves and log features judged (results/curves.csv) with their bands (results/curve_bands.csv).
JUDGE_TABLES = (*STATISTICS, "curves", "curve_bands")


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
    provenance: pd.DataFrame  # where each run comes from, in the summary's order (collect.provenance)
    histories: dict[str, pd.DataFrame]
    article: dict
    article_history: pd.DataFrame
    claims: dict[str, dict]
    verdicts: pd.DataFrame
    timing: pd.DataFrame
    confusion: pd.DataFrame  # confusion counts per configuration, summed over seeds (confusion.LONG_COLUMNS)
    benchmarks: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The judge's descriptive tables (judge.descriptive.STATISTICS).
    seed_spread: pd.DataFrame = field(default_factory=pd.DataFrame)  # n, mean, sd, min, max over seeds
    timing_ratios: pd.DataFrame = field(default_factory=pd.DataFrame)  # seconds per epoch, beside the article
    semantics: pd.DataFrame = field(default_factory=pd.DataFrame)  # both semantics (empty if not run)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)  # judge.curves.CURVE_COLUMNS
    curve_bands: pd.DataFrame = field(default_factory=pd.DataFrame)  # judge.curves.BAND_COLUMNS
    features: list[dict] = field(default_factory=list)  # paper/features.yaml
    report_dir: str = "results"


def last_report_parameter(report_notebook: str | os.PathLike, name: str):
    """Parameter ``name`` of the workflow's last report (its executed notebook: papermill records its
    parameters), or None where there is no such report or parameter."""
    try:
        notebook = json.loads(Path(report_notebook).read_text(encoding="utf-8"))
        return notebook["metadata"]["papermill"]["parameters"][name]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def standalone_config(report_notebook: str | os.PathLike) -> dict:
    """The config a report notebook run alone (papermill, Jupyter) shows: the one the workflow's last report
    was made with, since the tables it reads were made with it; config/config.yaml with the schema's
    defaults where there is no such report."""
    config = last_report_parameter(report_notebook, "config")
    return config if isinstance(config, dict) and config else runs.default_config()


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """A CSV the workflow wrote; an empty one (a table with no rows, e.g. no semantics study) as an empty
    frame."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def load_report_inputs(
    summary_path,
    provenance_path,
    replication_path,
    timing_path,
    confusion_path,
    paper_dir,
    config: dict,
    benchmark_paths=(),
    report_dir="results",
    statistics_paths: dict | None = None,
) -> ReportInputs:
    """Read the summary, the runs' provenance, the verdicts and the judge's other tables
    (``statistics_paths``: a path for each of JUDGE_TABLES), the timing pass, the confusion counts,
    the article and the benchmarks for the report. Without ``statistics_paths``, the judge's files beside
    the summary."""
    summary = records.read_summary(summary_path)
    if statistics_paths is None:
        statistics_paths = {name: Path(summary_path).parent / f"{name}.csv" for name in JUDGE_TABLES}
    semantics = config.get("semantics") or summary["semantics"].mode()[0]
    article, article_history = load_article(paper_dir)
    return ReportInputs(
        config=config | {"semantics": semantics},
        summary=summary,
        main=summary[summary["semantics"] == semantics].reset_index(drop=True),
        provenance=read_provenance(provenance_path),
        histories=records.read_histories(summary),
        article=article,
        article_history=article_history,
        claims=load_claims(paper_dir),
        features=read_features(Path(paper_dir) / "features.yaml"),
        verdicts=read_replication(replication_path),
        timing=pd.read_csv(timing_path),
        **{name: read_table(path) for name, path in statistics_paths.items()},
        confusion=pd.read_csv(confusion_path),
        benchmarks=read_benchmarks([path for path in benchmark_paths if Path(path).exists()]),
        report_dir=report_dir,
    )
