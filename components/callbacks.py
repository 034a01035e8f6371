"""Callbacks: parse inputs, call a pure function, return. Registered by `register_callbacks`.

Every view reads the session's data: the bundled tables plus this browser's uploads
(`components.uploads.session_reader`), so uploaded trials join every view for that user only.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.answer_strip import register_answer_callbacks
from components.evidence_box import register_evidence_callbacks
from components.exports import register_export_callbacks
from components.highlight import register_highlight_callbacks
from components.paging import register_paging_callbacks
from components.refusals import register_refusal_callbacks
from components.slices import register_slice_callbacks
from components.tabs import register_tab_callbacks
from components.render import rendered
from components.sync import link_notice, next_state, state_to_controls
from components.uploads import register_upload_callbacks, session_reader
from config import Settings
from evidence import view_registry, views
from evidence.loading import CuratedData
from evidence.state import ViewState, restrict_to_known
from evidence.view_registry import VIEWS, View, figure_views

_CONTROLS = [(component_id, "value") for component_id in ids.FILTERS.values()]


def register_callbacks(app: Dash, bundled: CuratedData, settings: Settings) -> None:
    click_inputs = [Input(component, event) for component, event in ids.CLICKS.items()]
    click_ids = list(ids.CLICKS)
    session_data = session_reader(bundled, settings)

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.STATE, "data"),
        Output(ids.LINK_NOTICE, "children"),
        [Output(c, p) for c, p in _CONTROLS],
        Input(ids.URL, "search"),
        Input(ids.RESET, "n_clicks"),
        [Input(c, p) for c, p in _CONTROLS],
        click_inputs,
        State(ids.UPLOAD_STORE, "data"),
    )
    def sync_state(search, _reset, *values):
        controls, clicks, store = list(values[: len(_CONTROLS)]), values[len(_CONTROLS) : -1], values[-1]
        data, _ = session_data(store)
        state, rewrite = next_state(ctx.triggered_id, search, controls, dict(zip(click_ids, clicks)))
        options = views.filter_options(data)
        known = restrict_to_known(state, data.trials, _values(options["organ"]), _values(options["grade"]))
        rewrite, state = rewrite or known != state, known  # e.g. a page past the last one
        outputs = state_to_controls(state) if rewrite else [no_update] * len(_CONTROLS)
        return [state.to_query(), state.as_dict(), link_notice(ctx.triggered_id, search), *outputs]

    @app.callback(
        [Output(ids.FILTERS[f], "options") for f in ids.OPTION_FIELDS],
        Output(ids.UPLOAD_NOTICE, "children"),
        Input(ids.UPLOAD_STORE, "data"),
    )
    def filter_options(store):
        data, message = session_data(store)
        options = views.filter_options(data)
        return [options[f] for f in ids.OPTION_FIELDS] + [message]

    @app.callback(
        Output(ids.FILTERS["pool"], "options"), Output(ids.POOL_HINT, "children"),
        Input(ids.view_state(VIEWS["forest"].graph_id), "data"), Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    def pool_control(sliced, store):
        if sliced is None:
            raise PreventUpdate
        return view_registry.pool_control(session_data(store)[0], ViewState.from_dict(sliced))

    register_slice_callbacks(app)
    register_highlight_callbacks(app)
    register_tab_callbacks(app)
    register_answer_callbacks(app, session_data)
    register_paging_callbacks(app, session_data)
    register_refusal_callbacks(app)
    register_evidence_callbacks(app, session_data)
    for view in figure_views():
        _figure(app, view, session_data if view.reads_data else lambda _store: (bundled, ""))
    overview = VIEWS["overview"]

    @app.callback(
        Output(overview.graph_id, "rowData"),
        Output(ids.SELECTION_SUMMARY, "children"),
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


def _figure(app: Dash, view: View, session_data) -> None:
    """One view's figure, caption and config (modebar download named for view and filters), and
    its note if it has one; it reads only its own slice of the view state (components/slices.py)."""
    outputs = [Output(view.graph_id, "figure"), Output(ids.caption(view.graph_id), "children"), Output(view.graph_id, "config")]
    outputs += [Output(view.note_id, "children")] if view.note_id else []
    inputs = [Input(ids.view_state(view.graph_id), "data")] + ([Input(ids.UPLOAD_STORE, "data")] if view.reads_data else [])

    @app.callback(outputs, inputs, prevent_initial_call=True)
    def redraw(sliced, store=None):
        if sliced is None:
            raise PreventUpdate
        return rendered(view, session_data(store)[0], ViewState.from_dict(sliced))


def _values(options: list[dict]) -> list[str]:
    """The values of a control's options (what a state may hold for it)."""
    return [o["value"] for o in options]
