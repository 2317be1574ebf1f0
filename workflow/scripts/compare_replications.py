"""Compare two replications' summary.csv files: per configuration and number, identical digits per seed,
equivalent within the verdict's margins (Welch's two one-sided tests over seeds), different or
inconclusive (rnn_replication.judge.comparison).

Usage: python workflow/scripts/compare_replications.py OURS.csv REFERENCE.csv [--out comparison.csv]
           [--alpha 0.05] [--margins '{"test_accuracy": 0.005, "test_loss": 0.02}'] [--strict]
The margins and level default to config/config.yaml's `verdict`. Prints the comparison as a Markdown table;
with --strict, exits 1 when a number is "different" (the workflow's compare rule writes the table only).
"""

import argparse
import json
import sys

import pandas as pd

from rnn_replication.core import runs
from rnn_replication.judge import comparison


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ours")
    parser.add_argument("reference")
    parser.add_argument("--out", default="", help="write the comparison here as CSV too")
    verdict = runs.default_config()["verdict"]
    parser.add_argument("--alpha", type=float, default=verdict["alpha"])
    parser.add_argument("--margins", type=json.loads, default=verdict["margins"], help="JSON, per number")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a number is different")
    args = parser.parse_args()
    table = comparison.compare(pd.read_csv(args.ours), pd.read_csv(args.reference), args.margins, args.alpha)
    if table.empty:
        print("no configuration was run by both replications", file=sys.stderr)
        return 1
    if args.out:
        table.to_csv(args.out, index=False)
    shown = table[[*comparison.KEYS, "metric", "common_seeds", "identical_seeds", "difference", "verdict"]]
    print(shown.to_markdown(index=False))
    return int(args.strict and (table["verdict"] == comparison.DIFFERENT).any())


if __name__ == "__main__":
    sys.exit(main())
