"""The digits of one tiny run per cell under each setting that decides the CPU's arithmetic: oneDNN's graph
operations on or off (TF_ENABLE_ONEDNN_OPTS) times oneDNN's instruction-set cap (ONEDNN_MAX_CPU_ISA), each
in a fresh process. For each: the final test accuracy and loss, the arithmetic fingerprint of the run's
model (observe.probe) and a digest of every trained weight, so that the settings that train the same model
show, and whether the fingerprint tells them apart (docs/reproducibility.md).

Usage (from the repository root, after resources/mnist.npz exists):
    python workflow/scripts/arithmetic_table.py [--cells simplernn lstm gru] [--caps none AVX512_CORE AVX2
        AVX SSE41] [--onednn-opts 1 0] [--out benchmarks/arithmetic]
The run: seed 0, article semantics, 2 epochs on 4,096 training and 1,024 test images, one thread (the
tiny run of tests/test_training.py). Caps above this CPU's level are left out. Prints a Markdown table and
writes it, with the raw rows, under --out. About 20 s per run on a 2-core VM.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from rnn_replication.core import records
from rnn_replication.core.spec import CELLS

REPO = Path(__file__).resolve().parents[2]
CAPS = ["none", "AVX512_CORE", "AVX2", "AVX", "SSE41"]

ONE_RUN = """
import hashlib, json, sys
cell, cap, data, out = sys.argv[1:5]
from rnn_replication.train import arithmetic
arithmetic.choose("tensorflow", cap)  # before Keras
import keras, numpy as np
from rnn_replication.core.runs import RunOutputs
from rnn_replication.core.spec import RunSpec
from rnn_replication.observe import job
from rnn_replication.train import models  # noqa: F401 - registers the article's loss for loading
spec = RunSpec(cell, seed=0, epochs=2, train_subset=4096, test_subset=1024)
outputs = RunOutputs.in_dir(out)
metrics = job.train_run(spec, data_path=data, outputs=outputs, backend="tensorflow", cpu_isa=cap, threads=1,
                        print_fn=lambda *_, **__: None)
weights = keras.saving.load_model(outputs.model).get_weights()
digest = hashlib.sha256(b"".join(np.ascontiguousarray(w, np.float32).tobytes() for w in weights))
print(json.dumps({"test_accuracy": metrics["test_accuracy"], "test_loss": metrics["test_loss"],
                  "arithmetic": metrics["arithmetic"], "weights": digest.hexdigest()[:12]}))
"""


def one_run(cell: str, cap: str, onednn_opts: str, data: str, scratch: Path) -> dict:
    """The tiny run of ``cell`` in a fresh process under the cap and TF_ENABLE_ONEDNN_OPTS given."""
    environment = os.environ | {"TF_ENABLE_ONEDNN_OPTS": onednn_opts, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = scratch / f"{cell}-{cap or 'none'}-{onednn_opts}"
    finished = subprocess.run(
        [sys.executable, "-c", ONE_RUN, cell, cap, data, str(out)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        check=False,
    )
    if finished.returncode:
        raise SystemExit(
            f"{cell}, cap {cap or 'none'}, TF_ENABLE_ONEDNN_OPTS={onednn_opts}:\n{finished.stderr}"
        )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def reachable_caps(caps: list[str]) -> list[str]:
    """``caps`` without those above this CPU's level (oneDNN would treat them as none)."""
    order = list(records.CPU_ISA_LEVELS)
    level = records.cpu_isa_level()
    if not level:
        return caps
    return [
        cap for cap in caps if cap == "none" or cap not in order or order.index(cap) <= order.index(level)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--caps", nargs="+", default=CAPS, help="oneDNN caps; none: no cap")
    parser.add_argument("--onednn-opts", nargs="+", default=["1", "0"], choices=["1", "0"])
    parser.add_argument("--data", default="resources/mnist.npz")
    parser.add_argument("--out", default="benchmarks/arithmetic")
    args = parser.parse_args()
    data = str(Path(args.data).resolve())
    if not Path(data).exists():
        parser.error(f"--data {args.data}: no such file (snakemake --cores 1 resources/mnist.npz fetches it)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnn-arithmetic-") as scratch:
        for onednn_opts in args.onednn_opts:
            for cap in reachable_caps(args.caps):
                for cell in args.cells:
                    found = one_run(cell, "" if cap == "none" else cap, onednn_opts, data, Path(scratch))
                    row = {"onednn_opts": onednn_opts, "cap": cap, "cell": cell} | found
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    machine = f"{records.cpu_name()}, level {records.cpu_isa_level() or 'unknown'}, {os.cpu_count()} CPUs"
    lines = [
        f"Tiny runs (seed 0, 2 epochs, 4,096/1,024 images, one thread) on {machine}, Python "
        f"{platform.python_version()}: test accuracy, test loss, `arithmetic fingerprint`, weights digest.",
        "",
        "| oneDNN graph ops | cap | " + " | ".join(args.cells) + " |",
        "|---|---|" + "---|" * len(args.cells),
    ]
    for onednn_opts in args.onednn_opts:
        for cap in reachable_caps(args.caps):
            found = {
                row["cell"]: row for row in rows if (row["onednn_opts"], row["cap"]) == (onednn_opts, cap)
            }
            cells = [
                "{test_accuracy}, {test_loss} `{arithmetic}` {weights}".format(**found[cell])
                for cell in args.cells
            ]
            lines.append(f"| {'on' if onednn_opts == '1' else 'off'} | {cap} | " + " | ".join(cells) + " |")
    # The check the fingerprint exists for: same fingerprint exactly where the same weights.
    pairs = [(a, b) for a in rows for b in rows if a["cell"] == b["cell"] and a is not b]
    agree = all((a["arithmetic"] == b["arithmetic"]) == (a["weights"] == b["weights"]) for a, b in pairs)
    lines += ["", f"Same fingerprint exactly where the same trained weights: {'yes' if agree else 'NO'}."]
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "arithmetic.md").write_text(table + "\n")
    (out / "arithmetic.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
