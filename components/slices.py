"""Per-view slices of the view state, cut in the browser.

Every view used to read the one `view-state` Store, so any change (a ramp dose, a grade band)
sent a request per view and redrew every figure. Each view now reads its own Store holding only
the state fields it declares (`View.fields`, evidence/view_registry.py). A clientside function (assets/slices.js)
fills those Stores from `view-state` and leaves a Store untouched when its slice did not change,
so an unrelated change costs that view no request and no redraw.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc

from components import ids
from evidence.view_registry import VIEWS

SLICES: dict[str, str] = {view.graph_id: key for key, view in VIEWS.items()}
"""Graph (or grid) id -> the view whose fields it reads."""


def stores() -> list[dcc.Store]:
    """For each view: its slice Store (empty until the first state) and its field list."""
    out = []
    for panel_id, view in SLICES.items():
        out.append(dcc.Store(id=ids.view_state(panel_id)))
        out.append(dcc.Store(id=ids.view_fields(panel_id), data=list(VIEWS[view].fields)))
    return out


SLICED_STORES: tuple[str, ...] = (*(ids.view_state(panel_id) for panel_id in SLICES), ids.ANSWER_STATE)
"""Every Store holding a slice of the state: the views' and the answer strip's
(components/answer_strip.py). Each has its field list in the Store `ids.view_fields(<its panel id>)`.
The highlight has no Store: the slice callback hands it to the browser's highlight directly
(assets/slices.js, assets/highlight.js)."""


def _fields_store(store_id: str) -> str:
    panel_id = store_id.removesuffix(ids.view_state(""))
    return ids.view_fields(panel_id)


def register_slice_callbacks(app: Dash) -> None:
    """One clientside callback cuts every slice: a state change is one call whose unchanged
    slices are no_update, not one callback per Store (each a Dash dispatch)."""
    app.clientside_callback(
        ClientsideFunction(namespace="evidence", function_name="slice"),
        [Output(store_id, "data") for store_id in SLICED_STORES],
        Input(ids.STATE, "data"),
        [State(_fields_store(store_id), "data") for store_id in SLICED_STORES],
        [State(store_id, "data") for store_id in SLICED_STORES],
    )


def slice_state(state: dict, fields: list[str]) -> dict:
    """What assets/slices.js computes, in Python (for tests and the benchmarks)."""
    return {f: state.get(f) for f in fields}
