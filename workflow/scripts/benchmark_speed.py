"""Seconds per epoch: the plain Keras script beside the workflow's own training notebook, same backend,
same machine, one after the other; optionally the whole default DAG end to end.

Usage (from the repository root, after resources/mnist.npz exists):
    python workflow/scripts/benchmark_speed.py [--backend tensorflow] [--epochs 4]
        [--cells simplernn lstm gru] [--repeats 3] [--threads 0]
        [--dag | --dag-only] [--dag-cores 4] [--dag-configfile F] [--dag-config KEY=VALUE ...] [--dag-label L]

Prints a Markdown table and writes it, with the raw numbers, under benchmarks/speed/ (--out).
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

from rnn_replication.core import records
from rnn_replication.core.history import read_history
from rnn_replication.core.spec import (
    ARTICLE_FORM,
    BACKENDS,
    CELLS,
    DEFAULT_CPU_ISA,
    SEMANTICS,
    RunSpec,
    cpu_isa_cap,
)
from rnn_replication.pipeline import selection

REPO = Path(__file__).resolve().parents[2]


def command_path(name: str) -> str:
    """A console script of this Python's environment, else the one on PATH (pip --target installs)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name) or name


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
    spec = RunSpec(cell, ARTICLE_FORM, args.semantics, epochs=args.epochs)
    run_dir = work / f"workflow-{cell}"
    parameters = spec.settings() | {
        "backend": args.backend,
        "cpu_isa": cpu_isa_cap(args.semantics, args.cpu_isa),
        "threads": args.threads,
        "data_path": args.data,
        "resume_dir": str(run_dir / "resume"),
        "metrics_path": str(run_dir / "metrics.json"),
        "history_path": str(run_dir / "history.csv"),
        "model_path": str(run_dir / "model.keras"),
        "confusion_path": str(run_dir / "confusion.csv"),
    }
    command = [
        sys.executable,
        "workflow/scripts/run_notebook.py",  # papermill, as the train rule runs it
        "notebooks/train.ipynb",
        str(run_dir / "train.ipynb"),
        "--no-progress-bar",
        *("-y", json.dumps(parameters)),
    ]
    run_dir.mkdir(parents=True, exist_ok=True)
    wall = run_timed(command, env, work / f"workflow-{cell}.log")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    history = [row["seconds"] for row in read_history(run_dir / "history.csv")]
    return {
        "epoch_seconds": history,
        # As in the DAG, the run writes a resume checkpoint after every epoch; the history's epoch
        # times stop before it, so its cost is added back per epoch here.
        "checkpoint_per_epoch": metrics["checkpoint_seconds"] / len(history),
        "wall": wall,
        "test_accuracy": metrics["test_accuracy"],
        "device": metrics["device"],
    }


class GpuSampler:
    """GPU utilisation and memory, sampled each second by nvidia-smi while the DAG runs (if present).

    Answers "what limited it": a GPU that is mostly idle means the time went to kernels starting,
    XLA compiling and Python, not to the GPU.
    """

    def __init__(self, path: Path):
        self.path, self.process = path, None
        if shutil.which("nvidia-smi"):
            query = "--query-gpu=index,utilization.gpu,memory.used"
            self.process = subprocess.Popen(
                ["nvidia-smi", query, "--format=csv,noheader,nounits", "-l", "1"],
                stdout=path.open("w"),
                stderr=subprocess.DEVNULL,
            )

    def stop(self) -> dict:
        if self.process is None:
            return {}
        self.process.terminate()
        self.process.wait()
        samples = [line.split(",") for line in self.path.read_text().splitlines() if line.count(",") == 2]
        if not samples:
            return {}
        utilisation = [float(sample[1]) for sample in samples]
        return {
            "gpu_samples": len(samples),
            "gpu_utilisation_mean": round(statistics.mean(utilisation), 1),
            "gpu_busy_fraction": round(sum(u > 0 for u in utilisation) / len(utilisation), 2),
            "gpu_memory_max_mib": max(float(sample[2]) for sample in samples),
        }


