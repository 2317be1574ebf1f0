"""Judge the article's numbers and claims against the collected runs: results/replication.csv.

Usage: python workflow/scripts/judge.py SUMMARY.csv TIMING.csv PAPER_DIR SETTINGS_JSON OUT.csv
SETTINGS_JSON holds the config's `semantics` and `verdict` (level and margins). The verdicts, one per
line, go to standard output.
"""

import json
import sys

from rnn_replication.judge.replication import write_replication

if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    summary_path, timing_path, paper_dir, settings, out = sys.argv[1:]
    table = write_replication(summary_path, timing_path, paper_dir, json.loads(settings), out)
    print(table[["kind", "id", "verdict"]].to_string(index=False))
