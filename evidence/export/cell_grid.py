"""Heatmap slides (the toxicity grid): cells, column headers, organ-class labels, colour bar and
legend fitted to the slide by measurement, so every row gets its 18 pt budget and every cell
text fits its cell.

On a 1203 px wide deck picture the in-app layout (headers rotated, the colour bar beside the
organ classes, a four-line legend) left about 17 px a row and 85 px a column: "≥ 28.6 (all grades
NR)" ran over three cells. Here, on the slide-sized figure dict (after `slide_text_sizes`):

- column headers stay horizontal, re-wrapped to the column width (words broken after hyphens);
  only a word wider than its column turns the headers upright, and the top margin holds them;
- a cell text wider than its cell is shortened where the meaning is said once elsewhere
  ("≥ 28.6 (all grades NR)" -> "≥ 28.6" when every lower bound on the figure misses the same
  grade: the legend says "≥ = lower bound (all grades NR)" and the footnote what NR means; a
  lower bound always keeps its ≥), else wrapped onto lines that the row height allows for;
- organ-class labels wrap to a measured column, and a row is tall enough for the longest;
- the colour bar lies flat in the header band above the organ classes (cells print their values,
  the bar only keys the colour), and the legend becomes a key line under the plot, one row or
  two by measurement (plotly's horizontal legend stood one entry a line at slide sizes).

`measure` gives the same geometry without changing anything, so the split (split.py) can put
as many rows on a slide as fit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from evidence.export.slide_style import BODY_PT, MIN_PX, PAD_PX, PX_PER_PT, _escape
from evidence.text_measure import plain_text, text_width, wrap_text
from evidence.figures.toxicity import run_labels

LINE = 1.3
"""plotly's line spacing for multi-line text (em)."""
ROW_BUDGET_PX = BODY_PT * 1.6 * PX_PER_PT
"""A labelled row at BODY_PT with air above and below (split.ROW_PT in px): the least a row gets."""
CELL_PAD_PX = 10
HEADER_GAP_PX = 6
"""Least gap between two neighbouring column headers."""
"""Room left in a cell beside its text (5 px a side)."""
LEGEND_GAP_PX = 30
"""Between two entries of the key line under the plot."""
COLOURBAR_THICKNESS = 14

_BOUND = re.compile(r"^(≥ \S+) \((.+ NR)\)$")
_SHORT = {"reported, no figures": "no figures"}
"""Sand cells: the colour and the legend entry say "reported, no figures (named in words only)"."""
_HOVER = re.compile(r"\s*\((?:[^()]*;\s*)?(?:method )?on hover\)$|\s*\([^()]*on hover\)$")
"""'... (computed; method on hover)': a slide has no hover."""


def is_cell_grid(spec: dict) -> bool:
    """A heatmap of labelled cells with its columns named on top (the toxicity grid)."""
    layout = spec.get("layout") or {}
    return (layout.get("xaxis") or {}).get("side") == "top" and (layout.get("yaxis") or {}).get("ticktext") is not None and any(
        t.get("type") == "heatmap" and t.get("text") is not None for t in spec.get("data", []))


@dataclass(frozen=True)
class GridFit:
    """Where the grid's parts go, in layout px."""

    left_px: float
    right_px: float
    col_px: float
    header_px: float
    legend_px: float
    row_px: float
    headers_upright: bool


def _font_px(node: dict | None, default: float = MIN_PX) -> float:
    return ((node or {}).get("size") or default)


def _run_label_text(annotation: dict) -> str:
    """An organ-class label's whole name (plain text): the screen figure cuts a name longer than
    its rows allow with "…" and keeps the whole name in the label's hover text."""
    return plain_text(annotation.get("hovertext") or annotation.get("text"))


def _two_line_px(text: str, size: float) -> float:
    """Narrowest width that holds text on at most two lines (broken at a space): the organ-class
    column, so 'General disorders and administration site conditions' takes two lines, not three."""
    words = text.split()
    if len(words) < 2:
        return text_width(text, size)
    return min(max(text_width(" ".join(words[:k]), size), text_width(" ".join(words[k:]), size)) for k in range(1, len(words)))


