"""The report's tables and texts, built from the workflow's files and formatted for display.

Each function returns what the report shows as it is (strings where the format matters), so the report
notebook only displays them; :func:`html` renders a table.
"""

from __future__ import annotations

import html as html_escaping
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from rnn_replication.core import provenance
from rnn_replication.core.runs import CELLS, FORMS, HYPERPARAMETERS
from rnn_replication.data.mnist import ARRAY_SHAPES
from rnn_replication.judge import replication
from rnn_replication.judge.inference import NOT_TESTED
from rnn_replication.report import mistakes, wording
from rnn_replication.report.inputs import ReportInputs
from rnn_replication.report.wording import METRIC_NAMES, difference_format, metric_format, verdict_label


def html(frame: pd.DataFrame, index: bool = False, escape: bool = True) -> str:
    """A table as HTML (the report's styles apply); missing values as an en dash."""
    styler = frame.style.format(na_rep="–", escape="html" if escape else None)
    return (styler if index else styler.hide(axis="index")).to_html()


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------------------- the header


def title(inputs: ReportInputs, now: datetime | None = None) -> str:
    """The report's title and what it covers: runs, seeds, setting, device, the article."""
    now = now or datetime.now(UTC)
    main, summary, citation = inputs.main, inputs.summary, inputs.article["citation"]
    first = main.iloc[0]
    configurations = main.groupby(["cell", "form"]).ngroups
    seeds = "; ".join(
        f"{form}: seed{'s' if len(group) > 1 else ''} {', '.join(map(str, sorted(group)))}"
        for form, group in main.groupby("form", sort=False)["seed"].unique().items()
    )
    extra = len(summary) - len(main)
    devices = ", ".join(sorted(summary["device"].unique()))
    text = (
        "# SimpleRNN vs LSTM vs GRU on row-wise MNIST: the article beside this replication\n\n"
        f"**{plural(len(summary), 'run')}**: {plural(configurations, 'configuration')} ({seeds}), with "
        f"{inputs.config['semantics']} semantics"
        + (
            f", plus {extra} single-layer runs with the other semantics (Keras 2.2 vs Keras 3)"
            if extra
            else ""
        )
        + f". {first['epochs']} epochs, {first['train_images']:,} training and {first['test_images']:,} test "
        f"images, Keras backend {first['backend']}, on {devices}. Article: *{citation['title_en']}* "
        f"({citation['title']}), {citation['software']}. Report made {now:%Y-%m-%d %H:%M} UTC."
    )
    warnings = {json.loads(Path(path).read_text()).get("gpu_warning") for path in summary["metrics_path"]}
    for warning in sorted(warning for warning in warnings if warning):
        text += f"\n\n> **Trained on the CPU although a GPU is there:** {warning}"
    differences = setting_differences(inputs)
    if differences:
        text += (
            f"\n\n> **Not the article's setting:** {'; '.join(differences)}. The comparison with the "
            "article below is a smoke test, not a replication."
        )
    return text


def setting_differences(inputs: ReportInputs) -> list[str]:
    """How the runs' data and hyperparameters differ from the article's (empty: the article's setting).
    The hyperparameters are those of the first run's record (its ``config``), else the report's config."""
    first = inputs.main.iloc[0]
    record = json.loads(Path(first["metrics_path"]).read_text()).get("config", {})
    settings = inputs.config | record | {"epochs": first["epochs"]}
    article = inputs.article["hyperparameters"]
    differences = [
        f"{name} {settings[name]} (article: {article[name]})"
        for name in HYPERPARAMETERS
        if name in article and name in settings and settings[name] != article[name]
    ]
    for kind, column, array in (("training", "train_images", "x_train"), ("test", "test_images", "x_test")):
        used, full = first[column], ARRAY_SHAPES[array][0]
        if used != full:
            differences.append(f"{used:,} {kind} images (article: {full:,})")
    return differences


# ---------------------------------------------------------------------------- does it replicate?


