"""The descriptive tables the judge writes beside its verdicts, so that the report computes nothing: the
spread over seeds of each configuration, the timing pass's ratios beside the article's, and Keras 2.2
against Keras 3 semantics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnn_replication.core.spec import ARTICLE_FORM, CELLS, SEMANTICS
from rnn_replication.judge import inference
from rnn_replication.judge.claims import timing_pairs
from rnn_replication.judge.numbers import METRICS

# The descriptive tables by name, each a file of the judge rule (see descriptive_tables).
STATISTICS = ("seed_spread", "timing_ratios", "semantics")


def descriptive_tables(
    everything: pd.DataFrame, semantics: str, timing: pd.DataFrame, article: dict, alpha: float
) -> dict[str, pd.DataFrame]:
    """Each of STATISTICS, by name, from every run (``everything``), the timing pass and the article: the
    spread over seeds of the runs under ``semantics``, the timing ratios at level ``alpha``, and the
    single-layer cells under both semantics."""
    return {
        "seed_spread": seed_statistics(everything[everything["semantics"] == semantics]),
        "timing_ratios": timing_ratios(timing, article, alpha),
        "semantics": semantics_comparison(everything),
    }


def seed_statistics(summary: pd.DataFrame) -> pd.DataFrame:
    """n, mean, sample standard deviation, min and max of final test accuracy and loss per
    configuration (cell, form, semantics), in the summary's order. sd is NaN where n = 1."""
    keys = ["cell", "form", "semantics"]
    grouped = summary.groupby(keys, sort=False)
    table = grouped.size().rename("n").to_frame()
    for metric in METRICS:
        values = grouped[metric]
        table[f"{metric}_mean"] = values.mean()
        table[f"{metric}_sd"] = values.std(ddof=1)
        table[f"{metric}_min"] = values.min()
        table[f"{metric}_max"] = values.max()
    return table.reset_index()


# The article's own speed comparisons, as ratios of its logged microseconds per step.
TIMING_RATIOS = (("lstm", "simplernn"), ("gru", "lstm"))


def timing_ratios(timing: pd.DataFrame, article: dict, alpha: float = 0.05) -> pd.DataFrame:
    """Ratios of seconds per epoch from the timing pass (geometric mean over repeats and its
    100(1 - 2 alpha) % interval, paired by repeat: the interval the speed claim's one-sided tests go with)
    beside the article's ratio of microseconds per step. Ratios, because the article does not name its
    hardware."""
    rows = []
    for first, second in TIMING_RATIOS:
        pairs = timing_pairs(timing, first, second)
        if len(pairs) < 2:
            continue
        tested = inference.paired_test(np.log(pairs[first] / pairs[second]), alpha)
        theirs = article["results"]
        rows.append(
            {
                "first": first,
                "second": second,
                "n": tested["n"],
                "seconds_first": float(pairs[first].median()),
                "seconds_second": float(pairs[second].median()),
                "ratio": math.exp(tested["mean"]),
                "low": math.exp(tested["low"]),
                "high": math.exp(tested["high"]),
                "article": theirs[first]["us_per_step"] / theirs[second]["us_per_step"],
            }
        )
    return pd.DataFrame(rows)


def semantics_comparison(summary: pd.DataFrame) -> pd.DataFrame:
    """Single-layer cells run under both semantics: accuracy, loss, parameters and seconds per epoch
    of each (means over seeds), one row per cell that has runs of both."""
    single = summary[summary["form"] == ARTICLE_FORM]
    rows = []
    for cell in CELLS:
        runs = single[single["cell"] == cell]
        by_semantics = {name: runs[runs["semantics"] == name] for name in SEMANTICS}
        if any(frame.empty for frame in by_semantics.values()):
            continue
        row = {"cell": cell, "label": CELLS[cell]}
        for name, frame in by_semantics.items():
            row[f"n_{name}"] = len(frame)
            row[f"test_accuracy_{name}"] = frame["test_accuracy"].mean()
            row[f"test_accuracy_sd_{name}"] = frame["test_accuracy"].std(ddof=1)
            row[f"test_loss_{name}"] = frame["test_loss"].mean()
            row[f"total_params_{name}"] = int(frame["total_params"].iloc[0])
            row[f"recurrent_params_{name}"] = int(frame["recurrent_params"].iloc[0])
            row[f"seconds_per_epoch_{name}"] = frame["seconds_per_epoch"].mean()
        row["accuracy_delta"] = row["test_accuracy_modern"] - row["test_accuracy_article"]
        row["params_delta"] = row["recurrent_params_modern"] - row["recurrent_params_article"]
        row["speed_ratio"] = row["seconds_per_epoch_modern"] / row["seconds_per_epoch_article"]
        rows.append(row)
    return pd.DataFrame(rows)
