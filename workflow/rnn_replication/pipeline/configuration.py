"""The workflow config as the user wrote it: command-line values read from what was typed, every value
checked in one line naming its key, config files named with the line of a syntax error."""

from __future__ import annotations

import difflib
import math
import os
import re
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config

QUOTES = "'\""
# YAML's own spellings of true and false; yes/no/on/off stay words on the command line.
BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class ConfigFileError(WorkflowError):
    """A config file that is not valid YAML, named with the line and column of the problem."""


class CommandLineLoader(yaml.SafeLoader):
    """YAML as the config files are read, except that a plain 1e-3 is a number: YAML 1.1 wants 1.0e-3 and
    leaves 1e-3 a string. Implicit resolvers see only plain scalars, so a quoted '1e-3' stays a string."""


CommandLineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def typed_command_line_values(entries: Iterable[str] | None) -> dict:
    """The ``--config`` entries (``key=value``, as typed: ``workflow.config_settings.config_args``) as
    values, later entries merged over earlier ones as Snakemake merges them.

    Snakemake reads a list or mapping through YAML's base loader, which leaves every scalar a string, and
    a plain string through YAML too, which cuts it at `` #``. Here a value that YAML reads as a list or a
    mapping is read with CommandLineLoader (``seeds=[0,1]`` gives ints; in ``{local_path: 'a #b.npz'}``
    the quoted path stays whole, and ``'0777'`` or ``'yes'`` stays a string); a quoted value is the string
    inside the quotes; any other value is an int or a float as Snakemake reads them (``1e-3``, and ``nan``
    too, which config_problem refuses), true or false, else the text exactly as typed."""
    values: dict = {}
    for entry in entries or ():
        key, _, text = entry.partition("=")
        update_config(values, {key: _typed(text)})
    return values


def _typed(text: str):
    if text == "":
        return None  # as Snakemake reads `key=`
    try:
        read = yaml.load(text, Loader=CommandLineLoader)
    except (yaml.YAMLError, ValueError):  # ValueError: a date YAML matches but cannot build (2024-13-01)
        read = None
    if isinstance(read, dict | list):
        return read
    if text[0] in QUOTES:
        # Unreadable quoting (an API caller's 'it's') loses its quotes, as Snakemake's parser strips them.
        return read if isinstance(read, str) else text.strip(QUOTES)
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return BOOLEANS.get(text, text)


def config_problem(config: Mapping, schema_path: str | Path) -> str | None:
    """What is wrong with the config, in one line naming the key and what was expected; None when the
    schema accepts it and every number in it is finite (NaN compares false with every bound, so the schema
    alone lets ``alpha: .nan`` through, and every verdict would come out inconclusive)."""
    for path, value in _leaves(config, ""):
        if isinstance(value, float) and not math.isfinite(value):
            return f"config value {path} is {value}: expected a finite number"
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    error = best_match(StrictIntegers(schema).iter_errors(config))
    return None if error is None else _one_line(error)


# JSON Schema counts 20.0 as an integer; the run specification does not (`epochs: 20.0` would stop the
# workflow later with a traceback), so neither does the config's check.
StrictIntegers = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)


def _leaves(value, path: str):
    """(key path, value) of every scalar, keys joined with dots and list positions in brackets."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _key_path(parts: Iterable) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _one_line(error: ValidationError) -> str:
    parent = _key_path(error.absolute_path)
    prefix = f"{parent}." if parent else ""
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        patterns = error.schema.get("patternProperties", {})
        unknown = [
            str(key)
            for key in error.instance
            if key not in known and not any(re.search(pattern, str(key)) for pattern in patterns)
        ]
        closest = difflib.get_close_matches(unknown[0], known, n=1)
        expected = f"did you mean {prefix}{closest[0]}?" if closest else f"expected one of {', '.join(known)}"
        return f"unknown config key {prefix}{unknown[0]}: {expected}"
    if error.validator == "required":
        missing = next(key for key in error.validator_value if key not in error.instance)
        return f"config key {prefix}{missing} is missing: expected a value, as the key has no default"
    return f"config value {parent or '(the whole config)'}: {error.message}"


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


def rerun_options(config_settings) -> str:
    """The command-line options that chose this run's config (each ``--configfile``, relative to the
    working directory where it lies below it, and the ``--config`` entries), shell-quoted, for commands
    the workflow tells the user to run: without them a rerun would use config/config.yaml alone."""
    options = []
    for path in config_settings.configfiles or ():
        relative = os.path.relpath(path)
        options += ["--configfile", path if relative.startswith("..") else relative]
    entries = list(config_settings.config_args or ())
    if entries:
        options += ["--config", *entries]
    return shlex.join(options)
