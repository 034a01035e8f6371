"""The page-of-trials field: "page N of M" beside it, and M as its maximum (so its + button stops
at the last page and, with a maximum set, never empties the field: Dash 4's stepper computes
min(value + 1, max) and a missing max gives NaN).

Both follow the selection and the page, the answer strip's slice of the state, so the strip's
own callback sets them (components/answer_strip.py): one request per change, not two, and sent
whichever tab is shown (the filter panel shows them on every tab)."""

from __future__ import annotations

from dash import Output

from components import ids
from evidence.loading import CuratedData
from evidence.state import ViewState, page_of

OUTPUTS = [Output(ids.FILTERS["page"], "max"), Output(ids.PAGE_OF, "children")]


def page_position(data: CuratedData, state: ViewState) -> tuple[int, str]:
    """The page field's maximum and its "page N of M" line."""
    page, pages = page_of(data.trials, state)
    return pages, f"page {page} of {pages}"
