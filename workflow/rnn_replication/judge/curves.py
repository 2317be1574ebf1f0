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

import math

import numpy as np
import pandas as pd
from scipy import stats

from rnn_replication.core.history import HISTORY_COLUMNS
from rnn_replication.judge import inference
from rnn_replication.judge.inference import INCONCLUSIVE, NOT_REPLICATED, NOT_TESTED

# The series of a Keras log, as paper/article_history.csv and our history.csv name them.
SERIES = tuple(column for column in HISTORY_COLUMNS if column not in ("epoch", "seconds"))
CURVE_COLUMNS = [
    "cell",
    "series",
    "n",
    "epochs",
    "p_different",
    "p_different_holm",
    "verdict",
    "epochs_outside",
    "direction",
    "note",
]


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


def judge_curves(histories: dict, article_history: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Every cell's four curves: ``histories`` maps a cell to its seeds' history tables (epoch and the
    SERIES), ``article_history`` is paper/article_history.csv. Compared on the epochs both have; Holm's
    correction across the judged curves; "not tested" with a reason where fewer than two seeds ran."""
    rows = []
    for cell, article in article_history.groupby("cell", sort=False):
        runs = histories.get(cell, [])
        for series in SERIES:
            row = {"cell": cell, "series": series, "n": len(runs)}
            if len(runs) < 2:
                reason = (
                    "no runs of this cell"
                    if not runs
                    else "needs at least two seeds: one curve has no spread"
                )
                rows.append(row | {"verdict": NOT_TESTED, "note": reason})
                continue
            epochs = min(len(article), *(len(run) for run in runs))
            seeds = np.array([run.sort_values("epoch")[series].to_numpy()[:epochs] for run in runs])
            theirs = article.sort_values("epoch")[series].to_numpy()[:epochs]
            rows.append(row | curve_test(theirs, seeds, alpha))
    table = pd.DataFrame(rows).reindex(columns=CURVE_COLUMNS)
    table["verdict"], table["note"] = table["verdict"].astype(object), table["note"].astype(object)
    table["p_different_holm"] = inference.holm(table["p_different"])
    tested = table["p_different"].notna()
    table.loc[tested, "verdict"] = np.where(
        table.loc[tested, "p_different_holm"] < alpha, NOT_REPLICATED, INCONCLUSIVE
    )
    table["note"] = [curve_note(row, alpha, int(tested.sum())) for row in table.to_dict("records")]
    return table


def curve_note(row: dict, alpha: float, family: int) -> str:
    """What a curve's verdict rests on, in words."""
    if row["verdict"] == NOT_TESTED:
        return row["note"]
    epochs = row["epochs_outside"]
    where = f"epoch{'s' if len(epochs) > 1 else ''} {', '.join(str(epoch) for epoch in epochs)}"
    if row["verdict"] == NOT_REPLICATED:
        return f"outside the band {row['direction']} ours at {where}"
    if epochs:
        return (
            f"outside the band {row['direction']} ours at {where}, but not after Holm's correction over "
            f"{family} curves"
        )
    level = f"{100 * (1 - alpha):.0f} %"
    return (
        f"inside the {level} simultaneous band at all {int(row['epochs'])} epochs: no epoch is shown to "
        "differ, which does not show the curves are the same"
    )


def curve_false_outside(n: int, epochs: int, rho: float, alpha=0.05, runs=4000, rng=0) -> float:
    """How often :func:`curve_test` puts a genuine replication's curve outside the band: our ``n`` seeds'
    curves and the article's drawn from one process, per epoch N(mean, 1) with AR(1) correlation ``rho``
    between neighbouring epochs (the band is location-scale invariant, so mean and sd do not matter)."""
    rng = np.random.default_rng(rng)
    draws = ar1_curves(rng, (runs, n + 1), epochs, rho)
    flagged = [curve_test(curves[0], curves[1:], alpha)["p_different"] < alpha for curves in draws]
    return float(np.mean(flagged))


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
