"""The dashboard's whole view state, and how it travels in the URL query string.

The state is a frozen value: parsed from a query string (anything unknown or malformed is dropped,
never trusted), written back to one in a canonical order, and used to filter the curated tables.
The server keeps none of it; each browser holds its own in the URL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from urllib.parse import parse_qs, urlencode

import pandas as pd

from evidence.contract import GRADES, REGISTRY_GRADES, TIME_TO_EVENT_ENDPOINTS

TRIALS_PER_PAGE = 10
"""Per-trial views draw at most this many trials at once; larger selections are paged, so what
the browser receives and draws stays bounded however large the data grows."""

TOX_MODES = ("rate", "difference")

TABS = ("efficacy", "trials", "dosing", "survival", "uploads", "sources")
"""The view tabs, in the order the tab strip shows them (the first is the default): efficacy and
toxicity side by side, the trials and their design, the dose ramp with the what-if, survival,
your own trials, sources. Which tab is shown is page state, read by no view."""
MAX_PAGE = 100_000
MAX_RAMP_HORIZON = 24  # cycles the what-if ramp draws at most (about two years of 28-day cycles)
TOX_SORTS = ("rate", "difference", "soc")

# Multi-valued facets: state field -> trials.csv column.
FACETS = {
    "disease": "disease_group",
    "agent": "agent",
    "trial": "trial_id",
    "phase": "phase",
    "setting": "setting",
    "status": "status",
}

SELECTION_FIELDS = (*FACETS, "derived", "page")
"""The fields that pick the trials and rows a view shows (what filter_tables reads): every data
view, the answer strip and the shared filtered tables are keyed on them."""


@dataclass(frozen=True)
class ViewState:
    """Filters, selection and view options. Empty facet tuples mean 'all'."""

    disease: tuple[str, ...] = ()
    agent: tuple[str, ...] = ()
    trial: tuple[str, ...] = ()
    phase: tuple[str, ...] = ()
    setting: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    endpoint: str = "PFS"
    grade: str = "3-4"
    organ: tuple[str, ...] = ()
    derived: bool = True
    pool: bool = False
    highlight: str = ""
    tox_mode: str = "rate"
    tox_sort: str = "rate"
    tox_top: int = 25
    tox_search: str = ""
    surv_trial: str = ""
    ramp_start: int = 400
    ramp_step: int = 200
    ramp_horizon: int = 6
    page: int = 1
    tab: str = TABS[0]

    def to_query(self) -> str:
        """Canonical query string holding only what differs from the defaults."""
        default = ViewState()
        pairs: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, tuple):
                pairs += [(f.name, v) for v in value]
            elif isinstance(value, bool):
                pairs.append((f.name, "1" if value else "0"))
            else:
                pairs.append((f.name, str(value)))
        return "?" + urlencode(pairs) if pairs else ""

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> ViewState:
        """From control values (lists, strings, numbers); invalid entries fall back to defaults."""
        return _coerce({k: v for k, v in values.items() if k in _FIELD_NAMES})


_FIELD_NAMES = {f.name for f in fields(ViewState)}
_MAX_TEXT = 100


def _coerce(values: dict) -> ViewState:
    default = ViewState()
    clean = {}
    for f in fields(ViewState):
        if f.name not in values:
            continue
        raw = values[f.name]
        base = getattr(default, f.name)
        try:
            if isinstance(base, tuple):
                items = raw if isinstance(raw, (list, tuple)) else ([] if raw in (None, "") else [raw])
                clean[f.name] = tuple(dict.fromkeys(str(v)[:_MAX_TEXT] for v in items if v not in (None, "")))
            elif isinstance(base, bool):
                clean[f.name] = raw in (True, "1", "true", 1, ["1"], [True])
            elif isinstance(base, int):
                clean[f.name] = _whole_number(raw)
            else:
                clean[f.name] = "" if raw is None else str(raw)[:_MAX_TEXT]
        except (TypeError, ValueError, OverflowError):
            continue
    state = replace(default, **clean)
    return _within_bounds(state)


CHOICES: dict[str, tuple[str, ...]] = {
    "endpoint": tuple(TIME_TO_EVENT_ENDPOINTS),
    "grade": tuple(GRADES) + tuple(REGISTRY_GRADES),
    "tox_mode": TOX_MODES,
    "tox_sort": TOX_SORTS,
    "tab": TABS,
}
"""Fields that hold one of a fixed set of values; any other value goes back to the default."""

LIMITS: dict[str, tuple[int, int]] = {
    "tox_top": (5, 200),
    "ramp_start": (0, 800),
    "ramp_step": (0, 800),
    "ramp_horizon": (1, MAX_RAMP_HORIZON),
    "page": (1, MAX_PAGE),
}
"""Whole-number fields: (lowest, highest); a value outside is clamped."""


def _whole_number(raw) -> int:
    """int(float(raw)) of ASCII text only: float() also reads other scripts' digits and spaces,
    which the browser's copy of these rules (assets/state.js) does not."""
    if isinstance(raw, str) and not raw.isascii():
        raise ValueError(raw)
    return int(float(raw))


def _within_bounds(state: ViewState) -> ViewState:
    default = ViewState()
    fixes = {name: getattr(default, name) for name, allowed in CHOICES.items() if getattr(state, name) not in allowed}
    fixes |= {name: min(max(getattr(state, name), low), high) for name, (low, high) in LIMITS.items()}
    return replace(state, **fixes)


