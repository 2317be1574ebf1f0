"""Collect runs, set them beside the article, and draw the history figures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import yaml

from . import CELLS, FORMS, records
from .replication import curve_band

SUMMARY_COLUMNS = [
    "run",
    "cell",
    "form",
    "semantics",
    "seed",
    "epochs",
    "train_images",
    "test_images",
    "test_accuracy",
    "test_loss",
    "best_val_accuracy",
    "total_params",
    "recurrent_params",
    "dense_params",
    "seconds_per_epoch",
    "first_epoch_seconds",
    "train_seconds",
    "checkpoint_seconds",
    "backend",
    "device",
    "data_sha256",
    "metrics_path",
    "history_path",
    "notebook_path",
]


def run_name(cell: str, form: str, semantics: str, seed: int) -> str:
    """The name of one run, which is also its directory under results/runs/."""
    return f"{cell}-{form}-{semantics}-seed{seed}"


# ---------------------------------------------------------------------------- collecting


def collect_runs(metrics_paths: list[str]) -> pd.DataFrame:
    """One row per run, from each run's metrics.json; history and notebook sit beside it."""
    rows = []
    for metrics_path in metrics_paths:
        metrics = json.loads(Path(metrics_path).read_text())
        run_dir = Path(metrics_path).parent
        row = {column: metrics.get(column) for column in SUMMARY_COLUMNS}
        row["run"] = run_name(metrics["cell"], metrics["form"], metrics["semantics"], metrics["seed"])
        row["metrics_path"] = str(metrics_path)
        row["history_path"] = str(run_dir / "history.csv")
        row["notebook_path"] = str(run_dir / "train.ipynb")
        rows.append(row)
    if not rows:
        raise ValueError("no runs to collect: the config selects no cell, form or seed")
    return sort_runs(pd.DataFrame(rows, columns=SUMMARY_COLUMNS))


def sort_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """The article's order: SimpleRNN, LSTM, GRU; then single, stacked, bidirectional; then seed."""
    rank = {"cell": list(CELLS).index, "form": FORMS.index}

    def sort_key(column: pd.Series) -> pd.Series:
        return column.map(rank[column.name]) if column.name in rank else column

    return frame.sort_values(["cell", "form", "semantics", "seed"], key=sort_key).reset_index(drop=True)


def write_summary(metrics_paths: list[str], out: str | os.PathLike) -> pd.DataFrame:
    summary = collect_runs(metrics_paths)
    records.atomic_write_text(out, summary.to_csv(index=False))
    return summary


def read_histories(summary: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {row.run: pd.read_csv(row.history_path) for row in summary.itertuples()}


def read_benchmarks(paths: list[str]) -> pd.DataFrame:
    """Snakemake benchmark: files (one TSV per job) as one table of wall time and max RSS."""
    frames = []
    for path in paths:
        table = pd.read_csv(path, sep="\t")
        table.insert(0, "job", Path(path).stem)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["job", "s", "max_rss"])
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------- the article


def load_article(paper_dir: str | os.PathLike) -> tuple[dict, pd.DataFrame]:
    """The article's results (article.yaml) and its per-epoch logs (article_history.csv)."""
    paper_dir = Path(paper_dir)
    article = yaml.safe_load((paper_dir / "article.yaml").read_text(encoding="utf-8"))
    history = pd.read_csv(paper_dir / "article_history.csv")
    return article, history


def article_costs(summary: pd.DataFrame, article: dict, device: str | None = None) -> pd.DataFrame:
    """Parameter counts and seconds per epoch of the single-layer cells, the article's beside ours
    (seconds averaged over seeds). ``summary`` holds the runs of one semantics."""
    rows = []
    single = summary[summary["form"] == "single"]
    for cell, theirs in article["results"].items():
        ours = single[single["cell"] == cell]
        if ours.empty:
            continue
        rows.append(
            {
                "cell": CELLS[cell],
                "recurrent params, article": theirs["recurrent_params"],
                "recurrent params, ours": int(ours["recurrent_params"].iloc[0]),
                "total params, article": theirs["total_params"],
                "total params, ours": int(ours["total_params"].iloc[0]),
                "s/epoch, article (author's GPU)": theirs["seconds_per_epoch"],
                f"s/epoch, ours ({device or ours['device'].iloc[0]})": ours["seconds_per_epoch"].mean(),
            }
        )
    return pd.DataFrame(rows)


