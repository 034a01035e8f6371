"""Small, dependency-light statistics for summary-level trial evidence.

Everything here works from the numbers a trial publication prints (counts,
percentages, ratios with confidence intervals); nothing draws and nothing
imports dash.

Quantiles and tail areas come from scipy.special, the functions scipy.stats' distributions call
for them (norm.ppf = ndtri, beta.ppf = betaincinv, t.ppf = stdtrit, chi2.sf = chdtrc; equal to
the last bit on 20,000 random arguments with scipy 1.17): importing scipy.stats costs ~0.6 s
at every start, scipy.special ~0.1 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import special

PROPORTION_CI_METHODS = ("clopper-pearson", "wilson")


def _z_for_level(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level such as 0.95."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(special.ndtri(1.0 - (1.0 - level) / 2.0))


def _validate_count(count: int, n: int, what: str = "count") -> None:
    """Reject counts that cannot be a number of responders out of n patients."""
    if isinstance(count, bool) or isinstance(n, bool):
        raise ValueError(f"{what} and n must be integers, not booleans")
    if int(count) != count or int(n) != n:
        raise ValueError(f"{what} and n must be whole numbers, got {what}={count!r}, n={n!r}")
    if n <= 0:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    if not 0 <= count <= n:
        raise ValueError(f"{what} must be between 0 and n={n}, got {count!r}")


def _wilson_interval(count: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval as proportions (0-1); no continuity correction."""
    # Wilson (1927) score interval, the one R's prop.test(correct = FALSE) reports.
    p_hat = count / n
    denominator = 1.0 + z * z / n
    centre = (p_hat + z * z / (2.0 * n)) / denominator
    half_width = (z / denominator) * math.sqrt(p_hat * (1.0 - p_hat) / n + z * z / (4.0 * n * n))
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def _clopper_pearson_interval(count: int, n: int, level: float) -> tuple[float, float]:
    """Clopper–Pearson exact interval as proportions (0-1)."""
    # Clopper–Pearson exact interval from beta quantiles, as in R's binom.test.
    alpha = 1.0 - level
    low = 0.0 if count == 0 else float(special.betaincinv(count, n - count + 1, alpha / 2.0))
    high = 1.0 if count == n else float(special.betaincinv(count + 1, n - count, 1.0 - alpha / 2.0))
    return low, high


def proportion_ci(
    count: int, n: int, method: str = "clopper-pearson", level: float = 0.95
) -> tuple[float, float]:
    """Confidence interval for a response rate, in percent (0-100).

    "clopper-pearson" is the exact interval most trial reports print;
    "wilson" is the score interval, better centred for small n.
    """
    _validate_count(count, n)
    method_key = method.lower().replace("_", "-").replace(" ", "-")
    if method_key == "clopper-pearson":
        _z_for_level(level)  # validates level
        low, high = _clopper_pearson_interval(int(count), int(n), level)
    elif method_key == "wilson":
        low, high = _wilson_interval(int(count), int(n), _z_for_level(level))
    else:
        raise ValueError(f"unknown method {method!r}; choose one of {PROPORTION_CI_METHODS}")
    return 100.0 * low, 100.0 * high


