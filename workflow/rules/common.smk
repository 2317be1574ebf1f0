import json
import shlex

from snakemake.utils import validate


# `--config seeds=[0,1,2] compare_semantics=true` arrives as strings: read them as the YAML they look like.
for key in ("seeds", "other_form_seeds"):
    if isinstance(config.get(key), list):
        config[key] = [int(s) if isinstance(s, str) and s.isdigit() else s for s in config[key]]
if str(config.get("compare_semantics")).lower() in ("true", "false"):
    config["compare_semantics"] = str(config["compare_semantics"]).lower() == "true"

# Stops the run with the offending key and the expected value before anything is computed.
validate(config, schema="../schemas/config.schema.yaml")

RUN_PATTERN = "{cell}-{form}-{semantics}-seed{seed}"


wildcard_constraints:
    cell="simplernn|lstm|gru",
    form="single|stacked|bidirectional",
    semantics="article|modern",
    seed=r"\d+",


def seeds_of(form):
    """The seeds a form runs with: the article's single layer gets `seeds`, the other forms
    `other_form_seeds`."""
    return config["seeds"] if form == "single" else config["other_form_seeds"]


def selected_runs():
    """Names of every run the config asks for: cell x form x its seeds under the chosen semantics, then,
    with compare_semantics, the single-layer cells under the other semantics too."""
    main = config["semantics"]
    runs = [
        RUN_PATTERN.format(cell=cell, form=form, semantics=main, seed=seed)
        for cell in config["cells"]
        for form in config["forms"]
        for seed in seeds_of(form)
    ]
    if config["compare_semantics"]:
        runs += [
            RUN_PATTERN.format(cell=cell, form="single", semantics=semantics, seed=seed)
            for semantics in ("article", "modern")
            for cell in config["cells"]
            for seed in config["seeds"]
        ]
    return list(dict.fromkeys(runs))


# Relative cost of one run (seconds per epoch on a CPU, measured): the longest runs start first, so the
# last job to finish is not a stacked GRU that started last while the other cores sit idle.
CELL_COST = {"simplernn": 1, "lstm": 4, "gru": 4}
FORM_COST = {"single": 1, "bidirectional": 1.5, "stacked": 2.5}


def training_priority(wildcards):
    """Seed by seed in the config's order, the longest runs first within a seed. On JAX a configuration's
    later seeds then start after its first seed has compiled, and load that program from the persistent
    compilation cache instead of compiling it again at the same time."""
    seeds, seed = seeds_of(wildcards.form), int(wildcards.seed)
    waves = max(len(config["seeds"]), len(config["other_form_seeds"]))
    wave = waves - seeds.index(seed) if seed in seeds else 0
    return 1000 * wave + round(10 * CELL_COST[wildcards.cell] * FORM_COST[wildcards.form])


def report_parameters(wildcards):
    """The effective config and the training jobs' benchmark files, as one papermill YAML
    parameter string (JSON is YAML), quoted for the shell."""
    benchmark_paths = [f"benchmarks/train/{run}.tsv" for run in selected_runs()]
    return shlex.quote(json.dumps({"config": config, "benchmark_paths": benchmark_paths}))
