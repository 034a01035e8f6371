"""A view computed on the state fields it declares, and memoised on them.

A view's answer is a pure function of (data, the state fields it reads). Its declaration
(evidence/view_registry.py) names those fields; the browser sends only them (components/slices.py)
and the cache keys on them. A field read but not declared would be silently at its default in the
browser and missing from the cache key, so a view here never sees the whole state: it gets a
`DeclaredState` that answers the declared fields and raises `UndeclaredField` for any other.
"""

from __future__ import annotations

import functools
from dataclasses import fields as dataclass_fields
from collections.abc import Callable
from typing import TypeVar

from evidence import cache
from evidence.loading import CuratedData
from evidence.state import ViewState

T = TypeVar("T")

_STATE_FIELDS = frozenset(f.name for f in dataclass_fields(ViewState))


class UndeclaredField(LookupError):
    """A view read a state field its declaration does not name. Not an AttributeError, so
    `getattr(state, name, default)` cannot quietly turn it into a default."""


def state_key(state: ViewState, fields: tuple[str, ...]) -> tuple:
    """The values of `fields` in `state`, in order: a cache key's state part."""
    return tuple(getattr(state, f) for f in fields)


class DeclaredState:
    """A view state that answers only the fields a view declared (read-only).

    Reading another field raises UndeclaredField naming the view and the field, so a missing
    declaration fails the first test that runs the view, not silently in the browser.
    """

    __slots__ = ("_state", "_view", "_fields")

    def __init__(self, state: ViewState, view: str, fields: tuple[str, ...]):
        object.__setattr__(self, "_state", state._state if isinstance(state, DeclaredState) else state)
        object.__setattr__(self, "_view", view)
        object.__setattr__(self, "_fields", frozenset(fields))

    def __getattr__(self, name: str):
        if name in self._fields:
            return getattr(self._state, name)
        if name not in _STATE_FIELDS:
            raise AttributeError(name)  # not a state field (e.g. a protocol probe such as __deepcopy__)
        raise UndeclaredField(
            f"view {self._view!r} read state field {name!r}, which its declaration does not name "
            f"(declared: {', '.join(sorted(self._fields))}); add it to the view's fields in evidence/view_registry.py"
        )

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("a view state is read-only")

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self._state, f)!r}" for f in sorted(self._fields))
        return f"DeclaredState({self._view}: {shown})"


def declared(view: str, fields: tuple[str, ...], compute: Callable[[CuratedData, ViewState], T]) -> Callable[[CuratedData, ViewState], T]:
    """`compute` run on a DeclaredState holding only `fields` (not memoised)."""

    @functools.wraps(compute)
    def run(data: CuratedData, state: ViewState) -> T:
        return compute(data, DeclaredState(state, view, fields))

    return run


def memoised(namespace: str, view: str, fields: tuple[str, ...], compute: Callable[[CuratedData, ViewState], T]) -> Callable[[CuratedData, ViewState], T]:
    """`compute` on a DeclaredState of `fields`, kept in evidence.cache under `namespace` and the
    key (the data's content_key: a SHA-256 of its files, the values of `fields`).
    Treat results as read-only."""
    run = declared(view, fields, compute)

    @functools.wraps(compute)
    def cached(data: CuratedData, state: ViewState) -> T:
        key = (data.content_key, state_key(state, fields))
        return cache.get_or_compute(namespace, key, lambda: run(data, state))

    cached.uncached = run
    return cached
