"""The survival view's tables: model-based curves from published medians and hazard ratios, and
Kaplan–Meier estimates from patient-level data.

Statistics come from `evidence.survival` (lifelines underneath); this module decides which curve
a trial gets, evaluates it on a time grid, checks it against published landmark rates and
gathers the notes. `evidence.figures.survival` only draws these tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from evidence import theme
from evidence.tables.lookups import MAIN_ANALYSES, arm_lookup, endpoint_label, lower_first, trial_names
from evidence.tables.medians import whole_population_medians
from evidence.model_caveats import caveat_lines, nonproportional_hazards
from evidence.survival import (
    ARM_CONTROL,
    ARM_EXPERIMENTAL,
    CURVE_EXPONENTIAL_PER_ARM,
    CURVE_NONE,
    CURVE_WEIBULL_PH,
    ArmComparison,
    choose_two_arm_curves,
    compare_two_arms,
    exponential_from_median,
    exponential_survival,
    kaplan_meier,
    number_at_risk,
)

LANDMARKS = {"OS": (("OS_12M", 12.0),)}
"""Published landmark rates that can be checked against a model curve: endpoint -> (rate endpoint, month)."""

MODEL_NOTE = "model-based, not patient data"
ROLE_ORDER = {"control": 0, "experimental": 1, "single": 2}
GRID_POINTS = 121
"""Points per model curve, evenly spaced from 0 to the horizon."""

_ANALYSIS_RANK = {name: rank for rank, name in enumerate(MAIN_ANALYSES)}
_METHOD = {
    CURVE_WEIBULL_PH: "Weibull proportional hazards",
    CURVE_EXPONENTIAL_PER_ARM: "exponential per arm, each from its own median",
    CURVE_NONE: "no model curve",
}

Survival = Callable[[np.ndarray | float], np.ndarray]


def months_text(value: float | None) -> str:
    """Months to one decimal; 'NR' (not reached / not reported) for NaN or infinity."""
    return "NR" if value is None or not math.isfinite(value) else theme.format_months(value)


# ---------------------------------------------------------------- model-based curves


@dataclass(frozen=True)
class ModelCurves:
    """A trial's model-based survival curves for one endpoint, and what to say about them.

    `message` non-empty: nothing to draw (no published median), and why. Otherwise `arms` has one
    row per arm with a published median (role order: control, experimental, single; columns
    arm_id, role, label, median, ci_low, ci_high, curve = the curve kind or "" when none is drawn),
    `points` the curves (arm_id, time, survival; GRID_POINTS per drawn arm), `landmarks` each
    published landmark rate against the model (arm_id, month, rate_endpoint, published_pct,
    predicted_pct = NaN without a curve).
    """

    trial_id: str
    endpoint: str
    trial_name: str
    message: str = ""
    arms: pd.DataFrame = field(default_factory=pd.DataFrame)
    points: pd.DataFrame = field(default_factory=pd.DataFrame)
    landmarks: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = ""
    no_curve_reason: str = ""
    """Why two arms get no curve (documented non-proportional hazards), or ''."""
    caveats: tuple[str, ...] = ()
    """'Caveat reported by <trial>: <the paper's model caveat>.' lines."""
    notes: tuple[str, ...] = ()
    """Plain sentences for the caption: which model, its caveats, model vs landmark."""
    horizon: float = 0.0


def _main_hazard_ratio(comparisons: pd.DataFrame, trial_id: str, endpoint: str) -> pd.Series | None:
    """The whole-population HR row (primary before secondary before exploratory), or None."""
    if comparisons is None or comparisons.empty:
        return None
    rows = comparisons[
        (comparisons["trial_id"] == trial_id)
        & (comparisons["endpoint"] == endpoint)
        & (comparisons["statistic"] == "HR")
        & comparisons["analysis"].isin(MAIN_ANALYSES)
        & comparisons["value"].notna()
    ]
    if rows.empty:
        return None
    rows = rows.assign(_rank=rows["analysis"].map(_ANALYSIS_RANK)).sort_values("_rank", kind="stable")
    return rows.iloc[0]