def _tokens(text: str) -> list[str]:
    """Words, with a hyphenated word breakable after each hyphen ("MRCC-SORAFENIB")."""
    return [piece for word in text.split() for piece in re.findall(r"[^-]+-|[^-]+$|-", word)]


def _wrap_breakable(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    for token in _tokens(text):
        joiner = "" if lines and lines[-1].endswith("-") else " "
        candidate = (lines[-1] + joiner + token) if lines else token
        if lines and text_width(candidate, size, bold) <= width:
            lines[-1] = candidate
        else:
            lines.append(token)
    return lines or [""]


def _header_lines(tick: str, width: float, size: float) -> tuple[list[str], float]:
    """A column header re-wrapped to width: markup lines (bold kept) and its widest token."""
    out, widest = [], 0.0
    for line in re.split(r"<br\s*/?>", str(tick), flags=re.I):
        bold = "<b>" in line
        text = plain_text(line)
        widest = max([widest] + [text_width(t, size, bold) for t in _tokens(text)])
        for piece in _wrap_breakable(text, width, size, bold):
            out.append(f"<b>{_escape(piece)}</b>" if bold else _escape(piece))
    return out, widest


def _rejoin(tick: str) -> str:
    """A header's first line (the trial) and the rest as one line, for re-wrapping by width (the
    app wrapped them at a fixed number of characters)."""
    lines = re.split(r"<br\s*/?>", str(tick), flags=re.I)
    rest = " ".join(plain_text(line) for line in lines[1:] if plain_text(line))
    return lines[0] + (f"<br>{_escape(rest)}" if rest else "")


def _legend_names(spec: dict, bound_note: str | None) -> list[str]:
    names = []
    for trace in spec.get("data", []):
        if trace.get("showlegend") is False or not trace.get("name") or trace.get("type") == "heatmap":
            continue
        names.append(_slide_legend_name(trace["name"], bound_note))
    return names


def _slide_legend_name(name: str, bound_note: str | None) -> str:
    """A legend entry in slide words: no hover to point to, the lower bounds' missing grade said
    once, the rest said in full in the footnote (the view's caption)."""
    if name.startswith("≥ = lower bound"):
        return f"≥ = lower bound ({bound_note})" if bound_note else "≥ = lower bound (a grade NR)"
    if name.startswith("reported, no figures"):
        return "no figures = named in words only"
    return _HOVER.sub(" (computed here)", name).replace("derived value (", "derived (")


def _glyph(trace: dict) -> str:
    """A legend key as a coloured character: a filled square for a cell colour, an open one for a
    transparent swatch, an open diamond for the derived-value mark."""
    marker = trace.get("marker") or {}
    symbol, colour = str(marker.get("symbol") or "square"), marker.get("color") or "#1A1A1A"
    if "diamond" in symbol:
        return f'<span style="color:{colour if isinstance(colour, str) else "#1A1A1A"}">◇</span>'
    if colour == "rgba(0,0,0,0)":
        return f'<span style="color:{(marker.get("line") or {}).get("color") or "#555"}">□</span>'
    return f'<span style="color:{colour}">■</span>'


def key_rows(names: list[str], width: float, size: float) -> list[list[int]]:
    """Legend entries (indices) flowed into rows no wider than width (measured): plotly's own
    horizontal legend gives every entry the widest entry's width once they need two rows, and
    wraps at the plot's width, so at slide sizes it stood one entry a line (four lines)."""
    rows: list[list[int]] = []
    used = 0.0
    for k, name in enumerate(names):
        entry = text_width("■ " + plain_text(name), size) + (LEGEND_GAP_PX if used else 0)
        if not rows or used + entry > width:
            rows.append([])
            used = 0.0
            entry = text_width("■ " + plain_text(name), size)
        rows[-1].append(k)
        used += entry
    return rows


def _bound_notes(spec: dict) -> set[str]:
    return {m.group(2) for t in _heatmaps(spec) for row in t["text"] for s in row if (m := _BOUND.match(_one_line(s)))}


def _one_line(cell) -> str:
    """A cell's text as one line: the screen figure breaks long cells with <br> to fit its
    columns; the slide measures and breaks them again."""
    return " ".join(str(cell or "").split("<br>"))


def _heatmaps(spec: dict) -> list[dict]:
    return [t for t in spec.get("data", []) if t.get("type") == "heatmap" and isinstance(t.get("text"), list)]


def _cell_text(text: str, room: float, size: float, one_bound_note: bool) -> list[str]:
    """A cell's lines on the slide: as drawn when it fits, else shortened (see the module
    docstring), else wrapped at spaces."""
    if not text or text_width(text, size) <= room:
        return [text]
    bound = _BOUND.match(text)
    if bound and one_bound_note:
        return [bound.group(1)]
    if bound and all(text_width(part, size) <= room for part in (bound.group(1), f"({bound.group(2)})")):
        return [bound.group(1), f"({bound.group(2)})"]  # "≥ 7.0" over "(G4 NR)": which grade, on two lines
    if text in _SHORT and text_width(_SHORT[text], size) <= room:
        return [_SHORT[text]]
    return wrap_text(text, room, size)


def _geometry(spec: dict, width: float) -> tuple[GridFit, dict]:
    layout = spec["layout"]
    xaxis, yaxis = layout["xaxis"], layout["yaxis"]
    row_size = _font_px(yaxis.get("tickfont"))
    left = max((text_width(plain_text(t), row_size) for t in yaxis.get("ticktext") or []), default=0) + 14
    labels = run_labels(layout)
    soc_size = max([_font_px(a.get("font")) for a in labels] or [MIN_PX])
    soc_texts = [_run_label_text(a) for a in labels]
    soc_px = max([_two_line_px(t, soc_size) for t in soc_texts] or [0])
    soc_lines = {id(a): wrap_text(t, soc_px, soc_size) for a, t in zip(labels, soc_texts)}
    right = (14 + soc_px + 8) if labels else PAD_PX
    span = abs((xaxis.get("range") or [-0.5, len(xaxis.get("tickvals") or [0]) - 0.5])[1]
               - (xaxis.get("range") or [-0.5, 0])[0]) or 1.0
    col = max(width - left - right, 100.0) / span
    head_size = _font_px(xaxis.get("tickfont"))
    headers = [_header_lines(_rejoin(t), col - HEADER_GAP_PX, head_size) for t in xaxis.get("ticktext") or []]
    upright = any(widest > col - HEADER_GAP_PX for _, widest in headers)
    if upright:  # a word wider than its column: the headers as drawn in the app, upright
        header_px = max(text_width(plain_text(line), head_size, "<b>" in line)
                        for t in xaxis.get("ticktext") or [""] for line in re.split(r"<br\s*/?>", str(t), flags=re.I)) + 12
    else:
        header_px = max((len(lines) for lines, _ in headers), default=1) * head_size * LINE + 12
    scaled = [t for t in spec.get("data", []) if "colorbar" in t and t.get("showscale") is not False]
    if scaled and labels:  # the bar lies flat above the organ classes: title, bar, tick labels
        header_px = max(header_px, MIN_PX * LINE + COLOURBAR_THICKNESS + 16)
    notes = _bound_notes(spec)
    cell_size = max([_font_px(t.get("textfont")) for t in _heatmaps(spec)] or [MIN_PX])
    cells = {id(t): [[_cell_text(_one_line(s), col - CELL_PAD_PX, cell_size, len(notes) == 1) for s in row] for row in t["text"]]
             for t in _heatmaps(spec)}
    cell_lines = max((len(lines) for grid in cells.values() for row in grid for lines in row), default=1)
    names = _legend_names(spec, next(iter(notes)) if len(notes) == 1 else None)
    legend_size = _font_px((layout.get("legend") or {}).get("font"))
    rows = key_rows(names, width - 2 * PAD_PX, legend_size)
    legend_px = len(rows) * legend_size * LINE + 14 if names else 12
    row_px = max(ROW_BUDGET_PX,
                 max((len(v) for v in soc_lines.values()), default=1) * soc_size * LINE + 6,
                 cell_lines * cell_size * LINE + 6)
    fit = GridFit(left, right, col, header_px, legend_px, row_px, upright)
    return fit, dict(headers=headers, soc_lines=soc_lines, soc_px=soc_px, cells=cells, names=names, scaled=scaled,
                     key_rows=rows, key_size=legend_size)


def measure(spec: dict, width: float) -> GridFit:
    """The grid's geometry on a slide-styled figure dict `width` px wide (nothing changed)."""
    return _geometry(spec, width)[0]


def rows_fitting(spec: dict, width: float, height: float) -> int:
    """Rows of at least their budget that fit in a figure area of width x height px."""
    fit = measure(spec, width)
    return max(1, int((height - fit.header_px - fit.legend_px) // fit.row_px))


def fit_cell_grid(spec: dict, width: float) -> GridFit:
    """Lay a slide-styled grid figure dict (in place) out as the module docstring says; the
    caller puts the header band (header_px) above the plot and the legend band below it."""
    fit, parts = _geometry(spec, width)
    layout = spec["layout"]
    xaxis = layout["xaxis"]
    # The header band is measured (header_px): plotly's automargin grew it again for the flat
    # colour bar in it, taking ~38 px from the rows (47 px rows where 55 px were planned, and two-line
    # organ classes of neighbouring rows touched).
    xaxis["automargin"] = False
    if fit.headers_upright:
        xaxis.update(tickangle=-90)
    else:
        xaxis.update(tickangle=0, ticktext=["<br>".join(lines) for lines, _ in parts["headers"]])
    for annotation in run_labels(layout):
        annotation["text"] = "<br>".join(_escape(line) for line in parts["soc_lines"][id(annotation)])
    for trace in _heatmaps(spec):
        # the builder escaped the data text once; lines are only rejoined
        trace["text"] = [["<br>".join(lines) for lines in row] for row in parts["cells"][id(trace)]]
    keyed = [t for t in spec.get("data", []) if t.get("showlegend") is not False and t.get("name") and t.get("type") != "heatmap"]
    entries = [f"{_glyph(t)} {_escape(plain_text(name))}" for t, name in zip(keyed, parts["names"])]
    for trace in keyed:
        trace["showlegend"] = False
    layout["showlegend"] = False
    plot_px = width - fit.left_px - fit.right_px
    if entries:  # the key, one or two measured lines under the plot, from the left pad
        layout.setdefault("annotations", []).append(dict(
            text="<br>".join("\u2003 ".join(entries[k] for k in row) for row in parts["key_rows"]),
            xref="paper", x=-(fit.left_px - PAD_PX) / plot_px, xanchor="left", yref="paper", y=0, yanchor="top", yshift=-6,
            align="left", showarrow=False, font=dict(size=parts["key_size"], color="#1A1A1A"),
        ))
    for trace in parts["scaled"]:
        bar = trace.setdefault("colorbar", {})
        # Flat over the organ classes, its tick labels (0% ... 60%) inside the column; no title:
        # the ticks and the slide's subtitle say what the colour is. Paper x: the container
        # reference drew the colour ramp a left margin away from its frame.
        inset = text_width("100%", MIN_PX) / 2 + 4
        bar.update(orientation="h", xref="paper", x=1 + (fit.right_px - PAD_PX - inset) / plot_px, xanchor="right",
                   yref="container", yanchor="top", lenmode="pixels", len=max(parts["soc_px"] - 2 * inset, 120),
                   thickness=COLOURBAR_THICKNESS, xpad=0, ypad=0, title=dict(text=""))
    margin = layout.setdefault("margin", {})
    margin.update(l=math.ceil(fit.left_px), r=math.ceil(fit.right_px), t=math.ceil(fit.header_px), b=math.ceil(fit.legend_px))
    return fit


def colour_bar_y(top_band: float, height: float) -> float:
    """Container y of the flat colour bar's top: just below the slide's title bands."""
    return max(0.0, 1 - (top_band + 4) / height)
