"""Callbacks: parse inputs, call a pure function, return. Registered by `register_callbacks`.

Every view reads the session's data: the bundled tables plus this browser's uploads
(`components.uploads.session_reader`), so uploaded trials join every view for that user only.
"""

from __future__ import annotations

from dash import Dash, Input, Output
from dash.exceptions import PreventUpdate

from components import ids
from components.answer_strip import register_answer_callbacks
from components.evidence_box import register_evidence_callbacks
from components.exports import register_export_callbacks
from components.refusals import register_refusal_callbacks
from components.tabs import register_tab_callbacks
from components.render import rendered
from components.state_sync import register_state_callbacks
from components.uploads import register_upload_callbacks, session_reader
from config import Settings
from evidence import view_registry, views
from evidence.loading import CuratedData
from evidence.state import ViewState
from evidence.view_registry import VIEWS, View, figure_views


def register_callbacks(app: Dash, bundled: CuratedData, settings: Settings) -> None:
    session_data = session_reader(bundled, settings)

    register_state_callbacks(app, session_data)

    @app.callback(
        [Output(ids.FILTERS[f], "options") for f in ids.OPTION_FIELDS],
        Output(ids.UPLOAD_NOTICE, "children"),
        Input(ids.UPLOAD_STORE, "data"),
    )
    def filter_options(store):
        data, message = session_data(store)
        options = views.filter_options(data)
        return [options[f] for f in ids.OPTION_FIELDS] + [message]

    register_tab_callbacks(app)
    register_answer_callbacks(app, session_data)
    register_refusal_callbacks(app)
    register_evidence_callbacks(app, session_data)
    for view in figure_views():
        _figure(app, view, session_data if view.reads_data else lambda _store: (bundled, ""))
    overview = VIEWS["overview"]

    # Only the grid: the selection summary and the page field's position, which the filter panel
    # always shows, come with the answer strip (components/answer_strip.py), so the grid, like a
    # figure, is computed only while its tab is shown (assets/slices.js).
    @app.callback(
        Output(overview.graph_id, "rowData"),
        Input(ids.view_state(overview.graph_id), "data"),
        Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )
    def trials_overview(sliced, store):
        if sliced is None:
            raise PreventUpdate
        return overview.panel(session_data(store)[0], ViewState.from_dict(sliced))

    register_export_callbacks(app, bundled, settings)
    register_upload_callbacks(app, bundled, settings)


# What a view's callback sets besides its own components: view key -> (outputs, (data, state) ->
# their values). The forest's 'Pool trials' control reads the forest's fields: one request, not two.
_ALSO = {"forest": ([Output(ids.FILTERS["pool"], "options"), Output(ids.POOL_HINT, "children")], view_registry.pool_control)}


TABLE_DATA = "data-table"
"""The attribute of a browser-drawn view's box holding its data (assets/heatmap_table.js reads it)."""


def _figure(app: Dash, view: View, session_data) -> None:
    """One view's figure, caption and config (modebar download named for view and filters), its
    note if it has one, and what `_ALSO` adds; for a view the browser draws itself, its data and
    caption; it reads only its own slice of the view state (components/slices.py)."""
    also_outputs, also = _ALSO.get(view.key, ([], None))
    if view.drawn_in_browser:  # a table the browser builds from its data (assets/heatmap_table.js)
        outputs = [Output(view.graph_id, TABLE_DATA), Output(ids.caption(view.graph_id), "children")]
    else:
        outputs = [Output(view.graph_id, "figure"), Output(ids.caption(view.graph_id), "children"),
                   Output(view.graph_id, "config")]
    outputs += ([Output(view.note_id, "children")] if view.note_id else []) + also_outputs
    inputs = [Input(ids.view_state(view.graph_id), "data")] + ([Input(ids.UPLOAD_STORE, "data")] if view.reads_data else [])

    @app.callback(outputs, inputs, prevent_initial_call=True)
    def redraw(sliced, store=None):
        if sliced is None:
            raise PreventUpdate
        data, state = session_data(store)[0], ViewState.from_dict(sliced)
        return rendered(view, data, state) + (tuple(also(data, state)) if also else ())
