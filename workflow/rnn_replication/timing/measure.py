"""The timing pass: seconds per epoch of the single-layer cells, measured back to back on an idle machine.

The training runs of the DAG share the cores with each other, so their seconds per epoch say little about
one cell against another. The timing rule has the machine to itself (it claims every core Snakemake was
given) and trains each cell for one epoch per repeat, in a balanced order (:func:`balanced_orders`: each
cell equally often in each position, and after each other cell), so a claim like "GRU trains faster than
LSTM" is tested on paired epochs from the same minutes of the same machine. Each model is built once and
warmed up by one untimed epoch (graph building, XLA compilation). An epoch is timed as Keras 2.2 timed it
in the article's log: training plus validation on the test set.

"Idle" is measured, not assumed, on the CPUs the pass may use: beside each epoch's wall time the pass
records this process's CPU time and the share of *its* CPU capacity that other processes took meanwhile
(:func:`others_cpu_share`: their busy time on the CPUs of the process's affinity, beyond what the CPUs it
cannot use at once, by the cgroup's quota, could absorb), so that a pass pinned to two CPUs of a busy node
reads as quiet and a pass beside other work on a small VM does not (under a cgroup quota, the cgroup's own
usage counts too: processes inside it share the quota). A repeat with an epoch above the
allowed share is timed again, a bounded number of times (:func:`timed_repeat`); the judge refuses a pass
whose kept repeats are still disturbed.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

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
    "attempts",
    "cpus",
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


# Tries of one repeat whose epochs another process disturbed, before the pass keeps it as it is.
ATTEMPTS_PER_REPEAT = 3
PROC_STAT = Path("/proc/stat")
CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")
# psutil's kinds of CPU time that are not busy (guest time is already counted in user time).
IDLE_KINDS = ("idle", "iowait", "guest", "guest_nice")


def others_cpu_share(
    busy_before: dict, busy_after: dict, own_seconds: float, wall_seconds: float, allowed, usable: float
) -> float:
    """The share of the pass's CPU capacity (``usable`` CPUs for ``wall_seconds``) that other processes
    took: their busy CPU seconds on the CPUs the pass may run on (``allowed``; ``busy_before`` and
    ``busy_after`` map each CPU to its busy seconds), less this process's ``own_seconds``, beyond what the
    allowed CPUs it cannot use at once could absorb ((len(allowed) - usable) x wall: with a cgroup quota of
    2 CPUs on a 64-CPU node, others may use 62 CPUs without slowing the pass). At least 0 (the clocks tick
    separately); NaN without wall time."""
    capacity = wall_seconds * usable
    if capacity <= 0:
        return float("nan")
    busy = sum(busy_after[cpu] - busy_before[cpu] for cpu in allowed)
    spare = (len(allowed) - usable) * wall_seconds
    return max(0.0, busy - own_seconds - spare) / capacity


def busy_per_cpu(stat_path: Path = PROC_STAT) -> dict[int, float]:
    """Each CPU's busy seconds since boot, by CPU number (everything but idle and I/O wait; steal counts: a
    virtual machine's neighbours took that time; guest time is already in user time). From /proc/stat
    where there is one (its cpuN lines name the CPU; offline ones are absent), else psutil, in its order."""
    if stat_path.exists():
        ticks = os.sysconf("SC_CLK_TCK")
        found = {}
        for line in stat_path.read_text().splitlines():
            name, *fields = line.split()
            if name.startswith("cpu") and name != "cpu":
                # user nice system idle iowait irq softirq steal [guest guest_nice]
                values = [int(value) for value in fields[:8]]
                found[int(name[3:])] = (sum(values) - values[3] - values[4]) / ticks
        return found
    return {
        cpu: sum(value for kind, value in times._asdict().items() if kind not in IDLE_KINDS)
        for cpu, times in enumerate(psutil.cpu_times(percpu=True))
    }


def cgroup_entries(self_cgroup: Path = SELF_CGROUP) -> list[tuple[list[str], str]]:
    """This process's cgroups, from /proc/self/cgroup: (controllers, path) per line; no controllers for
    cgroup v2's single hierarchy. Empty where it cannot be read (not Linux)."""
    try:
        lines = self_cgroup.read_text().splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        entries.append(([name for name in controllers.split(",") if name], path.lstrip("/")))
    return entries


def cgroup_cpu_limit(cgroup_root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP):
    """How many CPUs this process's cgroup may use at once: its CPU quota over its period, the smallest on
    the way up the hierarchy; None where no quota is set or none can be read. cgroup v2 (cpu.max) and v1
    (cpu.cfs_quota_us and cpu.cfs_period_us)."""
    limits = []
    for controllers, path in cgroup_entries(self_cgroup):
        if not controllers:
            bases, name = [cgroup_root], "cpu.max"
        elif "cpu" in controllers:
            bases, name = [cgroup_root / "cpu", cgroup_root / "cpu,cpuacct"], "cpu.cfs_quota_us"
        else:
            continue
        for base in bases:
            folder = base / path
            limits.append(read_quota(folder, name))
            limits += [read_quota(parent, name) for parent in folder.parents if base in parent.parents]
            limits.append(read_quota(base, name))
    found = [limit for limit in limits if limit is not None]
    return min(found) if found else None


def read_quota(folder: Path, name: str):
    """A cgroup folder's CPU quota in CPUs, or None (no such file, no quota)."""
    try:
        if name == "cpu.max":
            quota, period = (folder / name).read_text().split()
        else:
            quota, period = ((folder / file).read_text().strip() for file in (name, "cpu.cfs_period_us"))
        if quota in ("max", "-1") or int(period) <= 0:
            return None
        return int(quota) / int(period)
    except (OSError, ValueError):
        return None


