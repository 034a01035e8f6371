"""What each callback returns, called as plain functions on the bundled data."""

from dataclasses import replace

import pandas as pd
import pytest

from evidence import views
from evidence.answers import STRIP_FIELDS
from evidence.view_registry import VIEWS
from evidence.state import ViewState


def _figure_trials(fig):
    return {c[0] for t in fig.data if t.customdata is not None for c in t.customdata if c is not None and c[0]}


def test_forest_follows_endpoint_and_filters(data):
    pfs = views.forest_panel(data, ViewState())
    assert _figure_trials(pfs.figure_object()) == {"PASO", "E2100"}
    assert "PASO_REPORT" in pfs.caption and "E2100_NEJM2007" in pfs.caption
    assert "experimental versus control" in pfs.caption
    os_paso = views.forest_panel(data, ViewState(endpoint="OS", trial=("PASO",)))
    shown = [t for t in os_paso.figure_object().data if t.customdata is not None and len(t.x)]
    assert [round(float(x), 2) for t in shown for x in t.x] == [2.01]


def test_forest_pools_only_on_request_and_says_why_not(data):
    off = views.forest_panel(data, ViewState())
    assert not any(t.fill == "toself" for t in off.figure_object().data)
    assert "pool" not in off.caption.lower()
    on = views.forest_panel(data, ViewState(pool=True))
    assert not any(t.fill == "toself" for t in on.figure_object().data)  # only PASO reports a PFS HR with a CI
    assert "Pooling not offered: it needs two or more trials reporting the progression-free survival (PFS) hazard ratio" in on.caption
    assert "Pooling not offered" in " ".join(a.text for a in on.figure_object().layout.annotations)


def test_empty_selection_gives_a_plain_message(data):
    panel = views.forest_panel(data, ViewState(trial=("SOR",)))
    assert "No hazard ratio" in panel.figure_object().layout.annotations[0].text
    assert panel.caption == ""
    tox = views.toxicity_panel(data, ViewState(trial=("SOR",)))
    assert not _figure_trials(tox.figure_object())


def test_toxicity_panel_modes_and_caption(data):
    rate = views.toxicity_panel(data, ViewState(grade="all"))
    assert "not reported" in rate.caption and "PASO_REPORT" in rate.caption
    difference = views.toxicity_panel(data, ViewState(grade="all", tox_mode="difference"))
    assert "Newcombe" in difference.caption


def test_toxicity_panel_lower_bounds_and_empty_state_say_what_they_are(data):
    default = views.toxicity_panel(data, ViewState())
    assert "≥ x (G4 NR)" in default.caption
    hand = views.toxicity_panel(data, ViewState(tox_search="hand"))
    assert "≥ 7.0<br>(G4 NR)" in [t for row in hand.figure_object().data[1].text for t in row]  # two lines fit a column
    empty = views.toxicity_panel(data, ViewState(grade="4", tox_search="alopecia"))
    assert empty.figure_object().layout.annotations[0].text == (
        "No adverse events match 'alopecia' in grade 4; 1 match in all grades; 1 match in grade 3–4"
    )
    renal = views.toxicity_panel(data, ViewState(trial=("MRCC-SORAFENIB",)))  # words only: not "none"
    assert "reported,<br>no figures" in [t for row in renal.figure_object().data[0].text for t in row]
    assert "MRCC_CANCER2010" in renal.caption and "Reported, no figures" in renal.caption


def test_highlight_reaches_figures(data):
    panel = views.toxicity_panel(data, ViewState(highlight="E2100"))
    ticks = list(panel.figure_object().layout.xaxis.ticktext)
    assert [t for t in ticks if "<b>" in t] and all("E2100" in t for t in ticks if "<b>" in t)


def test_hiding_derived_values_removes_derived_toxicity_sums(data):
    shown = views.toxicity_panel(data, ViewState(trial=("E2100",)))
    hidden = views.toxicity_panel(data, ViewState(trial=("E2100",), derived=False))
    assert shown.figure_object().to_json() != hidden.figure_object().to_json()


def test_what_if_note_states_the_paso_ramp_deficit(data):
    panel = views.what_if_panel(data, ViewState(ramp_start=400, ramp_step=200))
    # (800-400 + 800-600) mg/day x 28 days = 16.8 g short of 6 x 28 x 800 mg = 134.4 g
    assert "134.4 g" in panel.note and "16.8 g" in panel.note and "12.5%" in panel.note
    assert "reaches full dose (800 mg/day) at cycle 3" in panel.note  # 400, 600, 800: from start and step
    assert "not trial data" in panel.caption