def time_dag(args, env: dict) -> dict:
    """The whole DAG (data present -> report.html) in a fresh copy of the workflow (cold caches)."""
    label = f"dag-{args.backend}" + (f"-{args.dag_label}" if args.dag_label else "")
    out_dir = REPO / args.out
    with tempfile.TemporaryDirectory(prefix="rnn-dag-") as directory:
        workdir = Path(directory)
        for name in selection.WORKFLOW_FILES:
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, workdir / name)
        (workdir / "resources").mkdir()
        shutil.copy(REPO / args.data, workdir / "resources" / "mnist.npz")
        command = [command_path("snakemake"), "--cores", str(args.dag_cores)]
        if args.dag_configfile:
            command += ["--configfile", args.dag_configfile]
        command += ["--config", f"backend={args.backend}", *args.dag_config]
        sampler = GpuSampler(out_dir / f"{label}-gpu.csv")
        try:
            wall = run_timed(command, env, out_dir / f"{label}.log", cwd=workdir)
        finally:
            gpu = sampler.stop()
        finished = len(list((workdir / "results" / "runs").glob("*/metrics.json")))
        kept = out_dir / label  # the run's summary and report
        kept.mkdir(parents=True, exist_ok=True)
        for name in ("summary.csv", "report.html"):
            shutil.copy(workdir / "results" / name, kept / name)
    shown = " ".join(part if "[" not in part else f"'{part}'" for part in command[1:])
    line = (
        f"Whole DAG (`snakemake {shown}`, data present -> report.html, {finished} runs): "
        f"{wall:.0f} s ({wall / 60:.1f} min) wall"
    )
    if gpu:
        line += (
            f"; GPU busy in {gpu['gpu_busy_fraction']:.0%} of 1-s samples, mean utilisation "
            f"{gpu['gpu_utilisation_mean']:.0f} %, at most {gpu['gpu_memory_max_mib']:.0f} MiB used"
        )
    result = {"wall": wall, "runs": finished, "command": shown, "line": line + ".", **gpu}
    (out_dir / f"{label}.json").write_text(json.dumps(result, indent=1))
    return result


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="tensorflow", choices=BACKENDS)
    parser.add_argument(
        "--epochs", type=int, default=4, help="epochs per run (steady state = median of 2..N)"
    )
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side per cell (median reported)")
    parser.add_argument("--semantics", default="article", choices=SEMANTICS)
    parser.add_argument(
        "--cpu-isa",
        default=DEFAULT_CPU_ISA,
        help="the workflow side's oneDNN instruction-set cap, as the config's cpu_isa ('' for none)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="the workflow's CPU threads; 0 (default) = the backend's default, as the plain script has",
    )
    parser.add_argument("--data", default="resources/mnist.npz")
    parser.add_argument("--out", default="benchmarks/speed", help="where the table and raw numbers go")
    parser.add_argument("--dag", action="store_true", help="also time the whole default DAG end to end")
    parser.add_argument("--dag-only", action="store_true", help="time only the whole DAG")
    parser.add_argument("--dag-cores", type=int, default=4)
    parser.add_argument("--dag-configfile", default="", help="an overlay config for the DAG run")
    parser.add_argument(
        "--dag-config",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="config overrides for the DAG run, e.g. 'seeds=[0,1,2]'",
    )
    parser.add_argument("--dag-label", default="", help="names the DAG's files: OUT/dag-BACKEND-LABEL*")
    return parser.parse_args()


def measure_cell(cell: str, args, work: Path, env: dict) -> tuple[dict, str]:
    """Both sides ``args.repeats`` times, alternating which goes first (so a slow spell of the machine
    does not favour one side): the table row and the device the workflow recorded."""
    plain_runs, our_runs = [], []
    order = [("plain", plain_script), ("workflow", workflow_notebook)]
    for repeat in range(args.repeats):
        for name, measure in order if repeat % 2 == 0 else order[::-1]:
            (plain_runs if name == "plain" else our_runs).append(measure(cell, args, work, env))
    row = {"cell": CELLS[cell], "repeats": args.repeats}
    for side, measured in (("plain", plain_runs), ("workflow", our_runs)):
        steady = [
            records.steady_seconds_per_epoch(run["epoch_seconds"]) + run.get("checkpoint_per_epoch", 0)
            for run in measured
        ]
        row[f"{side}_s_per_epoch"] = statistics.median(steady)
        row[f"{side}_s_per_epoch_range"] = (min(steady), max(steady))
        row[f"{side}_first_epoch"] = statistics.median(run["epoch_seconds"][0] for run in measured)
        row[f"{side}_process_wall"] = statistics.median(run["wall"] for run in measured)
    plain, ours = row["plain_s_per_epoch"], row["workflow_s_per_epoch"]
    print(f"{cell}: plain {plain:.2f} s/epoch, workflow {ours:.2f} s/epoch", flush=True)
    return row, our_runs[-1]["device"]


def table_lines(rows: list[dict], args, device: str) -> list[str]:
    lines = [
        f"Backend {args.backend}, {args.semantics} semantics, single layer, {args.epochs} epochs; "
        f"the workflow's oneDNN cap {cpu_isa_cap(args.semantics, args.cpu_isa) or 'none'}; "
        f"median of {args.repeats} runs per side (range in brackets), alternating which runs first; "
        f"workflow threads {args.threads or 'the backend default'}, plain script the backend default; "
        "the workflow's s/epoch includes its per-epoch resume checkpoint; "
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
    return lines


def main() -> None:
    args = parse_arguments()
    if not (REPO / args.data).exists():
        sys.exit(f"benchmark: {args.data} not found; run `snakemake --cores 1 resources/mnist.npz` first")
    out_dir = REPO / args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"KERAS_BACKEND": args.backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if args.dag_only:
        print(time_dag(args, env)["line"])
        return
    with tempfile.TemporaryDirectory(prefix="rnn-bench-") as directory:
        measured = [measure_cell(cell, args, Path(directory), env) for cell in args.cells]
    rows, device = [row for row, _ in measured], measured[-1][1]
    lines = table_lines(rows, args, device)
    result = {"backend": args.backend, "device": device, "epochs": args.epochs, "rows": rows}
    if args.dag:
        result["dag"] = time_dag(args, env)
        lines += ["", result["dag"]["line"]]
    table = "\n".join(lines)
    print("\n" + table)
    (out_dir / f"speed-{args.backend}.md").write_text(table + "\n")
    (out_dir / f"speed-{args.backend}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
