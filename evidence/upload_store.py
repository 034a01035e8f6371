"""Validated uploads kept in a database, so the browser holds only ids (never the rows).

SQLAlchemy 2 (Core) on SQLite (the embedded default: a file under STATE_DIR) or PostgreSQL
(``DATABASE_URL``); the schema is ``evidence.db.schema``, changed only by Alembic migrations,
applied when a store is first made in a process (and by ``python -m evidence db upgrade``).

- **Entries**: one per (owner, trial), holding that trial's uploaded rows after validation and
  the sources they cite (``evidence.upload.entries``), so each trial is shared or removed on its
  own. Every accepted upload is recorded with its original files, byte for byte, kept while any
  trial it added rows to is. Ids are ``secrets.token_urlsafe(32)`` (256 random bits).
- **Who sees what**: an entry is private to its owner (the signed-in user; with
  ``AUTH_MODE=none`` an anonymous id from a signed cookie) until the owner shares it; shared
  entries are seen by everyone signed in, marked with who added them. A viewer's own entry that
  defines a trial hides another owner's shared entry of the same trial id. Only the owner or an
  admin removes an entry; curated data are not in this store at all.
- **Quota** per owner, over private entries (bytes and count): the least recently used private
  entries of the same owner are removed to make room; one entry larger than the quota is refused.
  A total for the whole store refuses new data when full (never removing anyone else's).
- **Expiry**: a private entry unused for ``max_idle_seconds`` is removed (when a sweep runs: on
  every ``put`` and ``expire``, and it is no longer seen once idle); shared entries stay until
  removed.
- **Audit log**: add, share, remove, expire and evict, with who, when and which trial.
- **A database that went away** raises ``StoreUnavailable`` (with a message a person can act on)
  within a few seconds, and for the next few seconds at once, so views of the curated data keep
  answering; ``ping`` is what /readyz asks.

The interface the views use is small: ``put`` / ``get`` / ``alive`` / ``delete`` / ``expire``
(as the file store before it), plus ``visible_key`` / ``payload_for`` (what a viewer sees),
``entries`` / ``share`` / ``remove`` (the upload card and the API), ``files`` and ``audit``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from evidence import db
from evidence.db.schema import audit_log, upload_files, uploaded_trials, uploads
from evidence.upload import entries as split

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_ENTRIES_PER_OWNER = 50
"""Private uploaded trials kept per owner; the least recently used go first."""
TOUCH_EVERY_SECONDS = 60.0
"""Reading marks entries used at most this often: reads stay cheap."""
RETRY_AFTER_FAILURE_S = 5.0
"""After the database failed, requests skip it (and say so) for this long before trying again."""
UNAVAILABLE = (
    "The database that keeps uploaded trials is not reachable right now, so uploaded trials cannot be "
    "read, added, shared or removed; the curated data are still shown. Try again in a minute, or tell the host."
)

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)


class QuotaError(ValueError):
    """An entry that cannot be kept: larger than an owner's quota, or the store is full."""


class StoreUnavailable(RuntimeError):
    """The database cannot be reached (or failed); the message says what a person can do."""


class NotFound(LookupError):
    """No trial of that id that this user may see."""


class NotAllowed(PermissionError):
    """The user may see the trial but not do this to it (not the owner, nor an admin)."""


class Conflict(ValueError):
    """Sharing would put two definitions of one trial id before the team."""


def new_id() -> str:
    """An unguessable id (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def is_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))


def owner_key(owner: str) -> str:
    """The owner as stored: as given, or a digest when longer than the column."""
    return owner if len(owner) <= 300 else "digest:" + hashlib.sha256(owner.encode()).hexdigest()


def display_owner(owner: str) -> str:
    """Who added an entry, as people see it: the user name, or "anonymous"."""
    kind, _, name = owner.partition(":")
    return name if kind == "user" and name else "anonymous"


@dataclass(frozen=True)
class TrialEntry:
    """One uploaded trial as the card and the API list it (no rows)."""

    id: str
    trial_id: str
    owner: str
    shared: bool
    added: float
    title: str
    revision: int
    last_used: float
    hides: tuple[str, ...] = ()
    """Who added the shared entries of this trial id that this (the viewer's own) entry hides."""

    @property
    def added_by(self) -> str:
        return display_owner(self.owner)

    def hides_text(self) -> str:
        """'' or what the owner should know: their entry stands in for the team's shared one."""
        if not self.hides:
            return ""
        return (f"yours hides the shared {self.trial_id} added by {', '.join(self.hides)}; "
                "rename yours (trial_id) or remove it to see theirs")  # fmt: skip

    def as_json(self, viewer: str) -> dict:
        return {
            "trial_id": self.trial_id, "origin": "uploaded", "owner": self.added_by, "shared": self.shared,
            "added": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.added)), "title": self.title,
            "mine": self.owner == viewer, "hides": list(self.hides),
        }  # fmt: skip


