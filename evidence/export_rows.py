"""The rows behind each view, as exported to CSV and XLSX (and counted on slides): the curated
rows a view draws, with arm labels, a `derived` flag and the `source` of every row.

One function per view, (data, state) -> DataFrame; evidence/view_registry.py attaches each to its
view, so they read only the state fields the view declares. No Dash here.
"""

from __future__ import annotations

import pandas as pd

from evidence import views
from evidence.dosing import dose_schedule
from evidence.loading import CuratedData
from evidence.state import ViewState, filter_tables
from evidence.tables import forest as forest_tables
from evidence.tables.pooling import HETEROGENEITY_LIMIT, Pooling
from evidence.tables.rates import rate_rows
from evidence.tables.toxicity import data_band_rows, toxicity_differences, toxicity_matrix

DERIVED_LABEL = (
    "Derived: computed here from printed numbers (e.g. confidence intervals from counts, grade sums, "
    "dose intensity), not printed in the source."
)
MODEL_LABEL = "Model-based: survival curves fitted to the published medians and hazard ratio; not patient data."
HYPOTHETICAL_LABEL = "Hypothetical: the what-if ramp is computed from the dashboard inputs; not trial data."


_INTERNAL = ("term_order", "column_order", "hidden_derived", "has_ci", "p_label", "highlighted")


def _tables(data: CuratedData, state: ViewState) -> dict[str, pd.DataFrame]:
    return filter_tables(data.tables, state)


def _flags(values) -> pd.Series:
    """Booleans with missing as False (no pandas downcasting warnings on object columns)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return series.astype(object).map(lambda v: False if v is None or v is pd.NA or v != v else bool(v)).astype(bool)


def _tidy(frame: pd.DataFrame, derived: pd.Series | None = None, source: str | None = None) -> pd.DataFrame:
    """Drop drawing helpers; make sure `derived`, `source` and `passage` (the words the row was
    read from; empty for rows computed here) exist (they go last)."""
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("_") or c in _INTERNAL]).reset_index(drop=True)
    if derived is not None:
        frame["derived"] = _flags(derived.reset_index(drop=True))
    elif "derived" not in frame.columns:
        frame["derived"] = False
    frame["derived"] = _flags(frame["derived"])
    if "source" not in frame.columns:
        frame["source"] = source or ""
    if "passage" not in frame.columns:
        frame["passage"] = ""
    last = ["derived", "source", "passage"]
    ordered = [c for c in frame.columns if c not in last] + last
    return frame[ordered]


def _with_arm_labels(frame: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or "arm_id" not in frame.columns:
        return frame
    labels = arms[["trial_id", "arm_id", "label", "role"]].rename(columns={"label": "arm_label"})
    merged = frame.merge(labels, on=["trial_id", "arm_id"], how="left")
    front = ["trial_id", "arm_id", "arm_label", "role"]
    return merged[front + [c for c in merged.columns if c not in front]]


def _stack(parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows of several tables in one frame, with a leading `table` column."""
    frames = [frame.assign(table=name) for name, frame in parts.items() if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=["table", "trial_id", "derived", "source", "passage"])
    stacked = pd.concat(frames, ignore_index=True, sort=False)
    return stacked[["table"] + [c for c in stacked.columns if c != "table"]]


def design_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    design = t["design"]
    pairs = set(zip(design.trial_id, design.endpoint))
    efficacy = t["efficacy"]
    observed = efficacy[[(a, b) in pairs for a, b in zip(efficacy.trial_id, efficacy.endpoint)]]
    trials = t["trials"][t["trials"].trial_id.isin(design.trial_id)][["trial_id", "status", "n_planned", "n_enrolled", "source"]]
    return _tidy(_stack({"design": design, "trials": trials, "efficacy": _with_arm_labels(observed, t["arms"])}))


def forest_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    """The forest's trial rows, plus a pooled row only when pooling was requested (as on screen)."""
    t = _tables(data, state)
    rows = forest_tables.forest_rows(t["comparisons"], t["arms"], t["trials"], state.endpoint, efficacy=t["efficacy"])
    rows = rows.assign(endpoint=state.endpoint, statistic="HR")
    if state.pool:
        _, pooling = views.forest_rows_and_pooling(data, state)
        if pooling.estimate is not None:
            rows = pd.concat([rows, _pooled_row(pooling, state)], ignore_index=True)
    return _tidy(rows)


