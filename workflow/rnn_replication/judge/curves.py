"""The article's training curves judged against our seeds' curves: for each cell and each series of its
log (loss, accuracy, validation loss, validation accuracy), is the article's whole curve one that our
setup would produce?

The article's log is one run; ours are n seeds. At each epoch t the article's value is compared with our
seeds' as one more draw, as for the final numbers (:func:`inference.p_different`: a t prediction test
with n - 1 degrees of freedom and scale sd(t) sqrt(1 + 1/n)). A curve has T epochs, and one epoch in
twenty would lie outside a per-epoch 95 % interval by chance, so the curve is judged over all its epochs
at once: its p-value is Bonferroni's over the epochs, T x the smallest per-epoch p-value (capped at 1),
which keeps the level whatever the correlation between epochs. Its band, drawn with the curves, is the
simultaneous prediction band mean(t) +- t(1 - alpha / 2T, n - 1) sd(t) sqrt(1 + 1/n): the article's curve
leaves it at some epoch exactly when its p-value is below alpha. Holm's correction runs across the
family of judged curves, as across the final numbers. Bonferroni over strongly correlated epochs is
conservative (docs/statistics.md measures how much); with 5 seeds the band is wide.

"Not replicated": the article's curve leaves the band (after Holm's correction), at the epochs named and
in the direction named. Otherwise "consistent, inconclusive": inside the band says no epoch is shown to
differ, not that the curves are the same.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from scipy import stats

from rnn_replication.core.history import HISTORY_COLUMNS
from rnn_replication.judge import inference
from rnn_replication.judge.inference import INCONCLUSIVE, NOT_REPLICATED, NOT_TESTED

# The series of a Keras log, as paper/article_history.csv and our history.csv name them.
SERIES = tuple(column for column in HISTORY_COLUMNS if column not in ("epoch", "seconds"))
# results/curves.csv: a row per curve (kind "curve", id: the series) and per feature of paper/features.yaml
# (kind "feature", id: the feature's), one family for Holm's correction. For a feature, ``article`` is the
# article's value, ``mean``/``sd`` ours over seeds and ``low``/``high`` the 100(1 - alpha) % prediction
# interval for one new run.
CURVE_COLUMNS = [
    "kind",
    "cell",
    "id",
    "n",
    "epochs",
    "article",
    "mean",
    "sd",
    "low",
    "high",
    "p_different",
    "p_different_holm",
    "verdict",
    "epochs_outside",
    "direction",
    "note",
]
# results/curve_bands.csv: per tested curve and epoch, the article's value, our mean and the simultaneous
# band (what the report draws); ``outside`` marks the epochs where the article's curve leaves it.
BAND_COLUMNS = ["cell", "series", "epoch", "article", "mean", "low", "high", "outside"]


def band(seeds: np.ndarray, alpha: float = 0.05) -> dict:
    """The simultaneous prediction band of one new curve from ``seeds`` (n curves x T epochs): mean, low
    and high per epoch, mean +- t(1 - alpha / 2T, n - 1) sd sqrt(1 + 1/n)."""
    seeds = np.asarray(seeds, dtype=float)
    n, epochs = seeds.shape
    mean, sd = seeds.mean(axis=0), seeds.std(axis=0, ddof=1)
    half = stats.t.ppf(1 - alpha / (2 * epochs), n - 1) * inference.prediction_scale(sd, n)
    return {"mean": mean, "low": mean - half, "high": mean + half}


def curve_test(article, seeds, alpha: float = 0.05) -> dict:
    """One curve of the article's (T values) against ``seeds`` (n x T): the Bonferroni p-value over the
    epochs, the epochs (1-based) where the article's curve leaves the simultaneous band, and on which side
    ("below", "above", or both)."""
    article, seeds = np.asarray(article, dtype=float), np.asarray(seeds, dtype=float)
    n, epochs = seeds.shape
    if article.shape != (epochs,):
        raise ValueError(f"the article's curve has {article.shape[0]} epochs, our seeds' {epochs}")
    mean, sd = seeds.mean(axis=0), seeds.std(axis=0, ddof=1)
    per_epoch = inference.p_different(article - mean, sd, n)
    outside = np.flatnonzero(per_epoch < alpha / epochs)
    sides = sorted({"below" if article[t] < mean[t] else "above" for t in outside})
    return {
        "n": n,
        "epochs": epochs,
        "p_different": float(min(1.0, epochs * per_epoch.min())),
        "epochs_outside": [int(t) + 1 for t in outside],
        "direction": " and ".join(sides),
    }


def seed_curves(runs: list[pd.DataFrame], series: str, epochs: int) -> np.ndarray:
    """Our seeds' curves of ``series`` (n x ``epochs``): each run's first ``epochs`` epochs."""
    return np.array([run.sort_values("epoch")[series].to_numpy()[:epochs] for run in runs])


def aligned(runs: list[pd.DataFrame], article: pd.DataFrame, series: str) -> tuple[np.ndarray, np.ndarray]:
    """The article's curve of ``series`` and our seeds' (n x T), on the epochs all of them have."""
    epochs = min(len(article), *(len(run) for run in runs))
    return article.sort_values("epoch")[series].to_numpy()[:epochs], seed_curves(runs, series, epochs)


def unusable_curve(article: np.ndarray, seeds: np.ndarray) -> str:
    """Why a curve cannot be judged on its values, or "" where it can: no epochs, or a value that is not a
    finite number (a loss that blew up, a gap in a history), which no band can place."""
    if article.size == 0:
        return "no epochs to compare"
    bad = np.flatnonzero(~np.isfinite(np.vstack([seeds, article])).all(axis=0))
    return f"not a finite number at {epochs_named([int(t) + 1 for t in bad])}" if len(bad) else ""


def epochs_named(epochs: list[int]) -> str:
    """1-based epochs as the notes name them: "epoch 3", "epochs 1, 2"."""
    return f"epoch{'s' if len(epochs) > 1 else ''} {', '.join(str(epoch) for epoch in epochs)}"


def too_few_seeds(runs: list) -> str:
    """Why a cell's runs cannot be judged, or "" where they can."""
    if not runs:
        return "no runs of this cell"
    return "needs at least two seeds: one run has no spread" if len(runs) < 2 else ""


