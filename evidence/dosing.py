"""Sorafenib dose schedules: planned ramp, delivered dose, dose intensity and cumulative dose.

Pure computations, no plotting. Every computed column is derived from the `dosing` table:
planned daily dose × cycle length for cumulative dose, delivered ÷ 800 mg for relative dose
intensity. A planned dose that the source does not state stays NaN; it is never guessed.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

FULL_DOSE_MG = 800.0
"""Sorafenib full (label) daily dose: 400 mg twice daily."""
DEFAULT_CYCLE_DAYS = 28
"""Cycle length assumed when the source states none (28 days, as in every trial here that states one)."""

SCHEDULE_COLUMNS = [
    "trial_id", "arm_id", "arm_label", "role", "drug", "cycle", "day_start", "day_end",
    "cycle_days", "cycle_days_assumed", "planned_daily_mg", "planned_derived", "planned_stated",
    "carried_forward", "delivered_mean_daily_mg", "rdi_full_pct", "rdi_planned_pct",
    "cumulative_planned_mg", "cumulative_delivered_mg", "cumulative_full_dose_mg",
    "schedule", "source", "passage", "note",
]  # fmt: skip


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def dose_schedule(
    dosing: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    cycles: int = 6,
    full_dose_mg: float = FULL_DOSE_MG,
) -> pd.DataFrame:
    """Per trial × arm with a sorafenib row, one row per cycle 1..`cycles` of planned and delivered dose.

    - planned_daily_mg: as stated; after the last stated cycle the last stated dose carries forward
      (a maintenance dose continues), flagged `carried_forward`. Not stated -> NaN (never guessed).
    - cycle_days: as stated, else 28 with `cycle_days_assumed=True`.
    - rdi_full_pct = delivered / full dose × 100 and rdi_planned_pct = delivered / planned × 100
      (derived), only where a delivered dose is reported.
    - cumulative_*_mg = running sum of daily dose × cycle_days (derived); delivered only through the
      cycles (from cycle 1, without a gap) that report a delivered dose; full dose = 800 × days.
    """
    if isinstance(cycles, bool) or not isinstance(cycles, (int, np.integer)) or cycles < 1:
        raise ValueError(f"cycles must be a whole number >= 1, got {cycles!r}")
    if dosing is None or dosing.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SCHEDULE_COLUMNS})
    rows = dosing[dosing["drug"].astype(str).str.strip().str.casefold() == "sorafenib"]
    trial_rank = {t: i for i, t in enumerate(trials["trial_id"])} if trials is not None and not trials.empty else {}
    arm_info = {}
    if arms is not None and not arms.empty:
        arm_info = {(a.trial_id, a.arm_id): (a.label, a.role) for a in arms.itertuples()}

    out = []
    keys = sorted(dict.fromkeys(zip(rows["trial_id"], rows["arm_id"])), key=lambda k: (trial_rank.get(k[0], len(trial_rank)), k))
    for trial_id, arm_id in keys:
        arm_rows = rows[(rows["trial_id"] == trial_id) & (rows["arm_id"] == arm_id)].sort_values("cycle")
        by_cycle = {int(r.cycle): r for r in arm_rows.itertuples()}
        label, role = arm_info.get((trial_id, arm_id), (arm_id, "single"))
        last = None  # last stated row, carried forward past the stated cycles
        day = 0
        cum_planned = 0.0
        cum_delivered = 0.0
        cum_full = 0.0
        delivered_run = True  # delivered cumulative only while every cycle so far reports a dose
        for cycle in range(1, cycles + 1):
            stated = by_cycle.get(cycle)
            source_row = stated if stated is not None else last
            if stated is not None:
                last = stated
            if source_row is None:
                # Cycles before the first stated one: nothing is known.
                planned, planned_derived, days_stated, schedule, source, note = np.nan, False, None, None, None, None
                passage = None
            else:
                planned = np.nan if _missing(source_row.planned_daily_mg) else float(source_row.planned_daily_mg)
                planned_derived = bool(source_row.planned_derived) if not _missing(source_row.planned_derived) else False
                days_stated = None if _missing(source_row.cycle_days) else int(source_row.cycle_days)
                schedule, source, note = source_row.schedule, source_row.source, source_row.note
                passage = getattr(source_row, "passage", None)
            carried = stated is None and source_row is not None and not math.isnan(planned)
            cycle_days = days_stated if days_stated is not None else DEFAULT_CYCLE_DAYS
            delivered = np.nan
            if stated is not None and not _missing(stated.delivered_mean_daily_mg):
                delivered = float(stated.delivered_mean_daily_mg)
            day_start, day = day + 1, day + cycle_days
            # Cumulative dose = Σ daily dose × cycle days (derived); NaN once any cycle is unknown.
            cum_planned = cum_planned + planned * cycle_days
            cum_full += full_dose_mg * cycle_days
            delivered_run = delivered_run and not math.isnan(delivered)
            cum_delivered = cum_delivered + delivered * cycle_days if delivered_run else np.nan
            out.append(
                dict(
                    trial_id=trial_id,
                    arm_id=arm_id,
                    arm_label=label,
                    role=role,
                    drug="sorafenib",
                    cycle=cycle,
                    day_start=day_start,
                    day_end=day,
                    cycle_days=cycle_days,
                    cycle_days_assumed=days_stated is None,
                    planned_daily_mg=planned,
                    planned_derived=planned_derived,
                    planned_stated=stated is not None and not math.isnan(planned),
                    carried_forward=carried,
                    delivered_mean_daily_mg=delivered,
                    # Relative dose intensity (delivered ÷ reference dose, percent).
                    rdi_full_pct=100.0 * delivered / full_dose_mg,
                    rdi_planned_pct=100.0 * delivered / planned if planned and not math.isnan(planned) else np.nan,
                    cumulative_planned_mg=cum_planned,
                    cumulative_delivered_mg=cum_delivered,
                    cumulative_full_dose_mg=cum_full,
                    schedule=schedule,
                    source=source,
                    passage=passage,
                    note=note,
                )
            )
    frame = pd.DataFrame(out, columns=SCHEDULE_COLUMNS)
    for column in ("cycle", "day_start", "day_end", "cycle_days"):
        frame[column] = frame[column].astype(int)
    for column in ("planned_daily_mg", "delivered_mean_daily_mg", "rdi_full_pct", "rdi_planned_pct",
                   "cumulative_planned_mg", "cumulative_delivered_mg", "cumulative_full_dose_mg"):  # fmt: skip
        frame[column] = frame[column].astype(float)
    return frame


def _check_number(name: str, value, *, whole: bool = False, minimum: float = 0.0) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if whole and int(value) != value:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {value!r}")


def cycles_to_full_dose(start_mg: float, step_mg: float, target_mg: float = FULL_DOSE_MG) -> int | None:
    """The cycle (1-based) at which a ramp starting at `start_mg` and rising `step_mg` a cycle first
    plans the target: 1 + ceil((target − start) ÷ step); None when it never gets there (step 0).
    PASO's ramp, 400 + 200 a cycle, reaches 800 mg/day at cycle 3."""
    if start_mg >= target_mg:
        return 1
    if step_mg <= 0:
        return None
    return 1 + math.ceil((target_mg - start_mg) / step_mg)


