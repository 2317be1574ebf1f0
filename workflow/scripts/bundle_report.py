"""Copy the report and the run records it links to into one folder, at the same paths relative to the
report as under the results folder, so the links work wherever the folder goes (report.zip).

Usage: python workflow/scripts/bundle_report.py REPORT.html RESULTS_DIR OUT_DIR RECORD...
"""

import sys

from rnn_replication.collect import bundle_report

if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    html, results_dir, out, *record_paths = sys.argv[1:]
    for path in bundle_report(html, record_paths, results_dir, out):
        print(path)
