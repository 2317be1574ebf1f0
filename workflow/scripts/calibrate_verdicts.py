"""Calibration of the verdict rule by simulation, through the functions that judge the real runs: how often
each verdict comes out for one number judged alone, and for the six numbers judged as the pipeline judges
them (Holm's correction over the family), when the article's values are draws from the replication's own
distribution and when one of them misses by 1 or 2 accuracy points.

Also the judge's power figure beside the simulated share it bounds, and the seeds-to-decide figures
checked by repeating the whole procedure at a truth.

Usage: python workflow/scripts/calibrate_verdicts.py [--runs 4000] [--family-runs 2000] [--decide-runs 400]
[--seed 0]
Prints three Markdown tables (docs/statistics.md, "Calibration"); the rows run in parallel, one process
per core.
"""

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np

from rnn_replication.core import paper, runs
from rnn_replication.core.runs import repository_root
from rnn_replication.judge import calibration, curves, inference

SEED_COUNTS = (3, 5, 10)
MISSES = (0.0, 0.01, 0.02)  # the article's SimpleRNN accuracy off by 0, 1 and 2 points


def percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def number_row(task, margin, runs, seed) -> str:
    n, sd, shift, label = task
    shares = calibration.number_shares(n, sd, shift, margin, runs=runs, rng=seed)
    cells = " | ".join(percent(shares[outcome]) for outcome in calibration.OUTCOMES)
    return f"| {n} | {100 * sd:.2f} points | {label} | {cells} |"


def family_row(task, margins, runs, seed) -> str:
    n, spread_label, spreads, miss = task
    shifts = {("simplernn", "test_accuracy"): -miss} if miss else {}
    false_alarm, shares = calibration.family_shares(n, spreads, shifts, margins, runs=runs, rng=seed)
    simple, lstm = shares.loc["simplernn_test_accuracy"], shares.loc["lstm_test_accuracy"]
    # The judge's power figure at the true sd: the Bonferroni level alpha / 6, a lower bound for Holm's.
    family_size = sum(len(metrics) for metrics in spreads.values())
    level = runs_config()["alpha"] / family_size
    power = inference.miss_power(miss, spreads["simplernn"]["test_accuracy"][1], n, level)
    points = f"{100 * miss:.0f} point{'' if round(100 * miss) == 1 else 's'}"
    article = f"SimpleRNN accuracy {points} lower" if miss else "all from our distribution"
    shares = [
        false_alarm,
        *simple[["not replicated"]],
        power,
        *simple[["replicated"]],
        *lstm[["not replicated", "replicated"]],
    ]
    return f"| {n} | {spread_label} | {article} | {' | '.join(percent(share) for share in shares)} |"


def runs_config() -> dict:
    return runs.default_config()["verdict"]


def decide_row(task, margin, runs, seed) -> str:
    n, sd, shift, label = task
    alpha = runs_config()["alpha"]
    shares = calibration.seeds_to_decide_check(n, sd, shift, margin, alpha=alpha, runs=runs, rng=seed)
    cells = " | ".join(percent(share) for share in shares.values())
    return f"| {n} | {100 * sd:.2f} points | {label} | {cells} |"


CURVE_SD = 0.002  # the power rows' seed-to-seed sd at every epoch: 0.2 points, within the measured finals
CURVE_RHO = 0.5  # ... and the correlation between neighbouring epochs


def curve_family() -> int:
    """The tests Holm's correction runs over in results/curves.csv: each logged cell's curves and features."""
    root = repository_root() / "paper"
    cells = paper.load_article(root)[1]["cell"].nunique()
    return cells * (len(curves.SERIES) + len(paper.read_features(root / "features.yaml")))


