"""The timing pass: seconds per epoch of each single-layer cell, interleaved, on an otherwise idle machine.

Usage (from the repository root; KERAS_BACKEND picks the backend):
    python workflow/scripts/time_cells.py OUT.csv [--data resources/mnist.npz] [--repeats 6]
        [--cells simplernn lstm gru] [--settings '{"semantics": "article", "units": 128, ...}']
        [--cpu-isa AVX2]
--settings takes the runs' semantics and hyperparameters (rnn_replication.core.runs.RunSpec's fields, as
JSON); the rest keep their defaults.
"""

import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from rnn_replication.core import records, runs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--data", default="resources/mnist.npz")
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--cells", nargs="+", default=list(runs.CELLS), choices=list(runs.CELLS))
    parser.add_argument("--settings", type=json.loads, default={}, help="RunSpec fields, as JSON")
    parser.add_argument(
        "--cpu-isa",
        default=runs.DEFAULT_CPU_ISA,
        help="oneDNN's instruction-set cap, as the runs train ('' none)",
    )
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error(f"--repeats must be at least 2 (a paired test needs two repeats), got {args.repeats}")
    try:
        specs = [runs.RunSpec(cell, runs.ARTICLE_FORM, **args.settings) for cell in args.cells]
    except (TypeError, ValueError) as error:
        parser.error(f"--settings: {error}")

    from rnn_replication.train import devices

    # As the training runs: the same cap, so that the pass times the kernels they use.
    devices.configure_environment(
        os.environ.get("KERAS_BACKEND", "tensorflow"),
        runs.repository_root(),
        runs.cpu_isa_cap(specs[0].semantics, args.cpu_isa),
    )
    import keras

    from rnn_replication.train import timing, training

    training.prepare_backend(0, keras.backend.backend(), semantics=specs[0].semantics)
    rows = timing.time_cells(specs, args.data, args.repeats)
    records.write_csv(args.out, rows, timing.TIMING_COLUMNS)
    print(f"timing: {len(rows)} timed epochs -> {args.out}")


if __name__ == "__main__":
    main()
