"""The report's words, generated from the rows of results/replication.csv and the summary: how values,
differences and verdicts are written, the rule, one sentence per number, claim and semantics change."""

from __future__ import annotations

import math

import pandas as pd

from rnn_replication.core.spec import CELLS
from rnn_replication.judge import inference
from rnn_replication.judge.claims import CONTRADICTED, DOES_NOT_HOLD, HOLDS, NOT_JUDGED, SUPPORTED
from rnn_replication.judge.numbers import POWER_MISS_MARGINS

# What the modern semantics change, per cell (see models.recurrent_layer_options).
LOSS_CHANGE = "the cross-entropy from the logits on TensorFlow (Keras 2.2 clipped the probabilities)"
SEMANTICS_CHANGES = {
    "simplernn": f"{LOSS_CHANGE} and unroll=False",
    "lstm": f"sigmoid instead of Keras 2.2's hard sigmoid (slope 0.2) for the gates, {LOSS_CHANGE}, "
    "unroll=False",
    "gru": "sigmoid instead of hard sigmoid for the gates, reset_after=True (a second recurrent bias), "
    f"{LOSS_CHANGE}, unroll=False",
}


def metric_format(metric: str):
    """How a value of ``metric`` is written: accuracy in percent, loss with 4 decimals, counts with commas."""
    if metric == "test_accuracy":
        return lambda value: f"{100 * value:.2f} %"
    if metric == "test_loss":
        return lambda value: f"{value:.4f}"
    if metric == "seconds_per_epoch":
        return lambda value: f"{value:.3f}x"
    return lambda value: f"{value:,.0f}"


def difference_format(metric: str):
    """How a difference of ``metric`` is written: accuracy in points, the others as their values."""
    if metric == "test_accuracy":
        return lambda value: f"{100 * value:+.2f} points"
    if metric == "test_loss":
        return lambda value: f"{value:+.4f}"
    return lambda value: f"{value:+,.0f}"


METRIC_NAMES = {
    "test_accuracy": "test accuracy",
    "test_loss": "test loss",
    "recurrent_params": "recurrent parameters",
    "seconds_per_epoch": "seconds per epoch",
}


def verdict_label(row) -> str:
    """The verdict as shown: "replicated" says its margin, "not tested" what it needs, "not judged" why,
    and a decided speed claim the machine it was measured on."""
    verdict = row["verdict"]
    if verdict == inference.REPLICATED:
        return f"replicated (equivalent within ±{difference_format(row['metric'])(row['delta']).lstrip('+')})"
    if verdict == inference.NOT_TESTED:
        return f"not tested ({row['note']})"
    if verdict == NOT_JUDGED:
        return row["note"]  # "not judged: other processes took ..."
    if (
        verdict in (SUPPORTED, CONTRADICTED)
        and isinstance(row.get("measured_on"), str)
        and row["measured_on"]
    ):
        return f"{verdict} on this machine ({row['measured_on']})"
    return verdict


def count(number: int, noun: str) -> str:
    """ "1 number", "6 numbers"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def correction_text(numbers: int, claims: int) -> str:
    """Which families Holm's correction ran over (none where nothing was tested)."""
    families = [count(numbers, "tested number")] if numbers else []
    families += [count(claims, "tested claim")] if claims else []
    if not families:
        return "Nothing was tested, so there is no correction for multiplicity."
    return f"The verdicts use Holm's correction across the {' and, separately, across the '.join(families)}."


