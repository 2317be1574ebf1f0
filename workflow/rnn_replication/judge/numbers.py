"""A verdict for each of the article's numbers: its test accuracy and loss of each single-layer cell against
our seeds, and its parameter counts.

"Not replicated" when the article's value lies outside our prediction interval for one new run,
"replicated" when the two one-sided tests show it within +-delta of our mean, "consistent, inconclusive"
otherwise; Holm's correction across the family of numbers. Parameter counts are compared exactly. What the
grid did not run says "not tested" with what it needs. The tests themselves are in :mod:`inference`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnn_replication.core.spec import ARTICLE_FORM, CELLS
from rnn_replication.judge import inference
from rnn_replication.judge.inference import NOT_TESTED

# The numbers judged by test against our seeds, for each single-layer cell the article ran.
METRICS = ("test_accuracy", "test_loss")
EXACT_MATCH, EXACT_MISMATCH = "replicated (exact)", "not replicated (exact)"
# The columns of results/replication.csv, in order: the rows of the numbers and of the claims
# (:mod:`claims`) both fill them.
REPLICATION_COLUMNS = [
    "kind",
    "id",
    "cell",
    "metric",
    "article",
    "n",
    "mean",
    "sd",
    "sd_low",
    "sd_high",
    "min",
    "max",
    "pi_low",
    "pi_high",
    "eq_low",
    "eq_high",
    "delta",
    "p_different",
    "p_equivalent",
    "p_different_holm",
    "p_equivalent_holm",
    "verdict",
    "seeds_to_decide",
    "measured_on",
    "note",
]


def single_layer_runs(summary: pd.DataFrame, cell: str) -> pd.DataFrame:
    return summary[(summary["form"] == ARTICLE_FORM) & (summary["cell"] == cell)]


def needs_runs(*cells: str) -> str:
    """What an untested row needs: single-layer runs of ``cells``."""
    names = " and ".join(CELLS[cell] for cell in cells)
    return f"needs single-layer {names} runs: {' and '.join(cells)} in cells, {ARTICLE_FORM} in forms"


def describe(values) -> dict:
    """n, mean, sample sd (NaN for one value), min and max."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("no runs to judge")
    if not np.isfinite(values).all():  # collect refuses these; a verdict never rests on fewer values than n
        raise ValueError(f"values that are not finite numbers: {values.tolist()}")
    n = len(values)
    return {
        "n": n,
        "mean": float(values.mean()),
        "sd": float(values.std(ddof=1)) if n >= 2 else math.nan,
        "min": float(values.min()),
        "max": float(values.max()),
    }


def judge_number(article_value: float, values, margin: float, alpha: float = 0.05) -> dict:
    """One article number against our seeds, before any multiplicity correction: the description, the
    100(1 - alpha) % interval of the seeds' sd (itself an estimate), the unadjusted 100(1 - alpha) %
    prediction interval, the 100(1 - 2 alpha) % interval of article - mean, and the p-values of the
    difference and equivalence tests."""
    row = describe(values)
    n, mean, sd = row["n"], row["mean"], row["sd"]
    difference = article_value - mean
    row |= {"article": article_value, "delta": margin, "difference": difference}
    if n < 2:
        return row | dict.fromkeys(
            ("sd_low", "sd_high", "pi_low", "pi_high", "eq_low", "eq_high", "p_different", "p_equivalent"),
            math.nan,
        )
    sd_low, sd_high = inference.sd_interval(sd, n, 1 - alpha)
    pi_low, pi_high = inference.prediction_interval(mean, sd, n, 1 - alpha)
    eq_low, eq_high = inference.difference_interval(difference, sd, n, 1 - 2 * alpha)
    return row | {
        "sd_low": float(sd_low),
        "sd_high": float(sd_high),
        "pi_low": float(pi_low),
        "pi_high": float(pi_high),
        "eq_low": float(eq_low),
        "eq_high": float(eq_high),
        "p_different": float(inference.p_different(difference, sd, n)),
        "p_equivalent": float(inference.p_equivalent(difference, sd, n, margin)),
    }


