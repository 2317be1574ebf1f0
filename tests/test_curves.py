"""The article's training curves against our seeds' curves: the simultaneous band, its verdicts and its
calibration (judge/curves.py)."""

import numpy as np
import pandas as pd
import pytest

from rnn_replication.judge import curves, inference


def seed_curves(n: int = 5, epochs: int = 20, rng: int = 0) -> np.ndarray:
    """Validation-accuracy-like curves: rising to about 0.98, 0.2 points of seed-to-seed spread."""
    generator = np.random.default_rng(rng)
    mean = 0.98 - 0.05 * np.exp(-np.arange(epochs) / 3)
    return mean + 0.002 * curves.ar1_curves(generator, (n,), epochs, 0.6)


def histories(values: np.ndarray) -> list[pd.DataFrame]:
    """History tables with every series set to ``values`` (one row of values per seed)."""
    return [
        pd.DataFrame({"epoch": np.arange(1, len(row) + 1)} | dict.fromkeys(curves.SERIES, row))
        for row in values
    ]


def log_of(cell: str, values) -> pd.DataFrame:
    """The article's log of ``cell`` with every series set to ``values``."""
    columns = {"cell": cell, "epoch": np.arange(1, len(values) + 1)}
    return pd.DataFrame(columns | dict.fromkeys(curves.SERIES, values))


def test_a_curve_copied_from_a_seed_is_inside_and_one_lowered_early_is_outside_at_those_epochs():
    seeds = seed_curves()
    copied = curves.curve_test(seeds[0], seeds)
    # One of n seeds lies at most (n - 1) / sqrt(n) sample sds from their mean: always inside the band.
    assert copied["epochs_outside"] == [] and copied["p_different"] > 0.05
    lowered = seeds[0].copy()
    lowered[:3] -= 10 * seeds.std(axis=0, ddof=1)[:3]
    tested = curves.curve_test(lowered, seeds)
    assert tested["epochs_outside"] == [1, 2, 3] and tested["direction"] == "below"
    assert tested["p_different"] < 0.05
    drawn = curves.band(seeds)
    assert (lowered[:3] < drawn["low"][:3]).all() and (drawn["low"][3:] <= lowered[3:]).all()
    # With 5 seeds the band reaches t(1 - 0.05/40, 4) sqrt(1.2) = 7.4 sds from the mean: 10 sds is just
    # outside it, not after Holm's correction over four curves; 30 sds is, and the note names the epochs.
    table = curves.judge_curves({"lstm": histories(seeds)}, log_of("lstm", lowered))
    assert list(table.columns) == curves.CURVE_COLUMNS and len(table) == 4
    assert set(table["verdict"]) == {"consistent, inconclusive"}
    assert table["note"].iloc[0] == (
        "outside the band below ours at epochs 1, 2, 3, but not after Holm's correction over 4 curves"
    )
    lowered[:3] -= 20 * seeds.std(axis=0, ddof=1)[:3]
    table = curves.judge_curves({"lstm": histories(seeds)}, log_of("lstm", lowered))
    assert set(table["verdict"]) == {"not replicated"}
    assert table["note"].iloc[0] == "outside the band below ours at epochs 1, 2, 3"


def test_the_band_is_the_bonferroni_t_prediction_band_and_holm_runs_across_the_curves():
    from scipy import stats

    seeds = seed_curves(n=4, epochs=10)
    drawn = curves.band(seeds, alpha=0.05)
    half = stats.t.ppf(1 - 0.05 / 20, 3) * seeds.std(axis=0, ddof=1) * np.sqrt(1 + 1 / 4)
    np.testing.assert_allclose(drawn["high"] - drawn["mean"], half)
    shifted = seeds.mean(axis=0) + 0.8 * half  # inside, but not by much
    one = curves.curve_test(shifted, seeds)
    per_epoch = inference.p_different(shifted - seeds.mean(axis=0), seeds.std(axis=0, ddof=1), 4)
    assert one["p_different"] == pytest.approx(min(1.0, 10 * per_epoch.min()))
    article = pd.concat(log_of(cell, shifted) for cell in ("simplernn", "lstm"))
    table = curves.judge_curves({"simplernn": histories(seeds), "lstm": histories(seeds)}, article)
    np.testing.assert_allclose(table["p_different_holm"], inference.holm(table["p_different"]))


def test_curves_are_compared_on_the_epochs_both_have_and_one_seed_is_not_tested():
    seeds = seed_curves(n=3, epochs=2)
    article = pd.DataFrame(
        {"cell": ["gru"] * 20 + ["lstm"] * 20, "epoch": list(range(1, 21)) * 2}
        | dict.fromkeys(curves.SERIES, np.tile(seed_curves(n=1)[0], 2))
    )
    table = curves.judge_curves({"gru": histories(seeds), "lstm": histories(seeds[:1])}, article)
    gru, lstm = table[table["cell"] == "gru"], table[table["cell"] == "lstm"]
    assert (gru["epochs"] == 2).all() and gru["p_different"].notna().all()
    assert set(lstm["verdict"]) == {"not tested"} and lstm["note"].str.contains("two seeds").all()


@pytest.mark.parametrize("n", [3, 5, 10])
def test_a_genuine_replications_curve_leaves_the_band_at_most_five_percent_of_the_time(n):
    # Independent epochs: exactly 1 - (1 - 0.05 / 20)^20 = 4.88 %. Monte-Carlo error of 4,000 runs:
    # 0.34 points.
    exact = 1 - (1 - 0.05 / 20) ** 20
    assert curves.curve_false_outside(n, 20, rho=0.0, rng=n) == pytest.approx(exact, abs=0.011)
    if n == 5:  # Strongly correlated epochs: Bonferroni keeps the level, conservatively.
        assert curves.curve_false_outside(n, 20, rho=0.9, rng=n) <= 0.05 + 0.011
