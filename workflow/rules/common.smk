import json
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from rnn_replication import data, devices, provenance, runs

# `--config seeds=[0,1,2] compare_semantics=true` arrives as strings: read them as the YAML they look like.
for key in ("seeds", "other_form_seeds"):
    if isinstance(config.get(key), list):
        config[key] = [yaml.safe_load(s) if isinstance(s, str) else s for s in config[key]]
if isinstance(config.get("compare_semantics"), str):
    config["compare_semantics"] = yaml.safe_load(config["compare_semantics"])

# Stops the run with the offending key and the expected value before anything is computed, and fills in
# the schema's defaults for keys an overlay config leaves out.
validate(config, schema="../schemas/config.schema.yaml")

RUNS = runs.selected_runs(config)
# A training job holds a `gpu_jobs` token only where there is a GPU to share (profiles/default allows 4 at
# a time); on a CPU-only machine the jobs are limited by --cores alone.
GPU_TOKEN = 1 if devices.count_gpus() else 0
# The code of each step is one of its inputs: editing it makes exactly the outputs made with it out of
# date (`snakemake -n` then names the edited file as the reason). Package modules are followed through
# their imports.
CODE = {
    "train": provenance.package_files("devices", "curves", "training")
    + ["notebooks/train.ipynb", "workflow/scripts/run_notebook.py"],
    "timing": provenance.package_files("timing", "training") + ["workflow/scripts/time_cells.py"],
    "collect": provenance.package_files("collect") + ["workflow/scripts/collect_runs.py"],
    "judge": provenance.package_files("replication") + ["workflow/scripts/judge.py"],
    "bundle": provenance.package_files("collect") + ["workflow/scripts/bundle_report.py"],
    "report": provenance.package_files("collect", "tables", "figures", "replication")
    + ["notebooks/report.ipynb", "workflow/scripts/run_notebook.py"]
    + [str(path) for path in sorted(Path("workflow/templates").rglob("*.*"))],
}
# The software of every step (`snakemake --use-conda` builds it; otherwise the jobs run in the environment
# Snakemake runs in). A file, not environment.yml's name: Snakemake would run `conda env export` for a named
# environment even without --use-conda.
CONDA_ENV = "../envs/workflow.yaml"
# One run's files, with {cell}, {form}, {semantics} and {seed} wildcards in place of its name.
RUN_FILES = runs.RunPaths.pattern()


wildcard_constraints:
    **runs.WILDCARD_CONSTRAINTS,


# TensorFlow's start-up lines on a machine without a GPU (CUDA probes, CPU features, a graph attribute its
# own runtime does not know): harmless, and left out of the training logs. Real errors still show.
TENSORFLOW_NOISE = "|".join(
    [
        "cudart_stub.cc",
        "cuda_executor.cc",
        "cuda_dnn.cc|cuda_fft.cc|cuda_blas.cc",
        "Could not find cuda drivers",
        "cpu_feature_guard.cc",
        "To enable the following instructions",
        "All log messages before absl::InitializeLog",
        "use_unbounded_threadpool",
        "Unable to register cu(DNN|FFT|BLAS) factory",
        "computation placer already registered",
        "failed call to cuInit",
    ]
)


def run_spec(wildcards):
    """The run a train job trains: its configuration from the wildcards, its hyperparameters from the config."""
    return runs.RunSpec(
        wildcards.cell,
        wildcards.form,
        wildcards.semantics,
        int(wildcards.seed),
        **{name: config[name] for name in runs.HYPERPARAMETERS},
    )


def notebook_parameters(wildcards, input, output, threads):
    """Everything the training notebook is given, as one YAML (JSON) string for papermill's -y."""
    spec = run_spec(wildcards)
    return json.dumps(
        spec.settings()
        | {
            "backend": config["backend"],
            "threads": threads,
            "data_path": input.data,
            "metrics_path": output.metrics,
            "history_path": output.history,
            "model_path": output.model,
            "confusion_path": output.confusion,
            # Not an output: Snakemake must not delete it when it reruns a killed job.
            "resume_dir": spec.paths().resume,
        }
    )


def training_priority(wildcards):
    """Seed by seed in the config's order, the longest runs first within a seed. On JAX a configuration's
    later seeds then start after its first seed has compiled, and load that program from the persistent
    compilation cache instead of compiling it again at the same time."""
    seeds, seed = runs.seeds_of(config, wildcards.form), int(wildcards.seed)
    waves = max(len(config["seeds"]), len(config["other_form_seeds"]))
    wave = waves - seeds.index(seed) if seed in seeds else 0
    return 1000 * wave + round(10 * runs.relative_cost(wildcards.cell, wildcards.form))


def every_core(wildcards):
    """All the cores Snakemake was given, so that no other job runs beside this one (asked for when the
    job is scheduled; profiles/slurm sets the timing job's threads). `--report`, `--unlock` and the like
    run no job and give no --cores: 1 then, rather than an error."""
    try:
        return workflow.cores
    except WorkflowError:
        return 1


def report_parameters(wildcards):
    """The effective config and the training jobs' benchmark files, as one YAML (JSON) string. Without
    the data source settings: the data is judged by its checksum (shown in the report), not by its route,
    so changing them makes no new report (Snakemake compares params)."""
    benchmark_paths = [spec.paths().benchmark for spec in RUNS]
    shown = {key: value for key, value in config.items() if key != "data"}
    return json.dumps({"config": shown, "benchmark_paths": benchmark_paths})
