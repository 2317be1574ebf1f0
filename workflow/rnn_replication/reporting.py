"""Collect runs, set them beside the article, and draw the history figures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import yaml

from . import CELLS, FORMS, records
from .replication import (
    METRIC_NAMES,
    curve_band,
    difference_format,
    metric_format,
    single_layer_runs,
    verdict_label,
)

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
                "s/epoch, article (hardware not named)": theirs["seconds_per_epoch"],
                f"s/epoch, ours ({device or ours['device'].iloc[0]}, cores shared)": ours[
                    "seconds_per_epoch"
                ].mean(),
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


# ---------------------------------------------------------------------------- the verdicts


def load_claims(paper_dir: str | os.PathLike) -> dict[str, dict]:
    """The article's claims (paper/claims.yaml) by id."""
    claims = yaml.safe_load((Path(paper_dir) / "claims.yaml").read_text(encoding="utf-8"))["claims"]
    return {claim["id"]: claim for claim in claims}


def read_replication(path: str | os.PathLike) -> pd.DataFrame:
    """results/replication.csv, with the empty note cells read as empty strings."""
    table = pd.read_csv(path)
    table["note"] = table["note"].fillna("")
    return table


def _interval(low, high, format_value) -> str:
    return "–" if pd.isna(low) else f"{format_value(low)} to {format_value(high)}"


