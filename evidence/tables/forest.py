"""Rows of the hazard-ratio forest: one per reported (or computed) HR of an endpoint, in display order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence import theme
from evidence.model_caveats import caveat_text
from evidence.session import IPD_SOURCE_ID
from evidence.tables.lookups import (
    ANALYSIS_RANK,
    MAIN_ANALYSES,
    arm_lookup,
    finite,
    has_ci,
    missing,
    number,
    short_arm_label,
    text,
    trial_names,
    trial_order,
)

FOREST_COLUMNS = (
    "trial_id",
    "arm_id",
    "label",
    "analysis",
    "subgroup",
    "value",
    "ci_low",
    "ci_high",
    "has_ci",
    "p_text",
    "p_label",
    "n_patients",
    "events",
    "hr_text",
    "experimental_arm",
    "control_arm",
    "derived",
    "origin",
    "from_patient_data",
    "source",
    "passage",
    "note",
    "caveat",
)


def forest_rows(
    comparisons: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    endpoint: str,
    efficacy: pd.DataFrame | None = None,
    include_subgroups: bool = True,
    show_derived: bool = True,
) -> pd.DataFrame:
    """Tidy rows of a hazard-ratio forest plot for one endpoint, in display order.

    Per trial: main analyses (primary, secondary, exploratory) first, then sensitivity and
    subgroup rows. `events` is the sum of both arms' event counts from efficacy.csv, only when
    both are known; `n_patients` sums both arms' efficacy sets (whole-population rows only).
    `origin` is curated or uploaded; `from_patient_data` marks a hazard ratio computed here from
    uploaded patient-level data. A trial with both kinds of row says which is which in the label
    ("PASO — published" vs "PASO — from your patient data"). Text is as in the data (not
    escaped for plotly: the figure does that).
    """
    if comparisons is None or comparisons.empty:
        return pd.DataFrame(columns=list(FOREST_COLUMNS))
    picked = comparisons[(comparisons["endpoint"] == endpoint) & (comparisons["statistic"] == "HR")]
    picked = picked[picked["value"].map(finite)]
    if not include_subgroups:
        picked = picked[picked["analysis"] != "subgroup"]
    if not show_derived and "derived" in picked.columns:
        picked = picked[~picked["derived"].fillna(False).astype(bool)]
    if picked.empty:
        return pd.DataFrame(columns=list(FOREST_COLUMNS))

    names = trial_names(trials)
    arm_info = arm_lookup(arms)
    events_by_arm = _event_counts(efficacy, endpoint)
    rank = trial_order(trials, picked["trial_id"])
    origins = picked["origin"].fillna("curated").astype(str) if "origin" in picked.columns else pd.Series("curated", index=picked.index)
    from_patient_data = picked["source"].fillna("").astype(str).str.startswith(f"{IPD_SOURCE_ID}:")
    with_patient_data = set(picked.loc[from_patient_data, "trial_id"])

    rows = []
    for position, (row, origin, computed) in enumerate(zip(picked.itertuples(index=False), origins, from_patient_data)):
        trial_id, exp_arm, ctl_arm = row.trial_id, row.experimental_arm, row.control_arm
        name = names.get(trial_id, trial_id)
        if trial_id in with_patient_data:
            name = f"{name} — {_row_kind(origin, computed)}"
        exp = arm_info.get((trial_id, exp_arm), {})
        ctl = arm_info.get((trial_id, ctl_arm), {})
        analysis = row.analysis
        if analysis == "subgroup":
            label = f"  subgroup: {text(row.subgroup)}"
        elif analysis == "sensitivity":
            label = "  sensitivity"
        else:
            label = (
                f"{name}: {short_arm_label(exp.get('label', exp_arm))} vs "
                f"{short_arm_label(ctl.get('label', ctl_arm))}"
            )
        whole_population = analysis != "subgroup"
        n_e, n_c = exp.get("n_efficacy"), ctl.get("n_efficacy")
        n_patients = n_e + n_c if whole_population and n_e is not None and n_c is not None else None
        e_e, e_c = events_by_arm.get((trial_id, exp_arm)), events_by_arm.get((trial_id, ctl_arm))
        events = e_e + e_c if analysis in MAIN_ANALYSES and e_e is not None and e_c is not None else None
        value, low, high = float(row.value), number(row.ci_low), number(row.ci_high)
        with_ci = has_ci(low, high)
        p_text = text(row.p_text) or ("" if missing(row.p_value) else f"{float(row.p_value):g}")
        rows.append(
            {
                "trial_id": trial_id,
                "arm_id": "",
                "label": label,
                "analysis": analysis,
                "subgroup": text(row.subgroup),
                "value": value,
                "ci_low": low if with_ci else np.nan,
                "ci_high": high if with_ci else np.nan,
                "has_ci": with_ci,
                "p_text": p_text,
                "p_label": p_text if p_text else "NR",
                "n_patients": n_patients,
                "events": events,
                "hr_text": (
                    f"{theme.format_ratio(value)} [{theme.format_ratio(low)}–{theme.format_ratio(high)}]"
                    if with_ci
                    else f"{theme.format_ratio(value)} [CI NR]"
                ),
                "experimental_arm": exp_arm,
                "control_arm": ctl_arm,
                "derived": bool(row.derived) if not missing(row.derived) else False,
                "origin": origin,
                "from_patient_data": bool(computed),
                "source": text(row.source),
                "passage": text(getattr(row, "passage", None)),
                "note": text(row.note),
                # The paper's own caveat on its Cox model (e.g. E2100's treatment x time interaction),
                # on the whole-population rows it qualifies.
                "caveat": "" if analysis == "subgroup" else caveat_text(comparisons, trial_id, endpoint),
                "_order": (rank[trial_id], ANALYSIS_RANK.get(analysis, 9), position),
            }
        )
    frame = pd.DataFrame(rows).sort_values("_order", kind="stable").drop(columns="_order")
    frame["n_patients"] = frame["n_patients"].astype("Int64")
    frame["events"] = frame["events"].astype("Int64")
    return frame.reset_index(drop=True)[list(FOREST_COLUMNS)]


def _row_kind(origin: str, from_patient_data: bool) -> str:
    """How a trial's row came to be, for telling two rows of one trial apart."""
    if from_patient_data:
        return "from your patient data"
    return "uploaded summary" if origin == "uploaded" else "published"


def _event_counts(efficacy: pd.DataFrame | None, endpoint: str) -> dict[tuple[str, str], int]:
    """(trial_id, arm_id) -> events for the endpoint's whole-population median row."""
    if efficacy is None or efficacy.empty:
        return {}
    rows = efficacy[
        (efficacy["endpoint"] == endpoint)
        & (efficacy["statistic"] == "median")
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["count"].notna()
    ]
    rows = rows.assign(_rank=rows["analysis"].map(ANALYSIS_RANK)).sort_values("_rank", kind="stable")
    rows = rows.drop_duplicates(["trial_id", "arm_id"])
    return {(r.trial_id, r.arm_id): int(r.count) for r in rows.itertuples(index=False)}
