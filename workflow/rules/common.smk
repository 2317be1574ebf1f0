import json
import os
from functools import cache
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import update_config, validate

from rnn_replication.core import fingerprint, identity, runs
from rnn_replication.data import mnist
from rnn_replication.observe import devices
from rnn_replication.pipeline import conda, configuration, leftovers, progress, selection, variants

# `--config seeds=[0,1,2] 'verdict={alpha: 0.01}'` arrives with strings inside, and a path cut at " #":
# read again from the entries as typed (spawned cluster jobs get the same entries).
update_config(config, configuration.typed_command_line_values(workflow.config_settings.config_args))

# Stops the run before anything is computed with one line naming the offending key and what was expected
# (validate's own message prints the whole schema and config); validate fills in the schema's defaults for
# keys an overlay config leaves out.
CONFIG_SCHEMA = Path(workflow.main_snakefile).parent / "workflow" / "schemas" / "config.schema.yaml"
if configuration.config_problem(config, CONFIG_SCHEMA):
    raise WorkflowError(f"nothing was run: {configuration.config_problem(config, CONFIG_SCHEMA)}")
validate(config, schema=str(CONFIG_SCHEMA))
if selection.timing_config_problem(config):
    raise WorkflowError(f"nothing was run: {selection.timing_config_problem(config)}")

# A training job holds a `gpu_jobs` token only where the configured backend can use a GPU
# (profiles/default allows 4 at a time); otherwise the jobs are limited by --cores alone, and the terminal
# says once why a GPU that nvidia-smi sees goes unused (the backend's CPU build, or the driver's error).
USABLE_GPUS, UNUSED_GPU_REASON = devices.usable_gpus(config["backend"])
GPU_TOKEN = 1 if USABLE_GPUS else 0
if UNUSED_GPU_REASON and workflow.is_main_process:
    logger.warning(
        f"{UNUSED_GPU_REASON}. The training jobs run on the CPU, as many at once as --cores allows."
    )
# What the code that computes means, one "code FILE DIGEST" line per file (core.fingerprint): rule params
# of the steps after training, which Snakemake compares, so a change of meaning reruns exactly the steps
# that run the file (`snakemake -n` names it) and a comment, docstring, layout or `touch` reruns nothing.
# The code is therefore no rule's input. Training and the timing pass are identified by their code instead
# (their variant folders): a change of meaning trains them anew beside the earlier ones.
REPOSITORY = Path(workflow.main_snakefile).parent
CODE = {step: fingerprint.code_fingerprints(step, REPOSITORY) for step in identity.STEP_PACKAGES}
# The software of every step (`snakemake --use-conda` builds it; otherwise the jobs run in the environment
# Snakemake runs in). A file, not environment.yml's name: Snakemake would run `conda env export` for a named
# environment even without --use-conda.
CONDA_ENV = "../envs/workflow.yaml"
USE_CONDA = DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
# Where that environment's pip finds requirements.txt and the package, wherever conda runs it from.
os.environ[conda.ROOT_VARIABLE] = str(REPOSITORY.resolve())
if USE_CONDA and conda.stamp_problem(REPOSITORY):
    raise WorkflowError(f"nothing was run: {conda.stamp_problem(REPOSITORY)}")


def package_versions(names):
    """The versions of packages ``names`` the jobs run with: those of the environment Snakemake runs in
    (the jobs run the `python` on its PATH), or what requirements.txt pins where conda builds the jobs'
    environment from it."""
    if USE_CONDA:
        return identity.pinned_versions(names, REPOSITORY / "requirements.txt")
    return identity.installed_versions(names)


# The numeric packages' versions: part of every training run's and the timing pass's identity.
NUMERIC_VERSIONS = package_versions(identity.NUMERIC_PACKAGES[config["backend"]])
# The later steps' packages (core.identity.STEP_PACKAGES), one "package NAME VERSION" param line each.
PACKAGES = {
    step: [f"package {name} {version}" for name, version in package_versions(names).items()]
    for step, names in identity.STEP_PACKAGES.items()
}
# The config's runs, each with its identity and its files under its variant (results/runs/<variant>/<run>).
PLAN = selection.Plan(
    config,
    fingerprint.code_digests("train", REPOSITORY),
    fingerprint.code_digests("timing", REPOSITORY),
    NUMERIC_VERSIONS,
)
RUNS = PLAN.runs
# One run's files, with {variant}, {cell}, {form}, {semantics} and {seed} wildcards.
RUN_FILES = runs.RunPaths.pattern()
# The timing pass's table (seconds per epoch, which the training estimate also reads), log and benchmark.
TIMING = PLAN.timing_files()
# Where they are, and why a variant is new (a changed setting, code file or package: retrained beside the
# earlier runs, which stay; workflow/scripts/variants.py lists and deletes variants).
if workflow.is_main_process:
    logger.info(variants.plan_line(PLAN))


