"""The workflow config as the user wrote it: command-line values typed as YAML, config files named with the
line of a syntax error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError

# A number as people write one (1e-3 included, which YAML 1.1 reads as a string); not "inf" or "nan".
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class ConfigFileError(WorkflowError):
    """A config file that is not valid YAML, named with the line and column of the problem."""


def typed_command_line_values(values: Mapping) -> dict:
    """``--config`` values as YAML reads them, at any depth.

    Snakemake reads a top-level ``--config`` value as a number or a boolean where it can, but a list or a
    mapping through YAML's base loader, whose every scalar is a string: ``verdict={alpha: 0.01}`` arrives
    as ``{"alpha": "0.01"}`` and ``seeds=[0,1]`` as ``["0", "1"]``. Each such string is read again as YAML
    (with ``1e-3`` as a number too, which YAML 1.1 leaves a string); a string that YAML reads as a list
    or mapping stays the string it was."""
    return {key: _typed(value) for key, value in values.items()}


def _typed(value):
    if isinstance(value, Mapping):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_typed(item) for item in value]
    if not isinstance(value, str):
        return value
    try:
        read = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(read, str):
        return float(read) if NUMBER.fullmatch(read.strip()) else read
    return value if isinstance(read, dict | list) else read


def check_yaml_file(path: str | Path) -> None:
    """Raise ConfigFileError naming ``path``, the line and the column where YAML stops reading it."""
    try:
        yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigFileError(f"{path}: not valid YAML, {_where(error)}") from None


def _where(error: yaml.YAMLError) -> str:
    """Where YAML stopped, and where the construct it was reading began (an unclosed bracket)."""
    problem, problem_mark = getattr(error, "problem", None), getattr(error, "problem_mark", None)
    context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if not problem_mark:
        return str(error)
    text = f"line {problem_mark.line + 1}, column {problem_mark.column + 1}: {problem}"
    if context and context_mark:
        text += f" ({context} that begins on line {context_mark.line + 1}, column {context_mark.column + 1})"
    return text
