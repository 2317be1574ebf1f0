"""The statistical tests behind the verdicts: known answers, and calibration by simulation."""

import math

import numpy as np
import pytest
from scipy import stats

from rnn_replication.judge import inference

MARGIN = 0.005  # half an accuracy point, the default margin


def test_prediction_interval_for_three_seeds_is_mean_plus_minus_4_97_sd():
    low, high = inference.prediction_interval(0.98, 0.01, 3)
    # t(0.975, 2) * sqrt(1 + 1/3) = 4.303 * 1.155 = 4.97: a new run's 95 % interval with 3 seeds.
    assert (high - 0.98) / 0.01 == pytest.approx(4.968, abs=1e-3)
    assert 0.98 - low == pytest.approx(high - 0.98)


def test_difference_test_rejects_exactly_outside_the_prediction_interval():
    low, high = inference.prediction_interval(0.0, 1.0, 5)
    assert inference.p_different(high, 1.0, 5) == pytest.approx(0.05)
    assert inference.p_different(high * 1.01, 1.0, 5) < 0.05 < inference.p_different(high * 0.99, 1.0, 5)
    assert inference.p_different(low, 1.0, 5) == pytest.approx(0.05)


def test_equivalence_test_rejects_exactly_when_the_90_percent_interval_is_inside_the_margin():
    for difference in (0.0, 0.001, -0.002):
        low, high = inference.difference_interval(difference, 0.0008, 5, 0.90)
        inside = -MARGIN < low and high < MARGIN
        assert (inference.p_equivalent(difference, 0.0008, 5, MARGIN) < 0.05) == inside
    # On the edge: the interval's upper end on +margin gives p = 0.05.
    half = stats.t.ppf(0.95, 4) * inference.prediction_scale(0.0008, 5)
    assert inference.p_equivalent(MARGIN - half, 0.0008, 5, MARGIN) == pytest.approx(0.05)


def test_identical_seeds_judge_the_article_by_equality():
    assert inference.p_different(0.0, 0.0, 3) == 1.0
    assert inference.p_different(0.001, 0.0, 3) == 0.0
    assert inference.p_equivalent(0.001, 0.0, 3, MARGIN) == 0.0
    assert inference.p_equivalent(0.006, 0.0, 3, MARGIN) == 1.0


def test_holm_adjusts_step_down_and_leaves_missing_tests_out():
    adjusted = inference.holm([0.01, 0.04, 0.03, 0.005, math.nan])
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> monotone 0.06.
    assert adjusted[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert math.isnan(adjusted[4])
    assert inference.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_classify_gives_the_three_outcomes_and_no_verdict_without_a_test():
    verdicts = inference.classify([0.01, 0.5, 0.5, math.nan], [0.9, 0.01, 0.2, math.nan])
    assert list(verdicts) == ["not replicated", "replicated", "consistent, inconclusive", "no verdict"]


def test_seeds_to_decide_is_the_first_count_at_which_a_test_rejects():
    count = inference.seeds_to_decide(0.001, 0.0015, 3, MARGIN, 0.05 / 6)
    assert count is not None and count > 3
    assert inference.p_equivalent(0.001, 0.0015, count, MARGIN) < 0.05 / 6
    assert inference.p_equivalent(0.001, 0.0015, count - 1, MARGIN) >= 0.05 / 6
    # A large difference is decided the other way: the article lies outside the interval with more seeds.
    count = inference.seeds_to_decide(0.006, 0.003, 3, MARGIN, 0.05)
    assert inference.p_different(0.006, 0.003, count) < 0.05 <= inference.p_different(0.006, 0.003, count - 1)
    # SimpleRNN-like spread: 1.645 x 0.45 points > 0.5 points, and a small difference is never detected.
    assert inference.seeds_to_decide(0.001, 0.0045, 5, MARGIN, 0.05) is None
    assert inference.equivalence_impossible(0.0045, MARGIN) and not inference.equivalence_impossible(
        0.001, MARGIN
    )


def test_paired_test_finds_the_direction_of_a_consistent_difference():
    better = inference.paired_test([0.012, 0.010, 0.014, 0.011, 0.013])
    assert better["mean"] == pytest.approx(0.012) and better["p_greater"] < 0.001 < 0.999 < better["p_less"]
    assert better["low"] > 0  # the one-sided 95 % lower bound
    worse = inference.paired_test([-0.012, -0.010, -0.014, -0.011, -0.013])
    assert worse["p_less"] < 0.001 and worse["high"] < 0
    assert inference.paired_test([0.01])["n"] == 1 and math.isnan(inference.paired_test([0.01])["p_greater"])


def test_paired_equivalence_supports_small_and_rejects_large_differences():
    small = inference.paired_equivalence([0.001, -0.001, 0.0005, 0.0, 0.0002], MARGIN)
    assert small["p_equivalent"] < 0.05 and small["p_beyond"] > 0.5
    large = inference.paired_equivalence([0.010, 0.011, 0.012, 0.009, 0.010], MARGIN)
    assert large["p_beyond"] < 0.05 and large["p_equivalent"] > 0.5


@pytest.mark.parametrize("n", [3, 5, 10])
def test_not_replicated_comes_out_five_percent_of_the_time_for_a_genuine_replication(n):
    """The article's run drawn from our own distribution: "not replicated" must be a 5 % event."""
    runs = 40000
    shares = inference.simulate_verdicts(n, sd=0.0045, shift=0.0, margin=MARGIN, runs=runs, rng=n)
    monte_carlo_error = math.sqrt(0.05 * 0.95 / runs)  # 0.0011
    assert abs(shares["not replicated"] - 0.05) < 4 * monte_carlo_error, shares
    power = {
        sd: inference.simulate_verdicts(n, sd=sd, shift=2 * MARGIN, margin=MARGIN, runs=runs, rng=n)[
            "not replicated"
        ]
        for sd in (0.001, 0.0045)
    }
    print(f"n = {n}: size {shares['not replicated']:.4f}; power at a shift of 2 delta: {power}")
    assert power[0.001] > 0.9 and 0.05 < power[0.0045] < power[0.001]


def test_power_grows_with_seeds_and_equivalence_keeps_its_level_at_the_margin():
    runs = 40000
    power = [
        inference.simulate_verdicts(n, 0.003, 2 * MARGIN, MARGIN, runs=runs, rng=1)["not replicated"]
        for n in (3, 5, 10)
    ]
    assert power[0] < power[1] < power[2]
    # Two one-sided tests: an article whose expected value sits exactly on the margin is called
    # "replicated" at most 5 % of the time.
    for n in (3, 5, 10):
        at_margin = inference.simulate_verdicts(n, 0.001, MARGIN, MARGIN, runs=runs, rng=2)["replicated"]
        assert at_margin < 0.05 + 4 * math.sqrt(0.05 * 0.95 / runs), (n, at_margin)


def test_holm_keeps_the_family_wise_rate_at_five_percent_over_six_numbers():
    rng = np.random.default_rng(3)
    runs, n, numbers = 20000, 5, 6
    seeds = rng.normal(0, 1, size=(runs, numbers, n))
    article = rng.normal(0, 1, size=(runs, numbers))
    difference = article - seeds.mean(axis=2)
    p = inference.p_different(difference, seeds.std(axis=2, ddof=1), n)
    any_rejected = np.mean([np.any(inference.holm(row) < 0.05) for row in p])
    unadjusted = np.mean(np.any(p < 0.05, axis=1))
    assert any_rejected < 0.05 + 4 * math.sqrt(0.05 * 0.95 / runs) < unadjusted
