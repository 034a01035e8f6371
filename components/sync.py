"""Keeping URL, filter controls and selection in step: pure functions, no Dash imports.

One callback calls `next_state`; what triggered it decides where the new state comes from.
"""

from __future__ import annotations

import re
from dataclasses import replace

from components import ids
from evidence.clicked_passage import point_click
from evidence.state import FACETS, MAX_QUERY_FIELDS, ViewState, bounded_query, parse_query

_FIELDS = tuple(ids.FILTERS)
_FACET_CONTROLS = {ids.FILTERS[name] for name in FACETS}


def controls_to_state(values: list) -> ViewState:
    """ViewState from control values, in ids.FILTERS order."""
    raw = dict(zip(_FIELDS, values))
    raw["derived"] = "show" in (raw.get("derived") or [])
    raw["pool"] = "pool" in (raw.get("pool") or [])
    raw["highlight"] = raw.get("highlight") or ""
    raw["surv_trial"] = raw.get("surv_trial") or ""
    return ViewState.from_dict(raw)


def state_to_controls(state: ViewState) -> list:
    """Control values for a state, in ids.FILTERS order."""
    values = state.as_dict()
    values["derived"] = ["show"] if state.derived else []
    values["pool"] = ["pool"] if state.pool else []
    values["highlight"] = state.highlight or None
    values["surv_trial"] = state.surv_trial or None
    return [values[name] for name in _FIELDS]


def clicked_trial(click: dict | str | None) -> str:
    """trial_id from a plotly clickData, a browser-drawn table's click (the same shape as a JSON
    string: evidence.clicked_passage.point_click) or an AG Grid cellClicked event ('' if none)."""
    click = point_click(click) if isinstance(click, str) else click
    if not click:
        return ""
    if "points" in click:
        points = click.get("points") or [{}]
        custom = points[0].get("customdata")
        if isinstance(custom, (list, tuple)) and custom:
            return str(custom[0])
        return str(custom) if isinstance(custom, str) else ""
    return str(click.get("rowId") or "")


def next_state(trigger: str | None, search: str | None, control_values: list, clicks: dict) -> tuple[ViewState, bool]:
    """(new state, whether the controls must be rewritten to show it).

    trigger: the id that fired (None on page load). Page load and back/forward read the URL;
    Reset returns the defaults; a click on a trial in any view highlights it (a second click on
    the highlighted trial clears it); a control change reads the controls.
    """
    if trigger in (None, ids.URL):
        return parse_query(search), True
    if trigger == ids.RESET:
        return ViewState(), True
    current = controls_to_state(control_values)
    if trigger in _FACET_CONTROLS and current.page != 1:
        return replace(current, page=1), True  # a new selection starts at its first page
    if trigger in clicks:
        trial = clicked_trial(clicks[trigger])
        if not trial:
            return current, False
        return replace(current, highlight="" if trial == current.highlight else trial), True
    return current, False


def link_notice(trigger: str | None, search: str | None) -> str:
    """What the page says when the link it was opened with had more fields than are read."""
    if trigger not in (None, ids.URL):
        return ""
    dropped = bounded_query(search)[1]
    if not dropped:
        return ""
    return (
        f"This link has {MAX_QUERY_FIELDS + dropped:,} query fields; only the first {MAX_QUERY_FIELDS} were read "
        f"and the other {dropped:,} were ignored."
    )


# What a link's values are called in the notice about those this user's data do not hold.
_UNAVAILABLE_LABELS = {
    "disease": "disease", "agent": "agent", "trial": "trial", "phase": "phase", "setting": "setting",
    "status": "status", "organ": "organ class", "grade": "grade band", "highlight": "highlighted trial",
    "surv_trial": "survival trial",
}  # fmt: skip
_SHOWN_VALUE = re.compile(r"[\w .,+/()'-]{1,60}")
"""Values echoed in the notice: what trial ids, agents and classes look like. Anything else a
link carries (markup, control characters) is counted, not repeated."""


def unavailable_notice(asked: ViewState, known: ViewState) -> str:
    """What the page says when the server's check (components/state_sync.check_state) took values
    out of a state because this user's data do not hold them: most often a link naming an uploaded
    trial that is private to another person, or an upload since removed or expired. '' if none."""
    parts = []
    for name, label in _UNAVAILABLE_LABELS.items():
        before, after = getattr(asked, name), getattr(known, name)
        before, after = (before, after) if isinstance(before, tuple) else ((before,) if before else (), (after,))
        gone = [v for v in before if v not in after]
        if name == "grade" and gone == [ViewState().grade]:
            continue  # the default band, never taken out for itself
        shown = [v for v in gone if _SHOWN_VALUE.fullmatch(v)]
        hidden = len(gone) - len(shown)
        words = ", ".join(shown) + (f" ({hidden} value{'s' if hidden > 1 else ''} not repeated here)" if hidden else "")
        if gone:
            parts.append(f"{label} {words.strip()}")
    if not parts:
        return ""
    return (
        f"Not in the data you can see, so left out of the view: {'; '.join(parts)}. A trial someone uploaded "
        "stays private to them until they share it, and an upload unused for long is removed. The views show the rest."
    )
