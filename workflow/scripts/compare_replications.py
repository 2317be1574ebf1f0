"""Compare two replications' summary.csv files: per configuration and number, identical digits per seed,
equivalent within the verdict's margins (Welch's two one-sided tests over seeds), different or
inconclusive, and what the runs' arithmetic fingerprints say about the digits
(rnn_replication.judge.comparison).

Usage: python workflow/scripts/compare_replications.py OURS.csv REFERENCE.csv [--out comparison.csv]
           [--alpha 0.05] [--margins '{"test_accuracy": 0.005, "test_loss": 0.02}'] [--strict]
The margins and level default to config/config.yaml's `verdict`. Prints the comparison as a Markdown table;
with --strict, exits 1 when a number is "different" or has different digits under the same arithmetic (the
workflow's compare rule writes the table only). A file that is no summary gets one line naming what it
lacks, and exit status 2.
"""

import argparse
import json
import sys

import pandas as pd

from rnn_replication.core import records, runs
from rnn_replication.judge import comparison


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ours")
    parser.add_argument("reference")
    parser.add_argument("--out", default="", help="write the comparison here as CSV too")
    verdict = runs.default_config()["verdict"]
    parser.add_argument("--alpha", type=float, default=verdict["alpha"])
    parser.add_argument("--margins", type=json.loads, default=verdict["margins"], help="JSON, per number")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a number is different (also where its interval lies within the margin: a detectable"
        " difference is one), or its digits under the same arithmetic",
    )
    args = parser.parse_args()
    summaries = []
    for path in (args.ours, args.reference):
        try:
            summary = records.read_summary(path)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            print(
                f"{path}: cannot be read as CSV ({error}); expected a workflow's summary.csv", file=sys.stderr
            )
            return 2
        missing = comparison.missing_columns(summary)
        if missing:
            print(
                f"{path}: no column {', '.join(missing)}; expected a workflow's summary.csv "
                "(results/summary.csv or reference/*.csv), one row per run with the columns "
                f"{', '.join(comparison.REQUIRED_COLUMNS)} (and arithmetic, where recorded)",
                file=sys.stderr,
            )
            return 2
        summaries.append(summary)
    table = comparison.compare(*summaries, args.margins, args.alpha)
    if table.empty:
        print("no configuration was run by both replications", file=sys.stderr)
        return 1
    if args.out:
        table.to_csv(args.out, index=False)
    shown = table[
        [
            *comparison.KEYS,
            "metric",
            "common_seeds",
            "identical_seeds",
            "arithmetic",
            "difference",
            "verdict",
            "note",
        ]
    ]
    print(shown.to_markdown(index=False))
    discrepant = (table["verdict"] == comparison.DIFFERENT) | (
        table["arithmetic"] == comparison.SAME_DIFFERENT
    )
    return int(args.strict and discrepant.any())


if __name__ == "__main__":
    sys.exit(main())
