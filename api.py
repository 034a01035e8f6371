"""The JSON API for scripts, `/api/v1/trials`, on the Flask server under Dash (wiring only).

Same authentication as the app (``security``'s hook covers these routes); with
``AUTH_MODE=none`` the owner is the anonymous id of the signed cookie, so a script keeps the
cookie between requests. The trials listed, added, shared and removed are those of
``evidence.upload_store``; what a user sees here is exactly what the views show them.

- ``GET /api/v1/trials``: every trial the user can see: ``trial_id``, ``origin`` (curated /
  uploaded), ``owner``, ``shared``, ``added`` (and ``title``, ``mine``).
- ``POST /api/v1/trials``: multipart field ``file`` (one or more), exactly as the upload card
  takes it (contract CSV, XLSX workbook, zip bundle, ClinicalTrials.gov JSON or a zip of them):
  201 with the trial ids, or 422 with the problem list (file, row, column, expected, found).
- ``POST /api/v1/trials/<trial_id>/share`` and ``DELETE /api/v1/trials/<trial_id>``.

Limits: requests per client address and writes per user in a sliding minute (429 with
Retry-After), like failed sign-ins, counted in Redis when CACHE_URL is set; a request from another site's page (``Origin`` /
``Sec-Fetch-Site``) is refused, so a browser's stored credentials cannot be used by a page
elsewhere. Malformed requests get 4xx JSON, never 500.
"""

from __future__ import annotations

import functools
import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from auth import failure_window
from components.uploads import keep_upload, upload_store
from config import Settings
from evidence import upload
from evidence.loading import CuratedData
from evidence.problems import Problem
from evidence.session import session_data
from evidence.upload.entries import new_rows, trial_ids
from evidence.upload_store import Conflict, NotAllowed, NotFound, StoreUnavailable
from security import client_address, request_owner

log = logging.getLogger(__name__)

PREFIX = "/api/v1/trials"
REQUESTS_PER_MINUTE = 120  # per client address
WRITES_PER_MINUTE = 20  # uploads, shares and removals per user
MAX_FILES = 20


def problem_json(problem: Problem) -> dict:
    return {"file": problem.file, "row": problem.line, "column": problem.column, "expected": problem.expected,
            "found": None if problem.found is None else str(problem.found), "severity": problem.severity}  # fmt: skip


def error(status: int, message: str, **extra):
    return jsonify(error=message, **extra), status


def register_api(server: Flask, bundled: CuratedData, settings: Settings) -> None:
    uploads = upload_store(settings)
    limits = upload.UploadLimits.from_megabytes(settings.max_upload_mb)
    # counted in Redis (CACHE_URL) across workers and replicas, else in this process
    per_client = failure_window("api-client", REQUESTS_PER_MINUTE, 60.0, settings.rate_limit_url)
    per_writer = failure_window("api-writer", WRITES_PER_MINUTE, 60.0, settings.rate_limit_url)

    def curated() -> list[dict]:
        trials = bundled.tables["trials"]
        return [{"trial_id": str(t.trial_id), "origin": "curated", "owner": None, "shared": True, "added": None,
                 "title": str(t.title), "mine": False} for t in trials.itertuples()]  # fmt: skip

    def limited(view):
        """Refuse a cross-site browser request, or one over the rate limits; else run ``view``.
        Runs inside the route, so after authentication (the user is known)."""

        @functools.wraps(view)
        def guarded(*args, **kwargs):
            origin = request.headers.get("Origin")
            site = request.headers.get("Sec-Fetch-Site", "")
            if site in ("cross-site", "same-site") or (origin and origin.split("://", 1)[-1] != request.host):
                return error(403, "Requests from another site's pages are refused; call the API from a script.")
            client, writing = client_address(), request.method != "GET"
            wait = per_client.retry_after(client) or (per_writer.retry_after(request_owner()) if writing else 0)
            if wait:
                log.warning("api: rate limit for client %s; retry after %d s", client, wait)
                response, status = error(429, f"Too many requests; try again in {wait} seconds.")
                response.headers["Retry-After"] = str(wait)
                return response, status
            per_client.failed(client)
            if writing:
                per_writer.failed(request_owner())
            return view(*args, **kwargs)

        return guarded

    @server.get(PREFIX)
    @limited
    def list_trials():
        owner = request_owner()
        try:
            mine = [entry.as_json(owner) for entry in uploads.entries(owner)]
        except StoreUnavailable as err:
            return jsonify(trials=curated(), uploaded_unavailable=str(err)), 200
        return jsonify(trials=curated() + mine)

    @server.post(PREFIX)
    @limited
    def add_trials():
        try:
            files = request.files.getlist("file")
        except RequestEntityTooLarge:
            return error(413, f"The request is larger than an upload of {settings.max_upload_mb:g} MiB allows.")
        if not files:
            return error(400, "Send the file as multipart/form-data in a field named `file`.")
        if len(files) > MAX_FILES:
            return error(400, f"At most {MAX_FILES} files per request.")
        originals = [(f.filename or "upload", f.read(limits.max_bytes + 1)) for f in files]
        owner = request_owner()
        try:
            current = uploads.payload_for(uploads.visible_key(owner))
        except StoreUnavailable as err:
            return error(503, str(err))
        seen, _message = session_data(bundled, None, uploads, owner)  # registry imports check against it
        received = upload.parse_tables_files(originals, seen, limits)
        kept = keep_upload(received, originals, owner, bundled, uploads, limits)
        if kept.message:
            return error(503 if kept.unavailable else 413, kept.message)
        if kept.upload_id is None:
            problems = [p for p in kept.update.problems if p.severity == "error"]
            return jsonify(error="Nothing was loaded.", problems=[problem_json(p) for p in problems]), 422
        added = trial_ids(new_rows(current, kept.update.store))
        return jsonify(
            trial_ids=added, upload_id=kept.upload_id, report=received.report,
            warnings=[problem_json(p) for p in kept.update.problems if p.severity == "warning"],
        ), 201  # fmt: skip

    @server.post(f"{PREFIX}/<trial_id>/share")
    @limited
    def share_trial(trial_id: str):
        return _act(lambda owner: uploads.share(trial_id, owner), "shared")

    @server.delete(f"{PREFIX}/<trial_id>")
    @limited
    def remove_trial(trial_id: str):
        if trial_id in set(bundled.tables["trials"]["trial_id"]):
            try:
                mine = {e.trial_id for e in uploads.entries(request_owner())}
            except StoreUnavailable as err:
                return error(503, str(err))
            if trial_id not in mine:
                return error(403, f"{trial_id} is curated data, which is read-only.")
        return _act(lambda owner: uploads.remove(trial_id, owner), "removed")

    def _act(action, done: str):
        owner = request_owner()
        try:
            entry = action(owner)
        except NotFound as err:
            return error(404, str(err))
        except NotAllowed as err:
            return error(403, str(err))
        except Conflict as err:
            return error(409, str(err))
        except StoreUnavailable as err:
            return error(503, str(err))
        return jsonify(status=done, trial=entry.as_json(owner))

    @server.errorhandler(HTTPException)
    def api_http_error(err: HTTPException):
        if request.path.startswith(PREFIX):
            return error(err.code or 400, err.description or err.name)
        return err