def test_what_if_horizon_and_cycle_to_full_dose_follow_the_inputs():
    # 200 + 100 a cycle: 200, 300, ..., 800 at cycle 7; 9 cycles drawn.
    ramp = views.what_if_schedule(ViewState(ramp_start=200, ramp_step=100, ramp_horizon=9))
    assert ramp["planned_daily_mg"].tolist() == [200, 300, 400, 500, 600, 700, 800, 800, 800]
    assert not ramp["jump_to_target"].any()
    panel = views.what_if_panel(None, ViewState(ramp_start=200, ramp_step=100, ramp_horizon=9))
    assert "at cycle 7" in panel.note and "After 9 cycles" in panel.note
    # Deficit: (600+500+400+300+200+100) mg/day x 28 days = 58.8 g of 9 x 28 x 800 mg = 201.6 g (29.2%).
    assert "58.8 g" in panel.note and "201.6 g" in panel.note and "29.2%" in panel.note
    flat = views.what_if_panel(None, ViewState(ramp_start=400, ramp_step=0, ramp_horizon=2))
    assert "never reaches full dose" in flat.note and "After 2 cycles" in flat.note


def test_survival_panel_picks_a_trial_with_medians(data):
    panel = views.survival_panel(data, ViewState(agent=("bevacizumab",), endpoint="OS"))
    assert "E2100" in panel.figure_object().layout.title.text
    assert "model-based" in panel.caption.lower()
    none = views.survival_panel(data, ViewState(trial=("SOR",)))
    assert "No selected trial" in none.figure_object().layout.annotations[0].text


def test_grid_rows_and_summary(data):
    rows = views.trial_grid_rows(data, ViewState(highlight="PASO"))
    assert [r["trial_id"] for r in rows] == ["PASO", "SOR", "NCT00573755", "E2100", "MRCC-SORAFENIB"]
    paso = rows[0]
    assert (paso["n_planned"], paso["n_enrolled"], paso["highlighted"]) == (140, 61, True)
    assert views.selection_summary(data, ViewState(disease=("renal cell carcinoma",))) == "1 of 5 trials shown"


STATES = [
    ViewState(),
    ViewState(endpoint="OS", highlight="PASO"),
    ViewState(grade="all", tox_mode="difference", tox_sort="soc", tox_top=10),
    ViewState(trial=("E2100",), derived=False, surv_trial="E2100"),
    ViewState(organ=("Gastrointestinal disorders",), tox_search="diarr", ramp_start=200),
    ViewState(agent=("sorafenib",), endpoint="TTT", highlight="MRCC-SORAFENIB"),
    ViewState(pool=True, grade="all"),
    ViewState(pool=True, endpoint="OS", trial=("PASO", "E2100"), derived=False),
]
CACHED_VIEWS = [VIEWS[key] for key in ("design", "forest", "medians", "rates", "toxicity", "dosing", "survival")]


@pytest.mark.parametrize("view", CACHED_VIEWS, ids=lambda v: v.key)
def test_memoised_views_equal_a_fresh_computation(data, view):
    """The cache keys on every state field the view reads: cached == uncached for each state."""
    for state in STATES:
        cached, fresh = view.panel(data, state), view.panel.uncached(data, state)
        assert cached.caption == fresh.caption
        assert cached.figure_object().to_json() == fresh.figure_object().to_json()


def test_unrelated_state_change_reuses_the_panel(data):
    dosing = VIEWS["dosing"].panel
    first = dosing(data, ViewState(grade="all"))
    assert dosing(data, ViewState(grade="4", endpoint="OS", ramp_step=100)) is first
    assert dosing(data, ViewState(highlight="PASO")) is not first


def test_filter_options_are_computed_once_per_data_version(data):
    options = views.filter_options(data)
    assert options == views._filter_options(data)
    assert views.filter_options(data) is options
    # Only trials that report a median can show survival curves.
    assert [o["value"] for o in options["surv_trial"]] == ["PASO", "E2100", "MRCC-SORAFENIB"]


def _sliced(state: ViewState, fields) -> ViewState:
    return ViewState.from_dict({f: state.as_dict()[f] for f in fields})


def _unstyled(state: ViewState, view) -> ViewState:
    """The state as the browser's request path draws it: style fields at their default."""
    return replace(state, **{f: getattr(ViewState(), f) for f in view.style_fields})


@pytest.mark.parametrize("view", CACHED_VIEWS + [VIEWS["overview"]], ids=lambda v: v.key)
def test_each_view_needs_only_its_slice_of_the_state(data, view):
    """The browser sends a view only its declared fields (components/slices.py): the view's
    answer from that slice (every other field at its default) equals its answer from the whole
    (style fields, which the browser restyles, at their default)."""
    for state in STATES:
        whole = view.panel.uncached(data, _unstyled(state, view))
        sliced = view.panel.uncached(data, _sliced(state, view.fields))
        if isinstance(whole, views.Panel):
            assert (whole.caption, whole.note) == (sliced.caption, sliced.note)
            assert whole.figure_object().to_json() == sliced.figure_object().to_json()
        else:
            assert whole == sliced