def risk_difference_ci(
    count_e: int, n_e: int, count_c: int, n_c: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Difference in proportions (experimental minus control) with its CI, in percentage points.

    Uses the Newcombe hybrid score interval, which behaves well near 0% and 100%
    where the simple Wald interval fails.
    """
    _validate_count(count_e, n_e, "count_e")
    _validate_count(count_c, n_c, "count_c")
    z = _z_for_level(level)
    p_e, p_c = count_e / n_e, count_c / n_c
    low_e, high_e = _wilson_interval(int(count_e), int(n_e), z)
    low_c, high_c = _wilson_interval(int(count_c), int(n_c), z)
    # Newcombe (1998) method 10: hybrid score interval built from the two Wilson intervals.
    difference = p_e - p_c
    lower = difference - math.sqrt((p_e - low_e) ** 2 + (high_c - p_c) ** 2)
    upper = difference + math.sqrt((high_e - p_e) ** 2 + (p_c - low_c) ** 2)
    return 100.0 * difference, 100.0 * lower, 100.0 * upper


def counts_from_percent(pct: float, n: int, decimals: int = 1) -> int | None:
    """Back-calculate the integer count behind a published percentage, or None if ambiguous.

    Returns the single count k with k/n*100 rounding to pct at `decimals` places;
    None when no count or more than one count reproduces it, so callers can mark
    a derived count honestly instead of guessing.
    """
    if isinstance(n, bool) or int(n) != n or n <= 0:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    if isinstance(decimals, bool) or int(decimals) != decimals or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    if not math.isfinite(pct) or not 0.0 <= pct <= 100.0:
        raise ValueError(f"pct must be a percentage between 0 and 100, got {pct!r}")
    n = int(n)
    half_unit = 0.5 * 10.0 ** (-int(decimals))
    # A value exactly on a rounding boundary counts as reproducing pct either way
    # (half-up and half-even reporting disagree there); the small slack absorbs float error.
    tolerance = half_unit * (1.0 + 1e-9)
    # Search one step beyond the algebraic bounds so float error cannot hide a candidate.
    lowest = max(0, math.floor((pct - tolerance) * n / 100.0))
    highest = min(n, math.ceil((pct + tolerance) * n / 100.0))
    candidates = [k for k in range(lowest, highest + 1) if abs(100.0 * k / n - pct) <= tolerance]
    return candidates[0] if len(candidates) == 1 else None


def invert_ratio(value: float, ci_low: float, ci_high: float) -> tuple[float, float, float]:
    """Flip a ratio and its CI to the other arm's perspective (e.g. HR control vs experimental)."""
    for name, number in (("value", value), ("ci_low", ci_low), ("ci_high", ci_high)):
        if not number > 0:
            raise ValueError(f"{name} must be a positive ratio, got {number!r}")
    return 1.0 / value, 1.0 / ci_high, 1.0 / ci_low


def log_se_from_ci(ci_low: float, ci_high: float, level: float = 0.95) -> float:
    """Standard error of a log ratio recovered from its printed confidence interval."""
    if not (ci_low > 0 and ci_high > 0):
        raise ValueError(f"CI bounds must be positive ratios, got ({ci_low!r}, {ci_high!r})")
    if not ci_high > ci_low:
        raise ValueError(f"ci_high must exceed ci_low, got ({ci_low!r}, {ci_high!r})")
    # Symmetric Wald interval on the log scale: (ln high - ln low) / (2 z).
    return (math.log(ci_high) - math.log(ci_low)) / (2.0 * _z_for_level(level))


@dataclass(frozen=True)
class PooledEstimate:
    """Random-effects pooled ratio with heterogeneity statistics and the fixed-effect companion."""

    estimate: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    q: float
    df: int
    p_heterogeneity: float
    k: int
    fixed_estimate: float
    fixed_ci_low: float
    fixed_ci_high: float
    level: float = 0.95
    method: str = "DerSimonian–Laird"
    pi_low: float = math.nan
    pi_high: float = math.nan
    """Prediction interval for the effect in a new trial (ratio scale); NaN when k < 3."""

    @property
    def has_prediction_interval(self) -> bool:
        return math.isfinite(self.pi_low) and math.isfinite(self.pi_high)


def prediction_interval(
    log_estimate: float, standard_error: float, tau2: float, k: int, level: float = 0.95
) -> tuple[float, float] | None:
    """Random-effects prediction interval on the log scale, or None when k < 3 (undefined).

    Higgins, Thompson & Spiegelhalter (2009), J R Stat Soc A 172:137-159, section 3.6:
    mu ± t(k-2, 1-alpha/2) · sqrt(tau² + SE(mu)²), where the t distribution with k-2 degrees of
    freedom allows for tau² being estimated. With two trials there are no degrees of freedom left.
    """
    if isinstance(k, bool) or int(k) != k:
        raise ValueError(f"k must be a whole number of trials, got {k!r}")
    if not (math.isfinite(log_estimate) and math.isfinite(standard_error) and math.isfinite(tau2)):
        raise ValueError("log_estimate, standard_error and tau2 must be finite")
    if standard_error <= 0 or tau2 < 0:
        raise ValueError(f"standard_error must be positive and tau2 non-negative, got {standard_error!r}, {tau2!r}")
    _z_for_level(level)  # validates level
    if k < 3:
        return None
    t = float(special.stdtrit(int(k) - 2, 1.0 - (1.0 - level) / 2.0))
    half_width = t * math.sqrt(tau2 + standard_error**2)
    return log_estimate - half_width, log_estimate + half_width


def pool_random_effects(
    log_estimates: Sequence[float], standard_errors: Sequence[float], level: float = 0.95
) -> PooledEstimate:
    """Pool log ratios (e.g. log HRs) across trials; returns ratios on the natural scale.

    DerSimonian–Laird random effects, with the inverse-variance fixed effect alongside
    so a reader can see how much between-trial heterogeneity widens the interval, and the
    95% prediction interval (`prediction_interval`; NaN for fewer than three trials).
    """
    estimates = np.asarray(log_estimates, dtype=float)
    errors = np.asarray(standard_errors, dtype=float)
    if estimates.ndim != 1 or errors.ndim != 1 or estimates.shape != errors.shape:
        raise ValueError("log_estimates and standard_errors must be 1-D sequences of equal length")
    k = int(estimates.size)
    if k < 2:
        raise ValueError(f"pooling needs at least 2 estimates, got {k}")
    if not (np.all(np.isfinite(estimates)) and np.all(np.isfinite(errors))):
        raise ValueError("log_estimates and standard_errors must be finite")
    if np.any(errors <= 0):
        raise ValueError("standard_errors must all be positive")
    z = _z_for_level(level)

    # Inverse-variance fixed effect.
    weights = 1.0 / errors**2
    fixed_log = float(np.sum(weights * estimates) / np.sum(weights))
    fixed_se = math.sqrt(1.0 / float(np.sum(weights)))

    # Cochran's Q and Higgins' I² = max(0, (Q - df) / Q).
    q = float(np.sum(weights * (estimates - fixed_log) ** 2))
    df = k - 1
    p_heterogeneity = float(special.chdtrc(df, q))
    i2 = 100.0 * max(0.0, (q - df) / q) if q > 0 else 0.0

    # DerSimonian–Laird (1986) method-of-moments between-study variance.
    scaling = float(np.sum(weights) - np.sum(weights**2) / np.sum(weights))
    tau2 = max(0.0, (q - df) / scaling) if scaling > 0 else 0.0
    random_weights = 1.0 / (errors**2 + tau2)
    random_log = float(np.sum(random_weights * estimates) / np.sum(random_weights))
    random_se = math.sqrt(1.0 / float(np.sum(random_weights)))
    predicted = prediction_interval(random_log, random_se, tau2, k, level)
    pi_low, pi_high = (math.exp(predicted[0]), math.exp(predicted[1])) if predicted else (math.nan, math.nan)

    return PooledEstimate(
        estimate=math.exp(random_log),
        ci_low=math.exp(random_log - z * random_se),
        ci_high=math.exp(random_log + z * random_se),
        tau2=tau2,
        i2=i2,
        q=q,
        df=df,
        p_heterogeneity=p_heterogeneity,
        k=k,
        fixed_estimate=math.exp(fixed_log),
        fixed_ci_low=math.exp(fixed_log - z * fixed_se),
        fixed_ci_high=math.exp(fixed_log + z * fixed_se),
        level=level,
        pi_low=pi_low,
        pi_high=pi_high,
    )
