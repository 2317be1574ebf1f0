"""The statistical tests behind the verdicts: one new run against our seeds, paired comparisons, Holm.

The article ran each model once. Its value is compared with ours as one more draw from our seed-to-seed
distribution (a prediction interval, not a confidence interval for our mean): if the seeds' values are
normal with mean mu and sd sigma, article - mean(seeds) has sd sigma * sqrt(1 + 1/n), and with sigma
estimated by the sample sd s, (article - mean) / (s * sqrt(1 + 1/n)) follows Student's t with n - 1
degrees of freedom. Two tests use that statistic:

- *different*: two-sided, H0 article value drawn from our distribution. Rejected at alpha exactly when
  the article's value lies outside the 100(1 - alpha) % prediction interval
  mean +- t(1 - alpha/2, n - 1) * s * sqrt(1 + 1/n).
- *equivalent* (Lakens' two one-sided tests, TOST): H0 |article - mean| >= delta. Rejected at alpha
  exactly when the 100(1 - 2 alpha) % interval (article - mean) +- t(1 - alpha, n - 1) * s * sqrt(1 + 1/n)
  lies inside (-delta, +delta).

Paired comparisons between cells (same seeds) use the one-sample t on the per-seed differences.
Every quantile comes from scipy.stats; the functions accept NumPy arrays, so that "how many seeds would
decide it" can simulate many replications at once (the calibration study is in :mod:`calibration`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

DECIDED_WITHIN_SEEDS = 1000  # "how many seeds would decide it" looks this far before giving up
DECISION_PROBABILITY = 0.8  # ... and means: decided this often, were the observed mean and sd the truth
DECISION_SIMULATIONS = 4000  # simulated replications per candidate count (Monte-Carlo error about 0.6 %)


def prediction_scale(sd, n):
    """The standard error of (one new run - mean of n runs): sd * sqrt(1 + 1/n)."""
    return np.asarray(sd, dtype=float) * np.sqrt(1.0 + 1.0 / np.asarray(n, dtype=float))


def _t_statistic(difference, scale):
    """difference / scale; a zero scale (every seed identical) gives +-inf, or 0 for a zero difference."""
    difference, scale = np.broadcast_arrays(np.asarray(difference, float), np.asarray(scale, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = difference / scale
    infinite = np.where(difference > 0, np.inf, np.where(difference < 0, -np.inf, 0.0))
    return np.where(scale > 0, statistic, infinite)


def prediction_interval(mean, sd, n, level: float = 0.95):
    """(low, high) of the ``level`` prediction interval for one new run: mean +- t * sd * sqrt(1 + 1/n)."""
    half = stats.t.ppf(0.5 + level / 2, np.asarray(n) - 1) * prediction_scale(sd, n)
    return np.asarray(mean) - half, np.asarray(mean) + half


def difference_interval(difference, sd, n, level: float = 0.90):
    """(low, high) of the ``level`` interval of article - mean: difference +- t * sd * sqrt(1 + 1/n)."""
    half = stats.t.ppf(0.5 + level / 2, np.asarray(n) - 1) * prediction_scale(sd, n)
    return np.asarray(difference) - half, np.asarray(difference) + half


def p_different(difference, sd, n):
    """Two-sided p-value of H0 "the article's value is one more draw from our distribution"."""
    statistic = _t_statistic(difference, prediction_scale(sd, n))
    return 2 * stats.t.sf(np.abs(statistic), np.asarray(n) - 1)


def p_equivalent(difference, sd, n, margin):
    """TOST p-value of H0 "|article - our mean| >= margin": the larger of the two one-sided p-values."""
    scale, df = prediction_scale(sd, n), np.asarray(n) - 1
    above_lower = stats.t.sf(_t_statistic(np.asarray(difference) + margin, scale), df)
    below_upper = stats.t.cdf(_t_statistic(np.asarray(difference) - margin, scale), df)
    return np.maximum(above_lower, below_upper)


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control, no assumption on dependence).

    Sorted ascending, p_(i) is multiplied by (m - i + 1), made monotone and capped at 1. NaN entries (no
    test, e.g. one seed) are left out of the family and stay NaN.
    """
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p_values, np.nan)
    tested = np.flatnonzero(~np.isnan(p_values))
    order = tested[np.argsort(p_values[tested], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


NOT_REPLICATED, REPLICATED, INCONCLUSIVE, NOT_TESTED = (
    "not replicated",
    "replicated",
    "consistent, inconclusive",
    "not tested",
)


def classify(p_different_adjusted, p_equivalent_adjusted, alpha: float = 0.05):
    """The verdict from the (Holm-adjusted) p-values: "not replicated" when the difference test rejects,
    else "replicated" when the equivalence test rejects, else "consistent, inconclusive"; "not tested"
    where there is no test (NaN, fewer than two seeds). Works elementwise on arrays."""
    different = np.asarray(p_different_adjusted, float)
    equivalent = np.asarray(p_equivalent_adjusted, float)
    return np.where(
        np.isnan(different),
        NOT_TESTED,
        np.where(different < alpha, NOT_REPLICATED, np.where(equivalent < alpha, REPLICATED, INCONCLUSIVE)),
    )


def decided(difference, sd, seeds, margin, level):
    """Whether a replication with ``seeds`` seeds, article - mean ``difference`` and sd ``sd``, is decided:
    one of the two tests rejects at ``level``. Elementwise on arrays."""
    different = p_different(difference, sd, seeds) < level
    return different | (p_equivalent(difference, sd, seeds, margin) < level)


def fresh_replications(true_difference, sigma, seeds: int, normal, uniform):
    """article - mean and sd of replications with ``seeds`` seeds from N(mu, sigma), where the article
    lies ``true_difference`` from mu: drawn through their exact sampling distributions (the mean normal
    with sd sigma/sqrt(seeds), (seeds - 1) s^2 / sigma^2 chi-square with seeds - 1 degrees of freedom) from
    given standard normal and uniform draws, so that two seed counts compare on the same draws."""
    sigma = np.asarray(sigma, dtype=float)
    difference = np.asarray(true_difference, dtype=float) - sigma / np.sqrt(seeds) * normal
    sd = sigma * np.sqrt(stats.chi2.ppf(uniform, seeds - 1) / (seeds - 1))
    return difference, sd


def decision_rate(
    difference, sd, seeds: int, margin, level, simulations=DECISION_SIMULATIONS, rng=0
) -> float:
    """How often ``seeds`` seeds decide a number (one of the two tests rejects at ``level``) if our seeds
    are N(mean, ``sd``) and the article's value lies ``difference`` from that mean: the plug-in rate, by
    simulation through the same p-value functions as the verdicts."""
    rng = np.random.default_rng(rng)
    normal, uniform = rng.standard_normal(simulations), rng.uniform(size=simulations)
    simulated = fresh_replications(difference, sd, seeds, normal, uniform)
    return float(decided(*simulated, seeds, margin, level).mean())


def smallest_count(enough, n: int) -> int | None:
    """The smallest count above ``n`` (up to DECIDED_WITHIN_SEEDS) for which ``enough`` holds, assuming it
    holds from some count on: the count doubled until it does, then bisected; None if none does."""
    low, high = n, n + 1
    while not enough(high):
        if high >= DECIDED_WITHIN_SEEDS:
            return None
        low, high = high, min(2 * high, DECIDED_WITHIN_SEEDS)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return high


def seeds_to_decide(difference, sd, n, margin, level, probability=DECISION_PROBABILITY) -> int | None:
    """The plug-in count: the smallest number of seeds (more than ``n``) that decides the number with
    ``probability`` were the observed difference and sd the truth (:func:`decision_rate`); None when no
    number up to DECIDED_WITHIN_SEEDS does. It ignores that the sd and the mean are estimates, so it is
    right on average only if they happen to be exact; the judge also gives :func:`predictive_count`.
    """
    if not np.isfinite(sd) or sd <= 0:
        return None

    def enough(seeds: int) -> bool:
        return decision_rate(difference, sd, seeds, margin, level) >= probability

    return smallest_count(enough, n)


def posterior_draws(difference, sd, n: int, draws: int, rng):
    """Draws of (article - mu, sigma) given n seeds with mean m (article - m = ``difference``) and sample
    sd ``sd``, under the reference prior p(mu, sigma) ~ 1/sigma: sigma^2 = (n - 1) s^2 / chi-square(n - 1)
    and mu ~ N(m, sigma^2 / n) (the posterior whose intervals are the t and chi-square ones the verdicts
    use)."""
    sigma = sd * np.sqrt((n - 1) / rng.chisquare(n - 1, size=draws))
    return difference - sigma / np.sqrt(n) * rng.standard_normal(draws), sigma


def unlimited_decision(true_difference, sigma, margin, level):
    """Whether unlimited seeds decide the number at ``level``: with mu and sigma known, the difference
    test rejects when |article - mu| > z(1 - level/2) sigma, the equivalence test when
    |article - mu| + z(1 - level) sigma < margin."""
    distance = np.abs(true_difference)
    return (distance > stats.norm.ppf(1 - level / 2) * sigma) | (
        distance + stats.norm.ppf(1 - level) * sigma < margin
    )


def predictive_decision(
    difference, sd, n: int, margin, level, draws=DECISION_SIMULATIONS, rng=0
) -> tuple[Callable[[int], float], float]:
    """The planning figures for an undecided number, with the uncertainty of the mean and sd they rest on:
    a function giving, for a count of seeds, the predictive probability that a replication with that many
    seeds decides the number at ``level``, averaged over what the n seeds allow for mu and sigma
    (:func:`posterior_draws`); and the predictive probability that unlimited seeds decide it
    (:func:`unlimited_decision`), which large counts approach (a finite count may pass it by at most about
    ``level``: its difference test also rejects by chance). Every count is judged on the same draws, so the
    probability grows smoothly with the count."""
    rng = np.random.default_rng(rng)
    true_difference, sigma = posterior_draws(difference, sd, n, draws, rng)
    normal, uniform = rng.standard_normal(draws), rng.uniform(size=draws)

    def probability(seeds: int) -> float:
        simulated = fresh_replications(true_difference, sigma, seeds, normal, uniform)
        return float(decided(*simulated, seeds, margin, level).mean())

    return probability, float(unlimited_decision(true_difference, sigma, margin, level).mean())


def predictive_count(rate, ceiling: float, n: int, level, probability=DECISION_PROBABILITY) -> int | None:
    """The smallest count above ``n`` at which ``rate`` (:func:`predictive_decision`) reaches
    ``probability``; None where none up to DECIDED_WITHIN_SEEDS does, or where even the ceiling plus what
    chance adds (``level``) stays below it."""
    if ceiling + level < probability:
        return None
    return smallest_count(lambda seeds: rate(seeds) >= probability, n)


def miss_power(miss, sd, n, level):
    """The chance that the difference test flags the article's number at ``level`` when its expected
    value lies ``miss`` from our mean and our seeds have sd ``sd``: (article - mean) / (s sqrt(1 + 1/n))
    is then noncentral t with n - 1 degrees of freedom and noncentrality miss / (sd sqrt(1 + 1/n))."""
    df = np.asarray(n, dtype=float) - 1
    critical = stats.t.ppf(1 - np.asarray(level) / 2, df)
    noncentrality = np.abs(np.asarray(miss, dtype=float)) / prediction_scale(sd, n)
    # The far tail (the wrong direction) is below 1e-6 wherever scipy's nct cannot compute it (NaN).
    wrong_direction = np.nan_to_num(stats.nct.cdf(-critical, df, noncentrality), nan=0.0)
    return stats.nct.sf(critical, df, noncentrality) + wrong_direction


def sd_interval(sd, n, level: float = 0.95):
    """(low, high) of the ``level`` confidence interval for the seeds' standard deviation, from the
    chi-square distribution of (n - 1) s^2 / sigma^2 for normal seeds."""
    df = np.asarray(n, dtype=float) - 1
    low = np.asarray(sd) * np.sqrt(df / stats.chi2.ppf(0.5 + level / 2, df))
    high = np.asarray(sd) * np.sqrt(df / stats.chi2.ppf(0.5 - level / 2, df))
    return low, high


def equivalence_impossible(sd, margin, alpha: float = 0.05) -> bool:
    """Whether no number of seeds could show equivalence at level ``alpha``: even with our mean known
    exactly, the article's single run varies by sd, and article - mean +- z(1 - alpha) * sd reaches past
    +-margin."""
    return bool(stats.norm.ppf(1 - alpha) * sd >= margin)


def paired_test(differences, alpha: float = 0.05) -> dict:
    """One-sample t on per-seed differences (a - b): n, mean, sd, the 100(1 - 2 alpha) % interval of the
    mean difference (its ends are the one-sided 100(1 - alpha) % bounds), and the one-sided p-values of
    "mean > 0" (p_greater) and "mean < 0" (p_less)."""
    differences = np.asarray(differences, dtype=float)
    n = len(differences)
    if n < 2:
        mean = float(differences.mean()) if n else np.nan
        return {"n": n, "mean": mean} | dict.fromkeys(
            ("sd", "low", "high", "p_greater", "p_less", "scale"), np.nan
        )
    mean, sd = float(differences.mean()), float(differences.std(ddof=1))
    scale = sd / np.sqrt(n)
    half = stats.t.ppf(1 - alpha, n - 1) * scale
    statistic = float(_t_statistic(mean, scale))
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "low": mean - half,
        "high": mean + half,
        "p_greater": float(stats.t.sf(statistic, n - 1)),
        "p_less": float(stats.t.cdf(statistic, n - 1)),
        "scale": scale,
    }


def paired_equivalence(differences, margin: float, alpha: float = 0.05) -> dict:
    """TOST on per-seed differences: p_equivalent for H0 |mean| >= margin, and p_beyond for H0
    |mean| <= margin: the smaller of the two one-sided p-values of "mean > margin" and "mean < -margin",
    doubled (Bonferroni over the two directions, so the test keeps its level however small the margin)."""
    test = paired_test(differences, alpha)
    if test["n"] < 2:
        return test | {"p_equivalent": np.nan, "p_beyond": np.nan}
    df, scale, mean = test["n"] - 1, test["scale"], test["mean"]
    above_lower = stats.t.sf(_t_statistic(mean + margin, scale), df)
    below_upper = stats.t.cdf(_t_statistic(mean - margin, scale), df)
    beyond_upper = stats.t.sf(_t_statistic(mean - margin, scale), df)
    beyond_lower = stats.t.cdf(_t_statistic(mean + margin, scale), df)
    return test | {
        "p_equivalent": float(max(above_lower, below_upper)),
        "p_beyond": float(min(1.0, 2 * min(beyond_upper, beyond_lower))),
    }
