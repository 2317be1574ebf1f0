"""Judge the article's numbers and claims against the collected runs: results/replication.csv, and the
descriptive tables the report shows beside it (seed spread, timing ratios, Keras 2.2 vs Keras 3).

Usage: python workflow/scripts/judge.py SUMMARY.csv TIMING.csv PAPER_DIR SETTINGS_JSON OUT.csv
           SEED_SPREAD.csv TIMING_RATIOS.csv SEMANTICS.csv
SETTINGS_JSON holds the config's `semantics` and `verdict` (level and margins). The verdicts, one per
line, go to standard output.
"""

import json
import sys

from rnn_replication.judge.replication import STATISTICS, write_replication

if __name__ == "__main__":
    if len(sys.argv) != 6 + len(STATISTICS):
        sys.exit(__doc__)
    summary_path, timing_path, paper_dir, settings, out, *statistics = sys.argv[1:]
    statistics_out = dict(zip(STATISTICS, statistics, strict=True))
    table = write_replication(summary_path, timing_path, paper_dir, json.loads(settings), out, statistics_out)
    print(table[["kind", "id", "verdict"]].to_string(index=False))
