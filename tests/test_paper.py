"""The article's numbers in paper/ against what the article states in its text."""

import pandas as pd
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
    assert [article["results"][c]["seconds_per_epoch"] for c in STATED] == [3, 8, 8]


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
