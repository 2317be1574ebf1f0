"""The timing pass: seconds per epoch of the single-layer cells, measured back to back on an idle machine.

The training runs of the DAG share the cores with each other, so their seconds per epoch say little about
one cell against another. The timing rule has the machine to itself (it claims every core Snakemake was
given) and trains each cell for one epoch per repeat, rotating the order from repeat to repeat, so a
claim like "GRU trains faster than LSTM" is tested on paired epochs from the same minutes of the same
machine. Each model is built once and warmed up by one untimed epoch (graph building, XLA compilation).
An epoch is timed as Keras 2.2 timed it in the article's log: training plus validation on the test set.
"""

from __future__ import annotations

import keras

from rnn_replication.core.runs import RunSpec
from rnn_replication.data import mnist
from rnn_replication.train import backends, models, training

TIMING_COLUMNS = ["repeat", "position", "cell", "seconds", "train_images", "test_images", "backend", "device"]


def rotated(cells: list[str], repeat: int) -> list[str]:
    """The order of the cells in one repeat: each cell goes first once every len(cells) repeats."""
    shift = repeat % len(cells)
    return cells[shift:] + cells[:shift]


def time_one_epoch(model, arrays, batch_size: int) -> float:
    x_train, y_train, x_test, y_test = arrays
    timer = training.EpochLog(1, "timing", print_fn=None)
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=1,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=[timer],
    )
    return timer.trained[0]


def time_cells(specs: list[RunSpec], data_path: str, repeats: int, print_fn=print) -> list[dict]:
    """``repeats`` timed epochs of each run in ``specs`` (one per cell, the hyperparameters of the
    workflow's runs), interleaved; one row per (repeat, cell)."""
    first = specs[0]
    *arrays, _ = mnist.load_mnist_sequences(data_path, first.train_subset, first.test_subset)
    backend = keras.backend.backend()
    device = backends.describe_device(backend)
    built = {
        spec.cell: models.build_model(spec.cell, spec.form, spec.units, spec.learning_rate, spec.semantics)
        for spec in specs
    }
    for cell, model in built.items():
        seconds = time_one_epoch(model, arrays, first.batch_size)
        print_fn(f"timing: {cell} warm-up epoch (not counted) {seconds:.2f} s", flush=True)
    rows = []
    for repeat in range(1, repeats + 1):
        for position, cell in enumerate(rotated(list(built), repeat - 1), start=1):
            seconds = time_one_epoch(built[cell], arrays, first.batch_size)
            print_fn(f"timing: repeat {repeat}/{repeats} {cell} {seconds:.3f} s", flush=True)
            rows.append(
                {
                    "repeat": repeat,
                    "position": position,
                    "cell": cell,
                    "seconds": round(seconds, 4),
                    "train_images": len(arrays[0]),
                    "test_images": len(arrays[2]),
                    "backend": backend,
                    "device": device,
                }
            )
    return rows
