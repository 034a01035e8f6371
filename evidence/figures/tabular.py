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

from evidence import theme
from evidence.figures.marks import figure
from evidence.figures.table_geometry import MARGIN_PX, fitted_columns, table_height
from evidence.text_measure import markup_lines as lines
from evidence.theme import plain_text, source_hover

ROW_HEIGHT = 30
CARD_PX = 1024
"""About a full-width card's table at 1366 x 768 (1044 px; the views' reference screen): the
figure's height (layout.height: the page's room for it, slides) is its rows' at this width or its
least width. A little under the card, as a page scrollbar takes some."""
WIDE_PX = 1560
"""About a full-width card's table at 1920 x 1080 (1598 px)."""
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


def table_data(figure: dict) -> dict:
    """A `table_figure` as the table the browser draws instead of plotly (assets/text_table.js):
    title, column headers and widths (% of the table), rows (fill, cells: text lines, and the
    trial and source lines of the curated row a cell shows, for its hover and click) and the
    footnote, as plain text; for a figure without a table, its message alone (`empty`). plotly
    took ~280 ms to draw the findings' 2,000 px table as the sources tab opened (issue 13)."""
    layout = figure.get("layout") or {}
    trace = next((t for t in figure.get("data") or [] if t.get("type") == "table"), None)
    if trace is None:
        message = " ".join(" ".join(lines(a.get("text"))) for a in layout.get("annotations") or [])
        return {"kind": "text", "empty": message or "Nothing to show for the selected trials."}
    columns = trace["cells"]["values"]
    fills = trace["cells"].get("fill", {}).get("color") or [["white"] * len(columns[0])]
    entries = (layout.get("meta") or {}).get("evidence") or []
    customdata = trace.get("customdata") or [[None] * len(columns)] * len(columns[0])
    shares = trace.get("columnwidth") or [1] * len(columns)

    def cell(i: int, j: int) -> dict:
        index = customdata[i][j]
        trial, hover = entries[index] if index is not None else ("", "")
        return {"lines": lines(columns[j][i]), "trial": str(trial), "hover": lines(hover)}

    return {
        "kind": "text",
        "empty": "",
        "min_width": int((layout.get("meta") or {}).get("min_width") or 0),
        "title": " ".join(lines((layout.get("title") or {}).get("text"))),
        "header": [lines(h) for h in trace["header"]["values"]],
        "widths": [round(100 * float(s) / sum(shares), 2) for s in shares],
        "rows": [{"fill": str(fills[0][i]), "cells": [cell(i, j) for j in range(len(columns))]} for i in range(len(columns[0]))],
        "footnote": " ".join(" ".join(lines(a.get("text"))) for a in layout.get("annotations") or []),
    }
