"""The dose view's table: each trial × arm's per-cycle rows in drawing order, with what the figure
says about each arm (planned dose stated or not, its end values) and the full-dose reference.

The per-cycle numbers themselves (planned and delivered dose, relative dose intensity, cumulative
dose) are computed by `evidence.dosing.dose_schedule`; this module arranges them for the view.
`evidence.figures.dosing` only draws the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

ARM_COLUMNS = [
    "trial_id", "arm_id", "arm_label", "role", "multi_arm", "planned_stated", "planned_end_cycle",
    "planned_end_mg", "cumulative_planned_end_g", "carried_from_cycle",
]  # fmt: skip


@dataclass(frozen=True)
class DoseRampTable:
    """`rows`: the schedule, each trial × arm's cycles together and in cycle order, arms in their
    order in the schedule. `arms`: one row per trial × arm (ARM_COLUMNS): `multi_arm` when its trial
    has several arms with a sorafenib row, `planned_stated` when any cycle has a planned dose,
    `planned_end_*` the last planned dose and its cycle, `cumulative_planned_end_g` the planned
    cumulative dose at the last cycle (NaN when unknown), `carried_from_cycle` the first cycle whose
    planned dose is carried forward (NaN without). `full_dose`: per cycle, the day it ends and the
    cumulative dose at 800 mg/day. `assumed_days_trials`: trials whose cycle length is assumed."""

    rows: pd.DataFrame
    arms: pd.DataFrame
    full_dose: pd.DataFrame
    cycles: list[int]
    assumed_days_trials: list[str]

    @property
    def empty(self) -> bool:
        return self.rows.empty


def _arm_summary(rows: pd.DataFrame, multi_arm: bool) -> dict:
    """What the figure says about one arm, from its rows in cycle order."""
    first = rows.iloc[0]
    planned = rows[rows["planned_daily_mg"].notna()]
    cumulative = rows[rows["cumulative_planned_mg"].notna()]
    carried = cumulative.loc[cumulative["carried_forward"].astype(bool), "cycle"]
    return dict(
        trial_id=first["trial_id"], arm_id=first["arm_id"], arm_label=first["arm_label"], role=first["role"],
        multi_arm=multi_arm, planned_stated=not planned.empty,
        planned_end_cycle=int(planned["cycle"].iloc[-1]) if not planned.empty else None,
        planned_end_mg=float(planned["planned_daily_mg"].iloc[-1]) if not planned.empty else float("nan"),
        cumulative_planned_end_g=float(rows["cumulative_planned_mg"].iloc[-1]) / 1000.0,
        carried_from_cycle=int(carried.iloc[0]) if not carried.empty else None,
    )  # fmt: skip


def dose_ramp_table(schedule: pd.DataFrame) -> DoseRampTable:
    """The dose view's table from `evidence.dosing.dose_schedule` rows (in any order)."""
    if schedule is None or schedule.empty:
        empty = pd.DataFrame(columns=list(schedule.columns) if schedule is not None else [])
        return DoseRampTable(empty, pd.DataFrame(columns=ARM_COLUMNS), pd.DataFrame(), [], [])
    keys = list(dict.fromkeys(zip(schedule["trial_id"], schedule["arm_id"])))
    arms_per_trial = pd.Series([t for t, _ in keys]).value_counts()
    # Each arm's rows gathered in cycle order with one stable sort: the arm's place in `keys`, then cycle.
    rank = {key: i for i, key in enumerate(keys)}
    order = pd.Series([rank[k] for k in zip(schedule["trial_id"], schedule["arm_id"])], index=schedule.index)
    rows = schedule.assign(_arm=order).sort_values(["_arm", "cycle"], kind="stable").drop(columns="_arm")
    arms = pd.DataFrame(
        [_arm_summary(group, arms_per_trial[trial_id] > 1) for (trial_id, _), group in rows.groupby(["trial_id", "arm_id"], sort=False)],
        columns=ARM_COLUMNS,
    )  # fmt: skip
    full = schedule.drop_duplicates("cycle").sort_values("cycle")[["cycle", "day_end", "cumulative_full_dose_mg"]]
    assumed = list(schedule.loc[schedule["cycle_days_assumed"].astype(bool), "trial_id"].unique())
    cycles = sorted(int(c) for c in schedule["cycle"].unique())
    return DoseRampTable(rows.reset_index(drop=True), arms, full.reset_index(drop=True), cycles, assumed)
