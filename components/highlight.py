"""Highlighting a trial restyles the figures already drawn; the server draws nothing.

The figure views do not read `highlight` (it is one of their `style_fields`,
evidence/view_registry.py), so selecting or clearing a trial sends them no request. The highlight travels in its own Store (cut from `view-state` by
the same clientside slice callback as every view's fields, components/slices.py, so it changes only when the highlight does);
one clientside function for all graphs (assets/highlight.js) dims every other trial's marks and rings
the highlighted one's, on a highlight change and on every figure the server sends. The trials
grid is marked the same way: the server sends its rows and the selection summary without the
highlight, and `gridHighlight` flags the highlighted row (its `row-highlighted` class) and adds
"; highlighted: <trial>" to the summary, so a highlight sends no request at all.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, dcc

from components import ids
from evidence.view_registry import VIEWS

FIELDS = ["highlight"]

# Graphs whose marks carry their trial (customdata[0]) and so can be restyled; the text tables
# (baseline, fatal events, findings) are clickable but draw no highlight.
RESTYLED = tuple(view.graph_id for view in VIEWS.values() if view.click == "clickData" and "highlight" in view.style_fields)


def stores() -> list[dcc.Store]:
    return [dcc.Store(id=ids.HIGHLIGHT_STATE), dcc.Store(id=ids.view_fields(ids.HIGHLIGHT_STATE), data=FIELDS)]


def register_highlight_callbacks(app: Dash) -> None:
    # the highlight Store is filled by the slice callback (components/slices.py); one call
    # restyles every graph (a callback per graph was a Dash dispatch per graph per highlight)
    app.clientside_callback(
        ClientsideFunction(namespace="evidence", function_name="highlight"),
        [Output(graph_id, "figure", allow_duplicate=True) for graph_id in RESTYLED],
        Input(ids.HIGHLIGHT_STATE, "data"),
        [Input(graph_id, "figure") for graph_id in RESTYLED],
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="evidence", function_name="gridHighlight"),
        Output(ids.TRIAL_GRID, "rowData", allow_duplicate=True),
        Output(ids.SELECTION_SUMMARY, "children", allow_duplicate=True),
        Input(ids.HIGHLIGHT_STATE, "data"), Input(ids.TRIAL_GRID, "rowData"), Input(ids.SELECTION_SUMMARY, "children"),
        prevent_initial_call=True,
    )  # fmt: skip
