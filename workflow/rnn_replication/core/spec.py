"""What one training run is: the grid axes, the run specification and its name, the arithmetic cap.

Numeric code (train/, data/mnist.py) imports this module and nothing else of core/, so it is part of every
run's identity: keep it to what decides a run's numbers. Keras-free; where a run's files are is
``core.runs``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# The grid axes. A cell's value is its Keras layer class and its label in the report.
CELLS = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
FORMS = ("single", "stacked", "bidirectional")
SEMANTICS = ("article", "modern")
BACKENDS = ("tensorflow", "jax", "torch")
ARTICLE_FORM = "single"  # the only form the article ran

NAME_PATTERN = "{cell}-{form}-{semantics}-seed{seed}"
# The fields that name a run; the others (the hyperparameters) the config sets for every run alike.
NAME_FIELDS = ("cell", "form", "semantics", "seed")


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
        finite = isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 < rate < float("inf")
        if not finite:
            raise ValueError(
                f"learning_rate must be a positive finite number, got {rate!r} ({type(rate).__name__})"
            )

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


FIELDS = tuple(field.name for field in dataclasses.fields(RunSpec))
# The settings the config gives every run alike (the others name the run).
HYPERPARAMETERS = tuple(name for name in FIELDS if name not in NAME_FIELDS)

# oneDNN's instruction-set cap on x86-64 CPUs (ONEDNN_MAX_CPU_ISA; the config's `cpu_isa`): AVX2, the
# level every x86-64 CPU of the last decade has. No cap gives every CPU the same digits; a run's arithmetic
# fingerprint (observe.probe) says which runs compare digit for digit (docs/reproducibility.md).
DEFAULT_CPU_ISA = "AVX2"


def cpu_isa_cap(semantics: str, cpu_isa: str) -> str:
    """The cap a run trains under: the config's ``cpu_isa`` with the article's semantics (the replication),
    none ("") with the modern ones."""
    return cpu_isa if semantics == "article" else ""
