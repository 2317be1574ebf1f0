"""What each pipeline step's code means, as fingerprints Snakemake compares (its rules' params) and the
training runs record (core.identity).

A step's code is its entry files (its package folder, scripts, notebook, templates) and every module of the
package they import, directly or not. Only code that can change a step's numbers is an entry: training's
is ``train/`` (models, the training loop, backend settings, the Keras 2.2 semantics), which imports
``data/mnist.py`` and ``core/spec.py`` and nothing that logs, plots, records or launches (``observe/``,
the training notebook, ``workflow/scripts/run_notebook.py``; tests/test_fingerprint.py guards the
boundary). Each Python file is fingerprinted by its syntax tree without docstrings, written in a canonical
form of this module's own (not ``ast.unparse`` or ``ast.dump``, whose output differs between Python
versions for the same code), each notebook by the syntax trees of its code cells: comments, docstrings,
formatting, markdown cells, modification times and the interpreter's version change nothing, while a
change of meaning reruns exactly the steps that run the edited file.
Stdlib only: Snakemake computes these every time it reads the Snakefile, and each training job again.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from pathlib import Path

PACKAGE = "rnn_replication"
PACKAGE_PATH = "workflow/rnn_replication"  # where the package lives in the repository

# The code that decides each step's numbers, besides the package modules it imports. A folder stands for
# the Python files in it (a package folder) or every file in it (templates). The data step has none: the
# data is judged by its checksum. The launcher (workflow/scripts/run_notebook.py) and the training
# notebook are no step's code: they pass settings on and show results, and the training job checks that
# what it runs under is what Snakemake asked for (observe.job).
STEP_ENTRIES = {
    "train": ("workflow/rnn_replication/train",),
    "timing": ("workflow/rnn_replication/timing",),
    "collect": ("workflow/scripts/collect_runs.py",),
    "judge": ("workflow/scripts/judge.py",),
    "compare": ("workflow/scripts/compare_replications.py",),
    "report": ("notebooks/report.ipynb", "workflow/templates"),
    "bundle": ("workflow/scripts/bundle_report.py",),
}
# Scripts and notebooks the rules run that compute no number: they launch a step's code, pass settings
# on, print, record or show (the terminal's estimate, the notebook launcher, the timing pass's launcher,
# the training notebook). No fingerprint, so editing them reruns nothing.
NOT_STEP_CODE = (
    "workflow/scripts/progress.py",
    "workflow/scripts/run_notebook.py",
    "workflow/scripts/time_cells.py",
    "notebooks/train.ipynb",
)
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


def _string_parts(values: list) -> list:
    """An f-string's parts with empty strings dropped and neighbouring strings joined: Python 3.12.0-3.12.x
    puts an empty string after a nested format field (``f"{x:>{w}}"``) where 3.11 and 3.13 do not."""
    parts: list = []
    for value in values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            if not value.value:
                continue
            if parts and isinstance(parts[-1], ast.Constant) and isinstance(parts[-1].value, str):
                parts[-1] = ast.Constant(parts[-1].value + value.value)
                continue
        parts.append(value)
    return parts


# Fields that say nothing about what the code does: a string's u prefix, type-checker comments.
IGNORED_FIELDS = {"kind", "type_comment", "type_ignores"}


def canonical(node) -> str:
    """A syntax tree as text, the same on every Python version from 3.11 on for the same code: each node's
    class and its fields by name, leaving out fields that are empty or None (later versions add fields,
    e.g. ``type_params``, that are empty in code that does not use them) and IGNORED_FIELDS."""
    if isinstance(node, ast.AST):
        fields = []
        for name in node._fields:
            value = getattr(node, name, None)
            if name in IGNORED_FIELDS:
                continue
            if isinstance(node, ast.JoinedStr) and name == "values":
                value = _string_parts(value)
            if value is None or (isinstance(value, list) and not value):
                continue
            fields.append(f"{name}={canonical(value)}")
        return f"{type(node).__name__}({', '.join(fields)})"
    if isinstance(node, list):
        return "[" + ", ".join(canonical(item) for item in node) + "]"
    return repr(node)


# Memoized on the text: Snakemake computes every step's fingerprints when it reads the Snakefile, and the
# shared modules (core/) are in most steps' code.
@functools.cache
def python_meaning(source: str, path="<source>") -> str:
    """``source``'s syntax tree without docstrings, in :func:`canonical` form: the same for any comment,
    layout or Python version."""
    return canonical(_without_docstrings(parse(source, path)))


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


def _entry_files(root: Path, entry: str) -> list[Path]:
    """The files an entry stands for: itself, or a folder's files (only its Python files in the package,
    never compiled ones)."""
    path = Path(entry)
    if not (root / path).is_dir():
        return [path]
    pattern = "*.py" if path.is_relative_to(PACKAGE_PATH) else "*"
    return sorted(
        file.relative_to(root)
        for file in (root / path).rglob(pattern)
        if file.is_file() and "__pycache__" not in file.parts
    )


def code_files(step: str, root: str | Path = ".") -> list[str]:
    """Every file step ``step`` runs: its entries (a folder stands for the files in it) and the package
    modules they import, directly or not; sorted, relative to ``root``."""
    root = Path(root)
    pending = [file for entry in STEP_ENTRIES[step] for file in _entry_files(root, entry)]
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


def code_digests(step: str, root: str | Path = ".") -> dict[str, str]:
    """Each file step ``step`` runs, with the digest of its meaning (:func:`file_meaning`)."""
    root = Path(root)
    return {
        file: hashlib.sha256(file_meaning(root / file).encode()).hexdigest()[:DIGEST_LENGTH]
        for file in code_files(step, root)
    }


def code_fingerprints(step: str, root: str | Path = ".") -> list[str]:
    """One ``"code FILE DIGEST"`` line per file step ``step`` runs: the rule's params, so Snakemake reruns
    the step when the meaning of one of them changes, and names that file."""
    return [f"code {file} {digest}" for file, digest in code_digests(step, root).items()]


def digest(fingerprints: list[str] | dict[str, str]) -> str:
    """One short digest of a step's fingerprint lines (or its files' digests), for its records."""
    if isinstance(fingerprints, dict):
        fingerprints = [f"code {file} {value}" for file, value in fingerprints.items()]
    return hashlib.sha256("\n".join(fingerprints).encode()).hexdigest()[:DIGEST_LENGTH]
