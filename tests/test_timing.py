"""The timing pass's design and its check that the machine was quiet."""

import subprocess
import sys
import time
from collections import Counter
from itertools import pairwise

import pytest

from rnn_replication.timing import measure as timing


@pytest.mark.parametrize("cells", [["a"], ["a", "b"], ["a", "b", "c"], ["a", "b", "c", "d"], list("abcde")])
def test_each_cell_is_timed_equally_often_in_each_position_and_after_each_other_cell(cells):
    orders = timing.balanced_orders(cells)
    k = len(cells)
    assert all(sorted(order) == sorted(cells) for order in orders)
    # Every block of k repeats puts each cell once in each position.
    for block in range(0, len(orders), k):
        for position in range(k):
            assert sorted(order[position] for order in orders[block : block + k]) == sorted(cells)
    # Over the whole cycle each cell follows each other cell equally often (a Williams design).
    follows = Counter(pair for order in orders for pair in pairwise(order))
    assert len(follows) == k * (k - 1) and len(set(follows.values())) <= 1


def test_the_other_processes_share_is_the_machines_busy_time_less_this_processes():
    # Two CPUs busy for 10 s in all over 10 s of wall time on 4 CPUs, 4 s of them this process's: 15 %.
    assert timing.others_cpu_share([100.0, 50.0], [106.0, 54.0], 4.0, 10.0, cpus=4) == pytest.approx(0.15)
    assert timing.others_cpu_share([0.0], [3.0], 4.0, 10.0, cpus=4) == 0.0  # clock ticks: never negative


def test_a_cpu_bound_process_beside_the_measurement_is_seen(tmp_path):
    """Measured for real: a second Python loop, started here, shows as other processes' CPU share."""

    def share_over(seconds: float) -> float:
        busy, own, started = timing.machine_busy(), timing.own_cpu_seconds(), time.perf_counter()
        time.sleep(seconds)
        wall, own = time.perf_counter() - started, timing.own_cpu_seconds() - own
        return timing.others_cpu_share(busy, timing.machine_busy(), own, wall)

    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        busy = share_over(1.5)
    finally:
        burner.kill()
        burner.wait()
    cpus = timing.psutil.cpu_count()
    assert busy >= 0.8 / cpus, busy  # one of the machine's CPUs, nearly all the time
