"""The workflow through `--profile profiles/slurm` on a real one-node SLURM cluster (tests/slurm_cluster.py):
every training notebook runs as a SLURM job holding one (fake) GPU, the light rules run on the submit
host, and the report comes out complete. Needs root and apt-get (CI has both); skipped, saying why,
elsewhere."""

import json
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import slurm_cluster
from workflow_copy import copy_workflow, snakemake_command

pytestmark = [pytest.mark.workflow, pytest.mark.slurm]

# Two training jobs (about a minute): enough to see several SLURM jobs share the cluster's one GPU. The
# timing pass is a SLURM job of its own too (profiles/slurm: one GPU, 2 CPUs).
RUNS = ["simplernn-single-article-seed0", "lstm-single-article-seed0"]
OVERRIDES = dict(
    cells=["simplernn", "lstm"], forms=["single"], seeds=[0], compare_semantics=False, timing={"repeats": 2}
)
# SIGTERM does not stop Snakemake while SLURM jobs run: `timeout` kills it outright 30 s later.
TIME_LIMIT_S = 600


@pytest.fixture(scope="module")
def cluster():
    reason = slurm_cluster.unavailable_reason()
    if reason:
        pytest.skip(reason)
    with slurm_cluster.running() as running_cluster:
        yield running_cluster
    if running_cluster.started:
        # Gone with the daemons: a configuration left behind makes every later Snakemake start wait ~9 s.
        assert not (slurm_cluster.CONF_DIR / "slurm.conf").exists()


@pytest.fixture(scope="module")
def slurm_workflow(cluster, repo, mnist_npz, tmp_path_factory):
    """The small config run through the SLURM profile, as the README says, plus a short first status
    check (the profile waits 20 s, made for minute-long jobs) and --verbose for the sbatch calls."""
    workdir = copy_workflow(repo, tmp_path_factory.mktemp("slurm"), mnist_npz, **OVERRIDES)
    command, env = snakemake_command(
        "--profile",
        "profiles/slurm",
        "--slurm-init-seconds-before-status-checks",
        "5",
        "--verbose",
        "--configfile",
        "config/test.yaml",
    )
    started = time.monotonic()
    result = subprocess.run(
        ["timeout", "-k", "30", str(TIME_LIMIT_S), *command],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S + 60,
    )
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    (workdir / "snakemake-slurm.out").write_text(output)  # kept with the workdir, for a look afterwards
    assert result.returncode == 0, (
        f"exit {result.returncode} after {seconds:.0f} s\n{output[-6000:]}\n{slurm_cluster.logs_tail()}"
    )
    found = {run: list((workdir / "results" / "runs").glob(f"*/{run}/metrics.json")) for run in RUNS}
    assert all(len(paths) == 1 for paths in found.values()), found
    metrics = {run: json.loads(paths[0].read_text()) for run, paths in found.items()}
    # What slurmctld knows of each job, asked now: it forgets finished jobs after MinJobAge (300 s).
    jobs = {run: scontrol_job(str(metrics[run]["slurm_job_id"])) for run in RUNS}
    print(
        f"\nSLURM cluster up in {cluster.bring_up_seconds:.1f} s; workflow finished in {seconds:.1f} s; "
        + ", ".join(f"{run}: job {metrics[run]['slurm_job_id']}" for run in RUNS)
    )
    return SimpleNamespace(workdir=workdir, output=output, metrics=metrics, jobs=jobs, cluster=cluster)