def query_rules() -> dict:
    """The parsing rules above as plain data, for the browser's copy of `parse_query` and
    `to_query` (assets/state.js): each field's kind, default, allowed values or limits, in
    canonical order; the query field limit and the text length limit."""
    default = ViewState().as_dict()
    kinds = {tuple: "list", bool: "bool", int: "int", str: "str"}
    rules = []
    for f in fields(ViewState):
        rule = {"name": f.name, "kind": kinds[type(getattr(ViewState(), f.name))], "default": default[f.name]}
        rule |= {"choices": list(CHOICES[f.name])} if f.name in CHOICES else {}
        rule |= {"limits": list(LIMITS[f.name])} if f.name in LIMITS else {}
        rules.append(rule)
    return {"fields": rules, "max_fields": MAX_QUERY_FIELDS, "max_text": _MAX_TEXT}


MAX_QUERY_FIELDS = 200
"""Fields read from a link's query string; any beyond are dropped (and the page says so): a full
state needs far fewer, and parsing stays bounded however long a hand-made link is."""


def bounded_query(search: str | None) -> tuple[str, int]:
    """(the query string cut to its first MAX_QUERY_FIELDS fields, how many fields were dropped)."""
    pieces = [piece for piece in (search or "").lstrip("?").split("&") if piece]
    return "&".join(pieces[:MAX_QUERY_FIELDS]), max(len(pieces) - MAX_QUERY_FIELDS, 0)


def parse_query(search: str | None) -> ViewState:
    """ViewState from '?disease=breast+cancer&endpoint=OS'; unknown keys and values are ignored,
    and so are fields beyond the first MAX_QUERY_FIELDS (see ``bounded_query``)."""
    query, _dropped = bounded_query(search)
    params = parse_qs(query, keep_blank_values=False, max_num_fields=MAX_QUERY_FIELDS)
    default = ViewState()
    values = {}
    for name, items in params.items():
        if name not in _FIELD_NAMES:
            continue
        values[name] = items if isinstance(getattr(default, name), tuple) else items[-1]
    return _coerce(values)


def restrict_to_known(
    state: ViewState, trials: pd.DataFrame, organ_classes: list[str], grades: list[str] | None = None
) -> ViewState:
    """Drop facet values the data does not hold (a stale or hand-edited link); a grade band not
    among ``grades`` (when given: the bands the data offer) goes back to the default."""
    fixes = {}
    if grades is not None and state.grade not in grades:
        fixes["grade"] = ViewState().grade
    for name, column in FACETS.items():
        known = set(trials[column].dropna().astype(str))
        fixes[name] = tuple(v for v in getattr(state, name) if v in known)
    fixes["organ"] = tuple(v for v in state.organ if v in set(organ_classes))
    trial_ids = set(trials.trial_id)
    if state.highlight not in trial_ids:
        fixes["highlight"] = ""
    if state.surv_trial not in trial_ids:
        fixes["surv_trial"] = ""
    restricted = replace(state, **fixes)
    return replace(restricted, page=min(restricted.page, page_count(len(selected_trial_ids(trials, restricted)))))


def selected_trial_ids(trials: pd.DataFrame, state: ViewState) -> list[str]:
    """Trial ids passing every facet filter, in file order."""
    mask = pd.Series(True, index=trials.index)
    for name, column in FACETS.items():
        chosen = getattr(state, name)
        if chosen:
            mask &= trials[column].astype(str).isin(chosen)
    return list(trials.loc[mask, "trial_id"])


def page_count(selected: int) -> int:
    return max(1, -(-selected // TRIALS_PER_PAGE))


def page_of(trials: pd.DataFrame, state: ViewState) -> tuple[int, int]:
    """(the page shown, how many pages the selection fills): "page 1 of 1"."""
    pages = page_count(len(selected_trial_ids(trials, state)))
    return min(state.page, pages), pages


def page_bounds(selected: int, page: int) -> tuple[int, int]:
    """(first, last) 0-based slice of the selected trials shown on `page` (clamped to the last)."""
    page = min(max(page, 1), page_count(selected))
    first = (page - 1) * TRIALS_PER_PAGE
    return first, min(first + TRIALS_PER_PAGE, selected)


def shown_trial_ids(trials: pd.DataFrame, state: ViewState) -> list[str]:
    """The selected trials on the state's page (all of them when they fit on one page)."""
    selected = selected_trial_ids(trials, state)
    first, last = page_bounds(len(selected), state.page)
    return selected[first:last]


def filter_tables(tables: dict[str, pd.DataFrame], state: ViewState, paged: bool = True) -> dict[str, pd.DataFrame]:
    """Every table restricted to the selected trials (those on the state's page unless
    `paged=False`); derived rows dropped when hidden."""
    pick = shown_trial_ids if paged else selected_trial_ids
    keep = set(pick(tables["trials"], state))
    out = {}
    for name, frame in tables.items():
        if "trial_id" in frame.columns:
            frame = frame[frame.trial_id.isin(keep)]
        if not state.derived and "derived" in frame.columns:
            frame = frame[~frame.derived.fillna(False).astype(bool)]
        out[name] = frame
    return out
