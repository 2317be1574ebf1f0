"""One run of the experiment, defined once: the grid axes, a run's settings, its name, its files.

Keras-free, so Snakemake (workflow/rules/common.smk), the notebooks, collect, the report and the speed
benchmark all import it. Adding a cell, a form or a hyperparameter starts here (see README, "Extending").
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

# The grid axes. A cell's value is its Keras layer class and its label in the report.
CELLS = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
FORMS = ("single", "stacked", "bidirectional")
SEMANTICS = ("article", "modern")
BACKENDS = ("tensorflow", "jax", "torch")
ARTICLE_FORM = "single"  # the only form the article ran

NAME_PATTERN = "{cell}-{form}-{semantics}-seed{seed}"
RUNS_DIR = "results/runs"
RESUME_DIR = "results/resume"
TENSORBOARD_DIR = "logs/tensorboard"  # one folder per run: `tensorboard --logdir logs/tensorboard`


def choice_pattern(values) -> str:
    """A regular expression matching exactly one of ``values`` (Snakemake's wildcard constraints)."""
    return "|".join(re.escape(value) for value in values)


WILDCARD_CONSTRAINTS = {
    "cell": choice_pattern(CELLS),
    "form": choice_pattern(FORMS),
    "semantics": choice_pattern(SEMANTICS),
    "seed": r"\d+",
}


def check_choice(name: str, value, valid) -> None:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(valid)}")


def _check_integer(name: str, value, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        expected = "a positive integer" if minimum == 1 else "a non-negative integer (0 = all)"
        if name == "seed":
            expected = "a non-negative integer"
        raise ValueError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")


@dataclass(frozen=True)
class RunSpec:
    """What one training run is: the configuration (cell, form, semantics, seed), which names it, and the
    hyperparameters, which the config sets for every run alike. Validated on creation."""

    cell: str
    form: str = ARTICLE_FORM
    semantics: str = "article"
    seed: int = 0
    units: int = 128
    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 0.001
    train_subset: int = 0  # the first N training images, 0 = all 60,000
    test_subset: int = 0  # the first N test images, 0 = all 10,000

    def __post_init__(self):
        check_choice("cell", self.cell, CELLS)
        check_choice("form", self.form, FORMS)
        check_choice("semantics", self.semantics, SEMANTICS)
        _check_integer("seed", self.seed, 0)
        for name in ("units", "epochs", "batch_size"):
            _check_integer(name, getattr(self, name), 1)
        for name in ("train_subset", "test_subset"):
            _check_integer(name, getattr(self, name), 0)
        rate = self.learning_rate
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate <= 0:
            raise ValueError(f"learning_rate must be a positive number, got {rate!r} ({type(rate).__name__})")

    @property
    def name(self) -> str:
        return NAME_PATTERN.format(cell=self.cell, form=self.form, semantics=self.semantics, seed=self.seed)

    @property
    def label(self) -> str:
        """The cell's label with the form, for titles: "LSTM, bidirectional"."""
        return f"{CELLS[self.cell]}, {self.form}"

    @classmethod
    def from_parameters(cls, parameters: dict) -> RunSpec:
        """The run described by a mapping that holds (at least) every field, e.g. a notebook's globals."""
        return cls(**{name: parameters[name] for name in FIELDS})

    def settings(self) -> dict:
        """Every field, as the notebook's parameters and the run record's ``config`` take them."""
        return dataclasses.asdict(self)

    def paths(self) -> RunPaths:
        return RunPaths.of(self.name)


FIELDS = tuple(field.name for field in dataclasses.fields(RunSpec))
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
    "code_fingerprint",
    "tensorboard_dir",
)
# oneDNN's instruction-set cap on x86-64 CPUs (ONEDNN_MAX_CPU_ISA; the config's `cpu_isa`): with AVX2,
# the same seed gives the same digits on CPUs with and without AVX-512 (docs/reproducibility.md).
DEFAULT_CPU_ISA = "AVX2"


def cpu_isa_cap(semantics: str, cpu_isa: str) -> str:
    """The cap a run trains under: the config's ``cpu_isa`` with the article's semantics (the replication,
    whose digits should not depend on the machine), none ("") with the modern ones."""
    return cpu_isa if semantics == "article" else ""


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


# The settings the config gives every run alike (the others name the run).
HYPERPARAMETERS = tuple(name for name in FIELDS if name not in ("cell", "form", "semantics", "seed"))


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
    def of(cls, name: str) -> RunPaths:
        run_dir = f"{RUNS_DIR}/{name}"
        return cls(
            **{kind: f"{run_dir}/{file_name}" for kind, file_name in RUN_FILE_NAMES.items()},
            resume=f"{RESUME_DIR}/{name}",
            log=f"logs/train/{name}.log",
            log_notebook=f"logs/train/{name}.ipynb",
            benchmark=f"benchmarks/train/{name}.tsv",
            tensorboard=f"{TENSORBOARD_DIR}/{name}",
        )

    @classmethod
    def pattern(cls) -> RunPaths:
        """The same paths with Snakemake wildcards in place of the run's name."""
        return cls.of(NAME_PATTERN)

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
