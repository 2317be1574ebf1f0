"""Training curves: one run's history, or the mean and band over seeds, with the article's curves on top.

Used by the training notebook (one run) and the report's figures (many); matplotlib only, so editing the
report's other code does not make training runs out of date.
"""

from __future__ import annotations

import pandas as pd


def plot_history(history: pd.DataFrame, title: str = "", article_history: pd.DataFrame | None = None):
    """Accuracy and loss per epoch, train and validation; the article's curves dashed on top."""
    import matplotlib.pyplot as plt

    figure, (accuracy_axes, loss_axes) = plt.subplots(1, 2, figsize=(10, 3.6))
    draw_metric(accuracy_axes, [history], "accuracy", article_history)
    draw_metric(loss_axes, [history], "loss", article_history)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def epoch_axis(axes) -> None:
    """An x-axis of whole epochs (matplotlib would mark 1.25, 1.5, ... on a two-epoch run)."""
    from matplotlib.ticker import MaxNLocator

    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def draw_metric(axes, histories: list[pd.DataFrame], metric, article_history=None, legend=True):
    """Train and validation ``metric`` per epoch: the mean over seeds as a line, the min-max band over
    seeds shaded (when there are several), the article's curves dashed on top."""
    seeds = len(histories)
    source = f"ours, mean of {seeds} seeds" if seeds > 1 else "ours"
    for column, color, split in ((metric, "C0", "train"), (f"val_{metric}", "C1", "validation")):
        band = curve_band(histories, column)
        axes.plot(band["epoch"], band["mean"], "-", color=color, label=f"{split} ({source})")
        if seeds > 1:
            axes.fill_between(band["epoch"], band["min"], band["max"], color=color, alpha=0.25, linewidth=0)
    if article_history is not None:
        for column, color, split in ((metric, "C0", "train"), (f"val_{metric}", "C1", "validation")):
            axes.plot(
                article_history["epoch"],
                article_history[column],
                "--",
                color=color,
                alpha=0.8,
                zorder=3,
                label=f"{split} (article)",
            )
    epoch_axis(axes)
    axes.set_ylabel(metric)
    axes.grid(alpha=0.3)
    if legend:
        axes.legend(fontsize="small")


# Runs shorter than this keep their whole y-axis: fitted to epoch 2 alone, a 2-epoch curve would be a stub.
ZOOM_FROM_EPOCHS = 3


def zoom_past_first_epoch(axes, histories, metric):
    """Fit the y-axis to epochs 2 onwards: the first epoch's low accuracy would hide the differences. Runs
    of fewer than ZOOM_FROM_EPOCHS epochs are left as drawn."""
    if max((h["epoch"].max() for h in histories if len(h)), default=0) < ZOOM_FROM_EPOCHS:
        return
    later = [h[h["epoch"] >= 2][[metric, f"val_{metric}"]].to_numpy() for h in histories]
    values = [v for block in later for v in block.ravel()]
    if values:
        low, high = min(values), max(values)
        margin = 0.05 * (high - low) + 1e-3
        axes.set_ylim(low - margin, high + margin)


def curve_band(histories: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """Mean, min and max of one history column over seeds, per epoch (epochs all runs have)."""
    stacked = pd.concat([h.set_index("epoch")[column] for h in histories], axis=1, join="inner")
    return pd.DataFrame(
        {"mean": stacked.mean(axis=1), "min": stacked.min(axis=1), "max": stacked.max(axis=1)}
    ).reset_index()