def grid_table(summary: pd.DataFrame, value: str) -> pd.DataFrame:
    """cell x form table of one value (mean over seeds)."""
    table = summary.pivot_table(index="cell", columns="form", values=value, aggfunc="mean")
    table = table.reindex(
        index=[c for c in CELLS if c in table.index],
        columns=[f for f in FORMS if f in table.columns],
    )
    table.index = [CELLS[c] for c in table.index]
    table.index.name, table.columns.name = "cell", "form"
    return table


# ---------------------------------------------------------------------------- figures


def plot_history(history: pd.DataFrame, title: str = "", article_history: pd.DataFrame | None = None):
    """Accuracy and loss per epoch, train and validation; the article's curves dashed on top."""
    import matplotlib.pyplot as plt

    figure, (accuracy_axes, loss_axes) = plt.subplots(1, 2, figsize=(10, 3.6))
    draw_metric(accuracy_axes, [history], "accuracy", article_history)
    draw_metric(loss_axes, [history], "loss", article_history)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


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
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
    axes.grid(alpha=0.3)
    if legend:
        axes.legend(fontsize="small")


def runs_of(summary: pd.DataFrame, histories: dict[str, pd.DataFrame], **where) -> list[pd.DataFrame]:
    """The histories of every run (one per seed) matching ``where``, e.g. cell="lstm", form="single"."""
    selected = summary
    for column, value in where.items():
        selected = selected[selected[column] == value]
    return [histories[run] for run in selected["run"]]


def plot_single_vs_article(summary, histories, article_history):
    """Two rows (accuracy, loss) x three single-layer cells: ours (mean and band over seeds) solid,
    the article's dashed. ``summary`` holds the runs of one semantics."""
    import matplotlib.pyplot as plt

    single = summary[summary["form"] == "single"]
    cells = [cell for cell in CELLS if cell in set(single["cell"])]
    figure, axes = plt.subplots(2, len(cells), figsize=(4.6 * len(cells), 7), squeeze=False)
    for column, cell in enumerate(cells):
        ours = runs_of(single, histories, cell=cell)
        theirs = article_history[article_history["cell"] == cell]
        for row, metric in enumerate(("accuracy", "loss")):
            draw_metric(axes[row, column], ours, metric, theirs, legend=(column == 0))
            axes[row, column].set_title(f"{CELLS[cell]} (single): {metric}")
        zoom_past_first_epoch(axes[0, column], [*ours, theirs], "accuracy")
    figure.tight_layout()
    return figure


def zoom_past_first_epoch(axes, histories, metric):
    """Fit the y-axis to epochs 2 onwards: the first epoch's low accuracy would hide the differences."""
    later = [h[h["epoch"] >= 2][[metric, f"val_{metric}"]].to_numpy() for h in histories]
    values = [v for block in later for v in block.ravel()]
    if values:
        low, high = min(values), max(values)
        margin = 0.05 * (high - low) + 1e-3
        axes.set_ylim(low - margin, high + margin)


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

    single = summary[summary["form"] == "single"]
    cells = [c for c in CELLS if {"article", "modern"} <= set(single[single["cell"] == c]["semantics"])]
    figure, axes = plt.subplots(1, len(cells), figsize=(4.6 * len(cells), 3.4), squeeze=False)
    for panel, cell in zip(axes[0], cells, strict=True):
        shown = []
        for semantics, color in (("article", "C0"), ("modern", "C2")):
            ours = runs_of(single, histories, cell=cell, semantics=semantics)
            band = curve_band(ours, "val_accuracy")
            label = f"{semantics} ({len(ours)} seed{'s' if len(ours) > 1 else ''})"
            panel.plot(band["epoch"], band["mean"], color=color, label=label)
            if len(ours) > 1:
                panel.fill_between(
                    band["epoch"], band["min"], band["max"], color=color, alpha=0.25, linewidth=0
                )
            shown += ours
        zoom_val_accuracy = [h.assign(accuracy=h["val_accuracy"]) for h in shown]
        zoom_past_first_epoch(panel, zoom_val_accuracy, "accuracy")
        panel.set_title(f"{CELLS[cell]} (single): validation accuracy")
        panel.set_xlabel("epoch")
        panel.grid(alpha=0.3)
        panel.legend(fontsize="small")
    figure.tight_layout()
    return figure
