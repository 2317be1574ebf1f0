"""Collect every run's record into the summary table (one row per run) and the confusion counts (summed
over the seeds of each configuration).

Usage: python workflow/scripts/collect_runs.py SUMMARY.csv CONFUSION.csv METRICS.json...
"""

import sys

from rnn_replication.collect import RunRecordError, write_tables

if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    try:
        summary = write_tables(sys.argv[3:], sys.argv[1], sys.argv[2])
    except RunRecordError as error:
        sys.exit(f"collect: {error}")
    print(f"collected {len(summary)} runs into {sys.argv[1]} and {sys.argv[2]}")
