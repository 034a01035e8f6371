"""Callbacks: parse inputs, call a pure function, return. Registered by `register_callbacks`.

Every view reads the session's data: the bundled tables plus this browser's uploads
(`components.uploads.session_reader`), so uploaded trials join every view for that user only.
The views themselves are no callbacks: the browser fetches each view's data from a plain route
(components/view_requests.py) when its slice of the state changes.
"""

from __future__ import annotations

from dash import Dash, Input, Output

from components import ids
from components.evidence_box import register_evidence_callbacks
from components.exports import register_export_callbacks
from components.refusals import register_refusal_callbacks
from components.state_sync import register_state_callbacks
from components.uploads import register_upload_callbacks, session_reader
from components.view_requests import register_view_requests
from config import Settings
from evidence import views
from evidence.loading import CuratedData


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

    register_refusal_callbacks(app)
    register_evidence_callbacks(app, session_data)
    register_view_requests(app, bundled, session_data)  # every view's data: a plain route, not a callback
    register_export_callbacks(app, bundled, settings)
    register_upload_callbacks(app, bundled, settings)

