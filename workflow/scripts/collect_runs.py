"""Collect every run's record into the summary table (one row per run) and the confusion counts (summed
over the seeds of each configuration), refusing a record made with other settings than the config's.

Usage: python workflow/scripts/collect_runs.py SUMMARY.csv CONFUSION.csv EXPECTED_JSON METRICS.json...
EXPECTED_JSON maps each run's name to the settings it must have been made with
(pipeline.selection.run_settings).
"""

import json
import sys

from rnn_replication.collect.gather import RunRecordError, write_tables

if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    summary_out, confusion_out, expected, *metrics_paths = sys.argv[1:]
    try:
        summary = write_tables(metrics_paths, summary_out, confusion_out, json.loads(expected))
    except RunRecordError as error:
        sys.exit(f"collect: {error}")
    print(f"collected {len(summary)} runs into {summary_out} and {confusion_out}")
