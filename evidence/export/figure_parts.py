"""Small readers of a figure dict that the slide layouts share (design_slide, panel_slide,
row_slide, split): which y axes are drawn, the name traces use for an axis, a text's lines."""

from __future__ import annotations

import re

from evidence.text_measure import plain_text

BREAK = re.compile(r"<br\s*/?>", re.I)
"""A line break in plotly text."""


def visible_y_axes(layout: dict) -> list[str]:
    """The y axes of a layout that are drawn (a panel copy of split.split_panels hides the others),
    in the layout's order."""
    return [k for k in layout if k.startswith("yaxis") and (layout[k] or {}).get("visible") is not False]


def axis_ref(axis_name: str) -> str:
    """'yaxis2' -> 'y2', 'xaxis' -> 'x' (the name traces and annotations use)."""
    return axis_name[0] + axis_name[5:]


def text_lines(markup) -> list[str]:
    """A text's lines (split at <br>), as plain text."""
    return [plain_text(line) for line in BREAK.split(str(markup or ""))]
