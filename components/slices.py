"""Per-view slices of the view state, cut in the browser.

Every view used to read the one `view-state` Store, so any change (a ramp dose, a grade band)
sent a request per view and redrew every figure. Each view now reads its own Store holding only
the state fields it declares (`View.fields`, evidence/view_registry.py). The browser (assets/slices.js,
called by the state callback `sync`, components/state_sync.py) fills those Stores with each new
state and leaves a Store untouched when its slice did not change, so an unrelated change costs
that view no request and no redraw.
"""

from __future__ import annotations

from dash import dcc

from components import ids
from evidence.answers import STRIP_FIELDS
from evidence.view_registry import VIEWS

SLICES: dict[str, str] = {view.graph_id: key for key, view in VIEWS.items()}
"""Graph (or grid) id -> the view whose fields it reads."""


SLICED_STORES: tuple[str, ...] = (*(ids.view_state(panel_id) for panel_id in SLICES), ids.ANSWER_STATE)
"""Every Store holding a slice of the state: the views' and the answer strip's
(components/answer_strip.py), all written by the state callback (components/state_sync.py). The
highlight has no Store: each new state is handed to the browser's highlight directly
(assets/slices.js, assets/highlight.js)."""

FIELDS: dict[str, list[str]] = {
    **{ids.view_state(panel_id): list(VIEWS[view].fields) for panel_id, view in SLICES.items()},
    ids.ANSWER_STATE: list(STRIP_FIELDS),
}
"""Slice Store id -> the state fields it holds, for the browser in one Store (`ids.VIEW_FIELDS`):
a Store each was 16 more Dash components, and every component costs every renderer dispatch."""


def stores() -> list[dcc.Store]:
    """Each view's slice Store (empty until the first state) and the one Store of field lists."""
    return [*(dcc.Store(id=ids.view_state(panel_id)) for panel_id in SLICES), dcc.Store(id=ids.VIEW_FIELDS, data=FIELDS)]


def slice_state(state: dict, fields: list[str]) -> dict:
    """What assets/slices.js computes, in Python (for tests and the benchmarks)."""
    return {f: state.get(f) for f in fields}
