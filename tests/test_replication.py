"""The verdicts on the article's numbers and claims, on synthetic runs with known answers."""

import ast
import json
import math
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rnn_replication.core import curves
from rnn_replication.core.spec import RunSpec
from rnn_replication.judge.claims import judge_claims
from rnn_replication.judge.descriptive import STATISTICS, seed_statistics, semantics_comparison, timing_ratios
from rnn_replication.judge.numbers import judge_numbers, judge_parameters
from rnn_replication.judge.outputs import replication_rows, write_replication
from rnn_replication.report import wording


def summary_of(rows):
    """A summary table of runs from (cell, form, semantics, seed, accuracy, loss[, params, s/epoch])."""
    records = []
    for cell, form, semantics, seed, accuracy, loss, *rest in rows:
        params, seconds = rest or (80384 if cell == "lstm" else 60288, 5.0)
        records.append(
            {
                "run": RunSpec(cell, form, semantics, seed).name,
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
    table = seed_statistics(summary).set_index(["cell", "form"])
    lstm = table.loc[("lstm", "single")]
    assert lstm["n"] == 3
    assert lstm["test_accuracy_mean"] == pytest.approx(0.99)
    assert lstm["test_accuracy_sd"] == pytest.approx(0.01)  # sample sd (n - 1)
    assert (lstm["test_accuracy_min"], lstm["test_accuracy_max"]) == (0.98, 1.00)
    assert lstm["test_loss_mean"] == pytest.approx(0.05) and lstm["test_loss_sd"] == pytest.approx(0.01)
    gru = table.loc[("gru", "stacked")]
    assert gru["n"] == 1 and math.isnan(gru["test_accuracy_sd"])


ARTICLE = {
    "results": {
        "simplernn": {
            "test_accuracy": 0.9733,
            "test_loss": 0.098,
            "recurrent_params": 20096,
            "us_per_step": 47,
        },
        "lstm": {"test_accuracy": 0.9867, "test_loss": 0.0465, "recurrent_params": 80384, "us_per_step": 133},
        "gru": {"test_accuracy": 0.9879, "test_loss": 0.0470, "recurrent_params": 60288, "us_per_step": 130},
    }
}
MARGINS = {"test_accuracy": 0.005, "test_loss": 0.02}


def seeds_around(mean, offsets):
    return [mean + offset for offset in offsets]


def five_seeds(cell, accuracies, losses, params):
    return [
        (cell, "single", "article", seed, accuracy, loss, params + 1290, 5.0)
        for seed, (accuracy, loss) in enumerate(zip(accuracies, losses, strict=True))
    ]


SPREAD = [-2, -1, 0, 1, 2]  # sample sd = 1.58 units


def known_summary():
    """LSTM close to the article with a tiny spread (replicated); GRU far above it with a tiny spread (not
    replicated); SimpleRNN around the article with SimpleRNN's real spread (inconclusive)."""
    return summary_of(
        five_seeds(
            "simplernn",
            seeds_around(0.9733, [0.0045 * o / 1.58 for o in SPREAD]),
            seeds_around(0.098, [0.019 * o / 1.58 for o in SPREAD]),
            20096,
        )
        + five_seeds(
            "lstm",
            seeds_around(0.9870, [0.0003 * o for o in SPREAD]),
            seeds_around(0.0470, [0.0005 * o for o in SPREAD]),
            80384,
        )
        + five_seeds(
            "gru",
            seeds_around(0.9950, [0.0003 * o for o in SPREAD]),
            seeds_around(0.0475, [0.0005 * o for o in SPREAD]),
            60672,  # Keras 3's reset_after=True: not the article's count
        )
        + [("lstm", "stacked", "article", 0, 0.999, 0.01, 213258, 9.0)]  # not single: not judged
    )


def test_each_article_number_gets_one_of_the_three_verdicts():
    table = judge_numbers(known_summary(), ARTICLE, MARGINS).set_index("id")
    assert len(table) == 6
    assert table.loc["lstm_test_accuracy", "verdict"] == "replicated"
    assert table.loc["lstm_test_loss", "verdict"] == "replicated"
    assert table.loc["gru_test_accuracy", "verdict"] == "not replicated"
    simple = table.loc["simplernn_test_accuracy"]
    assert simple["verdict"] == "consistent, inconclusive" and simple["n"] == 5
    assert simple["mean"] == pytest.approx(0.9733) and simple["sd"] == pytest.approx(0.0045, rel=0.01)
    assert simple["pi_low"] < 0.9733 < simple["pi_high"]
    # 1.645 x 0.45 points > 0.5 points: no number of seeds could show equivalence.
    assert "no number of seeds can decide it" in simple["note"] and pd.isna(simple["seeds_to_decide"])
    gru = table.loc["gru_test_accuracy"]
    assert not gru["pi_low"] <= 0.9879 <= gru["pi_high"] and gru["p_different_holm"] < 0.05


def test_holm_can_keep_a_value_just_outside_the_interval_consistent_and_says_so():
    # GRU loss: the article's 0.0470 just below our 95 % prediction interval, the other numbers clear.
    rows = five_seeds(
        "gru",
        seeds_around(0.9879, [0.0003 * o for o in SPREAD]),
        seeds_around(0.0495, [0.0005 * o for o in SPREAD]),
        60288,
    ) + five_seeds(
        "lstm",
        seeds_around(0.9867, [0.0003 * o for o in SPREAD]),
        seeds_around(0.0465, [0.0005 * o for o in SPREAD]),
        80384,
    )
    table = judge_numbers(summary_of(rows), ARTICLE, MARGINS).set_index("id")
    loss = table.loc["gru_test_loss"]
    assert not loss["pi_low"] <= loss["article"] <= loss["pi_high"]  # outside the unadjusted interval
    assert loss["p_different"] < 0.05 <= loss["p_different_holm"]
    assert loss["verdict"] != "not replicated"
    assert "not after Holm's correction over 4 numbers" in loss["note"]


def test_an_inconclusive_number_says_how_many_seeds_would_decide_it_at_the_bonferroni_level():
    from rnn_replication.judge import inference

    rows = five_seeds(
        "lstm",
        seeds_around(0.9867, [0.0012 * o for o in SPREAD]),
        seeds_around(0.0465, [0.0005 * o for o in SPREAD]),
        80384,
    )[:3]
    row = judge_numbers(summary_of(rows), ARTICLE, MARGINS).set_index("id").loc["lstm_test_accuracy"]
    assert row["verdict"] == "consistent, inconclusive"
    assert row["seeds_to_decide"] > 3 and f"about {int(row['seeds_to_decide'])} seeds" in row["note"]
    arguments = (row["difference"], row["sd"], 3, MARGINS["test_accuracy"])
    # Two numbers tested (LSTM's accuracy and loss): the level is 0.05 / 2.
    assert row["seeds_to_decide"] == inference.seeds_to_decide(*arguments, 0.05 / 2)
    assert row["seeds_to_decide"] != inference.seeds_to_decide(*arguments, 0.05)
    assert pd.notna(row["seeds_low"]) and row["seeds_low"] <= row["seeds_to_decide"]
    assert pd.isna(row["seeds_high"]) or row["seeds_high"] >= row["seeds_to_decide"]
    rate, decidable = inference.predictive_decision(*arguments, 0.05 / 2)
    assert row["decide_probability"] == pytest.approx(rate(int(row["seeds_to_decide"])))
    assert row["decidable"] == pytest.approx(decidable)


def test_one_seed_or_a_cell_not_run_is_not_tested_and_says_what_it_needs():
    rows = [("lstm", "single", "article", 0, 0.987, 0.05)]
    table = judge_numbers(summary_of(rows), ARTICLE, MARGINS).set_index("id")
    assert len(table) == 6 and set(table["verdict"]) == {"not tested"}
    assert table.loc["lstm_test_accuracy", "note"].startswith("needs at least two seeds")
    assert table.loc["gru_test_loss", "note"] == "needs single-layer GRU runs: gru in cells, single in forms"
    assert (table.loc["gru_test_loss", "n"], table.loc["lstm_test_loss", "n"]) == (0, 1)


def test_parameter_counts_are_compared_exactly():
    table = judge_parameters(known_summary(), ARTICLE).set_index("cell")
    assert table.loc["lstm", "verdict"] == "replicated (exact)"
    assert table.loc["gru", "verdict"] == "not replicated (exact)" and "60,672" in table.loc["gru", "note"]


CLAIMS = yaml.safe_load((Path(__file__).resolve().parents[1] / "paper" / "claims.yaml").read_text())["claims"]


def timing_of(seconds: dict[str, list[float]], busy: float = 0.01) -> pd.DataFrame:
    """A timing pass's rows (no positions: not checked for balance) on a machine whose other processes
    used ``busy`` of the CPU."""
    return pd.DataFrame(
        [
            {"repeat": repeat, "cell": cell, "seconds": value, "others_cpu_share": busy}
            | {"device": "CPU: test (2 cores)", "backend": "tensorflow"}
            for cell, values in seconds.items()
            for repeat, value in enumerate(values, start=1)
        ]
    )


def claims_verdicts(summary, timing) -> pd.Series:
    table = judge_claims(CLAIMS, ARTICLE, summary, timing, MARGINS)
    return table.set_index("id")["verdict"]


def test_claims_supported_on_seeds_that_show_them():
    timing = timing_of(
        {"simplernn": [1.3, 1.2, 1.4, 1.3], "lstm": [6.0, 6.2, 5.9, 6.1], "gru": [5.0, 5.3, 4.9, 5.1]}
    )
    verdicts = claims_verdicts(
        known_summary().assign(
            recurrent_params=lambda f: f["cell"].map({"simplernn": 20096, "lstm": 80384, "gru": 60288})
        ),
        timing,
    )
    assert verdicts["lstm_more_accurate_than_simplernn"] == "supported"
    assert verdicts["gru_more_accurate_than_simplernn"] == "supported"
    assert verdicts["gru_has_fewer_parameters"] == "holds by construction"
    assert verdicts["gru_trains_faster"] == "supported"
    # GRU 0.8 points above LSTM on every seed: beyond the +-0.5-point margin.
    assert verdicts["lstm_and_gru_differ_little"] == "contradicted"


def test_claims_contradicted_or_inconclusive_on_seeds_that_do_not_show_them():
    rows = (
        five_seeds("simplernn", seeds_around(0.990, [0.0003 * o for o in SPREAD]), [0.05] * 5, 20096)
        + five_seeds("lstm", seeds_around(0.9870, [0.0003 * o for o in SPREAD]), [0.05] * 5, 80384)
        + five_seeds("gru", seeds_around(0.9871, [0.0003 * -o for o in SPREAD]), [0.05] * 5, 60288)
    )
    timing = timing_of({"lstm": [6.0, 6.2, 5.9, 6.1], "gru": [7.0, 7.3, 6.9, 7.1]})
    verdicts = claims_verdicts(summary_of(rows), timing)
    assert verdicts["lstm_more_accurate_than_simplernn"] == "contradicted"
    assert verdicts["gru_more_accurate_than_simplernn"] == "contradicted"
    assert verdicts["lstm_and_gru_differ_little"] == "supported"
    assert verdicts["gru_trains_faster"] == "contradicted"
    noisy = timing_of({"lstm": [6.0, 7.2, 5.0, 6.1], "gru": [6.5, 6.0, 5.5, 6.0]})
    assert claims_verdicts(summary_of(rows), noisy)["gru_trains_faster"] == "inconclusive"
    no_timing = timing_of({"lstm": [6.0], "gru": [5.0]})
    assert claims_verdicts(summary_of(rows), no_timing)["gru_trains_faster"] == "not tested"


def test_replication_rows_hold_the_numbers_and_claims_with_the_promised_columns():
    timing = timing_of({"simplernn": [1.3, 1.2, 1.4], "lstm": [6.0, 6.2, 5.9], "gru": [5.0, 5.3, 4.9]})
    table = replication_rows(known_summary(), ARTICLE, CLAIMS, timing, MARGINS)
    for column in (
        "kind",
        "cell",
        "metric",
        "article",
        "n",
        "mean",
        "sd",
        "pi_low",
        "pi_high",
        "eq_low",
        "eq_high",
        "delta",
        "verdict",
    ):
        assert column in table.columns, column
    assert table["kind"].value_counts().to_dict() == {"number": 9, "claim": 5}
    speed = table.set_index("id").loc["gru_trains_faster"]
    assert speed["article"] == pytest.approx(130 / 133) and speed["mean"] < 1
    assert speed["eq_low"] < speed["mean"] < speed["eq_high"]


def test_the_judge_writes_the_tables_the_report_shows_and_the_report_reads_them_back(repo, tmp_path):
    from rnn_replication.report import inputs

    known_summary().to_csv(tmp_path / "summary.csv", index=False)
    timing_of({"simplernn": [1.3, 1.2, 1.4], "lstm": [6.0, 6.2, 5.9], "gru": [5.0, 5.3, 4.9]}).to_csv(
        tmp_path / "timing.csv", index=False
    )
    config = {"semantics": "article", "verdict": {"alpha": 0.05, "margins": MARGINS}}
    paths = {name: tmp_path / f"{name}.csv" for name in STATISTICS}
    paper = repo / "paper"
    write_replication(
        tmp_path / "summary.csv",
        tmp_path / "timing.csv",
        paper / "article.yaml",
        paper / "claims.yaml",
        config,
        tmp_path / "r.csv",
        paths,
    )
    spread = inputs.read_table(paths["seed_spread"]).set_index(["cell", "form"])
    assert spread.loc[("lstm", "single"), "n"] == 5 and spread.loc[("lstm", "stacked"), "n"] == 1
    ratios = inputs.read_table(paths["timing_ratios"]).set_index("first")
    assert ratios.loc["gru", "ratio"] == pytest.approx(
        math.exp(np.mean(np.log([5.0 / 6.0, 5.3 / 6.2, 4.9 / 5.9])))
    )
    assert inputs.read_table(paths["semantics"]).empty  # no runs under the other semantics


def test_sentences_and_the_rule_are_generated_from_the_rows():
    timing = timing_of({"simplernn": [1.3, 1.2, 1.4], "lstm": [6.0, 6.2, 5.9], "gru": [5.0, 5.3, 4.9]})
    table = replication_rows(known_summary(), ARTICLE, CLAIMS, timing, MARGINS)
    rows = {row["id"]: row for row in table.to_dict("records")}
    lstm = wording.number_sentence(rows["lstm_test_accuracy"])
    assert lstm.startswith("**LSTM test accuracy: replicated (equivalent within ±0.50 points).**")
    assert (
        "The article's 98.67 %" in lstm and "over 5 seeds; the sd is itself estimated, 95 % interval" in lstm
    )
    simple = wording.number_sentence(rows["simplernn_test_accuracy"])
    assert "consistent, inconclusive" in simple and "no number of seeds can decide it" in simple
    claims = {claim["id"]: claim for claim in CLAIMS}
    speed = wording.claim_sentence(rows["gru_trains_faster"], claims)
    assert speed.startswith("**Supported on this machine (CPU: test (2 cores), backend tensorflow)**")
    assert (
        "训练速度更快" in speed
        and "0.977x" in speed
        and "GRU trains faster than LSTM on this machine" in speed
    )
    parameters = wording.claim_sentence(rows["gru_has_fewer_parameters"], claims)
    assert parameters.startswith("**Holds by construction**") and "on each of 5 seeds" in parameters
    rule = wording.rule_text({"alpha": 0.05, "margins": MARGINS}, 6, 4)
    assert "±0.50 points in test accuracy" in rule and "±0.0200 in test loss" in rule
    assert "across the 6 tested numbers and, separately, across the 4 tested claims" in rule
    assert "t(0.975, n−1)" in rule
    assert "across the 1 tested number." in wording.rule_text({"alpha": 0.05, "margins": MARGINS}, 1, 0)
    assert "Nothing was tested" in wording.rule_text({"alpha": 0.05, "margins": MARGINS}, 0, 0)


def test_timing_ratios_are_paired_by_repeat_beside_the_articles():
    timing = timing_of({"simplernn": [1.0, 2.0, 1.0], "lstm": [3.0, 6.0, 3.0], "gru": [1.5, 3.0, 1.5]})
    ratios = timing_ratios(timing, ARTICLE).set_index("first")
    # Every repeat gives exactly 3x and 0.5x, however slow the repeat: paired, the interval is a point.
    assert ratios.loc["lstm", "ratio"] == pytest.approx(3.0) and ratios.loc["gru", "ratio"] == pytest.approx(
        0.5
    )
    assert ratios.loc["lstm", "article"] == pytest.approx(133 / 47)


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
    table = semantics_comparison(summary)
    assert table["cell"].tolist() == ["gru"]
    gru = table.iloc[0]
    assert gru["accuracy_delta"] == pytest.approx(0.004)
    assert gru["params_delta"] == 384 and gru["speed_ratio"] == pytest.approx(0.5)
    sentence = wording.semantics_sentence(gru)
    assert "reset_after=True" in sentence
    assert "99.10 % against 98.70 % (+0.40 points, 2.8 seed-to-seed sd; means over 2 seeds)" in sentence
    assert "60,672 recurrent parameters instead of 60,288 (+384)" in sentence
    assert "4.00 s per epoch instead of 8.00 (0.50x)" in sentence


def test_curve_band_is_mean_min_and_max_per_epoch():
    first = pd.DataFrame({"epoch": [1, 2], "val_accuracy": [0.90, 0.96]})
    second = pd.DataFrame({"epoch": [1, 2], "val_accuracy": [0.94, 0.98]})
    band = curves.curve_band([first, second], "val_accuracy")
    assert band["epoch"].tolist() == [1, 2]
    assert band["mean"].tolist() == pytest.approx([0.92, 0.97])
    assert band["min"].tolist() == [0.90, 0.96] and band["max"].tolist() == [0.94, 0.98]


def test_claims_without_an_exact_one_are_still_judged():
    statistical = [claim for claim in CLAIMS if claim["test"] != "exact_less"]
    timing = timing_of({"lstm": [6.0, 6.2, 5.9], "gru": [5.0, 5.3, 4.9]})
    table = judge_claims(statistical, ARTICLE, known_summary(), timing, MARGINS)
    assert len(table) == 4 and table["verdict"].notna().all()
    assert table.set_index("id").loc["gru_trains_faster", "verdict"] == "supported"


def test_the_interval_levels_follow_alpha():
    assert wording.interval_levels(0.05) == ("95 %", "90 %")
    assert wording.interval_levels(0.01) == ("99 %", "98 %")


def test_the_speed_claim_is_not_judged_from_a_busy_machine_nor_from_an_unbalanced_order():
    seconds = {"lstm": [6.0, 6.2, 5.9, 6.1], "gru": [5.0, 5.3, 4.9, 5.1]}
    busy = judge_claims(CLAIMS, ARTICLE, known_summary(), timing_of(seconds, busy=0.3), MARGINS)
    speed = busy.set_index("id").loc["gru_trains_faster"]
    assert speed["verdict"] == "not judged" and pd.isna(speed["p_equivalent"])
    assert speed["note"].startswith(
        "not judged: other processes took up to 30 % of the timing pass's CPUs during a timed epoch of "
        "GRU or LSTM; at most 10 % is allowed"
    )
    assert speed["mean"] < 1  # the estimate is still shown
    tested = busy[busy["p_equivalent"].notna()]
    assert len(tested) == 3  # the Holm family: the three accuracy claims only
    assert wording.verdict_label(speed.to_dict()).startswith("not judged: other processes took")
    # Just above the limit, the note says so in the digits it shows; retried repeats are told.
    edge = timing_of(seconds, busy=0.1004).assign(attempts=3)
    note = (
        judge_claims(CLAIMS, ARTICLE, known_summary(), edge, MARGINS)
        .set_index("id")
        .loc["gru_trains_faster", "note"]
    )
    assert "up to 10.04 % of the timing pass's CPUs" in note
    assert "after timing the disturbed repeats up to 3 times; at most 10 % is allowed" in note
    # GRU always timed second: an order effect could pass for a speed difference.
    unbalanced = timing_of(seconds).assign(position=lambda frame: frame["cell"].map({"lstm": 1, "gru": 2}))
    speed = judge_claims(CLAIMS, ARTICLE, known_summary(), unbalanced, MARGINS).set_index("id")
    assert speed.loc["gru_trains_faster", "verdict"] == "not judged"
    assert "not timed equally often in each position" in speed.loc["gru_trains_faster", "note"]
    balanced = unbalanced.assign(position=[1, 2, 1, 2, 2, 1, 2, 1])
    speed = judge_claims(CLAIMS, ARTICLE, known_summary(), balanced, MARGINS).set_index("id")
    assert speed.loc["gru_trains_faster", "verdict"] == "supported"


def test_claims_whose_cells_did_not_run_are_not_tested_and_say_what_they_need():
    summary = known_summary()
    lstm_only = summary[summary["cell"] == "lstm"]
    table = replication_rows(lstm_only, ARTICLE, CLAIMS, timing_of({"lstm": [6.0, 6.1]}), MARGINS)
    claims = table[table["kind"] == "claim"].set_index("id")
    assert set(claims["verdict"]) == {"not tested"} and (claims["n"] == 0).all()
    assert claims.loc["gru_trains_faster", "note"] == "needs GRU and LSTM in cells"
    assert claims.loc["lstm_more_accurate_than_simplernn", "note"].startswith(
        "needs single-layer LSTM and SimpleRNN runs"
    )
    numbers = table[table["kind"] == "number"].set_index("id")
    assert numbers.loc["gru_test_accuracy", "verdict"] == "not tested"
    assert numbers.loc["lstm_test_accuracy", "verdict"] != "not tested"


def judge_rule(repo) -> tuple[dict[str, str], str]:
    """workflow/rules/report.smk's judge rule: its inputs given as literal paths, by name, and its command up
    to the redirection of its log."""
    text = (repo / "workflow" / "rules" / "report.smk").read_text()
    rule = re.search(r"^rule judge:\n(.*?)(?=^\S|\Z)", text, re.M | re.S).group(1)
    inputs = re.search(r"^    input:\n(.*?)^    \w", rule, re.M | re.S).group(1)
    literal = dict(re.findall(r'^        (\w+)="([^"]*)",$', inputs, re.M))
    shell = re.search(r"^    shell:\n(.*)", rule, re.M | re.S).group(1)
    command = "".join(ast.literal_eval(line.strip()) for line in shell.splitlines() if line.strip())
    return literal, command.split(" > {log")[0]


def test_the_judge_reads_only_the_files_of_paper_its_rule_declares(repo, tmp_path):
    """Snakemake rejudges when a declared input changes: the judge, run by its rule's own command in a folder
    that holds only the rule's inputs (the declared files of paper/, the summary, the timing pass and the
    runs' histories at the summary's paths), must judge."""
    declared, command = judge_rule(repo)
    paper = {name: path for name, path in declared.items() if path.startswith("paper/")}
    assert set(paper) == {"article", "claims", "article_history", "features"}
    assert "paper" not in re.sub(r"\{[^}]*\}", "", command)  # paper/ files only through the inputs
    for path in paper.values():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repo / path, tmp_path / path)
    summary = known_summary()
    logged = pd.read_csv(repo / "paper" / "article_history.csv")
    summary["history_path"] = [f"runs/{run}/history.csv" for run in summary["run"]]
    for row in summary.itertuples():
        history = logged[logged["cell"] == row.cell].drop(columns=["cell", "us_per_step"])
        noise = np.random.default_rng(row.seed).normal(0, 0.002, (len(history), 4))
        history[["loss", "accuracy", "val_loss", "val_accuracy"]] += noise
        (tmp_path / row.history_path).parent.mkdir(parents=True)
        history.to_csv(tmp_path / row.history_path, index=False)
    summary.to_csv(tmp_path / "summary.csv", index=False)
    timing_of({"simplernn": [1.3, 1.2, 1.4], "lstm": [6.0, 6.2, 5.9], "gru": [5.0, 5.3, 4.9]}).to_csv(
        tmp_path / "timing.csv", index=False
    )
    settings = {"semantics": "article", "verdict": {"alpha": 0.05, "margins": MARGINS}}
    values = {f"input.{name}": path for name, path in paper.items()} | {
        "input.summary": "summary.csv",
        "input.timing": "timing.csv",
        "params.settings": json.dumps(settings),
    }

    def value(match: re.Match) -> str:
        name = match.group(1)
        return shlex.quote(f"{name.split('.')[1]}.csv" if name.startswith("output.") else values[name])

    python, script, *arguments = shlex.split(re.sub(r"\{([\w.]+):q\}", value, command))
    assert python == "python"
    done = subprocess.run(
        [sys.executable, str(repo / script), *arguments], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "replication.csv").exists() and (tmp_path / "seed_spread.csv").exists()
    curves = pd.read_csv(tmp_path / "curves.csv")
    assert len(curves) == 3 * 4 + 3 * 3 and curves["p_different"].notna().sum() >= 12
    assert len(pd.read_csv(tmp_path / "curve_bands.csv")) == 3 * 4 * 20


def test_one_number_is_judged_by_the_prediction_t_with_the_configured_margin():
    from scipy import stats

    from rnn_replication.judge.numbers import judge_number

    values, article = [0.9861, 0.9858, 0.9866, 0.9870, 0.9855], 0.9890
    row = judge_number(article, values, 0.005)
    difference = article - np.mean(values)
    scale = np.std(values, ddof=1) * math.sqrt(1 + 1 / 5)
    assert row["p_different"] == pytest.approx(2 * stats.t.sf(abs(difference) / scale, 4))
    within = max(stats.t.sf((difference + 0.005) / scale, 4), stats.t.cdf((difference - 0.005) / scale, 4))
    assert row["p_equivalent"] == pytest.approx(within) and row["delta"] == 0.005
    half = stats.t.ppf(0.95, 4) * scale
    assert (row["eq_low"], row["eq_high"]) == pytest.approx((difference - half, difference + half))


def holm_claims_summary():
    """LSTM and GRU above SimpleRNN on every seed by an amount whose one-sided p-value is 0.03 each, and
    equal to each other: three tested claims, two of them significant only before Holm's correction."""
    from scipy import stats

    offsets = [0.001 * o for o in SPREAD]  # paired differences with sd 0.00158
    gain = stats.t.isf(0.03, 4) * np.std(offsets, ddof=1) / math.sqrt(5)
    simple = seeds_around(0.9730, [0.002 * o for o in SPREAD])
    better = [value + gain + offset for value, offset in zip(simple, offsets, strict=True)]
    return summary_of(
        five_seeds("simplernn", simple, [0.09] * 5, 20096)
        + five_seeds("lstm", better, [0.05] * 5, 80384)
        + five_seeds("gru", better, [0.05] * 5, 60288)
    )


def test_the_tested_claims_are_holm_corrected_together():
    from rnn_replication.judge import inference

    timing = timing_of({"lstm": [6.0], "gru": [5.0]})  # one repeat: the speed claim is not tested
    table = judge_claims(CLAIMS, ARTICLE, holm_claims_summary(), timing, MARGINS).set_index("id")
    greater = ["lstm_more_accurate_than_simplernn", "gru_more_accurate_than_simplernn"]
    # Student's t on the paired differences: p = 0.03 exactly (z would give 0.005).
    assert table.loc[greater, "p_equivalent"].tolist() == pytest.approx([0.03, 0.03])
    tested = table["p_equivalent"].notna()
    assert tested.sum() == 3
    for raw, adjusted in (("p_equivalent", "p_equivalent_holm"), ("p_different", "p_different_holm")):
        np.testing.assert_allclose(table.loc[tested, adjusted], inference.holm(table.loc[tested, raw]))
    # 0.03 < 0.05 alone, but Holm over three tested claims makes it 0.06.
    assert set(table.loc[greater, "verdict"]) == {"inconclusive"}
    assert table.loc["lstm_and_gru_differ_little", "verdict"] == "supported"


def test_a_claim_beyond_the_margin_is_contradicted_by_the_doubled_one_sided_p_value():
    from scipy import stats

    rows = (
        five_seeds("lstm", seeds_around(0.9870, [0.0003 * o for o in SPREAD]), [0.05] * 5, 80384)
        + five_seeds("gru", seeds_around(0.9932, [0.0005 * o for o in SPREAD]), [0.05] * 5, 60288)
        + five_seeds("simplernn", seeds_around(0.9730, [0.0003 * o for o in SPREAD]), [0.09] * 5, 20096)
    )
    table = judge_claims(CLAIMS, ARTICLE, summary_of(rows), None, MARGINS).set_index("id")
    row = table.loc["lstm_and_gru_differ_little"]
    differences = np.array([0.9870 + 0.0003 * o - (0.9932 + 0.0005 * o) for o in SPREAD])
    below = stats.ttest_1samp(differences, -0.005, alternative="less").pvalue
    assert row["p_different"] == pytest.approx(2 * below)


def test_each_number_gets_its_power_against_a_miss_of_two_margins_at_holms_first_step():
    from rnn_replication.judge import inference

    table = judge_numbers(known_summary(), ARTICLE, MARGINS)
    for row in table.to_dict("records"):
        assert row["miss"] == 2 * MARGINS[row["metric"]]
        power = inference.miss_power(row["miss"], row["sd"], row["n"], 0.05 / 6)
        assert row["power"] == pytest.approx(power)
        assert row["power_low"] <= row["power"] <= row["power_high"]
    simple = table.set_index("id").loc["simplernn_test_accuracy"]
    assert simple["power_low"] == pytest.approx(inference.miss_power(0.01, simple["sd_high"], 5, 0.05 / 6))
    # Fewer numbers tested: a smaller family, so more power; another size of miss from the config.
    two_cells = known_summary()[lambda f: f["cell"] != "gru"]
    smaller = judge_numbers(two_cells, ARTICLE, MARGINS, miss_margins=3).set_index("id")
    row = smaller.loc["simplernn_test_accuracy"]
    assert row["miss"] == pytest.approx(0.015)
    assert row["power"] == pytest.approx(inference.miss_power(0.015, row["sd"], 5, 0.05 / 4))
    assert pd.isna(smaller.loc["gru_test_accuracy", "power"])


def test_no_number_of_seeds_can_decide_it_only_where_unlimited_seeds_rarely_would():
    from rnn_replication.judge.numbers import seeds_sentence

    none = {"seeds_to_decide": None, "seeds_low": None, "seeds_high": None, "predictive_seeds": None}
    hopeless = seeds_sentence(none | {"decide_probability": math.nan, "decidable": 0.02}, 5)
    assert hopeless.startswith("practically no number of seeds can decide it") and "2 %" in hopeless
    uncertain = seeds_sentence(none | {"decide_probability": math.nan, "decidable": 0.3}, 5)
    assert uncertain == (
        "at the observed mean and sd no count up to 1,000 decides it; over the means and sds that 5 seeds"
        " allow, unlimited seeds decide it with probability 30 %"
    )
    plug_in = none | {"seeds_to_decide": 57, "seeds_low": 7, "decide_probability": 0.48, "decidable": 0.52}
    sentence = seeds_sentence(plug_in, 5)
    assert "about 57 seeds would decide it with 80 % probability were the observed mean and sd" in sentence
    assert "(7 to more than 1,000 over the sd's interval)" in sentence
    assert "57 seeds decide it with probability 48 %" in sentence and "no count reaches 80 %" in sentence
    reached = seeds_sentence(plug_in | {"predictive_seeds": 90, "decidable": 0.9}, 5)
    assert reached.endswith("and about 90 seeds reach 80 %")


def test_the_default_replications_report_gives_power_and_the_uncertain_seeds_to_decide(repo):
    from rnn_replication.core import paper, records
    from rnn_replication.report.verdicts import numbers_table

    summary = records.read_summary(repo / "reference" / "default-article-summary.csv")
    article = paper.read_article(repo / "paper" / "article.yaml")
    table = judge_numbers(summary[summary["semantics"] == "article"], article, MARGINS)
    loss = table.set_index("id").loc["lstm_test_loss"]
    # The plug-in count promises 80 %; over what 5 seeds allow, it decides about half the time.
    assert loss["verdict"] == "consistent, inconclusive" and loss["seeds_to_decide"] > 5
    assert 0.3 < loss["decide_probability"] < 0.7
    shown = numbers_table(table).set_index(["cell", "number"])
    power = shown.loc[("SimpleRNN", "test accuracy"), "power against a miss"]
    assert re.fullmatch(r"1[78] % against ±1\.00 points \(\d+–\d+ % over the sd's interval\)", power), power
    sentence = wording.number_sentence(table.set_index("id").loc["simplernn_test_accuracy"].to_dict())
    said = r"would call it not replicated with probability about 1[78] % at the observed sd \("
    assert re.search(said, sentence), sentence
