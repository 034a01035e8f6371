"""Views of what the documents report beyond efficacy and toxicity rates (issue 16): patient flow,
exposure and stopping, fatal and treatment-limiting events, baseline characteristics, subgroups
and model terms, absolute effects, and findings in words.

Each panel is `(data, state) -> views.Panel` (figure dict + caption naming its sources), and each
has an export-rows function `(data, state) -> DataFrame` (the curated rows behind it, `derived`,
`source` and `passage` last, as evidence.export_rows). evidence/view_registry.py declares each
view (the state fields it reads, its graph, its exports) and memoises it. No Dash here.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from evidence import cache, views
from evidence.citations import cite_source_ids
from evidence.captions import sources_caption
from evidence.export_rows import _stack
from evidence.figures.absolute import absolute_effects_figure
from evidence.figures.baseline import baseline_figure
from evidence.figures.event_outcomes import event_outcomes_figure
from evidence.figures.exposure import exposure_figure
from evidence.figures.findings import findings_figure
from evidence.figures.flow import flow_figure
from evidence.figures.subgroups import subgroup_forest
from evidence.loading import CuratedData
from evidence.state import SELECTION_FIELDS, ViewState, shown_trial_ids
from evidence.tables.absolute import ASSUMPTION, absolute_effects
from evidence.tables.baseline import baseline_table
from evidence.tables.event_outcomes import event_outcome_table
from evidence.tables.exposure import exposure_table
from evidence.tables.findings import findings_table
from evidence.tables.flow import flow_table, population_note
from evidence.tables.subgroups import model_term_table, subgroup_rows, trial_caveats
from evidence.theme import empty_figure_dict
from evidence.view_memo import state_key
from evidence.views import Panel

def _tables(data: CuratedData, state: ViewState) -> dict[str, pd.DataFrame]:
    """The filtered tables, shared with the other views (evidence.views._tables: read, never modify)."""
    return views._tables(data, state)


def _empty(frame: pd.DataFrame | None) -> pd.DataFrame:
    return frame if frame is not None else pd.DataFrame(columns=["trial_id"])


# ---------------------------------------------------------------- 1. patient flow


def population(data: CuratedData, state: ViewState, trial_ids, analysis: str) -> list[str]:
    """[the caption line naming the efficacy or safety population of `trial_ids`] (tables.flow.population_note), or []."""
    t = _tables(data, state)
    note = population_note(t.get("flow"), t["arms"], t["trials"], trial_ids, analysis)
    return [note] if note else []


def flow_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    table = flow_table(_empty(t.get("flow")), t["arms"], t["trials"])
    fig = flow_figure(table, highlight=state.highlight or None)
    if table.empty:
        return Panel(fig, "")
    notes = population(data, state, table["trial_id"], "efficacy") + population(data, state, table["trial_id"], "safety")
    if table["derived"].any():
        notes.append("Derived counts (computed from printed ones) are marked in the hover")
    return Panel(fig, sources_caption([table], data.sources, notes))


def flow_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    return _tidy(flow_table(_empty(t.get("flow")), t["arms"], t["trials"]))


# ---------------------------------------------------------------- 2. exposure and stopping


def exposure_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    table = exposure_table(_empty(t.get("exposure")), t["arms"], t["trials"])
    fig = exposure_figure(table, highlight=state.highlight or None)
    if table.empty:
        return Panel(fig, "")
    notes = ["Percentages as printed; a denominator read from the percentage is said so in the data"]
    notes += population(data, state, table["trial_id"], "safety")
    if (table["discrepancy"] != "").any():
        notes.append("† the document's percentage disagrees with its own count and denominator")
    return Panel(fig, sources_caption([table], data.sources, notes))


def exposure_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    return _tidy(exposure_table(_empty(t.get("exposure")), t["arms"], t["trials"]))


# ---------------------------------------------------------------- 3. fatal and treatment-limiting events


def fatal_events_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    table = event_outcome_table(_empty(t.get("event_outcomes")), t["arms"], t["trials"])
    fig = event_outcomes_figure(table)
    if table.empty:
        return Panel(fig, "")
    notes = population(data, state, table["trial_id"], "safety")
    return Panel(fig, sources_caption([table], data.sources, notes))


def fatal_events_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    return _tidy(event_outcome_table(_empty(t.get("event_outcomes")), t["arms"], t["trials"]))


# ---------------------------------------------------------------- 4. baseline


def baseline_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    table = baseline_table(_empty(t.get("baseline")), t["arms"], t["trials"], t.get("findings"))
    fig = baseline_figure(table)
    if table.empty:
        return Panel(fig, "")
    tests = t["findings"][t["findings"]["source"].isin(table["p_source"])] if "findings" in t else None
    notes = ["Between-arm P values only where the document reports a test; none is computed here"]
    return Panel(fig, sources_caption([table, tests], data.sources, notes))


def baseline_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    return _tidy(baseline_table(_empty(t.get("baseline")), t["arms"], t["trials"], t.get("findings")))


# ---------------------------------------------------------------- 5. subgroups and model terms


def subgroups_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    rows = subgroup_rows(t["comparisons"], t["arms"], t["trials"], state.endpoint)
    trial_ids = list(dict.fromkeys(rows["trial_id"])) if not rows.empty else []
    fig = subgroup_forest(rows, state.endpoint, trial_caveats(t["comparisons"], trial_ids, state.endpoint),
                          highlight=state.highlight or None)  # fmt: skip
    if rows.empty:
        return Panel(fig, "")
    terms = model_term_table(t["comparisons"], t.get("findings"), t["trials"], trial_ids, state.endpoint)
    notes = ["Every hazard ratio is experimental versus control"]  # no whisker without a printed CI: the figure's note
    findings = t.get("findings")
    said = findings[findings["trial_id"].isin(trial_ids) & findings["finding"].astype(str).str.startswith(SUBGROUP_FINDING)] \
        if findings is not None else pd.DataFrame(columns=["finding", "note", "source"])
    notes += [f"{r.trial_id}: {r.finding[len(SUBGROUP_FINDING):].strip()}" for r in said.itertuples()]  # its curation note stays in the data
    # covariates only: the interactions are the figure's own caveat lines (a slide's footnote said them twice)
    covariates = terms[terms["kind"] == "covariate"]
    for (trial_name, model), group in covariates.groupby(["trial_name", "model"], sort=False):
        notes.append(f"{trial_name} model terms ({model}): " + "; ".join(f"{r.term} {r.p_text}" for r in group.itertuples()))
    notes += population(data, state, trial_ids, "efficacy")
    return Panel(fig, sources_caption([rows, terms, said], data.sources, notes))


SUBGROUP_FINDING = "Subgroups:"
"""A findings.csv row about a trial's subgroup analyses as a whole (shown in the subgroup caption)."""


