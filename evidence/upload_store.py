"""Validated uploads kept on the server, so the browser holds only an id (not the rows).

One small interface, ``UploadStore`` (put / get / alive / delete / expire), so a database can back it
later. This one keeps files under a state directory, because gunicorn workers (and replicas
sharing a volume) are separate processes: nothing lives in one process's memory.

- **Ids** are ``secrets.token_urlsafe(32)`` (256 random bits). On disk an entry is named by the
  SHA-256 of its id, so a listing of the directory does not reveal ids.
- **Owners**: every entry belongs to an owner (the signed-in user; with ``AUTH_MODE=none`` a
  random browser-session id the browser also holds). ``get`` with another owner finds nothing, so
  with authentication on a user cannot read another user's id. With ``AUTH_MODE=none`` the id and
  session id together are a bearer token: whoever holds both reads the entry.
- **Quota** per owner (bytes and entries): older entries of the same owner are removed to make
  room (least recently used first); one entry larger than the quota is refused. A total for the
  whole store refuses new entries when full (never removing other owners' data).
- **Expiry**: an entry unused for ``max_idle_seconds`` is gone. Expired entries are removed
  lazily: when read, and in a sweep on every ``put``.
- **Format**: JSON (never pickle): ``{"owner": ..., "created": ..., "payload": ...}``, written to
  a temporary file and renamed, so a reader never sees half an entry.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

MiB = 1024 * 1024
MAX_ENTRIES_PER_OWNER = 8
"""Uploads kept per owner (several tabs of one user each hold one)."""
TOUCH_EVERY_SECONDS = 60.0
"""A read marks an entry used (its file's mtime) at most this often: reads stay cheap."""

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)


class QuotaError(ValueError):
    """An entry that cannot be kept: larger than an owner's quota, or the store is full."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_id() -> str:
    """An unguessable id (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def is_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))


class UploadStore:
    """Validated uploads as JSON files under ``root``, per owner, with quota and idle expiry."""

    def __init__(
        self,
        root: Path | str,
        max_idle_seconds: float = 24 * 3600,
        quota_bytes: int = 20 * MiB,
        total_bytes: int = 500 * MiB,
        clock: Callable[[], float] = time.time,
    ):
        self.root = Path(root) / "uploads"
        self.max_idle_seconds = max_idle_seconds
        self.quota_bytes = quota_bytes
        self.total_bytes = total_bytes
        self.clock = clock

    # ------------------------------------------------------------------ interface

    def put(self, owner: str, payload: dict) -> str:
        """Keep ``payload`` (JSON-ready) for ``owner``; its new id. Raises QuotaError."""
        body = json.dumps(
            {"owner": owner, "created": self.clock(), "payload": payload}, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        if len(body) > self.quota_bytes:
            raise QuotaError(
                f"The uploaded data takes {len(body):,} bytes; at most {self.quota_bytes:,} bytes are kept per user. "
                "Remove earlier uploads or upload fewer rows."
            )
        upload_id = new_id()
        with self._locked():
            self._sweep()
            mine = sorted(self._entries(self._owner_dir(owner)), key=lambda e: e[1])  # oldest use first
            while mine and (len(mine) >= MAX_ENTRIES_PER_OWNER or sum(e[2] for e in mine) + len(body) > self.quota_bytes):
                self._remove(mine.pop(0)[0])
            used = sum(size for _path, _mtime, size in self._all_entries())
            if used + len(body) > self.total_bytes:
                raise QuotaError(
                    "The server's space for uploaded data is full; try again later or ask the host to raise "
                    "UPLOAD_STORE_MB."
                )
            folder = self._owner_dir(owner)
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / f"{_digest(upload_id)}.json"
            self._write(path, body)
            now = self.clock()
            os.utime(path, (now, now))  # last use, by this store's clock
        return upload_id

    def get(self, upload_id: object, owner: str) -> dict | None:
        """The payload kept under ``upload_id`` for ``owner``; None when unknown, expired, or
        another owner's."""
        path = self._path(upload_id, owner)
        if path is None:
            return None
        try:
            mtime = path.stat().st_mtime
            now = self.clock()
            if now - mtime > self.max_idle_seconds:
                self._remove(path)
                return None
            entry = json.loads(path.read_bytes())
            if now - mtime > TOUCH_EVERY_SECONDS:
                os.utime(path, (now, now))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("owner") != owner or not isinstance(entry.get("payload"), dict):
            return None
        return entry["payload"]

    def alive(self, upload_id: object, owner: str) -> bool:
        """Whether ``get`` would find the entry (marking it used); cheap: no payload is read."""
        path = self._path(upload_id, owner)
        if path is None:
            return False
        try:
            mtime = path.stat().st_mtime
            now = self.clock()
            if now - mtime > self.max_idle_seconds:
                self._remove(path)
                return False
            if now - mtime > TOUCH_EVERY_SECONDS:
                os.utime(path, (now, now))
        except OSError:
            return False
        return True

    def delete(self, upload_id: object, owner: str) -> None:
        """Remove an entry (nothing happens for an unknown id or another owner's)."""
        path = self._path(upload_id, owner)
        if path is not None:
            self._remove(path)

    def expire(self) -> int:
        """Remove every entry unused for longer than ``max_idle_seconds``; how many were removed."""
        with self._locked():
            return self._sweep()

    # ------------------------------------------------------------------ files

    def _owner_dir(self, owner: str) -> Path:
        return self.root / _digest(owner)[:32]

    def _path(self, upload_id: object, owner: str) -> Path | None:
        if not is_id(upload_id):
            return None
        return self._owner_dir(owner) / f"{_digest(upload_id)}.json"

    @staticmethod
    def _entries(folder: Path) -> list[tuple[Path, float, int]]:
        try:
            items = list(os.scandir(folder))
        except OSError:
            return []
        entries = []
        for item in items:
            if item.name.endswith(".json"):
                try:
                    stat = item.stat()
                except OSError:
                    continue  # removed meanwhile
                entries.append((Path(item.path), stat.st_mtime, stat.st_size))
        return entries

    def _all_entries(self) -> list[tuple[Path, float, int]]:
        try:
            folders = [Path(item.path) for item in os.scandir(self.root) if item.is_dir()]
        except OSError:
            return []
        return [entry for folder in folders for entry in self._entries(folder)]

    def _sweep(self) -> int:
        cutoff = self.clock() - self.max_idle_seconds
        expired = [path for path, mtime, _size in self._all_entries() if mtime < cutoff]
        for path in expired:
            self._remove(path)
        return len(expired)

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    @staticmethod
    def _write(path: Path, body: bytes) -> None:
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self):
        """One writer at a time across processes (workers), for quota and sweep decisions."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.root / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
