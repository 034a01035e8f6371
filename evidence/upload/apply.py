"""Adding a parsed upload to a session: bundled data + stored uploads + this one, validated together."""

from __future__ import annotations

from dataclasses import dataclass

from evidence.loading import CuratedData
from evidence.problems import Problem
from evidence.upload.limits import UploadLimits
from evidence.upload.parts import UploadResult
from evidence.upload.payload import STORE_MAX_BYTES, StoreError, from_store, to_store
from evidence.upload.validation import validate_upload


@dataclass(frozen=True)
class SessionUpdate:
    """Outcome of ``apply_upload``: on success a new store payload and data; else problems only."""

    store: dict | None
    data: CuratedData | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.data is not None


def apply_upload(
    upload: UploadResult,
    store: object,
    bundled: CuratedData,
    limits: UploadLimits = UploadLimits(),
    max_store_bytes: int = STORE_MAX_BYTES,
) -> SessionUpdate:
    """Add a parsed upload to a session: bundled + stored uploads + this one, validated together.

    On any error nothing changes: ``store`` is None (keep the old one) and ``problems`` lists them.
    """
    if not upload.ok:
        return SessionUpdate(None, None, list(upload.problems))
    try:
        current = from_store(store, bundled, limits)
    except StoreError as err:
        return SessionUpdate(
            None, None, err.problems or [Problem("stored uploads", None, None, "readable stored uploads", str(err))]
        )
    data, problems = validate_upload(upload, current, limits)
    if data is None:
        return SessionUpdate(None, None, problems)
    try:
        payload = to_store(data, max_store_bytes)
    except StoreError as err:
        return SessionUpdate(None, None, [Problem("upload", None, None, f"at most {max_store_bytes:,} bytes of uploaded data", str(err))])
    return SessionUpdate(payload, data, problems)
