# rnn-replication: SimpleRNN vs LSTM vs GRU on row-wise MNIST, replicated as a Snakemake workflow.
# Data flow: fetch_mnist -> train (one papermill notebook per cell x form x seed) and timing -> collect
# -> judge (verdicts on the article's numbers and claims) -> report.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/report.smk"


# Under a cluster executor (profiles/slurm) these run on the submit host, not as jobs: getting the data,
# collecting metrics, judging them and rendering the report are quick and light.
localrules:
    fetch_mnist,
    collect,
    judge,
    report,
    all,


rule all:
    default_target: True
    input:
        "results/report.html",
