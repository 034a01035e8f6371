"""What each dashboard view shows for a given view state: figure plus caption, no Dash.

Each function filters the curated tables by the state, calls a pure figure builder and names the
sources of what it shows. evidence/view_registry.py declares which state fields each reads, runs it
on a state holding only those, and memoises it; callbacks and exports call the registry's functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from evidence import cache
from evidence.captions import sources_caption
from evidence.contract import ENDPOINT_LABELS, GRADE_LABELS, REGISTRY_GRADES
from evidence.dosing import cycles_to_full_dose, dose_schedule, full_dose_words, what_if_ramp
from evidence.figures import dosing as dosing_figures
from evidence.figures import survival as survival_figures
from evidence.figures.design import design_vs_outcome
from evidence.figures.forest import hazard_ratio_forest
from evidence.figures.medians import medians_by_arm
from evidence.figures.rates import rates_by_arm
from evidence.figures.toxicity import toxicity_heatmap
from evidence.tables import dosing as dosing_tables
from evidence.tables import survival as survival_tables
from evidence.loading import CuratedData
from evidence.state import (
    SELECTION_FIELDS,
    ViewState,
    filter_tables,
    page_bounds,
    page_count,
    restrict_to_known,
    selected_trial_ids,
    shown_trial_ids,
)
from evidence.tables.design import design_rows
from evidence.tables.flow import population_note
from evidence.tables.forest import forest_rows
from evidence.tables.lookups import lower_first
from evidence.tables.medians import median_rows
from evidence.tables.pooling import Pooling, pooling
from evidence.tables.rates import hide_derived_intervals, rate_rows
from evidence.view_memo import state_key
from evidence.tables.toxicity import data_band_rows, empty_selection_message, toxicity_differences, toxicity_matrix
from evidence.theme import empty_figure_dict

NO_TRIALS = "No trial matches the filters. Widen them, or press Reset."
MODEL_CURVES_NOTE = "Dashed curves are model-based, not patient data; away from the published medians their shape is an assumption"


@dataclass(frozen=True)
class Panel:
    """A view's answer: its figure (a plain plotly dict, or a go.Figure from a builder not yet
    converted), the caption naming its sources, and an optional note."""

    figure: dict | go.Figure
    caption: str
    note: str = ""

    def figure_json(self) -> dict:
        """The figure as plotly JSON for the browser (a dict builder's output as it is)."""
        return self.figure if isinstance(self.figure, dict) else self.figure.to_plotly_json()

    def figure_object(self) -> go.Figure:
        """The figure as a go.Figure, for exports (validated against plotly's schema)."""
        return self.figure if isinstance(self.figure, go.Figure) else go.Figure(self.figure)


def _tables(data: CuratedData, state: ViewState) -> dict[str, pd.DataFrame]:
    """The curated tables filtered by the state, shared by every view that asks for the same
    selection (filtering all tables is a few ms, and a filter change asks once per view).
    The frames are shared: read them, never modify them in place."""
    key = (data.content_key, state_key(state, SELECTION_FIELDS))
    return dict(cache.get_or_compute("filtered-tables", key, lambda: filter_tables(data.tables, state)))


def _highlight(state: ViewState) -> str | None:
    return state.highlight or None


def _population(t: dict[str, pd.DataFrame], trial_ids, analysis: str) -> list[str]:
    """[the caption line naming whom the figure's numbers are about] ('efficacy' or 'safety'
    population of the trials it shows; evidence.tables.flow.population_note), or []."""
    note = population_note(t.get("flow"), t["arms"], t["trials"], trial_ids, analysis)
    return [note] if note else []



def filter_options(data: CuratedData) -> dict[str, list[dict]]:
    """Options for every filter control, from the data (value and visible label).

    Called on every interaction (URL/selection sync), so it is computed once per data version
    and shared; treat the result as read-only.
    """
    return cache.get_or_compute("filter-options", data.content_key, lambda: _filter_options(data))


def known_state(data: CuratedData, state: ViewState) -> ViewState:
    """The state restricted to what the data hold: facet values, organ classes, grade bands and
    trials it offers, the page within the page count (state.restrict_to_known). The browser
    parses links itself (assets/state.js); this is the server's check of what needs the data."""
    options = filter_options(data)
    organs, grades = ([o["value"] for o in options[name]] for name in ("organ", "grade"))
    return restrict_to_known(state, data.trials, organs, grades)


def _filter_options(data: CuratedData) -> dict[str, list[dict]]:
    trials = data.trials

    def values(column: str) -> list[dict]:
        return [{"label": str(v), "value": str(v)} for v in dict.fromkeys(trials[column].dropna().astype(str))]

    labels = {t.trial_id: f"{t.trial_id} ({t.agent}, phase {t.phase})" for t in trials.itertuples()}
    terms = data.adverse_events[data.adverse_events.level == "term"]
    organ = terms["soc"]
    registry_grades = [g for g in REGISTRY_GRADES if g in set(terms["grade"])]  # bands the heatmap can show
    with_medians = set(data.efficacy.loc[data.efficacy.statistic == "median", "trial_id"])
    return {
        "disease": values("disease_group"),
        "agent": values("agent"),
        "trial": [{"label": labels[t], "value": t} for t in trials.trial_id],
        "phase": values("phase"),
        "setting": values("setting"),
        "status": values("status"),
        "organ": [{"label": s, "value": s} for s in sorted(organ.dropna().unique())],
        "grade": [{"label": GRADE_LABELS[g], "value": g} for g in ("all", "3-4", "3", "4", *registry_grades)],
        "highlight": [{"label": t, "value": t} for t in trials.trial_id],
        "surv_trial": [{"label": t, "value": t} for t in trials.trial_id if t in with_medians],
    }


def trial_grid_rows(data: CuratedData, state: ViewState) -> list[dict]:
    """Rows of the trials overview grid (plain values; the grid escapes text)."""
    tables = _tables(data, state)
    arm_labels = tables["arms"].groupby("trial_id", sort=False)["label"].agg("; ".join)
    rows = []
    for t in tables["trials"].itertuples():
        rows.append(
            {
                "trial_id": t.trial_id,
                "agent": t.agent,
                "disease": t.disease,
                "setting": t.setting,
                "phase": t.phase,
                "design": t.design,
                "blinding": t.blinding or "not stated",
                "status": t.status,
                "stop_reason": t.stop_reason or "",
                "n_planned": None if pd.isna(t.n_planned) else int(t.n_planned),
                "n_enrolled": None if pd.isna(t.n_enrolled) else int(t.n_enrolled),
                "arms": arm_labels.get(t.trial_id, ""),
                "source": t.source,
                "origin": getattr(t, "origin", None) or "curated",
                "highlighted": t.trial_id == state.highlight,
            }
        )
    return rows


def design_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    if t["trials"].empty:
        return Panel(empty_figure_dict(NO_TRIALS), "")
    rows = design_rows(t["design"], t["efficacy"], t["trials"], t["arms"])
    fig = design_vs_outcome(rows, highlight=_highlight(state), recorded=not t["design"].empty)
    caption = sources_caption([t["design"], t["trials"]], data.sources, ["Observed values as reported"])
    return Panel(fig, caption)


def forest_panel(data: CuratedData, state: ViewState) -> Panel:
    selected = len(selected_trial_ids(data.trials, state))
    paged = page_count(selected) > 1
    # A pooled estimate is over every selected trial, not over the page on screen.
    label = ENDPOINT_LABELS[state.endpoint]
    rows, decision = forest_rows_and_pooling(data, state, paged=paged)
    cited = rows  # a pooled estimate rests on every selected trial's hazard ratio
    notes = ["Every hazard ratio is experimental versus control", *_pooling_notes(decision)]
    if paged:
        first, last = page_bounds(selected, state.page)
        rows = rows[rows.trial_id.isin(set(shown_trial_ids(data.trials, state)))]
        pooled_over = f"; the pooled estimate is over all {selected}" if decision.drawn else ""
        notes.append(f"Trials {first + 1}–{last} of {selected} selected shown{pooled_over}")
    if rows.empty:
        return Panel(empty_figure_dict(f"No hazard ratio for {label} in the selected trials."), "")
    fig = hazard_ratio_forest(rows, label, highlight=_highlight(state), pooling=decision)
    notes += _population(_tables(data, state), rows["trial_id"], "efficacy")
    return Panel(fig, sources_caption([cited if decision.drawn else rows], data.sources, notes))


def forest_rows_and_pooling(data: CuratedData, state: ViewState, paged: bool = True) -> tuple[pd.DataFrame, Pooling]:
    """The forest rows of every selected trial (not only the page on screen when `paged`: a
    pooled estimate rests on all of them) and the pooling decision for the state."""
    t = filter_tables(data.tables, state, paged=False) if paged else _tables(data, state)
    rows = forest_rows(t["comparisons"], t["arms"], t["trials"], state.endpoint, efficacy=t["efficacy"])
    words = f"{lower_first(ENDPOINT_LABELS[state.endpoint])} ({state.endpoint})"
    return rows, pooling(rows, state.pool, words)


POOL_LABEL = "Pool trials (random effects)"


def pool_control(data: CuratedData, state: ViewState) -> tuple[list[dict], str]:
    """The 'Pool trials' checklist options and the line under it: disabled with the reason when
    the selection offers nothing to pool (left usable while switched on, so it can be switched off).
    Reads the forest's fields (memoised with them: evidence/view_registry.pool_control)."""
    _, pooling = forest_rows_and_pooling(data, state, paged=page_count(len(selected_trial_ids(data.trials, state))) > 1)
    option = {"label": POOL_LABEL, "value": "pool", "disabled": not pooling.offered and not state.pool}
    if pooling.offered:
        hint = f"Offered: the {pooling.analysis} hazard ratios of {', '.join(pooling.trial_ids)}; no estimate when I² > 75%."
    else:
        hint = pooling.message
    return [option], hint


def _pooling_notes(pooling: Pooling) -> list[str]:
    """What the caption says about pooling: off (and whether it could be switched on), not
    offered (why), not meaningful (I²), or what was pooled (k, I², tau², prediction interval)."""
    if not pooling.offered:
        return [pooling.message] if pooling.requested else []
    if not pooling.requested:
        return [f"Not pooled; {len(pooling.trial_ids)} trials' {pooling.analysis} hazard ratios can be pooled with 'Pool trials'"]
    notes = [pooling.message] if pooling.message else []
    if pooling.drawn:
        notes.append(f"Pooled ({pooling.analysis} analyses of {', '.join(pooling.trial_ids)}): {pooling.statistics_text}")
        if pooling.mixes_uploaded:
            notes.append("The pooled estimate mixes curated and uploaded trials")
    elif pooling.estimate is not None:
        notes.append(f"Heterogeneity: {pooling.statistics_text}")
    if pooling.left_out:
        notes.append(f"Not pooled (other kind of analysis): {', '.join(pooling.left_out)}")
    return notes


def medians_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    fig = medians_by_arm(median_rows(t["efficacy"], t["arms"], t["trials"], state.endpoint), state.endpoint, _highlight(state))
    shown = t["efficacy"][(t["efficacy"].endpoint == state.endpoint) & (t["efficacy"].statistic == "median")]
    notes = _population(t, shown["trial_id"], "efficacy")
    return Panel(fig, sources_caption([shown], data.sources, notes) if not shown.empty else "")


def rates_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    rows = rate_rows(t["efficacy"], t["arms"])
    notes = ["Open diamonds: 95% CI computed here (Clopper–Pearson exact), not printed in the source"]
    if not state.derived and not rows.empty:
        # "Show values computed here" is off: drop the CIs computed from counts (as exports do).
        rows = hide_derived_intervals(rows)
        notes = ["CIs computed here are hidden (derived values off); open circles have no printed CI"]
    fig = rates_by_arm(rows, highlight=_highlight(state))
    notes += _population(t, rows["trial_id"] if not rows.empty else [], "efficacy")
    return Panel(fig, sources_caption([rows], data.sources, notes) if not rows.empty else "")


def toxicity_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    matrix = toxicity_matrix(
        t["adverse_events"],
        t["arms"],
        t["trials"],
        state.grade,
        organ_classes=list(state.organ) or None,
        search=state.tox_search,
        sort=state.tox_sort,
        top_n=state.tox_top,
        include_derived=state.derived,
        band_rows=data_band_rows(data, state.grade),
    )
    differences = toxicity_differences(matrix) if state.tox_mode == "difference" else None
    empty = "" if not matrix.empty else empty_selection_message(
        t["adverse_events"], t["arms"], t["trials"], state.grade,
        organ_classes=list(state.organ) or None, search=state.tox_search, include_derived=state.derived,
    )  # fmt: skip
    fig = toxicity_heatmap(
        matrix, mode=state.tox_mode, highlight=_highlight(state), differences=differences, empty_message=empty
    )
    reported = matrix[matrix["reported"] | matrix["no_figures"]] if not matrix.empty else matrix
    notes = ["Grey NR cells: not reported for that arm and grade (not the same as 0%)"]
    missing = set(matrix.loc[matrix["lower_bound"], "missing_grade"]) if not matrix.empty else set()
    if missing & {"3", "4"}:
        notes.append("≥ x (G4 NR): only one of grades 3 and 4 is reported, so the band is at least x")
    if "all" in missing:  # slides write "≥ x" alone and say "(all grades NR)" once, in their key
        notes.append("≥ x (all grades NR): no all-grades figure is reported; x is the highest grade 3, 4 or 3–4 figure, "
                     "so at least x% had the event")
    if not matrix.empty and matrix["no_figures"].any():
        notes.append("Reported, no figures: the document names the event without a count, percentage or grade")
    if state.tox_mode == "difference":
        notes.append("Difference = experimental minus control, 95% CI by the Newcombe hybrid score method")
    notes += _population(t, matrix["trial_id"] if not matrix.empty else [], "safety")
    return Panel(fig, sources_caption([reported], data.sources, notes) if not matrix.empty else "")


def _dose_ramp_panel(data: CuratedData, state: ViewState, part: int, notes: list[str]) -> Panel:
    """One part of the dose ramp (`dosing_figures.dose_ramp_figures`: 0 reported, 1 derived)."""
    t = _tables(data, state)
    schedule = dose_schedule(t["dosing"], t["arms"], t["trials"])
    figures = dosing_figures.dose_ramp_figures(dosing_tables.dose_ramp_table(schedule), highlight=_highlight(state))
    notes = [*notes, "A 28-day cycle is assumed where the source states none", *_population(t, t["dosing"]["trial_id"], "safety")]
    return Panel(figures[part], sources_caption([t["dosing"]], data.sources, notes) if not t["dosing"].empty else "")


def dosing_panel(data: CuratedData, state: ViewState) -> Panel:
    """Planned dose steps and delivered mean daily dose per cycle, as reported."""
    return _dose_ramp_panel(data, state, 0, [])


def dose_derived_panel(data: CuratedData, state: ViewState) -> Panel:
    """Cumulative dose and relative dose intensity, derived from the reported daily doses."""
    return _dose_ramp_panel(data, state, 1, ["Relative dose intensity and cumulative doses are derived from the reported mean daily doses"])


def what_if_schedule(state: ViewState) -> pd.DataFrame:
    """The state's what-if ramp over its horizon. The cycle at which it reaches full dose follows
    from start and step (never a third, disagreeing input); a ramp that never gets there (step 0)
    stays below it for the whole horizon."""
    reached = cycles_to_full_dose(state.ramp_start, state.ramp_step)
    return what_if_ramp(state.ramp_start, state.ramp_step, reached or state.ramp_horizon + 1, cycles=state.ramp_horizon)


def what_if_panel(data: CuratedData, state: ViewState) -> Panel:
    """The hypothetical ramp from the what-if inputs; `data` is not read (no trial data)."""
    try:
        ramp = what_if_schedule(state)
    except ValueError as err:
        return Panel(empty_figure_dict(str(err)), "")
    fig = dosing_figures.what_if_figure(ramp)
    last = ramp.iloc[-1]
    note = (
        f"This ramp {full_dose_words(state.ramp_start, state.ramp_step)}. "
        f"After {len(ramp)} cycle{'s' if len(ramp) != 1 else ''} of 28 days it delivers {last.cumulative_mg / 1000:.1f} g against "
        f"{last.cumulative_full_dose_mg / 1000:.1f} g at full dose: a deficit of {last.deficit_mg / 1000:.1f} g "
        f"({last.deficit_pct:.1f}%)."
    )
    return Panel(fig, "Hypothetical schedule computed from your inputs; not trial data.", note)


def survival_trial(data: CuratedData, state: ViewState) -> str:
    """The trial the survival view draws: the one chosen for it, else the first shown trial that
    reports a median. (The highlight does not choose it: highlighting only restyles.)"""
    shown = set(shown_trial_ids(data.trials, state))
    options = [o["value"] for o in filter_options(data)["surv_trial"] if o["value"] in shown]
    return state.surv_trial if state.surv_trial in options else (options[0] if options else "")


def survival_panel(data: CuratedData, state: ViewState) -> Panel:
    t = _tables(data, state)
    trial_id = survival_trial(data, state)
    if not trial_id:
        return Panel(empty_figure_dict("No selected trial reports a median for a survival endpoint."), "")
    ipd = t.get("survival_ipd")
    if ipd is not None and not ipd[(ipd.trial_id == trial_id) & (ipd.endpoint == state.endpoint)].empty:
        table = survival_tables.kaplan_meier_table(ipd, t["arms"], trial_id, state.endpoint)
        return Panel(survival_figures.kaplan_meier_figure(table), "Kaplan–Meier estimates from patient-level data (lifelines).")
    curves = survival_tables.model_curves(t["efficacy"], t["comparisons"], t["arms"], t["trials"], trial_id, state.endpoint)
    fig, notes = survival_figures.model_based_figure(curves), curves.notes
    shown = t["efficacy"][t["efficacy"].trial_id == trial_id]
    caption = sources_caption(
        [shown, t["comparisons"][t["comparisons"].trial_id == trial_id]],
        data.sources,
        (list(notes) if curves.points.empty else [MODEL_CURVES_NOTE, *_said_once(notes)]) + _population(t, [trial_id], "efficacy"),
    )
    return Panel(fig, caption)


_MODEL_WORDS = re.compile(r"Model-based(?: curves?)?, not patient data[.:]\s*(\w)")


def _said_once(notes) -> list[str]:
    """The model's notes without their own "Model-based, not patient data" (MODEL_CURVES_NOTE says
    it first): the caption, which is also the slide's footnote, said it twice (issue 15)."""
    return [_MODEL_WORDS.sub(lambda m: m.group(1).upper(), note) for note in notes]


def sources_rows(data: CuratedData) -> list[dict]:
    return data.sources.fillna("").to_dict("records")


def selection_summary(data: CuratedData, state: ViewState) -> str:
    selected = len(selected_trial_ids(data.trials, state))
    text = f"{selected} of {len(data.trials)} trials shown"
    if page_count(selected) > 1:
        first, last = page_bounds(selected, state.page)
        text = (
            f"Trials {first + 1}–{last} of {selected} selected shown (page {min(state.page, page_count(selected))} "
            f"of {page_count(selected)}; {len(data.trials)} trials in the data)"
        )
    if state.highlight:
        text += f"; highlighted: {state.highlight}"
    return text
