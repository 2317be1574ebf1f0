"""Calibration of the verdict rule by simulation: how often each verdict comes out when the article's
run is one more draw from the replication's own distribution (size), and when it is shifted by 2 delta
(power).

Usage: python workflow/scripts/calibrate_verdicts.py [--runs 40000] [--margin DELTA] [--seed 0]
Prints a Markdown table: n seeds x seed-to-seed sd x shift -> share of each verdict (a family of one
number, so Holm's correction changes nothing).
"""

import argparse

from rnn_replication.core import runs
from rnn_replication.judge import inference

# Seed-to-seed sd of the final test accuracy: the default replication measured 0.09 (LSTM), 0.11 (GRU) and
# 0.20 points (SimpleRNN) over 5 seeds (docs/results.md); 0.45 points stands for a noisier setup.
SPREADS = (0.001, 0.002, 0.0045)
SEED_COUNTS = (3, 5, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40000, help="simulated replications per row")
    margin = runs.default_config()["verdict"]["margins"]["test_accuracy"]
    parser.add_argument("--margin", type=float, default=margin, help="equivalence margin delta (config's)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    outcomes = (inference.NOT_REPLICATED, inference.REPLICATED, inference.INCONCLUSIVE)
    print(f"| n | sd | article shifted by | {' | '.join(outcomes)} |")
    print("|---|---|---|" + "---|" * len(outcomes))
    for n in SEED_COUNTS:
        for sd in SPREADS:
            for shift, label in ((0.0, "0 (same distribution)"), (2 * args.margin, "2 delta")):
                shares = inference.simulate_verdicts(n, sd, shift, args.margin, runs=args.runs, rng=args.seed)
                cells = " | ".join(f"{100 * shares[outcome]:.1f} %" for outcome in outcomes)
                print(f"| {n} | {100 * sd:.2f} points | {label} | {cells} |")


if __name__ == "__main__":
    main()
