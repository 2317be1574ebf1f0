"""The timing pass: seconds per epoch of each single-layer cell, interleaved, on an otherwise idle machine.

Usage (from the repository root; KERAS_BACKEND picks the backend):
    python workflow/scripts/time_cells.py OUT.csv [--data resources/mnist.npz] [--repeats 6]
        [--cells simplernn lstm gru] [--settings '{"semantics": "article", "units": 128, ...}']
        [--cpu-isa AVX2] [--max-busy 0.1] [--identity JSON --identity-out identity.json]
--settings takes the runs' semantics and hyperparameters (rnn_replication.core.spec.RunSpec's fields, as
JSON); the rest keep their defaults. This script only launches the pass (timing/measure.py measures) and
prints its lines: editing it times nothing again.
"""

import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from rnn_replication.core import records, runs, spec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--data", default="resources/mnist.npz")
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--cells", nargs="+", default=list(spec.CELLS), choices=list(spec.CELLS))
    parser.add_argument("--settings", type=json.loads, default={}, help="RunSpec fields, as JSON")
    parser.add_argument(
        "--cpu-isa",
        default=spec.DEFAULT_CPU_ISA,
        help="oneDNN's instruction-set cap, as the runs train ('' none)",
    )
    parser.add_argument(
        "--max-busy",
        type=float,
        default=1.0,
        help="time a repeat again (up to 3 tries) while other processes took more than this share of the"
        " pass's CPUs in one of its epochs (the config's verdict.max_other_cpu_share; 1: never)",
    )
    parser.add_argument("--identity", type=json.loads, help="what decides the pass's seconds, as JSON")
    parser.add_argument("--identity-out", help="where to write --identity, beside the table")
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error(f"--repeats must be at least 2 (a paired test needs two repeats), got {args.repeats}")
    try:
        specs = [spec.RunSpec(cell, spec.ARTICLE_FORM, **args.settings) for cell in args.cells]
    except (TypeError, ValueError) as error:
        parser.error(f"--settings: {error}")

    from rnn_replication.observe import devices
    from rnn_replication.train import arithmetic

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    root = runs.repository_root()
    devices.configure_process(root)
    # As the training runs: the same cap, so that the pass times the kernels they use.
    arithmetic.choose(backend, spec.cpu_isa_cap(specs[0].semantics, args.cpu_isa))

    from rnn_replication.observe import job, probe, record
    from rnn_replication.timing import measure

    # What this process would time, against what the workflow planned: code edited after Snakemake
    # started, or another environment's packages, would time something else under the planned name.
    observed = job.observed_timing_identity(
        specs[0].settings(), args.cells, args.repeats, args.max_busy, root
    )
    if args.identity:
        try:
            job.check_identity(observed, args.identity, doing="time")
        except job.IdentityError as error:
            raise SystemExit(f"timing: {error}") from None

    def warm_up_line(cell: str, seconds: float) -> None:
        print(f"timing: {cell} warm-up epoch (not counted) {seconds:.2f} s", flush=True)

    def repeat_line(repeat: int, rows: list[dict]) -> None:
        timed = ", ".join(f"{row['cell']} {row['seconds']:.2f} s" for row in rows)
        busiest = max(row["others_cpu_share"] for row in rows)
        tries = rows[0]["attempts"]
        again = f" (timed {tries} times: other processes were busy)" if tries > 1 else ""
        print(
            f"timing: repeat {repeat}/{args.repeats}{again}: {timed}; other processes took up to "
            f"{100 * busiest:.1f} % of the pass's {rows[0]['cpus']:g} CPUs",
            flush=True,
        )

    rows = measure.time_cells(specs, args.data, args.repeats, args.max_busy, warm_up_line, repeat_line)
    device = record.describe_device(backend)
    # Each cell's arithmetic fingerprint in this process (observe.probe), after the timed epochs.
    arithmetic = {cell_spec.cell: probe.arithmetic_fingerprint(cell_spec) for cell_spec in specs}
    rows = [
        row | {"backend": backend, "device": device, "arithmetic": arithmetic[row["cell"]]} for row in rows
    ]
    records.write_csv(args.out, rows, [*measure.TIMING_COLUMNS, "arithmetic"])
    if args.identity_out:
        records.write_json(args.identity_out, observed)
    print(f"timing: {len(rows)} timed epochs -> {args.out}")


if __name__ == "__main__":
    main()
