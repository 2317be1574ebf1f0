"""The statistical tests behind the verdicts: known answers (calibration: tests/test_calibration.py)."""

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


def test_classify_gives_the_three_outcomes_and_not_tested_without_a_test():
    verdicts = inference.classify([0.01, 0.5, 0.5, math.nan], [0.9, 0.01, 0.2, math.nan])
    assert list(verdicts) == ["not replicated", "replicated", "consistent, inconclusive", "not tested"]


def decided_share(difference, sd, seeds, level, replications=20000, seed=12345):
    """How often ``seeds`` seeds decide a number whose truth is the observed difference and sd: an
    independent simulation (its own generator and loop) of the verdict's two tests."""
    rng = np.random.default_rng(seed)
    draws = rng.normal(0.0, sd, size=(replications, seeds))
    gap, spread = difference - draws.mean(axis=1), draws.std(axis=1, ddof=1)
    decided = (inference.p_different(gap, spread, seeds) < level) | (
        inference.p_equivalent(gap, spread, seeds, MARGIN) < level
    )
    return decided.mean()


@pytest.mark.parametrize(("difference", "sd", "n"), [(0.001, 0.0015, 3), (0.004, 0.001, 3), (0.0, 0.0012, 3)])
def test_seeds_to_decide_is_the_count_that_decides_it_four_times_in_five(difference, sd, n):
    level = 0.05 / 6
    count = inference.seeds_to_decide(difference, sd, n, MARGIN, level)
    assert count is not None and count > n + 1
    # Checked by a simulation of its own: at least 80 % at the count, less one seed fewer (up to the
    # Monte-Carlo error of the two simulations, about 0.6 and 0.3 points).
    assert decided_share(difference, sd, count, level) > 0.8 - 0.015
    assert decided_share(difference, sd, count - 1, level) < 0.8 + 0.015
    # Not the count at which the observed mean and sd would just decide it: that one decides about half
    # the time, and fewer seeds.
    just = next(
        seeds
        for seeds in range(n + 1, 1000)
        if inference.p_different(difference, sd, seeds) < level
        or inference.p_equivalent(difference, sd, seeds, MARGIN) < level
    )
    assert just < count and decided_share(difference, sd, just, level) < 0.7


def test_the_sds_interval_is_the_chi_square_one():
    low, high = inference.sd_interval(0.002, 5)
    assert low == pytest.approx(0.002 * math.sqrt(4 / stats.chi2.ppf(0.975, 4)))
    assert high == pytest.approx(0.002 * math.sqrt(4 / stats.chi2.ppf(0.025, 4)))
    assert (low, high) == pytest.approx((0.0012, 0.0057), abs=5e-5)  # sd 0.20 points, 5 seeds: 0.12-0.57


def test_seeds_to_decide_gives_up_where_no_count_decides_it():
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


def test_paired_tests_are_students_t_and_beyond_the_margin_is_doubled_over_the_two_directions():
    differences = np.array([0.0061, 0.0072, 0.0055, 0.0068, 0.0080])
    tested = inference.paired_equivalence(differences, MARGIN)

    def one_sided(value, alternative):
        return stats.ttest_1samp(differences, value, alternative=alternative).pvalue

    assert tested["p_greater"] == pytest.approx(one_sided(0.0, "greater"))
    assert tested["p_less"] == pytest.approx(one_sided(0.0, "less"))
    within = max(one_sided(-MARGIN, "greater"), one_sided(MARGIN, "less"))
    assert tested["p_equivalent"] == pytest.approx(within)
    # "Beyond the margin" in either direction: the smaller one-sided p-value, doubled.
    beyond = min(one_sided(MARGIN, "greater"), one_sided(-MARGIN, "less"))
    assert 0 < beyond < 0.5 and tested["p_beyond"] == pytest.approx(2 * beyond)
    scale = differences.std(ddof=1) / math.sqrt(5)
    interval = stats.t.interval(0.90, 4, loc=differences.mean(), scale=scale)
    assert (tested["low"], tested["high"]) == pytest.approx(interval)


