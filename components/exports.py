"""Export bar (slide images, PowerPoint, data tables) and its callback; modebar file names.

The work is in evidence.export_views.build_export; this module only builds controls, reads the
view state, and sends the bytes with dcc.Download.
"""

from __future__ import annotations

import logging
from datetime import date

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from components import ids
from components import export_jobs
from security import client_address
from components.uploads import session_owner, session_reader, upload_store
from config import Settings
from evidence import export, export_views, views
from evidence.loading import CuratedData
from evidence.session import session_data
from evidence.state import ViewState, restrict_to_known
from evidence.view_registry import exported_views

log = logging.getLogger(__name__)

GRAPH_VIEWS = {view.graph_id: view.export.key for view in exported_views()}
"""Graph id -> export view key (evidence/view_registry.py)."""

FORMAT_OF_BUTTON = {button: fmt for fmt, button in ids.EXPORT_BUTTONS.items()}
FORMAT_HINTS = {
    "png": "16:9 slide image, 3840 × 2160 px, with title, filters and sources",
    "svg": "16:9 vector image with title, filters and sources",
    "pdf": "16:9 vector PDF page with title, filters and sources",
    "pptx": "PowerPoint deck: title slide, summary, one slide per figure (dense ones continued), sources",
    "csv": "The rows behind the figure, with source columns (UTF-8 CSV)",
    "xlsx": "The rows behind the figure, with source columns (Excel workbook)",
}
DISABLED_TEXT = (
    "Image, PDF and PowerPoint export are switched off on this server (EXPORT_ENABLED=false). "
    "CSV and XLSX downloads work."
)


def images_available(enabled: bool, chromium_ok: bool) -> bool:
    return enabled and chromium_ok


def export_flags(settings: Settings | None = None) -> tuple[bool, bool]:
    """(exports enabled, Chromium installed) for the export bar."""
    settings = settings or Settings.from_env()
    return settings.export_enabled, export.chromium_available()


# ---------------------------------------------------------------- modebar (per-figure download)


def graph_config(view: str, state: ViewState, today: date, trial_ids=(), total_trials: int = 0) -> dict:
    """The graph's plotly config: the layout's slide-sized modebar download, named for the view,
    its trials, endpoint and date, e.g. forest-plot_PASO-E2100_PFS_2026-11-21(.png)."""
    from components.layout import GRAPH_CONFIG  # here: layout imports this module

    stem = export_views.file_stem(view, state, tuple(trial_ids), total_trials, today)
    return {**GRAPH_CONFIG, "toImageButtonOptions": {**GRAPH_CONFIG["toImageButtonOptions"], "filename": stem}}


def panel_config(graph_id: str, state: ViewState, figure, data: CuratedData, today: date | None = None) -> dict:
    """graph_config for a drawn panel (the trials are read off the figure)."""
    view = GRAPH_VIEWS[graph_id]
    trial_ids = export_views.figure_trial_ids(data, state, view, figure)
    return graph_config(view, state, today or date.today(), trial_ids, len(data.trials))


# ---------------------------------------------------------------- the export bar


