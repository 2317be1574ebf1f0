"""The report's grid and every run: cell x form tables of the runs' means, the spread over seeds (the
judge's seed_spread.csv), one row per run."""

from __future__ import annotations

import pandas as pd

from rnn_replication.core.spec import CELLS, FORMS

GRID_VALUES = {  # title: (summary column, format, scale)
    "test accuracy (%)": ("test_accuracy", "{:.2f}", 100),
    "test loss": ("test_loss", "{:.4f}", 1),
    "parameters": ("total_params", "{:,.0f}", 1),
    "seconds per epoch (cores shared)": ("seconds_per_epoch", "{:.2f}", 1),
}


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


def grid(summary: pd.DataFrame) -> pd.DataFrame:
    """cell x form, for each of GRID_VALUES (means over seeds), formatted; show with index=True."""
    parts = {}
    for title_, (column, number_format, scale) in GRID_VALUES.items():
        values = grid_table(summary, column) * scale
        parts[title_] = values.map(lambda value, f=number_format: "–" if pd.isna(value) else f.format(value))
    return pd.concat(parts, axis=1)


def spread_table(statistics: pd.DataFrame) -> pd.DataFrame:
    """Mean, sd, min and max over seeds of the final test accuracy and loss (the judge's seed_spread.csv,
    descriptive.seed_statistics), for each configuration that ran more than one seed (empty if none did)."""
    spread = statistics[statistics["n"] >= 2]
    points = {"mean (%)": "mean", "sd (points)": "sd", "min (%)": "min", "max (%)": "max"}
    table = pd.DataFrame({"cell": spread["cell"].map(CELLS), "form": spread["form"], "seeds": spread["n"]})
    for title_, statistic in points.items():
        table[f"accuracy {title_}"] = (100 * spread[f"test_accuracy_{statistic}"]).map("{:.2f}".format)
    for statistic in ("mean", "sd", "min", "max"):
        table[f"loss {statistic}"] = spread[f"test_loss_{statistic}"].map("{:.4f}".format)
    return table.reset_index(drop=True)


RUN_COLUMNS = {  # summary column: (title, format, scale)
    "run": ("run", "{}", None),
    "test_accuracy": ("test accuracy (%)", "{:.2f}", 100),
    "test_loss": ("test loss", "{:.4f}", None),
    "best_val_accuracy": ("best epoch, val. accuracy (%)", "{:.2f}", 100),
    "total_params": ("parameters", "{:,}", None),
    "recurrent_params": ("recurrent parameters", "{:,}", None),
    "seconds_per_epoch": ("s/epoch (steady)", "{:.2f}", None),
    "first_epoch_seconds": ("first epoch (s)", "{:.1f}", None),
    "train_seconds": ("training (s)", "{:.0f}", None),
    "checkpoint_seconds": ("resume checkpoints (s)", "{:.2f}", None),
}


def runs_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Every run, one row each, with its final numbers and timings (renamed by column name, not place)."""
    table = pd.DataFrame()
    for column, (title_, number_format, scale) in RUN_COLUMNS.items():
        values = summary[column] * scale if scale else summary[column]
        table[title_] = values.map(number_format.format)
    return table
