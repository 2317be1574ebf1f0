"""Where a run's files are: results, resume state, logs, benchmark and TensorBoard folders by variant and
name, and the training notebook's parameters. Keras-free, so Snakemake (workflow/rules/common.smk), the
notebooks, collect, the report and the speed benchmark all import it. What a run *is* (its cells, forms,
fields) is ``core.spec``; its identity and variant, ``core.identity``.

A run's files live under its **variant**: a short digest of everything that decides its numbers besides
its name (core.identity), so runs made under other settings, code or package versions stay side by side:
``results/runs/<variant>/<cell>-<form>-<semantics>-seed<seed>/``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rnn_replication.core.identity import VARIANT_LENGTH
from rnn_replication.core.spec import (
    CELLS,
    FIELDS,
    FORMS,
    NAME_PATTERN,
    SEMANTICS,
)

RUNS_DIR = "results/runs"
RESUME_DIR = "results/resume"
TENSORBOARD_DIR = (
    "logs/tensorboard"  # one folder per variant and run: `tensorboard --logdir logs/tensorboard`
)


def choice_pattern(values) -> str:
    """A regular expression matching exactly one of ``values`` (Snakemake's wildcard constraints)."""
    return "|".join(re.escape(value) for value in values)


WILDCARD_CONSTRAINTS = {
    "cell": choice_pattern(CELLS),
    "form": choice_pattern(FORMS),
    "semantics": choice_pattern(SEMANTICS),
    "seed": r"\d+",
    "variant": f"[0-9a-f]{{{VARIANT_LENGTH}}}",
}

# The training notebook's other parameters: where and how a run trains, not what it is.
NOTEBOOK_SETTINGS = (
    "backend",
    "cpu_isa",
    "threads",
    "data_path",
    "metrics_path",
    "history_path",
    "model_path",
    "confusion_path",
    "resume_dir",
    "identity",
    "tensorboard_dir",
)

# Names IPython itself puts in a notebook's namespace.
IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def check_notebook_parameters(namespace: dict) -> None:
    """Refuse a parameter the training notebook does not have (papermill only warns and runs on, so
    `-p epoch 1` would train the default 20 epochs), naming the nearest valid one."""
    import difflib
    import types

    valid = (*FIELDS, *NOTEBOOK_SETTINGS)
    unknown = [
        name
        for name, value in namespace.items()
        if not name.startswith("_")
        and name not in valid
        and name not in IPYTHON_NAMES
        and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    ]
    if unknown:
        name = unknown[0]
        nearest = difflib.get_close_matches(name, valid, n=1)
        hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
        raise ValueError(f"unknown notebook parameter {name!r}{hint} The parameters are: {', '.join(valid)}")


# The files of a finished run, in its folder under results/runs/ (the executed notebook is written last).
RUN_FILE_NAMES = {
    "metrics": "metrics.json",
    "history": "history.csv",
    "model": "model.keras",
    "confusion": "confusion.csv",
    "notebook": "train.ipynb",
}


@dataclass(frozen=True)
class RunOutputs:
    """Where a run writes its record: metrics.json (written last: its presence means the run finished),
    history.csv, the trained model (.keras) and the test set's confusion matrix (confusion.csv)."""

    metrics: str
    history: str
    model: str
    confusion: str

    @classmethod
    def in_dir(cls, directory: str | os.PathLike) -> RunOutputs:
        """The workflow's file names (RUN_FILE_NAMES) in ``directory``."""
        fields = dataclasses.fields(RunOutputs)
        return RunOutputs(
            **{field.name: str(Path(directory) / RUN_FILE_NAMES[field.name]) for field in fields}
        )


@dataclass(frozen=True)
class RunPaths(RunOutputs):
    """Where all of one run's files are in the workflow, relative to the repository root: its record
    (:class:`RunOutputs`), the executed notebook, resume state, logs and benchmark."""

    notebook: str
    resume: str
    log: str
    log_notebook: str
    benchmark: str
    tensorboard: str

    @classmethod
    def of(cls, name: str, variant: str) -> RunPaths:
        """The files of run ``name`` (core.spec.NAME_PATTERN) of variant ``variant`` (core.identity)."""
        run_dir = f"{RUNS_DIR}/{variant}/{name}"
        return cls(
            **{kind: f"{run_dir}/{file_name}" for kind, file_name in RUN_FILE_NAMES.items()},
            resume=f"{RESUME_DIR}/{variant}/{name}",
            log=f"logs/train/{variant}/{name}.log",
            log_notebook=f"logs/train/{variant}/{name}.ipynb",
            benchmark=f"benchmarks/train/{variant}/{name}.tsv",
            tensorboard=f"{TENSORBOARD_DIR}/{variant}/{name}",
        )

    @classmethod
    def pattern(cls) -> RunPaths:
        """The same paths with Snakemake wildcards in place of the run's name and variant."""
        return cls.of(NAME_PATTERN, "{variant}")

    @property
    def lock(self) -> str:
        """The lock a training process holds while it trains the run (observe.job.exclusive)."""
        return f"{self.resume}.lock"

    def finished(self) -> list[str]:
        """Every file a finished run leaves in its folder."""
        return [getattr(self, kind) for kind in RUN_FILE_NAMES]

    def linked(self) -> list[str]:
        """The files of the run that the report links to (its run table)."""
        return [self.notebook, self.metrics, self.history]


def repository_root(start: str | Path | None = None) -> Path:
    """The repository root: the nearest directory, from ``start`` (default: the working directory) upwards,
    that holds the Snakefile and paper/. Notebooks run from it, whether started by Snakemake, papermill or
    Jupyter Lab in notebooks/."""
    here = Path(start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / "Snakefile").is_file() and (directory / "paper").is_dir():
            return directory
    raise FileNotFoundError(f"no repository root (a directory with the Snakefile and paper/) above {here}")


def default_config(root: str | Path | None = None) -> dict:
    """The workflow's default config as Snakemake sees it: config/config.yaml with the schema's defaults
    filled in (for notebooks run without Snakemake)."""
    import yaml
    from snakemake.utils import validate

    root = repository_root(root)
    config = yaml.safe_load((root / "config" / "config.yaml").read_text(encoding="utf-8"))
    validate(config, str(root / "workflow" / "schemas" / "config.schema.yaml"))
    return config
