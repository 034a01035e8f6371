"""Warming a gunicorn worker's cache after it forks, in a background thread.

A fresh worker's cache is empty, so its first visitors wait for every figure to be built. After
fork (gunicorn.conf.py `post_fork`) a daemon thread answers the states a visitor most likely asks
first: the default view, then its other endpoints and grade bands (one control changed), then
each value of each facet alone; the answer strip's cards with them. It asks what the view route
asks (components/view_requests.py `answerers`), so those states are cache hits afterwards. The
worker serves requests meanwhile. Bounded: at most WARM_CACHE_STATES states (never more than a
cache namespace holds, or the last would evict the first) and WARM_CACHE_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from components.view_requests import answerers
from config import Settings
from evidence import cache, views
from evidence.contract import TIME_TO_EVENT_ENDPOINTS
from evidence.loading import CuratedData
from evidence.state import FACETS, ViewState

log = logging.getLogger(__name__)


def warm_states(data: CuratedData, limit: int) -> list[ViewState]:
    """The default state; each other endpoint, then each other grade band the data offer, of the
    default state; then each value of each facet alone (FACETS order); at most `limit`."""
    default = ViewState()
    options = views.filter_options(data)
    endpoints = [replace(default, endpoint=e) for e in TIME_TO_EVENT_ENDPOINTS if e != default.endpoint]
    grades = [replace(default, grade=o["value"]) for o in options["grade"] if o["value"] != default.grade]
    single = [replace(default, **{facet: (o["value"],)}) for facet in FACETS for o in options[facet]]
    return ([default] + endpoints + grades + single)[: max(limit, 0)]


def warm(data: CuratedData, states: list[ViewState], seconds: float) -> int:
    """Answer every view and the answer strip for each state in turn until done or `seconds`
    have passed; the number of states answered."""
    deadline = time.monotonic() + seconds
    done = 0
    named = answerers()  # every view and the answer strip (every facet change asks for its cards)
    for state in states:
        if time.monotonic() > deadline:
            break
        for answerer in named.values():
            answerer.answer(data, state)
        done += 1
    return done


def _run(data: CuratedData, states: list[ViewState], seconds: float) -> None:
    started = time.monotonic()
    try:
        done = warm(data, states, seconds)
    except Exception:  # noqa: BLE001 - a warm-up failure must not take the worker down
        log.exception("cache warm-up failed")
        return
    log.info("cache warm-up done: %d of %d states in %.1f s", done, len(states), time.monotonic() - started)


def start(data: CuratedData, settings: Settings) -> threading.Thread | None:
    """Start warming in a daemon thread (None when WARM_CACHE_STATES is 0)."""
    limit = min(settings.warm_cache_states, cache.DEFAULT_SIZE)
    if limit <= 0:
        return None
    thread = threading.Thread(
        target=_run, args=(data, warm_states(data, limit), settings.warm_cache_seconds), name="cache-warm-up", daemon=True
    )
    thread.start()
    return thread


EXTENSION = "evidence.warm_cache"
"""Where create_app leaves the warm-up on the Flask server, for gunicorn's post_fork."""


def install(server, data: CuratedData, settings: Settings) -> None:
    """Leave `start(data, settings)` on the Flask server (`server.extensions`)."""
    server.extensions[EXTENSION] = lambda: start(data, settings)


def after_fork(server) -> threading.Thread | None:
    """Start the warm-up the app installed (gunicorn.conf.py post_fork, in the new worker)."""
    starter = server.extensions.get(EXTENSION)
    return starter() if starter else None
