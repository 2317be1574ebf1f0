"""What the models get wrong, from collect's confusion table (core.confusion.LONG_COLUMNS): one
configuration's matrix, the most confused digit pairs, the error counts, and the table the report shows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_replication.core.confusion import DIGITS, LONG_COLUMNS
from rnn_replication.core.spec import ARTICLE_FORM, CELLS, SEMANTICS


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


def whole_or_tenths(value: float) -> str:
    """A count or a mean of counts: "195" when whole, else "195.5"."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def confusion_table(table: pd.DataFrame, semantics: str, top: int = 3) -> pd.DataFrame:
    """What each configuration under ``semantics`` gets wrong: its test error per run and its ``top`` most
    confused digit pairs (true → predicted, with the images so misread over all its runs)."""
    table = table[table["semantics"] == semantics]
    counts = error_counts(table)
    pairs = most_confused(table, top)
    rows = []
    for row in counts.itertuples():
        mine = pairs[(pairs["cell"] == row.cell) & (pairs["form"] == row.form)]
        rows.append(
            {
                "cell": CELLS[row.cell],
                "form": row.form,
                "runs": row.runs,
                "test images wrong per run": (
                    f"{whole_or_tenths(row.errors / row.runs)} of {row.images // row.runs:,}"
                ),
                "most confused (true → predicted: images over the runs)": ", ".join(
                    f"{pair['true']} → {pair['predicted']}: {pair['count']}"
                    for pair in mine.to_dict("records")
                    if pair["count"]
                )
                or "none",
            }
        )
    return pd.DataFrame(rows)
