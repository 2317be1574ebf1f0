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


def per_cpu(count: int, busy: dict[int, float] | None = None) -> dict[int, float]:
    """Busy seconds per CPU of a ``count``-CPU machine: ``busy`` where given, else 0."""
    return {cpu: (busy or {}).get(cpu, 0.0) for cpu in range(count)}


def test_on_a_two_cpu_vm_the_share_is_the_others_busy_time_over_both_cpus():
    # 10 s of wall time; the pass used 8 CPU seconds, another process 5 more: 25 % of the pass's 2 CPUs.
    after = per_cpu(2, {0: 7.0, 1: 6.0})
    assert timing.others_cpu_share(per_cpu(2), after, 8.0, 10.0, [0, 1], 2) == pytest.approx(0.25)
    assert timing.others_cpu_share(per_cpu(2), per_cpu(2, {0: 3.0}), 4.0, 10.0, [0, 1], 2) == 0.0  # ticks


def test_a_pass_pinned_to_two_cpus_of_a_busy_node_is_quiet_when_its_cpus_are():
    # 64 CPUs, 60 of them busy all the time with other work; the pass pinned to CPUs 10 and 11, which only
    # it uses (8 of 10 s each): nothing taken from it. A share of the whole node would read 94 %.
    before = per_cpu(64)
    after = per_cpu(64, {cpu: 10.0 for cpu in range(64) if cpu not in (10, 11)} | {10: 8.0, 11: 8.0})
    assert timing.others_cpu_share(before, after, 16.0, 10.0, [10, 11], 2) == 0.0
    # Another job on one of its two CPUs half the time (the pass had 5 s of it): a quarter of its capacity.
    shared = after | {11: 10.0}
    assert timing.others_cpu_share(before, shared, 8.0 + 5.0, 10.0, [10, 11], 2) == pytest.approx(0.25)


def test_on_a_big_machine_several_busy_cores_count_against_a_pass_that_may_use_all_of_them():
    # 64 CPUs, no pinning, no quota: the pass's threads spread over all 64; 6 cores busy with other work
    # take 6 / 64 of its capacity.
    after = per_cpu(64, {cpu: 10.0 for cpu in range(6)} | {cpu: 9.0 for cpu in range(6, 64)})
    share = timing.others_cpu_share(per_cpu(64), after, 58 * 9.0, 10.0, list(range(64)), 64)
    assert share == pytest.approx(6 / 64)


def test_under_a_cgroup_quota_only_what_the_other_cpus_cannot_absorb_counts():
    # A 2-CPU quota on a 64-CPU node: 60 CPUs busy with others leave room for the pass's 2.
    allowed = list(range(64))
    after = per_cpu(64, {cpu: 10.0 for cpu in range(60)} | {60: 10.0, 61: 10.0})
    assert timing.others_cpu_share(per_cpu(64), after, 20.0, 10.0, allowed, 2) == 0.0
    # 63 of 64 busy with others: one CPU's worth is missing, half of the pass's capacity.
    crowded = per_cpu(64, {cpu: 10.0 for cpu in range(64)})
    assert timing.others_cpu_share(per_cpu(64), crowded, 10.0, 10.0, allowed, 2) == pytest.approx(0.5)


def test_the_cgroup_quota_is_read_from_cgroup_v2_and_v1_and_the_smallest_on_the_way_up_wins(tmp_path):
    v2 = tmp_path / "v2"
    (v2 / "slurm" / "job_7").mkdir(parents=True)
    (v2 / "cpu.max").write_text("max 100000\n")
    (v2 / "slurm" / "cpu.max").write_text("800000 100000\n")
    (v2 / "slurm" / "job_7" / "cpu.max").write_text("200000 100000\n")
    (tmp_path / "self-v2").write_text("0::/slurm/job_7\n")
    assert timing.cgroup_cpu_limit(v2, tmp_path / "self-v2") == 2.0
    (v2 / "slurm" / "job_7" / "cpu.max").write_text("max 100000\n")
    assert timing.cgroup_cpu_limit(v2, tmp_path / "self-v2") == 8.0
    v1 = tmp_path / "v1"
    (v1 / "cpu" / "docker" / "abc").mkdir(parents=True)
    (v1 / "cpu" / "docker" / "abc" / "cpu.cfs_quota_us").write_text("150000\n")
    (v1 / "cpu" / "docker" / "abc" / "cpu.cfs_period_us").write_text("100000\n")
    (tmp_path / "self-v1").write_text("4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n")
    assert timing.cgroup_cpu_limit(v1, tmp_path / "self-v1") == 1.5
    (tmp_path / "self-none").write_text("0::/\n")
    assert timing.cgroup_cpu_limit(tmp_path / "empty", tmp_path / "self-none") is None
    assert timing.cgroup_cpu_limit(v2, tmp_path / "missing") is None


