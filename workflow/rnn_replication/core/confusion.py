"""What the models get wrong: confusion matrices over the test images (Keras-free).

A run's ``confusion.csv`` counts its test images by true digit (rows, column ``true``) and predicted digit
(columns ``0`` to ``9``). Collect sums them over the seeds of each configuration into one long table
(LONG_COLUMNS); report/mistakes.py reads that table.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from rnn_replication.core import records

DIGITS = list(range(10))
COLUMNS = ["true", *(str(digit) for digit in DIGITS)]
# The collected table: one row per configuration, true digit and predicted digit.
LONG_COLUMNS = ["cell", "form", "semantics", "runs", "true", "predicted", "count"]


class ConfusionError(ValueError):
    """A confusion.csv that cannot be used; the message names the file and what is wrong."""


def write(path: str | os.PathLike, matrix: np.ndarray) -> None:
    rows = [{"true": digit, **{str(p): int(matrix[digit, p]) for p in DIGITS}} for digit in DIGITS]
    records.write_csv(path, rows, COLUMNS)


def read(path: str | os.PathLike, images: int | None = None, fix: str = "") -> np.ndarray:
    """A run's confusion.csv, checked: digits 0-9 by 0-9, non-negative whole counts adding up to
    ``images`` when given. Raises ConfusionError naming the file, what is wrong and ``fix``."""
    path, fix = Path(path), f"; {fix}" if fix else ""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise ConfusionError(f"{path}: not a readable CSV ({type(error).__name__}: {error}){fix}") from None
    if list(table.columns) != COLUMNS or table["true"].tolist() != DIGITS:
        raise ConfusionError(
            f"{path}: expected columns {', '.join(COLUMNS)} and one row per true digit 0-9, found columns "
            f"{', '.join(map(str, table.columns))} and {len(table)} rows{fix}"
        )
    counts = table[COLUMNS[1:]].apply(pd.to_numeric, errors="coerce").to_numpy()
    if np.isnan(counts).any() or (counts < 0).any() or (counts != np.round(counts)).any():
        raise ConfusionError(f"{path}: counts must be whole numbers of at least 0{fix}")
    matrix = counts.astype(np.int64)
    if images is not None and matrix.sum() != images:
        raise ConfusionError(f"{path}: counts add up to {matrix.sum()}, the run tested {images} images{fix}")
    return matrix
