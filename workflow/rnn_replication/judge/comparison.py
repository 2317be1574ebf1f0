"""Two replications side by side: does this machine reproduce another run of the workflow (another machine,
or the one behind docs/results.md)?

Per configuration (cell, form, semantics) and number (final test accuracy and loss), from the two
summary.csv files:

- **identical digits**: every seed both have gave exactly the same value (the same float, to the last
  digit), as the same code, settings and instruction set give;
- otherwise, over seeds, Welch's two-sample t: **equivalent within ±delta** when two one-sided tests at
  alpha show the difference of the means within the margin (the config's ``verdict.margins``), **different**
  when the two-sided test rejects (noted where its interval lies within the margin all the same),
  **inconclusive** when neither does; Holm's correction across the compared numbers, for each of the two
  tests. With fewer than two seeds on a side there is no spread to
  test against: **different digits, not tested**.

Beside the verdict, what the runs' arithmetic fingerprints (observe.probe; summary.csv's ``arithmetic``)
say about the digits: **same arithmetic, identical digits**; **same arithmetic, different digits** on a
seed both ran (the kernels rounded alike, so the digits should have been the same: a real discrepancy to
investigate, in the code, the data or the settings); **different arithmetic, compared only
statistically** (another CPU family, instruction set or device: other digits are expected, and only
the verdict over seeds speaks); or **arithmetic not recorded** (a summary made before the fingerprint),
compared only statistically too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from rnn_replication.judge import inference

# As the judge notes it for the article's numbers: significance without a difference that matters, which
# "different" alone would hide.
from rnn_replication.judge.numbers import WITHIN_MARGIN

NUMBERS = ("test_accuracy", "test_loss")
KEYS = ["cell", "form", "semantics"]
IDENTICAL, EQUIVALENT, DIFFERENT, UNDECIDED, UNTESTED = (
    "identical digits",
    "equivalent",
    "different",
    "inconclusive",
    "different digits, not tested",
)
SAME_IDENTICAL, SAME_DIFFERENT, SAME_UNPAIRED, OTHER_ARITHMETIC, NOT_RECORDED = (
    "same arithmetic, identical digits",
    "same arithmetic, different digits: a real discrepancy to investigate",
    "same arithmetic, no seed in common to compare digits",
    "different arithmetic, compared only statistically",
    "arithmetic not recorded, compared only statistically",
)
# The columns a summary.csv must have to be compared (collect's SUMMARY_COLUMNS has them); ``arithmetic``
# may be missing or empty (NOT_RECORDED).
REQUIRED_COLUMNS = [*KEYS, "seed", *NUMBERS]
COLUMNS = [
    *KEYS,
    "metric",
    "arithmetic_ours",
    "arithmetic_reference",
    "arithmetic",
    "seeds_ours",
    "seeds_reference",
    "common_seeds",
    "identical_seeds",
    "mean_ours",
    "mean_reference",
    "difference",
    "low",
    "high",
    "delta",
    "p_different",
    "p_equivalent",
    "p_different_holm",
    "p_equivalent_holm",
    "verdict",
    "note",
]


def welch(ours, reference, margin: float, alpha: float) -> dict:
    """Welch's t for mean(ours) - mean(reference): the 100(1 - 2 alpha) % interval, the two-sided p-value
    of "no difference" and the TOST p-value of "|difference| >= margin"."""
    ours, reference = np.asarray(ours, float), np.asarray(reference, float)
    var_ours, var_reference = ours.var(ddof=1) / len(ours), reference.var(ddof=1) / len(reference)
    scale = math.sqrt(var_ours + var_reference)
    difference = float(ours.mean() - reference.mean())
    if scale == 0:
        df = len(ours) + len(reference) - 2
    else:  # Welch-Satterthwaite
        df = (var_ours + var_reference) ** 2 / (
            var_ours**2 / (len(ours) - 1) + var_reference**2 / (len(reference) - 1)
        )
    half = stats.t.ppf(1 - alpha, df) * scale
    statistic = inference._t_statistic(difference, scale)
    above_lower = stats.t.sf(inference._t_statistic(difference + margin, scale), df)
    below_upper = stats.t.cdf(inference._t_statistic(difference - margin, scale), df)
    return {
        "difference": difference,
        "low": difference - half,
        "high": difference + half,
        "p_different": float(2 * stats.t.sf(abs(statistic), df)),
        "p_equivalent": float(max(above_lower, below_upper)),
    }


def fingerprints(runs: pd.DataFrame) -> str:
    """The arithmetic fingerprints of a configuration's runs: the one they share, several joined by "+",
    or "" where any run has none."""
    if "arithmetic" not in runs:
        return ""
    values = runs["arithmetic"]
    if values.isna().any() or (values.astype(str).str.strip() == "").any():
        return ""
    return "+".join(sorted(set(values.astype(str))))


def arithmetic_case(ours: str, reference: str, common_seeds: int, identical_seeds: int) -> str:
    """What the two sides' fingerprints (:func:`fingerprints`) say about the digits of their common seeds."""
    if not ours or not reference:
        return NOT_RECORDED
    if ours != reference or "+" in ours:
        return OTHER_ARITHMETIC
    if not common_seeds:
        return SAME_UNPAIRED
    return SAME_IDENTICAL if identical_seeds == common_seeds else SAME_DIFFERENT


