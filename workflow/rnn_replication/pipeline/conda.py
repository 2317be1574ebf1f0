"""The jobs' conda environment (``snakemake --use-conda``): made from environment.yml, where its conda part
is written once, with where its pip finds the repository and a stamp of the pins, so that the environment
is rebuilt when they change.

Conda copies nothing but the environment file: Snakemake writes it to ``<conda prefix>/<hash>.yaml`` and
conda runs pip from that folder. The file therefore names the repository through an environment variable,
which pip expands in requirement lines and the Snakefile sets; and Snakemake's hash covers the file's text
only, so the file carries the digest of ``requirements.txt``. ``python -m rnn_replication.pipeline.conda``
writes it; the workflow refuses ``--use-conda`` with a file that is not what environment.yml and
requirements.txt make.

No conda channel is reachable from CI, so environment.yml's conda part is checked without a solve: each
channel must be one whose package names the repository holds (conda-forge's registry, a snapshot made by
workflow/scripts/conda_forge_names.py), or conda's keyword ``nodefaults``; each package a well-formed match
spec naming a package of those channels; and a ``pip:`` section needs the conda package pip. Versions are
not checked against the channel (the snapshot has names only).
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import re
import sys
from pathlib import Path

import yaml

ROOT_VARIABLE = "RNN_REPLICATION_ROOT"
SOURCE_FILE = Path("environment.yml")
ENVIRONMENT_FILE = Path("workflow/envs/workflow.yaml")
PINS_FILE = Path("requirements.txt")
STAMP_PREFIX = f"# {PINS_FILE} sha256: "
# The channels whose package names are held, each in a gzipped list whose first line names its source.
CHANNEL_NAME_FILES = {"conda-forge": Path("workflow/envs/conda-forge-names.txt.gz")}
# Words conda reads in `channels:` that are not channels ("nodefaults": leave out the defaults channels).
CHANNEL_KEYWORDS = ("nodefaults",)
# A conda match spec as environment files write them: [channel::]name[ version constraints][=build].
MATCH_SPEC = re.compile(
    r"(?:(?P<channel>[A-Za-z0-9_.-]+)::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.+-]*)"
    r"(?:\s*(?P<constraint>(?:==|>=|<=|!=|~=|=|<|>)?\s*[0-9*][0-9A-Za-z_.*+!]*"
    r"(?:\s*[,|]\s*(?:==|>=|<=|!=|~=|=|<|>)?\s*[0-9*][0-9A-Za-z_.*+!]*)*)(?:[= ][A-Za-z0-9_.*]+)?)?"
)
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


def write_channel_names(path: Path, source: str, names: list[str]) -> Path:
    """A channel's package names, one per line under ``# SOURCE``, gzipped with no timestamp or file name
    so that the same names give the same bytes."""
    text = f"# {source}\n" + "".join(f"{name}\n" for name in names)
    with open(path, "wb") as file, gzip.GzipFile(filename="", mode="wb", fileobj=file, mtime=0) as packed:
        packed.write(text.encode())
    return Path(path)


def channel_names(repository: Path, channel: str) -> tuple[str, frozenset[str]]:
    """Where the held names of ``channel`` come from, and the names."""
    packed = (Path(repository) / CHANNEL_NAME_FILES[channel]).read_bytes()
    lines = gzip.decompress(packed).decode().splitlines()
    return lines[0].removeprefix("# "), frozenset(lines[1:])


def closest(word: str, choices) -> str:
    matches = difflib.get_close_matches(word, sorted(choices), n=3)
    return f"; closest: {', '.join(matches)}" if matches else ""


def conda_part_problems(repository: Path) -> list[str]:
    """What in environment.yml's channels and conda packages conda would refuse, as far as it can be told
    without a channel: each a sentence naming the entry and what was expected. Empty when none."""
    source = yaml.safe_load((Path(repository) / SOURCE_FILE).read_text()) or {}
    channels, dependencies = source.get("channels"), source.get("dependencies")
    if not isinstance(channels, list) or not isinstance(dependencies, list):
        return [f"{SOURCE_FILE}: expected lists under `channels:` and `dependencies:`"]
    problems, held = [], {}
    for channel in channels:
        if channel in CHANNEL_NAME_FILES:
            held[channel] = channel_names(repository, channel)
        elif channel not in CHANNEL_KEYWORDS:
            problems.append(
                f"{SOURCE_FILE}: channel {channel!r} is not one whose package names are held here "
                f"({', '.join(CHANNEL_NAME_FILES)}; or conda's keyword {', '.join(CHANNEL_KEYWORDS)})"
                f"{closest(str(channel), [*CHANNEL_NAME_FILES, *CHANNEL_KEYWORDS])}"
            )
    conda_packages, has_pip_section = set(), False
    for item in dependencies:
        if isinstance(item, dict) and set(item) == {"pip"}:
            has_pip_section = True
            continue
        spec = MATCH_SPEC.fullmatch(item.strip()) if isinstance(item, str) else None
        if spec is None:
            problems.append(
                f"{SOURCE_FILE}: dependency {item!r} is not a conda match spec "
                "(expected e.g. 'numpy', 'python=3.11', 'nodejs>=18,<23') or a `pip:` list"
            )
            continue
        name, channel = spec["name"], spec["channel"]
        conda_packages.add(name)
        if channel is not None and channel not in CHANNEL_NAME_FILES:
            problems.append(
                f"{SOURCE_FILE}: {item!r} names channel {channel!r}, whose package names are not held here"
            )
            continue
        searched = {channel: held.get(channel) or channel_names(repository, channel)} if channel else held
        if searched and not any(name in names for _, names in searched.values()):
            where = " or ".join(f"{known} (registry: {origin})" for known, (origin, _) in searched.items())
            everything = set().union(*(names for _, names in searched.values()))
            problems.append(
                f"{SOURCE_FILE}: conda package {name!r} ({item!r}) is not a package of {where}"
                f"{closest(name, everything)}"
            )
    if has_pip_section and "pip" not in conda_packages:
        problems.append(
            f"{SOURCE_FILE}: a `pip:` section without the conda package pip: conda creates the environment "
            "without a pip of its own and installs none of the section (add `- pip` to dependencies)"
        )
    return problems


def write_jobs_environment(repository: Path) -> Path:
    path = Path(repository) / ENVIRONMENT_FILE
    path.write_text(jobs_environment(repository))
    return path


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    if problems := conda_part_problems(root):
        sys.exit("\n".join([*problems, f"{ENVIRONMENT_FILE} not written."]))
    print(f"wrote {write_jobs_environment(root)}")
