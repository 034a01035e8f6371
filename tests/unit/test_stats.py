"""Tests for evidence.stats against published reference values and hand calculations."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scipy import stats as scipy_stats

from evidence.stats import (
    PooledEstimate,
    counts_from_percent,
    invert_ratio,
    log_se_from_ci,
    pool_random_effects,
    prediction_interval,
    proportion_ci,
    risk_difference_ci,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
Z95 = scipy_stats.norm.ppf(0.975)


# --- proportion_ci -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "n", "r_low", "r_high"),
    [
        # R: binom.test(c(682, 243), p = 3/4), the example in R's ?binom.test.
        (682, 925, 0.7076683, 0.7654066),
        # R: binom.test(7, 20)
        (7, 20, 0.1539092, 0.5921885),
        # R: binom.test(28, 30); upper bound confirmed independently by solving
        # P(X <= 28 | n = 30, p) = 0.025 (gives 0.9918219, not 0.9918213).
        (28, 30, 0.7792646, 0.9918219),
        # R: binom.test(9, 24)
        (9, 24, 0.1879929, 0.5940636),
    ],
)
def test_clopper_pearson_matches_r_binom_test(count, n, r_low, r_high):
    low, high = proportion_ci(count, n)
    assert low == pytest.approx(100 * r_low, abs=1e-5)
    assert high == pytest.approx(100 * r_high, abs=1e-5)


@pytest.mark.parametrize(("count", "n"), [(28, 30), (21, 30), (13, 30), (12, 30), (1, 7), (50, 51)])
def test_clopper_pearson_is_the_exact_binomial_tail_inversion(count, n):
    # Definition: lower bound has P(X >= count) = 2.5%, upper has P(X <= count) = 2.5%.
    low, high = proportion_ci(count, n)
    assert scipy_stats.binom.sf(count - 1, n, low / 100) == pytest.approx(0.025, abs=1e-9)
    assert scipy_stats.binom.cdf(count, n, high / 100) == pytest.approx(0.025, abs=1e-9)


def test_clopper_pearson_edges_are_closed():
    assert proportion_ci(0, 10)[0] == 0.0
    assert proportion_ci(10, 10)[1] == 100.0
    # Known closed forms at the edges: upper bound for 0/n is 1 - (alpha/2)^(1/n).
    assert proportion_ci(0, 10)[1] == pytest.approx(100 * (1 - 0.025 ** (1 / 10)), abs=1e-9)
    assert proportion_ci(10, 10)[0] == pytest.approx(100 * 0.025 ** (1 / 10), abs=1e-9)


def test_wilson_matches_closed_form_and_r_prop_test():
    # Closed form of the Wilson score interval, written out independently.
    count, n = 7, 20
    p = count / n
    z = Z95
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    low, high = proportion_ci(count, n, method="wilson")
    assert low == pytest.approx(100 * (centre - half), abs=1e-9)
    assert high == pytest.approx(100 * (centre + half), abs=1e-9)
    # R's prop.test(7, 20, correct = FALSE) reports this Wilson interval: 0.1811918 0.5671457
    # (value from the closed form above, not copied from an R session).
    assert low == pytest.approx(18.11918, abs=1e-4)
    assert high == pytest.approx(56.71457, abs=1e-4)


def test_wilson_is_inside_zero_to_hundred_at_edges():
    assert proportion_ci(0, 5, method="wilson")[0] == pytest.approx(0.0, abs=1e-12)
    assert proportion_ci(5, 5, method="wilson")[1] == pytest.approx(100.0, abs=1e-12)


def test_other_levels_narrow_the_interval():
    low90, high90 = proportion_ci(7, 20, level=0.90)
    low95, high95 = proportion_ci(7, 20, level=0.95)
    assert low95 < low90 < 35 < high90 < high95


@pytest.mark.parametrize(
    ("count", "n"), [(-1, 10), (11, 10), (3, 0), (3, -5), (2.5, 10), (True, 10)]
)
def test_proportion_ci_rejects_impossible_counts(count, n):
    with pytest.raises(ValueError):
        proportion_ci(count, n)


def test_proportion_ci_rejects_unknown_method_and_level():
    with pytest.raises(ValueError, match="unknown method"):
        proportion_ci(3, 10, method="wald")
    with pytest.raises(ValueError, match="level"):
        proportion_ci(3, 10, level=95)


# --- risk_difference_ci ----------------------------------------------------------------


def test_newcombe_hybrid_score_matches_published_example():
    # Newcombe (1998) Stat Med 17:873, Table II: 56/70 vs 48/80, method 10 -> 0.2000 (0.0524, 0.3339).
    difference, low, high = risk_difference_ci(56, 70, 48, 80)
    assert difference == pytest.approx(20.00, abs=1e-9)
    assert low == pytest.approx(5.24, abs=0.005)
    assert high == pytest.approx(33.39, abs=0.005)


def test_newcombe_is_antisymmetric_when_arms_swap():
    difference, low, high = risk_difference_ci(28, 30, 21, 30)
    swapped = risk_difference_ci(21, 30, 28, 30)
    assert swapped == pytest.approx((-difference, -high, -low))


def test_risk_difference_validates_both_arms():
    with pytest.raises(ValueError, match="count_c"):
        risk_difference_ci(5, 10, 12, 10)
    with pytest.raises(ValueError, match="count_e"):
        risk_difference_ci(-1, 10, 2, 10)


# --- counts_from_percent --------------------------------------------------------------


@pytest.mark.parametrize(
    ("pct", "n", "decimals", "expected"),
    [
        (93.3, 30, 1, 28),
        (70.0, 30, 1, 21),
        (43.3, 30, 1, 13),
        (40.0, 30, 1, 12),
        (33.3, 300, 1, 100),
        (43, 7, 0, 3),
        (0.0, 50, 1, 0),
        (100.0, 50, 1, 50),
        (12.5, 8, 1, 1),
    ],
)
def test_counts_from_percent_recovers_unique_count(pct, n, decimals, expected):
    assert counts_from_percent(pct, n, decimals) == expected


def test_counts_from_percent_returns_none_when_ambiguous():
    # 299/3000, 300/3000 and 301/3000 all print as 10.0%.
    assert counts_from_percent(10.0, 3000, 1) is None


def test_counts_from_percent_returns_none_when_impossible():
    # No k/3 prints as 50.0%.
    assert counts_from_percent(50.0, 3, 1) is None


def test_counts_from_percent_accepts_either_rounding_on_a_half_boundary():
    # 1/8 = 12.5% prints as 12% (half-even) or 13% (half-up); both must map back to 1.
    assert counts_from_percent(12, 8, 0) == 1
    assert counts_from_percent(13, 8, 0) == 1


@pytest.mark.parametrize(
    ("pct", "n", "decimals"),
    [(-1.0, 10, 1), (100.5, 10, 1), (50.0, 0, 1), (50.0, 10, -1), (float("nan"), 10, 1)],
)
def test_counts_from_percent_rejects_bad_input(pct, n, decimals):
    with pytest.raises(ValueError):
        counts_from_percent(pct, n, decimals)


# --- ratio helpers -------------------------------------------------------------------


def test_invert_ratio_flips_estimate_and_swaps_bounds():
    assert invert_ratio(0.5, 0.25, 0.8) == pytest.approx((2.0, 1.25, 4.0))
    with pytest.raises(ValueError):
        invert_ratio(0.0, 0.1, 0.9)


def test_log_se_from_ci_recovers_the_standard_error():
    log_hr, se = math.log(0.6), 0.12
    low, high = math.exp(log_hr - Z95 * se), math.exp(log_hr + Z95 * se)
    assert log_se_from_ci(low, high) == pytest.approx(se, rel=1e-12)
    # R coxph(Surv(time, status) ~ sex, lung): CI 0.4237-0.8160, se(coef) 0.1672.
    assert log_se_from_ci(0.4237, 0.8160) == pytest.approx(0.1672, abs=5e-4)
    with pytest.raises(ValueError):
        log_se_from_ci(0.8, 0.4)


# --- pool_random_effects --------------------------------------------------------------


def _dersimonian_laird_by_hand(estimates, errors):
    """Textbook DerSimonian–Laird, written out term by term for the test."""
    weights = [1 / s**2 for s in errors]
    sum_w = sum(weights)
    fixed = sum(w * y for w, y in zip(weights, estimates)) / sum_w
    q = sum(w * (y - fixed) ** 2 for w, y in zip(weights, estimates))
    df = len(estimates) - 1
    c = sum_w - sum(w**2 for w in weights) / sum_w
    tau2 = max(0.0, (q - df) / c)
    random_weights = [1 / (s**2 + tau2) for s in errors]
    pooled = sum(w * y for w, y in zip(random_weights, estimates)) / sum(random_weights)
    pooled_se = math.sqrt(1 / sum(random_weights))
    i2 = max(0.0, (q - df) / q) * 100
    return fixed, math.sqrt(1 / sum_w), q, tau2, pooled, pooled_se, i2


def test_dersimonian_laird_matches_hand_calculation():
    estimates = [math.log(0.50), math.log(0.80), math.log(1.10)]
    errors = [0.10, 0.15, 0.12]
    fixed, fixed_se, q, tau2, pooled, pooled_se, i2 = _dersimonian_laird_by_hand(estimates, errors)
    assert tau2 > 0  # the example is deliberately heterogeneous

    result = pool_random_effects(estimates, errors)
    assert isinstance(result, PooledEstimate)
    assert result.method == "DerSimonian–Laird"
    assert (result.k, result.df) == (3, 2)
    assert result.q == pytest.approx(q, rel=1e-12)
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert result.i2 == pytest.approx(i2, rel=1e-12)
    assert result.p_heterogeneity == pytest.approx(scipy_stats.chi2.sf(q, 2), rel=1e-12)
    assert result.estimate == pytest.approx(math.exp(pooled), rel=1e-12)
    assert result.ci_low == pytest.approx(math.exp(pooled - Z95 * pooled_se), rel=1e-12)
    assert result.ci_high == pytest.approx(math.exp(pooled + Z95 * pooled_se), rel=1e-12)
    assert result.fixed_estimate == pytest.approx(math.exp(fixed), rel=1e-12)
    assert result.fixed_ci_low == pytest.approx(math.exp(fixed - Z95 * fixed_se), rel=1e-12)
    assert result.fixed_ci_high == pytest.approx(math.exp(fixed + Z95 * fixed_se), rel=1e-12)
    # Heterogeneity widens the random-effects interval.
    assert result.ci_high / result.ci_low > result.fixed_ci_high / result.fixed_ci_low


def test_two_study_pooling_by_hand():
    # Two studies, numbers small enough to check on paper:
    # w = 1/0.2² = 25 and 1/0.1² = 100; fixed = (25·0 + 100·ln 2)/125 = 0.8 ln 2.
    estimates, errors = [0.0, math.log(2.0)], [0.2, 0.1]
    fixed = 0.8 * math.log(2.0)
    q = 25 * fixed**2 + 100 * (math.log(2.0) - fixed) ** 2
    tau2 = (q - 1) / (125 - (25**2 + 100**2) / 125)
    result = pool_random_effects(estimates, errors)
    assert result.fixed_estimate == pytest.approx(2.0**0.8, rel=1e-12)
    assert result.q == pytest.approx(q, rel=1e-12)
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert result.i2 == pytest.approx((q - 1) / q * 100, rel=1e-12)


def test_zero_heterogeneity_gives_fixed_effect():
    estimates = [math.log(0.7)] * 3
    result = pool_random_effects(estimates, [0.1, 0.2, 0.3])
    assert result.tau2 == 0.0
    assert result.i2 == 0.0
    assert result.q == pytest.approx(0.0, abs=1e-24)
    assert result.p_heterogeneity == pytest.approx(1.0)
    assert result.estimate == pytest.approx(result.fixed_estimate, rel=1e-12)
    assert result.estimate == pytest.approx(0.7, rel=1e-12)
    assert result.ci_low == pytest.approx(result.fixed_ci_low, rel=1e-12)
    assert result.ci_high == pytest.approx(result.fixed_ci_high, rel=1e-12)


def test_q_below_df_truncates_tau2_and_i2_at_zero():
    # Estimates much closer together than their standard errors suggest: Q < df.
    result = pool_random_effects([0.00, 0.01, -0.01], [0.3, 0.3, 0.3])
    assert result.q < result.df
    assert result.tau2 == 0.0
    assert result.i2 == 0.0
    assert result.estimate == pytest.approx(result.fixed_estimate, rel=1e-12)


def test_pooling_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        pool_random_effects([0.1], [0.1])
    with pytest.raises(ValueError, match="equal length"):
        pool_random_effects([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="positive"):
        pool_random_effects([0.1, 0.2], [0.1, 0.0])


def test_pooled_estimate_is_frozen():
    result = pool_random_effects([0.0, 0.5], [0.2, 0.2])
    with pytest.raises(AttributeError):
        result.estimate = 1.0  # type: ignore[misc]


# --- package hygiene -------------------------------------------------------------------


def test_evidence_package_never_imports_dash():
    code = "import evidence.stats, evidence.survival, sys; assert 'dash' not in sys.modules"
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=environment, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr


# --- prediction interval ----------------------------------------------------------------

# Colditz et al. (1994), the 13 BCG vaccine trials (metafor's dat.bcg): tpos, tneg, cpos, cneg.
BCG = [(4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619),
       (33, 5036, 47, 5761), (180, 1361, 372, 1079), (8, 2537, 10, 619),
       (505, 87886, 499, 87892), (29, 7470, 45, 7232), (17, 1699, 65, 1600),
       (186, 50448, 141, 27197), (5, 2493, 3, 2338), (27, 16886, 29, 17825)]  # fmt: skip


def _bcg_log_risk_ratios():
    """escalc(measure="RR"): log risk ratio and its large-sample variance per trial."""
    estimates, errors = [], []
    for tpos, tneg, cpos, cneg in BCG:
        estimates.append(math.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg))))
        errors.append(math.sqrt(1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)))
    return estimates, errors


def test_dersimonian_laird_on_the_bcg_trials_matches_metafor():
    """metafor's published rma(yi, vi, data=dat.bcg, method="DL") (log risk ratio): tau² 0.3088,
    I² 92.12%, Q(df = 12) 152.2330, estimate -0.7141, se 0.1787, 95% CI -1.0644 to -0.3638."""
    result = pool_random_effects(*_bcg_log_risk_ratios())
    assert (result.k, result.df) == (13, 12)
    assert result.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert result.i2 == pytest.approx(92.12, abs=5e-3)
    assert result.q == pytest.approx(152.2330, abs=5e-5)
    assert math.log(result.estimate) == pytest.approx(-0.7141, abs=5e-5)
    assert math.log(result.ci_low) == pytest.approx(-1.0644, abs=5e-5)
    assert math.log(result.ci_high) == pytest.approx(-0.3638, abs=5e-5)


def test_prediction_interval_on_the_bcg_trials_follows_higgins_2009():
    """Higgins, Thompson & Spiegelhalter (2009) section 3.6: mu ± t(k-2) sqrt(tau² + SE²), here
    from metafor's published DL fit (mu -0.7141, SE 0.1787, tau² 0.3088) and t(11, 0.975) =
    2.200985 (R: qt(0.975, 11)): -0.7141 ± 2.200985 × sqrt(0.3088 + 0.1787²) = -1.9989 to 0.5707."""
    half_width = 2.200985 * math.sqrt(0.3088 + 0.1787**2)
    assert (-0.7141 - half_width, -0.7141 + half_width) == pytest.approx((-1.9989, 0.5707), abs=1e-4)
    result = pool_random_effects(*_bcg_log_risk_ratios())
    assert result.has_prediction_interval
    assert math.log(result.pi_low) == pytest.approx(-1.9989, abs=5e-4)
    assert math.log(result.pi_high) == pytest.approx(0.5707, abs=5e-4)
    # Wider than the confidence interval for the mean: it adds tau² and uses t, not z.
    assert result.pi_low < result.ci_low and result.pi_high > result.ci_high
    direct = prediction_interval(-0.7141, 0.1787, 0.3088, 13)
    assert direct == pytest.approx((-1.9989, 0.5707), abs=1e-4)


def test_prediction_interval_is_undefined_below_three_trials():
    assert prediction_interval(0.1, 0.2, 0.05, 2) is None
    two = pool_random_effects([0.0, 0.5], [0.2, 0.2])
    assert not two.has_prediction_interval and math.isnan(two.pi_low) and math.isnan(two.pi_high)
    with pytest.raises(ValueError):
        prediction_interval(0.1, 0.0, 0.05, 5)
    with pytest.raises(ValueError):
        prediction_interval(0.1, 0.2, -0.1, 5)
