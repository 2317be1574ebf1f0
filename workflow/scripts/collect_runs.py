"""Collect every run's record into the summary table (one row per run), the confusion counts (summed
over the seeds of each configuration) and the provenance table (where each run comes from, in the
summary's order), refusing a record not made as the config's run.

Usage: python workflow/scripts/collect_runs.py SUMMARY.csv CONFUSION.csv PROVENANCE.csv EXPECTED_JSON
           RERUN_OPTIONS METRICS.json...
EXPECTED_JSON: the identity each run's record must hold (core.identity.plan). RERUN_OPTIONS: the
options that chose the config (``--configfile ...``), for the command a refusal gives; may be empty.
"""

import json
import sys

from rnn_replication.collect.gather import RunRecordError, write_tables
from rnn_replication.collect.provenance import write_provenance

if __name__ == "__main__":
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    summary_out, confusion_out, provenance_out, expected, rerun_options, *metrics_paths = sys.argv[1:]
    try:
        summary = write_tables(metrics_paths, summary_out, confusion_out, json.loads(expected), rerun_options)
    except RunRecordError as error:
        sys.exit(f"collect: {error}")
    # The records just checked, in the summary's order.
    write_provenance(summary["metrics_path"], provenance_out)
    print(f"collected {len(summary)} runs into {summary_out}, {confusion_out} and {provenance_out}")
