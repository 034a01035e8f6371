"""Patient flow per trial (flow.csv): randomised, excluded with reasons, analysed; and the name
of each analysis population, for the flow panel and for the efficacy and safety figures.

A stage's total and its reasons are separate rows of flow.csv (`reason` empty on the total).
`evidence.figures.flow` draws `flow_table`; `population_label` is the one sentence a figure
carries to say whom its numbers are about (CONSORT 2010 item 16: number analysed, and whether by
original assignment).
"""

from __future__ import annotations

import re

import pandas as pd

from evidence.contract import FLOW_STAGES
from evidence.tables.lookups import (
    ROLE_RANK, arm_lookup, integer, missing, short_arm_label, text, trial_names, trial_order,
)  # fmt: skip

STAGE_RANK = {stage: rank for rank, stage in enumerate(FLOW_STAGES)}
WHOLE_TRIAL = "whole trial"
"""Role shown for rows about the whole trial (no arm)."""

ANALYSIS_STAGES = {"efficacy": "efficacy set", "safety": "safety set"}

COLUMNS = [
    "trial_id", "trial_name", "arm_id", "arm_label", "role", "stage", "reason", "count", "is_total",
    "population", "derived", "source", "passage", "note",
]  # fmt: skip


def flow_table(flow: pd.DataFrame, arms: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """flow.csv rows with trial and arm names, in drawing order: trials as in trials.csv, stages
    in the contract's order (FLOW_STAGES), whole trial before arms (experimental, control), a
    stage's total before its reasons."""
    if flow is None or flow.empty:
        return pd.DataFrame(columns=COLUMNS)
    info = arm_lookup(arms)
    names = trial_names(trials)
    order = trial_order(trials, flow["trial_id"])
    rows = []
    for r in flow.itertuples(index=False):
        arm_id = text(r.arm_id)
        arm = info.get((r.trial_id, arm_id), {})
        rows.append(
            dict(
                trial_id=r.trial_id,
                trial_name=names.get(r.trial_id, r.trial_id),
                arm_id=arm_id,
                arm_label=arm.get("label", arm_id) if arm_id else "All patients",
                role=arm.get("role", "other") if arm_id else WHOLE_TRIAL,
                stage=r.stage,
                reason=text(r.reason),
                count=integer(r.count),
                is_total=not text(r.reason),
                population=text(r.population),
                derived=bool(r.derived),
                source=r.source,
                passage=text(getattr(r, "passage", None)),
                note=text(r.note),
                _order=(
                    order[r.trial_id],
                    STAGE_RANK.get(r.stage, 99),
                    -1 if not arm_id else ROLE_RANK.get(arm.get("role"), 9),
                    0 if not text(r.reason) else 1,
                ),
            )
        )
    table = pd.DataFrame(rows)
    table = table.iloc[sorted(range(len(table)), key=lambda i: table["_order"].iat[i])]
    return table.drop(columns="_order").reset_index(drop=True)[COLUMNS]


def _stage_total(rows: pd.DataFrame, stage: str) -> tuple[int | None, list[tuple[str, int]]]:
    """(whole-trial total, [(short arm label, total)] in arm order) of one stage: the whole-trial
    row when there is one, else the sum of the arm totals."""
    totals = rows[(rows["stage"] == stage) & rows["is_total"]]
    arm_rows = totals[(totals["arm_id"] != "") & totals["count"].notna()]
    per_arm = [(short_arm_label(label), int(c)) for label, c in zip(arm_rows["arm_label"], arm_rows["count"])]
    whole = totals.loc[totals["arm_id"] == "", "count"]
    if not whole.empty and not missing(whole.iloc[0]):
        return int(whole.iloc[0]), per_arm
    return (sum(n for _, n in per_arm) if per_arm else None), per_arm


def population_label(flow: pd.DataFrame, trial_id: str, analysis: str = "efficacy", arms: pd.DataFrame | None = None,
                     trials: pd.DataFrame | None = None) -> str:
    """The analysis population of one trial in one sentence, for a figure's caption or subtitle:

    'PASO efficacy analysis: full analysis set (ITT set) … — 60 of 61 randomised (paclitaxel + sorafenib
    30, paclitaxel 30)'.

    `analysis` is "efficacy" or "safety". '' when flow.csv holds no such set for the trial (the
    figure then names no population rather than guess one).
    """
    if flow is None or flow.empty:
        return ""
    table = flow_table(flow[flow["trial_id"] == trial_id], arms if arms is not None else pd.DataFrame(), trials)
    stage = ANALYSIS_STAGES[analysis]
    sets = table[(table["stage"] == stage) & table["is_total"]]
    if sets.empty:
        return ""
    populations = [p for p in dict.fromkeys(sets["population"]) if p]
    # The whole-trial row words it most fully; an arm row may only repeat its first clause.
    words = max(populations, key=len) if populations else "population not named"
    analysed, per_arm = _stage_total(table, stage)
    randomised, _ = _stage_total(table, "randomised")
    name = table["trial_name"].iat[0]
    counts = f"{analysed}" if analysed is not None else "number not reported"
    if analysed is not None and randomised is not None:
        counts += f" of {randomised} randomised"
    if len(per_arm) > 1:
        counts += " (" + ", ".join(f"{label} {n}" for label, n in per_arm) + ")"
    return f"{name} {analysis} analysis: {words} — {counts}"


POPULATION_HEADS = {"efficacy": "Analysis population", "safety": "Safety population"}
_SHORT_WORDS = 40
"""A population's words longer than this keep only their first clause in a figure's caption
('all eligible patients, by randomised assignment (called …)' -> 'all eligible patients'); the
flow view's hovers keep them whole."""


def _short_words(populations: list[str]) -> str:
    """The shortest wording of a set, its first clause ('safety set: patients who …' -> 'safety set')."""
    if not populations:
        return "population not named"
    words = min(populations, key=len).split(":")[0].strip()
    return re.split(r" \(|, ", words)[0].strip() if len(words) > _SHORT_WORDS else words


def population_short(flow: pd.DataFrame, trial_id: str, analysis: str = "efficacy", arms: pd.DataFrame | None = None,
                     trials: pd.DataFrame | None = None) -> str:
    """'PASO: full analysis set (ITT set), 60 of 61 randomised' — one trial's analysis population
    as an efficacy or safety figure's caption names it ('' when flow.csv holds no such set)."""
    if flow is None or flow.empty:
        return ""
    table = flow_table(flow[flow["trial_id"] == trial_id], arms if arms is not None else pd.DataFrame(), trials)
    sets = table[(table["stage"] == ANALYSIS_STAGES[analysis]) & table["is_total"]]
    if sets.empty:
        return ""
    analysed, _ = _stage_total(table, ANALYSIS_STAGES[analysis])
    randomised, _ = _stage_total(table, "randomised")
    counts = "number not reported" if analysed is None else f"{analysed}" + (
        f" of {randomised} randomised" if randomised is not None else " analysed")
    words = _short_words([p for p in dict.fromkeys(sets["population"]) if p])
    return f"{table['trial_name'].iat[0]}: {words}, {counts}"


def population_note(flow: pd.DataFrame | None, arms: pd.DataFrame, trials: pd.DataFrame, trial_ids, analysis: str) -> str:
    """'Analysis population: PASO: full analysis set (ITT set), 60 of 61 randomised; E2100: …' for
    the trials a figure shows (CONSORT 2010 item 16), '' when none has a curated population."""
    shown = list(dict.fromkeys(str(t) for t in trial_ids))
    labels = [population_short(flow, t, analysis, arms, trials) for t in shown]
    labels = [label for label in labels if label]
    return f"{POPULATION_HEADS[analysis]}: {'; '.join(labels)}" if labels else ""
