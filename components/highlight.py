"""Highlighting a trial restyles what is already drawn, in the browser; the server draws nothing.

The figure views do not read `highlight` (it is one of their `style_fields`,
evidence/view_registry.py), so selecting or clearing a trial sends them no request. The browser
highlights where the view state is made (assets/state.js, assets/slices.js, assets/answers.js
call `window.evidenceHighlight.show`, assets/highlight.js): each restyled graph on screen is
restyled through Plotly on its plot div (style attributes and layout shapes only, so Plotly does
not recompute the figure), the trials grid's row class rule (`evidenceHighlighted`), the answer
card and the "; highlighted: <trial>" after the selection summary are set directly. No Dash
callback runs for a highlight, so no figure prop travels through Dash's renderer.

One clientside callback without outputs (`highlightArrived`) marks what the server sends later:
a new figure (restyled once dcc.Graph has drawn it), new answer cards, new grid rows.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input

from components import ids


def register_highlight_callbacks(app: Dash) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="evidence", function_name="highlightArrived"),
        [Input(graph_id, "figure") for graph_id in ids.HIGHLIGHTED_GRAPHS],
        Input(ids.ANSWER_CARDS, "children"), Input(ids.TRIAL_GRID, "rowData"),
        prevent_initial_call=True,
    )  # fmt: skip
