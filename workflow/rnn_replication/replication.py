"""Does it replicate? Spread over seeds, a verdict per cell, and the Keras 2.2 vs Keras 3 study.

Every sentence here is generated from the numbers it is given; nothing is written by hand.
"""

from __future__ import annotations

import math

import pandas as pd

from . import CELLS

METRICS = ("test_accuracy", "test_loss")
RULES = {
    "mean_2sd": "within our mean ± 2 standard deviations over seeds",
    "min_max": "within our [min, max] over seeds",
}
# What the modern semantics change, per cell (see models.recurrent_layer_options).
SEMANTICS_CHANGES = {
    "simplernn": "unroll=False only: the same mathematics, computed in a loop instead of unrolled",
    "lstm": "sigmoid instead of Keras 2.2's hard sigmoid (slope 0.2) for the gates, and unroll=False",
    "gru": "sigmoid instead of hard sigmoid for the gates, reset_after=True (a second recurrent bias), "
    "and unroll=False",
}


def seed_statistics(summary: pd.DataFrame) -> pd.DataFrame:
    """n, mean, sample standard deviation, min and max of final test accuracy and loss per
    configuration (cell, form, semantics), in the summary's order. sd is NaN where n = 1."""
    keys = ["cell", "form", "semantics"]
    grouped = summary.groupby(keys, sort=False)
    table = grouped.size().rename("n").to_frame()
    for metric in METRICS:
        values = grouped[metric]
        table[f"{metric}_mean"] = values.mean()
        table[f"{metric}_sd"] = values.std(ddof=1)
        table[f"{metric}_min"] = values.min()
        table[f"{metric}_max"] = values.max()
    return table.reset_index()


def verdict(article_value: float, values, rule: str = "mean_2sd") -> dict:
    """Whether ``article_value`` lies within the spread of ``values`` (one per seed) under ``rule``.

    Returns n, mean, sd, min, max, distance_sd (article - mean, in sd; NaN with one run or no spread)
    and verdict: "replicated", "not replicated" or "undecided (1 run)".
    """
    if rule not in RULES:
        raise ValueError(f"unknown replication rule {rule!r}; expected one of {', '.join(RULES)}")
    values = pd.Series(values, dtype=float)
    if values.empty:
        raise ValueError("no runs to judge")
    n, mean = len(values), float(values.mean())
    sd = float(values.std(ddof=1)) if n >= 2 else math.nan
    low, high = float(values.min()), float(values.max())
    distance = (article_value - mean) / sd if n >= 2 and sd > 0 else math.nan
    if n < 2:
        outcome = "undecided (1 run)"
    elif rule == "min_max":
        outcome = "replicated" if low <= article_value <= high else "not replicated"
    elif sd > 0:
        outcome = "replicated" if abs(distance) <= 2 else "not replicated"
    else:  # every seed gave the same value: only that value is inside the band
        outcome = "replicated" if article_value == mean else "not replicated"
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "min": low,
        "max": high,
        "distance_sd": distance,
        "verdict": outcome,
    }


def replication_table(summary: pd.DataFrame, article: dict, rule: str = "mean_2sd") -> pd.DataFrame:
    """One row per single-layer cell of the article: its test accuracy and loss beside ours over seeds,
    with a verdict for each. ``summary`` holds the runs of one semantics."""
    single = summary[summary["form"] == "single"]
    rows = []
    for cell, theirs in article["results"].items():
        ours = single[single["cell"] == cell]
        if ours.empty:
            continue
        row = {"cell": cell, "label": CELLS[cell]}
        for metric in METRICS:
            judged = verdict(theirs[metric], ours[metric], rule)
            row[f"{metric}_article"] = theirs[metric]
            row.update({f"{metric}_{key}": value for key, value in judged.items()})
            row[f"{metric}_delta"] = judged["mean"] - theirs[metric]
        row["n"] = row.pop("test_accuracy_n")
        del row["test_loss_n"]
        rows.append(row)
    return pd.DataFrame(rows)


def percent(value: float) -> str:
    return f"{100 * value:.2f} %"


