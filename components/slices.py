"""Per-view slices of the view state, cut in the browser.

Every view used to read the one view state, so any change (a ramp dose, a grade band) asked for
every view and redrew every figure. Each view now gets only the state fields it declares
(`View.fields`, evidence/view_registry.py; the answer strip: evidence.answers.STRIP_FIELDS): the
browser (assets/slices.js, called by the state callback `sync`, components/state_sync.py) cuts
each new state into those slices and asks the server for a view (components/view_requests.py)
only when its slice changed, and only once the view is seen, so an unrelated change costs that
view no request and no redraw.
"""

from __future__ import annotations

from components import ids
from evidence.answers import STRIP_FIELDS
from evidence.view_registry import VIEWS

ANSWERS = "answers"
"""The answer strip's name among the slices: it is sliced and fetched like a view."""

FIELDS: dict[str, tuple[str, ...]] = {**{key: view.fields for key, view in VIEWS.items()}, ANSWERS: tuple(STRIP_FIELDS)}
"""Name (a VIEWS key, or ANSWERS) -> the state fields its slice holds."""

READS_UPLOADS: dict[str, bool] = {**{key: view.reads_data for key, view in VIEWS.items()}, ANSWERS: True}
"""Name -> whether it shows this user's uploaded trials (so an upload asks for it again)."""


def browser_slices() -> dict[str, dict]:
    """What assets/slices.js needs per name: the element whose visibility decides when it is asked
    for (its `data-view`, the view's graph id; none for the strip, shown on every tab), the
    caption that says when it could not be loaded, its fields, and whether an upload changes it."""
    return {
        name: {"view": VIEWS[name].graph_id if name in VIEWS else "",
               "caption": ids.caption(VIEWS[name].graph_id) if name in VIEWS else "",
               "fields": list(fields), "uploads": READS_UPLOADS[name]}
        for name, fields in FIELDS.items()
    }


def slice_state(state: dict, fields: list[str] | tuple[str, ...]) -> dict:
    """What assets/slices.js computes, in Python (for tests and the benchmarks)."""
    return {f: state.get(f) for f in fields}
