"""A highlight restyles in place (issues 12, 13): the figures sent to the browser carry empty slots
for the parts a highlight splits off (evidence/figures/highlight_slots.py), so the trace count
never changes; exports are drawn without slots (the highlight drawn on the server); a state
change runs one clientside slice callback, and a highlight no callback of its own."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from components import ids, slices
from components.render import rendered
from evidence.figures.highlight_slots import SLOT, with_highlight_slots
from evidence.state import ViewState
from evidence.view_registry import VIEWS


def _slot(trace) -> str | None:
    meta = trace.get("meta")
    return meta.get(SLOT) if isinstance(meta, dict) else None


def _trials(trace) -> set[str]:
    return {row[0] for row in trace.get("customdata") or [] if isinstance(row, list) and row and row[0]}


def test_the_design_figure_sent_to_the_browser_has_a_part_slot_after_each_trace_mixing_trials(data):
    view = VIEWS["design"]
    plain = view.panel(data, ViewState()).figure_json()
    sent = rendered(view, data, ViewState())[0]
    go.Figure(sent)  # plotly's schema accepts the slots
    assert [t for t in sent["data"] if not _slot(t)] == plain["data"]  # every drawn trace as built
    parts = [k for k, t in enumerate(sent["data"]) if _slot(t)]
    assert parts and all(_slot(sent["data"][k]) == "part" for k in parts)
    for k in parts:
        slot, trace = sent["data"][k], sent["data"][k - 1]
        assert slot["x"] == [] and slot["y"] == [] and slot["hoverinfo"] == "skip" and slot["showlegend"] is False
        assert slot.get("yaxis") == trace.get("yaxis") and len(_trials(trace)) > 1
    # the bundled design figure: "assumed median, control" names E2100, PASO and SOR
    assert _trials(sent["data"][0]) == {"E2100", "PASO", "SOR"} and _slot(sent["data"][1]) == "part"


def test_the_forest_needs_no_slot_one_trial_per_trace(data):
    """Rings and bands are layout shapes (assets/highlight.js): a trace naming one trial needs no slot."""
    view = VIEWS["forest"]
    assert rendered(view, data, ViewState())[0]["data"] == view.panel(data, ViewState()).figure_json()["data"]


def test_a_trace_mixing_trials_gets_a_part_slot_after_it():
    mixed = {"type": "scatter", "mode": "markers", "x": [1, 2], "y": [1, 2], "customdata": [["A", 1], ["B", 2]]}
    single = {"type": "scatter", "mode": "markers", "x": [1], "y": [1], "customdata": [["A", 1]]}
    line = {"type": "scatter", "mode": "lines+markers", "x": [1, 2], "y": [1, 2], "customdata": [["A"], ["B"]]}
    plain_line = {"type": "scatter", "mode": "lines", "x": [1], "y": [1], "meta": {"trial": "A"}}
    unnamed = {"type": "bar", "x": [1], "y": [1]}
    out = with_highlight_slots({"data": [mixed, single, line, plain_line, unnamed], "layout": {}})["data"]
    assert [_slot(t) or t["type"] + (t.get("mode") or "") for t in out] == [
        "scattermarkers", "part", "scattermarkers", "scatterlines+markers", "scatterlines", "bar"]


def test_a_figure_needing_no_slot_is_returned_as_it_is_and_the_input_is_not_changed():
    heat = {"data": [{"type": "heatmap", "z": [[1]], "customdata": [["A"]]}], "layout": {}}
    assert with_highlight_slots(heat) is heat
    fig = {"data": [{"type": "scatter", "x": [1, 2], "y": [1, 2], "customdata": [["A"], ["B"]]}], "layout": {}}
    assert len(with_highlight_slots(fig)["data"]) == 2
    assert len(fig["data"]) == 1


def test_exports_draw_the_highlight_without_slots(data):
    """The export path (Panel.figure_object) is the builder's own figure: the server-side halo
    (evidence/figures/marks.py halo_trace) around PASO, and no empty slot."""
    figure = VIEWS["forest"].panel(data, ViewState(highlight="PASO")).figure_object().to_plotly_json()
    assert not [t for t in figure["data"] if _slot(t)]
    halos = [t for t in figure["data"] if t.get("name") == "highlighted trial"]
    assert halos and all({str(c[0]) for c in t["customdata"]} == {"PASO"} for t in halos)


@pytest.fixture(scope="module")
def built_app(data):
    from app import create_app
    from config import Settings

    return create_app(Settings(export_enabled=False), data)


def _clientside(app, function: str) -> list[dict]:
    return [c for c in app._callback_list if (c.get("clientside_function") or {}).get("function_name") == function]


def test_the_state_callback_cuts_every_slice_and_the_highlight_has_none(built_app):
    # from a change to the view requests, one renderer round: `sync` writes the state and what the
    # server must check, and asks for the views itself (assets/slices.js, no Store per view); no
    # callback reads the state Store to slice it
    sync, fix = _clientside(built_app, "sync"), _clientside(built_app, "applyFix")
    assert len(sync) == 1 and len(fix) == 1
    for callback in (sync[0], fix[0]):
        outputs = [o.split("@")[0] for o in callback["output"].strip(".").split("...")]  # "@": allow_duplicate
        assert outputs[-1] == f"{ids.STATE_UNKNOWN}.data" and not [o for o in outputs if o.endswith("-view-state.data")]
        assert [s["id"] for s in callback["state"]][-2:] == [ids.UPLOAD_STORE, ids.STATE_RULES]
    assert not _clientside(built_app, "slice") and not _clientside(built_app, "unknown")
    assert not [c for c in built_app._callback_list if ids.STATE in [i["id"] for i in c["inputs"]]]
    rules = next(s for s in sync[0]["state"] if s["id"] == ids.STATE_RULES)
    assert rules and set(slices.browser_slices()) == set(VIEWS) | {slices.ANSWERS}
    # the highlight is drawn by the browser where the state is made (assets/highlight.js): no
    # callback reads it, and none marks what the server sends later (assets/lazy_draw.js tells the
    # highlight after each draw; a card click is a plain listener, assets/answers.js)
    assert not [c for c in built_app._callback_list if "highlight-state" in str(c)]
    assert not _clientside(built_app, "highlightArrived") and not _clientside(built_app, "answerClick")
    assert not [c for c in built_app._callback_list if "answer-card" in str(c.get("inputs"))]


def test_each_restyled_graph_is_marked_for_the_browser(built_app):
    """assets/highlight.js finds the graphs it restyles by their wrapper's data-highlight."""
    marked = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif hasattr(node, "to_plotly_json"):
            props = node.to_plotly_json()["props"]
            if "data-highlight" in props:
                marked.append(props["data-highlight"])
            walk(props.get("children"))

    walk(built_app.layout() if callable(built_app.layout) else built_app.layout)
    assert sorted(marked) == sorted(ids.HIGHLIGHTED_GRAPHS) and "forest-figure" in marked
    assert "heatmap-figure" not in marked  # a table marked by class (assets/highlight.js markTables)


def test_the_restyled_graphs_and_the_graphs_with_slots_are_one_list(data):
    """components/render.py adds slots to exactly the graphs the browser restyles."""
    assert set(ids.HIGHLIGHTED_GRAPHS) < set(ids.CLICKABLE_GRAPHS)
    assert {"forest-figure", "design-figure"} <= set(ids.HIGHLIGHTED_GRAPHS)
    assert ids.CLICKABLE_TABLES == ("heatmap-figure", "findings-figure")  # tables the page draws: cells clicked
    assert not set(ids.CLICKABLE_TABLES) & set(ids.HIGHLIGHTED_GRAPHS)
    for view in VIEWS.values():
        if view.graph_id in ids.CLICKABLE_GRAPHS and view.graph_id not in ids.HIGHLIGHTED_GRAPHS:
            assert not [t for t in rendered(view, data, ViewState())[0]["data"] if _slot(t)], view.graph_id