def export_bar(enabled: bool, chromium_ok: bool) -> html.Section:
    """Figure chooser, one button per format, a plain note when image export is unavailable,
    a status line, and the Download component."""
    images = images_available(enabled, chromium_ok)
    options = [{"label": "All figures that show data", "value": export_views.ALL}] + [
        {"label": view.label, "value": key} for key, view in export_views.VIEWS.items()
    ]

    def button(fmt: str) -> html.Button:
        off = fmt in export_views.NEEDS_CHROMIUM and not images
        return html.Button(
            export_views.FORMAT_LABELS[fmt],
            id=ids.EXPORT_BUTTONS[fmt],
            n_clicks=0,
            disabled=off,
            title=("Unavailable: " if off else "") + FORMAT_HINTS[fmt],
            className="export-button",
            type="button",
        )

    note = "" if images else (DISABLED_TEXT if not enabled else export.CHROMIUM_MISSING_TEXT)
    return html.Section(
        [
            html.H2("Export for slides", className="card-title"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Figure", htmlFor=ids.EXPORT_VIEW, className="control-label"),
                            dcc.Dropdown(id=ids.EXPORT_VIEW, options=options, value=export_views.ALL, clearable=False, searchable=False),
                        ],
                        className="control export-view",
                    ),
                    _group("Slides and images", [button(f) for f in ("png", "svg", "pdf", "pptx")]),
                    _group("Data behind the figures", [button(f) for f in ("csv", "xlsx")]),
                    html.Span(id=ids.EXPORT_BUSY, className="export-busy", **{"aria-hidden": "true"}),
                ],
                className="export-row",
            ),
            html.P(
                "Files follow the current filters and name their sources. Images are 16:9 slides "
                "(3840 × 2160 px; a ZIP for all figures); PowerPoint gives one slide per figure with the "
                "filters in the speaker notes; CSV and XLSX hold the rows behind each figure.",
                className="hint",
            ),
            html.P(note, id=ids.EXPORT_NOTE, className="export-note", hidden=not note),
            html.Div(
                [
                    html.Progress(id=ids.EXPORT_PROGRESS, value="0", max="1", className="export-progress",
                                  **{"aria-labelledby": ids.EXPORT_PROGRESS_TEXT}),
                    html.Span("Preparing the file…", id=ids.EXPORT_PROGRESS_TEXT, className="export-progress-text"),
                    html.Button("Cancel", id=ids.EXPORT_CANCEL, n_clicks=0, type="button", className="export-button"),
                ],
                id=ids.EXPORT_PROGRESS_BOX, className="export-progress-box", hidden=True,
            ),
            dcc.Store(id=ids.EXPORT_JOB),
            html.P(id=ids.EXPORT_STATUS, className="export-status", role="status", **{"aria-live": "polite"}),
            dcc.Download(id=ids.EXPORT_DOWNLOAD),
        ],
        className="card card-wide export-bar",
        id=ids.EXPORT_BAR,
        **{"aria-label": "Export for slides"},
    )


def _group(label: str, buttons: list) -> html.Div:
    return html.Div(
        [html.Span(label, className="control-label", **{"aria-hidden": "true"}),
         html.Div(buttons, className="export-buttons")],
        className="export-group", role="group", **{"aria-label": label},
    )


# ---------------------------------------------------------------- the download callback


def view_link(app: Dash, state: ViewState, public_url: str = "") -> str:
    """Link that reopens the view: PUBLIC_URL + path + query, or the path and query alone.

    Never built from the request's Host header, which the client chooses: an export would
    carry a link to whatever host the request named.
    """
    return public_url + app.config.requests_pathname_prefix + state.to_query()


def export_download(data: CuratedData, settings: Settings, fmt: str, view: str | None, state: dict | None,
                    today: date, link: str = "", render=None, progress=None) -> tuple:
    """(dcc.Download data or no_update, status text) for one button press (or background job:
    progress(done, total, slide title) as each picture is drawn)."""
    images = images_available(settings.export_enabled, export.chromium_available())
    if fmt in export_views.NEEDS_CHROMIUM and not images:
        return no_update, DISABLED_TEXT if not settings.export_enabled else export.CHROMIUM_MISSING_TEXT
    key = view if view in export_views.VIEWS else export_views.ALL
    organ = [o["value"] for o in views.filter_options(data)["organ"]]
    view_state = restrict_to_known(ViewState.from_dict(state or {}), data.trials, organ)
    try:
        result = export_views.build_export(data, view_state, key, fmt, today, link, render=render, progress=progress)
    except export.ExportError as err:
        return no_update, f"Export failed: {err}"
    except Exception:  # noqa: BLE001 - the user gets a sentence, the log the traceback
        log.exception("export %s of %s failed", fmt, key)
        return no_update, "Export failed unexpectedly; the server log has the details."
    return dcc.send_bytes(result.content, result.filename, type=result.media_type), result.message


