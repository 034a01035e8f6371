"""Survival analysis for trial evidence: Kaplan–Meier, log-rank/Cox, and model-based curves.

Patient-level data go through lifelines; trials that publish only medians and a
hazard ratio get parametric (exponential / Weibull proportional-hazards) curves.
Nothing draws and nothing imports dash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times

ARM_CONTROL = "control"
ARM_EXPERIMENTAL = "experimental"


def _as_time_event(time: Sequence[float], event: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Validate follow-up times and event indicators (1/True = event, 0/False = censored)."""
    times = np.asarray(time, dtype=float)
    events = np.asarray(event)
    if times.ndim != 1 or events.ndim != 1 or times.shape != events.shape:
        raise ValueError("time and event must be 1-D sequences of equal length")
    if times.size == 0:
        raise ValueError("time and event must not be empty")
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError("times must be finite and non-negative")
    if not np.all(np.isin(events, (0, 1))):
        raise ValueError("event must be coded 1 (event) or 0 (censored)")
    return times, events.astype(int)


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


def kaplan_meier(time: Sequence[float], event: Sequence[Any], label: str) -> KaplanMeierResult:
    """Kaplan–Meier estimate for one arm, tidy for plotting, with median and its 95% CI.

    A median (or CI bound) that the curve never reaches is +inf, as in lifelines.
    """
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
            "ci_low": ci.iloc[:, 0].to_numpy(dtype=float),
            "ci_high": ci.iloc[:, 1].to_numpy(dtype=float),
        }
    )
    # Median CI: the times at which the pointwise CI bounds cross 0.5 (Brookmeyer–Crowley style).
    median_ci = median_survival_times(fitter.confidence_interval_)
    return KaplanMeierResult(
        label=label,
        curve=curve,
        censor_times=np.sort(times[events == 0]),
        median=float(fitter.median_survival_time_),
        median_ci_low=float(median_ci.iloc[0, 0]),
        median_ci_high=float(median_ci.iloc[0, 1]),
        n=int(times.size),
        events=int(events.sum()),
    )


def number_at_risk(time: Sequence[float], at_times: Sequence[float]) -> list[int]:
    """Patients still under observation (time >= t) at each t, for a risk table under a KM plot."""
    times = np.asarray(time, dtype=float)
    return [int(np.count_nonzero(times >= t)) for t in at_times]


@dataclass(frozen=True)
class ArmComparison:
    """Log-rank test and Cox hazard ratio (experimental vs control) for two arms."""

    logrank_chi2: float
    logrank_p: float
    hazard_ratio: float
    hr_ci_low: float
    hr_ci_high: float
    hr_p: float
    n_experimental: int
    n_control: int


def compare_two_arms(
    time: Sequence[float],
    event: Sequence[Any],
    group: Sequence[Any],
    experimental: Any,
    control: Any,
) -> ArmComparison:
    """Log-rank test and Cox HR of `experimental` vs `control`; rows in other groups are ignored."""
    times, events = _as_time_event(time, event)
    groups = np.asarray(group)
    if groups.shape != times.shape:
        raise ValueError("group must have the same length as time and event")
    in_experimental = groups == experimental
    in_control = groups == control
    if not in_experimental.any() or not in_control.any():
        raise ValueError(f"both arms need patients: experimental={experimental!r}, control={control!r}")

    # Log-rank (Mantel–Cox) test, as R's survdiff with rho = 0.
    logrank = logrank_test(
        times[in_experimental],
        times[in_control],
        event_observed_A=events[in_experimental],
        event_observed_B=events[in_control],
    )

    # Cox proportional hazards on a 0/1 experimental indicator; lifelines uses Efron ties,
    # the same default as R's coxph, and reports the Wald p-value and Wald CI.
    keep = in_experimental | in_control
    frame = pd.DataFrame(
        {"time": times[keep], "event": events[keep], "experimental": in_experimental[keep].astype(int)}
    )
    cox = CoxPHFitter().fit(frame, duration_col="time", event_col="event")
    summary = cox.summary.loc["experimental"]
    return ArmComparison(
        logrank_chi2=float(logrank.test_statistic),
        logrank_p=float(logrank.p_value),
        hazard_ratio=float(summary["exp(coef)"]),
        hr_ci_low=float(summary["exp(coef) lower 95%"]),
        hr_ci_high=float(summary["exp(coef) upper 95%"]),
        hr_p=float(summary["p"]),
        n_experimental=int(in_experimental.sum()),
        n_control=int(in_control.sum()),
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
