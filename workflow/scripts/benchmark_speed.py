"""Seconds per epoch: the plain Keras script beside the workflow's own training notebook, same backend,
same machine, one after the other; optionally the whole default DAG end to end.

Usage (from the repository root, after resources/mnist.npz exists):
    python workflow/scripts/benchmark_speed.py [--backend tensorflow] [--epochs 4]
        [--cells simplernn lstm gru] [--dag] [--dag-cores 4]

Prints a Markdown table and writes it, with the raw numbers, under benchmarks/speed/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "workflow"))
from rnn_replication import CELLS, records  # noqa: E402

WORKFLOW_FILES = ["Snakefile", "config", "workflow", "notebooks", "paper", "profiles", "environment.yml"]


def run_timed(command: list[str], env: dict, log: Path, cwd: Path = REPO) -> float:
    """Wall seconds of ``command``, its output in ``log``; stops the benchmark if it fails."""
    started = time.perf_counter()
    with log.open("w") as handle:
        result = subprocess.run(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"benchmark: {' '.join(command[:3])} ... failed (exit {result.returncode}); see {log}")
    return wall


def plain_script(cell: str, args, work: Path, env: dict) -> dict:
    out = work / f"plain-{cell}.json"
    command = [
        sys.executable,
        "workflow/scripts/plain_keras_script.py",
        args.data,
        cell,
        str(args.epochs),
        str(out),
    ]
    wall = run_timed(command, env, work / f"plain-{cell}.log")
    result = json.loads(out.read_text())
    return {"epoch_seconds": result["epoch_seconds"], "wall": wall, "test_accuracy": result["test_accuracy"]}


def workflow_notebook(cell: str, args, work: Path, env: dict) -> dict:
    run_dir = work / f"workflow-{cell}"
    command = [
        str(Path(sys.executable).parent / "papermill"),
        "notebooks/train.ipynb",
        str(run_dir / "train.ipynb"),
        "--no-progress-bar",
        *("-p", "cell", cell, "-p", "form", "single", "-p", "epochs", str(args.epochs)),
        *(
            "-p",
            "backend",
            args.backend,
            "-p",
            "semantics",
            args.semantics,
            "-p",
            "threads",
            str(args.threads),
        ),
        *("-p", "data_path", args.data),
        *(
            "-p",
            "metrics_path",
            str(run_dir / "metrics.json"),
            "-p",
            "history_path",
            str(run_dir / "history.csv"),
        ),
    ]
    run_dir.mkdir(parents=True, exist_ok=True)
    wall = run_timed(command, env, work / f"workflow-{cell}.log")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    history = [float(line.split(",")[-1]) for line in (run_dir / "history.csv").read_text().splitlines()[1:]]
    return {
        "epoch_seconds": history,
        "wall": wall,
        "test_accuracy": metrics["test_accuracy"],
        "device": metrics["device"],
    }


def time_dag(args, env: dict) -> dict:
    """The whole default DAG (data present -> report.html) in a fresh copy of the workflow."""
    with tempfile.TemporaryDirectory(prefix="rnn-dag-") as directory:
        workdir = Path(directory)
        for name in WORKFLOW_FILES:
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, workdir / name)
        (workdir / "resources").mkdir()
        shutil.copy(args.data, workdir / "resources" / "mnist.npz")
        command = [str(Path(sys.executable).parent / "snakemake"), "--cores", str(args.dag_cores)]
        command += ["--config", f"backend={args.backend}"]
        if args.dag_configfile:
            command[3:3] = ["--configfile", args.dag_configfile]
        wall = run_timed(command, env, REPO / "benchmarks" / "speed" / f"dag-{args.backend}.log", cwd=workdir)
        runs = len(list((workdir / "results" / "runs").glob("*/metrics.json")))
        kept = REPO / "benchmarks" / "speed" / f"dag-{args.backend}"  # the run's summary and report
        kept.mkdir(parents=True, exist_ok=True)
        for name in ("summary.csv", "report.html"):
            shutil.copy(workdir / "results" / name, kept / name)
        return {"wall": wall, "runs": runs, "command": " ".join(command[1:])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="tensorflow", choices=["tensorflow", "jax", "torch"])
    parser.add_argument(
        "--epochs", type=int, default=4, help="epochs per run (steady state = median of 2..N)"
    )
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side per cell (median reported)")
    parser.add_argument("--semantics", default="article", choices=["article", "modern"])
    parser.add_argument("--threads", type=int, default=None, help="the workflow's threads (default: config)")
    parser.add_argument("--data", default="resources/mnist.npz")
    parser.add_argument("--dag", action="store_true", help="also time the whole default DAG end to end")
    parser.add_argument("--dag-only", action="store_true", help="time only the whole DAG")
    parser.add_argument("--dag-cores", type=int, default=4)
    parser.add_argument(
        "--dag-configfile", default="", help="a config for the DAG run (default: config/config.yaml)"
    )
    args = parser.parse_args()
    if args.threads is None:
        args.threads = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["threads_per_run"]
    if not (REPO / args.data).exists():
        sys.exit(f"benchmark: {args.data} not found; run `snakemake --cores 1 resources/mnist.npz` first")

    out_dir = REPO / "benchmarks" / "speed"
    out_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"KERAS_BACKEND": args.backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnn-bench-") as directory:
        work = Path(directory)
        for cell in [] if args.dag_only else args.cells:
            plain_runs, our_runs = [], []
            for repeat in range(args.repeats):
                # Alternate which goes first, so a slow spell of the machine does not favour one side.
                order = [("plain", plain_script), ("workflow", workflow_notebook)]
                for name, measure in order if repeat % 2 == 0 else order[::-1]:
                    result = measure(cell, args, work, env)
                    (plain_runs if name == "plain" else our_runs).append(result)
            ours = our_runs[-1]
            row = {"cell": CELLS[cell], "repeats": args.repeats}
            for side, runs in (("plain", plain_runs), ("workflow", our_runs)):
                steady = [records.steady_seconds_per_epoch(run["epoch_seconds"]) for run in runs]
                row[f"{side}_s_per_epoch"] = statistics.median(steady)
                row[f"{side}_s_per_epoch_range"] = (min(steady), max(steady))
                row[f"{side}_first_epoch"] = statistics.median(run["epoch_seconds"][0] for run in runs)
                row[f"{side}_process_wall"] = statistics.median(run["wall"] for run in runs)
            rows.append(row)
            print(
                f"{cell}: plain {row['plain_s_per_epoch']:.2f} s/epoch, "
                f"workflow {row['workflow_s_per_epoch']:.2f} s/epoch",
                flush=True,
            )

    if args.dag_only:
        dag = time_dag(args, env)
        print(
            f"Whole DAG (`snakemake {dag['command']}`, data present -> report.html, {dag['runs']} runs): "
            f"{dag['wall']:.0f} s ({dag['wall'] / 60:.1f} min) wall."
        )
        return
    device = ours["device"]  # as the workflow's training run recorded it
    lines = [
        f"Backend {args.backend}, {args.semantics} semantics, single layer, {args.epochs} epochs; "
        f"median of {args.repeats} runs per side (range in brackets), alternating which runs first; "
        f"workflow threads_per_run {args.threads}, plain script with the backend's default threads; "
        f"{device}; Python {platform.python_version()}.",
        "",
        "| cell | s/epoch, plain script | s/epoch, workflow | ratio workflow/plain | first epoch, plain (s) "
        "| first epoch, workflow (s) | process wall, plain (s) | process wall, workflow (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        plain, ours = row["plain_s_per_epoch"], row["workflow_s_per_epoch"]
        plain_low, plain_high = row["plain_s_per_epoch_range"]
        our_low, our_high = row["workflow_s_per_epoch_range"]
        lines.append(
            f"| {row['cell']} | {plain:.2f} [{plain_low:.2f}-{plain_high:.2f}] "
            f"| {ours:.2f} [{our_low:.2f}-{our_high:.2f}] | {ours / plain:.2f}x "
            f"| {row['plain_first_epoch']:.1f} | {row['workflow_first_epoch']:.1f} "
            f"| {row['plain_process_wall']:.1f} | {row['workflow_process_wall']:.1f} |"
        )
    result = {"backend": args.backend, "device": device, "epochs": args.epochs, "rows": rows}
    if args.dag:
        dag = time_dag(args, env)
        result["dag"] = dag
        lines += [
            "",
            f"Whole DAG (`snakemake {dag['command']}`, data present -> report.html, {dag['runs']} runs): "
            f"{dag['wall']:.0f} s ({dag['wall'] / 60:.1f} min) wall.",
        ]
    table = "\n".join(lines)
    print("\n" + table)
    (out_dir / f"speed-{args.backend}.md").write_text(table + "\n")
    (out_dir / f"speed-{args.backend}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