def request_export(data: CuratedData, settings: Settings, fmt: str, view: str | None, state: dict | None,
                   owner: str, link: str, today: date, client: str = "") -> tuple:
    """(download, status, job ticket) for a button press: a deck or every figure's images go to a
    background job (a signed ticket, when the owner has a free slot); the rest is made here."""
    if not export_jobs.runs_in_background(fmt, view, export_views.ALL, export_views.NEEDS_CHROMIUM) or not (
            images_available(settings.export_enabled, export.chromium_available())):
        return (*export_download(data, settings, fmt, view, state, today, link), no_update)
    ticket = export_jobs.make_ticket(settings, fmt, view if view in export_views.VIEWS else export_views.ALL, owner, client)
    if not export_jobs.Slots.of(settings).take(export_jobs.slot_owner(ticket), ticket["nonce"]):
        limit = settings.export_jobs_per_user
        return no_update, (f"You already have {limit} export{'s' if limit != 1 else ''} running; wait for one "
                           "to finish or cancel it, then ask again."), no_update
    return no_update, "", ticket


def export_job(data: CuratedData, settings: Settings, ticket: object, state: dict | None, store: object,
               link: str, today: date, set_progress) -> tuple:
    """(download, status) of a background job: the ticket checked, the owner's data read, the
    file built with progress naming each slide, the owner's slot freed at the end."""
    ticket = export_jobs.checked_ticket(settings, ticket)
    if ticket is None:
        return no_update, "Export refused: the request was altered in the browser. Press the button again."
    slots, holder = export_jobs.Slots.of(settings), export_jobs.slot_owner(ticket)
    slots.started(holder, ticket["nonce"])
    try:
        session = session_data(data, store, upload_store(settings), ticket["owner"])[0]

        def progress(done: int, total: int, title: str) -> None:
            set_progress((str(done), str(total), f"Drawn slide {done} of {total}: {title}"))

        return export_download(session, settings, ticket["fmt"], ticket["view"], state, today, link, progress=progress)
    finally:
        slots.release(holder, ticket["nonce"])


def register_export_callbacks(app: Dash, data: CuratedData, settings: Settings) -> None:
    images = images_available(settings.export_enabled, export.chromium_available())
    formats = [f for f in export_views.FORMATS if images or f not in export_views.NEEDS_CHROMIUM]
    buttons = [ids.EXPORT_BUTTONS[f] for f in formats]
    busy = [(Output(b, "disabled"), True, False) for b in buttons]
    session_data_of = session_reader(data, settings)
    manager = app.export_jobs_manager = export_jobs.background_manager(settings)  # export_worker.py reads it

    @app.callback(
        Output(ids.EXPORT_DOWNLOAD, "data"),
        Output(ids.EXPORT_STATUS, "children"),
        Output(ids.EXPORT_JOB, "data"),
        [Input(b, "n_clicks") for b in buttons],
        State(ids.EXPORT_VIEW, "value"),
        State(ids.STATE, "data"),
        State(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
        running=busy + [(Output(ids.EXPORT_BUSY, "children"), "Preparing the file…", "")],
    )
    def download(*values):
        view, state, store = values[-3:]
        fmt, session = FORMAT_OF_BUTTON[ctx.triggered_id], session_data_of(store)[0]
        link = view_link(app, ViewState.from_dict(state or {}), settings.public_url)
        owner = session_owner(settings, store)  # the job reads this owner's uploads, like the views
        return request_export(session, settings, fmt, view, state, owner, link, date.today(), client_address())

    @app.callback(
        Output(ids.EXPORT_DOWNLOAD, "data", allow_duplicate=True),
        Output(ids.EXPORT_STATUS, "children", allow_duplicate=True),
        Input(ids.EXPORT_JOB, "data"),
        State(ids.STATE, "data"),
        State(ids.UPLOAD_STORE, "data"),
        background=True, manager=manager, prevent_initial_call=True,
        running=busy + [(Output(ids.EXPORT_PROGRESS_BOX, "hidden"), False, True)],
        progress=[Output(ids.EXPORT_PROGRESS, "value"), Output(ids.EXPORT_PROGRESS, "max"),
                  Output(ids.EXPORT_PROGRESS_TEXT, "children")],
        progress_default=["0", "1", "Preparing the file…"],
        cancel=[Input(ids.EXPORT_CANCEL, "n_clicks")],
    )
    def background_export(set_progress, ticket, state, store):
        link = view_link(app, ViewState.from_dict(state or {}), settings.public_url)
        return export_job(data, settings, ticket, state, store, link, date.today(), set_progress)
