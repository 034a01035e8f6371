"""'Your own trials' card: upload curated tables or patient-level survival data, kept in this
browser only (a session Store), validated with the same rules as the bundled data."""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from components import ids
from config import Settings
from evidence import upload
from evidence.loading import CuratedData
from evidence.problems import Problem
from evidence.session import session_data, uploaded_trial_ids

MAX_SHOWN_PROBLEMS = 50
TIME_UNITS = ("days", "weeks", "months", "years")


def upload_card(max_mb: float) -> html.Section:
    drop_zone = {"className": "drop-zone"}
    return html.Section(
        [
            html.H2("Your own trials", className="card-title"),
            html.P(
                "Add a trial's tables (contract CSVs, an XLSX workbook with one sheet per table, or a zip of CSVs) "
                f"or patient-level survival data, up to {max_mb:g} MiB. They are checked with the same rules as the "
                "curated data, stay in this browser tab only, and are marked [uploaded] in every view.",
                className="hint",
            ),
            html.Div(
                [
                    dcc.Upload(
                        id=ids.UPLOAD_TABLES,
                        multiple=True,
                        max_size=int(max_mb * 1024 * 1024),
                        accept=".csv,.tsv,.txt,.xlsx,.zip",
                        children=html.Div(["Drop trial tables here, or ", html.Span("choose files", className="link")]),
                        **drop_zone,
                    ),
                    html.Div(
                        [
                            dcc.Upload(
                                id=ids.UPLOAD_SURVIVAL,
                                max_size=int(max_mb * 1024 * 1024),
                                accept=".csv,.tsv,.txt,.xlsx",
                                children=html.Div(
                                    ["Drop patient-level survival data (trial_id, arm_id, endpoint, time, event), or ",
                                     html.Span("choose a file", className="link")]
                                ),
                                **drop_zone,
                            ),  # fmt: skip
                            html.Fieldset(
                                [
                                    html.Legend("Time unit of the survival file", className="control-label"),
                                    dcc.RadioItems(
                                        id=ids.SURVIVAL_UNIT,
                                        options=[{"label": u, "value": u} for u in TIME_UNITS],
                                        value="months",
                                        inline=True,
                                    ),
                                ],
                                className="control",
                            ),
                        ]
                    ),
                ],
                className="two-up",
            ),
            html.Div(
                [
                    html.Button("Download template", id=ids.UPLOAD_TEMPLATE, n_clicks=0, className="secondary-button"),
                    html.Button("Download my validated bundle", id=ids.UPLOAD_BUNDLE, n_clicks=0, className="secondary-button"),
                    html.Button("Remove my uploaded data", id=ids.UPLOAD_CLEAR, n_clicks=0, className="secondary-button"),
                ],
                className="button-row",
            ),
            html.Div(id=ids.UPLOAD_STATUS, className="upload-status", role="status", **{"aria-live": "polite"}),
            dcc.Download(id=ids.UPLOAD_DOWNLOAD),
        ],
        className="card card-wide",
        id="card-uploads",
        **{"aria-label": "Your own trials"},
    )


def status_children(problems: list[Problem], data: CuratedData | None, message: str = "") -> list:
    """A plain-text report: what was loaded, or every problem (capped) with file, row, column."""
    if message:
        return [html.P(message, className="upload-error")]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        items = [html.Li(str(p)) for p in errors[:MAX_SHOWN_PROBLEMS]]
        more = len(errors) - MAX_SHOWN_PROBLEMS
        if more > 0:
            items.append(html.Li(f"… and {more} more problem(s)."))
        head = f"Nothing was loaded: {len(errors)} problem(s). Fix them and upload again."
        return [html.P(head, className="upload-error"), html.Ul(items, className="problem-list")]
    trials = uploaded_trial_ids(data) if data is not None else []
    if not trials:
        return [html.P("No uploaded data in this browser tab.")]
    return [html.P(f"Loaded for this browser tab only: {', '.join(trials)}. Marked [uploaded] in every view.", className="upload-ok")]


def register_upload_callbacks(app: Dash, bundled: CuratedData, settings: Settings) -> None:
    limits = upload.UploadLimits.from_megabytes(settings.max_upload_mb)

    @app.callback(
        Output(ids.UPLOAD_STORE, "data"),
        Output(ids.UPLOAD_STATUS, "children"),
        Input(ids.UPLOAD_TABLES, "contents"),
        Input(ids.UPLOAD_SURVIVAL, "contents"),
        Input(ids.UPLOAD_CLEAR, "n_clicks"),
        State(ids.UPLOAD_TABLES, "filename"),
        State(ids.UPLOAD_SURVIVAL, "filename"),
        State(ids.SURVIVAL_UNIT, "value"),
        State(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )
    def receive(tables, survival, _clear, table_names, survival_name, unit, store):
        if ctx.triggered_id == ids.UPLOAD_CLEAR:
            return None, status_children([], bundled)
        if ctx.triggered_id == ids.UPLOAD_SURVIVAL:
            parsed = parse_survival(survival_name, survival, unit, store, bundled, limits)
        else:
            parsed = upload.parse_upload_contents(table_names, tables, limits)
        update = upload.apply_upload(parsed, store, bundled, limits)
        return (update.store if update.ok else no_update), status_children(update.problems, update.data)

    @app.callback(
        Output(ids.UPLOAD_DOWNLOAD, "data"),
        Input(ids.UPLOAD_TEMPLATE, "n_clicks"),
        Input(ids.UPLOAD_BUNDLE, "n_clicks"),
        State(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )
    def download(_template, _bundle, store):
        if ctx.triggered_id == ids.UPLOAD_TEMPLATE:
            return dcc.send_bytes(upload.template_zip(), "trial-tables-template.zip")
        data, _ = session_data(bundled, store)
        files = upload.uploaded_files(data)
        return dcc.send_bytes(upload.bundle_zip(files), "my-uploaded-trials.zip") if files else no_update


def parse_survival(name, contents, unit, store, bundled, limits) -> upload.UploadResult:
    """A survival file as an upload of survival_ipd rows, checked against the session's arms."""
    raw, problems = upload.decode_data_url(name or "survival.csv", contents or "", limits)
    if raw is None:
        return upload.UploadResult({}, problems, "survival")
    current, _ = session_data(bundled, store)
    frame, problems = upload.parse_survival_upload(name, raw, unit or "months", limits, known_arms=upload.known_arms(current))
    if frame is None:
        return upload.UploadResult({}, problems, "survival")
    return upload.survival_as_upload(frame, label=name)