# Checked when jobs are about to run (not in a dry run), in the main process only. The data first: a file
# that is no longer MNIST stops everything before any run trains on it (each run verifies it again).
# Then Snakemake's own lock keeps a second instance out of this folder, unless it was broken with --unlock:
# the second one would remove and retrain the runs the first is training.
onstart:
    # Half-written temporary files of processes killed mid-write (pipeline.leftovers).
    removed = leftovers.remove_leftover_temporaries(["resources", "results"])
    if removed:
        shown = ", ".join(str(path) for path in removed[:3]) + (" ..." if len(removed) > 3 else "")
        logger.info(f"removed {len(removed)} temporary file(s) left by killed processes: {shown}")
    if Path(rules.fetch_mnist.output[0]).exists():
        try:
            mnist.verify_file(rules.fetch_mnist.output[0])
        except mnist.DataVerificationError as error:
            raise WorkflowError(f"nothing was run: {error}") from None
    # Where an earlier timing pass measured this machine: the training still to do, up front. The
    # estimate never stops the workflow: where a file it reads is damaged, it says so and goes on.
    if Path(TIMING["table"]).exists():
        try:
            found, per_epoch = progress.estimate_after_timing(progress_inputs())
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.info(f"estimate: none ({type(error).__name__}: {error})")
        else:
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
    """The run a train job trains: its configuration from the wildcards, its hyperparameters from the
    config; refused where the path's variant is not this config's variant of the run (a run of another
    variant is kept as it is, and trained only under the settings that made it)."""
    spec = selection.run_spec(config, wildcards.cell, wildcards.form, wildcards.semantics, wildcards.seed)
    variant = PLAN.variant(spec)
    if wildcards.variant != variant:
        raise WorkflowError(
            f"{runs.RUNS_DIR}/{wildcards.variant}/{spec.name} is not a run of this config: its variant here is "
            f"{variant} ({runs.RUNS_DIR}/{variant}/{spec.name}); the settings, code or packages of "
            f"variant {wildcards.variant} are not this config's"
        )
    return spec


def run_settings(wildcards):
    """What the notebook is given of the run (with -y): its specification, backend, cap and identity. A
    function of the wildcards alone, so Snakemake records and compares it; the identity also names the
    run's folder, so a changed setting, code or package trains the run anew beside the old one. Threads
    and paths go to the notebook on the command line."""
    return selection.notebook_yaml(PLAN.notebook_settings(run_spec(wildcards)))


def run_paths(wildcards):
    return PLAN.paths(run_spec(wildcards))


def training_priority(wildcards):
    return selection.training_priority(config, wildcards.cell, wildcards.form, int(wildcards.seed))


def expected_identities(wildcards):
    """Each collected run's identity (core.identity.plan): collect refuses a record made otherwise."""
    return selection.settings_json(PLAN.planned())


def foreign_records(wildcards):
    """The config's runs whose record is there but was not made as this config's run (copied in, made
    elsewhere, damaged), with what its record says: "" where there is none. Compared by Snakemake, so a
    record replaced under an old modification time (cp -p, rsync -a, tar x) still makes collect check it."""
    return selection.foreign_records(PLAN)


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
    """How many training jobs Snakemake runs at once here ("running"), how many of them make progress
    at once ("jobs": pipeline.progress.jobs_running and jobs_at_once) and each one's threads."""
    gpu_slots = progress.resource_value(workflow.global_resources, "gpu_jobs") if GPU_TOKEN else None
    cores, threads = every_core(None), config["threads_per_run"]
    return {
        "jobs": progress.jobs_at_once(cores, threads, os.cpu_count() or 1, gpu_slots),
        "running": progress.jobs_running(cores, threads, gpu_slots),
        "threads": threads,
    }


@cache
def progress_inputs():
    """What the estimate needs (pipeline.progress.estimate_after_timing): the plan, the timing pass's
    table and the training jobs."""
    return {"plan": PLAN.planned(), "timing": TIMING["table"]} | training_jobs()


@cache
def progress_json():
    """progress_inputs() as JSON for workflow/scripts/progress.py (the same for every job, so made once)."""
    return selection.settings_json(progress_inputs())


def progress_settings(wildcards, output):
    """progress_json() as a param. A function of the output, so not compared: the terminal's estimate
    changes no number."""
    return progress_json()


def report_parameters(wildcards):
    """The effective config (less the keys that cannot change a number: threads, the data's route) and
    the training jobs' benchmark files, as one YAML (JSON) string; Snakemake compares it. The benchmark
    files (wall time and memory of each job, shown as such) are no input: no rule has them as output."""
    benchmark_paths = [PLAN.paths(spec).benchmark for spec in RUNS]
    return selection.settings_json(
        {"config": selection.result_config(config), "benchmark_paths": benchmark_paths}
    )
