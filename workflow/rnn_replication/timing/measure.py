"""The timing pass: seconds per epoch of the single-layer cells, measured back to back on an idle machine.

The training runs of the DAG share the cores with each other, so their seconds per epoch say little about
one cell against another. The timing rule has the machine to itself (it claims every core Snakemake was
given) and trains each cell for one epoch per repeat, in a balanced order (:func:`balanced_orders`: each
cell equally often in each position, and after each other cell), so a claim like "GRU trains faster than
LSTM" is tested on paired epochs from the same minutes of the same machine. Each model is built once and
warmed up by one untimed epoch (graph building, XLA compilation). An epoch is timed as Keras 2.2 timed it
in the article's log: training plus validation on the test set.

"Idle" is measured, not assumed: beside each epoch's wall time the pass records this process's CPU time
and the share of the machine's CPU capacity that *other* processes used meanwhile (the machine's busy CPU
time from psutil, less this process's), so the judge can refuse a pass run beside other work.
"""

from __future__ import annotations

import os
import time

import keras
import psutil

from rnn_replication.core.spec import RunSpec
from rnn_replication.data import mnist
from rnn_replication.train import fitting, models

TIMING_COLUMNS = [
    "repeat",
    "position",
    "cell",
    "seconds",
    "cpu_seconds",
    "others_cpu_share",
    "train_images",
    "test_images",
    "backend",
    "device",
]
# What time_cells measures; the launcher (workflow/scripts/time_cells.py) adds the backend and device.
MEASURED_COLUMNS = TIMING_COLUMNS[:-2]


def balanced_orders(cells: list[str]) -> list[list[str]]:
    """The orders of the cells, one per repeat, cycled: a Williams design. Any len(cells) consecutive
    repeats starting at a multiple of len(cells) put each cell once in each position; the whole cycle
    (2 len(cells) orders for an odd count, len(cells) for an even one) also puts each cell after each other
    cell equally often, so neither a position nor the cell timed before it favours one cell."""
    k = len(cells)
    first, low, high = [0], 1, k - 1
    while len(first) < k:  # 0, 1, k-1, 2, k-2, ...
        first.append(low if len(first) % 2 else high)
        low, high = (low + 1, high) if len(first) % 2 == 0 else (low, high - 1)
    rows = [[(index + shift) % k for index in first] for shift in range(k)]
    if k % 2 and k > 1:
        rows += [row[::-1] for row in rows]
    return [[cells[index] for index in row] for row in rows]


def others_cpu_share(busy_before, busy_after, own_seconds: float, wall_seconds: float, cpus=None) -> float:
    """The share of the machine's CPU capacity (``cpus`` logical CPUs, default all) that processes other
    than this one used during ``wall_seconds``: (machine busy CPU seconds - this process's) / (wall x CPUs),
    at least 0 (the two clocks tick separately)."""
    busy = sum(busy_after) - sum(busy_before)
    capacity = wall_seconds * (cpus or psutil.cpu_count() or 1)
    return max(0.0, (busy - own_seconds) / capacity) if capacity > 0 else float("nan")


def machine_busy() -> list[float]:
    """The machine's busy CPU seconds since boot, by kind (everything but idle and I/O wait; steal counts:
    a virtual machine's neighbours took that time)."""
    times = psutil.cpu_times()._asdict()
    return [
        seconds for kind, seconds in times.items() if kind not in ("idle", "iowait", "guest", "guest_nice")
    ]


def own_cpu_seconds() -> float:
    """This process's CPU seconds (every thread), user and system."""
    times = os.times()
    return times.user + times.system


class EpochClock(keras.callbacks.Callback):
    """The wall seconds of each epoch, training and validation, as Keras 2.2 timed them in the article's
    log."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def time_one_epoch(model, arrays, batch_size: int) -> dict:
    """One timed epoch: its seconds (training plus validation), this process's CPU seconds and the other
    processes' share of the machine's CPU meanwhile."""
    x_train, y_train, x_test, y_test = arrays
    clock = EpochClock()
    busy, own, started = machine_busy(), own_cpu_seconds(), time.perf_counter()
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=1,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=[clock],
    )
    wall, own = time.perf_counter() - started, own_cpu_seconds() - own
    return {
        "seconds": clock.seconds[0],
        "cpu_seconds": own,
        "others_cpu_share": others_cpu_share(busy, machine_busy(), own, wall),
    }


def time_cells(
    specs: list[RunSpec], data_path: str, repeats: int, on_warm_up=None, on_repeat=None
) -> list[dict]:
    """``repeats`` timed epochs of each run in ``specs`` (one per cell, the hyperparameters of the
    workflow's runs), interleaved; one row per (repeat, cell) with MEASURED_COLUMNS. ``on_warm_up(cell,
    seconds)`` and ``on_repeat(repeat, rows)`` are told as it goes (the launcher prints them)."""
    first = specs[0]
    fitting.prepare_backend(0, keras.backend.backend(), semantics=first.semantics)
    *arrays, _ = mnist.load_mnist_sequences(data_path, first.train_subset, first.test_subset)
    built = {
        spec.cell: models.build_model(spec.cell, spec.form, spec.units, spec.learning_rate, spec.semantics)
        for spec in specs
    }
    for cell, model in built.items():
        warm_up = time_one_epoch(model, arrays, first.batch_size)
        if on_warm_up:
            on_warm_up(cell, warm_up["seconds"])
    rows = []
    orders = balanced_orders(list(built))
    for repeat in range(1, repeats + 1):
        repeat_rows = []
        for position, cell in enumerate(orders[(repeat - 1) % len(orders)], start=1):
            epoch = time_one_epoch(built[cell], arrays, first.batch_size)
            repeat_rows.append(
                {
                    "repeat": repeat,
                    "position": position,
                    "cell": cell,
                    "seconds": round(epoch["seconds"], 4),
                    "cpu_seconds": round(epoch["cpu_seconds"], 3),
                    "others_cpu_share": round(epoch["others_cpu_share"], 4),
                    "train_images": len(arrays[0]),
                    "test_images": len(arrays[2]),
                }
            )
        rows += repeat_rows
        if on_repeat:
            on_repeat(repeat, repeat_rows)
    return rows
