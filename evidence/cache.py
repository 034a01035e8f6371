"""One cache for every computed answer: `get_or_compute(namespace, key, compute)`.

Views, their rendered JSON, the filtered tables, filter options and session data are pure
functions of (data version, the state fields they read), so each is kept here under a namespace
(e.g. "view:forest", "render:forest-figure") and a key holding the data version and those fields.
The default backend keeps a small least-recently-used map per namespace in this process
(cachetools); the interface is this module's functions, so a shared backend (Redis, in the
hosting issue) can replace it for the namespaces whose values are plain JSON.

Two threads missing the same key both compute it (the answer is the same); that is cheaper than
holding the lock while a figure is built. Treat cached values as read-only.

Hits and misses are counted per namespace (`stats()`) and logged at DEBUG ("hit render:forest-figure"),
so a test or an operator can see whether a warmed answer was served from the cache.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from cachetools import LRUCache

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_SIZE = 16
SIZES = {"session": 4}  # each session entry holds a whole data set


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


_MISSING = object()
_backend = ProcessCache(SIZES)


def get_or_compute(namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The value cached under (namespace, key), computing and keeping it on a miss."""
    return _backend.get_or_compute(namespace, key, compute)


def stats() -> dict[str, tuple[int, int]]:
    """namespace -> (hits, misses) in this process."""
    return _backend.stats()


def clear(namespaces: Iterable[str] | None = None) -> None:
    """Empty these namespaces (all when None): the benchmarks time cold answers so."""
    _backend.clear(namespaces)


def use(backend: ProcessCache) -> None:
    """Put another backend (same three methods) in place, e.g. a shared one under gunicorn."""
    global _backend
    _backend = backend
