"""Which code and which environment made a result: the package files each rule runs (so Snakemake treats
code as an input), the git commit with its dirty flag, and every installed package's version. Keras-free."""

from __future__ import annotations

import ast
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _imported_modules(module: str) -> set[str]:
    """The package's modules that ``module`` imports (``from . import x``, ``from .x import y``)."""
    tree = ast.parse((PACKAGE_DIR / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnn_replication"):
            parts = node.module.split(".")
            found.update([parts[1]] if len(parts) > 1 else [alias.name for alias in node.names])
    return {name for name in found if (PACKAGE_DIR / f"{name}.py").exists()}


def module_closure(*modules: str) -> list[str]:
    """``modules`` and every package module they import, directly or not, sorted; ``__init__`` included
    (it runs on every import of the package)."""
    seen, pending = set(), ["__init__", *modules]
    while pending:
        module = pending.pop()
        if module not in seen:
            seen.add(module)
            pending.extend(_imported_modules(module) - seen)
    return sorted(seen)


PACKAGE_PATH = "workflow/rnn_replication"  # where the package lives in the repository


def package_files(*modules: str) -> list[str]:
    """The files of ``modules`` and of everything they import from the package, relative to the repository
    root, for a rule's input: editing any of them makes the rule's outputs out of date."""
    return [f"{PACKAGE_PATH}/{module}.py" for module in module_closure(*modules)]


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
