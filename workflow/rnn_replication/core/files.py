"""Writing files atomically: no half-written file ever looks finished. Stdlib only, so that the numeric
code (train/, which journals a run's epochs) and the records share it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """A temporary path beside ``path`` (same suffix: some writers insist on it) to write to; renamed to
    ``path`` when the block ends without error, removed otherwise. No half-written file ever looks
    finished, and a failed write leaves the previous file in place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes files private; records are not
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, newline="")
