"""A verdict for each of the article's claims (paper/claims.yaml), and the tests that reach it.

"Supported", "contradicted" or "inconclusive", from paired tests by seed (accuracy) or a paired ratio by
timing repeat (speed), with Holm's correction across the tested claims; the speed claim only from a timing
pass on a quiet machine in a balanced order ("not judged" otherwise). An architectural count (parameters)
is no test: it "holds by construction" or not, over every seed. What the grid did not run says "not tested"
with what it needs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnn_replication.core.spec import CELLS
from rnn_replication.judge import inference
from rnn_replication.judge.inference import NOT_TESTED
from rnn_replication.judge.numbers import REPLICATION_COLUMNS, needs_runs, single_layer_runs

SUPPORTED, CONTRADICTED, UNDECIDED = "supported", "contradicted", "inconclusive"
NOT_JUDGED = "not judged"  # tested data that cannot be trusted for the claim (a busy machine)
HOLDS, DOES_NOT_HOLD = "holds by construction", "does not hold by construction"
# The tests a claim in paper/claims.yaml may name (its `test`); claim_row applies the one named.
CLAIM_TESTS = ("paired_greater", "paired_equivalent", "paired_ratio_less", "exact_less")
# The largest share of the machine's CPU that other processes may use during a timed epoch before the
# speed claim is not judged (the schema's default of verdict.max_other_cpu_share).
MAX_OTHER_CPU_SHARE = 0.1


def seed_pairs(summary: pd.DataFrame, first: str, second: str, metric: str) -> pd.DataFrame:
    """``metric`` of two single-layer cells side by side, one row per seed both have."""
    columns = []
    for cell in (first, second):
        runs = single_layer_runs(summary, cell).set_index("seed")[metric].rename(cell)
        columns.append(runs)
    return pd.concat(columns, axis=1, join="inner").sort_index()


def timing_pairs(timing: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """Seconds per epoch of two cells side by side, one row per timing repeat both have."""
    table = timing.pivot_table(index="repeat", columns="cell", values="seconds", aggfunc="median")
    missing = [cell for cell in (first, second) if cell not in table.columns]
    if missing:
        return pd.DataFrame(columns=[first, second])
    return table[[first, second]].dropna()


def article_claim_value(claim: dict, article: dict) -> float:
    """The article's own value of the compared quantity: a difference for accuracy and parameters, the
    ratio of its logged microseconds per step for speed."""
    first, second = (article["results"][cell] for cell in claim["compares"])
    if claim["test"] == "paired_ratio_less":
        return first["us_per_step"] / second["us_per_step"]
    return first[claim["metric"]] - second[claim["metric"]]


def exact_claim(claim: dict, summary: pd.DataFrame) -> dict:
    """first < second in a count (parameters): the architecture decides it, so it is checked on every seed
    and either holds by construction or does not; no test, and not counted among the tested claims."""
    first, second = claim["compares"]
    counts = seed_pairs(summary, first, second, claim["metric"])
    if counts.empty:
        return {"n": 0, "verdict": NOT_TESTED, "note": needs_runs(first, second)}
    differences = counts[first] - counts[second]
    holds = bool((differences < 0).all())
    return {
        "n": len(counts),
        "mean": float(differences.mean()),
        "sd": float(differences.std(ddof=1)) if len(counts) > 1 else 0.0,
        "min": float(differences.min()),
        "max": float(differences.max()),
        "verdict": HOLDS if holds else DOES_NOT_HOLD,
        "note": f"an architectural count, checked on every seed ({len(counts)}); not a statistical test",
    }


def timing_trouble(timing: pd.DataFrame, cells: list[str], max_busy: float) -> str:
    """Why the timing pass cannot judge a speed claim ("" when it can): other processes took more than
    ``max_busy`` of the pass's CPUs during a timed epoch of one of ``cells`` (the epochs the claim pairs;
    the pass has timed a disturbed repeat again before keeping it), or the cells were not timed equally
    often in each position (an order effect could then pass for a speed difference)."""
    timed = timing[timing["cell"].isin(cells)]
    if "others_cpu_share" not in timed or timed["others_cpu_share"].isna().any():
        return "not judged: the timing pass did not record how busy the machine was; run it again"
    busiest = float(timed["others_cpu_share"].max())
    if busiest > max_busy:
        names = " or ".join(CELLS[cell] for cell in cells)
        tries = timed["attempts"].max() if "attempts" in timed else 1
        again = f", after timing the disturbed repeats up to {tries:.0f} times" if tries > 1 else ""
        return (
            f"not judged: other processes took up to {share_above(busiest, max_busy)} of the timing pass's "
            f"CPUs during a timed epoch of {names}{again}; at most {100 * max_busy:g} % is allowed "
            "(verdict.max_other_cpu_share); run the timing pass again on a quieter machine"
        )
    if "position" in timed:
        per_position = timed.groupby(["cell", "position"]).size().unstack(fill_value=0)
        if len(set(per_position.to_numpy().ravel())) > 1:
            return "not judged: the cells were not timed equally often in each position of a repeat"
    return ""


def share_above(share: float, limit: float) -> str:
    """``share`` in percent with as many decimals as it takes to read above ``limit`` (10.04 %, not a
    10 % that seems to keep a 10 % limit)."""
    for decimals in range(4):
        text = f"{100 * share:.{decimals}f}"
        if float(text) > 100 * limit:
            return f"{text} %"
    return f"{100 * share:.4f} %"


def ratio_claim(claim: dict, timing, alpha: float, max_busy: float) -> dict:
    """first / second < 1 in seconds per epoch, paired by timing repeat: one-sided t on the log ratios;
    judged only from a quiet, balanced timing pass. A statement about the machine it was measured on."""
    first, second = claim["compares"]
    if timing is None or not {first, second} <= set(timing["cell"]):
        return {"n": 0, "verdict": NOT_TESTED, "note": f"needs {CELLS[first]} and {CELLS[second]} in cells"}
    pairs = timing_pairs(timing, first, second)
    if len(pairs) < 2:
        return {"n": len(pairs), "verdict": NOT_TESTED, "note": "needs at least two timing repeats"}
    tested = inference.paired_test(np.log(pairs[first] / pairs[second]), alpha)
    row = {
        "n": tested["n"],
        "mean": math.exp(tested["mean"]),
        "sd": tested["sd"],
        "eq_low": math.exp(tested["low"]),
        "eq_high": math.exp(tested["high"]),
        "measured_on": f"{timing['device'].iloc[0]}, backend {timing['backend'].iloc[0]}"
        if {"device", "backend"} <= set(timing)
        else "",
        "note": "geometric mean ratio over timing repeats; interval and tests on the log ratio",
    }
    trouble = timing_trouble(timing, [first, second], max_busy)
    if trouble:
        return row | {"verdict": NOT_JUDGED, "note": trouble}
    return row | {"p_support": tested["p_less"], "p_contradict": tested["p_greater"]}


def paired_claim(claim: dict, summary: pd.DataFrame, margins: dict, alpha: float) -> dict:
    """first > second (one-sided) or |first - second| < margin (two one-sided tests), paired by seed."""
    first, second = claim["compares"]
    pairs = seed_pairs(summary, first, second, claim["metric"])
    if len(pairs) < 2:
        note = needs_runs(first, second) if pairs.empty else "needs at least two seeds of both cells"
        return {"n": len(pairs), "verdict": NOT_TESTED, "note": note}
    differences = (pairs[first] - pairs[second]).to_numpy()
    if claim["test"] == "paired_greater":
        tested = inference.paired_test(differences, alpha)
        support, contradict, delta = tested["p_greater"], tested["p_less"], math.nan
    else:
        delta = margins[claim["metric"]]
        tested = inference.paired_equivalence(differences, delta, alpha)
        support, contradict = tested["p_equivalent"], tested["p_beyond"]
    return {
        "n": tested["n"],
        "mean": tested["mean"],
        "sd": tested["sd"],
        "eq_low": tested["low"],
        "eq_high": tested["high"],
        "delta": delta,
        "p_support": support,
        "p_contradict": contradict,
        "note": "paired by seed",
    }


def claim_row(
    claim: dict, article: dict, summary, timing, margins: dict, alpha: float, max_busy: float
) -> dict:
    """One claim, tested: estimate, interval and the one-sided p-values for and against it."""
    if claim["test"] not in CLAIM_TESTS:
        raise ValueError(
            f"claim {claim['id']}: unknown test {claim['test']!r}; expected one of {', '.join(CLAIM_TESTS)}"
        )
    first, second = claim["compares"]
    row = {
        "kind": "claim",
        "id": claim["id"],
        "cell": f"{first} vs {second}",
        "metric": claim["metric"],
        "article": article_claim_value(claim, article),
    }
    if claim["test"] == "exact_less":
        return row | exact_claim(claim, summary)
    if claim["test"] == "paired_ratio_less":
        return row | ratio_claim(claim, timing, alpha, max_busy)
    return row | paired_claim(claim, summary, margins, alpha)


def judge_claims(
    claims: list[dict],
    article,
    summary,
    timing,
    margins: dict,
    alpha: float = 0.05,
    max_busy: float = MAX_OTHER_CPU_SHARE,
):
    """Every claim: the tested ones Holm-corrected across the tested claims; the others keep the verdict
    their test gave them (holds by construction, not tested, not judged)."""
    rows = [claim_row(claim, article, summary, timing, margins, alpha, max_busy) for claim in claims]
    table = pd.DataFrame(rows).reindex(columns=[*REPLICATION_COLUMNS, "p_support", "p_contradict"])
    table["verdict"] = table["verdict"].astype(object)
    table["note"] = table["note"].astype(object)
    tested = table["p_support"].notna().to_numpy()
    support = inference.holm(table["p_support"])
    contradict = inference.holm(table["p_contradict"])
    table.loc[tested, "verdict"] = np.where(
        support[tested] < alpha, SUPPORTED, np.where(contradict[tested] < alpha, CONTRADICTED, UNDECIDED)
    )
    # results/replication.csv keeps one pair of p-value columns: for claims, support and contradiction.
    table["p_different"], table["p_equivalent"] = table.pop("p_contradict"), table.pop("p_support")
    table["p_different_holm"], table["p_equivalent_holm"] = contradict, support
    return table
