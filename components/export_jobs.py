"""Deck and all-figure exports as Dash background callbacks (issue 17: long work in the
background with progress).

A PowerPoint deck, or the images of every figure, takes seconds: it runs as a background job
(Dash `background=True`) instead of holding a request thread, with a progress bar naming the
slide being drawn, and a Cancel button. The job manager is Diskcache by default (a process
beside the web worker; the queue and results under STATE_DIR/export-jobs) and Celery with Redis
when CELERY_BROKER_URL is set (workers: `celery -A export_worker worker`, export_worker.py).

The page asks for a job in two steps. The ordinary export callback, which runs in the request
(so it knows the signed-in user), writes a *signed ticket* into a dcc.Store: format, figure,
owner, a fresh nonce, and an HMAC over them. The ticket is the background callback's input, so

- every job has its own cache key (Dash keys background results by the callback's arguments:
  without the nonce two users asking for the same deck shared one key, and the first to poll
  took the other's file);
- the job reads the owner's uploads from the ticket (a job has no request to ask), and a ticket
  the browser changed fails its signature;
- the owner's running jobs are counted (EXPORT_JOBS_PER_USER) by slot files in
  STATE_DIR/export-jobs/slots/<owner digest>/, one per job, removed when it ends; a slot whose
  process is gone (cancelled jobs are killed) or older than SLOT_STALE_S no longer counts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from config import Settings

SLOT_STALE_S = 15 * 60
"""A slot older than this is a job that died without cleaning up (longest export: about a minute)."""
RESULT_EXPIRE_S = 15 * 60
"""Background results (the file, base64) are dropped from Diskcache after this long unread."""
BACKGROUND_FORMATS = ("pptx",)
"""Formats that always run in the background; any image format does when every figure is asked for."""


def runs_in_background(fmt: str, view: str | None, all_key: str, image_formats) -> bool:
    """A deck, or images of every figure: the exports that take seconds."""
    return fmt in BACKGROUND_FORMATS or (fmt in image_formats and view == all_key)


def jobs_dir(settings: Settings) -> Path:
    return Path(settings.state_dir) / "export-jobs"


# ---------------------------------------------------------------- the manager


def background_manager(settings: Settings):
    """CeleryManager on Redis when CELERY_BROKER_URL is set, else DiskcacheManager under STATE_DIR."""
    if settings.celery_broker_url:
        from celery import Celery
        from dash import CeleryManager

        celery_app = Celery("trial_evidence_exports", broker=settings.celery_broker_url,
                            backend=settings.celery_broker_url)
        celery_app.conf.update(result_expires=RESULT_EXPIRE_S, task_acks_late=False, worker_prefetch_multiplier=1)
        return CeleryManager(celery_app, expire=RESULT_EXPIRE_S)
    import diskcache
    from dash import DiskcacheManager

    folder = jobs_dir(settings) / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    return DiskcacheManager(diskcache.Cache(str(folder)), expire=RESULT_EXPIRE_S)


# ---------------------------------------------------------------- signed tickets


def _secret(settings: Settings) -> bytes:
    """This deployment's ticket key: STATE_DIR/export-jobs/ticket.key, made once (0600) and
    shared by every worker and job that shares STATE_DIR."""
    path = jobs_dir(settings) / "ticket.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f"ticket.key.{os.getpid()}.{secrets.token_hex(4)}")
        fresh.write_bytes(secrets.token_bytes(32))
        fresh.chmod(0o600)
        try:
            os.link(fresh, path)  # the first writer wins; everyone reads the winner's key
        except FileExistsError:
            pass
        fresh.unlink(missing_ok=True)
        return path.read_bytes()


_SIGNED = ("fmt", "view", "owner", "client", "nonce")


def _signature(settings: Settings, ticket: dict) -> str:
    message = json.dumps([str(ticket.get(k, "")) for k in _SIGNED]).encode()
    return hmac.new(_secret(settings), message, hashlib.sha256).hexdigest()


def make_ticket(settings: Settings, fmt: str, view: str, owner: str, client: str = "") -> dict:
    """A job request the browser carries to the background callback and cannot alter."""
    ticket = {"fmt": fmt, "view": view, "owner": owner, "client": client, "nonce": secrets.token_hex(16)}
    return {**ticket, "sig": _signature(settings, ticket)}


def checked_ticket(settings: Settings, ticket: object) -> dict | None:
    """The ticket when its signature holds, else None."""
    if not isinstance(ticket, dict) or not isinstance(ticket.get("sig"), str):
        return None
    return ticket if hmac.compare_digest(ticket["sig"], _signature(settings, ticket)) else None


def slot_owner(ticket: dict) -> str:
    """Whose job count a ticket adds to: the signed-in user or the upload session; a visitor with
    neither (AUTH_MODE=none, nothing uploaded) is counted by client address."""
    owner = str(ticket.get("owner", ""))
    return owner if owner.partition(":")[2] else f"client:{ticket.get('client', '')}"


# ---------------------------------------------------------------- slots: running jobs per owner


@dataclass(frozen=True)
class Slots:
    """Running export jobs per owner, as files (one per job) shared by every process on STATE_DIR."""

    root: Path
    limit: int

    @classmethod
    def of(cls, settings: Settings) -> Slots:
        return cls(jobs_dir(settings) / "slots", settings.export_jobs_per_user)

    def _folder(self, owner: str) -> Path:
        return self.root / hashlib.sha256(owner.encode()).hexdigest()[:32]

    def running(self, owner: str) -> int:
        folder = self._folder(owner)
        count = 0
        for slot in folder.glob("*.slot") if folder.is_dir() else ():
            if self._alive(slot):
                count += 1
            else:
                slot.unlink(missing_ok=True)
        return count

    def take(self, owner: str, nonce: str) -> bool:
        """Claim a slot for the job `nonce` (False: the owner already runs `limit` jobs)."""
        if self.running(owner) >= self.limit:
            return False
        folder = self._folder(owner)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{nonce}.slot").write_text(json.dumps({"host": socket.gethostname(), "pid": None, "at": time.time()}))
        return True

    def started(self, owner: str, nonce: str) -> None:
        """The job process has started: its pid goes in the slot (a killed job frees it)."""
        slot = self._folder(owner) / f"{nonce}.slot"
        slot.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "at": time.time()}))

    def release(self, owner: str, nonce: str) -> None:
        (self._folder(owner) / f"{nonce}.slot").unlink(missing_ok=True)

    @staticmethod
    def _alive(slot: Path) -> bool:
        try:
            info = json.loads(slot.read_text())
        except (OSError, ValueError):
            return False
        age = time.time() - float(info.get("at", 0))
        if age > SLOT_STALE_S:
            return False
        pid = info.get("pid")
        if pid is None or info.get("host") != socket.gethostname():
            return True  # not started yet, or on another host: trust its age
        import psutil  # installed with dash[diskcache]

        try:  # a cancelled job's process is killed; unreaped, it lingers as a zombie
            return psutil.Process(int(pid)).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False
