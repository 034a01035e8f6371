"""Absolute effects from a published hazard ratio: event-free proportions per arm at fixed times,
their difference, the number needed to treat (or harm), and the restricted mean survival time
(RMST) difference up to a horizon. All model-based, never patient data.

Method (Altman & Andersen, BMJ 1999;319:1492): under proportional hazards the experimental arm's
survival is the control arm's raised to the hazard ratio, S_e(t) = S_c(t)^HR, and the number
needed to treat at time t is 1 / (S_e(t) - S_c(t)) (a negative difference: the number needed to
harm). S_c(t) is the control arm's published rate at t where the document gives one (a landmark,
e.g. E2100's 1-year survival), else the exponential curve through the control median,
S_c(t) = exp(-ln 2 · t / median). The HR's 95% CI gives the difference's and, following Altman
(BMJ 1998;317:1309), the NNT's interval, which passes through infinity when the difference's
interval includes 0.

The RMST is the area under the survival view's own model curves (`evidence.tables.survival.
model_curves`: Weibull PH or one exponential per arm), by Simpson's rule on the curve's grid, up
to the horizon: min(RMST_HORIZON_MONTHS, the view's horizon), so it never leaves what is drawn.

Nothing is computed where the document reports non-proportional hazards (a significant
treatment × time interaction, `evidence.model_caveats`): there no single HR converts S_c into
S_e, and the survival view draws no curve either (E2100 progression-free survival).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evidence.model_caveats import nonproportional_hazards
from evidence.tables.lookups import arm_lookup, endpoint_label, has_ci, lower_first, number, trial_names
from evidence.tables.medians import whole_population_medians
from evidence.tables.survival import _landmark_rates, _main_hazard_ratio, model_curves

MONTHS = (6.0, 12.0, 24.0)
RMST_HORIZON_MONTHS = 24.0
ASSUMPTION = "model-based: proportional hazards, S_e(t) = S_c(t)^HR (Altman & Andersen, BMJ 1999;319:1492)"

ROW_COLUMNS = [
    "trial_id", "trial_name", "endpoint", "month", "basis", "hr", "hr_ci_low", "hr_ci_high", "control_arm",
    "experimental_arm", "control_pct", "experimental_pct", "experimental_pct_low", "experimental_pct_high",
    "difference_pts", "difference_low", "difference_high", "nnt", "nnt_kind", "nnt_whole", "nnt_text",
    "published_experimental_pct", "model_based", "derived", "assumption", "source",
]  # fmt: skip
RMST_COLUMNS = [
    "trial_id", "trial_name", "endpoint", "horizon", "control_arm", "experimental_arm", "rmst_control",
    "rmst_experimental", "difference_months", "method", "model_based", "derived", "source",
]  # fmt: skip


def exponential_control_survival(median: float, month: float) -> float:
    """S_c(t) = exp(-ln 2 · t / median): a constant hazard through the published median."""
    return math.exp(-math.log(2.0) * month / median)


def experimental_survival(control: float, hazard_ratio: float) -> float:
    """S_e(t) = S_c(t)^HR under proportional hazards (Altman & Andersen 1999)."""
    return control**hazard_ratio


def number_needed(difference: float) -> tuple[float, str]:
    """(1/|difference|, 'NNT' for benefit or 'NNH' for harm) of a difference in event-free
    proportions (experimental minus control); infinity when the difference is 0."""
    if difference == 0:
        return math.inf, "NNT"
    return 1.0 / abs(difference), "NNT" if difference > 0 else "NNH"


def number_needed_interval(low: float, high: float) -> str:
    """The NNT's 95% interval from the difference's (Altman, BMJ 1998;317:1309): 'NNT 3 to 12',
    or across 0 'NNT 8 to ∞ to NNH 20' (whole patients, rounded up)."""
    def whole(value: float) -> str:
        return "∞" if value == 0 else str(math.ceil(1.0 / abs(value) - 1e-9))

    if low > 0:
        return f"NNT {whole(high)} to {whole(low)}"
    if high < 0:
        return f"NNH {whole(low)} to {whole(high)}"
    return f"NNT {whole(high)} to ∞ to NNH {whole(low)}"


def merged_sources(texts) -> str:
    """'E2100_NEJM2007: Abstract; Results, Efficacy' from several 'SOURCE_ID: locator' texts: one
    entry per document, its locators once each; documents apart by ' | '."""
    found: dict[str, list[str]] = {}
    for text in texts:
        source_id, _, locator = str(text).partition(":")
        bucket = found.setdefault(source_id.strip(), [])
        bucket += [part.strip() for part in locator.split(";") if part.strip() and part.strip() not in bucket]
    return " | ".join(f"{source_id}: {'; '.join(locators)}" for source_id, locators in found.items())


def simpson(times: np.ndarray, values: np.ndarray) -> float:
    """Area under evenly spaced points by Simpson's rule (an even number of intervals; a trailing
    odd interval by the trapezoid)."""
    n = len(times) - 1
    if n < 1:
        return 0.0
    h = float(times[1] - times[0])
    even = n - (n % 2)
    area = h / 3.0 * (values[0] + 4.0 * values[1:even:2].sum() + 2.0 * values[2:even:2].sum() + values[even]) if even else 0.0
    if n % 2:
        area += h / 2.0 * (values[-2] + values[-1])
    return float(area)


@dataclass(frozen=True)
class AbsoluteEffects:
    """`rows`: one per trial and month (ROW_COLUMNS); `rmst`: one per trial (RMST_COLUMNS);
    `skipped`: (trial_id, why nothing is computed) for the trials asked about."""

    endpoint: str
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    rmst: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RMST_COLUMNS))
    skipped: tuple[tuple[str, str], ...] = ()


def _control_and_experimental(medians: pd.DataFrame, arms: pd.DataFrame, trial_id: str) -> tuple[dict | None, str | None]:
    """(control arm's median row as a dict, experimental arm id) or (None, None)."""
    info = arm_lookup(arms)
    control = experimental = None
    for row in medians.itertuples(index=False):
        role = info.get((trial_id, row.arm_id), {}).get("role")
        if role == "control":
            control = dict(arm_id=row.arm_id, median=float(row.value), source=row.source)
        elif role == "experimental":
            experimental = row.arm_id
    return control, experimental


def _month_rows(trial_id: str, name: str, endpoint: str, control: dict, experimental_arm: str, hr_row: pd.Series,
                landmarks: dict, months: tuple[float, ...]) -> list[dict]:
    hr = float(hr_row["value"])
    low, high = number(hr_row["ci_low"]), number(hr_row["ci_high"])
    with_ci = has_ci(low, high)
    rows = []
    for month in months:
        published = landmarks.get((control["arm_id"], month))
        if published is not None:
            s_c, basis = published[0] / 100.0, f"published {month:g}-month rate of the control arm"
            sources = [hr_row["source"], published[1]]
        else:
            s_c = exponential_control_survival(control["median"], month)
            basis = f"exponential from the control median ({control['median']:g} months)"
            sources = [hr_row["source"], control["source"]]
        s_e = experimental_survival(s_c, hr)
        difference = s_e - s_c
        nnt, kind = number_needed(difference)
        # A larger HR gives a smaller S_e (S_c < 1): the HR's upper limit gives S_e's lower limit.
        e_low = experimental_survival(s_c, high) if with_ci else math.nan
        e_high = experimental_survival(s_c, low) if with_ci else math.nan
        own = landmarks.get((experimental_arm, month))
        rows.append(dict(
            trial_id=trial_id, trial_name=name, endpoint=endpoint, month=month, basis=basis, hr=hr,
            hr_ci_low=low if with_ci else math.nan, hr_ci_high=high if with_ci else math.nan,
            control_arm=control["arm_id"], experimental_arm=experimental_arm,
            control_pct=100.0 * s_c, experimental_pct=100.0 * s_e,
            experimental_pct_low=100.0 * e_low, experimental_pct_high=100.0 * e_high,
            difference_pts=100.0 * difference,
            difference_low=100.0 * (e_low - s_c), difference_high=100.0 * (e_high - s_c),
            nnt=nnt, nnt_kind=kind, nnt_whole=math.ceil(nnt - 1e-9) if math.isfinite(nnt) else math.inf,
            nnt_text=number_needed_interval(e_low - s_c, e_high - s_c) if with_ci else "no CI for the HR",
            published_experimental_pct=own[0] if own is not None else math.nan,
            model_based=True, derived=True, assumption=f"{ASSUMPTION}; S_c(t): {basis}",
            source=merged_sources(sources),
        ))  # fmt: skip
    return rows


def _rmst_row(efficacy, comparisons, arms, trials, trial_id: str, name: str, endpoint: str, control: dict,
              experimental_arm: str, horizon: float) -> dict | None:
    """RMST per arm under the survival view's own model curves, up to min(horizon, view horizon)."""
    drawn = model_curves(efficacy, comparisons, arms, trials, trial_id, endpoint)
    if drawn.points.empty:
        return None
    tau = min(horizon, drawn.horizon)
    curves = drawn if tau == drawn.horizon else model_curves(efficacy, comparisons, arms, trials, trial_id, endpoint, tau)
    areas = {}
    for arm_id, points in curves.points.groupby("arm_id", sort=False):
        areas[arm_id] = simpson(points["time"].to_numpy(float), points["survival"].to_numpy(float))
    if control["arm_id"] not in areas or experimental_arm not in areas:
        return None
    sources = pd.concat([efficacy[(efficacy.trial_id == trial_id) & (efficacy.endpoint == endpoint)]["source"],
                         comparisons[(comparisons.trial_id == trial_id) & (comparisons.endpoint == endpoint)
                                     & (comparisons.statistic == "HR")]["source"]])  # fmt: skip
    return dict(
        trial_id=trial_id, trial_name=name, endpoint=endpoint, horizon=tau, control_arm=control["arm_id"],
        experimental_arm=experimental_arm, rmst_control=areas[control["arm_id"]],
        rmst_experimental=areas[experimental_arm], difference_months=areas[experimental_arm] - areas[control["arm_id"]],
        method=f"area under the survival view's model curves ({curves.method}), Simpson's rule",
        model_based=True, derived=True, source=merged_sources(sources),
    )  # fmt: skip


def absolute_effects(
    efficacy: pd.DataFrame,
    comparisons: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    trial_ids: list[str],
    endpoint: str,
    months: tuple[float, ...] = MONTHS,
    horizon: float = RMST_HORIZON_MONTHS,
) -> AbsoluteEffects:
    """Absolute effects of each trial in `trial_ids` on a time-to-event `endpoint` (see module)."""
    names = trial_names(trials)
    rows, rmst, skipped = [], [], []
    words = lower_first(endpoint_label(endpoint))
    for trial_id in trial_ids:
        name = names.get(trial_id, trial_id)
        medians = whole_population_medians(efficacy, trial_id, endpoint)
        if medians.empty:
            continue  # the trial reports nothing on this endpoint: nothing to say
        reason = nonproportional_hazards(comparisons, trial_id, endpoint)
        if reason:
            skipped.append((trial_id, f"Not computed for {name}: {reason}, so no single hazard ratio turns the control arm's survival into the experimental arm's"))
            continue
        control, experimental_arm = _control_and_experimental(medians, arms, trial_id)
        hr_row = _main_hazard_ratio(comparisons, trial_id, endpoint)
        if control is None or experimental_arm is None or hr_row is None:
            skipped.append((trial_id, f"Not computed for {name}: needs a control-arm median and a hazard ratio for {words}"))
            continue
        landmarks = {(row["arm_id"], month): (float(row["value"]), row["source"])
                     for month, row in _landmark_rates(efficacy, trial_id, endpoint)}  # fmt: skip
        rows += _month_rows(trial_id, name, endpoint, control, experimental_arm, hr_row, landmarks, months)
        found = _rmst_row(efficacy, comparisons, arms, trials, trial_id, name, endpoint, control, experimental_arm, horizon)
        if found is not None:
            rmst.append(found)
    return AbsoluteEffects(
        endpoint,
        pd.DataFrame(rows, columns=ROW_COLUMNS),
        pd.DataFrame(rmst, columns=RMST_COLUMNS),
        tuple(skipped),
    )
