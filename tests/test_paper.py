"""The article's numbers in paper/ against what the article states in its text."""

import pandas as pd
import pytest
import yaml

# Stated in the article's text (final test accuracy) and model.summary() (parameters).
STATED = {
    "simplernn": {"test_accuracy": 0.9733, "recurrent_params": 20096, "total_params": 21386},
    "lstm": {"test_accuracy": 0.9867, "recurrent_params": 80384, "total_params": 81674},
    "gru": {"test_accuracy": 0.9879, "recurrent_params": 60288, "total_params": 61578},
}


def load(repo):
    article = yaml.safe_load((repo / "paper" / "article.yaml").read_text(encoding="utf-8"))
    history = pd.read_csv(repo / "paper" / "article_history.csv")
    return article, history


def test_result_table_matches_the_articles_stated_values(repo):
    article, _ = load(repo)
    for cell, stated in STATED.items():
        result = article["results"][cell]
        for key, value in stated.items():
            assert result[key] == value, (cell, key)
        assert result["dense_params"] == 1290
        assert result["total_params"] == result["recurrent_params"] + result["dense_params"]
    # Steady epochs as logged: microseconds per sample x 60,000 samples, not the log's rounded 3 / 8 / 8 s.
    for cell, seconds in zip(STATED, (2.82, 7.98, 7.80), strict=True):
        result = article["results"][cell]
        assert result["seconds_per_epoch"] == seconds == round(result["us_per_step"] * 60000 / 1e6, 2)


def test_claims_quote_the_article_and_name_a_known_test(repo):
    claims = yaml.safe_load((repo / "paper" / "claims.yaml").read_text(encoding="utf-8"))["claims"]
    text = next((repo.parent / "shared" / "seed").glob("*.txt"), None)
    for claim in claims:
        assert claim["test"] in ("paired_greater", "paired_equivalent", "exact_less", "paired_ratio_less")
        assert set(claim["compares"]) <= set(STATED) and claim["en"] and claim["zh"]
        if text is not None:  # the captured article, where this checkout has it beside it
            assert claim["zh"] in text.read_text(encoding="utf-8"), claim["id"]
    assert {claim["id"] for claim in claims} == {
        "lstm_more_accurate_than_simplernn",
        "gru_more_accurate_than_simplernn",
        "lstm_and_gru_differ_little",
        "gru_has_fewer_parameters",
        "gru_trains_faster",
    }


def test_history_has_all_twenty_epochs_of_each_run(repo):
    _, history = load(repo)
    assert list(history.columns) == [
        "cell",
        "epoch",
        "seconds",
        "us_per_step",
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
    ]
    for cell in STATED:
        epochs = history[history["cell"] == cell]["epoch"].tolist()
        assert epochs == list(range(1, 21)), cell
    assert history[["loss", "accuracy", "val_loss", "val_accuracy"]].notna().all().all()


def test_last_logged_epoch_agrees_with_the_final_evaluation(repo):
    article, history = load(repo)
    for cell in STATED:
        last = history[(history["cell"] == cell) & (history["epoch"] == 20)].iloc[0]
        assert last["val_accuracy"] == STATED[cell]["test_accuracy"]
        assert abs(last["val_loss"] - article["results"][cell]["test_loss"]) < 5e-5
    first = history[(history["cell"] == "simplernn") & (history["epoch"] == 1)].iloc[0]
    assert (first["loss"], first["accuracy"], first["val_loss"], first["val_accuracy"]) == (
        0.4584,
        0.8615,
        0.2459,
        0.9308,
    )


def test_the_features_of_the_log_are_transcribed_from_it(repo):
    """paper/features.yaml's values are what the log in article_history.csv gives (the judge reads them
    there and computes ours with the same functions)."""
    from rnn_replication.core.paper import read_features
    from rnn_replication.judge.curves import FEATURES, feature_value

    _, history = load(repo)
    features = read_features(repo / "paper" / "features.yaml")
    assert [feature["id"] for feature in features] == ["best_val_epoch", "final_gap", "epochs_to_97"]
    for feature in features:
        assert feature["feature"] in FEATURES and feature["en"]
        assert set(feature["article"]) == set(STATED)
        for cell, value in feature["article"].items():
            assert feature_value(history[history["cell"] == cell], feature) == pytest.approx(
                value, abs=1e-9
            ), (
                feature["id"],
                cell,
            )