def _landmark_rates(efficacy: pd.DataFrame, trial_id: str, endpoint: str) -> list[tuple[float, pd.Series]]:
    """(month, efficacy row) for each published landmark rate of this endpoint, main analyses only."""
    found = []
    for rate_endpoint, month in LANDMARKS.get(endpoint, ()):
        rows = efficacy[
            (efficacy["trial_id"] == trial_id)
            & (efficacy["endpoint"] == rate_endpoint)
            & (efficacy["statistic"] == "rate")
            & efficacy["analysis"].isin(MAIN_ANALYSES)
            & efficacy["value"].notna()
        ]
        rows = rows.assign(_rank=rows["analysis"].map(_ANALYSIS_RANK)).sort_values("_rank", kind="stable")
        found += [(month, row) for _, row in rows.drop_duplicates("arm_id").iterrows()]
    return found


def _horizon(medians: list[float], landmarks: list[float]) -> float:
    """2.5 x the longest median, and well past any landmark, rounded up to whole half-years."""
    horizon = 6.0 * math.ceil(2.5 * max(medians) / 6.0)
    if landmarks:
        horizon = max(horizon, 6.0 * math.ceil(1.5 * max(landmarks) / 6.0))
    return horizon


def _arms_with_medians(medians: pd.DataFrame, arms: pd.DataFrame, trial_id: str) -> list[dict]:
    """One dict per arm with a published median, in role order (control, experimental, single)."""
    info = arm_lookup(arms)
    found = []
    for row in medians.itertuples(index=False):
        arm = info.get((trial_id, row.arm_id), {})
        found.append(
            dict(
                arm_id=row.arm_id,
                role=arm.get("role", "single"),
                label=arm.get("label", row.arm_id),
                median=float(row.value),
                ci_low=None if pd.isna(row.ci_low) else float(row.ci_low),
                ci_high=None if pd.isna(row.ci_high) else float(row.ci_high),
            )
        )
    found.sort(key=lambda a: ROLE_ORDER.get(a["role"], 9))
    return found


def _exponential(median: float) -> Survival:
    """S(t) of a constant hazard with this median (exponential, rate ln 2 / median)."""
    rate = exponential_from_median(median)
    return lambda t: exponential_survival(rate, t)


def _two_arm_models(
    arms_here: list[dict], comparisons: pd.DataFrame, trial_id: str, endpoint: str
) -> tuple[dict[str, tuple[Survival, str]], str, str, list[str]]:
    """({arm_id: (S(t), curve kind)}, method, reason nothing is drawn or '', notes) for a
    control/experimental pair, as `choose_two_arm_curves` decides; further arms get their own
    exponential."""
    by_role = {a["role"]: a for a in arms_here}
    control, experimental = by_role["control"], by_role["experimental"]
    hr_row = _main_hazard_ratio(comparisons, trial_id, endpoint)
    hr = float(hr_row["value"]) if hr_row is not None else None
    choice = choose_two_arm_curves(
        control["median"], experimental["median"], hr, nonproportional_hazards(comparisons, trial_id, endpoint)
    )
    method = _METHOD[choice.kind] + (f", shared shape {choice.model.shape:.2f}" if choice.kind == CURVE_WEIBULL_PH else "")
    if choice.kind == CURVE_NONE:
        return {}, method, choice.reason, [choice.reason]
    if choice.kind == CURVE_WEIBULL_PH:
        note = (
            f"Model-based curves, not patient data. {choice.reason[:-1]} "
            f"(published medians {months_text(control['median'])} and {months_text(experimental['median'])} months, "
            f"HR {theme.format_ratio(hr)}, {hr_row['analysis']} analysis)."
        )
    else:
        implied = choice.model.rate_experimental / choice.model.rate_control
        note = (
            f"{choice.reason} Model-based, not patient data: the two curves imply a constant HR "
            f"{theme.format_ratio(implied)} (derived: ratio of medians)"
            + (f" vs published {theme.format_ratio(hr)}." if hr is not None else ".")
        )
    model = choice.model
    curves = {
        control["arm_id"]: (lambda t: model.survival(ARM_CONTROL, t), choice.kind),
        experimental["arm_id"]: (lambda t: model.survival(ARM_EXPERIMENTAL, t), choice.kind),
    }
    for extra in arms_here:
        curves.setdefault(extra["arm_id"], (_exponential(extra["median"]), CURVE_EXPONENTIAL_PER_ARM))
    return curves, method, "", [note]


