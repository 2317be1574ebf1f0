"""Which code and which environment made a result: the git commit with its dirty flag, and every installed
package's version. Keras-free. (What each step's code means, for Snakemake: ``fingerprint``.)"""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path


def git_state(root: str | Path = ".") -> dict:
    """The commit checked out at ``root`` and whether tracked files differ from it; None where ``root``
    is not a git checkout (or git is missing)."""

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *arguments], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": dirty}


def installed_packages() -> dict[str, str]:
    """Every installed distribution and its version, by lower-case name: what `pip freeze` lists."""
    versions = {}
    for distribution in metadata.distributions():
        name = distribution.metadata.get("Name")
        if name:
            versions[name.lower()] = distribution.version
    return dict(sorted(versions.items()))
