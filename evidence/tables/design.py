"""What each trial assumed when sizing itself versus what it observed: the rows of the design view.

Three panels, each a list of rows with a position `y` within its panel (rows of one trial
together, a gap between trials): `median` (assumed vs published medians of the primary
endpoint), `size` (planned vs enrolled patients, planned vs observed events) and `rate`
(single-arm null and alternative rates vs the observed rate). `kind` says what a row's mark is
(assumed, observed, planned, actual, derived, null, alternative, or missing: no mark, a note);
`hover` holds its description as plain text lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence import theme
from evidence.tables.lookups import (
    MAIN_ANALYSES,
    arm_lookup,
    arms_by_trial,
    endpoint_label,
    finite,
    first_of_each,
    has_ci,
    integer,
    lower_first,
    missing,
    range_text,
    records_by,
    trial_names,
    trial_order,
)
from evidence.tables.medians import whole_population_median_records

DESIGN_PANELS = ("median", "size", "rate")
DESIGN_COLUMNS = (
    "panel", "trial_id", "trial_name", "arm_id", "y", "dy", "row_label", "style", "kind", "value", "low", "high", "hover",
)  # fmt: skip
_ROLE_NUDGE = {"experimental": -0.14, "control": 0.14}
"""Small vertical offsets so two arms' whiskers on one row do not hide each other."""


