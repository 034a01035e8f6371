"""A highlight restyles in place (issue 12): the figures sent to the browser carry empty slots for
the highlight's rings and split parts (evidence/figures/highlight_slots.py), so the trace count
never changes; exports are drawn without slots (the highlight drawn on the server); and a state
change runs one clientside slice callback, a highlight one restyle callback."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from components import highlight, ids, slices
from components.render import rendered
from evidence.figures.highlight_slots import SLOT, with_highlight_slots
from evidence.loading import load_dataset
from evidence.state import ViewState
from evidence.view_registry import VIEWS


@pytest.fixture(scope="module")
def data():
    return load_dataset("data")


def _slot(trace) -> str | None:
    meta = trace.get("meta")
    return meta.get(SLOT) if isinstance(meta, dict) else None


def _trials(trace) -> set[str]:
    return {row[0] for row in trace.get("customdata") or [] if isinstance(row, list) and row and row[0]}


def test_the_forest_sent_to_the_browser_has_an_empty_ring_before_each_trial_trace(data):
    view = VIEWS["forest"]
    plain = view.panel(data, ViewState()).figure_json()
    sent = rendered(view, data, ViewState())[0]
    go.Figure(sent)  # plotly's schema accepts the slots
    assert [t for t in sent["data"] if not _slot(t)] == plain["data"]  # every drawn trace as built
    for k, trace in enumerate(sent["data"]):
        if _trials(trace) and trace.get("mode", "markers").find("markers") >= 0:
            ring = sent["data"][k - 1]
            assert _slot(ring) == "ring" and ring["x"] == [] and ring["y"] == [] and ring["hoverinfo"] == "skip"
            assert ring.get("xaxis") == trace.get("xaxis") and ring["showlegend"] is False
    # the bundled forest: one marker trace per trial (PASO, E2100, ...), each with its ring
    rings = [t for t in sent["data"] if _slot(t) == "ring"]
    assert len(rings) == len([t for t in plain["data"] if _trials(t)]) >= 3


def test_a_trace_mixing_trials_gets_a_part_slot_after_it():
    mixed = {"type": "scatter", "mode": "markers", "x": [1, 2], "y": [1, 2], "customdata": [["A", 1], ["B", 2]]}
    single = {"type": "scatter", "mode": "markers", "x": [1], "y": [1], "customdata": [["A", 1]]}
    line = {"type": "scatter", "mode": "lines+markers", "x": [1, 2], "y": [1, 2], "customdata": [["A"], ["B"]]}
    plain_line = {"type": "scatter", "mode": "lines", "x": [1], "y": [1], "meta": {"trial": "A"}}
    unnamed = {"type": "bar", "x": [1], "y": [1]}
    out = with_highlight_slots({"data": [mixed, single, line, plain_line, unnamed], "layout": {}})["data"]
    assert [_slot(t) or t["type"] + (t.get("mode") or "") for t in out] == [
        "ring", "scattermarkers", "part", "ring", "scattermarkers", "ring", "scatterlines+markers", "scatterlines", "bar"]


def test_a_heatmap_figure_gets_no_slots_and_the_input_is_not_changed():
    heat = {"data": [{"type": "heatmap", "z": [[1]], "customdata": [["A"]]}], "layout": {}}
    assert with_highlight_slots(heat) is heat
    fig = {"data": [{"type": "scatter", "x": [1], "y": [1], "customdata": [["A"]]}], "layout": {}}
    with_highlight_slots(fig)
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


def test_a_state_change_runs_one_slice_callback_and_a_highlight_one_restyle(built_app):
    slicing = _clientside(built_app, "slice")
    assert len(slicing) == 1 and [i["id"] for i in slicing[0]["inputs"]] == [ids.STATE]
    outputs = slicing[0]["output"].strip(".").split("...")
    assert outputs == [f"{store}.data" for store in slices.SLICED_STORES]
    assert {ids.HIGHLIGHT_STATE, ids.ANSWER_STATE} | {ids.view_state(v.graph_id) for v in VIEWS.values()} == set(
        slices.SLICED_STORES)
    restyle = _clientside(built_app, "highlight")
    assert len(restyle) == 1
    assert [i["id"] for i in restyle[0]["inputs"]] == [ids.HIGHLIGHT_STATE, *highlight.RESTYLED]