def cell_curves(histories: dict, article_history: pd.DataFrame):
    """Every logged cell's curves, as judge_dynamics and curve_bands take them: (cell, series, runs, why it
    cannot be judged or "", the article's curve, our seeds' curves), the curves None where the cell has
    too few seeds."""
    for cell, article in article_history.groupby("cell", sort=False):
        runs = histories.get(cell, [])
        reason = too_few_seeds(runs)
        for series in SERIES:
            if reason:
                yield cell, series, runs, reason, None, None
                continue
            theirs, seeds = aligned(runs, article, series)
            yield cell, series, runs, unusable_curve(theirs, seeds), theirs, seeds


def best_val_epoch(history: pd.DataFrame) -> float:
    """The epoch of the highest validation accuracy (the first on a tie)."""
    return float(history["epoch"].iloc[int(history["val_accuracy"].to_numpy().argmax())])


def final_gap(history: pd.DataFrame) -> float:
    """Training accuracy minus validation accuracy at the last epoch."""
    return float(history["accuracy"].iloc[-1] - history["val_accuracy"].iloc[-1])


def epochs_to(history: pd.DataFrame, threshold: float) -> float:
    """The first epoch whose validation accuracy reaches ``threshold``; NaN if none does."""
    reached = history.loc[history["val_accuracy"] >= threshold, "epoch"]
    return float(reached.min()) if len(reached) else math.nan


# paper/features.yaml's `feature`: its function and the unit of its values; counts of whole epochs are
# judged as such (a tie on every seed leaves the t model without spread).
FEATURES = {
    "best_val_epoch": (best_val_epoch, "epoch"),
    "final_gap": (final_gap, "accuracy points"),
    "epochs_to": (epochs_to, "epoch"),
}
WHOLE_EPOCHS = "epoch"
FEATURE_KEYS = ("id", "feature", "en", "article")


def feature_value(history: pd.DataFrame, feature: dict) -> float:
    """``feature`` (an entry of paper/features.yaml) of one history: its function with the entry's other
    keys (e.g. ``threshold``) as arguments."""
    function, _ = FEATURES[feature["feature"]]
    arguments = {key: value for key, value in feature.items() if key not in FEATURE_KEYS}
    return function(history.sort_values("epoch").reset_index(drop=True), **arguments)


