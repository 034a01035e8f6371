"""Tests for evidence.survival against R's survival package on the NCCTG lung data."""

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_lung
from scipy import stats as scipy_stats

from evidence.model_caveats import caveat_lines, model_terms, nonproportional_hazards
from evidence.survival import (
    CURVE_EXPONENTIAL_PER_ARM,
    CURVE_NONE,
    CURVE_WEIBULL_PH,
    PLAUSIBLE_WEIBULL_SHAPE,
    ArmComparison,
    ExponentialArms,
    KaplanMeierResult,
    WeibullPH,
    choose_two_arm_curves,
    compare_two_arms,
    exponential_from_median,
    exponential_survival,
    kaplan_meier,
    model_survival_curves,
    number_at_risk,
    predicted_survival_at,
    survival_quantile,
    weibull_ph_from_medians_and_hr,
)

Z95 = scipy_stats.norm.ppf(0.975)
MALE, FEMALE = 1, 2


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    """lifelines' copy of R's survival::lung; status is recoded 1 = dead, 0 = censored (R: 2/1)."""
    frame = load_lung()
    assert set(frame["status"].unique()) == {0, 1}
    return frame


def _median_crossing(times: np.ndarray, curve: np.ndarray) -> float:
    """First time a curve drops to 0.5 or below, the rule R's print.survfit uses."""
    below = curve <= 0.5
    return float(times[np.argmax(below)]) if below.any() else math.inf


def _greenwood_by_hand(time, event):
    """Product-limit estimate and Greenwood variance sum written out from the risk table."""
    table = KaplanMeierFitter().fit(time, event).event_table
    at_risk = table["at_risk"].to_numpy(dtype=float)
    deaths = table["observed"].to_numpy(dtype=float)
    survival = np.cumprod(1 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), 0.0)
    return table.index.to_numpy(dtype=float), survival, np.cumsum(terms)


# --- Kaplan–Meier ---------------------------------------------------------------------


def test_overall_kaplan_meier_matches_r_survfit(lung):
    # R: survfit(Surv(time, status) ~ 1, lung) -> n 228, events 165, median 310.
    result = kaplan_meier(lung["time"], lung["status"], "All patients")
    assert isinstance(result, KaplanMeierResult)
    assert (result.n, result.events, result.median) == (228, 165, 310.0)
    assert result.label == "All patients"
    assert len(result.censor_times) == 228 - 165
    assert np.all(np.diff(result.censor_times) >= 0)


def test_median_ci_reproduces_r_with_the_log_transform(lung):
    # R's survfit default conf.type = "log" prints 0.95LCL 285, 0.95UCL 363 for the whole
    # cohort, 212-310 (male) and 348-550 (female). Rebuilding that interval from the same
    # risk table confirms the data and the Greenwood variance match R exactly.
    for subset, expected in [
        (lung, (310, 285, 363)),
        (lung[lung["sex"] == MALE], (270, 212, 310)),
        (lung[lung["sex"] == FEMALE], (426, 348, 550)),
    ]:
        times, survival, greenwood = _greenwood_by_hand(subset["time"], subset["status"])
        half_width = Z95 * np.sqrt(greenwood)
        low, high = survival * np.exp(-half_width), np.minimum(1.0, survival * np.exp(half_width))
        assert (
            _median_crossing(times, survival),
            _median_crossing(times, low),
            _median_crossing(times, high),
        ) == expected


def test_kaplan_meier_uses_log_log_interval(lung):
    # lifelines' exponential Greenwood interval is the log(-log) transform (R conf.type = "log-log"),
    # so its median CI (284-361) sits one event time below R's default "log" CI (285-363).
    result = kaplan_meier(lung["time"], lung["status"], "All patients")
    times, survival, greenwood = _greenwood_by_hand(lung["time"], lung["status"])
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = Z95 * np.sqrt(greenwood) / np.log(survival)
    low, high = survival ** np.exp(-theta), survival ** np.exp(theta)
    curve = result.curve.set_index("time").loc[times]
    interior = (survival > 0) & (survival < 1)
    assert np.allclose(curve["survival"].to_numpy(), survival)
    assert np.allclose(curve["ci_low"].to_numpy()[interior], low[interior])
    assert np.allclose(curve["ci_high"].to_numpy()[interior], high[interior])
    expected_median_ci = (_median_crossing(times, low), _median_crossing(times, high))
    assert (result.median_ci_low, result.median_ci_high) == expected_median_ci
    assert (result.median_ci_low, result.median_ci_high) == (284.0, 361.0)


def test_kaplan_meier_by_sex_matches_r_medians(lung):
    # R: survfit(Surv(time, status) ~ sex, lung) medians 270 (male) and 426 (female) days.
    male = lung[lung["sex"] == MALE]
    female = lung[lung["sex"] == FEMALE]
    male_result = kaplan_meier(male["time"], male["status"], "Male")
    female_result = kaplan_meier(female["time"], female["status"], "Female")
    assert (male_result.n, male_result.events, male_result.median) == (138, 112, 270.0)
    assert (female_result.n, female_result.events, female_result.median) == (90, 53, 426.0)
    assert male_result.median_ci_low <= 270 <= male_result.median_ci_high
    assert female_result.median_ci_low <= 426 <= female_result.median_ci_high


def test_kaplan_meier_curve_is_tidy(lung):
    curve = kaplan_meier(lung["time"], lung["status"], "All").curve
    assert list(curve.columns) == ["time", "survival", "ci_low", "ci_high"]
    assert curve["time"].iloc[0] == 0.0 and curve["survival"].iloc[0] == 1.0
    assert curve["time"].is_monotonic_increasing
    assert curve["survival"].is_monotonic_decreasing
    assert (curve["ci_low"] <= curve["survival"] + 1e-12).all()
    assert (curve["survival"] <= curve["ci_high"] + 1e-12).all()


def test_kaplan_meier_small_hand_example():
    # Times 1,2+,3,4: S = 3/4 after t=1, then 3/4 * 1/2 = 3/8 after t=3, 0 after t=4.
    result = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 1], "toy")
    survival_at = dict(zip(result.curve["time"], result.curve["survival"]))
    assert survival_at[1.0] == pytest.approx(0.75)
    assert survival_at[3.0] == pytest.approx(0.375)
    assert survival_at[4.0] == pytest.approx(0.0)
    assert result.median == 3.0
    assert list(result.censor_times) == [2.0]
    assert (result.n, result.events) == (4, 3)


def test_median_not_reached_is_infinite():
    result = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 0, 0, 0], "mostly censored")
    assert math.isinf(result.median)


def test_kaplan_meier_rejects_bad_event_codes(lung):
    with pytest.raises(ValueError, match="event"):
        # R's own coding (1 censored, 2 dead) must be recoded first.
        kaplan_meier(lung["time"], lung["status"] + 1, "R coding")
    with pytest.raises(ValueError):
        kaplan_meier([1, -2], [1, 1], "negative time")


# --- number at risk -------------------------------------------------------------------


def test_number_at_risk_by_direct_counting(lung):
    assert number_at_risk([1, 2, 2, 5, 8], [0, 2, 3, 8, 9]) == [5, 4, 2, 1, 0]
    at_times = [0, 250, 500, 750, 1000]
    expected = [sum(1 for t in lung["time"] if t >= landmark) for landmark in at_times]
    assert number_at_risk(lung["time"], at_times) == expected
    assert number_at_risk(lung["time"], [0])[0] == 228


# --- two-arm comparison ---------------------------------------------------------------


def test_compare_two_arms_matches_r_survdiff_and_coxph(lung):
    comparison = compare_two_arms(
        lung["time"], lung["status"], lung["sex"], experimental=FEMALE, control=MALE
    )
    assert isinstance(comparison, ArmComparison)
    # R: survdiff(Surv(time, status) ~ sex, lung) -> Chisq = 10.3 on 1 df, p = 0.00131.
    assert comparison.logrank_chi2 == pytest.approx(10.3, abs=0.05)
    assert comparison.logrank_p == pytest.approx(0.00131, abs=5e-6)
    # R: coxph(Surv(time, status) ~ sex, lung) -> exp(coef) 0.588, 95% CI 0.424-0.816, p = 0.00149.
    assert comparison.hazard_ratio == pytest.approx(0.588, abs=5e-4)
    assert comparison.hr_ci_low == pytest.approx(0.424, abs=5e-4)
    assert comparison.hr_ci_high == pytest.approx(0.816, abs=5e-4)
    assert comparison.hr_p == pytest.approx(0.00149, abs=5e-6)
    assert (comparison.n_experimental, comparison.n_control) == (90, 138)


def test_swapping_arms_inverts_the_hazard_ratio(lung):
    forward = compare_two_arms(lung["time"], lung["status"], lung["sex"], FEMALE, MALE)
    backward = compare_two_arms(lung["time"], lung["status"], lung["sex"], MALE, FEMALE)
    assert backward.hazard_ratio == pytest.approx(1 / forward.hazard_ratio, rel=1e-5)
    assert backward.hr_ci_low == pytest.approx(1 / forward.hr_ci_high, rel=1e-5)
    assert backward.logrank_chi2 == pytest.approx(forward.logrank_chi2, rel=1e-9)


def test_compare_two_arms_needs_both_arms(lung):
    with pytest.raises(ValueError, match="both arms"):
        compare_two_arms(lung["time"], lung["status"], lung["sex"], experimental=3, control=MALE)


# --- model-based curves ---------------------------------------------------------------


def test_exponential_from_median_halves_at_the_median():
    rate = exponential_from_median(5.9)
    assert rate == pytest.approx(math.log(2) / 5.9)
    assert exponential_survival(rate, 5.9) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        exponential_from_median(0.0)


def test_weibull_ph_reproduces_medians_and_hazard_ratio():
    model = weibull_ph_from_medians_and_hr(5.9, 11.8, 0.60)
    assert isinstance(model, WeibullPH)
    assert model.shape == pytest.approx(-math.log(0.60) / math.log(11.8 / 5.9))
    assert model.survival("control", 5.9) == pytest.approx(0.5, abs=1e-12)
    assert model.survival("experimental", 11.8) == pytest.approx(0.5, abs=1e-12)
    times = np.array([0.5, 1.0, 3.0, 6.0, 12.0, 24.0])
    ratio = model.hazard("experimental", times) / model.hazard("control", times)
    assert np.allclose(ratio, 0.60, rtol=1e-12)
    assert model.hazard_ratio == pytest.approx(0.60)
    # Proportional hazards: S_e(t) = S_c(t) ** HR.
    assert np.allclose(model.survival("experimental", times), model.survival("control", times) ** 0.60)


def test_weibull_with_exponential_consistent_inputs_has_shape_one():
    # HR equal to the ratio of medians is exactly the exponential case.
    model = weibull_ph_from_medians_and_hr(6.0, 12.0, 0.5)
    assert model.shape == pytest.approx(1.0)
    exponential_control = exponential_survival(exponential_from_median(6.0), 3.0)
    assert model.survival("control", 3.0) == pytest.approx(exponential_control)


def test_weibull_handles_harmful_treatment_consistently():
    model = weibull_ph_from_medians_and_hr(10.0, 8.0, 1.3)
    assert model.shape > 0
    assert model.survival("experimental", 8.0) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("median_control", "median_experimental", "hazard_ratio"),
    [
        (5.9, 4.0, 0.60),  # HR says benefit, medians say harm
        (5.9, 8.0, 1.20),  # HR says harm, medians say benefit
        (5.9, 5.9, 0.60),  # equal medians
        (5.9, 8.0, 1.0),  # no hazard difference but different medians
        (5.9, 8.0, -0.5),
    ],
)
def test_weibull_rejects_inconsistent_inputs(median_control, median_experimental, hazard_ratio):
    with pytest.raises(ValueError):
        weibull_ph_from_medians_and_hr(median_control, median_experimental, hazard_ratio)


def test_model_survival_curves_are_tidy():
    model = weibull_ph_from_medians_and_hr(5.9, 11.8, 0.60)
    times = np.linspace(0, 24, 49)
    curves = model_survival_curves(model, times)
    assert list(curves.columns) == ["time", "arm", "survival"]
    assert len(curves) == 2 * len(times)
    assert set(curves["arm"]) == {"control", "experimental"}
    for _, arm_curve in curves.groupby("arm"):
        assert arm_curve["survival"].iloc[0] == pytest.approx(1.0)
        assert arm_curve["survival"].is_monotonic_decreasing


def test_predicted_survival_at_landmark():
    model = weibull_ph_from_medians_and_hr(5.9, 11.8, 0.60)
    at_twelve = predicted_survival_at(model, 12.0)
    control_12 = math.exp(-((12.0 / model.scale_control) ** model.shape))
    assert at_twelve["control"] == pytest.approx(control_12)
    assert at_twelve["experimental"] == pytest.approx(control_12**0.60)
    assert at_twelve["experimental"] > at_twelve["control"]


def test_exponential_arms_fallback():
    model = ExponentialArms.from_medians(5.9, 4.0)
    assert predicted_survival_at(model, 5.9)["control"] == pytest.approx(0.5)
    assert predicted_survival_at(model, 4.0)["experimental"] == pytest.approx(0.5)
    curves = model_survival_curves(model, [0, 4, 8])
    assert list(curves["arm"].unique()) == ["control", "experimental"]
    with pytest.raises(ValueError, match="arm"):
        model.survival("placebo", 1.0)


# --- R's quantile rule (survival::quantile.survfit) -------------------------------------

# R's own test data (survival package, tests/quantile.R): the row with status NA is dropped.
R_TEST1 = pd.DataFrame(
    {"time": [9, 1, 1, 6, 6, 8, 10], "status": [1, 1, 0, 1, 1, 0, 0], "x": [0, 1, 1, 1, 0, 0, 0]}
)
R_TEST1_QQ = [13 / 14, 6 / 7, 2 / 3, 0.5, 9 / 35, 0.1]  # survival levels; R asks quantile(fit, 1 - qq)


def _log_band(time, status):
    """R's default conf.type = "log" band, written out from the risk table (NA where S = 0)."""
    times, survival, greenwood = _greenwood_by_hand(time, status)
    half = Z95 * np.sqrt(greenwood)
    with np.errstate(invalid="ignore"):
        low = np.where(survival > 0, survival * np.exp(-half), np.nan)
        high = np.where(survival > 0, np.minimum(1.0, survival * np.exp(half)), np.nan)
    return times, survival, low, high


def _r(values):
    """R's NA ("not reached") is +inf here."""
    return [math.inf if v is None else float(v) for v in values]


def test_median_of_one_to_six_is_r_midpoint_not_lifelines_next_event():
    # R: survfit(Surv(1:6, rep(1, 6)) ~ 1) prints median 3.5: S is 0.5 on [3, 4). The product
    # 5/6 * 4/5 * 3/4 is 0.5000000000000001 in floating point, so lifelines says 4.0.
    assert KaplanMeierFitter().fit(np.arange(1, 7), np.ones(6)).median_survival_time_ == 4.0
    result = kaplan_meier(np.arange(1, 7), np.ones(6), "1..6")
    assert result.median == 3.5
    # The upper band never goes below 0.5 before S reaches 0, where it is undefined: R prints NA.
    assert math.isinf(result.median_ci_high)
    assert result.median_ci_low < 3.5


def test_survival_quantile_matches_r_quantile_tests_on_the_curve():
    # tests/quantile.R: quantile(fit1, 1 - qq) == c(1, 3.5, 6, 9, 9.5, NA): a jump, a flat at the
    # level (midpoint), a flat at the end of the curve (midpoint with the last time), never reached.
    result = kaplan_meier(R_TEST1.time, R_TEST1.status, "test1")
    curve = result.curve
    found = [survival_quantile(curve.time, curve.survival, 1 - q) for q in R_TEST1_QQ]
    assert found == _r([1, 3.5, 6, 9, 9.5, None])
    assert result.median == 9.0


@pytest.mark.parametrize(
    ("x", "quantiles", "lower"),
    [
        # R: quantile(survfit(Surv(time, status) ~ x, test1), 1 - qq): per curve, and $lower.
        (0, [6, 6, 9, 9, None, None], [6, 6, 6, 6, 9, 9]),
        (1, [1, 1, 3.5, 6, 6, 6], [1, 1, 1, 1, None, None]),
        (None, [1, 3.5, 6, 9, 9.5, None], [1, 1, 1, 6, 6, 9]),
    ],
)
def test_survival_quantile_and_ci_limits_match_r_on_its_log_band(x, quantiles, lower):
    data = R_TEST1 if x is None else R_TEST1[R_TEST1.x == x]
    times, survival, low, high = _log_band(data.time, data.status)
    qs = [1 - q for q in R_TEST1_QQ]
    assert [survival_quantile(times, survival, p) for p in qs] == _r(quantiles)
    assert [survival_quantile(times, low, p) for p in qs] == _r(lower)
    assert all(math.isinf(survival_quantile(times, high, p)) for p in qs)  # R: upper all NA


def test_lung_medians_and_r_log_ci_unchanged_by_the_r_rule(lung):
    # The flat-at-0.5 rule must not move the lung results R prints (310 [285, 363]).
    times, survival, low, high = _log_band(lung["time"], lung["status"])
    assert (survival_quantile(times, survival), survival_quantile(times, low), survival_quantile(times, high)) == (
        310.0, 285.0, 363.0,
    )


# --- edge cases: zero times, one patient, S = 0 ----------------------------------------


def test_band_is_missing_where_survival_is_zero_and_never_above_one():
    result = kaplan_meier([1, 2, 3, 4, 5, 6], [1] * 6, "all die")
    curve = result.curve
    at_zero = curve.survival == 0
    assert at_zero.any() and curve.loc[at_zero, ["ci_low", "ci_high"]].isna().all().all()
    defined = curve.loc[~at_zero]
    assert defined[["ci_low", "ci_high"]].notna().all().all()
    assert (defined.ci_high <= 1.0).all() and (defined.ci_low >= 0.0).all()
    assert (curve.survival <= 1.0).all()


def test_single_patient_has_a_median_and_no_ci():
    # R: survfit(Surv(5, 1) ~ 1): median 5, 0.95LCL NA, 0.95UCL NA.
    result = kaplan_meier([5.0], [1], "one")
    assert result.median == 5.0
    assert math.isinf(result.median_ci_low) and math.isinf(result.median_ci_high)
    assert result.notes == ("a single patient: no confidence interval",)
    censored = kaplan_meier([5.0], [0], "one censored")
    assert math.isinf(censored.median) and censored.curve.survival.tolist() == [1.0, 1.0]


def test_events_at_time_zero_start_the_curve_at_one_and_are_noted():
    result = kaplan_meier([0, 0, 1, 2], [1, 1, 0, 1], "zeros")
    curve = result.curve
    assert curve.time.iloc[0] == 0.0 and curve.survival.iloc[0] == 1.0
    assert curve.survival.iloc[1] == pytest.approx(0.5)  # 2 of 4 at time 0
    assert result.median == 1.0  # R rule: S = 0.5 on [0, 2) -> flat at the level: (0 + 2) / 2
    assert result.notes == ("2 events at time 0 (counted at the start of follow-up)",)


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([1, -2, 3], [1, 1, 1], "negative at position 2"),
        ([1, float("nan"), 3], [1, 1, 1], "missing or infinite at position 2"),
        ([1, 2], [1, 2], "other codes at position 2"),
        ([], [], "no patients"),
    ],
)
def test_bad_times_give_a_message_with_the_position(time, event, message):
    with pytest.raises(ValueError, match=message):
        kaplan_meier(time, event, "bad")


# --- Cox fits without a finite maximum ----------------------------------------------------


def _logrank_by_hand(time, event, experimental):
    """Mantel–Cox chi-square (R's survdiff, rho = 0) from the risk sets."""
    time, event, experimental = map(np.asarray, (time, event, experimental))
    observed = expected = variance = 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n, n_e = at_risk.sum(), (at_risk & experimental).sum()
        d = ((time == t) & (event == 1)).sum()
        observed += ((time == t) & (event == 1) & experimental).sum()
        expected += d * n_e / n
        variance += d * n_e * (n - n_e) * (n - d) / (n**2 * (n - 1)) if n > 1 else 0.0
    return (observed - expected) ** 2 / variance


def test_no_events_in_control_arm_reports_not_estimable_and_keeps_log_rank():
    time, event, arm = [1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0], ["E", "E", "E", "C", "C", "C"]
    result = compare_two_arms(time, event, arm, "E", "C")
    assert result.hazard_ratio is None and result.hr_ci_low is None and result.hr_ci_high is None
    assert not result.hr_estimable
    assert result.hr_reason.startswith("no events in the control arm")
    expected = _logrank_by_hand(time, event, np.array(arm) == "E")
    assert expected == pytest.approx(3.4225 / 0.6775)  # (3 - 1.15)^2 / 0.6775
    assert result.logrank_chi2 == pytest.approx(expected, rel=1e-12)
    assert result.logrank_p == pytest.approx(scipy_stats.chi2.sf(expected, 1), rel=1e-9)


def test_no_events_in_experimental_arm_points_the_other_way():
    result = compare_two_arms([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 1], list("EEECCC"), "E", "C")
    assert result.hazard_ratio is None and "experimental arm" in result.hr_reason and "tends to 0" in result.hr_reason


def test_no_events_at_all_is_not_a_lifelines_convergence_error():
    result = compare_two_arms([1, 2, 3, 4], [0, 0, 0, 0], list("EECC"), "E", "C")
    assert (result.logrank_chi2, result.logrank_p, result.hazard_ratio) == (None, None, None)
    assert result.hr_reason == result.logrank_reason == "no events in either arm, so there is nothing to compare"


@pytest.mark.parametrize(
    ("time", "direction"),
    [
        ([1, 2, 3, 4, 5, 6], "tends to infinity"),  # every experimental patient fails first
        ([4, 5, 6, 1, 2, 3], "tends to 0"),  # every control patient fails first
    ],
)
def test_complete_separation_is_not_estimable(time, direction):
    result = compare_two_arms(time, [1] * 6, list("EEECCC"), "E", "C")
    assert result.hazard_ratio is None
    assert result.hr_reason.startswith("complete separation") and direction in result.hr_reason
    assert result.logrank_p is not None and 0 < result.logrank_p < 1


def test_overlapping_arms_stay_estimable():
    result = compare_two_arms([1, 4, 3, 2, 5, 6], [1] * 6, list("EEECCC"), "E", "C")
    assert result.hr_estimable and result.hr_reason is None
    assert 0 < result.hr_ci_low < result.hazard_ratio < result.hr_ci_high < math.inf


# --- which model curve the published numbers support -------------------------------------


def test_paso_pfs_numbers_force_an_implausible_weibull_shape():
    choice = choose_two_arm_curves(6.6, 5.6, 1.80)
    assert choice.kind == CURVE_EXPONENTIAL_PER_ARM
    assert isinstance(choice.model, ExponentialArms)
    assert choice.model.rate_control == pytest.approx(math.log(2) / 6.6)
    assert "force a Weibull shape of 3.58, outside the plausible 0.5–3" in choice.reason
    # 90% with the event by median * (ln 10 / ln 2) ** (1 / 3.58) = 1.40 medians.
    assert "90% of patients would have the event by 1.40 times the median" in choice.reason
    # The joint Weibull pair would leave almost nobody event-free at month 12.
    weibull = weibull_ph_from_medians_and_hr(6.6, 5.6, 1.80)
    assert max(predicted_survival_at(weibull, 12.0).values()) < 0.01


@pytest.mark.parametrize(
    ("hazard_ratio", "kind"),
    [
        (0.5**0.51, CURVE_WEIBULL_PH),  # medians 6 vs 12 with HR 0.5 ** k give shape k
        (0.5**2.99, CURVE_WEIBULL_PH),
        (0.5**0.49, CURVE_EXPONENTIAL_PER_ARM),
        (0.5**3.01, CURVE_EXPONENTIAL_PER_ARM),
    ],
)
def test_plausible_shape_range_is_closed(hazard_ratio, kind):
    assert PLAUSIBLE_WEIBULL_SHAPE == (0.5, 3.0)
    assert choose_two_arm_curves(6.0, 12.0, hazard_ratio).kind == kind


def test_documented_nonproportionality_draws_nothing_even_with_a_plausible_shape():
    why = "E2100 reports that hazards were not proportional (treatment × time interaction P < 0.001; X)"
    choice = choose_two_arm_curves(5.9, 11.8, 0.60, nonproportional=why)
    assert (choice.kind, choice.model) == (CURVE_NONE, None)
    assert choice.reason.startswith(f"No model curve: {why}.")
    assert "constant hazard ratio" in choice.reason
    assert choose_two_arm_curves(5.9, 11.8, 0.60).kind == CURVE_WEIBULL_PH  # shape 0.74 otherwise


def test_no_hr_or_inconsistent_hr_draws_each_arm_from_its_median():
    assert choose_two_arm_curves(5.9, 11.8, None).reason == (
        "No published hazard ratio: each arm is drawn from its own median alone (exponential, constant hazard)."
    )
    mismatch = choose_two_arm_curves(5.9, 11.8, 1.5)
    assert mismatch.kind == CURVE_EXPONENTIAL_PER_ARM and "opposite directions" in mismatch.reason


# --- the caveats curated from the E2100 paper --------------------------------------------

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"


@pytest.fixture(scope="module")
def curated(data):
    """The bundled data set (the session's `data`, tests/unit/conftest.py)."""
    return data


def test_e2100_interactions_are_the_papers_sentences(curated):
    raw = (SEEDS / "003_2cad024a8f24bc14.txt").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"-\s*\n\s*", "", raw).split())  # undo line-end hyphenation
    # Results, Efficacy (follows the PFS result, before the overall-survival sentences).
    assert (
        "A Cox regression model including treatment (P<0.001) and the interaction between treatment and time "
        "(P<0.001) showed that the effect of treatment declined with time." in text
    )
    assert "The effect of bevacizumab declined significantly with age treated as a continuous variable (P = 0.04)." in text
    # Multivariate model, same section.
    assert (
        "the interaction between treatment assign ment and age (P = 0.02), and the interaction between treatment "
        "assignment and time (P<0.001)." in text
    )
    rows = model_terms(curated.comparisons, "E2100", "PFS")
    got = [(r.term, r.analysis, r.p_text, r.statistic) for r in rows.itertuples()]
    assert got == [
        ("treatment × time interaction", "exploratory", "<0.001", "p_only"),
        ("treatment × age interaction", "exploratory", "0.04", "p_only"),
        ("treatment × time interaction", "sensitivity", "<0.001", "p_only"),
        ("treatment × age interaction", "sensitivity", "0.02", "p_only"),
    ]
    assert all(source.startswith("E2100_NEJM2007: Results, Efficacy") for source in rows.source)
    assert model_terms(curated.comparisons, "E2100", "OS").empty
    assert model_terms(curated.comparisons, "PASO", "PFS").empty


def test_caveat_texts(curated):
    assert nonproportional_hazards(curated.comparisons, "E2100", "PFS") == (
        "E2100 reports that hazards were not proportional (treatment × time interaction P < 0.001; "
        "E2100_NEJM2007: Results, Efficacy)"
    )
    assert caveat_lines(curated.comparisons, "E2100", "PFS") == [
        "treatment × time interaction P < 0.001 (sensitivity: P < 0.001) — hazards not proportional, "
        "the effect changed over time",
        "treatment × age interaction P = 0.04 (sensitivity: P = 0.02) — the effect changed with age",
    ]
    assert nonproportional_hazards(curated.comparisons, "E2100", "OS") is None
    assert nonproportional_hazards(curated.comparisons, "PASO", "PFS") is None


def test_a_non_significant_time_interaction_is_not_non_proportionality():
    rows = pd.DataFrame(
        [dict(trial_id="T", endpoint="PFS", statistic="p_only", analysis="exploratory", term="treatment × time interaction",
              p_value=0.30, p_text="0.30", source="DOC: Results")]
    )  # fmt: skip
    assert nonproportional_hazards(rows, "T", "PFS") is None
    assert caveat_lines(rows, "T", "PFS") == ["treatment × time interaction P = 0.30"]
