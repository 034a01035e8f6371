"""plotly.js's table geometry, measured in the figures' font: how it wraps a cell and how high it
makes a row (traces/table/plot.js), the widest word a column must hold, and the column shares
that hold every word. Shared by the table figure (figures/tabular.py: its least width and
heights) and its slides (export/table_slide.py)."""

from __future__ import annotations

import math
import re

from evidence.text_measure import plain_text as measured_text
from evidence.text_measure import text_width

CELL_PAD_PX = 8
"""plotly.js table cellPad: space above, below and beside a cell's text."""
SCREEN_FONT_PX = 14
"""The tables' text on screen: the layout font (theme.py); the header is bold."""
NARROWEST_PX = 700
"""The narrowest a table is drawn in the page without scrolling sideways: a card on a 768-1024 px
screen; a phone draws every plot at least 720 px wide (assets/views.css)."""
MARGIN_PX = 10
"""The table figure's left and right margins."""
LINE = 1.3
"""plotly's line spacing, in font sizes."""
GLYPH = 1.15
"""Height of one line's glyph box, in font sizes (Liberation Sans, measured in Chromium)."""


def cell_height(lines: int, size: float, least: float) -> float:
    """px plotly gives a table row whose tallest cell has `lines` lines: a row of one-line cells
    keeps the trace's own height (plotly.js measures a row's text only when a cell has more than
    one line; drawn in Chromium at 14 pt: 30 px rows, where the padded formula counted 38, which
    left 1.5 in empty under every baseline page and made it 5 slides instead of 4)."""
    if lines <= 1:
        return least
    return max(least, 2 * CELL_PAD_PX + size * (GLYPH + LINE * (lines - 1)))


def drawn_lines(markup, width: float, size: float = SCREEN_FONT_PX) -> int:
    """Lines plotly.js draws a table cell in at a column `width` px wide (traces/table/plot.js
    wrapTextMaker): a cell with <br> is drawn as broken and not wrapped, nor is one without a
    space; otherwise words go on a line while the line's words, each with the space after it,
    fit the column less its padding (a first word that does not leaves an empty line above it)."""
    text = str(markup)
    if re.search(r"<br>", text, flags=re.I):
        return len(re.split(r"<br>", text, flags=re.I))
    if " " not in text:
        return 1
    bold = "<b>" in text
    space, limit = text_width(" ", size, bold), width - 2 * CELL_PAD_PX
    lines, length = 1, 0.0
    for word in text.split(" "):
        add = text_width(measured_text(word), size, bold) + space
        if length + add > limit:
            lines, length = lines + 1, 0.0
        length += add
    return lines


def word_px(markup, size: float, only: re.Pattern | None = None) -> float:
    """Width of a cell's widest word, padding included: a column narrower cuts it (plotly wraps a
    table cell at spaces only and clips what still runs past the column) or puts an empty line
    above it (`drawn_lines`). `only`: the widest of the words it matches."""
    bold = "<b>" in str(markup)
    words = [w for w in measured_text(markup).split() if only is None or only.search(w)]
    widest = max((text_width(w, size, bold) for w in words), default=0.0)
    return widest + text_width(" ", size, bold) + 2 * CELL_PAD_PX + 1  # plotly counts a space after each word


def fitted_columns(header: list[str], columns: list[list[str]], widths: list[float] | None) -> tuple[list[float], int]:
    """(column width shares, the narrowest drawing in px that shows every word whole), for the
    header and cells as drawn (escaped; the header in <b>).

    plotly wraps a table cell at spaces only and clips what still runs past its column: the
    findings table cut "MRCC-SORAFENIB" at every width, and "NCT00573755", "population" and
    "2014-03-26" below 1366 px. Here a column is never narrower than its widest word (header
    included); every other column keeps the width its share (`widths`, the view's own) gives it
    at NARROWEST_PX. Their sum is the figure's least width (layout.meta.min_width): narrower than
    that, the page draws the table that wide and it scrolls sideways in its card
    (assets/lazy_draw.js); wider, every column grows in proportion."""
    shares = [float(w) for w in widths] if widths else [1.0] * len(columns)
    need = [max(word_px(h, SCREEN_FONT_PX), *(word_px(v, SCREEN_FONT_PX) for v in column))
            for h, column in zip(header, columns)]
    room = NARROWEST_PX - 2 * MARGIN_PX
    px = [max(n, room * s / sum(shares)) for n, s in zip(need, shares)]
    total = sum(px)
    return [round(p / total, 4) for p in px], math.ceil(total + 2 * MARGIN_PX)


def table_height(trace: dict, width: float) -> float:
    """px of a table trace's header and rows drawn `width` px wide."""
    shares = trace["columnwidth"]
    columns = [width * s / sum(shares) for s in shares]
    header = max(drawn_lines(h, w) for h, w in zip(trace["header"]["values"], columns))
    values = trace["cells"]["values"]
    rows = [max(drawn_lines(column[i], w) for column, w in zip(values, columns)) for i in range(len(values[0]))]
    return cell_height(header, SCREEN_FONT_PX, trace["header"]["height"]) + sum(
        cell_height(n, SCREEN_FONT_PX, trace["cells"]["height"]) for n in rows)