def judge_numbers(
    summary: pd.DataFrame, article: dict, margins: dict, alpha: float = 0.05, seeds_needed: bool = True
) -> pd.DataFrame:
    """A verdict for each of the article's test accuracies and losses (one row per cell and metric),
    Holm-corrected across the family of tested numbers, with a note where the correction or the seed count
    matters; "not tested" with what it needs where the grid has fewer than two seeds of the cell.
    ``summary`` holds the runs of one semantics. ``seeds_needed`` False leaves out the simulated count of
    seeds that would decide an inconclusive number (the calibration study, which needs only verdicts)."""
    rows = []
    for cell, theirs in article["results"].items():
        ours = single_layer_runs(summary, cell)
        for metric in METRICS:
            row = {"kind": "number", "id": f"{cell}_{metric}", "cell": cell, "metric": metric}
            if ours.empty:
                row |= {"article": theirs[metric], "n": 0, "delta": margins[metric], "note": needs_runs(cell)}
            else:
                row |= judge_number(theirs[metric], ours[metric], margins[metric], alpha)
            rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=[*REPLICATION_COLUMNS, "difference"])
    table["p_different_holm"] = inference.holm(table["p_different"])
    table["p_equivalent_holm"] = inference.holm(table["p_equivalent"])
    table["verdict"] = inference.classify(table["p_different_holm"], table["p_equivalent_holm"], alpha)
    family = int(table["p_different"].notna().sum())
    decisions = [number_decision(row, alpha, family, seeds_needed) for row in table.to_dict("records")]
    table["seeds_to_decide"] = pd.array([seeds for seeds, _ in decisions], dtype="Int64")
    table["note"] = [note for _, note in decisions]
    return table


def number_decision(
    row: dict, alpha: float, family: int, seeds_needed: bool = True
) -> tuple[int | None, str]:
    """How many seeds would decide an inconclusive number, and a note on what the verdict rests on."""
    if row["verdict"] == NOT_TESTED:
        if row["n"] == 0:
            return None, row["note"]
        return None, "needs at least two seeds: one run has no spread to judge against"
    notes = []
    outside = not row["pi_low"] <= row["article"] <= row["pi_high"]
    inside_margin = -row["delta"] < row["eq_low"] and row["eq_high"] < row["delta"]
    if row["verdict"] != inference.NOT_REPLICATED and outside:
        notes.append(
            "outside the unadjusted prediction interval, but not after Holm's correction over "
            f"{family} numbers"
        )
    if row["verdict"] == inference.INCONCLUSIVE and inside_margin:
        notes.append(f"equivalent before Holm's correction over {family} numbers, not after it")
    if row["verdict"] == inference.NOT_REPLICATED and inside_margin:
        notes.append("the difference is detectable, yet its interval lies within the margin")
    seeds = None
    if row["verdict"] == inference.INCONCLUSIVE and seeds_needed:
        level = alpha / family  # Bonferroni: a decision at this level holds under Holm's correction too
        found = inference.seeds_to_decide(row["difference"], row["sd"], row["n"], row["delta"], level)
        impossible = inference.equivalence_impossible(row["sd"], row["delta"], level)
        if found is not None:
            seeds = found
            probability = f"{100 * inference.DECISION_PROBABILITY:.0f} %"
            notes.append(
                f"about {found} seeds would decide it with {probability} probability, were the observed mean"
                f" and sd the truth (the sd is itself estimated from {int(row['n'])} seeds)"
            )
        elif impossible:
            notes.append(
                "no number of seeds can decide it: the article's single run is itself that noisy "
                f"(z({1 - level:.4g}) x sd >= margin)"
            )
        else:
            notes.append(
                "at the observed difference and sd no number of seeds decides it: the difference is too"
                " small to detect and too close to the margin to show equivalence"
            )
    return seeds, "; ".join(notes)


def judge_parameters(summary: pd.DataFrame, article: dict) -> pd.DataFrame:
    """The article's recurrent parameter counts against our models', compared exactly."""
    rows = []
    for cell, theirs in article["results"].items():
        ours = single_layer_runs(summary, cell)
        row = {
            "kind": "number",
            "id": f"{cell}_recurrent_params",
            "cell": cell,
            "metric": "recurrent_params",
            "article": theirs["recurrent_params"],
            "n": len(ours),
        }
        if ours.empty:
            rows.append(row | {"verdict": NOT_TESTED, "note": needs_runs(cell)})
            continue
        counts = sorted(set(ours["recurrent_params"].astype(int)))
        match = counts == [theirs["recurrent_params"]]
        rows.append(
            row
            | {
                "mean": float(np.mean(ours["recurrent_params"])),
                "sd": 0.0 if len(counts) == 1 else math.nan,
                "min": float(counts[0]),
                "max": float(counts[-1]),
                "verdict": EXACT_MATCH if match else EXACT_MISMATCH,
                "note": "" if match else f"ours: {', '.join(f'{c:,}' for c in counts)}",
            }
        )
    return pd.DataFrame(rows)