def feature_test(article: float, values, discrete: bool, alpha: float = 0.05) -> dict:
    """The article's value of a feature against our seeds' ``values``, as for the final numbers: the t
    prediction test and the 100(1 - alpha) % prediction interval. Not tested where a seed has no value (a
    threshold never reached) or, for a feature counted in whole epochs, where every seed gives the same
    one (the t model needs spread; a tie says nothing about how often a new run would differ)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    row = {"n": n, "article": article}
    missing = int(np.isnan(values).sum())
    if missing:
        note = (
            f"{missing} of {n} seeds never reach it within the log's epochs: a count beyond the log, which "
            "the t model cannot take"
        )
        return row | {"verdict": NOT_TESTED, "note": note}
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    row |= {"mean": mean, "sd": sd}
    if discrete and sd == 0:
        return row | {
            "verdict": NOT_TESTED,
            "note": f"all {n} seeds give {mean:g}: no spread to test a whole-epoch count by",
        }
    low, high = inference.prediction_interval(mean, sd, n, 1 - alpha)
    p_value = float(inference.p_different(article - mean, sd, n))
    return row | {"low": float(low), "high": float(high), "p_different": p_value}


def judge_dynamics(
    histories: dict, article_history: pd.DataFrame, features: list[dict] = (), alpha: float = 0.05
) -> pd.DataFrame:
    """results/curves.csv: every cell's four curves and the features of paper/features.yaml.
    ``histories`` maps a cell to its seeds' history tables (epoch and the SERIES), ``article_history`` is
    paper/article_history.csv. Curves are compared on the epochs both have; a feature only where our runs
    have as many epochs as the article's log (it depends on their number). Holm's correction across all
    the tested rows; "not tested" with a reason where a cell has fewer than two seeds."""
    rows = []
    for cell, series, runs, reason, theirs, seeds in cell_curves(histories, article_history):
        row = {"kind": "curve", "cell": cell, "id": series, "n": len(runs)}
        if reason:
            epochs = {} if theirs is None else {"epochs": len(theirs)}
            rows.append(row | epochs | {"verdict": NOT_TESTED, "note": reason})
            continue
        tested = curve_test(theirs, seeds, alpha)
        # As JSON: a list that reads back as text ("[7]"), not as the number 7.
        tested["epochs_outside"] = json.dumps(tested["epochs_outside"])
        rows.append(row | tested)
    for cell, article in article_history.groupby("cell", sort=False):
        runs = histories.get(cell, [])
        reason = too_few_seeds(runs)
        for feature in features:
            row = {"kind": "feature", "cell": cell, "id": feature["id"], "n": len(runs)}
            row["article"] = feature["article"][cell]
            lengths = sorted({len(run) for run in runs})
            ours = lengths[0] if lengths else 0
            if reason or lengths != [len(article)]:
                counts = f"{lengths[0]} to {lengths[-1]}" if len(lengths) > 1 else str(ours)
                short = f"our runs have {counts} epochs, the article's log {len(article)}"
                rows.append(row | {"epochs": ours, "verdict": NOT_TESTED, "note": reason or short})
                continue
            values = [feature_value(run, feature) for run in runs]
            discrete = FEATURES[feature["feature"]][1] == WHOLE_EPOCHS
            rows.append(row | {"epochs": ours} | feature_test(row["article"], values, discrete, alpha))
    order = list(article_history["cell"].unique())  # each cell's curves, then its features
    rows.sort(key=lambda row: order.index(row["cell"]))
    table = pd.DataFrame(rows).reindex(columns=CURVE_COLUMNS)
    for column in ("verdict", "note", "direction"):
        table[column] = table[column].astype(object)
    table["p_different_holm"] = inference.holm(table["p_different"])
    tested = table["p_different"].notna()
    table.loc[tested, "verdict"] = np.where(
        table.loc[tested, "p_different_holm"] < alpha, NOT_REPLICATED, INCONCLUSIVE
    )
    feature = tested & (table["kind"] == "feature")
    below, above = table["article"] < table["low"], table["article"] > table["high"]
    table.loc[feature & below, "direction"], table.loc[feature & above, "direction"] = "below", "above"
    logged = article_history.groupby("cell").size()
    table["note"] = [
        dynamics_note(row, alpha, int(tested.sum()), int(logged[row["cell"]]))
        for row in table.to_dict("records")
    ]
    return table


def curve_bands(histories: dict, article_history: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """results/curve_bands.csv: for each curve with at least two seeds, per epoch both have, the
    article's value, our mean and the simultaneous band, and whether the article's value is outside."""
    frames = []
    for cell, series, _, reason, theirs, seeds in cell_curves(histories, article_history):
        if reason:
            continue
        drawn = band(seeds, alpha)
        epochs = np.arange(1, len(theirs) + 1)
        outside = np.isin(epochs, curve_test(theirs, seeds, alpha)["epochs_outside"])
        frame = {"cell": cell, "series": series, "epoch": epochs, "article": theirs, "outside": outside}
        frames.append(pd.DataFrame(frame | {key: drawn[key] for key in ("mean", "low", "high")}))
    if not frames:
        return pd.DataFrame(columns=BAND_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BAND_COLUMNS]


def level_text(alpha: float) -> str:
    """The band's and the prediction interval's level as the notes write it: "95 %" at alpha = 0.05."""
    return f"{100 * (1 - alpha):g} %"


def dynamics_note(row: dict, alpha: float, family: int, logged: int) -> str:
    """What a curve's or a feature's verdict rests on, in words."""
    if row["verdict"] == NOT_TESTED:
        return row["note"]
    if row["kind"] == "feature":
        level = level_text(alpha)
        where = row["direction"] if isinstance(row["direction"], str) else "inside"
        note = f"the article's value lies {where} our {level} prediction interval for one new run"
        if where != "inside" and row["verdict"] != NOT_REPLICATED:
            note += f", but not after Holm's correction over {family} tests"
        return note
    epochs = json.loads(row["epochs_outside"])
    where = epochs_named(epochs)
    partial = (
        ""
        if row["epochs"] == logged
        else f" (on the first {int(row['epochs'])} of the article's {logged} epochs)"
    )
    if row["verdict"] == NOT_REPLICATED:
        return f"outside the band {row['direction']} ours at {where}{partial}"
    if epochs:
        return (
            f"outside the band {row['direction']} ours at {where}, but not after Holm's correction over "
            f"{family} tests{partial}"
        )
    level = level_text(alpha)
    return (
        f"inside the {level} simultaneous band at all {int(row['epochs'])} epochs{partial}: no epoch is "
        "shown to differ, which does not show the curves are the same"
    )


def curve_false_outside(n: int, epochs: int, rho: float, alpha=0.05, runs=4000, rng=0) -> float:
    """How often :func:`curve_test` puts a genuine replication's curve outside the band: our ``n`` seeds'
    curves and the article's drawn from one process, per epoch N(mean, 1) with AR(1) correlation ``rho``
    between neighbouring epochs (the band is location-scale invariant, so mean and sd do not matter)."""
    rng = np.random.default_rng(rng)
    draws = ar1_curves(rng, (runs, n + 1), epochs, rho)
    flagged = [curve_test(curves[0], curves[1:], alpha)["p_different"] < alpha for curves in draws]
    return float(np.mean(flagged))


def neighbour_correlation(seeds) -> float:
    """How strongly a seed's curve stays on its side of the others from one epoch to the next: the
    correlation between neighbouring epochs of each seed's deviation from the seeds' mean curve, each
    epoch's deviations divided by that epoch's sd, pooled over seeds and epoch pairs (consistent for the
    rho of :func:`ar1_curves`). Epochs with no spread are left out."""
    seeds = np.asarray(seeds, dtype=float)
    sd = seeds.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        residual = (seeds - seeds.mean(axis=0)) / np.where(sd > 0, sd, np.nan)
    first, second = residual[:, :-1].ravel(), residual[:, 1:].ravel()
    keep = ~(np.isnan(first) | np.isnan(second))
    return float(np.corrcoef(first[keep], second[keep])[0, 1])


def ar1_curves(rng, shape: tuple[int, int], epochs: int, rho: float) -> np.ndarray:
    """Standard normal curves (``shape`` x epochs) with correlation ``rho`` between neighbouring epochs."""
    curves = np.empty((*shape, epochs))
    curves[..., 0] = rng.standard_normal(shape)
    innovation = math.sqrt(1 - rho**2)
    for epoch in range(1, epochs):
        curves[..., epoch] = rho * curves[..., epoch - 1] + innovation * rng.standard_normal(shape)
    return curves


def curve_power(
    n: int, mean_curve, sd_curve, article_curve, rho: float, alpha=0.05, runs=2000, rng=0
) -> float:
    """How often the article's curve is put outside the band when its expected curve is ``article_curve``
    and ours is ``mean_curve``, with per-epoch sd ``sd_curve`` and AR(1) correlation ``rho`` (the article's
    one run varies as ours do)."""
    rng = np.random.default_rng(rng)
    mean_curve, sd_curve = np.asarray(mean_curve, float), np.asarray(sd_curve, float)
    noise = ar1_curves(rng, (runs, n + 1), len(mean_curve), rho) * sd_curve
    flagged = [
        curve_test(article_curve + curves[0], mean_curve + curves[1:], alpha)["p_different"] < alpha
        for curves in noise
    ]
    return float(np.mean(flagged))
