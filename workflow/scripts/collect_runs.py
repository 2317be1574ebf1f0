"""Collect every run's metrics.json into one table.

Usage: python workflow/scripts/collect_runs.py OUT.csv METRICS.json...
"""

import sys

from rnn_replication.collect import RunRecordError, write_summary

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    try:
        summary = write_summary(sys.argv[2:], sys.argv[1])
    except RunRecordError as error:
        sys.exit(f"collect: {error}")
    print(f"collected {len(summary)} runs into {sys.argv[1]}")
