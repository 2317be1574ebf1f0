"""What each pipeline step's code means, as fingerprints Snakemake compares (its rules' params).

A step's code is its entry files (script, notebook, templates) and every module of the package they import,
directly or not. Each Python file is fingerprinted by its syntax tree without docstrings, each notebook by
the syntax trees of its code cells: comments, docstrings, formatting, markdown cells and modification
times change nothing, so editing them reruns nothing, while a change of meaning reruns exactly the steps
that run the edited file, and `snakemake -n` names it ("Params have changed ... now: 'code FILE ...'").
Stdlib only: Snakemake computes these every time it reads the Snakefile.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from pathlib import Path

PACKAGE = "rnn_replication"
PACKAGE_PATH = "workflow/rnn_replication"  # where the package lives in the repository

# The files each step runs besides the package modules they import. The data step has none: the data is
# judged by its checksum, so editing the download code fetches nothing again while the verified file is there.
STEP_ENTRIES = {
    "train": ("notebooks/train.ipynb", "workflow/scripts/run_notebook.py"),
    "timing": ("workflow/scripts/time_cells.py",),
    "collect": ("workflow/scripts/collect_runs.py",),
    "judge": ("workflow/scripts/judge.py",),
    "compare": ("workflow/scripts/compare_replications.py",),
    "report": ("notebooks/report.ipynb", "workflow/scripts/run_notebook.py", "workflow/templates"),
    "bundle": ("workflow/scripts/bundle_report.py",),
}
# Scripts a rule runs after its work that write nothing it outputs: no fingerprint, so editing them reruns
# nothing (the terminal's training estimate, after the timing pass and after each run).
OUTSIDE_RESULTS = ("workflow/scripts/progress.py",)
DIGEST_LENGTH = 16  # hex digits per file: enough to tell edits apart, short enough to read in a message


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


def parse(source: str, path) -> ast.Module:
    """``source`` (from ``path``) as a syntax tree; a syntax error names the file."""
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as error:
        message = f"{path}, line {error.lineno}: {error.msg} (read for its code fingerprint)"
        raise SyntaxError(message) from None


# Memoized on the text: Snakemake computes every step's fingerprints when it reads the Snakefile, and the
# shared modules (core/) are in most steps' code.
@functools.cache
def python_meaning(source: str, path="<source>") -> str:
    """``source``'s syntax tree without docstrings, written back as code (``ast.unparse``): the same for any
    comment or layout (and, unlike ``ast.dump``, not tied to the syntax tree's field list, which changes
    between Python versions)."""
    return ast.unparse(_without_docstrings(parse(source, path)))


def _ipython_lines(source: str) -> tuple[str, list[str]]:
    """A notebook cell's Python, with IPython's own lines (``%magic``, ``!command``) taken out and
    returned apart."""
    python, ipython = [], []
    for line in source.splitlines():
        (ipython if line.lstrip().startswith(("%", "!")) else python).append(line)
    return "\n".join(python), [line.strip() for line in ipython]


def _cell_meaning(source: str, path="<cell>") -> str:
    python, ipython = _ipython_lines(source)
    return "\n".join([*ipython, python_meaning(python, path)])


def notebook_code(path: Path) -> list[str]:
    """The sources of a notebook's code cells, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def file_meaning(path: Path) -> str:
    """What can change a result in the file at ``path``: the syntax tree of Python, the code cells of a
    notebook, the bytes of anything else (templates, data)."""
    if path.suffix == ".py":
        return python_meaning(path.read_text(encoding="utf-8"), path)
    if path.suffix == ".ipynb":
        return "\n\f\n".join(_cell_meaning(source, path) for source in notebook_code(path))
    return path.read_bytes().hex()


def _module_file(root: Path, dotted: str) -> Path | None:
    """The file of package module ``dotted`` (``rnn_replication.x.y``): ``x/y.py`` or ``x/y/__init__.py``."""
    relative = Path(PACKAGE_PATH, *dotted.split(".")[1:])
    for candidate in (relative.with_suffix(".py"), relative / "__init__.py"):
        if (root / candidate).is_file():
            return candidate
    return None


def _package_of(path: Path) -> str | None:
    """The dotted package a package file belongs to (for relative imports); None outside the package."""
    if not path.is_relative_to(PACKAGE_PATH):
        return None
    return ".".join((PACKAGE, *path.relative_to(PACKAGE_PATH).parts[:-1]))


@functools.cache
def _imported(root: Path, path: Path, source: str) -> frozenset[Path]:
    """The package files that ``source`` (the file ``path`` or a notebook cell) imports, with the
    ``__init__.py`` of every package on the way (Python runs them)."""
    tree = parse(_ipython_lines(source)[0], path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if _package_of(path) is None:  # a relative import outside the package: not ours
                    continue
                base = _package_of(path).split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] != PACKAGE:
            continue
        for end in range(1, len(parts) + 1):
            file = _module_file(root, ".".join(parts[:end]))
            if file is not None:
                found.add(file)
    return frozenset(found)


def code_files(step: str, root: str | Path = ".") -> list[str]:
    """Every file step ``step`` runs: its entries (a folder stands for the files in it) and the package
    modules they import, directly or not; sorted, relative to ``root``."""
    root = Path(root)
    pending = []
    for entry in STEP_ENTRIES[step]:
        path = Path(entry)
        if (root / path).is_dir():
            pending += sorted(file.relative_to(root) for file in (root / path).rglob("*") if file.is_file())
        else:
            pending.append(path)
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix == ".py":
            pending += _imported(root, path, (root / path).read_text(encoding="utf-8"))
        elif path.suffix == ".ipynb":
            for source in notebook_code(root / path):
                pending += _imported(root, path, source)
    return sorted(str(path) for path in seen)


def code_fingerprints(step: str, root: str | Path = ".") -> list[str]:
    """One ``"code FILE DIGEST"`` line per file step ``step`` runs: the rule's params, so Snakemake reruns
    the step when the meaning of one of them changes, and names that file."""
    root = Path(root)
    return [
        f"code {file} {hashlib.sha256(file_meaning(root / file).encode()).hexdigest()[:DIGEST_LENGTH]}"
        for file in code_files(step, root)
    ]


def digest(fingerprints: list[str]) -> str:
    """One short digest of a step's fingerprint lines, for its records (collect compares it)."""
    return hashlib.sha256("\n".join(fingerprints).encode()).hexdigest()[:DIGEST_LENGTH]
