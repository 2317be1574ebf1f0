"""A run's identity: exactly what decides its numbers, and its variant, the digest that names its folder.

The identity is the run's specification (core.spec: its name's cell, form, semantics and seed, and the
hyperparameters), the backend, oneDNN's instruction-set cap (``cpu_isa``, the arithmetic setting), the
meaning of the code that computes (``code``: each file of the train step with its digest,
core.fingerprint), the versions of the numeric packages (``versions``) and the data's checksum. Nothing
else: the code that logs, records or launches, the threads, the paths and the interpreter are not part of
it. Snakemake computes each run's expected identity (pipeline/), the training job checks it against what
it runs under and records it, and collect checks every record against it.

A run's **variant** is the digest of its identity without the fields of its name: the runs of one config
share it (one per semantics, as the cap depends on it), and a run made under other settings, code or
versions lives in another variant's folder, side by side (core.runs.RunPaths). Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

from rnn_replication.core.spec import NAME_FIELDS, RunSpec, cpu_isa_cap

# The packages whose version can change a run's digits, by backend: Keras and NumPy always, the backend's
# own packages (TensorFlow brings oneDNN and Eigen).
NUMERIC_PACKAGES = {
    "tensorflow": ("keras", "numpy", "tensorflow"),
    "jax": ("jax", "jaxlib", "keras", "numpy"),
    "torch": ("keras", "numpy", "torch"),
}
VARIANT_LENGTH = 10  # hex digits (core.runs.WILDCARD_CONSTRAINTS matches them)
PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)")


def installed_versions(backend: str) -> dict[str, str]:
    """The installed versions of ``backend``'s numeric packages ("not installed" where one is missing)."""
    versions = {}
    for name in NUMERIC_PACKAGES[backend]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def pinned_versions(backend: str, requirements: str | Path) -> dict[str, str]:
    """``backend``'s numeric packages as ``requirements`` pins them (``name==version``), where an
    environment is built from that file (snakemake --use-conda); the installed version where it pins none."""
    pins = {}
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    installed = installed_versions(backend)
    return {name: pins.get(name, installed[name]) for name in NUMERIC_PACKAGES[backend]}


def of_run(
    spec: RunSpec, backend: str, cpu_isa: str, code: dict[str, str], versions: dict, data: str
) -> dict:
    """The identity of run ``spec`` trained on ``backend`` with the config's ``cpu_isa`` (the cap applies
    under the article's semantics only), the train step's ``code`` digests, the numeric packages'
    ``versions`` and the data's sha256 ``data``."""
    return spec.settings() | {
        "backend": backend,
        "cpu_isa": cpu_isa_cap(spec.semantics, cpu_isa),
        "code": dict(sorted(code.items())),
        "versions": dict(sorted(versions.items())),
        "data_sha256": data,
    }


def variant(identity: dict) -> str:
    """The digest of ``identity`` without the fields that name the run: the folder of its variant."""
    return digest({key: value for key, value in identity.items() if key not in NAME_FIELDS})


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
        shared = {key: value for key, value in found.items() if key not in NAME_FIELDS}
        key = digest(shared)
        variants[key] = shared
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