def test_power_is_the_noncentral_t_and_matches_a_simulation_of_the_difference_test():
    sd, n, miss, level = 0.0033, 5, 0.01, 0.05 / 6
    rng = np.random.default_rng(3)
    seeds = rng.normal(0.0, sd, size=(20000, n))
    article = rng.normal(miss, sd, size=20000)
    flagged = inference.p_different(article - seeds.mean(axis=1), seeds.std(axis=1, ddof=1), n) < level
    # Monte-Carlo error of the share: 0.27 points.
    assert inference.miss_power(miss, sd, n, level) == pytest.approx(flagged.mean(), abs=0.01)
    assert inference.miss_power(miss, sd, n, level) == pytest.approx(0.179, abs=0.002)  # 5 seeds, Holm over 6
    assert inference.miss_power(miss, sd, n, 0.05) == pytest.approx(0.554, abs=0.002)  # judged alone
    assert inference.miss_power(-miss, sd, n, level) == inference.miss_power(miss, sd, n, level)
    assert inference.miss_power(miss, 0.0001, n, level) == pytest.approx(1.0)  # far tail: no NaN


def test_the_predictive_probability_matches_a_simulation_of_its_own():
    """Over what 5 seeds allow for mu and sigma (sigma^2 = 4 s^2 / chi-square(4), mu ~ N(mean, sigma^2/5)),
    fresh replications simulated seed by seed with their own generator."""
    difference, sd, n, level = 0.002, 0.001, 5, 0.05 / 6
    rate, ceiling = inference.predictive_decision(difference, sd, n, MARGIN, level)
    rng = np.random.default_rng(11)
    sigma = sd * np.sqrt((n - 1) / rng.chisquare(n - 1, size=8000))
    mu = rng.normal(0.0, sigma / math.sqrt(n))  # mu less the observed mean
    for seeds in (8, 40):
        draws = rng.normal(mu[:, None], sigma[:, None], size=(8000, seeds))
        gap, spread = difference - draws.mean(axis=1), draws.std(axis=1, ddof=1)
        different = inference.p_different(gap, spread, seeds) < level
        share = (different | (inference.p_equivalent(gap, spread, seeds, MARGIN) < level)).mean()
        assert rate(seeds) == pytest.approx(share, abs=0.03)  # two simulations: about 0.8 points each
    # Unlimited seeds: the mean and sd known, the article is decided by where it lies from mu.
    distance = np.abs(difference - mu)
    unlimited = (distance > stats.norm.ppf(1 - level / 2) * sigma) | (
        distance + stats.norm.ppf(1 - level) * sigma < MARGIN
    )
    assert ceiling == pytest.approx(unlimited.mean(), abs=0.03)
    assert rate(8) < rate(40) <= ceiling + 0.01
    # Less than the plug-in's 80 % at the plug-in count: the mean and sd are themselves uncertain.
    plug_in = inference.seeds_to_decide(difference, sd, n, MARGIN, level)
    assert plug_in is not None and rate(plug_in) < 0.7


def test_the_predictive_count_is_the_smallest_that_reaches_eighty_percent():
    difference, sd, n, level = 0.0, 0.0004, 5, 0.05 / 6
    rate, ceiling = inference.predictive_decision(difference, sd, n, MARGIN, level)
    count = inference.predictive_count(rate, ceiling, n, level)
    assert ceiling > 0.8 and count is not None and count > n
    assert rate(count) >= 0.8 and (count == n + 1 or rate(count - 1) < 0.8)
    # Where unlimited seeds decide it less than 80 % of the time, no count is given.
    rate, ceiling = inference.predictive_decision(0.002, 0.001, n, MARGIN, level)
    assert inference.predictive_count(rate, ceiling, n, level) is None
