"""A run's identity: exactly what decides its numbers, and its variant, the digest that names its folder.

The identity is the run's specification (core.spec: its name's cell, form, semantics and seed, and the
hyperparameters), the backend, oneDNN's instruction-set cap (``cpu_isa``, the arithmetic setting), the
meaning of the code that computes (``code``: each file of the train step with its digest,
core.fingerprint), the versions of the numeric packages (``versions``) and the data's checksum. Nothing
else: the code that logs, records or launches, the threads, the paths and the interpreter are not part of
it. Snakemake computes each run's expected identity (pipeline/), the training job checks it against what
it runs under and records it, and collect checks every record against it.

A run's **variant** is the digest of its identity without the fields of its name: the runs of one config
share it (one per semantics where a cap is set, as it applies under the article's semantics only), and a
run made under other settings, code or versions lives in another variant's folder, side by side
(core.runs.RunPaths). Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

from rnn_replication.core.spec import NAME_FIELDS, RunSpec

# The packages whose version can change a run's digits, by backend: Keras and NumPy always, the backend's
# own packages (TensorFlow brings oneDNN and Eigen).
NUMERIC_PACKAGES = {
    "tensorflow": ("keras", "numpy", "tensorflow"),
    "jax": ("jax", "jaxlib", "keras", "numpy"),
    "torch": ("keras", "numpy", "torch"),
}
VARIANT_LENGTH = 10  # hex digits (core.runs.WILDCARD_CONSTRAINTS matches them)
PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)")


# The packages whose version can change what each step after training computes or shows (the training
# and timing steps: NUMERIC_PACKAGES, part of their identity). Compared as those steps' params.
STEP_PACKAGES = {
    "collect": ("numpy", "pandas"),
    "judge": ("numpy", "pandas", "scipy"),
    "compare": ("numpy", "pandas", "scipy"),
    "report": ("matplotlib", "nbconvert", "numpy", "pandas"),
    "bundle": (),
}


def installed_versions(names) -> dict[str, str]:
    """The installed versions of packages ``names`` ("not installed" where one is missing)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def pinned_versions(names, requirements: str | Path) -> dict[str, str]:
    """Packages ``names`` as ``requirements`` pins them (``name==version``), where an environment is built
    from that file (snakemake --use-conda); the installed version where it pins none."""
    pins = {}
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    installed = installed_versions(names)
    return {name: pins.get(name, installed[name]) for name in names}


def of_run(
    spec: RunSpec, backend: str, cpu_isa: str, code: dict[str, str], versions: dict, data: str
) -> dict:
    """The identity of run ``spec`` trained on ``backend`` under oneDNN's cap ``cpu_isa`` (the cap itself:
    core.spec.cpu_isa_cap gives it for a config), with the train step's ``code`` digests, the numeric
    packages' ``versions`` and the data's sha256 ``data``."""
    return spec.settings() | {
        "backend": backend,
        "cpu_isa": cpu_isa,
        "code": dict(sorted(code.items())),
        "versions": dict(sorted(versions.items())),
        "data_sha256": data,
    }


# What the timing pass's seconds depend on besides its code, the backend, the cap and the packages: the
# models it builds and the data it trains on (not the runs' epochs or seeds).
TIMING_SETTINGS = ("semantics", "units", "batch_size", "learning_rate", "train_subset", "test_subset")


def of_timing(
    settings: dict,
    cells: list,
    repeats: int,
    max_busy: float,
    backend: str,
    cpu_isa: str,
    code: dict,
    versions: dict,
    data: str,
) -> dict:
    """The identity of a timing pass: the models it times (TIMING_SETTINGS of ``settings``, ``cells``),
    its ``repeats``, the share of its CPUs other processes may take before a repeat is timed again
    (``max_busy``: it decides which epochs are kept), the backend, the cap, the timing step's ``code``
    digests, the numeric packages' ``versions`` and the data's sha256 ``data``. It names the pass's folder
    (:func:`variant`)."""
    return {name: settings[name] for name in TIMING_SETTINGS} | {
        "cells": list(cells),
        "repeats": repeats,
        "max_other_cpu_share": max_busy,
        "backend": backend,
        "cpu_isa": cpu_isa,
        "code": dict(sorted(code.items())),
        "versions": dict(sorted(versions.items())),
        "data_sha256": data,
    }


def shared(identity: dict) -> dict:
    """``identity`` without the fields that name the run: what the runs of one variant share."""
    return {key: value for key, value in identity.items() if key not in NAME_FIELDS}


def variant(identity: dict) -> str:
    """The digest of ``identity``'s :func:`shared` part: the folder of its variant."""
    return digest(shared(identity))


def differences(recorded: dict, expected: dict) -> list[tuple[str, object, object]]:
    """Where ``recorded`` (a run record's identity) differs from ``expected``: (what, recorded value,
    expected value), one per setting, per code file and per package, in ``expected``'s order."""
    found = []
    for key, value in expected.items():
        made = recorded.get(key)
        if key in ("code", "versions") and isinstance(value, dict):
            made = made if isinstance(made, dict) else {}
            for name in sorted(set(value) | set(made)):
                if made.get(name) != value.get(name):
                    what = f"code {name}" if key == "code" else f"{name} version"
                    found.append((what, made.get(name), value.get(name)))
        elif made != value:
            found.append((key, made, value))
    return found


def digest(mapping: dict) -> str:
    """A short digest of a JSON mapping (its keys sorted)."""
    return hashlib.sha256(json.dumps(mapping, sort_keys=True).encode()).hexdigest()[:VARIANT_LENGTH]


def plan(identities: list[dict]) -> dict:
    """Runs' identities as one compact mapping (what collect and the estimate are given): each variant's
    shared identity once, each run by name with its variant and its name's fields."""
    variants, named = {}, {}
    for found in identities:
        key = variant(found)
        variants[key] = shared(found)
        name = RunSpec(**{field: found[field] for field in NAME_FIELDS}).name
        named[name] = {"variant": key} | {field: found[field] for field in NAME_FIELDS}
    return {"variants": variants, "runs": named}


def unplan(planned: dict) -> dict[str, dict]:
    """:func:`plan` read back: each run's name with its identity."""
    found = {}
    for name, entry in planned["runs"].items():
        fields = {key: value for key, value in entry.items() if key != "variant"}
        found[name] = fields | planned["variants"][entry["variant"]]
    return found
