"""Judge the article's numbers and claims against the collected runs: results/replication.csv, and the
descriptive tables the report shows beside it (seed spread, timing ratios, Keras 2.2 vs Keras 3); and the
article's training curves and the features of its log: results/curves.csv and results/curve_bands.csv.

Usage: python workflow/scripts/judge.py SUMMARY.csv TIMING.csv ARTICLE.yaml CLAIMS.yaml ARTICLE_HISTORY.csv
           FEATURES.yaml SETTINGS_JSON OUT.csv CURVES.csv CURVE_BANDS.csv SEED_SPREAD.csv TIMING_RATIOS.csv
           SEMANTICS.csv
ARTICLE.yaml, CLAIMS.yaml, ARTICLE_HISTORY.csv and FEATURES.yaml: the article (paper/), the only files of it
the judge reads. The runs' histories are read through the summary's paths. SETTINGS_JSON holds the
config's `semantics` and `verdict` (level and margins). The verdicts, one per line, go to standard output.
"""

import json
import sys

from rnn_replication.judge.descriptive import STATISTICS
from rnn_replication.judge.outputs import write_dynamics, write_replication

if __name__ == "__main__":
    if len(sys.argv) != 11 + len(STATISTICS):
        sys.exit(__doc__)
    summary_path, timing_path, article_path, claims_path, history_path, features_path = sys.argv[1:7]
    settings, out, curves_out, bands_out, *statistics = sys.argv[7:]
    config = json.loads(settings)
    statistics_out = dict(zip(STATISTICS, statistics, strict=True))
    table = write_replication(
        summary_path, timing_path, article_path, claims_path, config, out, statistics_out
    )
    curves = write_dynamics(summary_path, history_path, features_path, config, curves_out, bands_out)
    print(table[["kind", "id", "verdict"]].to_string(index=False))
    print(curves[["kind", "cell", "id", "verdict"]].to_string(index=False))
