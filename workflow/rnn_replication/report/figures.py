"""The report's figures: the verdicts, the training histories (ours beside the article's), the semantics,
the confusion matrices."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from rnn_replication.core.curves import curve_band, draw_metric, epoch_axis, zoom_past_first_epoch
from rnn_replication.core.spec import ARTICLE_FORM, CELLS, FORMS, SEMANTICS
from rnn_replication.judge.numbers import single_layer_runs
from rnn_replication.report import mistakes
from rnn_replication.report.wording import METRIC_NAMES, interval_levels

# How the report names the semantics of our runs, so they cannot be taken for the article's own numbers.
SEMANTICS_LABELS = dict(zip(SEMANTICS, ("Keras 2.2 semantics", "Keras 3 semantics"), strict=True))


def show(figure, directory: str | os.PathLike | None, name: str, absent: str = "") -> None:
    """Save ``figure`` as ``directory``/``name``.png (for Snakemake's report; skipped without a directory)
    and show it in the notebook; where there is no figure (None: the grid has nothing to draw), show the
    sentence ``absent`` instead."""
    import matplotlib.pyplot as plt

    if figure is None:
        if absent:
            from IPython.display import Markdown, display

            display(Markdown(f"*{absent}*"))
        return
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        figure.savefig(Path(directory) / f"{name}.png", bbox_inches="tight")
    plt.show()


def runs_of(summary: pd.DataFrame, histories: dict[str, pd.DataFrame], **where) -> list[pd.DataFrame]:
    """The histories of every run (one per seed) matching ``where``, e.g. cell="lstm", form="single"."""
    selected = summary
    for column, value in where.items():
        selected = selected[selected[column] == value]
    return [histories[run] for run in selected["run"]]


def plot_curve_bands(bands: pd.DataFrame, curves: pd.DataFrame, alpha: float = 0.05):
    """A row per cell x a column per series (results/curve_bands.csv): our seeds' mean curve, the
    simultaneous band, the article's curve dashed, its epochs outside the band marked, the verdict in the
    title. On log axes, accuracy as its error 1 - accuracy, so that the first epochs and the last (a few
    tenths of a point apart) show together; a band edge beyond the possible (an error or loss below 0) is
    drawn at the axis' floor. None where no curve was judged."""
    import matplotlib.pyplot as plt

    from rnn_replication.judge.curves import SERIES
    from rnn_replication.report.dynamics import SERIES_NAMES

    if bands.empty:
        return None
    cells = [cell for cell in CELLS if cell in set(bands["cell"])]
    verdicts = curves[curves["kind"] == "curve"].set_index(["cell", "id"])["verdict"]
    level, _ = interval_levels(alpha)
    size = (4.2 * len(SERIES), 3.3 * len(cells))
    figure, axes = plt.subplots(len(cells), len(SERIES), figsize=size, squeeze=False)
    for row, cell in enumerate(cells):
        for column, series in enumerate(SERIES):
            panel, band = axes[row, column], bands[(bands["cell"] == cell) & (bands["series"] == series)]
            error = "accuracy" in series  # drawn as 1 - accuracy: its band's edges swap
            shown = {key: 1 - band[key] if error else band[key] for key in ("article", "mean", "low", "high")}
            low, high = (shown["high"], shown["low"]) if error else (shown["low"], shown["high"])
            positive = pd.concat([shown["article"], shown["mean"], low, high])
            floor = positive[positive > 0].min() / 2
            panel.fill_between(
                band["epoch"],
                low.clip(lower=floor),
                high.clip(lower=floor),
                color="C0",
                alpha=0.25,
                linewidth=0,
                label=f"{level} simultaneous band",
            )
            panel.plot(band["epoch"], shown["mean"], "-", color="C0", label="ours, mean over seeds")
            panel.plot(band["epoch"], shown["article"], "--", color="black", label="article")
            outside = band["outside"].astype(bool).to_numpy()
            marked = (band["epoch"][outside], shown["article"][outside])
            panel.plot(*marked, "x", color="C3", markersize=8, mew=2, label="article outside the band")
            panel.set_yscale("log")
            panel.set_ylim(bottom=floor)
            measure = series.replace("val_", "validation ")
            panel.set_ylabel(f"1 − {measure}" if error else measure)
            panel.set_title(
                f"{CELLS[cell]}: {SERIES_NAMES[series]}\n{verdicts.get((cell, series), '')}",
                fontsize="medium",
            )
            epoch_axis(panel)
            panel.grid(alpha=0.3, which="both")
    axes[0, 0].legend(fontsize="small")
    figure.tight_layout()
    return figure


def plot_history_grid(summary, histories, metric: str):
    """One panel per configuration (cell rows x form columns) of train and validation ``metric``:
    mean over seeds and min-max band. ``summary`` holds the runs of one semantics."""
    import matplotlib.pyplot as plt

    cells = [cell for cell in CELLS if cell in set(summary["cell"])]
    forms = [form for form in FORMS if form in set(summary["form"])]
    figure, axes = plt.subplots(
        len(cells),
        len(forms),
        figsize=(4.4 * len(forms), 3.1 * len(cells)),
        squeeze=False,
        sharex=True,
        sharey=True,
    )
    for i, cell in enumerate(cells):
        for j, form in enumerate(forms):
            panel = axes[i, j]
            ours = runs_of(summary, histories, cell=cell, form=form)
            if ours:
                draw_metric(panel, ours, metric, legend=False)
            panel.set_title(f"{CELLS[cell]}, {form}")
            if metric == "loss":
                panel.set_yscale("log")
    axes[0, 0].legend(fontsize="small")
    figure.tight_layout()
    return figure


def plot_semantics(summary, histories):
    """Validation accuracy per epoch of each single-layer cell under both semantics (mean and band
    over seeds): Keras 2.2 (article) in blue, Keras 3 (modern) in green."""
    import matplotlib.pyplot as plt

    single = summary[summary["form"] == ARTICLE_FORM]
    cells = [c for c in CELLS if set(SEMANTICS) <= set(single[single["cell"] == c]["semantics"])]
    figure, axes = plt.subplots(1, len(cells), figsize=(4.6 * len(cells), 3.4), squeeze=False)
    for panel, cell in zip(axes[0], cells, strict=True):
        shown = []
        for semantics, color in zip(SEMANTICS, ("C0", "C2"), strict=True):
            ours = runs_of(single, histories, cell=cell, semantics=semantics)
            band = curve_band(ours, "val_accuracy")
            label = f"ours, {SEMANTICS_LABELS[semantics]} ({len(ours)} seed{'s' if len(ours) > 1 else ''})"
            panel.plot(band["epoch"], band["mean"], color=color, label=label)
            if len(ours) > 1:
                panel.fill_between(
                    band["epoch"], band["min"], band["max"], color=color, alpha=0.25, linewidth=0
                )
            shown += ours
        zoom_val_accuracy = [h.assign(accuracy=h["val_accuracy"]) for h in shown]
        zoom_past_first_epoch(panel, zoom_val_accuracy, "accuracy")
        panel.set_title(f"{CELLS[cell]} (single): validation accuracy")
        epoch_axis(panel)
        panel.grid(alpha=0.3)
        panel.legend(fontsize="small")
    figure.tight_layout()
    return figure


def plot_verdicts(summary: pd.DataFrame, verdicts: pd.DataFrame, metric: str, alpha: float = 0.05):
    """Each seed's final ``metric`` as a dot per single-layer cell, our mean (bar) and 100(1 - alpha) %
    prediction interval for one new run (whiskers), and the article's value (red diamond). Only the cells
    that ran; None where none did."""
    import matplotlib.pyplot as plt

    numbers = verdicts[(verdicts["kind"] == "number") & (verdicts["metric"] == metric) & (verdicts["n"] > 0)]
    numbers = numbers.reset_index(drop=True)
    if numbers.empty:
        return None
    scale = 100 if metric == "test_accuracy" else 1
    figure, axes = plt.subplots(figsize=(1.9 * max(len(numbers), 2) + 1.5, 3.6))
    for position, row in numbers.iterrows():
        values = single_layer_runs(summary, row["cell"])[metric].to_numpy() * scale
        draw_verdict(axes, position, values, row, scale, alpha, labelled=position == 0)
    axes.set_xticks(range(len(numbers)), [CELLS[cell] for cell in numbers["cell"]])
    axes.set_xlim(-0.6, len(numbers) - 0.4)
    axes.set_ylabel(f"{METRIC_NAMES[metric]}{' (%)' if scale == 100 else ''}")
    axes.set_title(f"Final {METRIC_NAMES[metric]}: our seeds against the article's run")
    axes.grid(alpha=0.3, axis="y")
    axes.legend(fontsize="small", loc="best")
    figure.tight_layout()
    return figure


def draw_verdict(axes, position: int, values, row, scale: float, alpha: float, labelled: bool) -> None:
    """One cell of :func:`plot_verdicts`, at x = ``position``; ``labelled`` puts it in the legend."""

    def label(text):
        return text if labelled else None

    offsets = (pd.Series(range(len(values))) - (len(values) - 1) / 2) * 0.04
    axes.plot(position + offsets, values, "o", color="C0", alpha=0.7, label=label("our seeds"))
    mean = row["mean"] * scale
    axes.hlines(mean, position - 0.22, position + 0.22, color="C0", linewidth=2, label=label("our mean"))
    if pd.notna(row["pi_low"]):
        low, high = row["pi_low"] * scale, row["pi_high"] * scale
        axes.vlines(
            position + 0.3,
            low,
            high,
            color="C0",
            linewidth=1.2,
            label=label(f"{interval_levels(alpha)[0]} prediction interval"),
        )
    axes.plot(position + 0.3, row["article"] * scale, "D", color="C3", markersize=7, label=label("article"))


def plot_confusion(table: pd.DataFrame, semantics: str, form: str = ARTICLE_FORM):
    """One panel per cell run in ``form`` under ``semantics``: its test images by true digit (rows) and
    predicted digit (columns), summed over seeds, the errors only (the diagonal left blank)."""
    import matplotlib.pyplot as plt

    ran = (table["form"] == form) & (table["semantics"] == semantics)
    cells = [cell for cell in CELLS if (ran & (table["cell"] == cell)).any()]
    if not cells:
        return None
    figure, axes = plt.subplots(1, len(cells), figsize=(4.3 * len(cells), 4.3), squeeze=False)
    for axis, cell in zip(axes[0], cells, strict=True):
        matrix = mistakes.matrix_of(table, cell, form, semantics)
        wrong = np.where(np.eye(10, dtype=bool), 0, matrix)
        axis.imshow(wrong, cmap="Reds", vmin=0)
        for true, predicted in zip(*np.nonzero(wrong), strict=True):
            count = wrong[true, predicted]
            colour = "white" if count > 0.6 * wrong.max() else "black"
            axis.text(predicted, true, str(count), ha="center", va="center", fontsize=7, color=colour)
        runs = table.loc[(table["cell"] == cell) & (table["form"] == form), "runs"].iloc[0]
        runs = f"{runs} run" + ("s" if runs != 1 else "")
        axis.set_title(f"{CELLS[cell]}: {wrong.sum() / matrix.sum():.2%} wrong ({runs})")
        axis.set_xticks(range(10))
        axis.set_yticks(range(10))
        axis.set_xlabel("predicted digit")
        axis.set_ylabel("true digit")
    figure.tight_layout()
    return figure
