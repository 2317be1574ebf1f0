"""The timing pass: seconds per epoch of each single-layer cell, interleaved, on an otherwise idle machine.

Usage (from the repository root; KERAS_BACKEND picks the backend):
    python workflow/scripts/time_cells.py OUT.csv --data resources/mnist.npz [--repeats 5]
        [--cells simplernn lstm gru] [--units 128] [--batch-size 128] [--learning-rate 0.001]
        [--semantics article] [--train-subset 0] [--test-subset 0] [--threads 0]
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_replication import CELLS, SEMANTICS, records  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--data", default="resources/mnist.npz")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--semantics", default="article", choices=SEMANTICS)
    parser.add_argument("--train-subset", type=int, default=0)
    parser.add_argument("--test-subset", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow CPU threads (0: its default)")
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error(f"--repeats must be at least 2 (a paired test needs two repeats), got {args.repeats}")

    import keras
    from rnn_replication import timing, training

    training.prepare_backend(0, keras.backend.backend(), args.threads, semantics=args.semantics)
    rows = timing.time_cells(
        args.cells,
        args.data,
        args.repeats,
        units=args.units,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        semantics=args.semantics,
        train_subset=args.train_subset,
        test_subset=args.test_subset,
    )
    records.write_csv(args.out, rows, timing.TIMING_COLUMNS)
    print(f"timing: {len(rows)} timed epochs -> {args.out}")


if __name__ == "__main__":
    main()
