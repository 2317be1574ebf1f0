"""The Snakemake side of the workflow: which runs a config selects, each run's identity and files (the
:class:`Plan`), the order the jobs start in, and the settings each rule is compared by. No job imports
this module: editing it reruns a step only where it changes what that step is compared by.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from rnn_replication.core import identity, records
from rnn_replication.core.runs import RESUME_DIR, RunPaths
from rnn_replication.core.spec import ARTICLE_FORM, HYPERPARAMETERS, SEMANTICS, RunSpec, cpu_isa_cap
from rnn_replication.data import mnist

# What a copy of the workflow needs (the benchmark and the workflow tests run DAGs in such copies).
WORKFLOW_FILES = ("Snakefile", "config", "workflow", "notebooks", "paper", "profiles", "environment.yml")
# Relative cost of one epoch, so the workflow can start the longest runs first (and the estimate prices a
# form): the cells' median seconds per epoch in the default replication's timing pass (1 : 3.6 : 3.2) and
# the forms' epoch ratios in its training runs (stacked 2.2-2.3, bidirectional 1.8-2.0 times single),
# docs/results.md.
CELL_COST = {"simplernn": 1, "lstm": 3.6, "gru": 3.2}
FORM_COST = {"single": 1, "bidirectional": 1.9, "stacked": 2.2}
# Config keys that cannot change a number (proved or by construction), so no rule is compared by them:
# threads (tests/test_training.py shows the digits do not change), the data's route (the file is judged
# by its checksum) and the container image (its packages are part of every run's identity).
NOT_RESULT_SETTINGS = ("threads_per_run", "data", "container")


def relative_cost(cell: str, form: str) -> float:
    """How long a run of ``cell`` in ``form`` takes, relative to a single-layer SimpleRNN."""
    return CELL_COST[cell] * FORM_COST[form]


def seeds_of(config: dict, form: str) -> list[int]:
    """The seeds a form runs with under a workflow config."""
    return config["seeds"] if form == ARTICLE_FORM else config["other_form_seeds"]


def run_spec(config: dict, cell: str, form: str, semantics: str, seed: int) -> RunSpec:
    """One run under a workflow config: the configuration named, the hyperparameters from the config."""
    return RunSpec(cell, form, semantics, int(seed), **{name: config[name] for name in HYPERPARAMETERS})


def selected_runs(config: dict) -> list[RunSpec]:
    """Every run a workflow config asks for: each cell x form under the config's semantics with that form's
    seeds (``seeds`` for the article's single layer, ``other_form_seeds`` for the others), then, with
    ``compare_semantics``, the single-layer cells under both semantics. In that order, without repeats."""
    runs = [
        run_spec(config, cell, form, config["semantics"], seed)
        for cell in config["cells"]
        for form in config["forms"]
        for seed in seeds_of(config, form)
    ]
    if config["compare_semantics"]:
        runs += [
            run_spec(config, cell, ARTICLE_FORM, semantics, seed)
            for semantics in SEMANTICS
            for cell in config["cells"]
            for seed in config["seeds"]
        ]
    return list(dict.fromkeys(runs))


class Plan:
    """The runs a config asks for, each with its identity (core.identity: what decides its numbers) and
    its files under its variant, and the same for the timing pass. ``train_code`` and ``timing_code``:
    each step's code digests (core.fingerprint.code_digests); ``versions``: the numeric packages' versions
    the jobs run with."""

    def __init__(self, config: dict, train_code: dict, timing_code: dict, versions: dict):
        self.config, self.train_code, self.timing_code = config, train_code, timing_code
        self.versions = versions
        self.runs = selected_runs(config)
        # Each run's identity and variant, made once: every train job's params ask for them.
        self._identities: dict[RunSpec, tuple[dict, str]] = {}

    def _planned(self, spec: RunSpec) -> tuple[dict, str]:
        if spec not in self._identities:
            config = self.config
            cap = cpu_isa_cap(spec.semantics, config["cpu_isa"])
            data = mnist.ARRAYS_SHA256
            found = identity.of_run(spec, config["backend"], cap, self.train_code, self.versions, data)
            self._identities[spec] = found, identity.variant(found)
        return self._identities[spec]

    def identity(self, spec: RunSpec) -> dict:
        return dict(self._planned(spec)[0])

    def variant(self, spec: RunSpec) -> str:
        return self._planned(spec)[1]

    def paths(self, spec: RunSpec) -> RunPaths:
        return RunPaths.of(spec.name, self.variant(spec))

    def planned(self, specs: list[RunSpec] | None = None) -> dict:
        """The identities of ``specs`` (default: the config's runs) as core.identity.plan writes them."""
        return identity.plan([self.identity(spec) for spec in (self.runs if specs is None else specs)])

    def notebook_settings(self, spec: RunSpec) -> dict:
        """What the training notebook is given of a run (with -y): its specification, the backend, the cap
        it trains under, and its identity, which the job checks before it trains and records."""
        planned = self.identity(spec)
        return spec.settings() | {
            "backend": planned["backend"],
            "cpu_isa": planned["cpu_isa"],
            "identity": planned,
        }

    def timing_identity(self) -> dict:
        """What decides the timing pass's seconds besides the machine (core.identity.of_timing)."""
        config = self.config
        return identity.of_timing(
            {name: config[name] for name in identity.TIMING_SETTINGS},
            config["cells"],
            config["timing"]["repeats"],
            config["verdict"]["max_other_cpu_share"],
            config["backend"],
            cpu_isa_cap(config["semantics"], config["cpu_isa"]),
            self.timing_code,
            self.versions,
            mnist.ARRAYS_SHA256,
        )

    def timing_files(self) -> dict[str, str]:
        """The timing pass's table, log and benchmark, under its own variant."""
        key = identity.digest(self.timing_identity())
        return {
            "table": f"{TIMING_DIR}/{key}/timing.csv",
            "identity": f"{TIMING_DIR}/{key}/identity.json",
            "log": f"logs/timing/{key}.log",
            "benchmark": f"benchmarks/timing/{key}.tsv",
        }


TIMING_DIR = "results/timing"


def notebook_yaml(settings: dict) -> str:
    """Settings as one line of YAML for papermill's -y, which reads YAML 1.1: there ``5e-05`` (what JSON
    writes) is a string, ``5.0e-05`` (what YAML writes) a number."""
    return yaml.safe_dump(settings, default_flow_style=True, sort_keys=True, width=float("inf")).strip()


def settings_json(settings: dict) -> str:
    """Settings as one canonical JSON string (sorted keys), for a rule's params and the notebook's -y."""
    return json.dumps(settings, sort_keys=True)


def training_priority(config: dict, cell: str, form: str, seed: int) -> int:
    """Seed by seed in the config's order, the longest runs first within a seed. On JAX a configuration's
    later seeds then start after its first seed has compiled, and load that program from the persistent
    compilation cache instead of compiling it again at the same time."""
    seeds = seeds_of(config, form)
    waves = max(len(config["seeds"]), len(config["other_form_seeds"]))
    wave = waves - seeds.index(seed) if seed in seeds else 0
    return 1000 * wave + round(10 * relative_cost(cell, form))


def result_config(config: dict) -> dict:
    """The config without the keys that cannot change a number (what the report is compared by and shows)."""
    return {key: value for key, value in config.items() if key not in NOT_RESULT_SETTINGS}


def timing_config_problem(config: dict) -> str | None:
    """Why the config's timing pass would not be balanced (None: it is): its repeats must be a multiple of
    the number of cells, so that each cell is timed equally often in each position of a repeat."""
    repeats, cells = config["timing"]["repeats"], len(config["cells"])
    if repeats % cells == 0:
        return None
    fewer, more = repeats - repeats % cells, repeats + cells - repeats % cells
    choices = f"{fewer} or {more}" if fewer >= 2 else f"{more}"
    return (
        f"timing.repeats is {repeats}, but the timing pass times {cells} cells: use a multiple of {cells} "
        f"({choices}), so that each cell is timed equally often in each position of a repeat"
    )


def runs_being_trained(resume_dir: str = RESUME_DIR) -> dict[str, str]:
    """The runs (``<variant>/<name>``) that a process is training right now in this folder (it holds the
    run's lock under ``resume_dir``, see observe.job.exclusive), with that process's id, whether or not
    the config selects them: another Snakemake in the same folder (started after `--unlock`) must not
    retrain them, nor remove what they are writing."""
    busy = {}
    for lock in sorted(Path(resume_dir).glob("*/*.lock")):
        handle = records.try_lock(lock)
        if handle is None:
            busy[f"{lock.parent.name}/{lock.stem}"] = records.lock_holder(lock)
        else:
            handle.close()
    return busy


def foreign_records(plan: Plan) -> str:
    """The config's runs whose record (metrics.json) is there but says it was not made as that run (its
    identity differs, or it cannot be read), one "<run>: <what> (<change time>)" each; "" where there is
    none. The file's change time (which no copy keeps) tells a record put there again from the one
    collect already refused."""
    found = []
    for spec in plan.runs:
        path = Path(plan.paths(spec).metrics)
        if not path.exists():
            continue
        try:
            recorded = json.loads(path.read_text()).get("identity")
            differences = identity.differences(
                recorded if isinstance(recorded, dict) else {}, plan.identity(spec)
            )
            what = "" if not differences else "{} {!r}, not {!r}".format(*differences[0])
        except (OSError, ValueError, AttributeError):
            what = "unreadable"
        if what:
            found.append(f"{spec.name}: {what} ({path.stat().st_ctime_ns})")
    return "; ".join(found)