def design_rows(design: pd.DataFrame | None, efficacy: pd.DataFrame, trials: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """Rows of every panel that has any, panels in `DESIGN_PANELS` order, trials in trials.csv order.

    `dy` nudges two arms' marks on one row apart; `value`, `low` and `high` are NaN where there
    is no mark or no CI. Text is as in the data (not escaped for plotly: the figure does that).
    """
    if design is None or design.empty:
        return pd.DataFrame(columns=list(DESIGN_COLUMNS))
    names = trial_names(trials)
    info = arm_lookup(arms)
    observed_medians = whole_population_median_records(efficacy)
    rank = trial_order(trials, design["trial_id"])
    design = design.assign(_rank=design["trial_id"].map(rank)).sort_values("_rank", kind="stable")
    trial_rows = {r.trial_id: r for r in trials.itertuples(index=False)} if trials is not None else {}
    panels = {
        "median": _median_rows(design, observed_medians, info),
        "size": _size_rows(design, observed_medians, trial_rows),
        "rate": _rate_rows(design, efficacy, info),
    }
    rows = [dict(row, panel=key, trial_name=names.get(row["trial_id"], row["trial_id"])) for key in DESIGN_PANELS for row in panels[key]]
    return pd.DataFrame(rows, columns=list(DESIGN_COLUMNS))


def _row(trial_id, arm_id, y, row_label, style, kind, value=None, low=None, high=None, dy=0.0, hover=()) -> dict:
    nan = np.nan
    return dict(
        trial_id=trial_id, arm_id=arm_id, y=y, dy=dy, row_label=row_label, style=style, kind=kind,
        value=nan if value is None else float(value), low=nan if low is None else float(low),
        high=nan if high is None else float(high), hover=tuple(hover),
    )  # fmt: skip


def _median_rows(design: pd.DataFrame, observed_medians: dict, info: dict) -> list[dict]:
    """Rows of panel 1: assumed medians per distinct design scenario, then observed medians.

    `observed_medians` is `whole_population_median_records(efficacy)`.
    """
    out: list[dict] = []
    medians = design[design["assumed_control_median"].notna() | design["assumed_experimental_median"].notna()]
    arms_of = arms_by_trial(info)
    y = 0.0
    for trial_id, group in records_by(medians, "trial_id").items():
        distinct = first_of_each(group, ("endpoint", "assumed_control_median", "assumed_experimental_median"))
        endpoint = distinct[0].endpoint
        words = lower_first(endpoint_label(endpoint))
        roles = {arm["role"]: arm_id for arm_id, arm in arms_of.get(trial_id, [])}
        for scenario in distinct:
            label = "assumed (design)" if len(distinct) == 1 else f"assumed ({scenario.scenario})"
            # Plain `==`, as pandas compares: a missing assumed median matches no scenario.
            same = [
                r for r in group
                if r.assumed_control_median == scenario.assumed_control_median
                and r.assumed_experimental_median == scenario.assumed_experimental_median
            ]
            target_hrs = dict.fromkeys(r.target_hr for r in same if not missing(r.target_hr))
            targets = ", ".join(theme.format_ratio(v) for v in target_hrs)
            for role, value in (
                ("control", scenario.assumed_control_median),
                ("experimental", scenario.assumed_experimental_median),
            ):
                if finite(value):
                    hover = [
                        f"Assumed {role} median {words} {theme.format_months(value)} months",
                        f"design scenario(s): {', '.join(r.scenario for r in same)}",
                    ]
                    if targets:
                        hover.append(f"target HR {targets}")
                    out.append(_row(trial_id, roles.get(role, ""), y, label, role, "assumed", value, hover=hover))
            y -= 1.0
        observed = observed_medians.get((trial_id, endpoint), [])
        if not observed:
            out.append(_row(trial_id, "", y, "observed", "", "missing", hover=[f"no published median {words}"]))
        for row in observed:
            arm = info.get((trial_id, row.arm_id), {})
            role = arm.get("role", "single")
            with_ci = has_ci(row.ci_low, row.ci_high)
            ci = f"95% CI {range_text(row.ci_low, row.ci_high)} months" if with_ci else "CI not reported"
            hover = [f"{arm.get('label', row.arm_id)}: observed median {words} {theme.format_months(row.value)} months; {ci}"]
            out.append(
                _row(
                    trial_id, row.arm_id, y, "observed", role, "observed", row.value,
                    row.ci_low if with_ci else None, row.ci_high if with_ci else None,
                    dy=_ROLE_NUDGE.get(role, 0.0), hover=hover,
                )
            )  # fmt: skip
        y -= 1.6
    return out


def _size_rows(design: pd.DataFrame, observed_medians: dict, trial_rows: dict) -> list[dict]:
    """Rows of panel 2: planned vs enrolled patients, planned vs observed (summed) events.

    Trials in the order of `design`; `observed_medians` is `whole_population_median_records(efficacy)`.
    """
    out: list[dict] = []

    def add(trial_id, y, label, kind, value, *hover):
        out.append(_row(trial_id, "", y, label, label, kind, value, hover=hover))

    y = 0.0
    for trial_id, group in records_by(design, "trial_id").items():
        trial = trial_rows.get(trial_id)
        planned_n = integer(getattr(trial, "n_planned", None)) if trial is not None else None
        if planned_n is None:
            planned_n = next((int(r.planned_n) for r in group if not missing(r.planned_n)), None)
        enrolled = integer(getattr(trial, "n_enrolled", None)) if trial is not None else None
        planned_events = list(dict.fromkeys(int(r.planned_events) for r in group if not missing(r.planned_events)))
        endpoint = group[0].endpoint
        observed_events, event_note = _observed_events(observed_medians.get((trial_id, endpoint), []))
        if planned_n is not None or enrolled is not None:
            if planned_n is not None:
                add(trial_id, y, "patients", "planned", planned_n, f"Planned sample size {planned_n} patients")
            if enrolled is not None:
                add(trial_id, y, "patients", "actual", enrolled, f"Enrolled {enrolled} patients")
            else:
                add(trial_id, y, "patients", "missing", None, "enrolment not reported")
            y -= 1.0
        if planned_events or observed_events is not None:
            for value in planned_events:
                add(trial_id, y, "events", "planned", value, f"Planned {value} {endpoint} events")
            if observed_events is not None:
                add(
                    trial_id, y, "events", "derived", observed_events,
                    f"Observed {observed_events} {endpoint} events", f"derived ({event_note})",
                )  # fmt: skip
            else:
                add(trial_id, y, "events", "missing", None, f"observed events: {event_note}")
            y -= 1.0
        y -= 0.6
    return out


def _observed_events(medians: list) -> tuple[int | None, str]:
    """Sum of per-arm event counts over a trial's primary-endpoint median rows, only when every arm has one."""
    if not medians or any(missing(row.count) for row in medians):
        return None, "per-arm event counts not reported"
    counts = [int(row.count) for row in medians]
    return sum(counts), "sum of per-arm counts " + " + ".join(str(c) for c in counts)


def _rate_rows(design: pd.DataFrame, efficacy: pd.DataFrame, info: dict) -> list[dict]:
    """Rows of panel 3: null and alternative rates of single-arm designs, then the observed rate."""
    out: list[dict] = []
    rates = design[design["null_rate"].notna() | design["alternative_rate"].notna()]
    arms_of = arms_by_trial(info)
    observed_rates: dict = {}
    if efficacy is not None and not efficacy.empty:
        main_rates = efficacy[(efficacy["statistic"] == "rate") & efficacy["analysis"].isin(MAIN_ANALYSES)]
        observed_rates = records_by(main_rates, "trial_id", "endpoint")
    y = 0.0
    for row in rates.itertuples(index=False):
        trial_id, endpoint = row.trial_id, row.endpoint
        single = next((arm_id for arm_id, arm in arms_of.get(trial_id, []) if arm["role"] == "single"), "")
        for kind, value in (("null", row.null_rate), ("alternative", row.alternative_rate)):
            if finite(value):
                hover = [f"Design {kind} rate {theme.format_percent(value)} ({row.scenario} design)"]
                out.append(_row(trial_id, single, y, f"{endpoint} design", "single", kind, value, hover=hover))
        y -= 1.0
        observed = observed_rates.get((trial_id, endpoint), [])
        if not observed:
            out.append(_row(trial_id, single, y, f"{endpoint} observed", "", "missing", hover=["no observed rate reported"]))
        for obs in observed:
            with_ci = has_ci(obs.ci_low, obs.ci_high)
            ci = f"95% CI {range_text(obs.ci_low, obs.ci_high)}%" if with_ci else "CI not reported"
            hover = [f"Observed {lower_first(endpoint_label(endpoint))} {theme.format_percent(obs.value)}; {ci}"]
            out.append(
                _row(
                    trial_id, obs.arm_id, y, f"{endpoint} observed", "single", "observed", obs.value,
                    obs.ci_low if with_ci else None, obs.ci_high if with_ci else None, hover=hover,
                )
            )  # fmt: skip
        y -= 1.6
    return out
