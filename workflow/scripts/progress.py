"""The training estimate on the terminal: after the timing pass, the whole grid's time on this machine;
after a finished run (--finished RUN), the runs done and the time left. It prints to stderr and always
exits 0: an estimate that cannot be made costs no job.

Usage (the train and timing rules call it): python workflow/scripts/progress.py SETTINGS_JSON [--finished RUN]
SETTINGS_JSON: {"plan": the config's runs and their identities (core.identity.plan),
                "jobs": training jobs that make progress at once, "running": training jobs Snakemake runs
                at once, "timing": the timing pass's CSV}
RUN: the finished run as <variant>/<name>.
"""

import argparse
import json
import os
import sys
import time

import psutil

from rnn_replication.pipeline import progress


def job_seconds() -> float:
    """Wall seconds of the job that runs this script: its shell, the parent process, started with it
    (Snakemake writes the job's benchmark file only once the shell has ended)."""
    return time.time() - psutil.Process(os.getppid()).create_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", type=json.loads)
    parser.add_argument("--finished", help="the run that has just finished")
    args = parser.parse_args()
    settings = args.settings
    try:
        elapsed = {args.finished: job_seconds()} if args.finished else {}
        found, per_epoch = progress.estimate_after_timing(settings, elapsed)
    except (OSError, KeyError, ValueError, TypeError, psutil.Error) as error:
        print(f"progress: no estimate ({error})", file=sys.stderr)
        return
    if args.finished:
        print(progress.progress_line(found, args.finished), file=sys.stderr)
    else:
        print(progress.whole_grid_line(found, per_epoch), file=sys.stderr)


if __name__ == "__main__":
    main()
