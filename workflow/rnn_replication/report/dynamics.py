"""The report's "The article's training curves": the judge's rows of results/curves.csv (judge.curves) as
sentences and a table; the figure of its bands (results/curve_bands.csv) is report.figures'."""

from __future__ import annotations

import pandas as pd

from rnn_replication.core.spec import CELLS
from rnn_replication.judge.curves import FEATURES
from rnn_replication.judge.inference import NOT_TESTED
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


def curve_sentences(curves: pd.DataFrame) -> str:
    """One sentence per cell and series (Markdown list); a cell whose four curves are not tested for one
    reason gets one sentence."""
    lines = []
    rows = curves[curves["kind"] == "curve"]
    for cell, of_cell in rows.groupby("cell", sort=False):
        notes = set(of_cell["note"])
        if set(of_cell["verdict"]) == {NOT_TESTED} and len(notes) == 1:
            lines.append(f"- **{CELLS[cell]}, every curve: not tested** ({notes.pop()}).")
            continue
        for row in of_cell.to_dict("records"):
            lines.append(f"- **{CELLS[cell]}, {SERIES_NAMES[row['id']]}: {row['verdict']}**: {row['note']}.")
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