_migrated: set[str] = set()
_migrate_lock = threading.Lock()


class UploadStore:
    """Uploaded trials in a database (SQLite under ``root`` unless ``url`` is given)."""

    def __init__(
        self,
        root: Path | str | None = None,
        max_idle_seconds: float = 24 * 3600,
        quota_bytes: int = 20 * MiB,
        total_bytes: int = 500 * MiB,
        clock: Callable[[], float] = time.time,
        *,
        url: str = "",
        admins: Iterable[str] = (),
        migrate: bool = True,
    ):
        if not url and root is None:
            raise ValueError("UploadStore needs a state directory or a database URL")
        self.url = db.database_url(url, root or ".")
        self.max_idle_seconds = max_idle_seconds
        self.quota_bytes = quota_bytes
        self.total_bytes = total_bytes
        self.clock = clock
        self.admins = frozenset(f"user:{a}" for a in admins)
        self._engine = None
        self._engine_pid = None
        self._down_until = 0.0
        self._lock = threading.Lock()
        if migrate:
            try:
                self.migrate()
            except StoreUnavailable:
                log.error("upload store: %s not reachable at start-up; migrations run when it is", db.redacted(self.url))

    # ------------------------------------------------------------------ database plumbing

    def migrate(self) -> None:
        """Apply pending migrations (once per URL and process)."""
        with _migrate_lock:
            if self.url in _migrated:
                return
            try:
                db.upgrade(self.url)
            except (OperationalError, DBAPIError) as err:
                raise StoreUnavailable(UNAVAILABLE) from err
            _migrated.add(self.url)

    def engine(self):
        """This process's engine (a forked worker makes its own: connections do not cross fork)."""
        with self._lock:
            if self._engine is None or self._engine_pid != os.getpid():
                self._engine = db.make_engine(self.url)
                self._engine_pid = os.getpid()
            return self._engine

    def _run(self, work: Callable, write: bool = False):
        """``work(connection)`` in one transaction; a failing database raises StoreUnavailable
        (and the next RETRY_AFTER_FAILURE_S seconds do not wait for it again)."""
        if time.monotonic() < self._down_until:
            raise StoreUnavailable(UNAVAILABLE)
        try:
            if self.url not in _migrated:
                self.migrate()
            with self.engine().begin() as connection:
                return work(connection)
        except (OperationalError, DBAPIError) as err:
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S
            log.error("upload store: database error (%s): %s", db.redacted(self.url), str(err).splitlines()[0][:300])
            raise StoreUnavailable(UNAVAILABLE) from err

    def ping(self) -> tuple[bool, str]:
        """(reachable, detail) for /readyz: one round trip, never waiting on a failed state."""
        try:
            with self.engine().connect() as connection:
                revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            self._down_until = 0.0
            return True, str(revision)
        except SQLAlchemyError as err:
            return False, type(err.__cause__ or err).__name__

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # ------------------------------------------------------------------ adding

    def put(self, owner: str, payload: dict, files: Sequence[tuple[str, bytes]] = (), context: dict | None = None) -> str:
        """Keep the rows of one accepted upload (``payload``: only what it adds) for ``owner``, one
        entry per trial (rows joining an entry the owner already has are added to it); its
        original ``files``; an audit line. ``context``: the owner's whole upload after this one,
        where cited sources are found. Returns the upload's id. Raises QuotaError, StoreUnavailable."""
        owner = owner_key(owner)
        per_trial = split.split_by_trial(payload, context)
        upload_id, now = new_id(), self.clock()

        def work(connection):
            self._sweep(connection, now)
            mine = {row.trial_id: row for row in connection.execute(
                select(uploaded_trials).where(uploaded_trials.c.owner == owner, uploaded_trials.c.trial_id.in_(list(per_trial)))
            )}  # fmt: skip
            bodies = {}
            for trial, rows in per_trial.items():
                previous = mine.get(trial)
                if previous:  # only rows the entry lacks (a caller may send the owner's whole upload again)
                    before = json.loads(previous.payload)
                    merged = split.merge([before, split.new_rows(before, rows)])
                else:
                    merged = rows
                bodies[trial] = _dump(merged)
                if _size(bodies[trial]) > self.quota_bytes:
                    raise QuotaError(
                        f"The uploaded data of {trial} takes {_size(bodies[trial]):,} bytes; at most {self.quota_bytes:,} "
                        "bytes are kept per user. Remove earlier uploads or upload fewer rows."
                    )
            self._make_room(connection, owner, bodies, mine)
            connection.execute(insert(uploads).values(id=upload_id, owner=owner, created=now, trial_ids=json.dumps(list(per_trial))))
            for name, content in files:
                connection.execute(insert(upload_files).values(upload_id=upload_id, name=name[:400], content=content))
            for trial, body in bodies.items():
                title = split.title_of(json.loads(body), trial)
                previous = mine.get(trial)
                if previous:
                    connection.execute(update(uploaded_trials).where(uploaded_trials.c.id == previous.id).values(
                        payload=body, size_bytes=_size(body), revision=previous.revision + 1, last_used=now,
                        title=title or previous.title))  # fmt: skip
                    entry_id = previous.id
                else:
                    entry_id = new_id()
                    connection.execute(insert(uploaded_trials).values(
                        id=entry_id, trial_id=trial, owner=owner, upload_id=upload_id, added=now, last_used=now,
                        size_bytes=_size(body), revision=1, shared=False, payload=body, title=title))  # fmt: skip
                self._audit(connection, now, owner, "add", trial, entry_id, upload_id,
                            "rows added to the owner's entry" if previous else "")  # fmt: skip
            return upload_id

        return self._run(work, write=True)

    def _make_room(self, connection, owner: str, bodies: dict[str, str], mine: dict) -> None:
        """Evict the owner's least recently used private entries (not those being written) until
        the new ones fit the quota; refuse when the whole store is full."""
        private = connection.execute(
            select(uploaded_trials.c.id, uploaded_trials.c.trial_id, uploaded_trials.c.size_bytes, uploaded_trials.c.shared)
            .where(uploaded_trials.c.owner == owner).order_by(uploaded_trials.c.last_used)
        ).all()  # fmt: skip
        touched = set(bodies)
        kept = [r for r in private if not r.shared and r.trial_id not in touched]
        incoming = sum(_size(b) for b in bodies.values())
        new_private = sum(1 for t in bodies if not (mine.get(t) and mine[t].shared))
        now = self.clock()
        while kept and (len(kept) + new_private > MAX_ENTRIES_PER_OWNER or sum(r.size_bytes for r in kept) + incoming > self.quota_bytes):
            oldest = kept.pop(0)
            self._remove_entry(connection, oldest.id, owner, "evict", now, "least recently used, to keep the owner's quota")
        used = connection.execute(select(func.coalesce(func.sum(uploaded_trials.c.size_bytes), 0))).scalar_one()
        replaced = sum(mine[t].size_bytes for t in bodies if t in mine)
        if used - replaced + incoming > self.total_bytes:
            raise QuotaError(
                "The server's space for uploaded data is full; try again later or ask the host to raise UPLOAD_STORE_MB."
            )

    # ------------------------------------------------------------------ reading

    def _visible_rows(self, connection, owner: str, columns, hidden: dict | None = None) -> list:
        """The entries ``owner`` sees; a shared entry of a trial id the owner defines is hidden
        (listed in ``hidden``, {trial id: [who added it]}, when given: the owner is told)."""
        rows = connection.execute(
            select(*columns).where((uploaded_trials.c.owner == owner) | uploaded_trials.c.shared.is_(True))
            .order_by(uploaded_trials.c.added, uploaded_trials.c.trial_id)
        ).all()  # fmt: skip
        cutoff = self.clock() - self.max_idle_seconds
        rows = [r for r in rows if r.shared or r.last_used >= cutoff]  # idle private entries are gone
        own_defined = {r.trial_id for r in rows if r.owner == owner and r.title}
        for r in rows if hidden is not None else ():
            if r.owner != owner and r.trial_id in own_defined:
                hidden.setdefault(r.trial_id, []).append(display_owner(r.owner))
        return [r for r in rows if r.owner == owner or r.trial_id not in own_defined]

    def _touch(self, connection, owner: str) -> None:
        now = self.clock()
        connection.execute(
            update(uploaded_trials)
            .where(uploaded_trials.c.owner == owner, uploaded_trials.c.last_used < now - TOUCH_EVERY_SECONDS,
                   uploaded_trials.c.last_used >= now - self.max_idle_seconds)
            .values(last_used=now)
        )  # fmt: skip

    def entries(self, owner: str) -> list[TrialEntry]:
        """The uploaded trials ``owner`` may see (their own, and shared ones), oldest first."""
        owner = owner_key(owner)
        columns = [c for c in uploaded_trials.c if c.name != "payload"]

        def work(connection):
            hidden: dict[str, list[str]] = {}
            rows = self._visible_rows(connection, owner, columns, hidden)
            return [TrialEntry(r.id, r.trial_id, r.owner, bool(r.shared), r.added, r.title, r.revision, r.last_used,
                               tuple(hidden.get(r.trial_id, ())) if r.owner == owner else ()) for r in rows]  # fmt: skip

        return self._run(work)

    def visible_key(self, owner: str) -> tuple:
        """What ``owner`` sees, as ((entry id, revision, whether it is the owner's own), ...): an
        entry's rows change only with its revision, and its labels only with whose it is, so this
        keys a cache of the validated data. Marks the owner's entries used."""
        owner = owner_key(owner)
        c = uploaded_trials.c
        columns = (c.id, c.revision, c.owner, c.trial_id, c.shared, c.last_used, c.title)

        def work(connection):
            rows = self._visible_rows(connection, owner, columns)
            stale = self.clock() - TOUCH_EVERY_SECONDS
            if any(r.owner == owner and r.last_used < stale for r in rows):
                self._touch(connection, owner)  # a write only when an entry's mark is stale
            return tuple((r.id, r.revision, r.owner == owner) for r in rows)

        return self._run(work)

    def payload_for(self, key: tuple) -> dict:
        """The merged payload of the entries in a ``visible_key`` ({} when none or changed since).
        Rows of entries that are not the viewer's own name the shared trial and who added it as
        where they came from, never the owner's file names (``entries.as_seen_by_others``)."""
        if not key:
            return {}
        wanted = {entry_id: revision for entry_id, revision, _mine in key}
        mine = {entry_id for entry_id, _revision, own in key if own}

        def work(connection):
            c = uploaded_trials.c
            rows = connection.execute(
                select(c.id, c.revision, c.payload, c.owner, c.trial_id).where(c.id.in_(list(wanted)))
            ).all()  # fmt: skip
            found = {r.id: r for r in rows if r.revision == wanted[r.id]}
            payloads = [_as_seen(found[i], i in mine) for i in wanted if i in found]
            broken = [p for p in payloads if not split.is_payload(p)]
            return broken[0] if broken else split.merge(payloads)  # from_store says what is wrong

        return self._run(work)

    def get(self, upload_id: object, owner: str) -> dict | None:
        """The owner's current rows of the trials one upload added to (merged); None when the upload
        is unknown, another owner's, or none of its trials is kept."""
        if not is_id(upload_id):
            return None
        owner = owner_key(owner)

        def work(connection):
            trials = self._upload_trials(connection, upload_id, owner)
            if not trials:
                return None
            cutoff = self.clock() - self.max_idle_seconds
            rows = connection.execute(
                select(uploaded_trials.c.payload, uploaded_trials.c.shared, uploaded_trials.c.last_used)
                .where(uploaded_trials.c.owner == owner, uploaded_trials.c.trial_id.in_(trials))
                .order_by(uploaded_trials.c.added)
            ).all()  # fmt: skip
            rows = [r for r in rows if r.shared or r.last_used >= cutoff]
            if not rows:
                return None
            self._touch(connection, owner)
            return split.merge(json.loads(r.payload) for r in rows)

        return self._run(work)

    def alive(self, upload_id: object, owner: str) -> bool:
        """Whether ``get`` would find something (cheap: no rows are read)."""
        if not is_id(upload_id):
            return False
        owner = owner_key(owner)

        def work(connection):
            trials = self._upload_trials(connection, upload_id, owner)
            if not trials:
                return False
            cutoff = self.clock() - self.max_idle_seconds
            found = connection.execute(
                select(func.count()).select_from(uploaded_trials).where(
                    uploaded_trials.c.owner == owner, uploaded_trials.c.trial_id.in_(trials),
                    uploaded_trials.c.shared.is_(True) | (uploaded_trials.c.last_used >= cutoff))
            ).scalar_one()  # fmt: skip
            return found > 0

        return self._run(work)

    def files(self, upload_id: object, owner: str) -> list[tuple[str, bytes]]:
        """The original files of one of ``owner``'s uploads, as received."""
        if not is_id(upload_id):
            return []
        owner = owner_key(owner)
        return self._run(lambda connection: [
            (r.name, bytes(r.content)) for r in connection.execute(
                select(upload_files.c.name, upload_files.c.content).join(uploads, uploads.c.id == upload_files.c.upload_id)
                .where(uploads.c.id == upload_id, uploads.c.owner == owner).order_by(upload_files.c.id))
        ])  # fmt: skip

    def audit(self, limit: int = 100) -> list[dict]:
        """The newest audit lines (host use: not shown to users)."""
        return self._run(lambda connection: [
            dict(r._mapping) for r in connection.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))
        ])  # fmt: skip

    @staticmethod
    def _upload_trials(connection, upload_id: str, owner: str) -> list[str]:
        row = connection.execute(select(uploads.c.trial_ids).where(uploads.c.id == upload_id, uploads.c.owner == owner)).first()
        return json.loads(row.trial_ids) if row else []

    # ------------------------------------------------------------------ sharing and removing

    def _entry_for(self, connection, trial_id: str, actor: str):
        """The entry ``trial_id`` names for ``actor``: their own, else a shared one they see."""
        own = connection.execute(
            select(uploaded_trials).where(uploaded_trials.c.owner == actor, uploaded_trials.c.trial_id == trial_id)
        ).first()  # fmt: skip
        if own is not None and (own.shared or own.last_used >= self.clock() - self.max_idle_seconds):
            return own
        shared = connection.execute(
            select(uploaded_trials).where(uploaded_trials.c.shared.is_(True), uploaded_trials.c.trial_id == trial_id)
            .order_by(uploaded_trials.c.added)
        ).first()  # fmt: skip
        if shared is None:
            raise NotFound(f"No uploaded trial {trial_id!r} that you can see.")
        return shared

    def share(self, trial_id: str, actor: str) -> TrialEntry:
        """Share the actor's own trial with everyone signed in. Raises NotFound, NotAllowed,
        Conflict (another user's shared trial of that id is already before the team)."""
        actor = owner_key(actor)

        def work(connection):
            entry = self._entry_for(connection, trial_id, actor)
            if entry.owner != actor:
                raise NotAllowed(f"Only the user who added {trial_id} shares it ({display_owner(entry.owner)}).")
            if not entry.shared:
                clash = connection.execute(
                    select(uploaded_trials.c.owner).where(
                        uploaded_trials.c.shared.is_(True), uploaded_trials.c.trial_id == trial_id,
                        uploaded_trials.c.owner != actor, uploaded_trials.c.title != "")
                ).first()  # fmt: skip
                if clash is not None and entry.title:
                    raise Conflict(f"{display_owner(clash.owner)} already shares a trial with the id {trial_id}; "
                                   "rename yours (trial_id) or ask them to remove theirs.")  # fmt: skip
                now = self.clock()
                connection.execute(update(uploaded_trials).where(uploaded_trials.c.id == entry.id)
                                   .values(shared=True, shared_at=now, last_used=now))  # fmt: skip
                self._audit(connection, now, actor, "share", trial_id, entry.id, entry.upload_id)
            return TrialEntry(entry.id, entry.trial_id, entry.owner, True, entry.added, entry.title, entry.revision,
                              entry.last_used)  # fmt: skip

        return self._run(work, write=True)

    def remove(self, trial_id: str, actor: str) -> TrialEntry:
        """Remove the trial ``trial_id`` names for ``actor`` (their own, or as an admin a shared
        one). Raises NotFound, NotAllowed."""
        actor = owner_key(actor)

        def work(connection):
            entry = self._entry_for(connection, trial_id, actor)
            if entry.owner != actor and actor not in self.admins:
                raise NotAllowed(f"Only {display_owner(entry.owner)} (who added {trial_id}) or an admin removes it.")
            detail = "" if entry.owner == actor else f"by an admin; added by {display_owner(entry.owner)}"
            self._remove_entry(connection, entry.id, actor, "remove", self.clock(), detail)
            return TrialEntry(entry.id, entry.trial_id, entry.owner, bool(entry.shared), entry.added, entry.title,
                              entry.revision, entry.last_used)  # fmt: skip

        return self._run(work, write=True)

    def delete(self, upload_id: object, owner: str) -> None:
        """Remove the owner's trials one upload added to (nothing for another owner's upload)."""
        if not is_id(upload_id):
            return
        owner = owner_key(owner)

        def work(connection):
            trials = self._upload_trials(connection, upload_id, owner)
            rows = connection.execute(select(uploaded_trials.c.id).where(
                uploaded_trials.c.owner == owner, uploaded_trials.c.trial_id.in_(trials))).all()  # fmt: skip
            for row in rows:
                self._remove_entry(connection, row.id, owner, "remove", self.clock())

        self._run(work, write=True)

    def delete_private(self, owner: str) -> int:
        """Remove every private trial of ``owner`` (the card's "Remove my private uploads"); shared
        trials stay until removed one by one. How many were removed."""
        owner = owner_key(owner)

        def work(connection):
            rows = connection.execute(select(uploaded_trials.c.id).where(
                uploaded_trials.c.owner == owner, uploaded_trials.c.shared.is_(False))).all()  # fmt: skip
            for row in rows:
                self._remove_entry(connection, row.id, owner, "remove", self.clock())
            return len(rows)

        return self._run(work, write=True)

    def expire(self) -> int:
        """Remove every private entry unused for longer than ``max_idle_seconds``; how many."""
        return self._run(lambda connection: self._sweep(connection, self.clock()), write=True)

    # ------------------------------------------------------------------ internals

    def _sweep(self, connection, now: float) -> int:
        idle = connection.execute(select(uploaded_trials.c.id, uploaded_trials.c.owner).where(
            uploaded_trials.c.shared.is_(False), uploaded_trials.c.last_used < now - self.max_idle_seconds)).all()  # fmt: skip
        for row in idle:
            self._remove_entry(connection, row.id, row.owner, "expire", now, f"unused for {self.max_idle_seconds:g} s")
        return len(idle)

    def _remove_entry(self, connection, entry_id: str, actor: str, action: str, now: float, detail: str = "") -> None:
        row = connection.execute(select(uploaded_trials.c.trial_id, uploaded_trials.c.owner, uploaded_trials.c.upload_id)
                                 .where(uploaded_trials.c.id == entry_id)).first()  # fmt: skip
        if row is None:
            return
        connection.execute(delete(uploaded_trials).where(uploaded_trials.c.id == entry_id))
        self._audit(connection, now, actor, action, row.trial_id, entry_id, row.upload_id, detail)
        # an upload's original files go with the last of the owner's trials it added rows to
        held = {r.trial_id for r in connection.execute(select(uploaded_trials.c.trial_id).where(uploaded_trials.c.owner == row.owner))}
        for upload in connection.execute(select(uploads.c.id, uploads.c.trial_ids).where(uploads.c.owner == row.owner)).all():
            if not held.intersection(json.loads(upload.trial_ids)):
                connection.execute(delete(upload_files).where(upload_files.c.upload_id == upload.id))
                connection.execute(delete(uploads).where(uploads.c.id == upload.id))

    @staticmethod
    def _audit(connection, now, actor, action, trial_id, entry_id=None, upload_id=None, detail="") -> None:
        connection.execute(insert(audit_log).values(at=now, actor=actor, action=action, trial_id=trial_id,
                                                    entry_id=entry_id, upload_id=upload_id, detail=detail))  # fmt: skip


def _dump(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _size(body: str) -> int:
    return len(body.encode("utf-8"))


def _as_seen(row, own: bool) -> object:
    """One entry's payload as its viewer receives it (another's: without the owner's file names)."""
    payload = _load(row.payload)
    if own or not split.is_payload(payload):
        return payload
    return split.as_seen_by_others(payload, row.trial_id, display_owner(row.owner))


def _load(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return {"format": "unreadable JSON"}