def _single_arm_models(arms_here: list[dict]) -> tuple[dict[str, tuple[Survival, str]], str, str, list[str]]:
    """Each arm from its own median alone (exponential), when there is no control/experimental pair."""
    curves = {a["arm_id"]: (_exponential(a["median"]), CURVE_EXPONENTIAL_PER_ARM) for a in arms_here}
    note = "Model-based curve, not patient data: exponential (constant hazard) from the published median" + (
        " of each arm." if len(arms_here) > 1 else "."
    )
    return curves, "exponential from the median", "", [note]


def _landmark_table(landmarks: list[tuple[float, pd.Series]], arms_here: list[dict], curves: dict) -> pd.DataFrame:
    """Each published landmark rate of an arm shown, with the model's prediction (percent, NaN without a curve)."""
    shown = {a["arm_id"] for a in arms_here}
    rows = []
    for month, row in landmarks:
        if row["arm_id"] not in shown:
            continue
        model = curves.get(row["arm_id"])
        rows.append(
            dict(
                arm_id=row["arm_id"],
                month=month,
                rate_endpoint=row["endpoint"],
                published_pct=float(row["value"]),
                predicted_pct=100.0 * float(model[0](month)) if model is not None else math.nan,
            )
        )
    return pd.DataFrame(rows, columns=["arm_id", "month", "rate_endpoint", "published_pct", "predicted_pct"])


def model_curves(
    efficacy: pd.DataFrame,
    comparisons: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    trial_id: str,
    endpoint: str,
    horizon_months: float | None = None,
) -> ModelCurves:
    """Survival curves implied by a trial's published medians (and HR), with the published points.

    Two arms: `choose_two_arm_curves` decides. Weibull proportional hazards sharing one shape
    (both medians and the HR hold exactly) only with a plausible shape and no documented
    non-proportionality (a curated treatment × time interaction, see `evidence.model_caveats`);
    otherwise one exponential curve per arm from its own median, or, under documented
    non-proportional hazards, no curve at all, with the reason. A single arm: exponential from its
    median. Every curve is set against each published landmark rate; the paper's own model caveats
    (interactions) are carried as lines and notes.
    """
    name = trial_names(trials).get(trial_id, trial_id)
    medians = whole_population_medians(efficacy, trial_id, endpoint)
    if medians.empty:
        message = f"{name} publishes no median {lower_first(endpoint_label(endpoint))}, so no model-based curve can be drawn."
        return ModelCurves(trial_id, endpoint, name, message=message)
    arms_here = _arms_with_medians(medians, arms, trial_id)
    roles = {a["role"] for a in arms_here}
    landmarks = _landmark_rates(efficacy, trial_id, endpoint)
    horizon = float(horizon_months) if horizon_months else _horizon(
        [a["median"] for a in arms_here], [m for m, _ in landmarks]
    )
    grid = np.linspace(0.0, horizon, GRID_POINTS)
    if {"experimental", "control"} <= roles:
        curves, method, no_curve, notes = _two_arm_models(arms_here, comparisons, trial_id, endpoint)
    else:
        curves, method, no_curve, notes = _single_arm_models(arms_here)
    caveats = tuple(f"Caveat reported by {trial_id}: {line}." for line in caveat_lines(comparisons, trial_id, endpoint))
    landmark_rows = _landmark_table(landmarks, arms_here, curves)
    arm_rows = pd.DataFrame([dict(a, curve=curves.get(a["arm_id"], (None, ""))[1]) for a in arms_here])
    points = pd.concat(
        [pd.DataFrame({"arm_id": a["arm_id"], "time": grid, "survival": curves[a["arm_id"]][0](grid)})
         for a in arms_here if a["arm_id"] in curves]
        or [pd.DataFrame(columns=["arm_id", "time", "survival"])],
        ignore_index=True,
    )  # fmt: skip
    notes += list(caveats)
    notes += [
        f"{arm_rows.set_index('arm_id').at[r.arm_id, 'label']}: model predicts {r.predicted_pct:.1f}% at "
        f"{r.month:g} months vs published {r.published_pct:.1f}%."
        for r in landmark_rows.itertuples()
        if not math.isnan(r.predicted_pct)
    ]
    return ModelCurves(
        trial_id, endpoint, name, arms=arm_rows, points=points, landmarks=landmark_rows, method=method,
        no_curve_reason=no_curve, caveats=caveats, notes=tuple(notes), horizon=horizon,
    )  # fmt: skip


