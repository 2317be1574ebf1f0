"""Where each run comes from, as one table beside the summary: results/provenance.csv, one row per run in the
summary's order, with the fields of its record (metrics.json) that the report shows about the runs'
environment, so that the report opens no run record itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from rnn_replication.core import records
from rnn_replication.core.spec import HYPERPARAMETERS

# The record's fields, copied as they are; empty where a record lacks one (older records have no `python`).
RECORD_FIELDS = (
    "backend",
    "device",
    "gpu_warning",
    "git_commit",
    "git_dirty",
    "code_fingerprint",
    "data_sha256",
    "cpu_model",
    "cpu_isa",
    "cpu_isa_in_effect",
    "arithmetic",
    "deterministic_ops",
    "tf32",
    "python",
)
# The fields that hold True or False (or nothing, where not recorded).
FLAGS = ("git_dirty", "deterministic_ops", "tf32")
# How many installed packages the record lists, each with its version (its `packages`).
INSTALLED_PACKAGES = "installed_packages"
# One column per setting of the record's `config` that the config gives every run alike (the report
# compares them with the article's), and one per package version the record names (its `versions`).
SETTING_PREFIX = "config_"
VERSION_PREFIX = "version_"
SETTING_COLUMNS = [SETTING_PREFIX + name for name in HYPERPARAMETERS]


def provenance_row(metrics_path: str | os.PathLike) -> dict:
    """One run's row: its name (its folder's) and what its record says about where it comes from."""
    record = json.loads(Path(metrics_path).read_text())
    settings = record.get("config") or {}
    return (
        {"run": Path(metrics_path).parent.name}
        | {field: record.get(field) for field in RECORD_FIELDS}
        | {INSTALLED_PACKAGES: len(record.get("packages") or {})}
        | {SETTING_PREFIX + name: settings.get(name) for name in HYPERPARAMETERS}
        | {VERSION_PREFIX + name: version for name, version in (record.get("versions") or {}).items()}
    )


def provenance_table(metrics_paths) -> pd.DataFrame:
    """A row per record, in the order of ``metrics_paths``; a version column for every package any record
    names, by name."""
    rows = [provenance_row(path) for path in metrics_paths]
    versions = sorted({column for row in rows for column in row if column.startswith(VERSION_PREFIX)})
    columns = ["run", *RECORD_FIELDS, INSTALLED_PACKAGES, *SETTING_COLUMNS, *versions]
    # Objects, so that a whole number stays whole in the file where another record lacks the field.
    return pd.DataFrame(rows, columns=columns, dtype=object)


def write_provenance(metrics_paths, out) -> pd.DataFrame:
    """results/provenance.csv from the runs' records, in the order of ``metrics_paths`` (the summary's)."""
    table = provenance_table(metrics_paths)
    records.atomic_write_text(out, table.to_csv(index=False))
    return table


def _setting(text: str):
    """A setting as the record held it: a number where it is one ("128" -> 128), None where not recorded."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_provenance(path: str | os.PathLike) -> pd.DataFrame:
    """results/provenance.csv as the records held it: text as written (a version "1.10" stays "1.10", an
    empty field empty), the flags True, False or None, the settings numbers (None where not recorded)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    # Objects, so that None stays None (not NaN, which is true) and a whole number whole.
    for column in FLAGS:
        flags = [{"True": True, "False": False}.get(text) for text in table[column]]
        table[column] = pd.Series(flags, index=table.index, dtype=object)
    for column in SETTING_COLUMNS:
        table[column] = pd.Series([_setting(text) for text in table[column]], index=table.index, dtype=object)
    table[INSTALLED_PACKAGES] = table[INSTALLED_PACKAGES].astype(int)
    return table


def recorded_settings(row: pd.Series) -> dict:
    """The settings a run's ``config`` recorded, by name (those it lacks left out)."""
    values = {name: row[SETTING_PREFIX + name] for name in HYPERPARAMETERS}
    return {name: value for name, value in values.items() if value is not None}


def recorded_versions(row: pd.Series) -> dict[str, str]:
    """The package versions a run recorded, by package name."""
    return {
        column.removeprefix(VERSION_PREFIX): version
        for column, version in row.items()
        if column.startswith(VERSION_PREFIX) and version
    }
