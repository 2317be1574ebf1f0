"""The report's environment and records: where the runs come from, as collect's provenance table states
it (backend, device, code, Python, what decides the digits, package versions), what training cost, and a
link to each run's record. Nothing here asks the machine that renders the report, nor opens a record."""

from __future__ import annotations

import html as html_escaping
import os
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from rnn_replication.collect.provenance import recorded_versions
from rnn_replication.report.inputs import ReportInputs
from rnn_replication.report.wording import count


def distinct_values(values) -> str:
    """The one value the runs share, or each value with its number of runs, in the order first seen."""
    counted = pd.Series(list(values)).value_counts(sort=False)
    if len(counted) == 1:
        return str(counted.index[0])
    return "; ".join(f"{value} ({count(int(runs), 'run')})" for value, runs in counted.items())


def code_versions(provenance: pd.DataFrame) -> str:
    """The git commits the runs were trained with, each with whether tracked files had been edited."""
    states = [
        "unknown (not a git checkout)" if not commit else commit[:12] + (" + edits" if dirty else "")
        for commit, dirty in zip(provenance["git_commit"], provenance["git_dirty"], strict=True)
    ]
    counts = pd.Series(states).value_counts()
    return "; ".join(f"{state} ({count(runs, 'run')})" for state, runs in counts.items())


def numeric_settings(provenance: pd.DataFrame) -> dict[str, str]:
    """What decides the digits besides the seed, over every run's record (docs/reproducibility.md): the
    CPU, oneDNN's instruction-set cap and the level in effect, the arithmetic fingerprint the kernels
    gave, op determinism, TF32; each distinct value
    with its number of runs where the runs differ."""

    def switch(field: str, on: str) -> str:
        words = {True: on, False: "off"}
        return distinct_values(words.get(value, "not recorded") for value in provenance[field])

    return {
        "CPU": distinct_values(model or "not recorded" for model in provenance["cpu_model"]),
        "oneDNN instruction-set cap → in effect": distinct_values(
            f"{cap or 'none'} → {level or 'unknown'}"
            for cap, level in zip(provenance["cpu_isa"], provenance["cpu_isa_in_effect"], strict=True)
        ),
        # What the kernels did (observe.probe): a configuration's runs share one where made alike, and
        # other machines' runs compare digit for digit only where theirs is the same.
        "arithmetic fingerprint (one per configuration)": distinct_values(
            fingerprint or "not recorded" for fingerprint in provenance["arithmetic"]
        ),
        "op determinism": switch("deterministic_ops", "on"),
        "TensorFloat-32 matmuls": switch("tf32", "allowed"),
    }


def environment_table(inputs: ReportInputs, now: datetime | None = None) -> pd.DataFrame:
    """Backend, device, code (git commit and fingerprint of the runs' training code), Python, training
    time, data checksum and package versions, as the runs recorded them (collect's provenance table)."""
    now = now or datetime.now(UTC)
    summary, provenance = inputs.summary, inputs.provenance
    first = provenance.iloc[0]
    total = summary["train_seconds"].sum()
    facts = {
        "Keras backend": ", ".join(provenance["backend"].unique()),
        "device": ", ".join(sorted(provenance["device"].unique())),
        "code of the runs (git commit)": code_versions(provenance),
        "code of the runs (fingerprint of their training code)": distinct_values(
            fingerprint or "not recorded" for fingerprint in provenance["code_fingerprint"]
        ),
        "Python": distinct_values(python or "not recorded" for python in provenance["python"]),
        "report made (UTC)": f"{now:%Y-%m-%d %H:%M}",
        "training time, all runs": f"{total:,.0f} s ({total / 60:.1f} min), {count(len(summary), 'run')}",
        "MNIST sha256 (arrays)": ", ".join(provenance["data_sha256"].unique()),
        **numeric_settings(provenance),
        "installed packages": f"{first['installed_packages']}, each with its version in every run's "
        "metrics.json (`packages`)",
    } | {f"version: {name}": version for name, version in sorted(recorded_versions(first).items())}
    return pd.DataFrame({"": list(facts), "value": list(facts.values())})


def compute_cost(inputs: ReportInputs) -> tuple[str, pd.DataFrame]:
    """Caption and table of each training job's wall time and memory from Snakemake's benchmark files."""
    benchmarks = inputs.benchmarks
    if benchmarks.empty:
        return "", benchmarks
    total = benchmarks["s"].sum()
    caption = (
        "**Compute cost** per training job, from Snakemake's `benchmark:` files (wall time includes "
        f"starting the notebook kernel): {total:,.0f} s ({total / 60:.1f} min) in all."
    )
    table = pd.DataFrame(
        {
            "job": benchmarks["job"],
            "wall (s)": benchmarks["s"].map("{:.1f}".format),
            "max RSS (MB)": benchmarks["max_rss"].map("{:,.0f}".format),
        }
    )
    return caption, table


def rebuild_command(metrics_path: str, rerun_options: str = "") -> str:
    """The command that retrains one run exactly as the workflow made it: its record forced to rerun,
    with the ``--configfile`` and ``--config`` options that chose the workflow run's config
    (pipeline.configuration.rerun_options), without which Snakemake would use config/config.yaml alone."""
    options = f" {rerun_options}" if rerun_options else ""
    return f"snakemake --cores 2{options} --forcerun {shlex.quote(metrics_path)}"


def rebuild_text(inputs: ReportInputs, rerun_options: str = "") -> str:
    """Where the records are and how to rebuild a run (Markdown), with the first run's command written out."""
    first = (
        inputs.summary["metrics_path"].iloc[0]
        if len(inputs.summary)
        else "results/runs/VARIANT/RUN/metrics.json"
    )
    how = (
        "with the options this workflow ran with"
        if rerun_options
        else "this workflow ran with config/config.yaml alone"
    )
    return (
        "Each run kept its executed training notebook (with its log lines and history figure), its "
        "`metrics.json` and its `history.csv`. Rebuild one (and everything that depends on it) with the "
        f"command in its row ({how}), e.g. `{rebuild_command(first, rerun_options)}`."
    )


def records_table(inputs: ReportInputs, rerun_options: str = "") -> pd.DataFrame:
    """Each run's directory, links to its executed notebook, metrics and history (HTML, relative to the
    report's directory; show with escape=False) and the command that rebuilds it."""

    def link(path: str) -> str:
        target = html_escaping.escape(os.path.relpath(path, inputs.report_dir))
        return f'<a href="{target}">{html_escaping.escape(Path(path).name)}</a>'

    summary = inputs.summary
    return pd.DataFrame(
        {
            "run": summary["run"].map(html_escaping.escape),
            "directory": summary["notebook_path"].map(
                lambda path: html_escaping.escape(str(Path(path).parent))
            ),
            "executed notebook": summary["notebook_path"].map(link),
            "metrics": summary["metrics_path"].map(link),
            "history": summary["history_path"].map(link),
            "rebuild with": summary["metrics_path"].map(
                lambda path: f"<code>{html_escaping.escape(rebuild_command(path, rerun_options))}</code>"
            ),
        }
    )
