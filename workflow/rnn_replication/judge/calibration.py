"""Calibration of the verdicts by simulation, through the functions that judge the real runs.

Each simulated replication draws our seeds from normal distributions and the article's values as one more
draw each (shifted where a miss is simulated), then judges them with :func:`numbers.judge_number` (one
number alone) or :func:`numbers.judge_numbers` (the six numbers as the pipeline judges them: Holm's
correction over the family). So a bug in the description (a ``ddof=0`` sd), in the tests (z for t, the
mean's standard error for the prediction's) or in the correction (Holm dropped) shows in these shares, as
tests/test_calibration.py checks. workflow/scripts/calibrate_verdicts.py prints the tables of
docs/statistics.md from here. The judge step does not import this module.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from rnn_replication.core.spec import ARTICLE_FORM, CELLS
from rnn_replication.judge import inference
from rnn_replication.judge.numbers import (
    METRICS,
    UNDECIDABLE_BELOW,
    judge_number,
    judge_numbers,
    seeds_figures,
)

OUTCOMES = (inference.NOT_REPLICATED, inference.REPLICATED, inference.INCONCLUSIVE)
# The default replication's run records (docs/results.md): its spreads are the ones the verdicts meet in
# practice.
# (The package lives in the repository's workflow/ folder.)
DEFAULT_REPLICATION = Path(__file__).resolve().parents[3] / "reference" / "default-article-summary.csv"
# A noisier setup: every cell with 0.45 accuracy points of seed-to-seed sd, its loss sd scaled alike
# (SimpleRNN's measured ratio).
NOISY_ACCURACY_SD = 0.0045


@cache
def measured(summary_path: str | Path = DEFAULT_REPLICATION) -> dict:
    """cell -> metric -> (mean, sd over seeds) of the article form's runs in a ``summary.csv`` under the
    article's semantics (the numbers the verdicts judge), in ``CELLS`` order."""
    table = pd.read_csv(summary_path)
    article = table[(table["form"] == ARTICLE_FORM) & (table["semantics"] == "article")]
    by_cell = dict(tuple(article.groupby("cell")))
    return {
        cell: {
            metric: (float(by_cell[cell][metric].mean()), float(by_cell[cell][metric].std(ddof=1)))
            for metric in METRICS
        }
        for cell in CELLS
        if len(by_cell.get(cell, ())) > 1  # one seed has no sd
    }


def noisier(spreads: dict | None = None, accuracy_sd: float = NOISY_ACCURACY_SD) -> dict:
    """``spreads`` (default: :func:`measured`) with every cell's accuracy sd set to ``accuracy_sd`` and its
    loss sd scaled by the same factor as SimpleRNN's accuracy sd."""
    spreads = spreads or measured()
    factor = accuracy_sd / spreads["simplernn"]["test_accuracy"][1]
    return {
        cell: {
            "test_accuracy": (metrics["test_accuracy"][0], accuracy_sd),
            "test_loss": (metrics["test_loss"][0], spreads["simplernn"]["test_loss"][1] * factor),
        }
        for cell, metrics in spreads.items()
    }


def number_shares(n: int, sd: float, shift: float, margin: float, alpha=0.05, runs=4000, rng=0) -> dict:
    """Share of each verdict for one number judged alone (a family of one, so Holm changes nothing):
    ``n`` seeds from N(0, sd), the article's value from N(shift, sd), through ``judge_number``."""
    rng = np.random.default_rng(rng)
    seeds = rng.normal(0.0, sd, size=(runs, n))
    article = rng.normal(shift, sd, size=runs)
    verdicts = []
    for values, value in zip(seeds, article, strict=True):
        row = judge_number(float(value), values, margin, alpha)
        verdicts.append(str(inference.classify(row["p_different"], row["p_equivalent"], alpha)))
    return {outcome: verdicts.count(outcome) / runs for outcome in OUTCOMES}


