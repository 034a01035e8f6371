"""The uploaded rows of a session as a JSON payload, and back.

``to_store(data)`` keeps only the uploaded rows as JSON (kept on the server by
``evidence.upload_store``; the browser holds an id); ``from_store(payload, base)`` re-validates
them with the bundled data when a process first reads them. The payload is never trusted: its
shape, sizes and contract version are checked before any row is read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from evidence.contract import CONTRACT_VERSION, TABLES
from evidence.loading import CuratedData
from evidence.problems import Problem
from evidence.upload.limits import MiB, UploadLimits
from evidence.upload.names import CONTROL, META_COLUMNS, ORIGIN_UPLOADED
from evidence.upload.parts import TablePart, result_of
from evidence.upload.validation import validate_upload

STORE_FORMAT = "evidence-upload"
STORE_MAX_BYTES = 8 * MiB


class StoreError(ValueError):
    """A stored upload payload that is malformed, too large, or no longer validates."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


def uploaded_rows(data: CuratedData):
    """(table name, raw rows of uploaded origin) for each table holding any."""
    for name, raw in data.raw.items():
        if "origin" not in raw.columns:
            continue
        uploaded = raw[raw["origin"] == ORIGIN_UPLOADED]
        if not uploaded.empty:
            yield name, uploaded


def to_store(data: CuratedData, max_bytes: int = STORE_MAX_BYTES) -> dict:
    """JSON-ready payload of the uploaded rows only (raw text as validated, with where each row
    came from). Raises StoreError when it would exceed ``max_bytes``."""
    tables = {name: _stored_table(name, uploaded) for name, uploaded in uploaded_rows(data)}
    payload = {"format": STORE_FORMAT, "contract": CONTRACT_VERSION, "tables": tables}
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > max_bytes:
        raise StoreError(
            f"The uploaded data would take {size:,} bytes; at most {max_bytes:,} bytes can be kept for a session. "
            "Remove earlier uploads or upload fewer rows."
        )
    return payload


def _stored_table(name: str, uploaded) -> dict:
    """One table's uploaded rows: contract columns, then added columns that hold any value."""
    contract = [c.name for c in TABLES[name].columns]
    extra = [
        c
        for c in uploaded.columns
        if c not in contract and c not in META_COLUMNS and uploaded[c].fillna("").astype(str).str.len().any()
    ]
    columns = contract + extra
    return {
        "columns": columns,
        "rows": uploaded[columns].fillna("").astype(str).values.tolist(),
        "origin": [[str(f), int(line)] for f, line in zip(uploaded["_upload_file"], uploaded["_upload_line"])],
    }


def _unreadable(why: str) -> StoreError:
    return StoreError(f"The uploaded data kept for this session is not readable ({why}).")


def _parts_from_store(payload: object, limits: UploadLimits) -> dict[str, list[TablePart]]:
    """The payload's rows as parts labelled as the user named the files; StoreError if malformed."""
    if not isinstance(payload, dict) or payload.get("format") != STORE_FORMAT:
        raise _unreadable("unknown format")
    if payload.get("contract") != CONTRACT_VERSION:
        raise _unreadable(f"it was made for data contract v{payload.get('contract')!s:.20}")
    tables = payload.get("tables")
    if not isinstance(tables, dict):
        raise _unreadable("no tables")
    parts: dict[str, list[TablePart]] = {}
    total = 0
    for name, body in tables.items():
        if name not in TABLES or not isinstance(body, dict):
            raise _unreadable(f"unknown table {str(name)[:40]!r}")
        columns, rows, origin = body.get("columns"), body.get("rows"), body.get("origin")
        if not _good_columns(columns, limits):
            raise _unreadable(f"columns of {name}")
        if not isinstance(rows, list) or not isinstance(origin, list) or len(rows) != len(origin):
            raise _unreadable(f"rows of {name}")
        total += len(rows)
        if total > limits.max_rows * 4:
            raise _unreadable("too many rows")
        parts[name] = _stored_parts(name, columns, rows, origin, limits)
    return parts


def _stored_parts(name: str, columns: list, rows: list, origin: list, limits: UploadLimits) -> list[TablePart]:
    """One stored table's rows grouped by the file they came from; StoreError for a malformed row."""
    by_label: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for row, where in zip(rows, origin):
        if not _good_row(row, len(columns), limits):
            raise _unreadable(f"a row of {name}")
        if not _good_origin(where):
            raise _unreadable(f"a row origin of {name}")
        by_label.setdefault(CONTROL.sub("?", where[0])[:400], []).append((where[1], tuple(row)))
    return [TablePart(label, tuple(columns), tuple(rs)) for label, rs in by_label.items()]


def _good_columns(columns: object, limits: UploadLimits) -> bool:
    return (
        isinstance(columns, list)
        and 0 < len(columns) <= limits.max_columns
        and all(isinstance(c, str) and 0 < len(c) <= 200 for c in columns)
        and len(set(columns)) == len(columns)
        and not any(c in META_COLUMNS for c in columns)
    )


def _good_row(row: object, width: int, limits: UploadLimits) -> bool:
    return (
        isinstance(row, list)
        and len(row) == width
        and all(isinstance(c, str) and len(c) <= limits.max_field_chars for c in row)
    )


def _good_origin(where: object) -> bool:
    """[file label, line number]: a string and a true int (not a bool)."""
    return (
        isinstance(where, list)
        and len(where) == 2
        and isinstance(where[0], str)
        and isinstance(where[1], int)
        and not isinstance(where[1], bool)
    )


def from_store(payload: object, base: CuratedData, limits: UploadLimits = UploadLimits()) -> CuratedData:
    """``base`` plus the uploaded rows of a stored payload, re-validated together.

    An empty payload gives ``base``. Raises StoreError (with ``problems``) when the payload is
    malformed or its rows no longer validate against ``base`` (e.g. the bundled data changed);
    the caller should then set it aside and tell the user. Callers that read the same payload
    often cache the result (``evidence.session``); nothing is cached here.
    """
    if not payload:
        return base
    parts = _parts_from_store(payload, limits)
    if not parts:
        return base
    data, problems = validate_upload(result_of(parts, []), base, limits)
    if data is None:
        errors = [p for p in problems if p.severity == "error"]
        raise StoreError(
            f"The uploaded data kept for this session no longer validates ({len(errors)} problem(s)); "
            f"first: {errors[0] if errors else 'unknown'}",
            problems,
        )
    return data
