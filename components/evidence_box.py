"""The "Evidence" box under a clickable figure: the clicked point's locator and the passage it was
read from, as text (evidence/clicked_passage.py), so a source can be read without hovering.

One small box per graph whose marks carry their trial and whose hovers name a source (GRAPHS),
one callback each from the same function. The box is a focusable live region: keyboard and screen-reader users
reach it with Tab, and a new passage is announced.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, html

from components import ids
from evidence.clicked_passage import HINT, evidence_text, point_click


GRAPHS = tuple(graph for graph in ids.CLICKABLE_GRAPHS + ids.CLICKABLE_TABLES if graph != ids.DESIGN)
"""Graphs (and tables drawn in the browser) with an Evidence box: the clickable ones whose hovers
name a source line (the design figure's hovers do not yet)."""


def evidence_id(graph_id: str) -> str:
    return f"{graph_id}-evidence"


def box(graph_id: str) -> html.P:
    """The box under a figure: the hint until a point is clicked (children are text: Dash escapes them)."""
    return html.P(
        HINT,
        id=evidence_id(graph_id),
        className="evidence-box",
        tabIndex="0",
        role="status",
        **{"aria-label": "Evidence for the clicked point"},  # role="status" is polite by default
    )


def register_evidence_callbacks(app: Dash, session_data) -> None:
    for graph_id in GRAPHS:
        app.callback(
            Output(evidence_id(graph_id), "children"),
            Input(graph_id, ids.CLICKS[graph_id]),
            State(ids.UPLOAD_STORE, "data"),
            prevent_initial_call=True,
        )(_show(session_data))


def _show(session_data):
    def show(click, store):
        return evidence_text(session_data(store)[0], point_click(click))

    return show
