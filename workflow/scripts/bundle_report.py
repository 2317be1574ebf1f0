"""Copy the report and the run records it links to into one folder, at the same paths relative to the
report as under the results folder, so the links work wherever the folder goes (report.zip).

Usage: python workflow/scripts/bundle_report.py REPORT.html RESULTS_DIR OUT_DIR RECORD...
"""

import shutil
import sys
from pathlib import Path


def bundle_report(html, record_paths, results_dir, out) -> list[str]:
    """Copy the report and the run records it links to into ``out``, each at the same path relative to
    the report as under ``results_dir``, so the links work wherever the folder goes (report.zip).
    Returns the copies' paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    copied = [shutil.copy2(html, out / "report.html")]
    for path in record_paths:
        target = out / Path(path).relative_to(results_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        copied.append(shutil.copy2(path, target))
    return [str(path) for path in copied]


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    html, results_dir, out, *record_paths = sys.argv[1:]
    for path in bundle_report(html, record_paths, results_dir, out):
        print(path)
