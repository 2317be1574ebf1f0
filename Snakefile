# rnn-replication: SimpleRNN vs LSTM vs GRU on row-wise MNIST, replicated as a Snakemake workflow.
# Data flow: fetch_mnist -> train (one papermill notebook per cell x form x seed) and timing -> collect
# -> judge (verdicts on the article's numbers and claims) -> report.
from snakemake.utils import min_version

from rnn_replication.pipeline import configuration

min_version("9.0")

# A syntax error named with its line (Snakemake's own message names neither file nor line). A --configfile
# overlay cannot be checked here: Snakemake reads it, and stops on its error (with the line only under
# --verbose), before this file runs.
configuration.check_yaml_file("config/config.yaml")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/report.smk"


# The image of the Dockerfile for clusters that run Apptainer instead of conda: used by every job under
# `--sdm apptainer` when the config names one (docs/operations.md, "Containers"). After the includes: the
# config is validated, with its defaults, in common.smk.
container: config["container"] or None


# Under a cluster executor (profiles/slurm) these run on the submit host, not as jobs: getting the data,
# collecting metrics, judging them and rendering the report are quick and light.
localrules:
    fetch_mnist,
    collect,
    judge,
    compare,
    report,
    bundle,
    all,


# Every output, not only the report: a deleted run record or table is rebuilt by a plain `snakemake`
# (Snakemake does not rebuild a missing intermediate file whose consumers are up to date).
rule all:
    default_target: True
    input:
        rules.bundle.output,
        rules.report.output,
        rules.judge.output,
        rules.collect.output,
        rules.timing.output,
        [path for spec in RUNS for path in PLAN.paths(spec).finished()],
