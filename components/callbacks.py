"""Callbacks: parse inputs, call a pure function, return. Registered by `register_callbacks`.

Every view reads the session's data: the bundled tables plus this browser's uploads
(`components.uploads.session_reader`), so uploaded trials join every view for that user only.
"""

from __future__ import annotations

from datetime import date

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components import ids, slices
from components.exports import panel_config, register_export_callbacks
from components.highlight import register_highlight_callbacks
from components.paging import register_paging_callbacks
from components.refusals import register_refusal_callbacks
from components.slices import register_slice_callbacks
from components.sync import link_notice, next_state, state_to_controls
from components.uploads import register_upload_callbacks, session_reader
from config import Settings
from evidence import cache, views
from evidence.loading import CuratedData
from evidence.state import ViewState, restrict_to_known

_CONTROLS = [(component_id, "value") for component_id in ids.FILTERS.values()]


def register_callbacks(app: Dash, bundled: CuratedData, settings: Settings) -> None:
    click_inputs = [Input(g, "clickData") for g in ids.CLICKABLE_GRAPHS] + [Input(ids.TRIAL_GRID, "cellClicked")]
    click_ids = list(ids.CLICKABLE_GRAPHS) + [ids.TRIAL_GRID]
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
        Input(ids.view_state(ids.FOREST), "data"), Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    def pool_control(sliced, store):
        if sliced is None:
            raise PreventUpdate
        return views.pool_control(session_data(store)[0], ViewState.from_dict(sliced))

    register_slice_callbacks(app)
    register_highlight_callbacks(app)
    register_paging_callbacks(app, session_data)
    register_refusal_callbacks(app)
    for graph_id, view in (
        (ids.DESIGN, views.design_panel),
        (ids.FOREST, views.forest_panel),
        (ids.MEDIANS, views.medians_panel),
        (ids.RATES, views.rates_panel),
        (ids.HEATMAP, views.toxicity_panel),
        (ids.DOSE, views.dosing_panel),
        (ids.SURVIVAL, views.survival_panel),
    ):
        _panel(app, session_data, graph_id, view)

    @app.callback(
        Output(ids.TRIAL_GRID, "rowData"),
        Output(ids.SELECTION_SUMMARY, "children"),
        Input(ids.view_state(ids.TRIAL_GRID), "data"),
        Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )
    def trials_overview(sliced, store):
        if sliced is None:
            raise PreventUpdate
        return views.trials_overview(session_data(store)[0], ViewState.from_dict(sliced))

    @app.callback(
        Output(ids.WHAT_IF, "figure"),
        Output(ids.caption(ids.WHAT_IF), "children"),
        Output(ids.WHAT_IF_NOTE, "children"),
        Output(ids.WHAT_IF, "config"),
        Input(ids.view_state(ids.WHAT_IF), "data"),
        prevent_initial_call=True,
    )
    def what_if(sliced):
        if sliced is None:
            raise PreventUpdate
        view_state = ViewState.from_dict(sliced)
        panel = views.what_if_panel(view_state)  # memoised on the ramp fields
        figure, caption, config = _rendered(ids.WHAT_IF, lambda _data, _state: panel, bundled, view_state)
        return figure, caption, panel.note, config

    register_export_callbacks(app, bundled, settings)
    register_upload_callbacks(app, bundled, settings)


def _rendered(graph_id: str, view, data: CuratedData, state: ViewState) -> tuple[dict, str, dict]:
    """(figure as plotly JSON, caption, config) for a view, cached like the views themselves
    (evidence.cache, "render:<graph id>"; the config's file name carries today's date)."""
    fields = views.VIEW_FIELDS[slices.SLICES[graph_id]]
    today = date.today()

    def compute():
        panel = view(data, state)
        return panel.figure_json(), panel.caption, panel_config(graph_id, state, panel.figure, data, today)

    return cache.get_or_compute(f"render:{graph_id}", (data.version, views.state_key(state, fields), today), compute)


def _panel(app: Dash, session_data, graph_id: str, view) -> None:
    """One figure, its caption, and its config (modebar download named for view and filters);
    it reads only its own slice of the view state (components/slices.py)."""

    @app.callback(
        Output(graph_id, "figure"), Output(ids.caption(graph_id), "children"), Output(graph_id, "config"),
        Input(ids.view_state(graph_id), "data"),
        Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    def redraw(sliced, store):
        if sliced is None:
            raise PreventUpdate
        data = session_data(store)[0]
        return _rendered(graph_id, view, data, ViewState.from_dict(sliced))


def _values(options: list[dict]) -> list[str]:
    """The values of a control's options (what a state may hold for it)."""
    return [o["value"] for o in options]
