"""What the models get wrong, from collect's confusion table (core.confusion.LONG_COLUMNS): one
configuration's matrix, the most confused digit pairs, the error counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_replication.core.confusion import DIGITS, LONG_COLUMNS
from rnn_replication.core.runs import ARTICLE_FORM, SEMANTICS


def matrix_of(
    table: pd.DataFrame, cell: str, form: str = ARTICLE_FORM, semantics: str = SEMANTICS[0]
) -> np.ndarray:
    """One configuration's summed 10 x 10 matrix from the collected long table."""
    rows = table[(table["cell"] == cell) & (table["form"] == form) & (table["semantics"] == semantics)]
    if rows.empty:
        raise KeyError(f"no confusion counts for {cell} {form} ({semantics})")
    return (
        rows.pivot(index="true", columns="predicted", values="count")
        .reindex(DIGITS, columns=DIGITS)
        .to_numpy()
    )


def most_confused(table: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The ``top`` largest off-diagonal counts of each configuration of the collected long table, in its
    order: true digit, predicted digit, count over its runs, and that count as a share of the test images
    of the true digit (over the same runs)."""
    picked = []
    for _, rows in table.groupby(["cell", "form", "semantics"], sort=False):
        rows = rows.assign(share=rows["count"] / rows.groupby("true")["count"].transform("sum"))
        errors = rows[rows["true"] != rows["predicted"]]
        picked.append(errors.sort_values("count", ascending=False, kind="stable").head(top))
    if not picked:
        return pd.DataFrame(columns=[*LONG_COLUMNS, "share"])
    return pd.concat(picked, ignore_index=True)


def error_counts(table: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration of the collected long table, in its order: its runs, the test images
    over those runs and how many of them the models got wrong."""
    keys = ["cell", "form", "semantics", "runs"]
    wrong = table["count"].where(table["true"] != table["predicted"], 0)
    grouped = table.assign(wrong=wrong).groupby(keys, sort=False)
    return grouped.agg(images=("count", "sum"), errors=("wrong", "sum")).reset_index()
