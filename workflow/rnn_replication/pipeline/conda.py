"""The jobs' conda environment (``snakemake --use-conda``): made from environment.yml, where its conda part
is written once, with where its pip finds the repository and a stamp of the pins, so that the environment
is rebuilt when they change.

Conda copies nothing but the environment file: Snakemake writes it to ``<conda prefix>/<hash>.yaml`` and
conda runs pip from that folder. The file therefore names the repository through an environment variable,
which pip expands in requirement lines and the Snakefile sets; and Snakemake's hash covers the file's text
only, so the file carries the digest of ``requirements.txt``. ``python -m rnn_replication.pipeline.conda``
writes it; the workflow refuses ``--use-conda`` with a file that is not what environment.yml and
requirements.txt make.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

ROOT_VARIABLE = "RNN_REPLICATION_ROOT"
SOURCE_FILE = Path("environment.yml")
ENVIRONMENT_FILE = Path("workflow/envs/workflow.yaml")
PINS_FILE = Path("requirements.txt")
STAMP_PREFIX = f"# {PINS_FILE} sha256: "
HEADER = f"""\
# The environment of every rule under `snakemake --use-conda`: {SOURCE_FILE}'s, which users create by hand.
# Made from it by `python -m rnn_replication.pipeline.conda` (do not edit: the workflow refuses a file that
# differs from what {SOURCE_FILE} and {PINS_FILE} make). Snakemake copies this file to
# <conda prefix>/<hash>.yaml and conda runs pip from there, so the repository is named by {ROOT_VARIABLE}
# (pip expands it; the Snakefile sets it). Snakemake rebuilds the environment when this text changes: the
# line below is the digest of {PINS_FILE}.
"""


def pins_stamp(repository: Path) -> str:
    """The line the environment file must carry for the pins now in ``requirements.txt``."""
    digest = hashlib.sha256((Path(repository) / PINS_FILE).read_bytes()).hexdigest()
    return STAMP_PREFIX + digest


def rooted(line: str) -> str:
    """A pip line of environment.yml (relative to the repository) with the repository named by
    ROOT_VARIABLE: ``-r requirements.txt`` -> ``-r ${ROOT}/requirements.txt``, ``-e .`` -> ``-e ${ROOT}``."""
    option, _, path = line.partition(" ")
    root = "${" + ROOT_VARIABLE + "}"
    return f"{option} {root}" if path.strip() in (".", "./") else f"{option} {root}/{path.strip()}"


def jobs_environment(repository: Path) -> str:
    """The text of the jobs' environment file: environment.yml's channels and conda packages as they are,
    its pip lines rooted, the pins' stamp."""
    source = yaml.safe_load((Path(repository) / SOURCE_FILE).read_text())
    dependencies = [
        {"pip": [rooted(line) for line in item["pip"]]} if isinstance(item, dict) else item
        for item in source["dependencies"]
    ]
    body = yaml.safe_dump({"channels": source["channels"], "dependencies": dependencies}, sort_keys=False)
    return f"{HEADER}{pins_stamp(repository)}\n{body}"


def stamp_problem(repository: Path) -> str | None:
    """What is wrong with the jobs' environment file, and how to put it right; None when it is right."""
    expected = jobs_environment(repository)
    found = (Path(repository) / ENVIRONMENT_FILE).read_text()
    if found == expected:
        return None
    stamps = [line for line in found.splitlines() if line.startswith(STAMP_PREFIX)]
    stale = stamps[0] if stamps else STAMP_PREFIX + "..."
    if stamps != [pins_stamp(repository)] and found.replace(stale, pins_stamp(repository)) == expected:
        return (
            f"{ENVIRONMENT_FILE} does not carry the digest of {PINS_FILE} as it is now, so Snakemake would "
            f"keep an environment built from other pins: replace its line {stale!r} with "
            f"{pins_stamp(repository)!r}, or run `python -m rnn_replication.pipeline.conda`"
        )
    return (
        f"{ENVIRONMENT_FILE} is not what {SOURCE_FILE} and {PINS_FILE} make (edited by hand, or "
        f"{SOURCE_FILE} changed since): run `python -m rnn_replication.pipeline.conda` to write it again"
    )


def write_jobs_environment(repository: Path) -> Path:
    path = Path(repository) / ENVIRONMENT_FILE
    path.write_text(jobs_environment(repository))
    return path


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    print(f"wrote {write_jobs_environment(root)}")