def test_what_if_needs_only_the_ramp_fields(data):
    state = ViewState(grade="all", highlight="PASO", ramp_start=200, ramp_step=100, ramp_horizon=4)
    what_if = VIEWS["what_if"].panel
    sliced = _sliced(state, VIEWS["what_if"].fields)
    assert what_if.uncached(data, sliced).note == views.what_if_panel(data, state).note
    assert what_if(data, state) is what_if(data, sliced)  # one memo entry


def test_the_highlight_is_style_the_browser_restyles_and_exports_draw(data):
    """Selecting a trial sends the views nothing (assets/highlight.js restyles the figures, marks
    the grid row and names it in the summary); exports, given the whole state, still draw it."""
    styled = [view for view in VIEWS.values() if view.style_fields]
    assert {view.key for view in styled} == {
        "design", "forest", "medians", "rates", "toxicity", "dosing", "dose_derived", "flow", "exposure", "subgroups", "absolute",
        "overview"}
    for view in styled:
        assert view.style_fields == ("highlight",) and "highlight" not in view.fields
    sent = {f: getattr(ViewState(highlight="E2100"), f) for f in VIEWS["overview"].fields}  # what the browser sends
    rows = VIEWS["overview"].panel(data, ViewState.from_dict(sent))
    assert [row["trial_id"] for row in rows] == ["PASO", "SOR", "NCT00573755", "E2100", "MRCC-SORAFENIB"]
    assert not any(row["highlighted"] for row in rows)
    strip_sent = {f: getattr(ViewState(highlight="E2100"), f) for f in STRIP_FIELDS}  # the summary's request
    assert "highlighted" not in views.selection_summary(data, ViewState.from_dict(strip_sent))
    forest = views.forest_panel(data, ViewState(highlight="E2100")).figure_object()
    assert "highlighted trial" in [t.name for t in forest.data]
    # The label is wrapped to fit a phone (issue 13); every line of the highlighted row is bold.
    assert "<b>E2100: Paclitaxel +</b><br><b>bevacizumab vs</b><br><b>Paclitaxel †</b>" in forest.layout.yaxis.ticktext


def test_survival_shows_its_chosen_trial_not_the_highlight(data):
    assert views.survival_trial(data, ViewState(highlight="E2100")) == "PASO"  # first with medians
    assert views.survival_trial(data, ViewState(surv_trial="E2100", highlight="PASO")) == "E2100"
    panel = views.survival_panel(data, ViewState(highlight="E2100"))
    assert "PASO" in panel.figure_object().layout.title.text


def test_every_view_field_is_a_state_field():
    known = set(ViewState().as_dict())
    assert all(set(view.key_fields) <= known for view in VIEWS.values())


def test_views_leave_the_shared_filtered_tables_untouched(data):
    """Views share one filtered copy of the tables per selection; none may modify it."""
    from evidence.state import filter_tables

    for state in STATES:
        for view in CACHED_VIEWS + [VIEWS["overview"]]:
            view.panel.uncached(data, state)
        shared, fresh = views._tables(data, state), filter_tables(data.tables, state)
        assert shared.keys() == fresh.keys()
        for name in fresh:
            pd.testing.assert_frame_equal(shared[name], fresh[name], obj=name)


def test_hiding_derived_values_hides_computed_rate_cis(data):
    """PASO Table 2 prints its rate CIs; E2100's ORR CIs are computed here from the counts
    (Clopper–Pearson): with derived values off they are not drawn, as in the CSV export."""
    shown, hidden = views.rates_panel(data, ViewState()), views.rates_panel(data, ViewState(derived=False))

    def markers(panel):
        return [t for t in panel.figure_object().data if t.mode == "markers+text"]

    assert any(t.marker.symbol == "diamond-open" for t in markers(shown))
    assert not any(t.marker.symbol == "diamond-open" for t in markers(hidden))
    assert "hidden" in hidden.caption and "Open diamonds" in shown.caption
    e2100 = [t for t in markers(hidden) if any(c[0] == "E2100" for c in t.customdata)]
    assert e2100 and all(t.error_y.array is None or all(v != v or v == 0 for v in t.error_y.array) for t in e2100)
    hover = " ".join(h for t in markers(hidden) for h in t.hovertext)
    assert "derived (Clopper" not in hover and "the one computed here is hidden" in hover
