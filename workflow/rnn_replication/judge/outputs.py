"""The judge step's files: results/replication.csv, a row for each of the article's numbers, its parameter
counts and its claims (:mod:`numbers`, :mod:`claims`), the descriptive tables beside it
(:mod:`descriptive`), and the training curves and features of the article's log judged (:mod:`curves`:
results/curves.csv, results/curve_bands.csv). Every sentence the report shows is generated from these
rows (nothing is written by hand)."""

from __future__ import annotations

import pandas as pd

from rnn_replication.core import paper, records
from rnn_replication.core.spec import CELLS
from rnn_replication.judge.claims import MAX_OTHER_CPU_SHARE, judge_claims
from rnn_replication.judge.curves import curve_bands, judge_dynamics
from rnn_replication.judge.descriptive import descriptive_tables
from rnn_replication.judge.numbers import (
    POWER_MISS_MARGINS,
    REPLICATION_COLUMNS,
    judge_numbers,
    judge_parameters,
    single_layer_runs,
)


def replication_rows(
    summary,
    article,
    claims,
    timing,
    margins: dict,
    alpha: float = 0.05,
    max_busy: float = MAX_OTHER_CPU_SHARE,
    miss_margins: float = POWER_MISS_MARGINS,
) -> pd.DataFrame:
    """Every row of results/replication.csv: the article's numbers, its parameter counts, its claims.

    For claims, ``mean`` is the estimate (mean paired difference, or geometric mean ratio),
    ``eq_low``/``eq_high`` its 100(1 - 2 alpha) % interval, ``p_equivalent`` the p-value for the claim and
    ``p_different`` the p-value against it.
    """
    frames = [
        judge_numbers(summary, article, margins, alpha, miss_margins=miss_margins),
        judge_parameters(summary, article),
        judge_claims(claims, article, summary, timing, margins, alpha, max_busy),
    ]
    table = pd.concat([frame for frame in frames if not frame.empty], ignore_index=True)
    return table.reindex(columns=REPLICATION_COLUMNS)


def write_replication(
    summary_path, timing_path, article_path, claims_path, config: dict, out, statistics_out=None
) -> pd.DataFrame:
    """results/replication.csv from the summary, the timing pass and the article (its numbers,
    paper/article.yaml, and its claims, paper/claims.yaml), under
    the config's semantics, level and margins (``config["semantics"]`` and ``config["verdict"]``); and the
    descriptive tables the report shows beside the verdicts (``statistics_out``: a path for each of
    descriptive.STATISTICS), so that the report computes nothing."""
    everything = records.read_summary(summary_path)
    summary = everything[everything["semantics"] == config["semantics"]]
    article = paper.read_article(article_path)
    claims = list(paper.read_claims(claims_path).values())
    verdict, timing = config["verdict"], pd.read_csv(timing_path)
    max_busy = verdict.get("max_other_cpu_share", MAX_OTHER_CPU_SHARE)
    miss_margins = verdict.get("power_miss_margins", POWER_MISS_MARGINS)
    table = replication_rows(
        summary, article, claims, timing, verdict["margins"], verdict["alpha"], max_busy, miss_margins
    )
    records.atomic_write_text(out, table.to_csv(index=False))
    tables = descriptive_tables(everything, config["semantics"], timing, article, verdict["alpha"])
    for name, path in (statistics_out or {}).items():
        records.atomic_write_text(path, tables[name].to_csv(index=False))
    return table


def single_layer_histories(summary: pd.DataFrame) -> dict[str, list[pd.DataFrame]]:
    """Each cell's single-layer runs' histories (their history.csv, through the summary's paths), by seed."""
    histories = {cell: single_layer_runs(summary, cell).sort_values("seed") for cell in CELLS}
    return {
        cell: list(records.read_histories(runs).values()) for cell, runs in histories.items() if len(runs)
    }


def write_dynamics(
    summary_path, article_history_path, features_path, config: dict, curves_out, bands_out
) -> pd.DataFrame:
    """results/curves.csv (the article's training curves and the features of its log, judged against our
    single-layer runs under the config's semantics: judge.curves) and results/curve_bands.csv (the
    simultaneous bands the report draws)."""
    everything = records.read_summary(summary_path)
    histories = single_layer_histories(everything[everything["semantics"] == config["semantics"]])
    article_history = pd.read_csv(article_history_path)
    alpha = config["verdict"]["alpha"]
    table = judge_dynamics(histories, article_history, paper.read_features(features_path), alpha)
    records.atomic_write_text(curves_out, table.to_csv(index=False))
    records.atomic_write_text(bands_out, curve_bands(histories, article_history, alpha).to_csv(index=False))
    return table
