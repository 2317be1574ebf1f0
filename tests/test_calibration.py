"""The verdicts are calibrated as the pipeline judges: simulated replications go through judge_number (one
number alone) and judge_numbers (the six numbers, Holm over the family), at the spreads the default
replication measured. Each bound allows three Monte-Carlo standard errors (the simulations are seeded,
so each test gives the same shares on every run)."""

import math

import pandas as pd
import pytest

from rnn_replication.judge import calibration

MARGINS = {"test_accuracy": 0.005, "test_loss": 0.02}
REALISTIC_SD = 0.002  # within the default replication's seed-to-seed sds of test accuracy (0.04-0.33 points)


def monte_carlo_error(share: float, runs: int) -> float:
    return math.sqrt(share * (1 - share) / runs)


@pytest.mark.parametrize("n", [3, 5, 10])
def test_a_genuine_replication_is_called_not_replicated_five_percent_of_the_time(n):
    """The article's run drawn from our own distribution, one number judged alone: a 5 % event."""
    runs = 4000
    shares = calibration.number_shares(n, REALISTIC_SD, 0.0, MARGINS["test_accuracy"], runs=runs, rng=n)
    assert abs(shares["not replicated"] - 0.05) < 3 * monte_carlo_error(0.05, runs), shares


@pytest.mark.parametrize("n", [3, 5, 10])
def test_an_article_exactly_at_the_margin_is_called_replicated_at_most_five_percent_of_the_time(n):
    """Two one-sided tests keep their level at the margin at a realistic spread (at sd 0.001 points any
    equivalence test passes: the prediction's own noise is too small to matter)."""
    runs = 4000
    margin = MARGINS["test_accuracy"]
    shares = calibration.number_shares(n, REALISTIC_SD, margin, margin, runs=runs, rng=10 + n)
    assert shares["replicated"] < 0.05 + 3 * monte_carlo_error(0.05, runs), shares


def test_the_six_numbers_together_keep_the_family_wise_false_not_replicated_at_five_percent():
    """Holm over the six numbers: any false "not replicated" among them at most 5 % of the time (about
    26 % without the correction), and not far below it."""
    runs = 500
    false_alarm, shares = calibration.family_shares(5, calibration.measured(), {}, MARGINS, runs=runs, rng=1)
    error = 3 * monte_carlo_error(0.05, runs)
    assert 0.05 - error < false_alarm < 0.05 + error, false_alarm
    assert len(shares) == 6 and shares.sum(axis=1).round(6).eq(1).all()


def test_a_two_point_miss_is_caught_more_often_with_more_seeds_through_the_family():
    shifts = {("simplernn", "test_accuracy"): -0.02}
    power = {
        n: calibration.family_shares(n, calibration.measured(), shifts, MARGINS, runs=200, rng=2)[1].loc[
            "simplernn_test_accuracy", "not replicated"
        ]
        for n in (3, 10)
    }
    assert power[3] < power[10] and power[10] > 0.9, power


def test_the_measured_spreads_are_the_article_forms_mean_and_sample_sd_over_seeds(tmp_path):
    rows = [
        {"cell": "lstm", "form": "single", "semantics": "article", "test_accuracy": a, "test_loss": loss}
        for a, loss in [(0.98, 0.05), (0.99, 0.04), (0.97, 0.06)]
    ]
    rows += [
        {"cell": "lstm", "form": "stacked", "semantics": "article", "test_accuracy": 0.5, "test_loss": 9.0},
        {"cell": "lstm", "form": "single", "semantics": "modern", "test_accuracy": 0.5, "test_loss": 9.0},
        {"cell": "gru", "form": "single", "semantics": "article", "test_accuracy": 0.9, "test_loss": 0.1},
    ]
    path = tmp_path / "summary.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    spreads = calibration.measured(path)
    assert list(spreads) == ["lstm"]  # one GRU run has no sd
    assert spreads["lstm"]["test_accuracy"] == pytest.approx((0.98, 0.01))  # ddof=1: sqrt(0.0002 / 2)
    assert spreads["lstm"]["test_loss"] == pytest.approx((0.05, 0.01))


def test_the_default_replications_spreads_cover_the_three_cells():
    spreads = calibration.measured()
    assert list(spreads) == ["simplernn", "lstm", "gru"]
    assert all(0 < sd < 0.01 for metrics in spreads.values() for _, sd in [metrics["test_accuracy"]])