def missing_columns(summary: pd.DataFrame) -> list[str]:
    """The columns of REQUIRED_COLUMNS that ``summary`` lacks."""
    return [column for column in REQUIRED_COLUMNS if column not in summary.columns]


def compare(ours: pd.DataFrame, reference: pd.DataFrame, margins: dict, alpha: float = 0.05) -> pd.DataFrame:
    """One row per configuration both replications ran and number (COLUMNS), with its verdict and what the
    arithmetic fingerprints say about the digits."""
    rows = []
    for key, mine in ours.groupby(KEYS, sort=False):
        theirs = reference
        for column, value in zip(KEYS, key, strict=True):
            theirs = theirs[theirs[column] == value]
        if theirs.empty:
            continue
        arithmetic = {"arithmetic_ours": fingerprints(mine), "arithmetic_reference": fingerprints(theirs)}
        for metric in NUMBERS:
            a, b = mine.set_index("seed")[metric], theirs.set_index("seed")[metric]
            common = a.index.intersection(b.index)
            row = dict(zip(KEYS, key, strict=True)) | {
                "metric": metric,
                "seeds_ours": len(a),
                "seeds_reference": len(b),
                "common_seeds": len(common),
                "identical_seeds": int((a[common] == b[common]).sum()),
                "mean_ours": float(a.mean()),
                "mean_reference": float(b.mean()),
                "delta": margins[metric],
                **arithmetic,
            }
            row["arithmetic"] = arithmetic_case(*arithmetic.values(), len(common), row["identical_seeds"])
            if len(common) and row["identical_seeds"] == len(common) == len(a) == len(b):
                row |= {"difference": 0.0, "verdict": IDENTICAL}
            elif len(a) < 2 or len(b) < 2:
                row |= {"difference": row["mean_ours"] - row["mean_reference"], "verdict": UNTESTED}
            else:
                row |= welch(a, b, margins[metric], alpha)
            rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    if table.empty:
        return table
    table["verdict"] = table["verdict"].astype(object)
    table["p_different_holm"] = inference.holm(table["p_different"])
    table["p_equivalent_holm"] = inference.holm(table["p_equivalent"])
    tested = table["p_different"].notna()
    table.loc[tested, "verdict"] = np.where(
        table.loc[tested, "p_different_holm"] < alpha,
        DIFFERENT,
        np.where(table.loc[tested, "p_equivalent_holm"] < alpha, EQUIVALENT, UNDECIDED),
    )
    inside = (-table["delta"] < table["low"]) & (table["high"] < table["delta"])
    within = (table["verdict"] == DIFFERENT) & inside
    table["note"] = np.where(within, WITHIN_MARGIN, "")
    return table
