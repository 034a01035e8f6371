"""'Your own trials' card: upload curated tables or patient-level survival data, validated with
the same rules as the bundled data and kept in the database (``evidence.upload_store``), private
to their owner until shared with the team; the list of uploaded trials with share and remove
buttons. The browser holds only the id of its last upload (``{"upload": ...}``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from security import request_owner

from components import ids
from config import Settings
from evidence import upload
from evidence.loading import CuratedData
from evidence.problems import Problem
from evidence.session import session_data, session_id_of, upload_id_of, uploaded_trial_ids
from evidence.upload import entries
from evidence.upload_store import (
    MiB, Conflict, NotAllowed, NotFound, QuotaError, StoreUnavailable, TrialEntry, UploadStore, new_id,
)

MAX_SHOWN_PROBLEMS = 50
MAX_SHOWN_REPORT = 12
TIME_UNITS = ("days", "weeks", "months", "years")
TRIAL_LIST = "uploaded-trial-list"
SHARE = "uploaded-trial-share"  # pattern ids: {"type": SHARE, "trial": trial_id}
REMOVE = "uploaded-trial-remove"


def upload_card(max_mb: float) -> html.Section:
    drop_zone = {"className": "drop-zone"}
    return html.Section(
        [
            html.H2("Your own trials", className="card-title"),
            html.P(
                "Add a trial's tables (contract CSVs, an XLSX workbook with one sheet per table, or a zip of CSVs), "
                "ClinicalTrials.gov results records (.json from the registry's API, or a zip of them) "
                f"or patient-level survival data, up to {max_mb:g} MiB. They are checked with the same rules as the "
                "curated data, kept on the server private to you (removed after a day unused) until you share them "
                "with the team, and marked [uploaded] in every view.",
                className="hint",
            ),
            html.Div(
                [
                    dcc.Upload(
                        id=ids.UPLOAD_TABLES,
                        multiple=True,
                        max_size=int(max_mb * 1024 * 1024),
                        accept=".csv,.tsv,.txt,.xlsx,.zip,.json",
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
                    html.Button("Remove my private uploads", id=ids.UPLOAD_CLEAR, n_clicks=0, className="secondary-button"),
                ],
                className="button-row",
            ),
            html.Div(id=TRIAL_LIST, className="uploaded-trials"),
            html.Div(id=ids.UPLOAD_STATUS, className="upload-status", role="status", **{"aria-live": "polite"}),
            dcc.Download(id=ids.UPLOAD_DOWNLOAD),
        ],
        className="card card-wide",
        id="card-uploads",
        **{"aria-label": "Your own trials"},
    )


def status_children(problems: list[Problem], data: CuratedData | None, message: str = "", report: list | None = None) -> list:
    """A plain-text report: what was loaded (and the registry import report), or every problem
    (capped) with file, row, column."""
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
        return [html.P("No uploaded trials.")]
    loaded = html.P(f"Loaded: {', '.join(trials)}. Private to you until you share them; marked [uploaded] in every view.",
                    className="upload-ok")  # fmt: skip
    return [loaded, *import_report_children(report or [])]


def trial_list_children(trials: list[TrialEntry], owner: str, admin: bool) -> list:
    """The uploaded trials this user sees: who added each, shared or private, with a share button
    (own private trials) and a remove button (own trials; any shared trial for an admin)."""
    if not trials:
        return []
    rows = []
    for entry in trials:
        mine = entry.owner == owner
        state = "shared with the team" if entry.shared else "private to you"
        words = f"{entry.trial_id}{' - ' + entry.title if entry.title else ''} (added by {'you' if mine else entry.added_by}; {state})"
        if mine and entry.hides:
            words += f": {entry.hides_text()}."
        buttons = []
        if mine and not entry.shared:
            buttons.append(html.Button("Share with the team", id={"type": SHARE, "trial": entry.trial_id}, n_clicks=0,
                                       className="secondary-button"))  # fmt: skip
        if mine or admin:
            buttons.append(html.Button("Remove", id={"type": REMOVE, "trial": entry.trial_id}, n_clicks=0,
                                       className="secondary-button", **{"aria-label": f"Remove {entry.trial_id}"}))  # fmt: skip
        rows.append(html.Li([html.Span(words), *buttons]))
    return [html.H3("Uploaded trials you see", className="control-label"), html.Ul(rows)]


def import_report_children(rows: list[dict]) -> list:
    """The ClinicalTrials.gov import report, short: counts, then the first entries (kind, reason,
    JSON path), so what was not mapped or assumed is never silent."""
    if not rows:
        return []
    counts = {kind: sum(r["kind"] == kind for r in rows) for kind in dict.fromkeys(r["kind"] for r in rows)}
    head = "Import report (ClinicalTrials.gov): " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + "."
    items = [html.Li(f"{r['kind']}: {r['reason']} ({r['path']})") for r in rows[:MAX_SHOWN_REPORT]]
    if len(rows) > MAX_SHOWN_REPORT:
        items.append(html.Li(f"… and {len(rows) - MAX_SHOWN_REPORT} more."))
    return [html.P(head, className="import-report-title"), html.Ul(items, className="import-report")]


@lru_cache(maxsize=8)
def upload_store(settings: Settings) -> UploadStore:
    """The database of uploaded trials that ``settings`` describe (migrated when first made)."""
    return UploadStore(
        settings.state_dir,
        max_idle_seconds=settings.upload_idle_hours * 3600,
        quota_bytes=int(settings.upload_quota_mb * MiB),
        total_bytes=int(settings.upload_store_mb * MiB),
        url=settings.database_url,
        admins=settings.admin_users,
    )


def session_owner(settings: Settings, ref: object) -> str:
    """Who owns this request's uploads: the signed-in user, else the anonymous id of the signed
    cookie (``security.request_owner``); outside a request (callbacks called as functions in
    tests) the browser-session id in ``ref``."""
    return request_owner() or f"session:{session_id_of(ref) or ''}"


def is_admin(settings: Settings, owner: str) -> bool:
    return owner.startswith("user:") and owner[5:] in settings.admin_users


def session_reader(bundled: CuratedData, settings: Settings) -> Callable[[object], tuple[CuratedData, str]]:
    """ref -> (this user's data, message): what every view and export reads."""
    uploads = upload_store(settings)
    return lambda ref: session_data(bundled, ref, uploads, session_owner(settings, ref))


def received_files(trigger, files: dict, limits) -> list[tuple[str, bytes]]:
    """The original files of one upload, decoded (kept byte for byte with the trials)."""
    if trigger == ids.UPLOAD_SURVIVAL:
        names, contents = [files.get("survival_name") or "survival.csv"], [files.get("survival")]
    else:
        names, contents = files.get("table_names") or [], files.get("tables") or []
        if isinstance(names, str) or isinstance(contents, str):
            names, contents = [names], [contents]
    decoded = [(name, upload.decode_data_url(name, content or "", limits)[0]) for name, content in zip(names, contents)]
    return [(str(name), raw) for name, raw in decoded if raw is not None]


@dataclass(frozen=True)
class Kept:
    """What became of one upload: its id when kept; the validation outcome; or why it could not be
    kept (quota, store full, database unreachable)."""

    upload_id: str | None
    update: upload.SessionUpdate | None
    message: str = ""
    unavailable: bool = False  # the database could not be reached


def keep_upload(received: upload.TablesUpload, originals, owner: str, bundled: CuratedData, uploads: UploadStore, limits) -> Kept:
    """Validate a parsed upload together with what ``owner`` sees and keep the rows it adds (the
    upload card and the API both come here)."""
    try:
        current = uploads.payload_for(uploads.visible_key(owner))
        update = upload.apply_upload(received.parsed, current, bundled, limits, uploads.total_bytes)
        if not update.ok:
            return Kept(None, update)
        return Kept(uploads.put(owner, entries.new_rows(current, update.store), originals, context=update.store), update)
    except QuotaError as err:
        return Kept(None, None, str(err))
    except StoreUnavailable as err:
        return Kept(None, None, str(err), unavailable=True)


def accept_upload(received: upload.TablesUpload, originals, owner: str, bundled: CuratedData, uploads: UploadStore, limits):
    """(upload id or None, status children) for the card."""
    kept = keep_upload(received, originals, owner, bundled, uploads, limits)
    if kept.message:
        return None, status_children([], None, kept.message)
    if kept.upload_id is None:
        return None, status_children(kept.update.problems, None)
    return kept.upload_id, status_children(kept.update.problems, kept.update.data, report=received.report)


def receive_upload(trigger, files: dict, ref: object, bundled: CuratedData, settings: Settings) -> tuple[object, list]:
    """(new browser reference or no_update, status children) for one upload or removal.

    ``files``: tables / table_names / survival / survival_name / unit, as dcc.Upload gives them."""
    limits = upload.UploadLimits.from_megabytes(settings.max_upload_mb)
    uploads = upload_store(settings)
    ref = {"session": session_id_of(ref) or new_id(), "upload": upload_id_of(ref)}
    owner = session_owner(settings, ref)
    if trigger == ids.UPLOAD_CLEAR:
        try:
            uploads.delete_private(owner)
        except StoreUnavailable as err:
            return no_update, status_children([], None, str(err))
        return {"session": ref["session"], "changed": new_id()}, status_children([], bundled)
    data, message = session_data(bundled, ref, uploads, owner)
    received = parse_received(trigger, files, data, limits)
    upload_id, status = accept_upload(received, received_files(trigger, files, limits), owner, bundled, uploads, limits)
    if upload_id is None:
        return no_update, status
    return {"session": ref["session"], "upload": upload_id}, status


def act_on_trial(action: str, trial_id: str, ref: object, settings: Settings) -> tuple[object, list]:
    """(new browser reference or no_update, status) after sharing or removing one uploaded trial."""
    uploads, owner = upload_store(settings), session_owner(settings, ref)
    try:
        entry = uploads.share(trial_id, owner) if action == SHARE else uploads.remove(trial_id, owner)
    except (NotFound, NotAllowed, Conflict, StoreUnavailable) as err:
        return no_update, status_children([], None, str(err))
    done = "is now shared with the team" if action == SHARE else "was removed"
    ref = dict(ref) if isinstance(ref, dict) else {}
    return {**ref, "changed": new_id()}, [html.P(f"{entry.trial_id} {done}.", className="upload-ok")]


def listed_trials(settings: Settings, ref: object) -> list:
    uploads, owner = upload_store(settings), session_owner(settings, ref)
    try:
        return trial_list_children(uploads.entries(owner), owner, is_admin(settings, owner))
    except StoreUnavailable as err:
        return [html.P(str(err), className="upload-error")]


def register_upload_callbacks(app: Dash, bundled: CuratedData, settings: Settings) -> None:
    read = session_reader(bundled, settings)

    @app.callback(
        Output(ids.UPLOAD_STORE, "data"),
        Output(ids.UPLOAD_STATUS, "children"),
        Output(ids.UPLOAD_TABLES, "contents"),  # emptied once read: the file does not travel again
        Output(ids.UPLOAD_SURVIVAL, "contents"),
        Input(ids.UPLOAD_TABLES, "contents"),
        Input(ids.UPLOAD_SURVIVAL, "contents"),
        Input(ids.UPLOAD_CLEAR, "n_clicks"),
        State(ids.UPLOAD_TABLES, "filename"),
        State(ids.UPLOAD_SURVIVAL, "filename"),
        State(ids.SURVIVAL_UNIT, "value"),
        State(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )
    def receive(tables, survival, _clear, table_names, survival_name, unit, ref):
        files = dict(tables=tables, survival=survival, table_names=table_names, survival_name=survival_name, unit=unit)
        return *receive_upload(ctx.triggered_id, files, ref, bundled, settings), None, None

    @app.callback(
        Output(ids.UPLOAD_STORE, "data", allow_duplicate=True),
        Output(ids.UPLOAD_STATUS, "children", allow_duplicate=True),
        Input({"type": SHARE, "trial": ALL}, "n_clicks"),
        Input({"type": REMOVE, "trial": ALL}, "n_clicks"),
        State(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )
    def share_or_remove(_share, _remove, ref):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
            return no_update, no_update  # the list was drawn again, nobody clicked
        return act_on_trial(trigger.get("type"), str(trigger.get("trial")), ref, settings)

    @app.callback(Output(TRIAL_LIST, "children"), Input(ids.UPLOAD_STORE, "data"))
    def trial_list(ref):
        return listed_trials(settings, ref)

    @app.callback(
        Output(ids.UPLOAD_STATUS, "children", allow_duplicate=True),
        Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def kept(ref):
        message = read(ref)[1]  # e.g. the upload expired: say so in this card
        return status_children([], None, message) if message else no_update

    @app.callback(
        Output(ids.UPLOAD_DOWNLOAD, "data"),
        Input(ids.UPLOAD_TEMPLATE, "n_clicks"),
        Input(ids.UPLOAD_BUNDLE, "n_clicks"),
        State(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )
    def download(_template, _bundle, ref):
        if ctx.triggered_id == ids.UPLOAD_TEMPLATE:
            return dcc.send_bytes(upload.template_zip(), "trial-tables-template.zip")
        files = upload.uploaded_files(read(ref)[0])
        return dcc.send_bytes(upload.bundle_zip(files), "my-uploaded-trials.zip") if files else no_update


def parse_received(trigger, files: dict, current: CuratedData, limits) -> upload.TablesUpload:
    """The files one upload control received, parsed: survival data checked against the session's
    arms; tables, or ClinicalTrials.gov records checked against the session's trials."""
    if trigger == ids.UPLOAD_SURVIVAL:
        return upload.TablesUpload(parse_survival(files.get("survival_name"), files.get("survival"), files.get("unit"), current, limits))
    return upload.parse_tables_contents(files.get("table_names"), files.get("tables"), current, limits)


def parse_survival(name, contents, unit, current: CuratedData, limits) -> upload.UploadResult:
    """A survival file as an upload of survival_ipd rows, checked against the session's arms."""
    raw, problems = upload.decode_data_url(name or "survival.csv", contents or "", limits)
    if raw is None:
        return upload.UploadResult({}, problems, "survival")
    frame, problems = upload.parse_survival_upload(name, raw, unit or "months", limits, known_arms=upload.known_arms(current))
    if frame is None:
        return upload.UploadResult({}, problems, "survival")
    return upload.survival_as_upload(frame, label=name)
