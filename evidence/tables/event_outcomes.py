"""Fatal and treatment-limiting adverse events (event_outcomes.csv), for the toxicity view.

What a grade band's percentage cannot say: which events killed patients or stopped a drug, and
whether the investigators judged them related. Deaths first, then stopped, interrupted, reduced.
"""

from __future__ import annotations

import pandas as pd

from evidence.contract import EVENT_OUTCOMES
from evidence.tables.lookups import ROLE_RANK, arm_lookup, integer, text, trial_names, trial_order

OUTCOME_RANK = {outcome: rank for rank, outcome in enumerate(EVENT_OUTCOMES)}
COLUMNS = [
    "trial_id", "trial_name", "arm_id", "arm_label", "role", "event_reported", "term", "grade", "outcome", "drug",
    "attribution", "count", "n_at_risk", "patients", "derived", "source", "passage", "note",
]  # fmt: skip


def event_outcome_table(events: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """One row per curated event with names and 'n of N' text; trials in trials.csv order, then
    outcome (death first), arm (experimental first), file order."""
    if events is None or events.empty:
        return pd.DataFrame(columns=COLUMNS)
    info = arm_lookup(arms)
    names = trial_names(trials)
    order = trial_order(trials, events["trial_id"])
    rows = []
    for position, r in enumerate(events.itertuples(index=False)):
        arm = info.get((r.trial_id, r.arm_id), {})
        count, n = integer(r.count), integer(r.n_at_risk)
        rows.append(
            dict(
                trial_id=r.trial_id, trial_name=names.get(r.trial_id, r.trial_id), arm_id=r.arm_id,
                arm_label=arm.get("label", r.arm_id), role=arm.get("role", "other"), event_reported=r.event_reported,
                term=text(r.term), grade=str(r.grade), outcome=r.outcome, drug=text(r.drug),
                attribution=r.attribution, count=count, n_at_risk=n,
                patients=f"{count} of {n}" if n is not None else str(count), derived=bool(r.derived),
                source=r.source, passage=text(getattr(r, "passage", None)), note=text(r.note),
                _order=(order[r.trial_id], OUTCOME_RANK.get(r.outcome, 9), ROLE_RANK.get(arm.get("role"), 9), position),
            )
        )  # fmt: skip
    table = pd.DataFrame(rows)
    table = table.iloc[sorted(range(len(table)), key=lambda i: table["_order"].iat[i])]
    return table.drop(columns="_order").reset_index(drop=True)[COLUMNS]


def deaths_by_arm(table: pd.DataFrame) -> pd.DataFrame:
    """Grade 5 events per trial and arm: patients and the safety set they are out of."""
    deaths = table[(table["grade"] == "5") & (table["outcome"] == "death")]
    return (
        deaths.groupby(["trial_id", "arm_id", "arm_label"], sort=False)
        .agg(patients=("count", "sum"), n_at_risk=("n_at_risk", "first"))
        .reset_index()
    )
