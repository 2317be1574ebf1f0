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
# The miss the power is given against, in margins (the schema's default of verdict.power_miss_margins):
# 2 x 0.5 points is a 1-point miss in accuracy, 0.04 nats in loss.
POWER_MISS_MARGINS = 2.0
# A "not replicated" whose interval lies within the margin all the same (compare_replications notes it too).
WITHIN_MARGIN = "the difference is detectable, yet its interval lies within the margin"
# "Practically no number of seeds can decide it" only where even unlimited seeds decide it less often than
# this, over what the seeds allow for the mean and sd.
UNDECIDABLE_BELOW = 0.05
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
    "miss",
    "power",
    "power_low",
    "power_high",
    "seeds_to_decide",
    "seeds_low",
    "seeds_high",
    "decide_probability",
    "predictive_seeds",
    "decidable",
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
    summary: pd.DataFrame,
    article: dict,
    margins: dict,
    alpha: float = 0.05,
    seeds_needed: bool = True,
    miss_margins: float = POWER_MISS_MARGINS,
) -> pd.DataFrame:
    """A verdict for each of the article's test accuracies and losses (one row per cell and metric),
    Holm-corrected across the family of tested numbers, with a note where the correction or the seed count
    matters; "not tested" with what it needs where the grid has fewer than two seeds of the cell.
    ``summary`` holds the runs of one semantics. Each tested number also gets its power: the chance that
    this design flags a miss of ``miss_margins`` margins (:func:`number_power`). ``seeds_needed`` False
    leaves out the simulated count of seeds that would decide an inconclusive number (the calibration
    study, which needs only verdicts)."""
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
    powers = [number_power(row, alpha, family, miss_margins) for row in table.to_dict("records")]
    for column in ("miss", "power", "power_low", "power_high"):
        table[column] = [power[column] for power in powers]
    decisions = [number_decision(row, alpha, family, seeds_needed) for row in table.to_dict("records")]
    for column in ("seeds_to_decide", "seeds_low", "seeds_high", "predictive_seeds"):
        table[column] = pd.array([figures.get(column) for figures, _ in decisions], dtype="Int64")
    for column in ("decide_probability", "decidable"):
        table[column] = [figures.get(column, math.nan) for figures, _ in decisions]
    table["note"] = [note for _, note in decisions]
    return table


def number_power(row: dict, alpha: float, family: int, miss_margins: float) -> dict:
    """The chance that the design (the row's seeds and spread, Holm over ``family`` numbers) flags a miss
    of ``miss_margins`` margins as "not replicated": at the observed sd, and at the two ends of the sd's
    interval (power_low at its upper end). Computed at Holm's first step, the Bonferroni level
    alpha / family: Holm flags at least what that level flags, so these are lower bounds, close to exact
    when the other numbers are not flagged (docs/statistics.md checks it by simulation)."""
    miss = miss_margins * row["delta"] if pd.notna(row["delta"]) else math.nan
    if pd.isna(row["p_different"]) or row["metric"] not in METRICS:
        return {"miss": miss, "power": math.nan, "power_low": math.nan, "power_high": math.nan}
    level = alpha / family

    def power(sd: float) -> float:
        return 1.0 if sd <= 0 else float(inference.miss_power(miss, sd, row["n"], level))

    return {
        "miss": miss,
        "power": power(row["sd"]),
        "power_low": power(row["sd_high"]),
        "power_high": power(row["sd_low"]),
    }


def number_decision(row: dict, alpha: float, family: int, seeds_needed: bool = True) -> tuple[dict, str]:
    """The figures on how many seeds would decide an inconclusive number (:func:`seeds_figures`; none for
    the other verdicts), and a note on what the verdict rests on."""
    if row["verdict"] == NOT_TESTED:
        if row["n"] == 0:
            return {}, row["note"]
        return {}, "needs at least two seeds: one run has no spread to judge against"
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
        notes.append(WITHIN_MARGIN)
    figures = {}
    if row["verdict"] == inference.INCONCLUSIVE and seeds_needed:
        # Bonferroni: a decision at this level holds under Holm's correction too.
        figures = seeds_figures(row, alpha / family)
        notes.append(seeds_sentence(figures, int(row["n"])))
    return figures, "; ".join(notes)


def seeds_figures(row: dict, level: float) -> dict:
    """How many seeds would decide a number at ``level``, and how sure that is:

    - seeds_to_decide: the plug-in count, deciding it with 80 % probability were the observed mean and sd
      the truth (:func:`inference.seeds_to_decide`); seeds_low and seeds_high: the same at the low and the
      high end of the sd's interval;
    - decide_probability: the predictive probability that a replication with seeds_to_decide seeds
      decides it, averaged over what the seeds allow for the mean and sd;
    - predictive_seeds: the count that decides it with 80 % predictive probability;
    - decidable: the predictive probability that unlimited seeds decide it.

    A count is None where no count up to inference.DECIDED_WITHIN_SEEDS does."""
    n, difference, margin = int(row["n"]), row["difference"], row["delta"]

    def plug_in(sd: float) -> int | None:
        return inference.seeds_to_decide(difference, sd, n, margin, level)

    rate, decidable = inference.predictive_decision(difference, row["sd"], n, margin, level)
    seeds = plug_in(row["sd"])
    predictive_seeds = inference.predictive_count(rate, decidable, n, level)
    return {
        "seeds_to_decide": seeds,
        "seeds_low": plug_in(row["sd_low"]),
        "seeds_high": plug_in(row["sd_high"]),
        "decide_probability": rate(seeds) if seeds is not None else math.nan,
        "predictive_seeds": predictive_seeds,
        "decidable": decidable,
    }


def seeds_sentence(figures: dict, n: int) -> str:
    """:func:`seeds_figures` in words that claim no more than they show."""

    def count(seeds) -> str:
        return f"more than {inference.DECIDED_WITHIN_SEEDS:,}" if seeds is None else f"{seeds}"

    def percent(share: float) -> str:
        return f"{100 * share:.0f} %" if share >= 0.01 else "under 1 %"

    target = f"{100 * inference.DECISION_PROBABILITY:.0f} %"
    allowed = f"over the means and sds that {n} seeds allow"
    unlimited = f"unlimited seeds decide it with probability {percent(figures['decidable'])}"
    if figures["decidable"] < UNDECIDABLE_BELOW:
        return (
            f"practically no number of seeds can decide it: {allowed}, {unlimited} (the article's single run"
            " is too noisy for the margin, and its distance from our mean too small to detect)"
        )
    seeds, predictive = figures["seeds_to_decide"], figures["predictive_seeds"]
    reached = "" if predictive is None else f", and about {predictive} seeds reach {target}"
    if seeds is None:
        return (
            f"at the observed mean and sd no count up to {inference.DECIDED_WITHIN_SEEDS:,} decides it; "
            f"{allowed}, {unlimited}{reached}"
        )
    plug_in = (
        f"about {seeds} seeds would decide it with {target} probability were the observed mean and sd "
        f"the truth ({count(figures['seeds_low'])} to {count(figures['seeds_high'])} over the sd's "
        f"interval); {allowed}, {seeds} seeds decide it with probability "
        f"{percent(figures['decide_probability'])}"
    )
    if predictive is None:
        return f"{plug_in}, and no count reaches {target} (unlimited seeds: {percent(figures['decidable'])})"
    return plug_in + reached


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
