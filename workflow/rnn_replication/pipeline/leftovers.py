"""Temporary files a killed process left behind: core.files.atomic_path writes every file the workflow
makes under a temporary name beside it (``.<stem>.<random>.tmp<suffix>``) and renames it when done, so a
process killed mid-write (SIGKILL, a cluster's time limit) leaves that temporary file. The workflow's
start removes those that no process has written to for ``QUIET_SECONDS`` (a write in progress keeps its
file's modification time fresh; the workflow's own lock keeps a second Snakemake out)."""

from __future__ import annotations

import os
import time
from pathlib import Path

# core.files.atomic_path's temporary names (tests/test_leftovers.py checks that it still makes these).
TEMPORARY_PATTERN = ".*.tmp*"
QUIET_SECONDS = 600


def leftover_temporaries(roots, quiet_seconds: float = QUIET_SECONDS, now: float | None = None) -> list[Path]:
    """atomic_path's temporary files under ``roots`` untouched for ``quiet_seconds``."""
    now = time.time() if now is None else now
    found = []
    for root in map(Path, roots):
        if not root.is_dir():
            continue
        for path in root.rglob(TEMPORARY_PATTERN):
            try:
                if path.is_file() and now - path.stat().st_mtime >= quiet_seconds:
                    found.append(path)
            except FileNotFoundError:  # renamed or removed meanwhile by its writer
                continue
    return sorted(found)


def remove_leftover_temporaries(roots, quiet_seconds: float = QUIET_SECONDS) -> list[Path]:
    """Remove :func:`leftover_temporaries` and return them."""
    removed = []
    for path in leftover_temporaries(roots, quiet_seconds):
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed
