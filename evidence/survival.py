"""Survival analysis for trial evidence: Kaplan–Meier, log-rank/Cox, and model-based curves.

Patient-level data go through lifelines; trials that publish only medians and a
hazard ratio get parametric (exponential / Weibull proportional-hazards) curves.
Nothing draws and nothing imports dash.

lifelines is imported by the two functions that fit patient-level data, not here: importing it
(with the scipy parts it pulls in) takes ~0.8 s, and the bundled data hold no patient-level rows,
so a server that is never sent an upload with them never needs it. Every gunicorn start and
every export job's process starts that much sooner (tests/hosting/test_gunicorn.py checks that
building the app leaves lifelines unimported).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

ARM_CONTROL = "control"
ARM_EXPERIMENTAL = "experimental"


QUANTILE_TOLERANCE = math.sqrt(np.finfo(float).eps)
"""R's quantile.survfit default tolerance, sqrt(.Machine$double.eps): a curve within it of a
quantile level counts as lying exactly on it (so 0.5000000000000001 is a flat at 0.5)."""


def _positions(mask: np.ndarray, limit: int = 5) -> str:
    """'3, 7 and 9' (1-based positions), the first `limit` of them, for error messages."""
    found = [str(i + 1) for i in np.flatnonzero(mask)[:limit]]
    more = int(mask.sum()) - len(found)
    text = ", ".join(found) + (f" and {more} more" if more else "")
    return text


def _as_time_event(time: Sequence[float], event: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Validate follow-up times and event indicators (1/True = event, 0/False = censored).

    Errors name the offending positions (1-based) so a person can find the rows.
    """
    times = np.asarray(time, dtype=float)
    events = np.asarray(event)
    if times.ndim != 1 or events.ndim != 1 or times.shape != events.shape:
        raise ValueError("time and event must be 1-D sequences of equal length")
    if times.size == 0:
        raise ValueError("time and event must not be empty: no patients to analyse")
    if not np.all(np.isfinite(times)):
        raise ValueError(f"times must be finite numbers; missing or infinite at position {_positions(~np.isfinite(times))}")
    if np.any(times < 0):
        raise ValueError(f"times must be 0 or more; negative at position {_positions(times < 0)}")
    if not np.all(np.isin(events, (0, 1))):
        raise ValueError(
            f"event must be coded 1 (event) or 0 (censored); other codes at position {_positions(~np.isin(events, (0, 1)))}"
        )
    return times, events.astype(int)


def survival_quantile(
    times: Sequence[float], survival: Sequence[float], prob: float = 0.5, tolerance: float = QUANTILE_TOLERANCE
) -> float:
    """Time at which a step survival curve reaches probability `prob` of the event (0.5: the median).

    Follows R's survival::quantile.survfit (Therneau): on the cumulative-incidence scale y = 1 - S,
    the quantile is the first time y reaches prob; where the curve is flat at exactly prob (within
    `tolerance`), it is the midpoint of that flat and the next drop, and a flat at the end of the
    curve runs to the last time given. lifelines instead takes the first time with S <= 0.5 and no
    tolerance, so a rounding error of 1e-16 moves the median a whole event (times 1..6, all events:
    lifelines 4.0, R 3.5). Applied to a pointwise CI band it gives that limit of the median's CI
    (Brookmeyer–Crowley), as R does. NaN band values (S = 0 under log(-log)) are skipped, as R's
    approx() drops NA. Returns +inf when the curve never reaches prob (R: NA, "not reached").
    """
    # Curve points with time 0 prepended at S = 1, i.e. y = 0 (R's firstx).
    x = np.concatenate(([0.0], np.asarray(times, dtype=float)))
    y = np.concatenate(([0.0], 1.0 - np.asarray(survival, dtype=float)))
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    # R tests max(y) < p without tolerance; with it, a curve ending a rounding error short of
    # prob still counts as ending on it (R's own test expects 9.5 for such a flat end).
    if y.size == 0 or y.max() < prob - tolerance:
        return math.inf
    last_time = x[-1]
    # Censoring times repeat the level before them: keep each level's first time only.
    _, first = np.unique(y, return_index=True)
    first = np.sort(first)
    x, y = x[first], y[first]

    def first_reaching(levels: np.ndarray) -> int | None:
        # approx(levels, index, prob, method = "constant", f = 1): the first point at or above prob.
        order = np.argsort(levels, kind="stable")
        sorted_levels = levels[order]
        if prob < sorted_levels[0] or prob > sorted_levels[-1]:
            return None
        return int(order[np.searchsorted(sorted_levels, prob, side="left")])

    reach = first_reaching(y + tolerance)  # first point within tolerance of prob (or past it)
    beyond = first_reaching(y - tolerance)  # first point clearly past prob
    if prob == 0:
        return float(x[0])
    if reach is not None and abs(prob - y[-1]) < tolerance:  # the curve ends on a flat at prob
        return float((x[reach] + last_time) / 2.0)
    if reach is None or beyond is None:
        return math.inf
    return float((x[reach] + x[beyond]) / 2.0)


@dataclass(frozen=True)
class KaplanMeierResult:
    """One arm's Kaplan–Meier curve with its censoring marks and median survival."""

    label: str
    curve: pd.DataFrame  # columns: time, survival, ci_low, ci_high
    censor_times: np.ndarray
    median: float
    median_ci_low: float
    median_ci_high: float
    n: int
    events: int
    notes: tuple[str, ...] = ()


def kaplan_meier(time: Sequence[float], event: Sequence[Any], label: str) -> KaplanMeierResult:
    """Kaplan–Meier estimate for one arm, tidy for plotting, with median and its 95% CI.

    The median and its CI limits follow R's quantile.survfit (see `survival_quantile`); one the
    curve never reaches is +inf ("not reached"). The pointwise band is NaN where S = 0: the
    log(-log) interval is undefined there (R gives NA), and a band collapsed onto 0 would claim
    certainty. Events at time 0 start the curve with a drop at 0 from S = 1 and are listed in
    `notes`, as is a single patient (no CI is possible).
    """
    from lifelines import KaplanMeierFitter  # see the module's docstring

    times, events = _as_time_event(time, event)
    fitter = KaplanMeierFitter(alpha=0.05)
    fitter.fit(times, event_observed=events, label=label)
    # Pointwise CI is lifelines' default: exponential Greenwood, i.e. the log(-log)
    # transform (R's conf.type = "log-log"; R's survfit default is "log").
    ci = fitter.confidence_interval_survival_function_
    curve = pd.DataFrame(
        {
            "time": fitter.survival_function_.index.to_numpy(dtype=float),
            "survival": fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float),
            "ci_low": ci.iloc[:, 0].to_numpy(dtype=float).clip(0.0, 1.0),
            "ci_high": ci.iloc[:, 1].to_numpy(dtype=float).clip(0.0, 1.0),
        }
    )
    curve.loc[curve["survival"] <= 0.0, ["ci_low", "ci_high"]] = np.nan
    notes = []
    at_zero = int(np.count_nonzero((times == 0) & (events == 1)))
    if at_zero:
        # lifelines starts such a curve below 1 at t = 0; draw the drop from S = 1 at time 0.
        start = pd.DataFrame({"time": [0.0], "survival": [1.0], "ci_low": [1.0], "ci_high": [1.0]})
        curve = pd.concat([start, curve], ignore_index=True)
        notes.append(f"{at_zero} event{'s' if at_zero > 1 else ''} at time 0 (counted at the start of follow-up)")
    if times.size == 1:
        notes.append("a single patient: no confidence interval")
    return KaplanMeierResult(
        label=label,
        curve=curve,
        censor_times=np.sort(times[events == 0]),
        median=survival_quantile(curve["time"], curve["survival"]),
        median_ci_low=survival_quantile(curve["time"], curve["ci_low"]),
        median_ci_high=survival_quantile(curve["time"], curve["ci_high"]),
        n=int(times.size),
        events=int(events.sum()),
        notes=tuple(notes),
    )


def number_at_risk(time: Sequence[float], at_times: Sequence[float]) -> list[int]:
    """Patients still under observation (time >= t) at each t, for a risk table under a KM plot."""
    times = np.asarray(time, dtype=float)
    return [int(np.count_nonzero(times >= t)) for t in at_times]


@dataclass(frozen=True)
class ArmComparison:
    """Log-rank test and Cox hazard ratio (experimental vs control) for two arms.

    A statistic that cannot be computed is None, with the reason in `logrank_reason` or
    `hr_reason` (e.g. no events in one arm: the Cox partial likelihood has no finite maximum).
    """

    logrank_chi2: float | None
    logrank_p: float | None
    hazard_ratio: float | None
    hr_ci_low: float | None
    hr_ci_high: float | None
    hr_p: float | None
    n_experimental: int
    n_control: int
    logrank_reason: str | None = None
    hr_reason: str | None = None

    @property
    def hr_estimable(self) -> bool:
        return self.hazard_ratio is not None


def cox_not_estimable_reason(times: np.ndarray, events: np.ndarray, experimental: np.ndarray) -> str | None:
    """Why a Cox model on one 0/1 covariate has no finite maximum, or None when it has one.

    The log partial likelihood is concave in beta; it falls to -inf as beta -> +inf only if some
    event has covariate below the maximum of its risk set, and as beta -> -inf only if some event
    has covariate above the minimum. Without both, the likelihood is monotone ("monotone
    likelihood", Bryson & Johnson 1981): software stops at a huge or tiny HR (lifelines printed
    6.95e7 or 1.4e-8 with CI 0-inf) that means nothing.
    """
    x = experimental.astype(int)
    events_e, events_c = int(events[x == 1].sum()), int(events[x == 0].sum())
    if events_e + events_c == 0:
        return "no events in either arm, so there is nothing to compare"
    if events_c == 0:
        return "no events in the control arm, so the Cox likelihood has no finite maximum (HR tends to infinity)"
    if events_e == 0:
        return "no events in the experimental arm, so the Cox likelihood has no finite maximum (HR tends to 0)"
    below_max = above_min = False
    for t in np.unique(times[events == 1]):
        at_risk = x[times >= t]
        failed = x[(times == t) & (events == 1)]
        below_max |= bool((failed < at_risk.max()).any())
        above_min |= bool((failed > at_risk.min()).any())
        if below_max and above_min:
            return None
    if not below_max:
        return (
            "complete separation: no experimental-arm patient was still at risk at any control-arm event, "
            "so the Cox likelihood has no finite maximum (HR tends to infinity)"
        )
    return (
        "complete separation: no control-arm patient was still at risk at any experimental-arm event, "
        "so the Cox likelihood has no finite maximum (HR tends to 0)"
    )


def compare_two_arms(
    time: Sequence[float],
    event: Sequence[Any],
    group: Sequence[Any],
    experimental: Any,
    control: Any,
) -> ArmComparison:
    """Log-rank test and Cox HR of `experimental` vs `control`; rows in other groups are ignored.

    Where the HR has no finite estimate (see `cox_not_estimable_reason`) or lifelines does not
    converge, the HR fields are None with the reason; the log-rank result is kept. With no events
    at all the log-rank statistic is 0/0 and is None too.
    """
    from lifelines import CoxPHFitter  # see the module's docstring
    from lifelines.exceptions import ConvergenceError
    from lifelines.statistics import logrank_test

    times, events = _as_time_event(time, event)
    groups = np.asarray(group)
    if groups.shape != times.shape:
        raise ValueError("group must have the same length as time and event")
    in_experimental = groups == experimental
    in_control = groups == control
    if not in_experimental.any() or not in_control.any():
        raise ValueError(f"both arms need patients: experimental={experimental!r}, control={control!r}")
    keep = in_experimental | in_control
    counts = dict(n_experimental=int(in_experimental.sum()), n_control=int(in_control.sum()))

    if not events[keep].any():
        reason = "no events in either arm, so there is nothing to compare"
        return ArmComparison(None, None, None, None, None, None, **counts, logrank_reason=reason, hr_reason=reason)

    # Log-rank (Mantel–Cox) test, as R's survdiff with rho = 0.
    logrank = logrank_test(
        times[in_experimental],
        times[in_control],
        event_observed_A=events[in_experimental],
        event_observed_B=events[in_control],
    )
    logrank_fields = dict(logrank_chi2=float(logrank.test_statistic), logrank_p=float(logrank.p_value))
    no_hr = dict(hazard_ratio=None, hr_ci_low=None, hr_ci_high=None, hr_p=None)

    reason = cox_not_estimable_reason(times[keep], events[keep], in_experimental[keep])
    if reason is not None:
        return ArmComparison(**logrank_fields, **no_hr, **counts, hr_reason=reason)

    # Cox proportional hazards on a 0/1 experimental indicator; lifelines uses Efron ties,
    # the same default as R's coxph, and reports the Wald p-value and Wald CI.
    frame = pd.DataFrame(
        {"time": times[keep], "event": events[keep], "experimental": in_experimental[keep].astype(int)}
    )
    try:
        cox = CoxPHFitter().fit(frame, duration_col="time", event_col="event")
    except ConvergenceError as err:
        first_line = str(err).splitlines()[0]
        return ArmComparison(**logrank_fields, **no_hr, **counts, hr_reason=f"the Cox fit did not converge ({first_line})")
    summary = cox.summary.loc["experimental"]
    hr = float(summary["exp(coef)"])
    low, high = float(summary["exp(coef) lower 95%"]), float(summary["exp(coef) upper 95%"])
    if not all(math.isfinite(v) and v > 0 for v in (hr, low, high)):
        reason = f"the Cox fit gave no finite estimate with a finite 95% CI (HR {hr:g}, CI {low:g}–{high:g})"
        return ArmComparison(**logrank_fields, **no_hr, **counts, hr_reason=reason)
    return ArmComparison(
        **logrank_fields, hazard_ratio=hr, hr_ci_low=low, hr_ci_high=high, hr_p=float(summary["p"]), **counts
    )


# --- Model-based curves for trials that publish only summary numbers -----------------


def exponential_from_median(median: float) -> float:
    """Constant hazard rate whose survival S(t) = exp(-rate t) halves at `median`."""
    if not (math.isfinite(median) and median > 0):
        raise ValueError(f"median must be a positive finite time, got {median!r}")
    return math.log(2.0) / median


def exponential_survival(rate: float, times: Sequence[float] | float) -> np.ndarray:
    """Exponential survival S(t) = exp(-rate t)."""
    return np.exp(-rate * np.asarray(times, dtype=float))


@dataclass(frozen=True)
class ExponentialArms:
    """Separate exponential curve per arm: the fallback when a Weibull PH fit is inconsistent."""

    rate_control: float
    rate_experimental: float

    @classmethod
    def from_medians(cls, median_control: float, median_experimental: float) -> "ExponentialArms":
        """One constant hazard per arm, each matching its published median."""
        return cls(exponential_from_median(median_control), exponential_from_median(median_experimental))

    def survival(self, arm: str, times: Sequence[float] | float) -> np.ndarray:
        """S(t) for "control" or "experimental"."""
        rate = {ARM_CONTROL: self.rate_control, ARM_EXPERIMENTAL: self.rate_experimental}[_check_arm(arm)]
        return exponential_survival(rate, times)


@dataclass(frozen=True)
class WeibullPH:
    """Weibull curves sharing one shape, so the hazard ratio is constant (proportional hazards).

    S_arm(t) = exp(-(t / scale_arm) ** shape); S_experimental = S_control ** hazard_ratio.
    """

    shape: float
    scale_control: float
    scale_experimental: float

    @property
    def hazard_ratio(self) -> float:
        """Experimental vs control hazard ratio implied by the two scales."""
        return (self.scale_control / self.scale_experimental) ** self.shape

    def survival(self, arm: str, times: Sequence[float] | float) -> np.ndarray:
        """S(t) for "control" or "experimental"."""
        scale = {ARM_CONTROL: self.scale_control, ARM_EXPERIMENTAL: self.scale_experimental}[_check_arm(arm)]
        return np.exp(-((np.asarray(times, dtype=float) / scale) ** self.shape))

    def hazard(self, arm: str, times: Sequence[float] | float) -> np.ndarray:
        """Instantaneous hazard h(t) = (shape / scale) (t / scale) ** (shape - 1)."""
        scale = {ARM_CONTROL: self.scale_control, ARM_EXPERIMENTAL: self.scale_experimental}[_check_arm(arm)]
        t = np.asarray(times, dtype=float)
        return (self.shape / scale) * (t / scale) ** (self.shape - 1.0)


def _check_arm(arm: str) -> str:
    """Accept only the two arm names the tidy curve frames use."""
    if arm not in (ARM_CONTROL, ARM_EXPERIMENTAL):
        raise ValueError(f"arm must be {ARM_CONTROL!r} or {ARM_EXPERIMENTAL!r}, got {arm!r}")
    return arm


def weibull_ph_from_medians_and_hr(
    median_control: float, median_experimental: float, hazard_ratio: float
) -> WeibullPH:
    """Weibull proportional-hazards pair reproducing both published medians and the HR.

    Under PH, median_e = median_c * HR ** (-1 / shape), so shape = -ln(HR) / ln(median_e / median_c).
    Raises ValueError when the three numbers cannot all hold (caller falls back to exponential arms).
    """
    for name, number in (
        ("median_control", median_control),
        ("median_experimental", median_experimental),
        ("hazard_ratio", hazard_ratio),
    ):
        if not (math.isfinite(number) and number > 0):
            raise ValueError(f"{name} must be a positive finite number, got {number!r}")
    if median_experimental == median_control:
        raise ValueError("equal medians cannot fix a Weibull shape; use one exponential curve per arm")
    if hazard_ratio == 1:
        raise ValueError("a hazard ratio of exactly 1 with different medians is not proportional hazards")
    log_median_ratio = math.log(median_experimental / median_control)
    shape = -math.log(hazard_ratio) / log_median_ratio
    if shape <= 0:
        raise ValueError(
            "medians and hazard ratio point in opposite directions "
            f"(HR {hazard_ratio:g}, medians {median_experimental:g} vs {median_control:g}); "
            "use one exponential curve per arm"
        )
    # S(median) = 0.5  =>  scale = median / ln(2) ** (1 / shape).
    log2_root = math.log(2.0) ** (1.0 / shape)
    return WeibullPH(
        shape=shape,
        scale_control=median_control / log2_root,
        scale_experimental=median_experimental / log2_root,
    )


def model_survival_curves(model: WeibullPH | ExponentialArms, times: Sequence[float]) -> pd.DataFrame:
    """Tidy model-based curves: one row per (time, arm) with columns time, arm, survival."""
    grid = np.asarray(times, dtype=float)
    frames = [
        pd.DataFrame({"time": grid, "arm": arm, "survival": model.survival(arm, grid)})
        for arm in (ARM_CONTROL, ARM_EXPERIMENTAL)
    ]
    return pd.concat(frames, ignore_index=True)


def predicted_survival_at(model: WeibullPH | ExponentialArms, t: float) -> dict[str, float]:
    """Model survival at one landmark (e.g. 12 months) per arm, to check against a published rate."""
    return {arm: float(model.survival(arm, t)) for arm in (ARM_CONTROL, ARM_EXPERIMENTAL)}


# --- Which model-based curve a trial's published numbers support ----------------------

PLAUSIBLE_WEIBULL_SHAPE = (0.5, 3.0)
"""Weibull shapes a joint proportional-hazards curve may use; outside, no joint curve is drawn.

The shape k fixes how spread out event times are around the median: the time by which 90% of
patients have had the event is median * (ln 10 / ln 2) ** (1 / k), and 99% by
median * (ln 100 / ln 2) ** (1 / k). At k = 3 that is 1.49 and 1.88 times the median, already a
curve with almost no tail, which progression and survival in metastatic cancer do not show; at
k = 3.58 (forced by PASO's PFS medians 6.6 vs 5.6 and HR 1.80) both arms fall to about 0 by
month 12. At k = 0.5 it is 11 and 44 times the median, a tail far longer than follow-up. A shape
outside [0.5, 3] means the medians and the HR cannot all hold under proportional hazards with a
believable curve, so the joint model is an artefact of three rounded numbers, not evidence.
"""

CURVE_WEIBULL_PH = "weibull_ph"
CURVE_EXPONENTIAL_PER_ARM = "exponential_per_arm"
CURVE_NONE = "none"


@dataclass(frozen=True)
class CurveChoice:
    """Which model curve to draw for a two-arm trial, the model itself, and why, in plain words."""

    kind: str  # CURVE_WEIBULL_PH, CURVE_EXPONENTIAL_PER_ARM or CURVE_NONE
    reason: str
    model: WeibullPH | ExponentialArms | None = None


def choose_two_arm_curves(
    median_control: float,
    median_experimental: float,
    hazard_ratio: float | None,
    nonproportional: str | None = None,
    shape_range: tuple[float, float] = PLAUSIBLE_WEIBULL_SHAPE,
) -> CurveChoice:
    """Decide the model curve for two arms from their published medians and hazard ratio.

    - Documented non-proportional hazards (`nonproportional` says where): nothing is drawn. A pair
      of curves from two medians always has a constant hazard ratio (Weibull PH by design; one
      exponential per arm has the constant ratio of medians), which the paper contradicts.
    - No HR, medians and HR in opposite directions, or equal medians: one exponential per arm,
      each from its own median.
    - Weibull PH shape outside `shape_range` (see PLAUSIBLE_WEIBULL_SHAPE): one exponential per arm.
    - Otherwise Weibull PH with a shared shape, reproducing both medians and the HR.
    """
    per_arm = "each arm is drawn from its own median alone (exponential, constant hazard)"
    if nonproportional:
        return CurveChoice(
            CURVE_NONE,
            f"No model curve: {nonproportional}. Any pair of curves built from two medians has a constant "
            "hazard ratio, which that contradicts; only the published numbers are shown.",
        )
    exponential = ExponentialArms.from_medians(median_control, median_experimental)
    if hazard_ratio is None:
        return CurveChoice(CURVE_EXPONENTIAL_PER_ARM, f"No published hazard ratio: {per_arm}.", exponential)
    try:
        weibull = weibull_ph_from_medians_and_hr(median_control, median_experimental, hazard_ratio)
    except ValueError as err:
        return CurveChoice(
            CURVE_EXPONENTIAL_PER_ARM, f"No joint proportional-hazards curve ({err}): {per_arm}.", exponential
        )
    low, high = shape_range
    if not low <= weibull.shape <= high:
        ninety = math.log(10.0) / math.log(2.0)
        spread = ninety ** (1.0 / weibull.shape)
        return CurveChoice(
            CURVE_EXPONENTIAL_PER_ARM,
            f"No joint proportional-hazards curve: medians {median_experimental:.1f} vs {median_control:.1f} months "
            f"(experimental vs control) with HR {hazard_ratio:.2f} force a Weibull shape of {weibull.shape:.2f}, outside the plausible "
            f"{low:g}–{high:g} (90% of patients would have the event by {spread:.2f} times the median); {per_arm}.",
            exponential,
        )
    return CurveChoice(
        CURVE_WEIBULL_PH,
        f"Weibull proportional hazards with a shared shape {weibull.shape:.2f} (within {low:g}–{high:g}) "
        f"reproduce both medians and the HR {hazard_ratio:.2f}.",
        weibull,
    )
