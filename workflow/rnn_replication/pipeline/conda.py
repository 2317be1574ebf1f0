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
# A conda match spec as environment files write them: [channel[/subdir]::]name[ constraints][=build], then
# optionally [key=value, ...]; a constraint is an optional operator and a version ("3.11", "20.*"), several
# joined by "," or "|".
CONSTRAINT = r"(?:==|>=|<=|!=|~=|=|<|>)?\s*[0-9*][0-9A-Za-z_.*+!]*"
MATCH_SPEC = re.compile(
    r"(?:(?P<channel>\S+?)::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.+-]*)"
    rf"(?:\s*{CONSTRAINT}(?:\s*[,|]\s*{CONSTRAINT})*(?:[= ][A-Za-z0-9_.*]+)?)?"
    r"(?:\[[^\[\]]+\])?"
)
# A channel named by its URL on anaconda.org is that channel.
ANACONDA_ORG = re.compile(r"https?://conda\.anaconda\.org/")
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


def channel_of(text: str) -> str:
    """The channel a `channels:` entry or a spec's ``channel::`` prefix names: "conda-forge" for
    "conda-forge", "conda-forge/linux-64" and "https://conda.anaconda.org/conda-forge"."""
    return ANACONDA_ORG.sub("", text).strip("/").split("/")[0]


def channel_problem(entry: str) -> str:
    held = ", ".join(CHANNEL_NAME_FILES)
    return (
        f"channel {entry!r} is not one whose package names are held here ({held}; or conda's keyword "
        f"{', '.join(CHANNEL_KEYWORDS)}){closest(channel_of(entry), CHANNEL_NAME_FILES)}. To check against "
        "another channel, add a file of its package names to CHANNEL_NAME_FILES in "
        "rnn_replication/pipeline/conda.py"
    )


def conda_part_problems(repository: Path) -> list[str]:
    """What in environment.yml's channels and conda packages conda would refuse, as far as it can be told
    without a channel: each a sentence naming the entry and what was expected. Empty when none."""
    source = yaml.safe_load((Path(repository) / SOURCE_FILE).read_text())
    channels = source.get("channels") if isinstance(source, dict) else None
    dependencies = source.get("dependencies") if isinstance(source, dict) else None
    if not isinstance(channels, list) or not isinstance(dependencies, list):
        return [f"{SOURCE_FILE}: expected a mapping with lists under `channels:` and `dependencies:`"]
    loaded = {}  # each channel's names read once

    def names_of(channel: str) -> tuple[str, frozenset[str]]:
        if channel not in loaded:
            loaded[channel] = channel_names(repository, channel)
        return loaded[channel]

    problems, listed = [], []
    for entry in channels:
        if not isinstance(entry, str):
            problems.append(f"channel {entry!r}: expected a channel's name or URL")
        elif channel_of(entry) in CHANNEL_NAME_FILES:
            listed.append(channel_of(entry))
        elif entry not in CHANNEL_KEYWORDS:
            problems.append(channel_problem(entry))
    conda_packages, pip_sections = set(), []
    for item in dependencies:
        if isinstance(item, dict) and set(item) == {"pip"}:
            pip_sections.append(item["pip"])
            continue
        spec = MATCH_SPEC.fullmatch(item.strip()) if isinstance(item, str) else None
        if spec is None:
            problems.append(
                f"dependency {item!r} is not in a form this check reads: expected a conda match spec, "
                "[channel::]name[ version][=build] (e.g. 'numpy', 'python=3.11', 'nodejs>=18,<23'), or a "
                "`pip:` list"
            )
            continue
        name, prefix = spec["name"], spec["channel"]
        conda_packages.add(name)
        searched = listed if prefix is None else [channel_of(prefix)]
        if prefix is not None and searched[0] not in CHANNEL_NAME_FILES:
            problems.append(f"{item!r} names a {channel_problem(prefix)}")
        elif not searched:
            problems.append(
                f"{item!r} cannot be checked: no channel whose package names are held here "
                f"({', '.join(CHANNEL_NAME_FILES)}) is listed under `channels:`"
            )
        elif not any(name in names_of(channel)[1] for channel in searched):
            problems.append(
                unknown_package_problem(item, name, {channel: names_of(channel) for channel in searched})
            )
    for section in pip_sections:
        if not isinstance(section, list) or not all(isinstance(line, str) for line in section):
            problems.append(f"`pip:` holds {section!r}: expected a list of pip's lines")
    if pip_sections and "pip" not in conda_packages:
        problems.append(
            "a `pip:` section without the conda package pip: conda warns and adds a pip of its own "
            "choosing; add `- pip` to dependencies so that the environment says which pip runs it"
        )
    return [f"{SOURCE_FILE}: {problem}" for problem in problems]


def unknown_package_problem(item: str, name: str, searched: dict) -> str:
    where = " or ".join(f"{channel} (registry: {origin})" for channel, (origin, _) in searched.items())
    names = set().union(*(names for _, names in searched.values()))
    entry = repr(name) if item.strip() == name else f"{name!r} ({item!r})"
    if name.lower() != name and name.lower() in names:
        return f"conda package {entry}: conda's package names are lower case: {name.lower()!r}"
    return (
        f"conda package {entry} is not a package of {where}{closest(name, names)}. If the channel "
        "registered it after that, refresh conda-forge's names with `python "
        "workflow/scripts/conda_forge_names.py FEEDSTOCK_OUTPUTS_CLONE`"
    )


def write_jobs_environment(repository: Path) -> Path:
    path = Path(repository) / ENVIRONMENT_FILE
    path.write_text(jobs_environment(repository))
    return path


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    if problems := conda_part_problems(root):
        sys.exit("\n".join([*problems, f"{ENVIRONMENT_FILE} not written."]))
    print(f"wrote {write_jobs_environment(root)}")