def rule_text(verdict_config: dict, numbers: int, claims: int) -> str:
    """How the verdicts below were reached, in Markdown, with the config's level and margins;
    ``numbers`` and ``claims``: how many of each were tested (the size of each Holm family)."""
    alpha, margins = verdict_config["alpha"], verdict_config["margins"]
    margin_text = ", ".join(
        f"±{difference_format(metric)(margin).lstrip('+')} in {METRIC_NAMES[metric]}"
        for metric, margin in margins.items()
    )
    level, two_sided = 100 * (1 - alpha), 100 * (1 - 2 * alpha)
    return (
        "Each of the article's numbers is one run; ours are n seeds. **Not replicated**: the article's "
        f"value lies outside our {level:.0f} % prediction interval for one new run, "
        f"mean ± t({1 - alpha / 2:g}, n−1)·sd·√(1 + 1/n). **Replicated (equivalent within ±δ)**: two "
        f"one-sided tests at α = {alpha:g} show article − mean within ±δ, i.e. its {two_sided:.0f} % "
        f"interval (article − mean) ± t({1 - alpha:g}, n−1)·sd·√(1 + 1/n) lies inside (−δ, +δ); "
        f"δ = {margin_text}, declared in the config before the runs. **Consistent, inconclusive** otherwise: "
        f"the data cannot tell. The intervals shown are unadjusted. {correction_text(numbers, claims)} "
        f"Claims are **supported** or **contradicted** by one-sided tests at α = {alpha:g}, paired by seed "
        "(accuracy) or by timing repeat (speed, judged only from a timing pass on a quiet machine, and a "
        "statement about that machine), else **inconclusive**; a parameter count is no test: it **holds by "
        "construction** or not. A value that is not rejected is not thereby replicated. **Power**: the "
        f"chance that these seeds, at their spread, call a number not replicated were the article's expected"
        f" value {verdict_config.get('power_miss_margins', POWER_MISS_MARGINS):g} margins from our mean, at"
        " Holm's first step (α/m, which Holm's procedure can only exceed), at the observed sd and over the"
        " sd's interval. **Seeds to decide** an inconclusive number: the count that would decide it with 80 %"
        " probability were the observed mean and sd the truth, and the predictive probability that this many"
        " seeds decide it, averaged over the means and sds our seeds allow."
    )


def interval_text(low, high, format_value) -> str:
    """An interval as "low to high" in ``format_value``'s format; an en dash where there is none."""
    return "–" if pd.isna(low) else f"{format_value(low)} to {format_value(high)}"


def interval_levels(alpha: float) -> tuple[str, str]:
    """The levels of the prediction interval and of the equivalence interval, as the report writes
    them: "95 %" and "90 %" at alpha = 0.05."""
    return f"{100 * (1 - alpha):g} %", f"{100 * (1 - 2 * alpha):g} %"


def number_sentence(row, alpha: float = 0.05) -> str:
    """One sentence on one of the article's numbers, from a row of :func:`judge.outputs.replication_rows`."""
    value, diff = metric_format(row["metric"]), difference_format(row["metric"])
    prediction, equivalence = interval_levels(alpha)
    subject = f"**{CELLS[row['cell']]} {METRIC_NAMES[row['metric']]}: {verdict_label(row)}.**"
    n = int(row["n"])
    if n == 0:
        return f"{subject} The article's {value(row['article'])}; no runs here."
    if row["metric"] == "recurrent_params":
        return f"{subject} The article's {value(row['article'])} against ours {value(row['mean'])}."
    if n < 2:
        mean, theirs = value(row["mean"]), value(row["article"])
        return f"{subject} One run: {mean} against the article's {theirs}."
    sd_range = f"{diff(row['sd_low']).lstrip('+')} to {diff(row['sd_high']).lstrip('+')}"
    ours = (
        f"our {value(row['mean'])} ± {diff(row['sd']).lstrip('+')} (mean ± sd over {n} seeds; the sd is "
        f"itself estimated, {prediction} interval {sd_range})"
    )
    where = (
        f"the {prediction} prediction interval for one new run is {value(row['pi_low'])} to "
        f"{value(row['pi_high'])}; article − mean = {diff(row['article'] - row['mean'])}, "
        f"{equivalence} interval "
        f"{diff(row['eq_low'])} to {diff(row['eq_high'])} "
        f"against a margin of ±{diff(row['delta']).lstrip('+')}"
    )
    note = f" ({row['note']})" if isinstance(row["note"], str) and row["note"] else ""
    power = ""
    if row["verdict"] == inference.INCONCLUSIVE and pd.notna(row.get("power")):
        power = (
            f" Were the article's expected value {diff(row['miss']).lstrip('+')} off ours, this design"
            f" (its seeds, its spread, Holm's correction) would call it not replicated with probability"
            f" {power_text(row, with_miss=False)}."
        )
    return f"{subject} The article's {value(row['article'])} against {ours}: {where}{note}.{power}"


