"""Does it replicate? A verdict for each of the article's numbers and each of its claims.

The tests are in :mod:`inference`; this module applies them to the runs and the article, builds the rows
of results/replication.csv and generates every sentence from those rows (nothing is written by hand).

- Numbers (test accuracy and test loss of each single-layer cell): "not replicated" when the article's
  value lies outside our prediction interval for one new run, "replicated" when the two one-sided tests
  show it within +-delta of our mean, "consistent, inconclusive" otherwise; Holm's correction across the
  family of numbers. Parameter counts are compared exactly.
- Claims (paper/claims.yaml): "supported", "contradicted" or "inconclusive", from paired tests by seed
  (accuracy) or a paired ratio by timing repeat (speed), with Holm's correction across the tested claims;
  the speed claim only from a timing pass on a quiet machine in a balanced order ("not judged" otherwise).
  An architectural count (parameters) is no test: it "holds by construction" or not, over every seed.
- What the grid did not run says "not tested" with what it needs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnn_replication.core import paper, records
from rnn_replication.core.runs import ARTICLE_FORM, CELLS, SEMANTICS
from rnn_replication.judge import inference
from rnn_replication.judge.inference import NOT_TESTED

METRICS = ("test_accuracy", "test_loss")
SUPPORTED, CONTRADICTED, UNDECIDED = "supported", "contradicted", "inconclusive"
NOT_JUDGED = "not judged"  # tested data that cannot be trusted for the claim (a busy machine)
HOLDS, DOES_NOT_HOLD = "holds by construction", "does not hold by construction"
EXACT_MATCH, EXACT_MISMATCH = "replicated (exact)", "not replicated (exact)"
# The columns of results/replication.csv, in order.
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


# ---------------------------------------------------------------------------- the article's numbers


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


def single_layer_runs(summary: pd.DataFrame, cell: str) -> pd.DataFrame:
    return summary[(summary["form"] == ARTICLE_FORM) & (summary["cell"] == cell)]


def needs_runs(*cells: str) -> str:
    """What an untested row needs: single-layer runs of ``cells``."""
    names = " and ".join(CELLS[cell] for cell in cells)
    return f"needs single-layer {names} runs: {' and '.join(cells)} in cells, {ARTICLE_FORM} in forms"


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


# ---------------------------------------------------------------------------- the article's claims


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
    """Why the timing pass cannot judge a speed claim ("" when it can): other processes used more than
    ``max_busy`` of the machine's CPU during a timed epoch, or the cells were not timed equally often in
    each position (an order effect could then pass for a speed difference)."""
    timed = timing[timing["cell"].isin(cells)]
    if "others_cpu_share" not in timed or timed["others_cpu_share"].isna().any():
        return "not judged: the timing pass did not record how busy the machine was; run it again"
    busiest = float(timed["others_cpu_share"].max())
    if busiest > max_busy:
        return (
            f"not judged: the machine was busy (other processes used up to {100 * busiest:.0f} % of its CPU"
            f" during a timed epoch; at most {100 * max_busy:.0f} % is allowed, verdict.max_other_cpu_share);"
            " run the timing pass again on a quiet machine"
        )
    if "position" in timed:
        per_position = timed.groupby(["cell", "position"]).size().unstack(fill_value=0)
        if len(set(per_position.to_numpy().ravel())) > 1:
            return "not judged: the cells were not timed equally often in each position of a repeat"
    return ""


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


CLAIM_TESTS = ("paired_greater", "paired_equivalent", "paired_ratio_less", "exact_less")


# The largest share of the machine's CPU that other processes may use during a timed epoch before the
# speed claim is not judged (the schema's default of verdict.max_other_cpu_share).
MAX_OTHER_CPU_SHARE = 0.1


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


def replication_rows(
    summary,
    article,
    claims,
    timing,
    margins: dict,
    alpha: float = 0.05,
    max_busy: float = MAX_OTHER_CPU_SHARE,
) -> pd.DataFrame:
    """Every row of results/replication.csv: the article's numbers, its parameter counts, its claims.

    For claims, ``mean`` is the estimate (mean paired difference, or geometric mean ratio),
    ``eq_low``/``eq_high`` its 100(1 - 2 alpha) % interval, ``p_equivalent`` the p-value for the claim and
    ``p_different`` the p-value against it.
    """
    frames = [
        judge_numbers(summary, article, margins, alpha),
        judge_parameters(summary, article),
        judge_claims(claims, article, summary, timing, margins, alpha, max_busy),
    ]
    table = pd.concat([frame for frame in frames if not frame.empty], ignore_index=True)
    return table.reindex(columns=REPLICATION_COLUMNS)


def write_replication(summary_path, timing_path, paper_dir, config: dict, out, statistics_out=None):
    """results/replication.csv from the summary, the timing pass and the article (paper/), under the
    config's semantics, level and margins (``config["semantics"]`` and ``config["verdict"]``); and the
    descriptive tables the report shows beside the verdicts (``statistics_out``: a path for each of
    STATISTICS), so that the report computes nothing."""
    everything = pd.read_csv(summary_path)
    summary = everything[everything["semantics"] == config["semantics"]]
    article, _ = paper.load_article(paper_dir)
    claims = list(paper.load_claims(paper_dir).values())
    verdict, timing = config["verdict"], pd.read_csv(timing_path)
    max_busy = verdict.get("max_other_cpu_share", MAX_OTHER_CPU_SHARE)
    table = replication_rows(summary, article, claims, timing, verdict["margins"], verdict["alpha"], max_busy)
    records.atomic_write_text(out, table.to_csv(index=False))
    tables = {
        "seed_spread": seed_statistics(summary),
        "timing_ratios": timing_ratios(timing, article, verdict["alpha"]),
        "semantics": semantics_comparison(everything),
    }
    for name, path in (statistics_out or {}).items():
        records.atomic_write_text(path, tables[name].to_csv(index=False))
    return table


# The descriptive tables the judge writes beside results/replication.csv (see write_replication).
STATISTICS = ("seed_spread", "timing_ratios", "semantics")


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
