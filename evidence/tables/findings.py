"""Findings the documents state in words (findings.csv): quality of life, qualitative efficacy
and population notes, registry facts, as a list per trial and topic."""

from __future__ import annotations

import pandas as pd

from evidence.contract import FINDING_TOPICS
from evidence.tables.baseline import P_UNITS
from evidence.tables.lookups import arm_lookup, integer, number, text, trial_names, trial_order

TOPIC_RANK = {topic: rank for rank, topic in enumerate(FINDING_TOPICS)}
COLUMNS = [
    "trial_id", "trial_name", "arm_id", "arm_label", "topic", "finding", "timepoint", "count", "value", "unit",
    "numbers", "derived", "source", "passage", "note",
]  # fmt: skip


def numbers_text(count: int | None, value: float | None, unit: str) -> str:
    """'631', '88.8 percent of deaths (of 483)', 'P = 0.03', 'P < 0.001', '' as the row holds them."""
    if value is not None and unit in P_UNITS:
        return P_UNITS[unit].format(value)
    shown = f"{value:g} {unit}".strip() if value is not None else ""
    if count is not None:
        shown = f"{shown} (of {count})" if shown else str(count)
    return shown


def findings_table(findings: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame, topics: tuple[str, ...] = ()) -> pd.DataFrame:
    """findings.csv rows (only `topics` when given) with names and a numbers text; trials in
    trials.csv order, topics in the contract's order, file order within."""
    if findings is None or findings.empty:
        return pd.DataFrame(columns=COLUMNS)
    if topics:
        findings = findings[findings["topic"].isin(topics)]
    info = arm_lookup(arms)
    names = trial_names(trials)
    order = trial_order(trials, findings["trial_id"])
    rows = []
    for position, r in enumerate(findings.itertuples(index=False)):
        arm_id = text(r.arm_id)
        count, value, unit = integer(r.count), number(r.value), text(r.unit)
        rows.append(
            dict(
                trial_id=r.trial_id, trial_name=names.get(r.trial_id, r.trial_id), arm_id=arm_id,
                arm_label=info.get((r.trial_id, arm_id), {}).get("label", arm_id) if arm_id else "",
                topic=r.topic, finding=r.finding, timepoint=text(r.timepoint), count=count, value=value, unit=unit,
                numbers=numbers_text(count, value, unit), derived=bool(r.derived), source=r.source,
                passage=text(getattr(r, "passage", None)), note=text(r.note),
                _order=(order[r.trial_id], TOPIC_RANK.get(r.topic, 99), position),
            )
        )  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.DataFrame(rows)
    table = table.iloc[sorted(range(len(table)), key=lambda i: table["_order"].iat[i])]
    return table.drop(columns="_order").reset_index(drop=True)[COLUMNS]
