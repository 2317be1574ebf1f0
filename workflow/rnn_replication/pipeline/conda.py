"""The jobs' conda environment (``snakemake --use-conda``): where its pip finds the repository, and a stamp
of the pins, so that the environment is rebuilt when they change.

Conda copies nothing but the environment file: Snakemake writes it to ``<conda prefix>/<hash>.yaml`` and
conda runs pip from that folder. The file therefore names the repository through an environment variable,
which pip expands in requirement lines and the Snakefile sets; and Snakemake's hash covers the file's text
only, so the file carries the digest of ``requirements.txt``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT_VARIABLE = "RNN_REPLICATION_ROOT"
ENVIRONMENT_FILE = Path("workflow/envs/workflow.yaml")
PINS_FILE = Path("requirements.txt")
STAMP_PREFIX = f"# {PINS_FILE} sha256: "


def pins_stamp(repository: Path) -> str:
    """The line the environment file must carry for the pins now in ``requirements.txt``."""
    digest = hashlib.sha256((Path(repository) / PINS_FILE).read_bytes()).hexdigest()
    return STAMP_PREFIX + digest


def stamp_problem(repository: Path) -> str | None:
    """What is wrong with the environment file's stamp, with the line to put there; None when it is right."""
    expected = pins_stamp(repository)
    lines = (Path(repository) / ENVIRONMENT_FILE).read_text().splitlines()
    found = [line for line in lines if line.startswith(STAMP_PREFIX)]
    if found == [expected]:
        return None
    stale = found[0] if found else STAMP_PREFIX + "..."
    return (
        f"{ENVIRONMENT_FILE} does not carry the digest of {PINS_FILE} as it is now, so Snakemake would keep "
        f"an environment built from other pins: replace its line {stale!r} with {expected!r}"
    )
