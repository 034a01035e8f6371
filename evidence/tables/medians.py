"""Published median time-to-event per arm: whole-population rows, one per arm, in display order."""

from __future__ import annotations

import pandas as pd

from evidence.tables.lookups import (
    ANALYSIS_RANK,
    MAIN_ANALYSES,
    ROLE_RANK,
    arm_lookup,
    finite,
    has_ci,
    records_by,
    trial_names,
    trial_order,
)

MEDIAN_COLUMNS = (
    "trial_id",
    "arm_id",
    "trial_name",
    "arm_label",
    "role",
    "endpoint",
    "value",
    "ci_low",
    "ci_high",
    "has_ci",
    "count",
    "n_analysed",
    "analysis",
    "derived",
    "source",
    "passage",
)


def median_rows(efficacy: pd.DataFrame | None, arms: pd.DataFrame, trials: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """One row per arm reporting a whole-population median of `endpoint` (the most primary
    analysis wins), trials in trials.csv order and arms experimental, control, single.

    `trial_name` is the acronym, `arm_label` and `role` come from arms.csv ('single' when the arm
    is unknown); `derived` is True for a computed median. Text is as in the data.
    """
    if efficacy is None or efficacy.empty:
        return pd.DataFrame(columns=list(MEDIAN_COLUMNS))
    rows = efficacy[
        (efficacy["endpoint"] == endpoint)
        & (efficacy["statistic"] == "median")
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["value"].map(finite)
    ]
    if rows.empty:
        return pd.DataFrame(columns=list(MEDIAN_COLUMNS))
    names = trial_names(trials)
    info = arm_lookup(arms)
    rank = trial_order(trials, rows["trial_id"])
    rows = rows.assign(
        role=[info.get((t, a), {}).get("role", "single") for t, a in zip(rows["trial_id"], rows["arm_id"])],
        arm_label=[info.get((t, a), {}).get("label", a) for t, a in zip(rows["trial_id"], rows["arm_id"])],
        _analysis=rows["analysis"].map(ANALYSIS_RANK),
    )
    rows = rows.sort_values("_analysis", kind="stable").drop_duplicates(["trial_id", "arm_id"])
    rows = rows.assign(
        _trial=rows["trial_id"].map(rank), _role=rows["role"].map(ROLE_RANK).fillna(9)
    ).sort_values(["_trial", "_role"], kind="stable")
    rows = rows.assign(
        has_ci=[has_ci(lo, hi) for lo, hi in zip(rows["ci_low"], rows["ci_high"])],
        derived=rows["derived"].fillna(False).astype(bool),
        trial_name=rows["trial_id"].map(lambda t: names.get(t, t)),
    )
    if "source" not in rows.columns:
        rows = rows.assign(source="")
    if "passage" not in rows.columns:
        rows = rows.assign(passage="")
    return rows[list(MEDIAN_COLUMNS)].reset_index(drop=True)


def whole_population_medians(efficacy: pd.DataFrame, trial_id: str, endpoint: str) -> pd.DataFrame:
    """Whole-population median rows of one trial's endpoint, one per arm (most primary first)."""
    if efficacy is None or efficacy.empty:
        return pd.DataFrame(columns=["arm_id", "value", "ci_low", "ci_high", "count"])
    rows = _ranked_whole_population_medians(efficacy)
    rows = rows[(rows["trial_id"] == trial_id) & (rows["endpoint"] == endpoint)]
    return rows.drop_duplicates("arm_id")


def whole_population_median_records(efficacy: pd.DataFrame | None) -> dict[tuple[str, str], list]:
    """(trial_id, endpoint) -> the rows of `whole_population_medians(efficacy, trial_id, endpoint)`
    as named tuples, for every pair that has any.

    For figures that need every trial's medians: one pass over the table instead of one filter
    per trial, which scans the whole table each time.
    """
    if efficacy is None or efficacy.empty:
        return {}
    rows = _ranked_whole_population_medians(efficacy).drop_duplicates(["trial_id", "endpoint", "arm_id"])
    return records_by(rows, "trial_id", "endpoint")


def _ranked_whole_population_medians(efficacy: pd.DataFrame) -> pd.DataFrame:
    """Median rows of main analyses with a finite value, most primary analysis first (stable sort)."""
    rows = efficacy[
        (efficacy["statistic"] == "median")
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["value"].map(finite)
    ]
    return rows.assign(_rank=rows["analysis"].map(ANALYSIS_RANK)).sort_values("_rank", kind="stable")