def subgroups_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    rows = subgroup_rows(t["comparisons"], t["arms"], t["trials"], state.endpoint)
    trial_ids = list(dict.fromkeys(rows["trial_id"])) if not rows.empty else []
    terms = model_term_table(t["comparisons"], t.get("findings"), t["trials"], trial_ids, state.endpoint)
    return _tidy(_stack({"subgroup": rows.assign(endpoint=state.endpoint, statistic="HR"), "model term": terms}))


# ---------------------------------------------------------------- 6. absolute effects


ABSOLUTE_FIELDS = (*SELECTION_FIELDS, "endpoint")
"""What the absolute effects are computed from: the trials shown and the endpoint. The view's
declaration (evidence/view_registry.py) names these same fields, so its state answers them and
the cache key below holds no more and no less."""


def _absolute(data: CuratedData, state: ViewState):
    """The absolute effects, each reason for computing nothing citing its document as a reader
    looks it up ('N Engl J Med 2007;357:2666', not 'E2100_NEJM2007: Results, Efficacy'). Kept in
    evidence.cache: the view's figure and its exported rows are both made of them (a deck asks
    for both, and each took ~0.2 s)."""

    def compute():
        t = _tables(data, state)
        effects = absolute_effects(t["efficacy"], t["comparisons"], t["arms"], t["trials"],
                                   shown_trial_ids(data.trials, state), state.endpoint)  # fmt: skip
        skipped = tuple((trial_id, cite_source_ids(reason, data.sources)) for trial_id, reason in effects.skipped)
        return replace(effects, skipped=skipped)

    return cache.get_or_compute("absolute-effects", (data.content_key, state_key(state, ABSOLUTE_FIELDS)), compute)


