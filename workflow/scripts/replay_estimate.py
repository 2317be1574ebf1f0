"""How good the training estimate was on a finished workflow run: the estimate replayed from the run's
Snakemake log, after the timing pass and after each finished training run, beside the time that was in
fact left (to the last training run's end). Prints a Markdown table.

Usage, from the workflow directory the run used:
    python workflow/scripts/replay_estimate.py .snakemake/log/DATE.snakemake.log [--cpus N]

The replay uses the estimate's own functions (rnn_replication.pipeline.progress) on what the run left:
the timing pass's table (seconds per epoch; --timing, or the one results/timing/*/timing.csv),
results/summary.csv (each run's epochs and variant), benchmarks/train/ (each run's wall seconds) and the
log (when each job started and finished, and --cores). A run still training at a moment counts the share
of its wall seconds not yet elapsed, which approximates the epochs its resume state would have shown the
live estimate. Replay a run that trained each configuration in one job (not
resumed). Where other processes took part of the timing pass's CPUs, the table gives the estimate with
that load assumed to go on (as the live estimate now counts it, progress.load_factor) beside the one that
ignores it.
"""

import argparse
import csv
import glob
import os
import re
from datetime import datetime

from rnn_replication.core.runs import RunPaths
from rnn_replication.core.spec import RunSpec
from rnn_replication.pipeline import progress

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
OUTPUT = re.compile(r"^\s+output: results/runs/([^/]+/[^/]+)/")
JOBID = re.compile(r"^\s+jobid: (\d+)$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)")
CORES = re.compile(r"^Provided cores: (\d+)$")
THREADS = re.compile(r"^\s+threads: (\d+)$")
TRAIN_RULE = re.compile(r"^(local)?rule train:$")
OTHER_RULE = re.compile(r"^(local)?(rule|checkpoint) \w+:$")


def read_log(path: str) -> dict:
    """From a Snakemake log: --cores, the timing pass's end, and each training job's start, end and
    threads, by run (``<variant>/<name>``)."""
    cores, timing_end, now, rule, run = None, None, None, None, None
    jobs, started, finished, threads = {}, {}, {}, {}
    with open(path) as handle:
        for line in handle:
            line = line.rstrip("\n")
            if match := STAMP.match(line):
                now = datetime.strptime(match.group(1), "%a %b %d %H:%M:%S %Y")
            elif match := CORES.match(line):
                cores = int(match.group(1))
            elif TRAIN_RULE.match(line):
                rule, run = "train", None
            elif OTHER_RULE.match(line) or line.startswith("Error in rule"):
                rule, run = None, None
            elif (match := OUTPUT.match(line)) and rule == "train":
                run = match.group(1)
                started[run] = now
            elif (match := JOBID.match(line)) and run:
                jobs[match.group(1)] = run
            elif (match := THREADS.match(line)) and run:
                threads[run] = int(match.group(1))
            elif match := FINISHED.match(line):
                if match.group(2) == "timing":
                    timing_end = now
                elif match.group(2) == "train" and match.group(1) in jobs:
                    finished[jobs[match.group(1)]] = now
    return {
        "cores": cores,
        "timing_end": timing_end,
        "started": started,
        "finished": finished,
        "threads": max(threads.values(), default=1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="the run's .snakemake/log/*.snakemake.log")
    parser.add_argument("--cpus", type=int, default=os.cpu_count(), help="the CPUs of the machine it ran on")
    parser.add_argument(
        "--timing", help="the run's timing table (default: the one results/timing/*/timing.csv)"
    )
    args = parser.parse_args()
    tables = [args.timing] if args.timing else glob.glob("results/timing/*/timing.csv")
    if len(tables) != 1:
        raise SystemExit(f"{len(tables)} timing tables under results/timing/: name the run's with --timing")
    log = read_log(args.log)
    if not log["finished"] or log["cores"] is None:
        raise SystemExit(
            f"{args.log}: no finished training job or no 'Provided cores' line: nothing to replay"
        )
    per_epoch = progress.seconds_per_epoch(tables[0])
    load, pass_cpus = progress.timing_load(tables[0])
    with open("results/summary.csv", newline="") as handle:
        rows = {f"{row['variant']}/{row['run']}": row for row in csv.DictReader(handle)}
    rows = {name: row for name, row in rows.items() if name in log["started"]}
    specs = {
        name: RunSpec(row["cell"], row["form"], row["semantics"], int(row["seed"]), epochs=int(row["epochs"]))
        for name, row in rows.items()
    }
    predicted = {name: progress.predicted_seconds(spec, per_epoch) for name, spec in specs.items()}
    wall = {
        name: progress.benchmark_seconds(RunPaths.of(spec.name, name.split("/")[0]))
        for name, spec in specs.items()
    }
    missing = sorted({*log["started"]} - {name for name, seconds in wall.items() if seconds})
    if missing:
        raise SystemExit(
            f"no row in results/summary.csv or no benchmark file for {', '.join(missing)}: replay the log in "
            "the workflow directory of that run, after it has finished"
        )
    running = progress.jobs_running(log["cores"], log["threads"], None)
    at_once = progress.jobs_at_once(log["cores"], log["threads"], args.cpus, None)
    end = max(log["finished"].values())
    start = log["timing_end"] or min(log["started"].values())
    label = "after the timing pass" if log["timing_end"] else "at the first training job"
    moments = [(label, start)]
    moments += [
        (f"{index} of {len(specs)} trained ({name})", moment)
        for index, (name, moment) in enumerate(sorted(log["finished"].items(), key=lambda item: item[1]), 1)
    ]
    cores = log["cores"]
    factor = progress.load_factor(load, pass_cpus, at_once, log["threads"])
    print(
        f"--cores {cores} on {args.cpus} CPUs: {running} jobs run, {at_once} make progress at once; other "
        f"processes took {100 * load:.0f} % of the timing pass's CPUs (each run counted {factor:.2f} times"
        " as long)\n"
    )
    print(
        "| moment | time | time left, real (s) | estimate, load ignored (s) | ignored / real | estimate (s) |"
        " estimate / real |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, moment in moments:
        finished = [name for name, end_time in log["finished"].items() if end_time <= moment]
        real = (end - moment).total_seconds()
        cells = [f"{label}", f"{moment:%H:%M:%S}", f"{real:,.0f}"]
        for stretch in (1.0, factor):
            done = [(stretch * predicted[name], wall[name]) for name in finished]
            left = []
            for name in specs:
                if name in finished:
                    continue
                elapsed = max(0.0, (moment - log["started"][name]).total_seconds())
                left.append(stretch * predicted[name] * max(0.0, 1 - elapsed / wall[name]))
            estimate, _ = progress.seconds_left(left, done, at_once, running)
            cells += [f"{estimate:,.0f}", f"{estimate / real:.2f}" if real else "–"]
        print(f"| {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
