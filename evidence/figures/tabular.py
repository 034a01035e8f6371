"""A plotly table trace as a plain figure dict: for views whose content is text (baseline
characteristics, fatal events, findings), drawn the same way on screen and in the deck.

Every cell is data and goes through `theme.plain_text` here, once; callers pass raw strings.

Slides: the cells set no font size of their own, so they take the layout's font, which the slide
styling raises to 14 pt (evidence/export/slide_style.slide_text_sizes); a table too long for one
slide at that size goes over several (evidence/export/table_slide.py, by measured row heights),
never shrunk.

Evidence behind a row (issue 16 item 8): a table trace has no points plotly can click, so each cell
names the curated row it shows through `customdata` (per row, per column: an index into
`layout.meta.evidence`, a list of [trial_id, 'source: LOCATOR — “passage”'] written by
`theme.source_hover`, or None). assets/keyboard_points.js turns a click or Enter on a cell into
the graph's clickData (customdata [trial_id], hovertext the source line), so the Evidence box and
the highlight read it as they read any point's.
"""

from __future__ import annotations

import math
import re

from evidence import theme
from evidence.figures.marks import figure
from evidence.text_measure import plain_text as measured_text
from evidence.text_measure import text_width
from evidence.theme import plain_text, source_hover

ROW_HEIGHT = 30
CELL_PAD_PX = 8
"""plotly.js table cellPad: space above, below and beside a cell's text."""
SCREEN_FONT_PX = 14
"""The tables' text on screen: the layout font (theme.py); the header is bold."""
NARROWEST_PX = 700
"""The narrowest a table is drawn in the page without scrolling sideways: a card on a 768-1024 px
screen; a phone draws every plot at least 720 px wide (assets/views.css)."""
MARGIN_PX = 10
"""The table figure's left and right margins."""
CARD_PX = 1024
"""About a full-width card's table at 1366 x 768 (1044 px; the views' reference screen): the
figure's height (layout.height: the page's room for it, slides) is its rows' at this width or its
least width. A little under the card, as a page scrollbar takes some."""
WIDE_PX = 1560
"""About a full-width card's table at 1920 x 1080 (1598 px)."""
LINE = 1.3
"""plotly's line spacing, in font sizes."""
GLYPH = 1.15
"""Height of one line's glyph box, in font sizes (Liberation Sans, measured in Chromium)."""
HEADER_FILL = "#E8E8E8"
GROUP_FILL = "#F4F4F4"

CellEvidence = tuple[str, object, object]
"""(trial_id, source, passage) of the curated row a cell shows."""


def evidence_cells(evidence: list, columns: int) -> tuple[list[list[int | None]], list[list[str]]]:
    """(customdata, entries): per row and column the index of its evidence in `entries`
    ([trial_id, source hover line], each once). A row of `evidence` is one CellEvidence for all
    its cells, a list of one per column (None: the cell shows nothing curated), or None."""
    entries: list[list[str]] = []
    index: dict[tuple[str, str], int] = {}

    def position(item: CellEvidence | None) -> int | None:
        if item is None or not item[0] or item[1] is None or not str(item[1]).strip():
            return None
        key = (str(item[0]), source_hover(item[1], item[2]))
        if key not in index:
            index[key] = len(entries)
            entries.append(list(key))
        return index[key]

    customdata = []
    for row in evidence:
        cells = row if isinstance(row, list) else [row] * columns
        customdata.append([position(item) for item in cells])
    return customdata, entries


def table_figure(
    title: str,
    header: list[str],
    columns: list[list[str]],
    widths: list[float] | None = None,
    footnote: str = "",
    row_fill: list[str] | None = None,
    evidence: list | None = None,
) -> dict:
    """A table of `columns` (each a list of cell strings) under `header`; `row_fill` colours rows
    (e.g. a trial's first row); `evidence` per row the curated row(s) it shows (see
    `evidence_cells`), so a click shows its passage. Its columns hold their widest words
    (`fitted_columns`); its height is that of its rows as plotly wraps them (`table_height`) at a
    card's width, and layout.meta.heights gives it at its least width and on a wide screen: a
    table taller than its figure would scroll inside it, rows out of sight (at 768 px half the
    baseline table was)."""
    rows = len(columns[0]) if columns else 0
    if rows == 0:
        return theme.empty_figure_dict(title + ": nothing to show for the selected trials.")
    fill = row_fill or ["white"] * rows
    header_values = [f"<b>{plain_text(h)}</b>" for h in header]
    cell_values = [[plain_text(v) for v in column] for column in columns]
    shares, least_width = fitted_columns(header_values, cell_values, widths)
    trace = dict(
        type="table",
        columnwidth=shares,
        header=dict(values=header_values, fill=dict(color=HEADER_FILL), align="left", height=ROW_HEIGHT + 4),
        cells=dict(values=cell_values, align="left", fill=dict(color=[fill] * len(columns)), height=ROW_HEIGHT),
    )  # fmt: skip
    margin = dict(l=MARGIN_PX, r=MARGIN_PX, t=60, b=70 if footnote else 10)
    # the figure's height drawn at each width from its least up: the page picks the one for the
    # width it draws at (assets/lazy_draw.js), so no row is behind the table's own scroll
    heights = {w: math.ceil(margin["t"] + margin["b"] + 40 + table_height(trace, w - 2 * MARGIN_PX))
               for w in sorted({least_width, max(CARD_PX, least_width), max(WIDE_PX, least_width)})}
    layout = dict(title=dict(text=plain_text(title)), height=heights[max(CARD_PX, least_width)], margin=margin,
                  meta=dict(min_width=least_width, heights=[[w, h] for w, h in heights.items()],
                            shares=[float(w) for w in widths] if widths else None))
    if evidence is not None:
        trace["customdata"], layout["meta"]["evidence"] = evidence_cells(evidence, len(columns))
    if footnote:
        layout["annotations"] = [dict(
            # below the table by 40 px or more: a slide moves it into its footnote, where it wraps
            x=0, y=0, xref="paper", yref="paper", yshift=-40, xanchor="left", yanchor="top", align="left",
            showarrow=False, font=dict(size=12, color="#444"), text=plain_text(footnote),
        )]  # fmt: skip
    return figure([trace], layout)


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


def word_px(markup, size: float) -> float:
    """Width of a cell's widest word, padding included: a column narrower cuts it (plotly wraps a
    table cell at spaces only and clips what still runs past the column) or puts an empty line
    above it (`drawn_lines`)."""
    bold = "<b>" in str(markup)
    widest = max((text_width(w, size, bold) for w in measured_text(markup).split()), default=0.0)
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