def test_busy_seconds_per_cpu_are_read_by_cpu_number_from_proc_stat(tmp_path):
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  30 0 10 500 5 0 0 0 0 0\n"
        "cpu0 10 0 5 200 5 0 0 0 0 0\n"
        "cpu3 20 0 5 300 0 1 1 2 0 0\n"  # CPUs 1 and 2 offline: the numbers are the names'
        "intr 12345\n"
    )
    assert timing.busy_per_cpu(stat) == {0: 15 / ticks, 3: 29 / ticks}


def epochs_busy(shares: list[list[float]]):
    """A stand-in for one timed epoch: each call returns the next share of other processes' CPU."""
    queue = [share for attempt in shares for share in attempt]
    calls = []

    def time_epoch(cell: str) -> dict:
        calls.append(cell)
        return {"seconds": 1.0, "others_cpu_share": queue.pop(0)}

    return time_epoch, calls


def test_a_disturbed_repeat_is_timed_again_a_bounded_number_of_times():
    # The second cell's epoch was disturbed: the whole repeat is timed again, and the quiet try is kept.
    time_epoch, calls = epochs_busy([[0.02, 0.4], [0.01, 0.03]])
    epochs, tries = timing.timed_repeat(["lstm", "gru"], time_epoch, max_busy=0.1)
    assert tries == 2 and calls == ["lstm", "gru", "lstm", "gru"]
    assert [epoch["others_cpu_share"] for epoch in epochs] == [0.01, 0.03]
    # Busy on every try: after three the last one is kept, and the judge will see it was busy.
    time_epoch, calls = epochs_busy([[0.5, 0.5]] * 3)
    epochs, tries = timing.timed_repeat(["lstm", "gru"], time_epoch, max_busy=0.1)
    assert tries == timing.ATTEMPTS_PER_REPEAT == 3 and len(calls) == 6
    # No threshold (a pass run by hand): one try, whatever the load.
    time_epoch, calls = epochs_busy([[0.9, 0.9]])
    assert timing.timed_repeat(["lstm", "gru"], time_epoch, max_busy=None)[1] == 1


def test_processes_inside_the_cgroup_count_against_its_quota(tmp_path):
    # A 2-CPU quota; the cgroup used 30 s in 10 s, 16 of them this process's: 14 / 20 of the quota.
    assert timing.group_share(100.0, 130.0, 16.0, 10.0, 2) == pytest.approx(0.7)
    assert timing.group_share(100.0, 110.0, 12.0, 10.0, 2) == 0.0
    v2 = tmp_path / "v2"
    (v2 / "job").mkdir(parents=True)
    (v2 / "job" / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n")
    (tmp_path / "self-v2").write_text("0::/job\n")
    assert timing.cgroup_usage_seconds(v2, tmp_path / "self-v2") == 2.5
    v1 = tmp_path / "v1"
    (v1 / "cpu,cpuacct" / "docker" / "abc").mkdir(parents=True)
    (v1 / "cpu,cpuacct" / "docker" / "abc" / "cpuacct.usage").write_text("1500000000\n")
    (tmp_path / "self-v1").write_text("3:cpu,cpuacct:/docker/abc\n")
    assert timing.cgroup_usage_seconds(v1, tmp_path / "self-v1") == 1.5
    assert timing.cgroup_usage_seconds(tmp_path / "none", tmp_path / "self-v1") is None


def test_a_cpu_bound_process_beside_the_measurement_is_seen():
    """Measured for real, as a timed epoch measures: a second Python loop, started here (so on this
    process's CPUs and in its cgroup), shows as other processes' share of the pass's CPUs."""
    meter = timing.OthersMeter()
    if meter.under_quota and meter.group is None:
        pytest.skip("a cgroup CPU quota whose usage cannot be read: processes inside it are not seen")
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        meter = timing.OthersMeter()
        time.sleep(1.5)
        busy, _, _ = meter.share()
    finally:
        burner.kill()
        burner.wait()
    assert busy >= 0.8 / meter.usable, busy  # one CPU of the pass's, nearly all the time