def power_text(row, with_miss: bool = True) -> str:
    """A number's power against its miss (judge.numbers.number_power) as "18 % against ±1.00 points
    (8–55 % over the sd's interval)": at the observed sd, then at the ends of the sd's interval; an en
    dash where there is none."""
    if pd.isna(row.get("power")):
        return "–"
    span = f"{100 * row['power_low']:.0f}–{100 * row['power_high']:.0f} % over the sd's interval"
    if not with_miss:
        return f"about {100 * row['power']:.0f} % at the observed sd ({span})"
    miss = difference_format(row["metric"])(row["miss"]).lstrip("+")
    return f"{100 * row['power']:.0f} % against ±{miss} ({span})"


def claim_sentence(row, claims: dict, alpha: float = 0.05) -> str:
    """One sentence on one claim: the article's words, the estimate, its interval and the verdict."""
    claim = claims[row["id"]]
    first, second = claim["compares"]
    value = (
        difference_format(row["metric"])
        if row["metric"] != "seconds_per_epoch"
        else metric_format(row["metric"])
    )
    quantity = (
        f"{CELLS[first]}/{CELLS[second]} ratio of seconds per epoch"
        if row["metric"] == "seconds_per_epoch"
        else f"{CELLS[first]} − {CELLS[second]} {METRIC_NAMES[row['metric']]}"
    )
    words = f"*“{claim['en']}”* ({claim['zh']})"
    label = verdict_label(row)
    label = label[0].upper() + label[1:]
    if pd.isna(row["n"]) or pd.isna(row["mean"]):
        return f"**{label}**: {words}."
    estimate = f"{quantity}: {value(row['mean'])}"
    if pd.notna(row["eq_low"]):
        level = interval_levels(alpha)[1]
        estimate += (
            f", {level} interval {value(row['eq_low'])} to {value(row['eq_high'])}, n = {int(row['n'])}"
        )
    elif row["verdict"] in (HOLDS, DOES_NOT_HOLD):
        estimate += f" on each of {count(int(row['n']), 'seed')}"
    if claim["test"] == "paired_ratio_less" and row["verdict"] in (SUPPORTED, CONTRADICTED):
        pace = "faster" if row["verdict"] == SUPPORTED else "slower"
        estimate += (
            f" ({CELLS[first]} trains {pace} than {CELLS[second]} on this machine; the article does not "
            "name its hardware, so this is not a statement about the article's)"
        )
    return f"**{label}**: {words}. {estimate}; the article's own: {value(row['article'])}."


def percent(value: float) -> str:
    return f"{100 * value:.2f} %"


def semantics_sentence(row) -> str:
    """What changed for one cell between Keras 2.2 and Keras 3 semantics, and by how much."""
    label, modern, article = row["label"], row["test_accuracy_modern"], row["test_accuracy_article"]
    accuracy = (
        f"test accuracy {percent(modern)} against {percent(article)} "
        f"({100 * row['accuracy_delta']:+.2f} points"
    )
    n = min(row["n_article"], row["n_modern"])
    if n >= 2:
        variances = row["test_accuracy_sd_article"] ** 2 + row["test_accuracy_sd_modern"] ** 2
        pooled_sd = math.sqrt(variances / 2)
        if pooled_sd > 0:
            accuracy += f", {abs(row['accuracy_delta']) / pooled_sd:.1f} seed-to-seed sd"
        accuracy += f"; means over {n} seeds"
    accuracy += ")"
    if row["params_delta"]:
        params = (
            f"{row['recurrent_params_modern']:,} recurrent parameters instead of "
            f"{row['recurrent_params_article']:,} ({row['params_delta']:+,})"
        )
    else:
        params = f"the same {row['recurrent_params_article']:,} recurrent parameters"
    seconds_modern, seconds_article = row["seconds_per_epoch_modern"], row["seconds_per_epoch_article"]
    speed = f"{seconds_modern:.2f} s per epoch instead of {seconds_article:.2f} ({row['speed_ratio']:.2f}x)"
    return f"**{label}** ({SEMANTICS_CHANGES[row['cell']]}): {accuracy}; {params}; {speed}."
