"""The variants on disk: every variant folder of runs (results/runs/<variant>/), what each was made with,
how it differs from the config's, and deleting one with all its files. Snakemake's side: no job imports it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from rnn_replication.core import identity, records
from rnn_replication.core.identity import VARIANT_LENGTH
from rnn_replication.core.runs import RESUME_DIR, RUNS_DIR, TENSORBOARD_DIR, WILDCARD_CONSTRAINTS, RunPaths

# A variant's folders besides results/runs/<variant>: what its runs left elsewhere.
VARIANT_FOLDERS = (RUNS_DIR, RESUME_DIR, "logs/train", TENSORBOARD_DIR, "benchmarks/train")


@dataclass(frozen=True)
class Variant:
    """One variant folder of runs: its name, its runs' records and the identity they share."""

    name: str
    records: dict[str, dict]  # run name -> its metrics.json

    @property
    def shared(self) -> dict:
        """The identity its runs share (without the fields that name a run), from one of its records."""
        for record in self.records.values():
            found = record.get("identity") if isinstance(record, dict) else None
            if isinstance(found, dict):
                return identity.shared(found)
        return {}

    def bytes(self, root: Path = Path(".")) -> int:
        return sum(
            file.stat().st_size
            for folder in VARIANT_FOLDERS
            for file in (root / folder / self.name).rglob("*")
            if file.is_file()
        )


def on_disk(root: str | Path = ".") -> list[Variant]:
    """Every variant folder under results/runs, with its finished runs' records (unreadable ones left
    out), by name. Other folders there (runs of the layout before variants) are no variant."""
    found = []
    runs_dir = Path(root) / RUNS_DIR
    for folder in sorted(runs_dir.glob("*")) if runs_dir.is_dir() else []:
        if not folder.is_dir() or not is_variant(folder.name):
            continue
        kept = {}
        for metrics in sorted(folder.glob("*/metrics.json")):
            try:
                record = json.loads(metrics.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(record, dict):
                kept[metrics.parent.name] = record
        found.append(Variant(folder.name, kept))
    return found


def is_variant(name: str) -> bool:
    """Whether ``name`` is a variant's (its digest's hex digits)."""
    return re.fullmatch(WILDCARD_CONSTRAINTS["variant"], name) is not None


def closest(expected: dict, candidates: dict[str, dict]) -> tuple[str, list] | None:
    """Of ``candidates`` (name -> shared identity), the one that differs least from ``expected`` (a shared
    identity), with the differences; None where there is none."""
    found = [(name, identity.differences(other, expected)) for name, other in candidates.items() if other]
    return min(found, key=lambda pair: len(pair[1])) if found else None


def new_state(expected: dict, candidates: dict[str, dict], folder: str) -> str:
    """Why a variant (or timing pass) that is not on disk is new: how it differs from the closest one in
    ``folder`` that is."""
    found = closest(expected, candidates)
    if found is None:
        return "new"
    name, differences = found
    return f"new; differs from {folder}/{name}/ in {listed(differences)}"


def listed(differences: list, shown: int = 3) -> str:
    """The first ``shown`` differences (what, before, now) as "what before -> now", and how many more."""
    named = [f"{what} {made!r} -> {asked!r}" for what, made, asked in differences[:shown]]
    more = f" and {len(differences) - shown} more" if len(differences) > shown else ""
    return ", ".join(named) + more


def delete(name: str, root: str | Path = ".") -> list[Path]:
    """Remove variant ``name``'s folders (its runs, resume states, logs, TensorBoard files, benchmarks);
    refuse, removing nothing, while a process trains one of its runs. Returns the folders removed."""
    root = Path(root)
    if not is_variant(name):
        raise ValueError(
            f"{name!r} is not a variant: expected the {VARIANT_LENGTH} hex digits of a folder in {RUNS_DIR}"
        )
    if not (root / RUNS_DIR / name).is_dir():
        raise FileNotFoundError(f"no variant {name!r}: {root / RUNS_DIR / name} is not a folder")
    for lock in sorted((root / RESUME_DIR / name).glob("*.lock")):
        handle = records.try_lock(lock)
        if handle is None:
            raise RuntimeError(
                f"run {lock.stem} of variant {name} is being trained (pid {records.lock_holder(lock)}): "
                "nothing was removed"
            )
        handle.close()
    removed = []
    for folder in VARIANT_FOLDERS:
        path = root / folder / name
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(path)
    return removed


def plan_line(plan, root: str | Path = ".") -> str:
    """One line on where the config's runs are: each of its variants' folders with its runs, how many
    have finished, and for a variant with none yet, how it differs from the closest one on disk; then the
    same for the timing pass. ``plan``: pipeline.selection.Plan."""
    grouped: dict[str, list] = {}
    for spec in plan.runs:
        grouped.setdefault(plan.variant(spec), []).append(spec)
    on_disk_now = None
    parts = []
    for name, specs in grouped.items():
        finished = sum(Path(root, RunPaths.of(spec.name, name).metrics).exists() for spec in specs)
        state = f"{finished} finished"
        if not finished:
            if on_disk_now is None:
                on_disk_now = {variant.name: variant.shared for variant in on_disk(root)}
            state = new_state(identity.shared(plan.identity(specs[0])), on_disk_now, RUNS_DIR)
        parts.append(f"{RUNS_DIR}/{name}/ ({len(specs)} run{'s' if len(specs) > 1 else ''}, {state})")
    return "this config's runs: " + "; ".join(parts) + "; " + timing_state(plan, root)


def timing_state(plan, root: str | Path = ".") -> str:
    """Where the config's timing pass is, and, where it is still to run, how it differs from the closest
    one on disk (each keeps its identity.json beside its table)."""
    files = plan.timing_files()
    folder = Path(files["table"]).parent
    if Path(root, files["table"]).exists():
        return f"timing pass: {folder}/ (done)"
    candidates = {}
    for other in sorted(Path(root, folder.parent).glob("*/identity.json")):
        try:
            candidates[other.parent.name] = json.loads(other.read_text())
        except (OSError, ValueError):
            continue
    return f"timing pass: {folder}/ ({new_state(plan.timing_identity(), candidates, str(folder.parent))})"


def not_variants(root: str | Path = ".") -> list[Path]:
    """Folders under results/runs that are no variant's (runs of the layout before variants)."""
    runs_dir = Path(root) / RUNS_DIR
    return sorted(
        folder
        for folder in (runs_dir.glob("*") if runs_dir.is_dir() else [])
        if folder.is_dir() and not is_variant(folder.name)
    )
