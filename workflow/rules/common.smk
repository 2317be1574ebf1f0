import json
import os
from functools import cache
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import update_config, validate

from rnn_replication.core import runs
from rnn_replication.data import mnist
from rnn_replication.pipeline import conda, configuration, fingerprint, progress, selection
from rnn_replication.train import devices

# `--config seeds=[0,1,2] 'verdict={alpha: 0.01}'` arrives with strings inside: read as the YAML it is.
update_config(config, configuration.typed_command_line_values(workflow.config_settings.config))

# Stops the run with the offending key and the expected value before anything is computed, and fills in
# the schema's defaults for keys an overlay config leaves out.
validate(config, schema="../schemas/config.schema.yaml")
if selection.timing_config_problem(config):
    raise WorkflowError(f"nothing was run: {selection.timing_config_problem(config)}")

RUNS = selection.selected_runs(config)
# A training job holds a `gpu_jobs` token only where the configured backend can use a GPU
# (profiles/default allows 4 at a time); otherwise the jobs are limited by --cores alone, and the terminal
# says once why a GPU that nvidia-smi sees goes unused (the backend's CPU build, or the driver's error).
USABLE_GPUS, UNUSED_GPU_REASON = devices.usable_gpus(config["backend"])
GPU_TOKEN = 1 if USABLE_GPUS else 0
if UNUSED_GPU_REASON and workflow.is_main_process:
    logger.warning(
        f"{UNUSED_GPU_REASON}. The training jobs run on the CPU, as many at once as --cores allows."
    )
# What each step's code means, one "code FILE DIGEST" line per file it runs: rule params, which Snakemake
# compares, so a change of meaning reruns exactly the steps that run the file (`snakemake -n` names it) and
# a comment, docstring, layout or `touch` reruns nothing. The code is therefore no rule's input.
REPOSITORY = Path(workflow.main_snakefile).parent
CODE = {step: fingerprint.code_fingerprints(step, REPOSITORY) for step in fingerprint.STEP_ENTRIES}
# The train step's code as one digest: each run records it and collect refuses a record made with other
# code (when Snakemake's metadata is gone, or with --rerun-triggers mtime).
TRAIN_CODE = fingerprint.digest(CODE["train"])
# The software of every step (`snakemake --use-conda` builds it; otherwise the jobs run in the environment
# Snakemake runs in). A file, not environment.yml's name: Snakemake would run `conda env export` for a named
# environment even without --use-conda.
CONDA_ENV = "../envs/workflow.yaml"
# Where that environment's pip finds requirements.txt and the package, wherever conda runs it from.
os.environ[conda.ROOT_VARIABLE] = str(REPOSITORY.resolve())
if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method and conda.stamp_problem(
    REPOSITORY
):
    raise WorkflowError(f"nothing was run: {conda.stamp_problem(REPOSITORY)}")
# One run's files, with {cell}, {form}, {semantics} and {seed} wildcards in place of its name.
RUN_FILES = runs.RunPaths.pattern()
# The timing pass's seconds per epoch (rule timing), which the training estimate also reads.
TIMING_TABLE = "results/timing.csv"


# Checked when jobs are about to run (not in a dry run), in the main process only. The data first: a file
# that is no longer MNIST stops everything before any run trains on it (each run verifies it again).
# Then Snakemake's own lock keeps a second instance out of this folder, unless it was broken with --unlock:
# the second one would remove and retrain the runs the first is training.
onstart:
    if Path(rules.fetch_mnist.output[0]).exists():
        try:
            mnist.verify_file(rules.fetch_mnist.output[0])
        except mnist.DataVerificationError as error:
            raise WorkflowError(f"nothing was run: {error}") from None
    # Where an earlier timing pass measured this machine: the training still to do, up front.
    if Path(TIMING_TABLE).exists():
        per_epoch = progress.seconds_per_epoch(TIMING_TABLE)
        jobs = training_jobs()
        found = progress.estimate(config, TRAIN_CODE, per_epoch, jobs["jobs"], jobs["running"])
        if found.runs_left:
            logger.info(progress.whole_grid_line(found, per_epoch))
    busy = selection.runs_being_trained()
    if busy:
        named = ", ".join(f"{name} (pid {pid})" for name, pid in busy.items())
        raise WorkflowError(
            f"another process is training {named} in this folder: wait for it to finish or stop it, "
            "then run snakemake again (nothing was changed)"
        )