def curve_row(task, runs, seed) -> str:
    """The false "outside" rate of a genuine replication's curve, and the power against two misses of
    the article's LSTM validation-accuracy curve (paper/article_history.csv) at 0.2 points of sd."""
    n, rho = task
    false = curves.curve_false_outside(n, 20, rho, runs=runs, rng=seed)
    cells = [f"{n}", f"{rho:g}", percent(false)]
    if rho == CURVE_RHO:
        history = paper.load_article(repository_root() / "paper")[1]
        mean = history[history["cell"] == "lstm"].sort_values("epoch")["val_accuracy"].to_numpy()
        # One epoch late: the article's epoch t where ours was at t - 1 (epoch 0 extrapolated).
        late = np.concatenate([[2 * mean[0] - mean[1]], mean[:-1]])
        low_start = mean - np.r_[0.02, np.zeros(len(mean) - 1)]
        sd = np.full(len(mean), CURVE_SD)
        alpha = runs_config()["alpha"]
        for article in (late, low_start):
            # Judged alone, and at the first step of Holm's correction over the judge's whole family.
            for level in (alpha, alpha / curve_family()):
                power = curves.curve_power(n, mean, sd, article, rho, alpha=level, runs=runs // 2, rng=seed)
                cells.append(percent(power))
    else:
        cells += ["", "", "", ""]
    return f"| {' | '.join(cells)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4000, help="simulated replications per single-number row")
    parser.add_argument("--family-runs", type=int, default=2000, help="simulated replications per family row")
    parser.add_argument(
        "--decide-runs", type=int, default=400, help="simulated replications per seeds-to-decide row"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = runs_config()
    margins = config["margins"]
    margin = margins["test_accuracy"]
    measured = calibration.measured()
    # Seed-to-seed sd of the final test accuracy for a number judged alone: each cell's in the default
    # replication, and a noisier setup's.
    spreads = sorted({round(metrics["test_accuracy"][1], 4) for metrics in measured.values()})
    number_tasks = [
        (n, sd, shift, label)
        for n in SEED_COUNTS
        for sd in [*spreads, calibration.NOISY_ACCURACY_SD]
        for shift, label in ((0.0, "0 (same distribution)"), (2 * margin, "2 delta"))
    ]
    measured_label = " / ".join(f"{100 * metrics['test_accuracy'][1]:.2f}" for metrics in measured.values())
    spread_sets = (
        (f"measured ({measured_label} points)", measured),
        (f"{100 * calibration.NOISY_ACCURACY_SD:.2f} points", calibration.noisier()),
    )
    family_tasks = [
        (n, label, spreads, miss) for n in SEED_COUNTS for label, spreads in spread_sets for miss in MISSES
    ]
    lstm_sd, simple_sd = (measured[cell]["test_accuracy"][1] for cell in ("lstm", "simplernn"))
    decide_tasks = [
        (n, sd, shift, label)
        for n in (3, 5)
        for sd, shift, label in (
            (lstm_sd, 0.0, "0: equivalent"),
            (lstm_sd, 0.8 * margin, "0.8 delta: detectable"),
            (simple_sd, 2 * margin, "2 delta: detectable"),
            (simple_sd, 0.0, "0: no count decides it"),
        )
    ]
    curve_tasks = [(n, rho) for n in SEED_COUNTS for rho in (0.0, CURVE_RHO, 0.9)]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        curve_rows = pool.map(partial(curve_row, runs=args.runs, seed=args.seed), curve_tasks)
        decide = pool.map(
            partial(decide_row, margin=margin, runs=args.decide_runs, seed=args.seed), decide_tasks
        )
        numbers = pool.map(partial(number_row, margin=margin, runs=args.runs, seed=args.seed), number_tasks)
        family = pool.map(
            partial(family_row, margins=margins, runs=args.family_runs, seed=args.seed), family_tasks
        )
        outcomes = " | ".join(calibration.OUTCOMES)
        print("One number judged alone (accuracy margin delta = 0.5 points):\n")
        print(f"| n | sd | article shifted by | {outcomes} |")
        print("|---|---|---|" + "---|" * len(calibration.OUTCOMES))
        print("\n".join(numbers))
        print(
            "\nThe six numbers judged together (Holm), seed-to-seed accuracy sd as measured (SimpleRNN / LSTM"
            ' / GRU) or noisier; false "not replicated" counts the numbers not shifted:\n'
        )
        print(
            '| n | spread | the article\'s values | any false "not replicated" | SimpleRNN accuracy: not '
            "replicated | SimpleRNN accuracy: the judge's power figure | SimpleRNN accuracy: replicated | "
            "LSTM accuracy: not replicated | LSTM accuracy: replicated |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        print("\n".join(family))
        print(
            f"\nSeeds to decide, the whole procedure repeated at one truth (accuracy margin {100 * margin:g} "
            f"points, level {config['alpha']:g}/6); shares of the replications left undecided, and of those "
            "given each count:\n"
        )
        columns = (
            "undecided",
            "given a plug-in count",
            "decided at the plug-in count",
            "stated predictive probability at it",
            "given a predictive count",
            "decided at the predictive count",
            "told no number can decide",
            "former rule: told so",
        )
        print(f"| n | sd | article − mean (truth) | {' | '.join(columns)} |")
        print("|---|---|---|" + "---|" * len(columns))
        print("\n".join(decide))
        print(
            "\nThe article's training curves (judge/curves.py: 20 epochs, the simultaneous band at 0.05): a "
            "genuine replication's curve put outside the band, epochs with AR(1) correlation rho; and, at "
            f"rho = {CURVE_RHO:g} and {100 * CURVE_SD:g} points of sd, how often the article's LSTM "
            "validation accuracy curve is put outside when it is one epoch late, or its first epoch 2 points "
            "low, judged alone and at the first step of Holm's correction over the judge's family (a lower "
            "bound on what the judge's verdict has):\n"
        )
        family = curve_family()
        print(
            "| n | rho | false outside | one epoch late: outside | the same, at Holm's first step over "
            f"{family} | first epoch 2 points low: outside | the same, at Holm's first step over {family} |"
        )
        print("|---|---|---|---|---|---|---|")
        print("\n".join(curve_rows))


if __name__ == "__main__":
    main()
