"""The report's "The article's training curves": the judge's rows of results/curves.csv (judge.curves) as
sentences and a table; the figure of its bands (results/curve_bands.csv) is report.figures'."""

from __future__ import annotations

import json

import pandas as pd

from rnn_replication.core.spec import CELLS
from rnn_replication.judge.curves import FEATURES, epochs_named
from rnn_replication.judge.inference import NOT_REPLICATED, NOT_TESTED
from rnn_replication.report.wording import interval_levels

SERIES_NAMES = {
    "loss": "training loss",
    "accuracy": "training accuracy",
    "val_loss": "validation loss",
    "val_accuracy": "validation accuracy",
}


def whole_or_tenths(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


# How a feature's values read, by the unit judge.curves.FEATURES gives its function.
UNIT_FORMATS = {"epoch": whole_or_tenths, "accuracy points": lambda value: f"{100 * value:.2f}"}


def curve_rule(curves: pd.DataFrame, alpha: float) -> str:
    """How the curves and features were judged (Markdown), with the number of tests in Holm's family."""
    family = int(curves["p_different"].notna().sum()) if len(curves) else 0
    level, _ = interval_levels(alpha)
    return (
        "Each of the article's logged curves is compared with our seeds' over all its epochs at once: the "
        f"shaded band is the {level} simultaneous prediction band for one new run of ours (per epoch the "
        "t prediction interval of the final numbers, Bonferroni over the epochs), so a genuine replication's "
        f"curve leaves it somewhere with probability at most {100 * alpha:g} %. The features of the log "
        "below are judged as the final numbers are, by the t prediction test. Holm's correction runs over "
        f"all {family} tests; the epochs named are those outside the band drawn. *Not replicated*: shown "
        "to differ; *consistent, inconclusive*: not shown to differ, which is not shown to be the same (with "
        "few seeds the band is wide). The figure draws accuracy as its error, 1 − accuracy, on a log axis: "
        "an article's accuracy *below* ours lies *above* our curve there."
    )


def curve_reason(row: dict, compared: str = "") -> str:
    """What one curve's verdict rests on, short: the epochs where the article's curve leaves the band, on
    which side of our mean its values lie, or none. ``compared``, where not empty, says how much of the
    article's log was compared ("the first 10 of the article's 20 epochs"). The report says once, above,
    what the band is and what Holm's correction runs over."""
    if row["verdict"] == NOT_TESTED:
        return row["note"]
    epochs = json.loads(row["epochs_outside"])
    if not epochs:
        return f"inside the band at each of {compared}" if compared else "inside the band at every epoch"
    reason = f"outside the band, {row['direction']} ours, at {epochs_named(epochs)}"
    reason += f" of {compared}" if compared else ""
    return (
        reason
        if row["verdict"] == NOT_REPLICATED
        else f"{reason}, but not shown to differ after Holm's correction"
    )


def curve_sentences(curves: pd.DataFrame, article_history: pd.DataFrame) -> str:
    """One line per cell (Markdown list), its curves grouped by verdict and reason so that a reason shared
    by several curves is said once, the curves shown to differ first. Where our runs are shorter than the
    article's log, how much of it was compared: once above the list when that is the same for every
    curve judged, otherwise in each reason."""
    rows = curves[curves["kind"] == "curve"]
    logged = article_history.groupby("cell").size()
    tested = rows[rows["verdict"] != NOT_TESTED].to_dict("records")
    lengths = {(int(row["epochs"]), int(logged[row["cell"]])) for row in tested}
    shorter = [(ours, theirs) for ours, theirs in lengths if ours < theirs]
    said_once = len(lengths) == 1 and len(shorter) == 1
    lines = []
    if said_once:
        ((ours, theirs),) = shorter
        lines += [
            f"The curves are compared on the first {ours} of the article's {theirs} epochs, those all our "
            "runs have.",
            "",  # Markdown's list starts after a blank line
        ]
    for cell, of_cell in rows.groupby("cell", sort=False):
        groups: dict[tuple[str, str], list[str]] = {}
        for row in of_cell.to_dict("records"):
            partial = not said_once and row["verdict"] != NOT_TESTED and row["epochs"] < logged[cell]
            compared = (
                f"the first {int(row['epochs'])} of the article's {int(logged[cell])} epochs"
                if partial
                else ""
            )
            groups.setdefault((row["verdict"], curve_reason(row, compared)), []).append(
                SERIES_NAMES[row["id"]]
            )
        ordered = sorted(groups.items(), key=lambda group: group[0][0] != NOT_REPLICATED)
        if len(ordered) == 1:
            ((verdict, reason), _) = ordered[0]
            lines.append(f"- **{CELLS[cell]}**, every curve: **{verdict}** ({reason}).")
            continue
        parts = [f"{', '.join(series)}: **{verdict}** ({reason})" for (verdict, reason), series in ordered]
        lines.append(f"- **{CELLS[cell]}**: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def features_table(curves: pd.DataFrame, features: list[dict], alpha: float = 0.05) -> pd.DataFrame:
    """The features of the article's log (kind "feature" rows), formatted: the article's value, our mean ±
    sd over n seeds, the 100(1 - alpha) % prediction interval for one new run, the p-values and the
    verdict (with its reason where not tested)."""
    prediction, _ = interval_levels(alpha)
    by_id = {feature["id"]: feature for feature in features}
    rows = []
    for row in curves[curves["kind"] == "feature"].to_dict("records"):
        feature = by_id[row["id"]]
        unit = FEATURES[feature["feature"]][1]
        value = UNIT_FORMATS[unit]
        tested, measured = pd.notna(row["p_different"]), pd.notna(row["mean"])
        rows.append(
            {
                "cell": CELLS[row["cell"]],
                "feature": f"{feature['en']} ({unit})",
                "article": value(row["article"]),
                "ours: mean ± sd (n)": f"{value(row['mean'])} ± {value(row['sd'])} ({int(row['n'])})"
                if measured
                else "–",
                f"{prediction} prediction interval": f"{value(row['low'])} to {value(row['high'])}"
                if tested
                else "–",
                "p": f"{row['p_different']:.3g}" if tested else "–",
                "p (Holm)": f"{row['p_different_holm']:.3g}" if tested else "–",
                "verdict": row["verdict"]
                if tested and "Holm" not in row["note"]
                else f"{row['verdict']} ({row['note']})",
            }
        )
    return pd.DataFrame(rows)
