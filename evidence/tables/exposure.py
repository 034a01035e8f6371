"""Treatment delivered and stopped (exposure.csv): what toxicity cost in treatment, per arm.

One row per curated measure with trial and arm names and a display text ('11/29 (38%)',
'6 cycles'). Percentages are the document's printed ones; where the document disagrees with its
own count and denominator (PASO's '2% (n = 22) of 550'), the discrepancy is carried, and the
percentage recomputed from the counts is given beside it, marked derived.
"""

from __future__ import annotations

import pandas as pd

from evidence.tables.lookups import ROLE_RANK, arm_lookup, integer, number, short_arm_label, text, trial_names, trial_order

COLUMNS = [
    "trial_id", "trial_name", "arm_id", "arm_label", "role", "drug", "measure", "kind", "count", "count_of",
    "denominator", "pct", "pct_from_counts", "value", "unit", "shown", "population", "derived", "source", "passage", "note",
    "discrepancy",
]  # fmt: skip
PERCENT, SUMMARY = "percent", "summary"
"""Row kinds: a count out of a denominator (drawn as a bar), or a median/summary value (text)."""


def _shown(count, denominator, pct, value, unit) -> str:
    if value is not None:
        return f"{value:g} {unit}".strip()
    parts = []
    if count is not None and denominator is not None:
        parts.append(f"{count}/{denominator}")
    elif count is not None:
        parts.append(str(count))
    if pct is not None:
        parts.append(f"({pct:g}%)" if parts else f"{pct:g}%")
    return " ".join(parts)


def exposure_table(exposure: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """exposure.csv rows with names and display text, trials in trials.csv order, arms
    experimental before control, measures in file order within a trial."""
    if exposure is None or exposure.empty:
        return pd.DataFrame(columns=COLUMNS)
    info = arm_lookup(arms)
    names = trial_names(trials)
    order = trial_order(trials, exposure["trial_id"])
    rows = []
    for position, r in enumerate(exposure.itertuples(index=False)):
        arm = info.get((r.trial_id, r.arm_id), {})
        count, denominator, pct, value = integer(r.count), integer(r.denominator), number(r.pct), number(r.value)
        from_counts = 100.0 * count / denominator if count is not None and denominator else None
        rows.append(
            dict(
                trial_id=r.trial_id, trial_name=names.get(r.trial_id, r.trial_id), arm_id=r.arm_id,
                arm_label=arm.get("label", r.arm_id), role=arm.get("role", "other"), drug=text(r.drug),
                measure=r.measure, kind=SUMMARY if value is not None else PERCENT, count=count,
                count_of=text(r.count_of), denominator=denominator, pct=pct,
                pct_from_counts=round(from_counts, 1) if from_counts is not None else None,
                value=value, unit=text(r.unit), shown=_shown(count, denominator, pct, value, text(r.unit)),
                population=text(r.population), derived=bool(r.derived), source=r.source,
                passage=text(getattr(r, "passage", None)), note=text(r.note),
                discrepancy=text(r.discrepancy),
                _order=(order[r.trial_id], position),
            )
        )  # fmt: skip
    table = pd.DataFrame(rows).sort_values("_order", kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)[COLUMNS]


def measure_label(row) -> str:
    """'paclitaxel: permanently discontinued due to adverse events' (the drug first when named)."""
    return f"{row.drug}: {row.measure}" if row.drug else row.measure


def arm_summary(rows: pd.DataFrame) -> str:
    """'paclitaxel + sorafenib 4 cycles · paclitaxel 6 cycles' for the arms of one summary measure."""
    ordered = rows.assign(_rank=rows["role"].map(ROLE_RANK).fillna(9)).sort_values("_rank", kind="stable")
    return " · ".join(f"{short_arm_label(r.arm_label)} {r.shown}" for r in ordered.itertuples(index=False))
