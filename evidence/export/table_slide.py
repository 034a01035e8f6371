"""Text tables (figures/tabular.py: baseline characteristics, findings) over slides, paged by
measured heights at the slide's size.

The pages used to be counted in characters per line of the screen's table, with the header left
out; at 14 pt the wrapped rows were taller than counted, plotly scrolled the rest of the table out
of the picture, and rows between one slide's cut and the next slide's first row were on no slide
(issue 15). Here every cell is wrapped with <br> in Liberation Sans at the slide's font size, in
its column's width less plotly's cell padding (a word wider than its column is broken, so no text
runs into the next column), each row's height is what plotly gives that many lines, and rows go
onto a page while header and rows fit the table's height on the slide.

plotly.js tables (traces/table, constants.cellPad = 8): a cell of n lines is 2 x 8 px plus the
lines' box high, or its `height` if that is more; lines are 1.3 font sizes apart (svg_text_utils
LINE_SPACING); text wraps at the column's width less 2 x 8 px. Checked in Chromium by
tests/unit/test_slide_sizes.py (every row whole on exactly one slide).
"""

from __future__ import annotations

import copy
import re

from evidence.export.slide_style import BASE_FONT_PX, PAD_PX, _escape
from evidence.figures.table_geometry import CELL_PAD_PX, cell_height, word_px
from evidence.text_measure import plain_text, text_width, wrap_text

SAFETY_PX = 6
"""Room kept free at the table's foot: measured heights round differently from the browser's."""
TOP_PX = 4
"""Between the bands above a table page (the slide image's title and subtitle; none on a deck
picture, whose title and subtitle are slide text) and the table's top rule. A page's top margin
was 30 px plus the 36 px band an untitled picture keeps: 0.7 in of white above every table."""
MARGIN_T, MARGIN_B = TOP_PX, 12
"""A page's top and bottom margins: its title is slide text and its note goes to the footnote."""
CONTINUED = " (cont.)"
"""Appended to a group's name repeated on the first row of a page that continues the group."""


_WHOLE = re.compile(r"\d")
"""A word with a digit in it (a date, a number, a range, a registry id) is never broken: "2014-03-"
over "26" reads as two values. Its column is widened to hold it instead (_fit_columns)."""


