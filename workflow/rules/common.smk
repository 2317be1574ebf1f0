import json
import shlex

from snakemake.utils import validate


# Stops the run with the offending key and the expected value before anything is computed.
validate(config, schema="../schemas/config.schema.yaml")

RUN_PATTERN = "{cell}-{form}-{semantics}-seed{seed}"


wildcard_constraints:
    cell="simplernn|lstm|gru",
    form="single|stacked|bidirectional",
    semantics="article|modern",
    seed=r"\d+",


def selected_runs():
    """Names of every run the config asks for (cell x form x seed, one semantics)."""
    return [
        RUN_PATTERN.format(cell=cell, form=form, semantics=config["semantics"], seed=seed)
        for cell in config["cells"]
        for form in config["forms"]
        for seed in config["seeds"]
    ]


def report_parameters(wildcards):
    """The effective config and the training jobs' benchmark files, as one papermill YAML
    parameter string (JSON is YAML), quoted for the shell."""
    benchmark_paths = [f"benchmarks/train/{run}.tsv" for run in selected_runs()]
    return shlex.quote(json.dumps({"config": config, "benchmark_paths": benchmark_paths}))