# ---------------------------------------------------------------- Kaplan–Meier from patient data


@dataclass(frozen=True)
class KaplanMeierTable:
    """Kaplan–Meier estimates per arm of one trial and endpoint from patient-level data.

    `message` non-empty: nothing to draw, and why. Otherwise `arms` (role order; arm_id, label,
    role, n, events, median, median_ci_low, median_ci_high), `curves` (arm_id, time, survival,
    ci_low, ci_high: lifelines' steps with the pointwise 95% band), `censored` (arm_id, time,
    survival: the step value at each censoring time), `at_risk` (arm_id, time, n), the two-arm
    comparison (log-rank, Cox) when there is an experimental and a control arm, and `stats`, the
    same numbers as one plain dict.
    """

    trial_id: str
    endpoint: str
    message: str = ""
    arms: pd.DataFrame = field(default_factory=pd.DataFrame)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    censored: pd.DataFrame = field(default_factory=pd.DataFrame)
    at_risk: pd.DataFrame = field(default_factory=pd.DataFrame)
    at_risk_times: list[float] = field(default_factory=list)
    max_time: float = 0.0
    comparison: ArmComparison | None = None
    notes: tuple[str, ...] = ()
    """'<arm label>: <note>' for each estimation note (e.g. a single patient, events at time 0)."""
    stats: dict = field(default_factory=dict)


def risk_table_times(max_time: float) -> list[float]:
    """Fixed, evenly spaced times for the number-at-risk table (at most 11 columns)."""
    step = next((s for s in (1, 2, 3, 6, 12, 24, 48) if max_time / s <= 10), 60)
    return [float(t) for t in np.arange(0.0, max_time + 1e-9, step)]


def _censored_on_curve(arm_id, km) -> pd.DataFrame:
    """Censoring marks sit on the curve: the step value at each censoring time."""
    steps = km.curve["time"].to_numpy()
    at = np.clip(np.searchsorted(steps, km.censor_times, side="right") - 1, 0, len(steps) - 1)
    return pd.DataFrame({"arm_id": arm_id, "time": km.censor_times, "survival": km.curve["survival"].to_numpy()[at]})


def _stats(trial_id: str, endpoint: str, arms: pd.DataFrame, at_risk: pd.DataFrame, times: list[float],
           experimental, control, comparison: ArmComparison | None, notes: list[str]) -> dict:  # fmt: skip
    """The Kaplan–Meier numbers as one plain dict (arms keyed by str(arm_id))."""
    keys = ("label", "role", "n", "events", "median", "median_ci_low", "median_ci_high")
    stats: dict = {
        "trial_id": trial_id, "endpoint": endpoint,
        "arms": {str(a["arm_id"]): {k: a[k] for k in keys} for a in arms.to_dict("records")},
        "at_risk_times": times,
        "at_risk": {str(a): at_risk.loc[at_risk["arm_id"] == a, "n"].tolist() for a in arms["arm_id"]},
        "experimental_arm": experimental, "control_arm": control,
    }  # fmt: skip
    names = ("logrank_chi2", "logrank_p", "hr", "hr_ci_low", "hr_ci_high", "hr_p", "logrank_reason", "hr_reason")
    fields = ("logrank_chi2", "logrank_p", "hazard_ratio", "hr_ci_low", "hr_ci_high", "hr_p", "logrank_reason", "hr_reason")
    stats.update({n: getattr(comparison, f) if comparison is not None else None for n, f in zip(names, fields)})
    stats["notes"] = notes
    return stats


