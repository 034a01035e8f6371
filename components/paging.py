"""The page-of-trials field: "page N of M" beside it, and M as its maximum (so its + button stops
at the last page and, with a maximum set, never empties the field: Dash 4's stepper computes
min(value + 1, max) and a missing max gives NaN)."""

from __future__ import annotations

from dash import Dash, Input, Output
from dash.exceptions import PreventUpdate

from components import ids
from evidence.state import ViewState, page_of


def register_paging_callbacks(app: Dash, session_data) -> None:
    @app.callback(
        Output(ids.FILTERS["page"], "max"), Output(ids.PAGE_OF, "children"),
        Input(ids.view_state(ids.TRIAL_GRID), "data"), Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    def page_position(sliced, store):
        if sliced is None:
            raise PreventUpdate
        page, pages = page_of(session_data(store)[0].trials, ViewState.from_dict(sliced))
        return pages, f"page {page} of {pages}"