def cpus_for_the_pass() -> tuple[list[int], float]:
    """The CPUs this process may run on (its affinity) and how many of them it may use at once (their
    count, or the cgroup's CPU quota where that is smaller)."""
    if hasattr(os, "sched_getaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
    else:
        allowed = list(range(psutil.cpu_count() or 1))
    limit = cgroup_cpu_limit()
    return allowed, min(float(len(allowed)), limit if limit else math.inf)


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


class OthersMeter:
    """Other processes' share of the pass's CPUs over a stretch of time: started with the pass's CPUs,
    their busy seconds and this process's CPU seconds (and, under a cgroup CPU quota, the cgroup's own
    usage, since processes inside the cgroup share the quota however idle the node's other CPUs are);
    :meth:`share` at the end of the stretch."""

    def __init__(self):
        self.allowed, self.usable = cpus_for_the_pass()
        self.under_quota = self.usable < len(self.allowed)
        self.group = cgroup_usage_seconds() if self.under_quota else None
        self.busy, self.own, self.started = busy_per_cpu(), own_cpu_seconds(), time.perf_counter()

    def share(self) -> tuple[float, float, float]:
        """(share, this process's CPU seconds, wall seconds) since the meter started."""
        wall, own = time.perf_counter() - self.started, own_cpu_seconds() - self.own
        share = others_cpu_share(self.busy, busy_per_cpu(), own, wall, self.allowed, self.usable)
        group = cgroup_usage_seconds() if self.group is not None else None
        if group is not None:
            share = max(share, group_share(self.group, group, own, wall, self.usable))
        return share, own, wall


def group_share(before: float, after: float, own_seconds: float, wall_seconds: float, usable: float) -> float:
    """The share of a cgroup's CPU quota (``usable`` CPUs for ``wall_seconds``) that its processes other
    than this one used: the cgroup's usage (``before``, ``after``) less this process's ``own_seconds``."""
    capacity = wall_seconds * usable
    return max(0.0, after - before - own_seconds) / capacity if capacity > 0 else float("nan")


def cgroup_usage_seconds(cgroup_root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP):
    """CPU seconds used so far by the processes of this process's cgroup (v2 cpu.stat usage_usec; v1
    cpuacct.usage, in nanoseconds), or None where it cannot be read."""
    for controllers, path in cgroup_entries(self_cgroup):
        try:
            if not controllers:
                stat = (cgroup_root / path / "cpu.stat").read_text().split()
                return int(stat[stat.index("usage_usec") + 1]) / 1e6
            if "cpuacct" in controllers:
                for base in ("cpuacct", "cpu,cpuacct"):
                    usage = cgroup_root / base / path / "cpuacct.usage"
                    if usage.exists():
                        return int(usage.read_text()) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return None


def time_one_epoch(model, arrays, batch_size: int) -> dict:
    """One timed epoch: its seconds (training plus validation), this process's CPU seconds and the other
    processes' share of the pass's CPUs meanwhile (:class:`OthersMeter`), and how many CPUs that is."""
    x_train, y_train, x_test, y_test = arrays
    clock = EpochClock()
    meter = OthersMeter()
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=1,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=[clock],
    )
    share, own, _ = meter.share()
    return {"seconds": clock.seconds[0], "cpu_seconds": own, "others_cpu_share": share, "cpus": meter.usable}


def timed_repeat(order: list[str], time_epoch, max_busy: float | None, attempts: int = ATTEMPTS_PER_REPEAT):
    """One repeat: an epoch of each cell in ``order``, timed by ``time_epoch(cell)``; timed again, up to
    ``attempts`` tries in all, while other processes took more than ``max_busy`` of the pass's CPUs in one
    of its epochs (None: never). Returns the last try's epochs, in order, and how many tries it took."""
    tries = 0
    while True:
        epochs, tries = [time_epoch(cell) for cell in order], tries + 1
        quiet = max_busy is None or all(epoch["others_cpu_share"] <= max_busy for epoch in epochs)
        if quiet or tries >= attempts:
            return epochs, tries


def time_cells(
    specs: list[RunSpec],
    data_path: str,
    repeats: int,
    max_busy: float | None = None,
    on_warm_up=None,
    on_repeat=None,
) -> list[dict]:
    """``repeats`` timed epochs of each run in ``specs`` (one per cell, the hyperparameters of the
    workflow's runs), interleaved; one row per (repeat, cell) with MEASURED_COLUMNS. A repeat disturbed by
    other processes (more than ``max_busy`` of the pass's CPUs) is timed again (:func:`timed_repeat`).
    ``on_warm_up(cell, seconds)`` and ``on_repeat(repeat, rows)`` are told as it goes (the launcher prints
    them)."""
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

    def time_epoch(cell: str) -> dict:
        return time_one_epoch(built[cell], arrays, first.batch_size)

    rows = []
    orders = balanced_orders(list(built))
    for repeat in range(1, repeats + 1):
        order = orders[(repeat - 1) % len(orders)]
        epochs, attempts = timed_repeat(order, time_epoch, max_busy)
        repeat_rows = [
            {
                "repeat": repeat,
                "position": position,
                "cell": cell,
                "seconds": round(epoch["seconds"], 4),
                "cpu_seconds": round(epoch["cpu_seconds"], 3),
                "others_cpu_share": round(epoch["others_cpu_share"], 4),
                "attempts": attempts,
                "cpus": epoch["cpus"],
                "train_images": len(arrays[0]),
                "test_images": len(arrays[2]),
            }
            for position, (cell, epoch) in enumerate(zip(order, epochs, strict=True), start=1)
        ]
        rows += repeat_rows
        if on_repeat:
            on_repeat(repeat, repeat_rows)
    return rows