DERIVED_OFF = (
    "Absolute effects are computed here from published numbers; switch on 'Show values computed here' to see them."
)


def _each_source(*frames: pd.DataFrame) -> pd.DataFrame:
    """One row per 'SOURCE_ID: locators' entry of merged source texts (' | '-separated), for captions."""
    texts = [part for frame in frames for text in frame["source"] for part in str(text).split(" | ") if part]
    return pd.DataFrame({"source": texts})


def absolute_panel(data: CuratedData, state: ViewState) -> Panel:
    if not state.derived:
        return Panel(empty_figure_dict(DERIVED_OFF), "")
    effects = _absolute(data, state)
    fig = absolute_effects_figure(effects, highlight=state.highlight or None)
    if effects.rows.empty:
        return Panel(fig, "")
    notes = [
        f"Not patient data; {ASSUMPTION}",
        "Event-free proportions, differences, NNT/NNH and RMST are derived here from the published medians, rates and hazard ratios",
        *[reason for _, reason in effects.skipped],
    ]
    notes += population(data, state, effects.rows["trial_id"], "efficacy")
    return Panel(fig, sources_caption([_each_source(effects.rows, effects.rmst)], data.sources, notes))


def absolute_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    if not state.derived:
        return _tidy(pd.DataFrame(columns=["table", "trial_id"]))
    effects = _absolute(data, state)
    return _tidy(_stack({"event-free at time point": effects.rows, "restricted mean survival time": effects.rmst}))


ABSOLUTE_LABEL = (
    "Model-based: absolute effects from published medians, rates and hazard ratios under proportional hazards "
    "(Altman & Andersen, BMJ 1999); not patient data."
)
"""The label an export of the absolute-effects view carries (as export_views.MODEL_LABEL)."""


# ---------------------------------------------------------------- 7. findings


def findings_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    table = findings_table(_empty(t.get("findings")), t["arms"], t["trials"])
    fig = findings_figure(table)
    if table.empty:
        return Panel(fig, "")
    return Panel(fig, sources_caption([table], data.sources, ["As the documents state them"]))


def findings_rows(data: CuratedData, state: ViewState) -> pd.DataFrame:
    t = _tables(data, state)
    return _tidy(findings_table(_empty(t.get("findings")), t["arms"], t["trials"]))


# ---------------------------------------------------------------- export rows: shared shaping


_INTERNAL = ("has_ci", "p_label", "is_total", "kind", "shown", "heading")


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop drawing helpers; `derived` (false when absent), `source` and `passage` (the words the row
    was read from; empty for rows computed here) go last (as export_rows._tidy)."""
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("_") or c in _INTERNAL]).reset_index(drop=True)
    if "derived" not in frame.columns:
        frame["derived"] = False
    frame["derived"] = frame["derived"].astype(object).map(lambda v: bool(v) if v == v and v is not None else False).astype(bool)
    for column in ("source", "passage"):
        if column not in frame.columns:
            frame[column] = ""
        frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    last = ["derived", "source", "passage"]
    return frame[[c for c in frame.columns if c not in last] + last]
