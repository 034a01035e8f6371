"""The passage behind a clicked data point, as plain text (issue 16 item 8: the evidence at hand
without hovering).

Every figure's hover ends a point's story with 'source: LOCATOR — “passage”'
(evidence.theme.source_hover: the passage cut to PASSAGE_HOVER_CHARS, markup escaped, wrapped
with <br>). A click hands the browser's point (its `hovertext` or `text`, and `customdata`) to
`evidence_text`, which reads the locator and the passage back from that hover and looks the full
passage up in the curated rows of the point's trial (the hover shows only its start). The result
is a string: the box that shows it (components/evidence_box.py) renders text, never markup.
No Dash here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from evidence.citations import reader_locator
from evidence.loading import CuratedData
from evidence.text_measure import plain_text

HINT = "Click a point to read the passage its numbers were taken from."
NO_PASSAGE = "No passage for this point: it is computed here, or its row names no passage."

_SOURCE = re.compile(r"(?:^|\s)source: (?P<locator>.*?)(?: — “(?P<passage>.*)”|$)")


@dataclass(frozen=True)
class Evidence:
    trial_id: str
    locator: str
    passage: str
    """The passage as the hover shows it (possibly cut, ending in '…'), or ''."""

    def text(self) -> str:
        """'Evidence — SOURCE: locator — “passage”' (plain text)."""
        if not self.locator:
            return NO_PASSAGE
        words = f"Evidence — {self.locator}"
        return words + (f" — “{self.passage}”" if self.passage else " (no passage: computed here or not given)")




def _trial_of(point: dict) -> str:
    custom = point.get("customdata")
    head = custom if isinstance(custom, str) else (custom[0] if isinstance(custom, (list, tuple)) and custom else "")
    return head if isinstance(head, str) else ""


def from_point(point: dict) -> Evidence | None:
    """The trial, locator and (hover-length) passage of one clickData point (read from its
    `hovertext`, else its `text`: what the hover shows); None without a source line."""
    hovers = [point.get(key) for key in ("hovertext", "text")]  # forest and medians hover their `text`
    found = next((m for m in (_SOURCE.search(plain_text(h)) for h in hovers if isinstance(h, str)) if m), None)
    if not found:
        return None
    locator = " ".join(found.group("locator").split()).split(" source discrepancy:")[0].strip()
    passage = " ".join((found.group("passage") or "").split())
    return Evidence(_trial_of(point), locator, passage)


def full_passage(data: CuratedData, trial_id: str, locator: str, shown: str) -> str:
    """The whole passage of the trial's curated row whose source is `locator` and whose passage
    starts as `shown` does (the hover cuts it with '…'); `shown` itself when no row matches."""
    head = shown.removesuffix("…").rstrip()
    if not head:
        return shown
    for frame in data.tables.values():
        if not isinstance(frame, pd.DataFrame) or "passage" not in frame.columns or "source" not in frame.columns:
            continue
        rows = frame[frame["trial_id"] == trial_id] if trial_id and "trial_id" in frame.columns else frame
        passages = rows["passage"].dropna().astype(str)
        normalised = passages.map(lambda p: " ".join(p.split()))
        said = rows.loc[normalised.index, "source"].map(reader_locator)  # as the hover says it
        same = normalised[normalised.str.startswith(head) & (said == locator)]
        if not same.empty:
            return same.iloc[0]
    return shown


def point_click(click: object) -> dict | None:
    """A click as a graph's clickData: a dict as it is; a table drawn in the browser sends the same
    shape as a JSON string (evidence/view_registry.py CELL_CLICK), read here. Anything else, or a
    click whose points are not objects (a request is the browser's word, not ours), is no click."""
    if isinstance(click, str):
        try:
            click = json.loads(click)
        except ValueError:
            return None
    if not isinstance(click, dict):
        return None
    points = click.get("points")
    if points is not None and not (isinstance(points, list) and all(isinstance(p, dict) for p in points)):
        return None
    return click


def evidence_text(data: CuratedData, click: dict | None) -> str:
    """What the Evidence box says for a graph's clickData: the clicked point's locator and its full
    passage, NO_PASSAGE for a point without one, HINT before any click."""
    points = (click or {}).get("points") or []
    if not points:
        return HINT
    found = from_point(points[0])
    if found is None:
        return NO_PASSAGE
    passage = full_passage(data, found.trial_id, found.locator, found.passage) if found.passage else ""
    return Evidence(found.trial_id, found.locator, passage).text()
