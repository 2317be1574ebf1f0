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
from rnn_replication.judge.numbers import METRICS, judge_number, judge_numbers

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
