"""A slide figure's legend as a key line: each entry a glyph in its trace's colour and its name,
flowed into measured rows (issue 15).

plotly's horizontal legend gives every entry the widest entry's width once it needs two rows and
wraps at the plot's width, so at slide sizes it stood one entry a line and pushed the margins.
The row slides (row_slide.py) and the line-panel slides (panel_slide.py) write it instead as one
annotation of markup above the plot, and place the plot by its measured height; both build it
here. (The heatmap's key of cell kinds is cell_grid's own: its entries are not traces.)
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.export.cell_grid import key_rows
from evidence.text_measure import _escape, plain_text

GLYPHS = {"circle": "●", "circle-open": "◯", "square": "■", "square-open": "□", "diamond": "◆",
          "diamond-open": "◇", "x": "✖", "cross": "✚", "triangle-up": "▲"}
"""A marker symbol as the character that draws it in the key."""
LINE_GLYPH = "——"
"""A line's entry (bold, in the line's colour)."""
GAP = "\u2003 "
"""Between two entries of a row (an em space and a space)."""
INK = "#1A1A1A"


@dataclass(frozen=True)
class KeyLine:
    text: str
    """Markup: the entries of each row joined by GAP, rows by <br> ('' when nothing is keyed)."""
    rows: int
    """Rows of text it takes."""


def keyed_traces(spec: dict) -> list[dict]:
    """The traces the figure's legend names (none when the legend is off); the right-hand text
    columns of a row figure ("column: ...") are axes, not entries."""
    if (spec.get("layout") or {}).get("showlegend") is False:
        return []
    return [t for t in spec.get("data", []) if t.get("showlegend") is not False and t.get("name")
            and not str(t["name"]).startswith("column: ")]


def glyph(trace: dict) -> str:
    """The entry's symbol as markup: a bold bar in the line's colour for a trace drawn as a line,
    else its marker's character in the marker's colour (a dot for a symbol not in GLYPHS)."""
    marker = trace.get("marker") or {}
    if "lines" in str(trace.get("mode") or "lines"):
        colour = (trace.get("line") or {}).get("color") or marker.get("color")
        return f'<span style="color:{colour if isinstance(colour, str) else INK}"><b>{LINE_GLYPH}</b></span>'
    symbol = marker.get("symbol") if isinstance(marker.get("symbol"), str) else "circle"
    colour = marker.get("color") if isinstance(marker.get("color"), str) else INK
    return f'<span style="color:{colour}">{GLYPHS.get(symbol, "●")}</span>'


def key_line(traces: list[dict], width: float, size: float, names: list[str] | None = None, title: str = "") -> KeyLine:
    """The traces' entries (names: their plain names, or the traces' own) after an optional
    title, flowed into rows no wider than `width` px at `size` (cell_grid.key_rows measures)."""
    names = [plain_text(t["name"]) for t in traces] if names is None else names
    if not traces:
        return KeyLine("", 0)
    glyphs = [glyph(t) for t in traces]
    markup = ([_escape(title)] if title else []) + [f"{g} {_escape(n)}" for g, n in zip(glyphs, names)]
    measured = ([title] if title else []) + [f"{plain_text(g)} {n}" for g, n in zip(glyphs, names)]
    rows = key_rows(measured, width, size)
    return KeyLine("<br>".join(GAP.join(markup[k] for k in row) for row in rows), len(rows))
