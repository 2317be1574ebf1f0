"""The report's "Does it replicate?": the verdicts counted, the rule that reached them, the article's claims
and numbers as tables and as sentences, all from the rows of results/replication.csv."""

from __future__ import annotations

import pandas as pd

from rnn_replication.core.spec import CELLS
from rnn_replication.judge.claims import DOES_NOT_HOLD, HOLDS
from rnn_replication.judge.inference import NOT_TESTED
from rnn_replication.judge.numbers import METRICS
from rnn_replication.report import wording
from rnn_replication.report.inputs import ReportInputs
from rnn_replication.report.wording import (
    METRIC_NAMES,
    difference_format,
    interval_text,
    metric_format,
    verdict_label,
)


def verdict_rule(inputs: ReportInputs) -> str:
    """How the verdicts were reached, with the config's level and margins (Markdown)."""
    verdicts = inputs.verdicts
    numbers = int(verdicts.loc[verdicts["kind"] == "number", "p_different"].notna().sum())
    claims = int(verdicts.loc[verdicts["kind"] == "claim", "p_equivalent"].notna().sum())
    return wording.rule_text(inputs.config["verdict"], numbers, claims)


def verdict_counts(inputs: ReportInputs) -> str:
    """The verdicts in one paragraph, as whole counts: the article's numbers (accuracy and loss, then the
    parameter counts), its claims (the tested ones, then the architectural one), its training curves and
    the features of its log."""
    verdicts = inputs.verdicts

    def tally(rows: pd.DataFrame) -> str:
        counts = rows["verdict"].value_counts(sort=False)
        return ", ".join(f"{int(number)} {verdict}" for verdict, number in counts.items())

    numbers = verdicts[verdicts["kind"] == "number"]
    statistical = numbers[numbers["metric"].isin(METRICS)]
    parameters = numbers[~numbers["metric"].isin(METRICS)]
    claims = verdicts[verdicts["kind"] == "claim"]
    exact = claims["verdict"].isin([HOLDS, DOES_NOT_HOLD])
    groups = (
        ("The article's test accuracies and losses", statistical),
        ("its parameter counts", parameters),
        ("its claims put to a test", claims[~exact]),
        ("its architectural claim", claims[exact]),
    )
    curves = inputs.curves
    if len(curves):
        groups += (
            ("its training curves", curves[curves["kind"] == "curve"]),
            ("the features of its log", curves[curves["kind"] == "feature"]),
        )
    parts = [f"**{label}** ({len(rows)}): {tally(rows)}" for label, rows in groups if len(rows)]
    return "; ".join(part for part in parts if part) + "."


def once(rows: list[dict]) -> list[dict]:
    """``rows`` with each "not tested" reason said in full the first time only ("as above" after it): a
    smoke run's twelve untested rows share one reason."""
    seen, shown = set(), []
    for row in rows:
        if row["verdict"] == NOT_TESTED and row["note"] in seen:
            row = row | {"note": "as above"}
        elif row["verdict"] == NOT_TESTED:
            seen.add(row["note"])
        shown.append(row)
    return shown


def claim_sentences(inputs: ReportInputs) -> str:
    rows = once(inputs.verdicts[inputs.verdicts["kind"] == "claim"].to_dict("records"))
    alpha = inputs.config["verdict"]["alpha"]
    return "\n".join(f"- {wording.claim_sentence(row, inputs.claims, alpha)}" for row in rows)


def number_sentences(inputs: ReportInputs) -> str:
    rows = once(inputs.verdicts[inputs.verdicts["kind"] == "number"].to_dict("records"))
    return "\n".join(f"- {wording.number_sentence(row, inputs.config['verdict']['alpha'])}" for row in rows)


def numbers_table(verdicts: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The article's numbers (kind "number" rows of results/replication.csv), formatted for the report:
    the article's value, our mean ± sd, the unadjusted 100(1 - alpha) % prediction interval for one new
    run, article − mean with its 100(1 - 2 alpha) % interval, the margin, the power against a miss, and
    the Holm-corrected verdict."""
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
                f"{prediction} prediction interval": interval_text(row["pi_low"], row["pi_high"], value),
                f"article − mean ({equivalence} interval)": gap
                + (
                    ""
                    if pd.isna(row["eq_low"])
                    else f" ({interval_text(row['eq_low'], row['eq_high'], difference)})"
                ),
                "margin": "–" if pd.isna(row["delta"]) else "±" + difference(row["delta"]).lstrip("+"),
                "power against a miss": wording.power_text(row),
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
                f"{level} interval": interval_text(row["eq_low"], row["eq_high"], value),
                "n": int(row["n"]),
                "article's own": value(row["article"]),
                "verdict": verdict_label(row),
            }
        )
    return pd.DataFrame(rows)
