"""The report's tables that set two things side by side: our parameters and speed beside the article's,
the timing pass's ratios beside the article's, this replication beside a reference one (the compare rule),
Keras 2.2 beside Keras 3 semantics (the judge's semantics.csv)."""

from __future__ import annotations

import pandas as pd

from rnn_replication.core.spec import CELLS
from rnn_replication.judge.numbers import single_layer_runs
from rnn_replication.report import wording
from rnn_replication.report.wording import METRIC_NAMES, difference_format, interval_text


def article_costs(summary: pd.DataFrame, article: dict) -> pd.DataFrame:
    """Parameter counts and seconds per epoch of the single-layer cells, the article's beside ours
    (seconds averaged over seeds, from training runs that shared the cores). ``summary`` holds the runs
    of one semantics."""
    rows = []
    for cell, theirs in article["results"].items():
        ours = single_layer_runs(summary, cell)
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


def timing_caption(timing: pd.DataFrame) -> str:
    """Where the timing pass's numbers come from, for the caption of :func:`timing_table`."""
    repeats = timing["repeat"].nunique()
    shares = timing["others_cpu_share"].dropna() if "others_cpu_share" in timing else timing.iloc[0:0, 0]
    if shares.empty:
        load = "; how busy the machine was is not recorded"
    else:
        busiest = 100 * shares.max()
        # One decimal below 10 %, so that a quiet machine's 0.3 % does not read as exactly 0.
        load = f"; other processes took up to {busiest:.{1 if busiest < 10 else 0}f} % of the pass's CPUs"
        load += " during a timed epoch"
        tries = timing["attempts"].max() if "attempts" in timing else 1
        if tries > 1:  # NaN (not recorded) is not
            load += f", disturbed repeats timed up to {tries:.0f} times"
    return (
        "**Speed, as ratios** (the article does not name its hardware): seconds per epoch from the timing "
        f"pass (`rule timing`: each cell one epoch per repeat, {repeats} repeats in a balanced order, "
        f"back to back with the machine to itself{load}; {timing['device'].iloc[0]}, backend "
        f"{timing['backend'].iloc[0]}), against the ratio of the article's logged µs/step."
    )


def timing_table(ratios: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The timing pass's ratios (the judge's timing_ratios.csv, descriptive.timing_ratios) beside the
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


def comparison_table(comparison: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The compare rule's results/comparison.csv (judge.comparison), formatted: per configuration and
    number, the seeds compared, how many gave identical digits, what the arithmetic fingerprints say about
    them, the difference of the means with its
    interval (where tested) and the verdict."""
    level = wording.interval_levels(alpha)[1]  # the two one-sided tests' interval
    rows = []
    for row in comparison.to_dict("records"):
        difference = difference_format(row["metric"])
        interval = interval_text(row["low"], row["high"], difference)
        rows.append(
            {
                "configuration": f"{CELLS[row['cell']]}, {row['form']}, {row['semantics']}",
                "number": METRIC_NAMES[row["metric"]],
                "seeds (ours / reference)": f"{int(row['seeds_ours'])} / {int(row['seeds_reference'])}",
                "identical digits": f"{int(row['identical_seeds'])} of {int(row['common_seeds'])} seeds",
                "arithmetic (observe.probe)": row["arithmetic"],
                f"ours − reference ({level} interval)": difference(row["difference"])
                + ("" if interval == "–" else f" ({interval})"),
                "verdict": row["verdict"]
                + (f" (±{difference(row['delta']).lstrip('+')})" if row["verdict"] == "equivalent" else "")
                + (f"; {row['note']}" if isinstance(row.get("note"), str) and row["note"] else ""),
            }
        )
    return pd.DataFrame(rows)


def semantics_sentences(rows: pd.DataFrame) -> str:
    """One sentence per cell of the judge's semantics.csv (descriptive.semantics_comparison)."""
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
