"""Spread over seeds and the replication verdicts, on synthetic metrics with known answers."""

import math

import pandas as pd
import pytest
from rnn_replication import replication, reporting


def summary_of(rows):
    """A summary table of runs from (cell, form, semantics, seed, accuracy, loss[, params, s/epoch])."""
    records = []
    for cell, form, semantics, seed, accuracy, loss, *rest in rows:
        params, seconds = rest or (80384 if cell == "lstm" else 60288, 5.0)
        records.append(
            {
                "run": reporting.run_name(cell, form, semantics, seed),
                "cell": cell,
                "form": form,
                "semantics": semantics,
                "seed": seed,
                "test_accuracy": accuracy,
                "test_loss": loss,
                "total_params": params,
                "recurrent_params": params - 1290,
                "seconds_per_epoch": seconds,
            }
        )
    return pd.DataFrame(records)


def test_seed_statistics_give_n_mean_sample_sd_min_and_max_per_configuration():
    summary = summary_of(
        [
            ("lstm", "single", "article", 0, 0.98, 0.06),
            ("lstm", "single", "article", 1, 0.99, 0.05),
            ("lstm", "single", "article", 2, 1.00, 0.04),
            ("gru", "stacked", "article", 0, 0.97, 0.10),
        ]
    )
    table = replication.seed_statistics(summary).set_index(["cell", "form"])
    lstm = table.loc[("lstm", "single")]
    assert lstm["n"] == 3
    assert lstm["test_accuracy_mean"] == pytest.approx(0.99)
    assert lstm["test_accuracy_sd"] == pytest.approx(0.01)  # sample sd (n - 1)
    assert (lstm["test_accuracy_min"], lstm["test_accuracy_max"]) == (0.98, 1.00)
    assert lstm["test_loss_mean"] == pytest.approx(0.05) and lstm["test_loss_sd"] == pytest.approx(0.01)
    gru = table.loc[("gru", "stacked")]
    assert gru["n"] == 1 and math.isnan(gru["test_accuracy_sd"])


@pytest.mark.parametrize(
    ("article", "rule", "expected", "distance"),
    [
        (0.995, "mean_2sd", "replicated", 1.5),  # mean 0.98, sd 0.01
        (0.960, "mean_2sd", "replicated", -2.0),  # on the edge counts as inside
        (1.005, "mean_2sd", "not replicated", 2.5),
        (0.995, "min_max", "not replicated", 1.5),  # outside [0.97, 0.99]
        (0.975, "min_max", "replicated", -0.5),
    ],
)
def test_verdict_follows_the_chosen_rule(article, rule, expected, distance):
    judged = replication.verdict(article, [0.97, 0.98, 0.99], rule)
    assert judged["verdict"] == expected
    assert judged["distance_sd"] == pytest.approx(distance)
    assert (judged["n"], judged["min"], judged["max"]) == (3, 0.97, 0.99)
    assert judged["mean"] == pytest.approx(0.98) and judged["sd"] == pytest.approx(0.01)


def test_one_run_gets_no_verdict_and_identical_runs_only_match_their_value():
    single = replication.verdict(0.98, [0.97])
    assert single["verdict"] == "undecided (1 run)" and math.isnan(single["distance_sd"])
    assert replication.verdict(0.97, [0.97, 0.97])["verdict"] == "replicated"
    assert replication.verdict(0.98, [0.97, 0.97])["verdict"] == "not replicated"
    with pytest.raises(ValueError, match="unknown replication rule 'loose'; expected one of mean_2sd"):
        replication.verdict(0.98, [0.97, 0.99], "loose")


def article_results():
    """The shape of paper/article.yaml's results, with round numbers."""
    return {
        "results": {
            "simplernn": {"test_accuracy": 0.97, "test_loss": 0.10},
            "lstm": {"test_accuracy": 0.99, "test_loss": 0.05},
            "gru": {"test_accuracy": 0.99, "test_loss": 0.04},
        }
    }


def test_replication_table_and_sentences_are_generated_from_the_numbers():
    summary = summary_of(
        [
            ("simplernn", "single", "article", 0, 0.965, 0.11),
            ("lstm", "single", "article", 0, 0.985, 0.05),
            ("lstm", "single", "article", 1, 0.986, 0.05),
            ("lstm", "single", "article", 2, 0.987, 0.05),
            ("lstm", "stacked", "article", 0, 0.999, 0.01),  # not single: not in the article's table
        ]
    )
    table = replication.replication_table(summary, article_results()).set_index("cell")
    assert list(table.index) == ["simplernn", "lstm"]  # no GRU run
    lstm = table.loc["lstm"]
    assert lstm["n"] == 3 and lstm["test_accuracy_verdict"] == "not replicated"
    assert lstm["test_accuracy_distance_sd"] == pytest.approx(4.0)  # (0.99 - 0.986) / 0.001
    assert lstm["test_accuracy_delta"] == pytest.approx(-0.004)
    sentence = replication.replication_sentence(lstm)
    assert sentence.startswith("**LSTM: not replicated.**")
    assert "99.00 %" in sentence and "98.60 % ± 0.10 over 3 seeds" in sentence
    assert "4.0 sd above our mean" in sentence and "-0.40 points" in sentence
    assert "replicated" in replication.replication_sentence(lstm, "min_max")
    simple = replication.replication_sentence(table.loc["simplernn"])
    assert "one run, 96.50 %" in simple and "no verdict" in simple


def test_semantics_comparison_states_what_changed_and_by_how_much():
    summary = summary_of(
        [
            ("gru", "single", "article", 0, 0.986, 0.05, 61578, 8.0),
            ("gru", "single", "article", 1, 0.988, 0.05, 61578, 8.0),
            ("gru", "single", "modern", 0, 0.990, 0.04, 61962, 4.0),
            ("gru", "single", "modern", 1, 0.992, 0.04, 61962, 4.0),
            ("lstm", "single", "article", 0, 0.985, 0.05),  # no modern run: left out
        ]
    )
    table = replication.semantics_comparison(summary)
    assert table["cell"].tolist() == ["gru"]
    gru = table.iloc[0]
    assert gru["accuracy_delta"] == pytest.approx(0.004)
    assert gru["params_delta"] == 384 and gru["speed_ratio"] == pytest.approx(0.5)
    sentence = replication.semantics_sentence(gru)
    assert "reset_after=True" in sentence
    assert "99.10 % against 98.70 % (+0.40 points, 2.8 seed-to-seed sd; means over 2 seeds)" in sentence
    assert "60,672 recurrent parameters instead of 60,288 (+384)" in sentence
    assert "4.00 s per epoch instead of 8.00 (0.50x)" in sentence


def test_curve_band_is_mean_min_and_max_per_epoch():
    first = pd.DataFrame({"epoch": [1, 2], "val_accuracy": [0.90, 0.96]})
    second = pd.DataFrame({"epoch": [1, 2], "val_accuracy": [0.94, 0.98]})
    band = replication.curve_band([first, second], "val_accuracy")
    assert band["epoch"].tolist() == [1, 2]
    assert band["mean"].tolist() == pytest.approx([0.92, 0.97])
    assert band["min"].tolist() == [0.90, 0.96] and band["max"].tolist() == [0.94, 0.98]