def numbers_table(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The article's numbers (kind "number" rows of results/replication.csv), formatted for the report:
    the article's value, our mean ± sd, the unadjusted 95 % prediction interval for one new run, article −
    mean with its 90 % interval, the margin, and the Holm-corrected verdict."""
    rows = []
    for row in verdicts[verdicts["kind"] == "number"].to_dict("records"):
        value, difference = metric_format(row["metric"]), difference_format(row["metric"])
        spread = "" if pd.isna(row["sd"]) or row["metric"] == "recurrent_params" else difference(row["sd"])
        gap = difference(row["article"] - row["mean"])
        rows.append(
            {
                "cell": CELLS[row["cell"]],
                "number": METRIC_NAMES[row["metric"]],
                "article": value(row["article"]),
                "seeds": int(row["n"]),
                "ours: mean ± sd": value(row["mean"]) + (f" ± {spread.lstrip('+')}" if spread else ""),
                "95 % prediction interval": _interval(row["pi_low"], row["pi_high"], value),
                "article − mean (90 % interval)": gap
                + (
                    ""
                    if pd.isna(row["eq_low"])
                    else f" ({_interval(row['eq_low'], row['eq_high'], difference)})"
                ),
                "margin": "–" if pd.isna(row["delta"]) else "±" + difference(row["delta"]).lstrip("+"),
                "verdict": verdict_label(row),
                "note": row["note"],
            }
        )
    return pd.DataFrame(rows)


CLAIM_TEST_DESCRIPTIONS = {
    "paired_greater": "{first} − {second} {metric} > 0; paired by seed, one-sided t",
    "paired_equivalent": "|{first} − {second} {metric}| < {margin}; paired by seed, two one-sided tests",
    "exact_less": "{first} < {second} {metric}; exact count",
    "paired_ratio_less": "{first}/{second} {metric} < 1; paired by timing repeat, one-sided t on log ratios",
}


def claims_table(verdicts: pd.DataFrame, claims: dict[str, dict]) -> pd.DataFrame:
    """The article's claims (kind "claim" rows of results/replication.csv), formatted for the report:
    its words, the test, our estimate with its 90 % interval, the article's own value, the verdict."""
    rows = []
    for row in verdicts[verdicts["kind"] == "claim"].to_dict("records"):
        claim = claims[row["id"]]
        first, second = (CELLS[cell] for cell in claim["compares"])
        ratio = claim["test"] == "paired_ratio_less"
        value = metric_format(row["metric"]) if ratio else difference_format(row["metric"])
        margin = "–" if pd.isna(row["delta"]) else difference_format(row["metric"])(row["delta"]).lstrip("+")
        test = CLAIM_TEST_DESCRIPTIONS[claim["test"]].format(
            first=first, second=second, metric=METRIC_NAMES[row["metric"]], margin=margin
        )
        rows.append(
            {
                "the article says": f"{claim['en']} ({claim['zh']})",
                "tested as": test,
                "ours": "–" if pd.isna(row["mean"]) else value(row["mean"]),
                "90 % interval": _interval(row["eq_low"], row["eq_high"], value),
                "n": int(row["n"]),
                "article's own": value(row["article"]),
                "verdict": row["verdict"],
            }
        )
    return pd.DataFrame(rows)


def timing_caption(timing: pd.DataFrame) -> str:
    """Where the timing pass's numbers come from, for the caption of :func:`timing_table`."""
    repeats = timing["repeat"].nunique()
    return (
        "**Speed, as ratios** (the article does not name its hardware): seconds per epoch from the timing "
        f"pass (`rule timing`: each cell one epoch per repeat, {repeats} repeats, back to back with the "
        f"machine to itself; {timing['device'].iloc[0]}, backend {timing['backend'].iloc[0]}), against the "
        "ratio of "
        "the article's logged µs/step."
    )


def timing_table(ratios: pd.DataFrame) -> pd.DataFrame:
    """The timing pass's ratios (replication.timing_ratios) beside the article's, formatted."""
    return pd.DataFrame(
        {
            "ratio of seconds per epoch": [
                f"{CELLS[a]} / {CELLS[b]}" for a, b in zip(ratios["first"], ratios["second"], strict=True)
            ],
            "ours: geometric mean (95 % interval)": [
                f"{r:.3f} ({lo:.3f} to {hi:.3f})"
                for r, lo, hi in zip(ratios["ratio"], ratios["low"], ratios["high"], strict=True)
            ],
            "ours: median s/epoch": [
                f"{a:.2f} / {b:.2f}"
                for a, b in zip(ratios["seconds_first"], ratios["seconds_second"], strict=True)
            ],
            "repeats": ratios["n"],
            "article (us/step)": [f"{value:.3f}" for value in ratios["article"]],
        }
    )


def plot_verdicts(summary: pd.DataFrame, verdicts: pd.DataFrame, metric: str):
    """One panel per figure: each seed's final ``metric`` as a dot per single-layer cell, our mean (bar) and
    95 % prediction interval for one new run (whiskers), and the article's value (red diamond)."""
    import matplotlib.pyplot as plt

    numbers = verdicts[(verdicts["kind"] == "number") & (verdicts["metric"] == metric)].reset_index(drop=True)
    scale = 100 if metric == "test_accuracy" else 1
    figure, axes = plt.subplots(figsize=(1.9 * max(len(numbers), 2) + 1.5, 3.6))
    for position, row in numbers.iterrows():
        values = single_layer_runs(summary, row["cell"])[metric].to_numpy() * scale
        offsets = (pd.Series(range(len(values))) - (len(values) - 1) / 2) * 0.04
        axes.plot(
            position + offsets,
            values,
            "o",
            color="C0",
            alpha=0.7,
            label="our seeds" if position == 0 else None,
        )
        axes.hlines(
            row["mean"] * scale,
            position - 0.22,
            position + 0.22,
            color="C0",
            linewidth=2,
            label="our mean" if position == 0 else None,
        )
        if pd.notna(row["pi_low"]):
            axes.vlines(
                position + 0.3,
                row["pi_low"] * scale,
                row["pi_high"] * scale,
                color="C0",
                linewidth=1.2,
                label="95 % prediction interval" if position == 0 else None,
            )
        axes.plot(
            position + 0.3,
            row["article"] * scale,
            "D",
            color="C3",
            markersize=7,
            label="article" if position == 0 else None,
        )
    axes.set_xticks(range(len(numbers)), [CELLS[cell] for cell in numbers["cell"]])
    axes.set_xlim(-0.6, len(numbers) - 0.4)
    axes.set_ylabel(f"{METRIC_NAMES[metric]}{' (%)' if scale == 100 else ''}")
    axes.set_title(f"Final {METRIC_NAMES[metric]}: our seeds against the article's run")
    axes.grid(alpha=0.3, axis="y")
    axes.legend(fontsize="small", loc="best")
    figure.tight_layout()
    return figure


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