def replication_sentence(row, rule: str = "mean_2sd") -> str:
    """One sentence on one cell's test accuracy, from a row of :func:`replication_table`."""
    label, n = row["label"], int(row["n"])
    article_value, mean = row["test_accuracy_article"], row["test_accuracy_mean"]
    delta = 100 * row["test_accuracy_delta"]
    if n < 2:
        return (
            f"**{label}**: one run, {percent(mean)} against the article's {percent(article_value)} "
            f"({delta:+.2f} points). One seed shows no spread, so there is no verdict: "
            f"run several seeds (config/seeds5.yaml) to get one."
        )
    sd, distance = row["test_accuracy_sd"], row["test_accuracy_distance_sd"]
    spread = (
        f"{percent(mean)} ± {100 * sd:.2f} over {n} seeds "
        f"(range {percent(row['test_accuracy_min'])} to {percent(row['test_accuracy_max'])})"
    )
    if math.isnan(distance):
        where = "every seed gave the same value"
    else:
        side = "above" if distance > 0 else "below"
        where = f"{abs(distance):.1f} sd {side} our mean"
    if row["test_accuracy_verdict"] == "replicated":
        return (
            f"**{label}: replicated.** The article's {percent(article_value)} lies {RULES[rule]}: "
            f"we get {spread}; the article is {where}."
        )
    return (
        f"**{label}: not replicated.** The article's {percent(article_value)} lies outside the band "
        f"({RULES[rule]}): we get {spread}; the article is {where} ({delta:+.2f} points)."
    )


def semantics_comparison(summary: pd.DataFrame) -> pd.DataFrame:
    """Single-layer cells run under both semantics: accuracy, loss, parameters and seconds per epoch
    of each (means over seeds), one row per cell that has runs of both."""
    single = summary[summary["form"] == "single"]
    rows = []
    for cell in CELLS:
        runs = single[single["cell"] == cell]
        by_semantics = {name: runs[runs["semantics"] == name] for name in ("article", "modern")}
        if any(frame.empty for frame in by_semantics.values()):
            continue
        row = {"cell": cell, "label": CELLS[cell]}
        for name, frame in by_semantics.items():
            row[f"n_{name}"] = len(frame)
            row[f"test_accuracy_{name}"] = frame["test_accuracy"].mean()
            row[f"test_accuracy_sd_{name}"] = frame["test_accuracy"].std(ddof=1)
            row[f"test_loss_{name}"] = frame["test_loss"].mean()
            row[f"total_params_{name}"] = int(frame["total_params"].iloc[0])
            row[f"recurrent_params_{name}"] = int(frame["recurrent_params"].iloc[0])
            row[f"seconds_per_epoch_{name}"] = frame["seconds_per_epoch"].mean()
        row["accuracy_delta"] = row["test_accuracy_modern"] - row["test_accuracy_article"]
        row["params_delta"] = row["recurrent_params_modern"] - row["recurrent_params_article"]
        row["speed_ratio"] = row["seconds_per_epoch_modern"] / row["seconds_per_epoch_article"]
        rows.append(row)
    return pd.DataFrame(rows)


def semantics_sentence(row) -> str:
    """What changed for one cell between Keras 2.2 and Keras 3 semantics, and by how much."""
    label, modern, article = row["label"], row["test_accuracy_modern"], row["test_accuracy_article"]
    accuracy = (
        f"test accuracy {percent(modern)} against {percent(article)} "
        f"({100 * row['accuracy_delta']:+.2f} points"
    )
    n = min(row["n_article"], row["n_modern"])
    if n >= 2:
        variances = row["test_accuracy_sd_article"] ** 2 + row["test_accuracy_sd_modern"] ** 2
        pooled_sd = math.sqrt(variances / 2)
        if pooled_sd > 0:
            accuracy += f", {abs(row['accuracy_delta']) / pooled_sd:.1f} seed-to-seed sd"
        accuracy += f"; means over {n} seeds"
    accuracy += ")"
    if row["params_delta"]:
        params = (
            f"{row['recurrent_params_modern']:,} recurrent parameters instead of "
            f"{row['recurrent_params_article']:,} ({row['params_delta']:+,})"
        )
    else:
        params = f"the same {row['recurrent_params_article']:,} recurrent parameters"
    seconds_modern, seconds_article = row["seconds_per_epoch_modern"], row["seconds_per_epoch_article"]
    speed = f"{seconds_modern:.2f} s per epoch instead of {seconds_article:.2f} ({row['speed_ratio']:.2f}x)"
    return f"**{label}** ({SEMANTICS_CHANGES[row['cell']]}): {accuracy}; {params}; {speed}."


def curve_band(histories: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """Mean, min and max of one history column over seeds, per epoch (epochs all runs have)."""
    stacked = pd.concat([h.set_index("epoch")[column] for h in histories], axis=1, join="inner")
    return pd.DataFrame(
        {"mean": stacked.mean(axis=1), "min": stacked.min(axis=1), "max": stacked.max(axis=1)}
    ).reset_index()
