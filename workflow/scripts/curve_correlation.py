"""How correlated our seeds' training curves are from one epoch to the next, measured on a finished run,
and the band's false-"outside" rate at those correlations: the realistic end of the AR(1) calibration of
docs/statistics.md ("The article's training curves").

Usage: python workflow/scripts/curve_correlation.py [SUMMARY.csv] [--semantics article] [--runs 4000]
SUMMARY.csv: collect's table (default results/summary.csv); its single-layer runs' histories are read
through its paths. Prints two Markdown tables.
"""

import argparse

from rnn_replication.core import records
from rnn_replication.judge import curves
from rnn_replication.judge.outputs import single_layer_histories
from rnn_replication.report.dynamics import SERIES_NAMES

SEED_COUNTS = (3, 5, 10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("summary", nargs="?", default="results/summary.csv")
    parser.add_argument("--semantics", default="article")
    parser.add_argument("--runs", type=int, default=4000)
    arguments = parser.parse_args()
    summary = records.read_summary(arguments.summary)
    histories = single_layer_histories(summary[summary["semantics"] == arguments.semantics])
    rows, measured = [], []
    for cell, runs in histories.items():
        if len(runs) < 2:
            continue
        epochs = min(len(run) for run in runs)
        for series in curves.SERIES:
            rho = curves.neighbour_correlation(curves.seed_curves(runs, series, epochs))
            measured.append(rho)
            rows.append(f"| {cell} | {SERIES_NAMES[series]} | {len(runs)} | {epochs} | {rho:.2f} |")
    if not rows:
        raise SystemExit(
            f"{arguments.summary}: no single-layer cell has two seeds to measure a correlation by"
        )
    print("| cell | series | seeds | epochs | neighbour-epoch correlation |\n|---|---|---|---|---|")
    print("\n".join(rows))
    low, high = min(measured), max(measured)
    print(
        f"\nThe band's false-outside rate (20 epochs, alpha 0.05, {arguments.runs} runs) at the measured"
        " extremes:\n"
    )
    print("| n | rho | false outside |\n|---|---|---|")
    for n in SEED_COUNTS:
        for rho in (low, high):
            share = curves.curve_false_outside(n, 20, rho, runs=arguments.runs, rng=n)
            print(f"| {n} | {rho:.2f} | {100 * share:.1f} % |")


if __name__ == "__main__":
    main()
