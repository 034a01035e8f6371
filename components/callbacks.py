"""Callbacks: parse inputs, call a pure function, return. Registered by `register_callbacks`.

Every view reads the session's data: the bundled tables plus this browser's uploads
(`evidence.session.session_data`), so uploaded trials join every view for that user only.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update

from components import ids
from components.exports import panel_config, register_export_callbacks
from components.sync import next_state, state_to_controls
from components.uploads import register_upload_callbacks
from config import Settings
from evidence import views
from evidence.loading import CuratedData
from evidence.session import session_data
from evidence.state import ViewState, restrict_to_known

_CONTROLS = [(component_id, "value") for component_id in ids.FILTERS.values()]


def register_callbacks(app: Dash, bundled: CuratedData, settings: Settings) -> None:
    click_inputs = [Input(g, "clickData") for g in ids.CLICKABLE_GRAPHS] + [Input(ids.TRIAL_GRID, "cellClicked")]
    click_ids = list(ids.CLICKABLE_GRAPHS) + [ids.TRIAL_GRID]

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.STATE, "data"),
        [Output(c, p) for c, p in _CONTROLS],
        Input(ids.URL, "search"),
        Input(ids.RESET, "n_clicks"),
        [Input(c, p) for c, p in _CONTROLS],
        click_inputs,
        State(ids.UPLOAD_STORE, "data"),
    )
    def sync_state(search, _reset, *values):
        controls, clicks, store = list(values[: len(_CONTROLS)]), values[len(_CONTROLS) : -1], values[-1]
        data, _ = session_data(bundled, store)
        state, rewrite = next_state(ctx.triggered_id, search, controls, dict(zip(click_ids, clicks)))
        state = restrict_to_known(state, data.trials, [o["value"] for o in views.filter_options(data)["organ"]])
        outputs = state_to_controls(state) if rewrite else [no_update] * len(_CONTROLS)
        return [state.to_query(), state.as_dict(), *outputs]

    @app.callback(
        [Output(ids.FILTERS[f], "options") for f in ids.OPTION_FIELDS],
        Output(ids.UPLOAD_NOTICE, "children"),
        Input(ids.UPLOAD_STORE, "data"),
    )
    def filter_options(store):
        data, message = session_data(bundled, store)
        options = views.filter_options(data)
        return [options[f] for f in ids.OPTION_FIELDS] + [message]

    for graph_id, view in (
        (ids.DESIGN, views.design_panel),
        (ids.FOREST, views.forest_panel),
        (ids.MEDIANS, views.medians_panel),
        (ids.RATES, views.rates_panel),
        (ids.HEATMAP, views.toxicity_panel),
        (ids.DOSE, views.dosing_panel),
        (ids.SURVIVAL, views.survival_panel),
    ):
        _panel(app, bundled, graph_id, view)

    @app.callback(
        Output(ids.TRIAL_GRID, "rowData"),
        Output(ids.SELECTION_SUMMARY, "children"),
        Input(ids.STATE, "data"),
        Input(ids.UPLOAD_STORE, "data"),
    )
    def trials_overview(state, store):
        data, view_state = session_data(bundled, store)[0], ViewState.from_dict(state or {})
        return views.trial_grid_rows(data, view_state), views.selection_summary(data, view_state)

    @app.callback(
        Output(ids.WHAT_IF, "figure"),
        Output(ids.caption(ids.WHAT_IF), "children"),
        Output(ids.WHAT_IF_NOTE, "children"),
        Output(ids.WHAT_IF, "config"),
        Input(ids.STATE, "data"),
    )
    def what_if(state):
        view_state = ViewState.from_dict(state or {})
        panel = views.what_if_panel(view_state)
        return panel.figure, panel.caption, panel.note, panel_config(ids.WHAT_IF, view_state, panel.figure, bundled)

    register_export_callbacks(app, bundled, settings)
    register_upload_callbacks(app, bundled, settings)


def _panel(app: Dash, bundled: CuratedData, graph_id: str, view) -> None:
    """One figure, its caption, and its config (modebar download named for view and filters)."""

    @app.callback(
        Output(graph_id, "figure"), Output(ids.caption(graph_id), "children"), Output(graph_id, "config"),
        Input(ids.STATE, "data"),
        Input(ids.UPLOAD_STORE, "data"),
    )  # fmt: skip
    def redraw(state, store):
        data, view_state = session_data(bundled, store)[0], ViewState.from_dict(state or {})
        panel = view(data, view_state)
        return panel.figure, panel.caption, panel_config(graph_id, view_state, panel.figure, data)
