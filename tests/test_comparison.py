"""Two replications compared: identical digits, equivalent, different, or too few seeds to tell."""

import pandas as pd
import pytest

from rnn_replication.judge import comparison

MARGINS = {"test_accuracy": 0.005, "test_loss": 0.02}


def summary(values: dict[str, list[float]], loss: float = 0.05) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"cell": cell, "form": "single", "semantics": "article", "seed": seed}
            | {"test_accuracy": value, "test_loss": loss + value / 100}
            for cell, seeds in values.items()
            for seed, value in enumerate(seeds)
        ]
    )


def verdicts(ours, reference) -> dict:
    table = comparison.compare(ours, reference, MARGINS)
    return dict(zip(zip(table["cell"], table["metric"], strict=True), table["verdict"], strict=True))


def test_the_same_digits_on_every_seed_are_identical_and_other_digits_are_judged_over_seeds():
    reference = summary({"lstm": [0.9861, 0.9858, 0.9866], "gru": [0.9871, 0.9880, 0.9874]})
    same = verdicts(reference, reference.copy())
    assert set(same.values()) == {"identical digits"} and len(same) == 4
    # Other digits, the same distribution: equivalent within half a point, not identical.
    nearby = summary({"lstm": [0.9862, 0.9856, 0.9867], "gru": [0.9873, 0.9879, 0.9872]})
    judged = verdicts(nearby, reference)
    assert judged[("lstm", "test_accuracy")] == judged[("gru", "test_accuracy")] == "equivalent"
    # One point lower everywhere, seeds that agree closely: different.
    lower = summary({"lstm": [0.9761, 0.9758, 0.9766], "gru": [0.9771, 0.9780, 0.9774]})
    assert verdicts(lower, reference)[("lstm", "test_accuracy")] == "different"


def test_few_or_noisy_seeds_are_not_called_equivalent():
    reference = summary({"simplernn": [0.970, 0.980]})
    noisy = summary({"simplernn": [0.962, 0.985]})
    assert verdicts(noisy, reference)[("simplernn", "test_accuracy")] == "inconclusive"
    one = summary({"simplernn": [0.971]})
    assert verdicts(one, summary({"simplernn": [0.972]}))[("simplernn", "test_accuracy")] == (
        "different digits, not tested"
    )


def test_only_configurations_both_ran_are_compared_with_holm_across_them():
    ours = summary({"lstm": [0.986, 0.987], "gru": [0.988, 0.989]})
    table = comparison.compare(ours, summary({"lstm": [0.9862, 0.9871]}), MARGINS)
    assert set(table["cell"]) == {"lstm"} and list(table.columns) == comparison.COLUMNS
    assert table["p_different"].notna().all()
    assert (table["p_different_holm"] >= table["p_different"]).all()


def test_welch_matches_scipy():
    from scipy import stats

    a, b = [0.9861, 0.9858, 0.9866, 0.9850], [0.9871, 0.9880, 0.9874]
    result = comparison.welch(a, b, 0.005, 0.05)
    assert result["p_different"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
