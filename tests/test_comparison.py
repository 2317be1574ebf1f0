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


def with_arithmetic(frame: pd.DataFrame, fingerprints: list[str]) -> pd.DataFrame:
    return frame.assign(arithmetic=fingerprints)


def arithmetic_cases(ours, reference) -> dict:
    table = comparison.compare(ours, reference, MARGINS)
    return dict(zip(zip(table["cell"], table["metric"], strict=True), table["arithmetic"], strict=True))


def test_the_fingerprints_say_which_of_the_three_cases_holds():
    reference = with_arithmetic(summary({"lstm": [0.9861, 0.9858, 0.9866]}), ["aaa"] * 3)
    # Same arithmetic, the same digits: what the contract promises.
    same = arithmetic_cases(reference.copy(), reference)
    assert set(same.values()) == {"same arithmetic, identical digits"}
    # Same arithmetic, one seed's last digit off: a discrepancy, whatever the statistics say.
    off = reference.copy()
    off.loc[1, ["test_accuracy", "test_loss"]] += 1e-7
    cases = arithmetic_cases(off, reference)
    assert cases[("lstm", "test_accuracy")] == comparison.SAME_DIFFERENT
    assert "a real discrepancy to investigate" in comparison.SAME_DIFFERENT
    # Another arithmetic (another CPU family): other digits are expected, only the verdict speaks.
    other = with_arithmetic(summary({"lstm": [0.9862, 0.9856, 0.9867]}), ["bbb"] * 3)
    assert set(arithmetic_cases(other, reference).values()) == {
        "different arithmetic, compared only statistically"
    }
    # Runs of one configuration made on two arithmetics are no "same arithmetic" either.
    mixed = with_arithmetic(reference.copy(), ["aaa", "bbb", "aaa"])
    assert set(arithmetic_cases(mixed, reference).values()) == {comparison.OTHER_ARITHMETIC}
    # A summary from before the fingerprint (no column, or empty cells): not recorded.
    assert set(arithmetic_cases(reference.drop(columns="arithmetic"), reference).values()) == {
        comparison.NOT_RECORDED
    }
    blank = with_arithmetic(reference.copy(), ["aaa", None, "aaa"])
    assert set(arithmetic_cases(blank, reference).values()) == {comparison.NOT_RECORDED}
    # Same arithmetic, no seed in common: nothing to compare digit for digit.
    later = reference.assign(seed=reference["seed"] + 10)
    assert set(arithmetic_cases(later, reference).values()) == {comparison.SAME_UNPAIRED}


def test_the_script_names_the_missing_columns_and_exits_strictly_on_a_discrepancy(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "compare_replications.py"

    def compare(ours, reference, *options):
        return subprocess.run(
            [sys.executable, str(script), str(ours), str(reference), *options],
            capture_output=True,
            text=True,
            timeout=120,
        )

    reference = with_arithmetic(summary({"lstm": [0.9861, 0.9858, 0.9866]}), ["aaa"] * 3)
    reference.to_csv(tmp_path / "reference.csv", index=False)
    reference.drop(columns=["seed", "test_loss"]).to_csv(tmp_path / "no-seed.csv", index=False)
    failed = compare(tmp_path / "no-seed.csv", tmp_path / "reference.csv")
    assert failed.returncode == 2
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in failed.stderr
    assert lines[0].startswith(f"{tmp_path / 'no-seed.csv'}: no column seed, test_loss; expected")
    off = reference.copy()
    off.loc[0, "test_loss"] += 1e-6
    off.to_csv(tmp_path / "off.csv", index=False)
    strict = compare(tmp_path / "off.csv", tmp_path / "reference.csv", "--strict")
    assert strict.returncode == 1, strict.stderr
    assert "a real discrepancy to investigate" in strict.stdout
    assert compare(tmp_path / "reference.csv", tmp_path / "reference.csv", "--strict").returncode == 0


def test_a_detectable_difference_inside_the_margin_is_noted_and_the_heading_follows_alpha():
    from rnn_replication.report import comparisons

    reference = summary({"lstm": [0.9860, 0.9861, 0.9862, 0.9861, 0.9860]})
    # Two tenths of a point lower on every seed, seeds that agree closely: detectable, but well inside
    # the half-point margin, as the judge notes it for the article's numbers.
    lower = summary({"lstm": [0.9840, 0.9841, 0.9842, 0.9841, 0.9840]})
    table = comparison.compare(lower, reference, MARGINS)
    accuracy = table.set_index("metric").loc["test_accuracy"]
    assert accuracy["verdict"] == "different" and -0.005 < accuracy["low"] and accuracy["high"] < 0.005
    assert accuracy["note"] == comparison.WITHIN_MARGIN
    # A whole point lower is different and not within the margin: no note.
    far = comparison.compare(summary({"lstm": [0.9760, 0.9761, 0.9762, 0.9761, 0.9760]}), reference, MARGINS)
    assert far.set_index("metric").loc["test_accuracy", "note"] == ""
    shown = comparisons.comparison_table(table, alpha=0.05)
    assert "ours − reference (90 % interval)" in shown.columns
    assert shown["verdict"].iloc[0] == f"different; {comparison.WITHIN_MARGIN}"
    assert "ours − reference (98 % interval)" in comparisons.comparison_table(table, alpha=0.01).columns


def test_fingerprints_that_look_like_numbers_are_read_back_as_written(tmp_path):
    from rnn_replication.core import records

    # pandas alone reads the first as the integer 12345678901 and the second as infinity.
    written = with_arithmetic(summary({"lstm": [0.9861, 0.9858]}), ["012345678901", "12e345678901"])
    written.to_csv(tmp_path / "summary.csv", index=False)
    assert records.read_summary(tmp_path / "summary.csv")["arithmetic"].tolist() == [
        "012345678901",
        "12e345678901",
    ]


def test_holm_adjusts_the_compared_numbers_together_and_the_verdicts_follow_the_adjusted_p_values():
    import numpy as np

    from rnn_replication.judge import inference

    ours = summary({"lstm": [0.9861, 0.9850, 0.9866, 0.9855], "gru": [0.9873, 0.9879, 0.9862, 0.9870]})
    reference = summary({"lstm": [0.9868, 0.9872, 0.9869, 0.9875], "gru": [0.9871, 0.9880, 0.9874, 0.9884]})
    table = comparison.compare(ours, reference, MARGINS)
    assert len(table) == 4 and (table["p_different"] < 1).all()
    for raw in ("p_different", "p_equivalent"):
        np.testing.assert_allclose(table[f"{raw}_holm"], inference.holm(table[raw]))
    # LSTM's accuracy differs before the correction over four numbers, not after it.
    lstm = table.set_index(["cell", "metric"]).loc[("lstm", "test_accuracy")]
    assert lstm["p_different"] < 0.05 <= lstm["p_different_holm"], lstm
    assert lstm["verdict"] != "different"
