"""URL, filter controls and view state kept in step in the browser; the server checks in the background.

A change used to be two server round trips in a row: a callback turned the URL (or a control,
or a click) into the view state, and only its answer sent the figure requests. Now a clientside
callback (assets/state.js `sync`, a copy of evidence/state.py's parsing and components/sync.py's
`next_state` driven by `browser_rules()`) writes the view state at once, so the figure requests
are the first and only ones.

What needs the data (facet values and trials the data hold, organ classes, grade bands, the page
count) the server still decides: `unknown` (clientside) cuts from the state the values no control
offers and the page past the first; when that changes, `check_state` restricts the state to the
data (evidence.views.known_state) and, if anything was dropped, answers with the corrected state,
which `applyFix` applies on top of the newest state (a control changed or a link opened while the
check was out keeps its values: only what the server took out is taken out), and says in the page
what was left out (a link naming another person's private upload, or an expired one). A change
among offered values sends no check. While a check is due the views wait for its answer (`sync`
leaves their slices alone, `applyFix` cuts them), so no figure is computed for values the data
may not hold; what an answer about an older state leaves unchecked is asked again (`askAgain`).
Until that answer the state keeps what the URL gave: Dash 4's dropdown drops a value its options
lack on its own, and `sync` does not follow such a drop (the server decides); `restoreControls`
shows the value again when this user's options arrive and offer it.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.slices import browser_slices
from components.sync import unavailable_notice
from evidence import views
from evidence.state import FACETS, ViewState, query_rules

_CONTROLS = [(component_id, "value") for component_id in ids.FILTERS.values()]


def browser_rules() -> dict:
    """What assets/state.js needs: the query rules, the state fields of the controls and their ids
    (in the callback's order), the controls whose change returns to page 1, the fields whose
    controls' options follow the data, the trigger ids (the tab strip's too: a tab chosen is followed
    before Dash's round), and the views' slices (assets/slices.js)."""
    return {
        **query_rules(),
        "controls": list(ids.FILTERS),
        "control_ids": list(ids.FILTERS.values()),
        "facet_controls": [ids.FILTERS[name] for name in FACETS],
        "clicks": list(ids.CLICKS),
        "option_fields": list(ids.OPTION_FIELDS),
        "url": ids.URL,
        "reset": ids.RESET,
        "unknown": ids.STATE_UNKNOWN,
        "tab_control": ids.FILTERS["tab"],
        "slices": browser_slices(),
    }


def _to_check(unknown: dict | None) -> bool:
    """Whether the browser's `unknown` (assets/state.js) asked for a check, holding the views until
    its answer: a value no control offers, or a page past the first."""
    unknown = unknown or {}
    return (unknown.get("page") or 1) > 1 or any(unknown.get(field) for field in ids.OPTION_FIELDS)


def stores() -> list[dcc.Store]:
    return [dcc.Store(id=ids.STATE_RULES, data=browser_rules()), dcc.Store(id=ids.STATE_UNKNOWN), dcc.Store(id=ids.STATE_FIX)]


def register_state_callbacks(app: Dash, session_data) -> None:
    """`sync` turns the URL, a control or a click into the view state and, in the same call, cuts
    every view's slice of it and asks the server for the views whose slice changed
    (assets/slices.js, components/view_requests.py), and says what the server must check
    (`unknown`): the view requests leave before Dash applies the new state. (Slices and the check
    were two more clientside callbacks on the state Store, then a Dash callback per view: rounds
    of ~30-40 ms of Dash's renderer before any request.) While a check is due the views wait for
    its answer (`applyFix` asks for them)."""
    now = [State(ids.STATE, "data"), State(ids.STATE_UNKNOWN, "data"), State(ids.UPLOAD_STORE, "data"), State(ids.STATE_RULES, "data")]
    options = [State(ids.FILTERS[field], "options") for field in ids.OPTION_FIELDS]
    app.clientside_callback(
        ClientsideFunction(namespace="evidence_state", function_name="sync"),
        Output(ids.URL, "search"), Output(ids.STATE, "data"), Output(ids.LINK_NOTICE, "children"),
        [Output(c, p) for c, p in _CONTROLS], Output(ids.STATE_UNKNOWN, "data"),
        Input(ids.URL, "search"), Input(ids.RESET, "n_clicks"), [Input(c, p) for c, p in _CONTROLS],
        [Input(component, event) for component, event in ids.CLICKS.items()], options, now,
    )  # fmt: skip
    app.clientside_callback(
        ClientsideFunction(namespace="evidence_state", function_name="applyFix"),
        Output(ids.URL, "search", allow_duplicate=True), Output(ids.STATE, "data", allow_duplicate=True),
        [Output(c, p, allow_duplicate=True) for c, p in _CONTROLS],
        Output(ids.STATE_UNKNOWN, "data", allow_duplicate=True),
        Input(ids.STATE_FIX, "data"), State(ids.URL, "search"), [State(c, p) for c, p in _CONTROLS], options, now,
        prevent_initial_call=True,
    )  # fmt: skip
    # an upload or a removal: the views showing uploads are asked for again (no output)
    app.clientside_callback(
        ClientsideFunction(namespace="evidence_state", function_name="uploaded"),
        Input(ids.UPLOAD_STORE, "data"), prevent_initial_call=True,
    )  # fmt: skip
    app.clientside_callback(
        ClientsideFunction(namespace="evidence_state", function_name="restoreControls"),
        [Output(ids.FILTERS[field], "value", allow_duplicate=True) for field in ids.OPTION_FIELDS],
        [Input(ids.FILTERS[field], "options") for field in ids.OPTION_FIELDS],
        [State(ids.FILTERS[field], "value") for field in ids.OPTION_FIELDS],
        State(ids.STATE, "data"), State(ids.STATE_RULES, "data"),
        prevent_initial_call=True,
    )  # fmt: skip

    @app.callback(
        Output(ids.STATE_FIX, "data"), Output(ids.UNAVAILABLE_NOTICE, "children"),
        Input(ids.STATE_UNKNOWN, "data"), State(ids.STATE, "data"), State(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    def check_state(unknown, current, store):
        state = ViewState.from_dict(current or {})
        known = views.known_state(session_data(store)[0], state)
        if known == state and not _to_check(unknown):
            raise PreventUpdate  # nothing was asked: the views were not held (assets/state.js)
        # an answer even when all is known: the views wait for it (applyFix cuts their slices)
        notice = unavailable_notice(state, known) if known != state else no_update
        return {"from": current, "state": known.as_dict()}, notice