def family_shares(
    n: int, spreads: dict, shifts: dict, margins: dict, alpha=0.05, runs=2000, rng=0
) -> tuple[float, pd.DataFrame]:
    """The six numbers judged as the pipeline judges them (``judge_numbers``, Holm over the family):
    per cell and metric, ``n`` seeds from N(mean, sd) (``spreads``: cell -> metric -> (mean, sd)) and the
    article's value from N(mean + shift, sd) (``shifts``: (cell, metric) -> shift, 0 where not given).
    Returns the share of replications with any "not replicated" among the numbers not shifted (the
    family-wise false rate), and the share of each verdict per number id."""
    rng = np.random.default_rng(rng)
    counts: dict[str, dict[str, int]] = {}
    false_alarms = 0
    for _ in range(runs):
        rows, article = [], {"results": {}}
        for cell, metrics in spreads.items():
            draws = {metric: rng.normal(mean, sd, size=n) for metric, (mean, sd) in metrics.items()}
            rows += [
                {"cell": cell, "form": ARTICLE_FORM, "seed": seed}
                | {metric: float(values[seed]) for metric, values in draws.items()}
                for seed in range(n)
            ]
            article["results"][cell] = {
                metric: float(rng.normal(mean + shifts.get((cell, metric), 0.0), sd))
                for metric, (mean, sd) in metrics.items()
            }
        table = judge_numbers(pd.DataFrame(rows), article, margins, alpha, seeds_needed=False)
        numbers = zip(table["cell"], table["metric"], strict=True)
        unshifted = [(cell, metric) not in shifts for cell, metric in numbers]
        false_alarms += bool((table.loc[unshifted, "verdict"] == inference.NOT_REPLICATED).any())
        for number, verdict in zip(table["id"], table["verdict"], strict=True):
            counts.setdefault(number, dict.fromkeys(OUTCOMES, 0))[verdict] += 1
    shares = pd.DataFrame(counts).T / runs
    return false_alarms / runs, shares


def seeds_to_decide_check(
    n: int, sd: float, true_difference: float, margin: float, family: int = 6, alpha=0.05, runs=400, rng=0
) -> dict:
    """The seeds-to-decide figures checked by repeating the whole procedure at one truth: ``n`` seeds from
    N(0, ``sd``) and the article's value ``true_difference`` away (a fixed number: its one run is given),
    judged by ``judge_number`` at the Bonferroni level alpha / ``family``, as the judge gives the figures.
    For each replication left undecided, the figures of :func:`numbers.seeds_figures`; where they give a
    count, one fresh replication with that many seeds at the truth, decided or not. Returns the share of
    replications left undecided and, of those: the share given a plug-in count, how often that count
    decided and the mean predictive probability stated for it; the same for the predictive count; the
    share told that no number of seeds can decide it, and the share the former rule told so (no plug-in
    count and z(1 - level) sd >= margin)."""
    level = alpha / family
    rng = np.random.default_rng(rng)
    undecided, told_cannot, former_cannot = 0, 0, 0
    given = {"seeds_to_decide": [], "predictive_seeds": []}
    decided = {"seeds_to_decide": 0, "predictive_seeds": 0}
    stated = []
    for _ in range(runs):
        row = judge_number(true_difference, rng.normal(0.0, sd, size=n), margin, alpha)
        if inference.decided(row["difference"], row["sd"], n, margin, level):
            continue
        undecided += 1
        figures = seeds_figures(row, level)
        told_cannot += figures["decidable"] < UNDECIDABLE_BELOW
        former_cannot += figures["seeds_to_decide"] is None and inference.equivalence_impossible(
            row["sd"], margin, level
        )
        for name in given:
            count = figures[name]
            if count is None:
                continue
            given[name].append(count)
            fresh = rng.normal(0.0, sd, size=count)
            decided[name] += bool(
                inference.decided(true_difference - fresh.mean(), fresh.std(ddof=1), count, margin, level)
            )
            if name == "seeds_to_decide":
                stated.append(figures["decide_probability"])

    def share(part, whole):
        return part / whole if whole else np.nan

    return {
        "undecided": undecided / runs,
        "given a plug-in count": share(len(given["seeds_to_decide"]), undecided),
        "decided at the plug-in count": share(decided["seeds_to_decide"], len(given["seeds_to_decide"])),
        "stated probability at the plug-in count": float(np.mean(stated)) if stated else np.nan,
        "given a predictive count": share(len(given["predictive_seeds"]), undecided),
        "decided at the predictive count": share(decided["predictive_seeds"], len(given["predictive_seeds"])),
        "told no number can decide": share(told_cannot, undecided),
        "former rule: told no number can decide": share(former_cannot, undecided),
    }