def verdict_rule(inputs: ReportInputs) -> str:
    """How the verdicts were reached, with the config's level and margins (Markdown)."""
    verdicts = inputs.verdicts
    numbers = int(verdicts.loc[verdicts["kind"] == "number", "p_different"].notna().sum())
    claims = int(verdicts.loc[verdicts["kind"] == "claim", "p_equivalent"].notna().sum())
    return wording.rule_text(inputs.config["verdict"], numbers, claims)


def verdict_counts(inputs: ReportInputs) -> str:
    """The verdicts in one paragraph, as whole counts: the article's numbers (accuracy and loss, then the
    parameter counts) and its claims (the tested ones, then the architectural one)."""
    verdicts = inputs.verdicts

    def tally(rows: pd.DataFrame) -> str:
        counts = rows["verdict"].value_counts(sort=False)
        return ", ".join(f"{int(number)} {verdict}" for verdict, number in counts.items())

    numbers = verdicts[verdicts["kind"] == "number"]
    statistical = numbers[numbers["metric"].isin(replication.METRICS)]
    parameters = numbers[~numbers["metric"].isin(replication.METRICS)]
    claims = verdicts[verdicts["kind"] == "claim"]
    exact = claims["verdict"].isin([replication.HOLDS, replication.DOES_NOT_HOLD])
    groups = (
        ("The article's test accuracies and losses", statistical),
        ("its parameter counts", parameters),
        ("its claims put to a test", claims[~exact]),
        ("its architectural claim", claims[exact]),
    )
    parts = [f"**{label}** ({len(rows)}): {tally(rows)}" for label, rows in groups if len(rows)]
    return "; ".join(part for part in parts if part) + "."


def claim_sentences(inputs: ReportInputs) -> str:
    rows = inputs.verdicts[inputs.verdicts["kind"] == "claim"].to_dict("records")
    alpha = inputs.config["verdict"]["alpha"]
    return "\n".join(f"- {wording.claim_sentence(row, inputs.claims, alpha)}" for row in rows)


def number_sentences(inputs: ReportInputs) -> str:
    rows = inputs.verdicts[inputs.verdicts["kind"] == "number"].to_dict("records")
    return "\n".join(f"- {wording.number_sentence(row, inputs.config['verdict']['alpha'])}" for row in rows)


def article_costs(summary: pd.DataFrame, article: dict) -> pd.DataFrame:
    """Parameter counts and seconds per epoch of the single-layer cells, the article's beside ours
    (seconds averaged over seeds, from training runs that shared the cores). ``summary`` holds the runs
    of one semantics."""
    rows = []
    for cell, theirs in article["results"].items():
        ours = replication.single_layer_runs(summary, cell)
        if ours.empty:
            continue
        ours_seconds = f"s/epoch, ours ({ours['device'].iloc[0]}, cores shared)"
        rows.append(
            {
                "cell": CELLS[cell],
                "recurrent params, article": f"{theirs['recurrent_params']:,}",
                "recurrent params, ours": f"{int(ours['recurrent_params'].iloc[0]):,}",
                "total params, article": f"{theirs['total_params']:,}",
                "total params, ours": f"{int(ours['total_params'].iloc[0]):,}",
                "s/epoch, article (hardware not named)": f"{theirs['seconds_per_epoch']:.2f}",
                ours_seconds: f"{ours['seconds_per_epoch'].mean():.2f}",
            }
        )
    return pd.DataFrame(rows)


def grid_table(summary: pd.DataFrame, value: str) -> pd.DataFrame:
    """cell x form table of one value (mean over seeds)."""
    table = summary.pivot_table(index="cell", columns="form", values=value, aggfunc="mean")
    table = table.reindex(
        index=[c for c in CELLS if c in table.index],
        columns=[f for f in FORMS if f in table.columns],
    )
    table.index = [CELLS[c] for c in table.index]
    table.index.name, table.columns.name = "cell", "form"
    return table


def _interval(low, high, format_value) -> str:
    return "–" if pd.isna(low) else f"{format_value(low)} to {format_value(high)}"