wildcard_constraints:
    **runs.WILDCARD_CONSTRAINTS,


# Left out of the training and timing logs (the jobs also leave them out of what they write themselves).
TENSORFLOW_NOISE = devices.TENSORFLOW_NOISE


def run_spec(wildcards):
    """The run a train job trains: its configuration from the wildcards, its hyperparameters from the config."""
    return selection.run_spec(config, wildcards.cell, wildcards.form, wildcards.semantics, wildcards.seed)


def run_settings(wildcards):
    """What the run's numbers depend on (its specification and the backend), as the JSON the notebook takes
    with -y. A function of the wildcards alone, so Snakemake records and compares it: a changed setting
    retrains exactly the runs it changes. Threads and paths go to the notebook on the command line."""
    return selection.settings_json(
        selection.run_settings(run_spec(wildcards), config["backend"], config["cpu_isa"])
    )


def resume_dir(wildcards):
    """Where the run checkpoints every epoch. Not an output: Snakemake must not delete it when it reruns a
    killed job."""
    return run_spec(wildcards).paths().resume


def training_priority(wildcards):
    return selection.training_priority(config, wildcards.cell, wildcards.form, int(wildcards.seed))


def expected_settings(wildcards):
    """Each collected run's settings by name: collect refuses a record made with others."""
    return selection.settings_json(
        {
            spec.name: selection.run_settings(spec, config["backend"], config["cpu_isa"])
            | {"code_fingerprint": TRAIN_CODE}
            for spec in RUNS
        }
    )


def data_sources(wildcards, output):
    """The config's data block as JSON. A function of the output on purpose: Snakemake compares only params
    that do not depend on input or output files, and the data is judged by its checksum, not its route."""
    return json.dumps(config["data"])


def every_core(wildcards):
    """All the cores Snakemake was given, so that no other job runs beside this one (asked for when the
    job is scheduled; profiles/slurm sets the timing job's threads). `--report`, `--unlock` and the like
    run no job and give no --cores: 1 then, rather than an error."""
    try:
        return workflow.cores
    except WorkflowError:
        return 1


@cache
def training_jobs():
    """How many training jobs Snakemake runs at once here ("running") and how many of them make progress
    at once ("jobs"): pipeline.progress.jobs_running and jobs_at_once."""
    gpu_slots = progress.resource_value(workflow.global_resources, "gpu_jobs") if GPU_TOKEN else None
    cores, threads = every_core(None), config["threads_per_run"]
    return {
        "jobs": progress.jobs_at_once(cores, threads, os.cpu_count() or 1, gpu_slots),
        "running": progress.jobs_running(cores, threads, gpu_slots),
    }


@cache
def progress_json():
    """What workflow/scripts/progress.py needs for its estimate, as JSON (the same for every job, so made
    once)."""
    return selection.settings_json(
        {"config": selection.result_config(config), "code": TRAIN_CODE, "timing": TIMING_TABLE}
        | training_jobs()
    )


def progress_settings(wildcards, output):
    """progress_json() as a param. A function of the output, so not compared: the terminal's estimate
    changes no number."""
    return progress_json()


def report_parameters(wildcards):
    """The effective config (less the keys that cannot change a number: threads, the data's route) and
    the training jobs' benchmark files, as one YAML (JSON) string; Snakemake compares it. The benchmark
    files (wall time and memory of each job, shown as such) are no input: no rule has them as output."""
    benchmark_paths = [spec.paths().benchmark for spec in RUNS]
    return selection.settings_json(
        {"config": selection.result_config(config), "benchmark_paths": benchmark_paths}
    )
