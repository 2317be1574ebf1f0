"""Judge the article's numbers and claims against the collected runs: results/replication.csv, and the
descriptive tables the report shows beside it (seed spread, timing ratios, Keras 2.2 vs Keras 3).

Usage: python workflow/scripts/judge.py SUMMARY.csv TIMING.csv ARTICLE.yaml CLAIMS.yaml SETTINGS_JSON
           OUT.csv SEED_SPREAD.csv TIMING_RATIOS.csv SEMANTICS.csv
ARTICLE.yaml and CLAIMS.yaml: the article's numbers and claims (paper/), the only files of the article the
judge reads. SETTINGS_JSON holds the config's `semantics` and `verdict` (level and margins). The verdicts,
one per line, go to standard output.
"""

import json
import sys

from rnn_replication.judge.descriptive import STATISTICS
from rnn_replication.judge.outputs import write_replication

if __name__ == "__main__":
    if len(sys.argv) != 7 + len(STATISTICS):
        sys.exit(__doc__)
    summary_path, timing_path, article_path, claims_path, settings, out, *statistics = sys.argv[1:]
    statistics_out = dict(zip(STATISTICS, statistics, strict=True))
    table = write_replication(
        summary_path, timing_path, article_path, claims_path, json.loads(settings), out, statistics_out
    )
    print(table[["kind", "id", "verdict"]].to_string(index=False))