def _fit_arms(rows: pd.DataFrame, info: dict, trial_id: str, arm_ids: list) -> dict | str:
    """{arm_id: KaplanMeierResult}, or the message saying which arm's data cannot be fitted and why."""
    fits = {}
    for arm_id in arm_ids:
        subset = rows[rows["arm_id"] == arm_id]
        arm_label = info.get((trial_id, arm_id), {}).get("label", str(arm_id))
        try:
            fits[arm_id] = kaplan_meier(subset["time_months"].to_numpy(dtype=float), subset["event"].to_numpy(), arm_label)
        except ValueError as err:
            return f"No Kaplan–Meier curve for {trial_id}, {arm_label}: {err}."
    return fits


def _at_risk_table(rows: pd.DataFrame, arm_ids: list, times: list[float]) -> pd.DataFrame:
    """Number at risk (follow-up >= t) per arm at each time."""
    return pd.concat(
        [pd.DataFrame({"arm_id": a, "time": times,
                       "n": number_at_risk(rows.loc[rows["arm_id"] == a, "time_months"].to_numpy(dtype=float), times)})
         for a in arm_ids],
        ignore_index=True,
    )  # fmt: skip


def kaplan_meier_table(ipd: pd.DataFrame, arms: pd.DataFrame, trial_id: str, endpoint: str) -> KaplanMeierTable:
    """Kaplan–Meier per arm (lifelines; exponential Greenwood / log(−log) pointwise band), the number
    at risk at fixed times, and log-rank (Mantel–Cox) and Cox PH (Efron ties, Wald 95% CI)
    experimental vs control when both arms are present."""
    label = lower_first(endpoint_label(endpoint))
    if ipd is None or ipd.empty:
        return KaplanMeierTable(trial_id, endpoint, message=f"No patient-level {label} data.")
    rows = ipd[(ipd["trial_id"] == trial_id) & (ipd["endpoint"] == endpoint)]
    if rows.empty:
        return KaplanMeierTable(trial_id, endpoint, message=f"No patient-level {label} data for {trial_id}.")
    info = arm_lookup(arms)
    role_of = {a: info.get((trial_id, a), {}).get("role", "single") for a in rows["arm_id"].unique()}
    arm_ids = sorted(role_of, key=lambda a: (ROLE_ORDER.get(role_of[a], 9), str(a)))
    fits = _fit_arms(rows, info, trial_id, arm_ids)
    if isinstance(fits, str):
        return KaplanMeierTable(trial_id, endpoint, message=fits)
    arm_table = pd.DataFrame([
        dict(arm_id=a, label=info.get((trial_id, a), {}).get("label", str(a)), role=role_of[a], n=km.n, events=km.events,
             median=km.median, median_ci_low=km.median_ci_low, median_ci_high=km.median_ci_high)
        for a, km in fits.items()
    ])  # fmt: skip
    notes = [f"{arm.label}: {note}" for arm in arm_table.itertuples() for note in fits[arm.arm_id].notes]
    max_time = float(rows["time_months"].to_numpy(dtype=float).max())
    times = risk_table_times(max_time)
    at_risk = _at_risk_table(rows, arm_ids, times)
    experimental = next((a for a in arm_ids if role_of[a] == "experimental"), None)
    control = next((a for a in arm_ids if role_of[a] == "control"), None)
    comparison = None
    if experimental is not None and control is not None:
        comparison = compare_two_arms(
            rows["time_months"].to_numpy(dtype=float), rows["event"].to_numpy(dtype=int),
            rows["arm_id"].to_numpy(), experimental, control,
        )  # fmt: skip
    return KaplanMeierTable(
        trial_id, endpoint, arms=arm_table, at_risk=at_risk, at_risk_times=times, max_time=max_time,
        curves=pd.concat([fits[a].curve.assign(arm_id=a) for a in arm_ids], ignore_index=True),
        censored=pd.concat([_censored_on_curve(a, fits[a]) for a in arm_ids], ignore_index=True),
        comparison=comparison, notes=tuple(notes),
        stats=_stats(trial_id, endpoint, arm_table, at_risk, times, experimental, control, comparison, notes),
    )  # fmt: skip