def _pooled_row(pooling: Pooling, state: ViewState) -> pd.DataFrame:
    """The pooled estimate (or, above the heterogeneity limit, its statistics and no estimate)."""
    e = pooling.estimate
    drawn = pooling.drawn
    nan = float("nan")
    return pd.DataFrame(
        [dict(
            trial_id="", label=pooling.label if drawn else f"Not pooled: I² {e.i2:.0f}% > {HETEROGENEITY_LIMIT:.0f}%", analysis="pooled (random effects, DerSimonian–Laird)",
            value=e.estimate if drawn else nan, ci_low=e.ci_low if drawn else nan, ci_high=e.ci_high if drawn else nan,
            pi_low=e.pi_low if drawn else nan, pi_high=e.pi_high if drawn else nan,
            k=e.k, i2=round(e.i2, 4), tau2=e.tau2, pooled_trials=", ".join(pooling.trial_ids),
            endpoint=state.endpoint, statistic="HR", derived=True,
            origin="curated and uploaded" if pooling.mixes_uploaded else "",
            source="Computed here from the hazard ratios of " + ", ".join(pooling.trial_ids),
            note=pooling.message or pooling.statistics_text,
        )]
    )  # fmt: skip


def medians_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    e = t["efficacy"]
    shown = e[(e.endpoint == state.endpoint) & (e.statistic == "median")]
    return _tidy(_with_arm_labels(shown, t["arms"]))


def rates_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    rows = rate_rows(t["efficacy"], t["arms"])
    if rows.empty:
        return _tidy(rows)
    if not state.derived:
        hidden = rows.ci_status == "derived"
        rows = rows.assign(ci_low=rows.ci_low.where(~hidden), ci_high=rows.ci_high.where(~hidden))
    derived = ((rows.ci_status == "derived") & state.derived) | _flags(rows.value_derived)
    return _tidy(rows, derived=derived)


def toxicity_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    matrix = toxicity_matrix(
        t["adverse_events"], t["arms"], t["trials"], state.grade,
        organ_classes=list(state.organ) or None, search=state.tox_search, sort=state.tox_sort,
        top_n=state.tox_top, include_derived=state.derived,
        band_rows=data_band_rows(data, state.grade),  # the heatmap's own, cached once per data and band
    )
    if matrix.empty:
        return _tidy(matrix)
    if state.tox_mode == "difference":
        differences = toxicity_differences(matrix)
        if differences is not None and not differences.empty:
            sources = (
                matrix.dropna(subset=["source"]).groupby(["trial_id", "term"])["source"]
                .agg(lambda s: " | ".join(dict.fromkeys(s))).rename("source").reset_index()
            )
            passages = (
                matrix.dropna(subset=["passage"]).groupby(["trial_id", "term"])["passage"]
                .agg(lambda s: " | ".join(dict.fromkeys(s))).rename("passage").reset_index()
            )
            differences = (
                differences.drop(columns=["source", "passage"], errors="ignore")
                .merge(sources, on=["trial_id", "term"], how="left").merge(passages, on=["trial_id", "term"], how="left")
            )
            matrix = pd.concat([matrix.assign(table="rate"), differences.assign(table="difference")], ignore_index=True, sort=False)
            matrix = matrix[["table"] + [c for c in matrix.columns if c != "table"]]
    derived = _flags(matrix.get("derived", pd.Series(False, index=matrix.index)))
    if "pct_derived" in matrix.columns:
        derived |= _flags(matrix["pct_derived"])
    return _tidy(matrix, derived=derived)


def dosing_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    schedule = dose_schedule(t["dosing"], t["arms"], t["trials"])
    if schedule.empty:
        return _tidy(schedule)
    derived = _flags(schedule.planned_derived) | _flags(schedule.carried_forward)
    schedule = schedule.assign(derived_columns="rdi_full_pct, rdi_planned_pct, cumulative_* (computed here)")
    return _tidy(schedule, derived=derived)


def what_if_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    try:
        ramp = views.what_if_schedule(state)
    except ValueError:
        return _tidy(pd.DataFrame(columns=["cycle"]))
    ramp = ramp.assign(derived=True, source="Computed from the what-if inputs (hypothetical; not trial data)")
    return _tidy(ramp)


def survival_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    trial_id = views.survival_trial(data, state)
    efficacy = t["efficacy"][(t["efficacy"].trial_id == trial_id)]
    comparisons = t["comparisons"][(t["comparisons"].trial_id == trial_id)]
    return _tidy(_stack({"efficacy": _with_arm_labels(efficacy, t["arms"]), "comparisons": comparisons}))