def numbers_table(verdicts: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The article's numbers (kind "number" rows of results/replication.csv), formatted for the report:
    the article's value, our mean ± sd, the unadjusted 100(1 - alpha) % prediction interval for one new
    run, article − mean with its 100(1 - 2 alpha) % interval, the margin, and the Holm-corrected verdict."""
    prediction, equivalence = wording.interval_levels(alpha)
    rows = []
    for row in verdicts[verdicts["kind"] == "number"].to_dict("records"):
        value, difference = metric_format(row["metric"]), difference_format(row["metric"])
        spread = "" if pd.isna(row["sd"]) or row["metric"] == "recurrent_params" else difference(row["sd"])
        untested = pd.isna(row["mean"])
        gap = "–" if untested else difference(row["article"] - row["mean"])
        rows.append(
            {
                "cell": CELLS[row["cell"]],
                "number": METRIC_NAMES[row["metric"]],
                "article": value(row["article"]),
                "seeds": int(row["n"]),
                "ours: mean ± sd": "–"
                if untested
                else value(row["mean"]) + (f" ± {spread.lstrip('+')}" if spread else ""),
                f"{prediction} prediction interval": _interval(row["pi_low"], row["pi_high"], value),
                f"article − mean ({equivalence} interval)": gap
                + (
                    ""
                    if pd.isna(row["eq_low"])
                    else f" ({_interval(row['eq_low'], row['eq_high'], difference)})"
                ),
                "margin": "–" if pd.isna(row["delta"]) else "±" + difference(row["delta"]).lstrip("+"),
                "verdict": verdict_label(row),
                "note": "" if row["verdict"] == NOT_TESTED or pd.isna(row["note"]) else row["note"],
            }
        )
    return pd.DataFrame(rows)


CLAIM_TEST_DESCRIPTIONS = {
    "paired_greater": "{first} − {second} {metric} > 0; paired by seed, one-sided t",
    "paired_equivalent": "|{first} − {second} {metric}| < {margin}; paired by seed, two one-sided tests",
    "exact_less": "{first} < {second} {metric} on every seed; an architectural count, no test",
    "paired_ratio_less": "{first}/{second} {metric} < 1; paired by timing repeat, one-sided t on log ratios",
}


def claims_table(verdicts: pd.DataFrame, claims: dict[str, dict], alpha: float = 0.05) -> pd.DataFrame:
    """The article's claims (kind "claim" rows of results/replication.csv), formatted for the report:
    its words, the test, our estimate with its 100(1 - 2 alpha) % interval, the article's own value, the
    verdict."""
    level = wording.interval_levels(alpha)[1]
    rows = []
    for row in verdicts[verdicts["kind"] == "claim"].to_dict("records"):
        claim = claims[row["id"]]
        first, second = (CELLS[cell] for cell in claim["compares"])
        ratio = claim["test"] == "paired_ratio_less"
        value = metric_format(row["metric"]) if ratio else difference_format(row["metric"])
        margin = "–" if pd.isna(row["delta"]) else difference_format(row["metric"])(row["delta"]).lstrip("+")
        test = CLAIM_TEST_DESCRIPTIONS[claim["test"]].format(
            first=first, second=second, metric=METRIC_NAMES[row["metric"]], margin=margin
        )
        rows.append(
            {
                "the article says": f"{claim['en']} ({claim['zh']})",
                "tested as": test,
                "ours": "–" if pd.isna(row["mean"]) else value(row["mean"]),
                f"{level} interval": _interval(row["eq_low"], row["eq_high"], value),
                "n": int(row["n"]),
                "article's own": value(row["article"]),
                "verdict": verdict_label(row),
            }
        )
    return pd.DataFrame(rows)


def timing_caption(timing: pd.DataFrame) -> str:
    """Where the timing pass's numbers come from, for the caption of :func:`timing_table`."""
    repeats = timing["repeat"].nunique()
    shares = timing["others_cpu_share"].dropna() if "others_cpu_share" in timing else timing.iloc[0:0, 0]
    if shares.empty:
        load = "; how busy the machine was is not recorded"
    else:
        busiest = 100 * shares.max()
        # One decimal below 10 %, so that a quiet machine's 0.3 % does not read as exactly 0.
        load = f"; other processes used up to {busiest:.{1 if busiest < 10 else 0}f} % of the machine's CPU"
        load += " during a timed epoch"
    return (
        "**Speed, as ratios** (the article does not name its hardware): seconds per epoch from the timing "
        f"pass (`rule timing`: each cell one epoch per repeat, {repeats} repeats in a balanced order, "
        f"back to back with the machine to itself{load}; {timing['device'].iloc[0]}, backend "
        f"{timing['backend'].iloc[0]}), against the ratio of the article's logged µs/step."
    )


def timing_table(ratios: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The timing pass's ratios (the judge's timing_ratios.csv, replication.timing_ratios) beside the
    article's, with the interval level of the claims table (the speed claim's). Empty where the grid has no
    pair of cells the article compares (e.g. one cell)."""
    if ratios.empty:
        return pd.DataFrame()
    level = wording.interval_levels(alpha)[1]
    return pd.DataFrame(
        {
            "ratio of seconds per epoch": [
                f"{CELLS[a]} / {CELLS[b]}" for a, b in zip(ratios["first"], ratios["second"], strict=True)
            ],
            f"ours: geometric mean ({level} interval)": [
                f"{r:.3f} ({lo:.3f} to {hi:.3f})"
                for r, lo, hi in zip(ratios["ratio"], ratios["low"], ratios["high"], strict=True)
            ],
            "ours: median s/epoch": [
                f"{a:.2f} / {b:.2f}"
                for a, b in zip(ratios["seconds_first"], ratios["seconds_second"], strict=True)
            ],
            "repeats": ratios["n"],
            "article (ratio of its µs/step)": [f"{value:.3f}" for value in ratios["article"]],
        }
    )


def comparison_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The compare rule's results/comparison.csv (judge.comparison), formatted: per configuration and
    number, the seeds compared, how many gave identical digits, the difference of the means with its
    interval (where tested) and the verdict."""
    rows = []
    for row in comparison.to_dict("records"):
        difference = difference_format(row["metric"])
        interval = _interval(row["low"], row["high"], difference)
        rows.append(
            {
                "configuration": f"{CELLS[row['cell']]}, {row['form']}, {row['semantics']}",
                "number": METRIC_NAMES[row["metric"]],
                "seeds (ours / reference)": f"{int(row['seeds_ours'])} / {int(row['seeds_reference'])}",
                "identical digits": f"{int(row['identical_seeds'])} of {int(row['common_seeds'])} seeds",
                "ours − reference (90 % interval)": difference(row["difference"])
                + ("" if interval == "–" else f" ({interval})"),
                "verdict": row["verdict"]
                + (f" (±{difference(row['delta']).lstrip('+')})" if row["verdict"] == "equivalent" else ""),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- the grid and every run

GRID_VALUES = {  # title: (summary column, format, scale)
    "test accuracy (%)": ("test_accuracy", "{:.2f}", 100),
    "test loss": ("test_loss", "{:.4f}", 1),
    "parameters": ("total_params", "{:,.0f}", 1),
    "seconds per epoch (cores shared)": ("seconds_per_epoch", "{:.2f}", 1),
}


def grid(summary: pd.DataFrame) -> pd.DataFrame:
    """cell x form, for each of GRID_VALUES (means over seeds), formatted; show with index=True."""
    parts = {}
    for title_, (column, number_format, scale) in GRID_VALUES.items():
        values = grid_table(summary, column) * scale
        parts[title_] = values.map(lambda value, f=number_format: "–" if pd.isna(value) else f.format(value))
    return pd.concat(parts, axis=1)


def spread_table(statistics: pd.DataFrame) -> pd.DataFrame:
    """Mean, sd, min and max over seeds of the final test accuracy and loss (the judge's seed_spread.csv,
    replication.seed_statistics), for each configuration that ran more than one seed (empty if none did)."""
    spread = statistics[statistics["n"] >= 2]
    points = {"mean (%)": "mean", "sd (points)": "sd", "min (%)": "min", "max (%)": "max"}
    table = pd.DataFrame({"cell": spread["cell"].map(CELLS), "form": spread["form"], "seeds": spread["n"]})
    for title_, statistic in points.items():
        table[f"accuracy {title_}"] = (100 * spread[f"test_accuracy_{statistic}"]).map("{:.2f}".format)
    for statistic in ("mean", "sd", "min", "max"):
        table[f"loss {statistic}"] = spread[f"test_loss_{statistic}"].map("{:.4f}".format)
    return table.reset_index(drop=True)


RUN_COLUMNS = {  # summary column: (title, format, scale)
    "run": ("run", "{}", None),
    "test_accuracy": ("test accuracy (%)", "{:.2f}", 100),
    "test_loss": ("test loss", "{:.4f}", None),
    "best_val_accuracy": ("best epoch, val. accuracy (%)", "{:.2f}", 100),
    "total_params": ("parameters", "{:,}", None),
    "recurrent_params": ("recurrent parameters", "{:,}", None),
    "seconds_per_epoch": ("s/epoch (steady)", "{:.2f}", None),
    "first_epoch_seconds": ("first epoch (s)", "{:.1f}", None),
    "train_seconds": ("training (s)", "{:.0f}", None),
    "checkpoint_seconds": ("resume checkpoints (s)", "{:.2f}", None),
}


def runs_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Every run, one row each, with its final numbers and timings (renamed by column name, not place)."""
    table = pd.DataFrame()
    for column, (title_, number_format, scale) in RUN_COLUMNS.items():
        values = summary[column] * scale if scale else summary[column]
        table[title_] = values.map(number_format.format)
    return table


def whole_or_tenths(value: float) -> str:
    """A count or a mean of counts: "195" when whole, else "195.5"."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def confusion_table(table: pd.DataFrame, semantics: str, top: int = 3) -> pd.DataFrame:
    """What each configuration under ``semantics`` gets wrong: its test error per run and its ``top`` most
    confused digit pairs (true → predicted, with the images so misread over all its runs)."""
    table = table[table["semantics"] == semantics]
    counts = mistakes.error_counts(table)
    pairs = mistakes.most_confused(table, top)
    rows = []
    for row in counts.itertuples():
        mine = pairs[(pairs["cell"] == row.cell) & (pairs["form"] == row.form)]
        rows.append(
            {
                "cell": CELLS[row.cell],
                "form": row.form,
                "runs": row.runs,
                "test images wrong per run": (
                    f"{whole_or_tenths(row.errors / row.runs)} of {row.images // row.runs:,}"
                ),
                "most confused (true → predicted: images over the runs)": ", ".join(
                    f"{pair['true']} → {pair['predicted']}: {pair['count']}"
                    for pair in mine.to_dict("records")
                    if pair["count"]
                )
                or "none",
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- Keras 2.2 vs Keras 3


def semantics_sentences(rows: pd.DataFrame) -> str:
    """One sentence per cell of the judge's semantics.csv (replication.semantics_comparison)."""
    return "\n".join(f"- {wording.semantics_sentence(row)}" for _, row in rows.iterrows())


def semantics_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The single-layer cells under both semantics (the judge's semantics.csv: means over seeds),
    formatted; empty if not run."""
    if rows.empty:
        return rows
    return pd.DataFrame(
        {
            "cell": rows["label"],
            "seeds": rows["n_article"].astype(str) + " / " + rows["n_modern"].astype(str),
            "accuracy, ours Keras 2.2 (%)": (100 * rows["test_accuracy_article"]).map("{:.2f}".format),
            "accuracy, ours Keras 3 (%)": (100 * rows["test_accuracy_modern"]).map("{:.2f}".format),
            "delta (points)": (100 * rows["accuracy_delta"]).map("{:+.2f}".format),
            "loss, ours Keras 2.2": rows["test_loss_article"].map("{:.4f}".format),
            "loss, ours Keras 3": rows["test_loss_modern"].map("{:.4f}".format),
            "recurrent params, Keras 2.2": rows["recurrent_params_article"].map("{:,}".format),
            "recurrent params, Keras 3": rows["recurrent_params_modern"].map("{:,}".format),
            "s/epoch, Keras 2.2": rows["seconds_per_epoch_article"].map("{:.2f}".format),
            "s/epoch, Keras 3": rows["seconds_per_epoch_modern"].map("{:.2f}".format),
            "time ratio Keras 3 / Keras 2.2": rows["speed_ratio"].map("{:.2f}".format),
        }
    )


# ---------------------------------------------------------------------------- environment and records


def code_versions(summary: pd.DataFrame) -> str:
    """The git commits the runs were trained with, each with whether tracked files had been edited."""
    states = []
    for path in summary["metrics_path"]:
        record = json.loads(Path(path).read_text())
        commit, dirty = record.get("git_commit"), record.get("git_dirty")
        state = (
            "unknown (not a git checkout)" if commit is None else commit[:12] + (" + edits" if dirty else "")
        )
        states.append(state)
    counts = pd.Series(states).value_counts()
    return "; ".join(f"{state} ({plural(count, 'run')})" for state, count in counts.items())


def numeric_settings(summary: pd.DataFrame) -> dict[str, str]:
    """What decides the digits besides the seed, over every run's record (docs/reproducibility.md): the
    CPU, oneDNN's instruction-set cap and the level in effect, op determinism, TF32; each distinct value
    with its number of runs where the runs differ."""
    records = [json.loads(Path(path).read_text()) for path in summary["metrics_path"]]

    def values(describe) -> str:
        counted = pd.Series([describe(record) for record in records]).value_counts(sort=False)
        if len(counted) == 1:
            return str(counted.index[0])
        return "; ".join(f"{value} ({plural(int(runs), 'run')})" for value, runs in counted.items())

    return {
        "CPU": values(lambda record: record.get("cpu_model", "not recorded")),
        "oneDNN instruction-set cap → in effect": values(
            lambda record: (
                f"{record.get('cpu_isa') or 'none'} → {record.get('cpu_isa_in_effect') or 'unknown'}"
                if "cpu_isa" in record
                else "not recorded"
            )
        ),
        "op determinism": values(
            lambda record: {True: "on", False: "off"}.get(record.get("deterministic_ops"), "not recorded")
        ),
        "TensorFloat-32 matmuls": values(
            lambda record: {True: "allowed", False: "off"}.get(record.get("tf32"), "not recorded")
        ),
    }


def environment_table(inputs: ReportInputs, now: datetime | None = None) -> pd.DataFrame:
    """Backend, device, code (git commit of the runs and of the report), Python, training time, data
    checksum and package versions."""
    now = now or datetime.now(UTC)
    summary = inputs.summary
    first = json.loads(Path(summary["metrics_path"].iloc[0]).read_text())
    report_code = provenance.git_state(Path.cwd())
    total = summary["train_seconds"].sum()
    facts = {
        "Keras backend": ", ".join(summary["backend"].unique()),
        "device": ", ".join(sorted(summary["device"].unique())),
        "code of the runs (git commit)": code_versions(summary),
        "code of this report (git commit)": "unknown (not a git checkout)"
        if report_code["git_commit"] is None
        else report_code["git_commit"][:12] + (" + edits" if report_code["git_dirty"] else ""),
        "Python": f"{platform.python_version()} on {platform.platform()}",
        "report made (UTC)": f"{now:%Y-%m-%d %H:%M}",
        "training time, all runs": f"{total:,.0f} s ({total / 60:.1f} min), {plural(len(summary), 'run')}",
        "MNIST sha256 (arrays)": ", ".join(summary["data_sha256"].unique()),
        **numeric_settings(summary),
        "installed packages": f"{len(first.get('packages', {}))}, each with its version in every run's "
        "metrics.json (`packages`)",
    } | {f"version: {name}": version for name, version in sorted(first["versions"].items())}
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


def config_html(config: dict) -> str:
    """The workflow run's configuration, as YAML in a <pre> block."""
    return (
        f"<pre>{html_escaping.escape(yaml.safe_dump(config, sort_keys=False, default_flow_style=None))}</pre>"
    )


def records_table(inputs: ReportInputs) -> pd.DataFrame:
    """Each run's directory and links to its executed notebook, metrics and history (HTML, relative to
    the report's directory; show with escape=False)."""

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
        }
    )