def full_dose_words(start_mg: float, step_mg: float) -> str:
    """When a ramp reaches full dose (800 mg/day), in words, for notes and slide captions."""
    reached = cycles_to_full_dose(start_mg, step_mg)
    if reached is None:
        return "never reaches full dose (800 mg/day): the step is 0"
    return "starts at full dose (800 mg/day)" if reached == 1 else f"reaches full dose (800 mg/day) at cycle {reached}"


def what_if_ramp(
    start_mg: float,
    step_mg: float,
    cycles_to_target: int,
    target_mg: float = FULL_DOSE_MG,
    cycles: int = 6,
    cycle_days: int = DEFAULT_CYCLE_DAYS,
) -> pd.DataFrame:
    """A user's dose ramp against starting at full dose, per cycle (hypothetical, not trial data).

    Definition: cycle c (1-based) plans min(target, start + (c − 1) × step) mg/day, and from cycle
    `cycles_to_target` on the target itself — so the step raises the dose each cycle, the target is
    never exceeded, and it is reached at cycle `cycles_to_target` at the latest (a step too small to
    get there jumps to the target then; `jump_to_target` marks that cycle). PASO's ramp, start 400,
    step 200, target at cycle 3, gives 400, 600, 800. The deficit is Σ (target − planned) × days:
    deficit_mg = cumulative_full_dose_mg − cumulative_mg, deficit_pct = deficit ÷ full-dose
    cumulative × 100.
    """
    _check_number("start dose (mg/day)", start_mg)
    _check_number("step (mg/day per cycle)", step_mg)
    _check_number("target dose (mg/day)", target_mg)
    if target_mg <= 0:
        raise ValueError(f"target dose (mg/day) must be greater than 0, got {target_mg!r}")
    if start_mg > target_mg:
        raise ValueError(f"start dose ({start_mg:g} mg/day) must not exceed the target dose ({target_mg:g} mg/day)")
    _check_number("cycles to reach the target", cycles_to_target, whole=True, minimum=1)
    _check_number("number of cycles", cycles, whole=True, minimum=1)
    _check_number("cycle length (days)", cycle_days, whole=True, minimum=1)

    rows = []
    cumulative = cumulative_full = 0.0
    for cycle in range(1, int(cycles) + 1):
        stepped = min(float(target_mg), float(start_mg) + (cycle - 1) * float(step_mg))
        planned = float(target_mg) if cycle >= cycles_to_target else stepped
        cumulative += planned * cycle_days
        cumulative_full += float(target_mg) * cycle_days
        deficit = cumulative_full - cumulative
        rows.append(
            dict(
                cycle=cycle,
                day_start=(cycle - 1) * int(cycle_days) + 1,
                day_end=cycle * int(cycle_days),
                cycle_days=int(cycle_days),
                planned_daily_mg=planned,
                full_daily_mg=float(target_mg),
                jump_to_target=cycle == cycles_to_target and stepped < float(target_mg),
                cycle_mg=planned * cycle_days,
                cumulative_mg=cumulative,
                cumulative_full_dose_mg=cumulative_full,
                deficit_mg=deficit,
                deficit_pct=100.0 * deficit / cumulative_full,
            )
        )
    return pd.DataFrame(rows)