def _wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Plain text in lines no wider than width px; a word wider than the line is broken, unless
    it holds a digit (_WHOLE)."""
    lines: list[str] = []
    for line in wrap_text(text, width, size, bold):
        while line and text_width(line, size, bold) > width and not _WHOLE.search(line):
            cut = len(line)
            while cut > 1 and text_width(line[:cut], size, bold) > width:
                cut -= 1
            hyphen = line.rfind("-", 0, cut)
            cut = hyphen + 1 if hyphen > 0 else cut  # "2014-03-" / "26", not "2014-0" / "3-26"
            lines.append(line[:cut])
            line = line[cut:].lstrip()
        lines.append(line)
    return lines or [""]


def _column_px(spec: dict, width: float) -> list[float]:
    """The view's own column shares at `width` (layout.meta.shares): the screen's are fitted to
    its least width (table_geometry.fitted_columns), narrowing the text columns a slide has room for."""
    trace = spec["data"][0]
    shares = ((spec.get("layout") or {}).get("meta") or {}).get("shares") or trace.get("columnwidth") \
        or [1.0] * len(trace["cells"]["values"])
    return [width * s / sum(shares) for s in shares]




def _fit_columns(columns: list[float], header: list, values: list[list], size: float) -> list[float]:
    """Column widths (px) with every number and date of a column whole on one line: a column too
    narrow for its widest one (the findings' "When" column, 68 px for "2014-03-26" at 14 pt) takes
    the width from columns with room beyond their own widest word, in proportion to that room."""
    need = [max(word_px(v, size, only=_WHOLE) for v in [h, *column]) for h, column in zip(header, values)]
    deficit = sum(max(0.0, n - c) for n, c in zip(need, columns))
    if deficit <= 0:
        return columns
    spare = [0.0 if n > c else max(0.0, c - max(n, max(word_px(v, size) for v in [h, *column])))
             for n, c, h, column in zip(need, columns, header, values)]
    if sum(spare) <= 0:
        return columns
    taken = min(1.0, deficit / sum(spare))
    scale = min(1.0, sum(spare) / deficit)
    return [c + (n - c) * scale if n > c else c - s * taken for n, c, s in zip(need, columns, spare)]


def _wrapped(markup: str, width: float, size: float) -> list[str]:
    """A cell (markup from tabular.py: plain text escaped, or <b>text</b>) as wrapped markup lines."""
    bold = "<b>" in str(markup)
    lines = _wrap(plain_text(markup), width - 2 * CELL_PAD_PX - 2, size, bold)
    return [f"<b>{_escape(x)}</b>" if bold else _escape(x) for x in lines]


def table_pages(spec: dict, room: tuple[float, float]) -> list[dict]:
    """Copies of a `tabular.table_figure` dict, one a slide, each holding the consecutive rows
    (at least one) whose measured heights fit under the measured header in `room` (layout px of
    the figure on its slide, split.figure_room); cells wrapped to their columns, pages balanced
    so the last is not a row or two."""
    layout = spec.get("layout") or {}
    trace = spec["data"][0]
    size = max(BASE_FONT_PX, (layout.get("font") or {}).get("size") or 0, ((trace["cells"].get("font") or {}).get("size") or 0))
    margin = layout.get("margin") or {}
    width = room[0] - max(margin.get("l", 80), PAD_PX - 10) - max(margin.get("r", 80), PAD_PX - 10)
    columns = _fit_columns(_column_px(spec, width), trace["header"]["values"], trace["cells"]["values"], size)
    header = [_wrapped(h, w, size) for h, w in zip(trace["header"]["values"], columns)]
    header_px = cell_height(max(map(len, header)), size, trace["header"].get("height") or 28)
    values = trace["cells"]["values"]
    cells = [[_wrapped(v, w, size) for v in column] for column, w in zip(values, columns)]
    least = trace["cells"].get("height") or 20
    rows = len(values[0])
    heights = [cell_height(max(len(c[i]) for c in cells), size, least) for i in range(rows)]
    room_px = room[1] - MARGIN_T - MARGIN_B - header_px - SAFETY_PX
    pages = _balanced(heights, room_px)
    out = []
    for first, last in pages:
        page = copy.deepcopy(spec)
        page_trace = page["data"][0]
        page_trace["header"]["values"] = ["<br>".join(h) for h in header]
        page_trace["columnwidth"] = [round(c, 2) for c in columns]
        page_cells = [["<br>".join(c) for c in column[first:last]] for column in cells]
        if first and not plain_text(values[0][first]):  # a group continued from the page before
            page_cells[0][0] = _group_name(values[0][:first], columns[0], size, heights[first], least)
        page_trace["cells"]["values"] = page_cells
        if isinstance(page_trace.get("customdata"), list):  # each row's evidence (tabular.evidence_cells)
            page_trace["customdata"] = page_trace["customdata"][first:last]
        fill = (page_trace["cells"].get("fill") or {}).get("color")
        if isinstance(fill, list) and fill and isinstance(fill[0], list):
            page_trace["cells"]["fill"]["color"] = [column[first:last] for column in fill]
        page_layout = page.setdefault("layout", {})
        page_layout["margin"] = {**margin, "t": MARGIN_T + 30, "b": MARGIN_B}  # +30: the title's room, freed on a slide
        page_layout["height"] = int(MARGIN_T + 30 + MARGIN_B + header_px + sum(heights[first:last]) + SAFETY_PX)
        page_layout["meta"] = {**(page_layout.get("meta") or {}), "table_rows": [first, last]}
        out.append(page)
    return out


def _group_name(above: list[str], width: float, size: float, row_px: float, least: float) -> str:
    """The name of the group a page's first row continues, marked as continued, wrapped; left
    empty if it would make the row taller than measured."""
    group = next((plain_text(v) for v in reversed(above) if plain_text(v)), "")
    for text in (group + CONTINUED, group):
        lines = _wrapped(text, width, size)
        if group and cell_height(len(lines), size, least) <= row_px:
            return "<br>".join(lines)
    return ""


def is_table_page(spec: dict) -> bool:
    """A page made by table_pages (its layout.meta names the rows it holds)."""
    meta = (spec.get("layout") or {}).get("meta")
    return isinstance(meta, dict) and "table_rows" in meta


def _fill(heights: list[float], limit: float) -> list[tuple[int, int]]:
    pages, start, used = [], 0, 0.0
    for i, h in enumerate(heights):
        if i > start and used + h > limit:
            pages.append((start, i))
            start, used = i, 0.0
        used += h
    pages.append((start, len(heights)))
    return pages


def _balanced(heights: list[float], limit: float) -> list[tuple[int, int]]:
    """Rows in pages no taller than limit; the fewest pages, then the lowest page height that
    still needs no more (even pages, as deck._fill_pages does for text)."""
    pages = _fill(heights, limit)
    if len(pages) > 1:
        low, high = max(heights), limit
        for _ in range(20):
            middle = (low + high) / 2
            low, high = (low, middle) if len(_fill(heights, middle)) == len(pages) else (middle, high)
        pages = _fill(heights, high)
    return pages