def scontrol_job(job_id: str) -> dict[str, str]:
    """`scontrol show job` as a dict (KEY=VALUE fields of its one-line form)."""
    result = subprocess.run(
        ["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return dict(field.split("=", 1) for field in result.stdout.split() if "=" in field)


def sbatch_calls(output: str) -> list[str]:
    return re.findall(r"sbatch call: (sbatch .*)$", output, flags=re.MULTILINE)


def test_every_training_run_was_a_slurm_job_of_its_own(slurm_workflow):
    job_ids = {run: slurm_workflow.metrics[run]["slurm_job_id"] for run in RUNS}
    assert all(isinstance(job_id, str) and job_id.isdigit() for job_id in job_ids.values()), job_ids
    assert len(set(job_ids.values())) == len(RUNS)
    for run, job_id in job_ids.items():
        job = slurm_workflow.jobs[run]
        assert job["JobState"] == "COMPLETED", job
        assert job["Partition"] == "gpu" and job["NodeList"] == slurm_workflow.cluster.node, job
        assert job["WorkDir"] == str(slurm_workflow.workdir), job
        # The plugin's own record, independent of squeue/sacct: the job's SLURM log, named by its id,
        # under the rule and wildcards it ran (the profile keeps successful jobs' logs).
        logs = list(
            (slurm_workflow.workdir / ".snakemake" / "slurm_logs" / "rule_train").glob(f"*/{job_id}.log")
        )
        assert len(logs) == 1, f"no SLURM log for job {job_id}"
        cell, form, semantics, seed = run.split("-")
        variant = slurm_workflow.metrics[run]["variant"]
        assert logs[0].parent.name == f"{variant}_{cell}_{form}_{semantics}_{seed.removeprefix('seed')}"
        log = logs[0].read_text()
        assert f"results/runs/{variant}/{run}/metrics.json" in log and "100%" in log, log[-3000:]


def test_training_jobs_asked_for_and_got_one_gpu(slurm_workflow):
    calls = sbatch_calls(slurm_workflow.output)
    training = [call for call in calls if "rule_train_wildcards_" in call]
    timing = [call for call in calls if "rule_timing" in call]
    assert len(training) == len(RUNS) and len(timing) == 1 and len(calls) == len(RUNS) + 1, calls
    for call in calls:
        assert "--gpus=1" in call.split() and "-p gpu" in call, call
        assert "--mem 4000" in call and "-t 60" in call, call
    assert all("--cpus-per-task=1" in call for call in training), training
    assert "--cpus-per-task=2" in timing[0], timing  # set-threads in profiles/slurm
    for run in RUNS:
        job = slurm_workflow.jobs[run]
        # slurmctld's view: the job held the node's GPU (gres/gpu); a node without one refuses --gpus=1.
        assert job.get("TresPerJob") == "gres:gpu:1" or "gres/gpu=1" in job.get("TRES", ""), job


def test_data_collect_and_report_ran_on_the_submit_host(slurm_workflow):
    slurm_logs = slurm_workflow.workdir / ".snakemake" / "slurm_logs"
    assert {path.name for path in slurm_logs.iterdir()} == {"rule_train", "rule_timing"}
    assert all("rule_train" in call or "rule_timing" in call for call in sbatch_calls(slurm_workflow.output))
    for log in ("logs/fetch_mnist.log", "logs/collect.log", "logs/report.log"):
        assert (slurm_workflow.workdir / log).exists(), log
    assert (
        "Using profiles profiles/slurm and workflow specific profile profiles/default"
        in slurm_workflow.output
    )


def test_the_report_is_complete(slurm_workflow):
    workdir: Path = slurm_workflow.workdir
    summary = pd.read_csv(workdir / "results" / "summary.csv")
    assert sorted(summary["run"]) == sorted(RUNS)
    assert (summary["epochs"] == 2).all() and summary["test_accuracy"].between(0, 1).all()
    html = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    for heading in (
        "Does it replicate?",
        "The article",
        "The full grid",
        "Training histories",
        "Environment",
    ):
        assert heading in html, heading
    # One generated sentence per cell; one seed gives no spread, hence "not tested" (see the report).
    for label in ("SimpleRNN", "LSTM"):
        sentence = rf"<strong>{label} test accuracy: [^<]+</strong> One run: \d+\.\d+ % against the article's"
        assert re.search(sentence, html), label
    for run in RUNS:
        assert run in html, run
    assert html.count("data:image/png;base64,") >= 2
    assert html.rstrip().endswith("</html>")


def test_a_finished_slurm_run_has_nothing_left_to_do(slurm_workflow):
    command, env = snakemake_command("-n", "--profile", "profiles/slurm", "--configfile", "config/test.yaml")
    result = subprocess.run(
        command, cwd=slurm_workflow.workdir, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0 and "Nothing to be done" in result.stdout + result.stderr
