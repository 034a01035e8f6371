"""One cache for every computed answer: `get_or_compute(namespace, key, compute)`.

Views, their rendered JSON, the filtered tables, filter options and session data are pure
functions of (data version, the state fields they read), so each is kept here under a namespace
(e.g. "view:forest", "render:forest-figure") and a key holding the data version and those fields.
The default backend keeps a small least-recently-used map per namespace in this process
(cachetools). With ``CACHE_URL=redis://...`` (``configure``), the namespaces whose values are
plain JSON (``SHARED_NAMESPACES``: the rendered figures) are also kept in Redis, so a figure one
replica computed is a hit on every other: values serialised as JSON, keys
``trial-evidence:v1:<bundled data version>:<namespace>:<SHA-256 of the key>``, a day's expiry.
Redis going away degrades to computing, never to an error: a failed call is logged and Redis is
skipped for a few seconds, then tried again. Objects (views, tables, session data) stay in the
process. The interface stays ``get_or_compute`` / ``clear`` / ``use`` (plus ``configure``,
``status``).

Two threads missing the same key both compute it (the answer is the same); that is cheaper than
holding the lock while a figure is built. Treat cached values as read-only.

Hits and misses are counted per namespace (`stats()`) and logged at DEBUG ("hit render:forest-figure"),
so a test or an operator can see whether a warmed answer was served from the cache.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from cachetools import LRUCache

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_SIZE = 16
SIZES = {"session": 4, "answer-card": 256}  # a session entry holds a whole data set; a card is small (one per trial)
SHARED_NAMESPACES = ("render:",)  # values are JSON: (figure dict, caption, config)
KEY_PREFIX = "trial-evidence:v1"
SHARED_TTL_S = 24 * 3600
RETRY_AFTER_FAILURE_S = 5.0


class ProcessCache:
    """Per-namespace LRU maps in this process (gunicorn workers each hold their own)."""

    def __init__(self, sizes: dict[str, int] | None = None, default_size: int = DEFAULT_SIZE):
        self._sizes = dict(sizes or {})
        self._default = default_size
        self._maps: dict[str, LRUCache] = {}
        self._counts: dict[str, list[int]] = {}  # namespace -> [hits, misses]
        self._lock = threading.Lock()

    def _map(self, namespace: str) -> LRUCache:
        if namespace not in self._maps:
            self._maps[namespace] = LRUCache(self._sizes.get(namespace, self._default))
        return self._maps[namespace]

    def get_or_compute(self, namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            found = self._map(namespace).get(key, _MISSING)
            self._counts.setdefault(namespace, [0, 0])[found is _MISSING] += 1
        log.debug("%s %s", "miss" if found is _MISSING else "hit", namespace)
        if found is not _MISSING:
            return found
        value = compute()  # an exception is not cached
        with self._lock:
            self._map(namespace)[key] = value
        return value

    def stats(self) -> dict[str, tuple[int, int]]:
        """namespace -> (hits, misses) since this process started."""
        with self._lock:
            return {name: (hits, misses) for name, (hits, misses) in self._counts.items()}

    def clear(self, namespaces: Iterable[str] | None = None) -> None:
        with self._lock:
            for name in list(self._maps) if namespaces is None else namespaces:
                if name in self._maps:
                    self._maps[name].clear()


    def status(self) -> str:
        return "process"


def _canonical(value):
    """JSON for a cache key's parts, the same in every process (sets sorted, dates as text)."""
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def shared_key(prefix: str, namespace: str, key: Hashable) -> str:
    text = json.dumps(_canonical(key), separators=(",", ":"), sort_keys=True, allow_nan=True)
    return f"{prefix}:{namespace}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


class SharedCache:
    """This process's LRU maps in front of Redis for ``SHARED_NAMESPACES`` (JSON values); every
    other namespace only in the process. Redis errors degrade to computing."""

    def __init__(self, url: str, data_version: str, local: ProcessCache | None = None, ttl_s: int = SHARED_TTL_S,
                 client=None):  # fmt: skip
        import redis

        self.local = local or ProcessCache(SIZES)
        self.prefix = f"{KEY_PREFIX}:{data_version}"
        self.ttl_s = ttl_s
        self.client = client or redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=15
        )
        self._errors = (redis.RedisError, OSError)
        self._down_until = 0.0
        self.hits = self.misses = 0

    def _shared(self, namespace: str) -> bool:
        return namespace.startswith(SHARED_NAMESPACES)

    def _call(self, what: str, *args):
        """One Redis call, or None when Redis is down (skipped for a few seconds after a failure)."""
        if time.monotonic() < self._down_until:
            return None
        try:
            return getattr(self.client, what)(*args)
        except self._errors as err:
            if time.monotonic() >= self._down_until:
                log.warning("shared cache unavailable (%s: %s); computing instead for %.0f s",
                            type(err).__name__, str(err)[:200], RETRY_AFTER_FAILURE_S)  # fmt: skip
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S
            return None

    def get_or_compute(self, namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
        if not self._shared(namespace):
            return self.local.get_or_compute(namespace, key, compute)

        def shared_compute():
            name = shared_key(self.prefix, namespace, key)
            found = self._call("get", name)
            if found is not None:
                try:
                    self.hits += 1
                    return json.loads(found)
                except ValueError:
                    pass  # not ours: compute and overwrite
            self.misses += 1
            value = compute()
            try:
                body = json.dumps(value, separators=(",", ":"))
            except (TypeError, ValueError):
                return value  # not JSON: this process only
            self._call("set", name, body, self.ttl_s)
            return value

        return self.local.get_or_compute(namespace, key, shared_compute)

    def stats(self) -> dict[str, tuple[int, int]]:
        """(hits, misses) per namespace in this process's maps (a Redis hit counts as a miss
        here: the value was not in this process)."""
        return self.local.stats()

    def clear(self, namespaces: Iterable[str] | None = None) -> None:
        """Empty this process's maps (the shared entries expire on their own, and a new data
        version starts new keys)."""
        self.local.clear(namespaces)

    def status(self) -> str:
        """"redis" when it answers a PING now, else "unavailable"."""
        if time.monotonic() < self._down_until:
            return "unavailable"
        return "redis" if self._call("ping") else "unavailable"


_MISSING = object()
_backend: ProcessCache | SharedCache = ProcessCache(SIZES)


def get_or_compute(namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The value cached under (namespace, key), computing and keeping it on a miss."""
    return _backend.get_or_compute(namespace, key, compute)


def stats() -> dict[str, tuple[int, int]]:
    """namespace -> (hits, misses) in this process."""
    return _backend.stats()


def clear(namespaces: Iterable[str] | None = None) -> None:
    """Empty these namespaces (all when None): the benchmarks time cold answers so."""
    _backend.clear(namespaces)


def use(backend: ProcessCache | SharedCache) -> None:
    """Put another backend (same methods) in place."""
    global _backend
    _backend = backend


def configure(cache_url: str, data_version: str) -> None:
    """The backend CACHE_URL asks for: Redis (shared, keys under ``data_version``) or this process."""
    use(SharedCache(cache_url, data_version) if cache_url else ProcessCache(SIZES))


def status() -> str:
    """"process", "redis", or "unavailable" (Redis configured but not answering)."""
    return _backend.status()
