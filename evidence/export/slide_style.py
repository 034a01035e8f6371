"""Slide restyling: a figure copied onto a white 16:9 canvas with a title, the filters and a
footnote, and drawn as one finished slide image."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Callable

import plotly.graph_objects as go

from evidence.export.engine import figure_image
from evidence.figures.marks import margins_by_plotly
from evidence.text_measure import _escape, markup_width, plain_text, text_width, wrap_markup, wrap_text

SLIDE_PX = (3840, 2160)
"""Pixel size of every 16:9 PNG export: sharp full-screen on a 4K projector."""
CANVASES = ((1280, 720),)
"""The 16:9 layout size (CSS px) of a slide image: 1280 px across 13.333 in is 96 px per inch,
so 1 layout px is 0.75 pt on the slide (the CSS ratio), and the point sizes below hold. A
figure too dense for it is split over several slides (evidence/export/split.py), not shrunk."""

SLIDE_WIDTH_IN = 13.333
PX_PER_IN = 96
PX_PER_PT = PX_PER_IN / 72
MIN_PT = 14
"""Smallest text on a slide (ticks, cell values, legend, notes): readable from the back of a room."""
BODY_PT = 18
"""Body labels (axis titles, row labels, subtitles)."""
HEADING_PT = 28
"""Slide titles."""


def pt_to_px(points: float) -> int:
    """Layout px (at PX_PER_IN) that are at least `points` pt on the slide."""
    return int(-(-points * PX_PER_PT // 1))


FONT_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif"
INK = "#1A1A1A"
MUTED = "#444444"
PAD_PX = 36
TITLE_PX = pt_to_px(HEADING_PT)
SUBTITLE_PX = pt_to_px(BODY_PT)
FOOTNOTE_PX = pt_to_px(MIN_PT)
BASE_FONT_PX = pt_to_px(MIN_PT)
MIN_PX = pt_to_px(MIN_PT)
BODY_PX = pt_to_px(BODY_PT)
LINE_PX = 3
"""Thinnest data line on a slide (2.25 pt): visible on a projector."""
MARKER_PX = 13
"""Smallest marker diameter on a slide."""
SLIDE_BARGAP = 0.1
"""Gap between the rows of grouped horizontal bars on a slide (share of a row): thicker bars."""
COUNT_BAR_PX = math.ceil(MIN_PX * 1.1) + 3
"""Least thickness of a bar whose count is written beside it: the count's text box (Chromium
measures a Liberation Sans line 1.1 em tall: 21 px at 19 px) and a gap, so the counts of
neighbouring bars never touch."""

def _layout_value(fig: go.Figure | dict, path: str):
    """A layout value at a dotted path ('margin.t', 'title.subtitle.text') of a go.Figure or a
    figure dict, None when unset (a dict's string title counts as its text)."""
    if isinstance(fig, go.Figure):
        node = fig.layout
        for key in path.split("."):
            node = getattr(node, key, None)
            if node is None:
                return None
        return node
    node = fig.get("layout") or {}
    for key in path.split("."):
        if isinstance(node, str):
            node = {"text": node}
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _margin(fig: go.Figure | dict, side: str) -> int:
    value = _layout_value(fig, f"margin.{side}")
    if value is None:
        value = _layout_value(fig, f"template.layout.margin.{side}")
    return int(value) if value is not None else {"l": 80, "r": 80, "t": 100, "b": 80}[side]


def figure_title(fig: go.Figure | dict) -> str:
    return plain_text(_layout_value(fig, "title.text"))


def _figure_subtitle(fig: go.Figure | dict) -> str:
    return str(_layout_value(fig, "title.subtitle.text") or "")


def _lines(markup: str) -> int:
    return len(re.split(r"<br\s*/?>", markup, flags=re.I)) if markup else 0


@dataclass(frozen=True)
class _Blocks:
    title: str
    subtitle: str
    footnote: str
    top_px: float
    bottom_px: float


def _blocks(fig: go.Figure | dict, title: str, subtitle: str, footnote: str, width: int) -> _Blocks:
    usable = width - 2 * PAD_PX
    title_lines = wrap_text(plain_text(title), usable, TITLE_PX, bold=True) if title.strip() else []
    own = wrap_markup(_figure_subtitle(fig), usable, SUBTITLE_PX)
    sub_lines = wrap_text(subtitle, usable, SUBTITLE_PX) if subtitle.strip() else []
    sub_markup = "<br>".join(([own] if own else []) + [_escape(line) for line in sub_lines])
    foot_lines = wrap_text(footnote, usable, FOOTNOTE_PX) if footnote.strip() else []
    top = 20 + len(title_lines) * TITLE_PX * 1.25 + (18 if len(title_lines) > 1 else 0)
    top += (10 if title_lines and sub_markup else 0) + _lines(sub_markup) * SUBTITLE_PX * 1.35 + 16
    bottom = (len(foot_lines) * FOOTNOTE_PX * 1.3 + 26) if foot_lines else 0
    return _Blocks(
        title="<br>".join(f"<b>{_escape(line)}</b>" for line in title_lines),
        subtitle=sub_markup,
        footnote="<br>".join(_escape(line) for line in foot_lines),
        top_px=top,
        bottom_px=bottom,
    )


def _title_room(fig: go.Figure | dict) -> float:
    """Top-margin px the figure's own title (and subtitle) used: freed when ours replaces it."""
    if not figure_title(fig):
        return 0.0
    room = min(_margin(fig, "t") / 2, 45.0)
    own = _figure_subtitle(fig)
    if own:
        size = _layout_value(fig, "title.subtitle.font.size") or 12
        room += _lines(own) * size * 1.3
    return room


def presentation_height(fig: go.Figure | dict, title: str = "", subtitle: str = "", footnote: str = "",
                        width: int = 1280) -> float:
    """Layout px a figure needs: its own height plus our title, subtitle and footnote bands."""
    natural = _layout_value(fig, "height") or 450
    blocks = _blocks(fig, title, subtitle, footnote, width)
    return natural - _title_room(fig) + blocks.top_px + blocks.bottom_px


def _floor(spec: dict, path: str, px: int) -> None:
    """spec[a][b]...['size'] raised to at least px (dicts created on the way)."""
    node = spec
    for key in path.split(".") if path else ():
        node = node.setdefault(key, {})
    font = node.setdefault("font", {}) if not path.endswith(("font", "tickfont", "textfont")) else node
    font["size"] = max(font.get("size") or 0, px)


def _is_figure_note(annotation) -> bool:
    """A sentence under the plot (key to symbols, 'NR = not reported'): paper-anchored, below
    the axis. On a slide it moves into the footnote band, where it wraps."""
    get = annotation.get if isinstance(annotation, dict) else lambda k: getattr(annotation, k)
    below = get("y") is not None and get("y") <= 0 and (get("yshift") or 0) <= -40
    return get("xref") == "paper" and get("yref") == "paper" and below


def slide_text_sizes(spec: dict) -> list[str]:
    """Raise every text size, marker and line of a figure dict (fig.to_dict(), in place) to
    what a room can read at PX_PER_IN: ticks, cell values, legend and notes MIN_PT; axis
    titles, row labels and panel headings BODY_PT; lines LINE_PX, markers MARKER_PX. Sentences
    under the plot are removed and returned (plain text) for the slide's footnote. Works on
    the dict: setting the same properties on a go.Figure validates each and took seconds."""
    layout = spec.setdefault("layout", {})
    _floor(layout, "font", MIN_PX)
    _floor(layout, "legend.font", MIN_PX)
    _floor(layout, "legend.title.font", MIN_PX)
    if layout["legend"].get("orientation") == "h":
        # A row of legend entries that flows (not one block per trial and arm, each on its own
        # lines): at slide sizes grouped blocks took a third of the dose-ramp picture.
        layout["legend"].update(traceorder="normal", tracegroupgap=0, entrywidth=0, entrywidthmode="pixels")
    if (layout.get("title") or {}).get("subtitle", {}).get("text"):
        _floor(layout, "title.subtitle.font", MIN_PX)
    for name in [k for k in layout if k.startswith(("xaxis", "yaxis"))]:
        axis = layout[name]
        rows = name.startswith("yaxis") and axis.get("ticktext") is not None
        _floor(axis, "tickfont", BODY_PX if rows else MIN_PX)
        title = axis.setdefault("title", {})
        if isinstance(title, str):
            axis["title"] = title = {"text": title}
        _floor(title, "font", BODY_PX)
        axis["automargin"] = True
    margins_by_plotly(layout)  # the screen's column gaps were measured at its text sizes
    if layout.get("barmode") == "group" and any(t.get("type") == "bar" and t.get("orientation") == "h" for t in spec.get("data", [])):
        layout["bargap"] = SLIDE_BARGAP  # split.py gives each row room for one count a bar
    notes, kept = [], []
    for annotation in layout.get("annotations", []):
        if _is_figure_note(annotation):
            notes.append(plain_text(annotation.get("text")))
            continue
        size = (annotation.get("font") or {}).get("size") or 0
        heading = size >= 14 and annotation.get("yref") == "paper"
        _floor(annotation, "font", BODY_PX if heading else MIN_PX)
        kept.append(annotation)
    if "annotations" in layout:
        layout["annotations"] = kept
    if notes:
        margin = layout.setdefault("margin", {})
        margin["b"] = min(margin.get("b", 100), 100)
    labels_right = any(a.get("xref") == "paper" and (a.get("x") or 0) >= 1 for a in kept)
    for trace in spec.get("data", []):
        if labels_right and trace.get("colorbar") is not None and trace.get("showscale") is not False:
            # Labels beside the plot (organ classes) would run under the colour bar at slide
            # sizes: the bar goes to the figure's right edge, with room made for it.
            trace["colorbar"].update(xref="container", x=1, xanchor="right", xpad=16)
            margin = layout.setdefault("margin", {})
            margin["r"] = margin.get("r", 80) + 110
    for trace in spec.get("data", []):
        kind = trace.get("type", "scatter")
        if kind in ("scatter", "heatmap", "bar"):
            _floor(trace, "textfont", MIN_PX)
        if "colorbar" in trace:
            _floor(trace, "colorbar.tickfont", MIN_PX)
            _floor(trace, "colorbar.title.font", MIN_PX)
        if kind != "scatter":
            continue
        mode = trace.get("mode") or "lines"
        if "lines" in mode:
            line = trace.setdefault("line", {})
            line["width"] = max(line.get("width") or 2, LINE_PX)
        if "markers" in mode:
            marker = trace.setdefault("marker", {})
            size = marker.get("size")
            if size is None or isinstance(size, (int, float)):
                marker["size"] = max(size or 6, MARKER_PX)
            else:
                marker["size"] = [max(float(v), MARKER_PX) for v in _array(size)]
        for bar in ("error_x", "error_y"):
            error = trace.get(bar)
            if error and error.get("visible") is not False:
                error["thickness"] = max(error.get("thickness") or 2, LINE_PX)
                error["width"] = max(error.get("width") or 4, 8)
    return notes


def _array(value) -> list:
    """A list from a plotly array, also plotly 7's base64 form {'dtype', 'bdata'}."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def _paper_px(layout: dict, width: int) -> float:
    """Estimated plot-area width in px: the canvas less the margins, the left one grown (as
    plotly's automargin does) to the widest row label and the y axis title."""
    margin = layout.get("margin") or {}
    left = margin.get("l", 80)
    for name in [k for k in layout if k.startswith("yaxis")]:
        axis = layout[name]
        if axis.get("visible") is False or axis.get("showticklabels") is False or axis.get("side") == "right":
            continue
        size = (axis.get("tickfont") or {}).get("size") or MIN_PX
        labels = axis.get("ticktext") or []
        needed = max((markup_width(t, size) for t in labels), default=3 * size) + 12
        if (axis.get("title") or {}).get("text"):
            needed += ((axis["title"].get("font") or {}).get("size") or BODY_PX) * 1.6
        left = max(left, needed)
    return max(width - left - margin.get("r", 80), 200.0)


_SIDE = re.compile(r"(left|right)$")


def _fit_side_labels(spec: dict, width: int) -> None:
    """x ranges widened so value labels written left or right of a marker (response rates:
    experimental arm left, control right) are not cut off by their panel's edge."""
    layout = spec["layout"]
    paper = _paper_px(layout, width)
    need: dict[str, list[float]] = {}
    for trace in spec.get("data", []):
        side = _SIDE.search(str(trace.get("textposition") or ""))
        texts, xs = trace.get("text"), trace.get("x")
        if trace.get("type", "scatter") != "scatter" or not side or not isinstance(texts, list) or not isinstance(xs, list):
            continue
        name = "xaxis" + str(trace.get("xaxis", "x"))[1:]
        axis = layout.get(name) or {}
        if not isinstance(axis.get("range"), list) or axis.get("type") in ("log", "date", "category"):
            continue
        size = (trace.get("textfont") or {}).get("size") or MIN_PX
        marker = (trace.get("marker") or {}).get("size") or MARKER_PX
        label_px = max((markup_width(t, size) for t in texts if t), default=0) + marker / 2 + 6
        low, high = need.setdefault(name, list(axis["range"]))
        for x in (v for v in xs if isinstance(v, (int, float))):
            for _ in range(3):  # widening the range shrinks the px per unit: settle in a few steps
                span_px = paper * (lambda d: d[1] - d[0])(axis.get("domain") or [0, 1])
                units = label_px * (high - low) / span_px
                if side.group(1) == "left":
                    low = min(low, x - units)
                else:
                    high = max(high, x + units)
        need[name] = [low, high]
    for name, rng in need.items():
        layout[name]["range"] = rng


def _fit_axis_titles(spec: dict, width: int) -> None:
    """An x axis title wider than the plot (long row labels leave a narrow one) wrapped onto
    lines as wide as the plot: plotly centres it on the plot, and it ran off the picture."""
    layout = spec["layout"]
    paper = _paper_px(layout, width)
    for name in [k for k in layout if k.startswith("xaxis")]:
        title = layout[name].get("title") or {}
        text = title.get("text") if isinstance(title, dict) else None
        if not text or "<br" in str(text):
            continue
        size = (title.get("font") or {}).get("size") or BODY_PX
        span = paper * (lambda d: d[1] - d[0])(layout[name].get("domain") or [0, 1])
        if text_width(plain_text(text), size) > span:
            title["text"] = "<br>".join(_escape(line) for line in wrap_text(plain_text(text), span, size))


def figure_notes(fig: go.Figure | dict) -> list[str]:
    """The sentences under a figure's plot that a slide moves into its footnote (plain text)."""
    annotations = _layout_value(fig, "annotations") or ()
    return [plain_text(a.get("text") if isinstance(a, dict) else a.text) for a in annotations if _is_figure_note(a)]


def _merge(target: dict, changes: dict) -> None:
    """changes written into target, nested dicts merged key by key (what update_layout does)."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def presentation_figure(fig: go.Figure | dict, title: str, subtitle: str = "", footnote: str = "",
                        *, width: int = 1280, height: int = 720, notes: bool = True) -> go.Figure:
    """presentation_spec as a go.Figure (not validated again: the view built it valid)."""
    return go.Figure(presentation_spec(fig, title, subtitle, footnote, width=width, height=height, notes=notes),
                     _validate=False)


def presentation_spec(fig: go.Figure | dict, title: str, subtitle: str = "", footnote: str = "",
                      *, width: int = 1280, height: int = 720, notes: bool = True, owned: bool = False) -> dict:
    """A restyled copy for slides, as a figure dict (what the image engine draws): white, larger
    base font, sized width x height (layout px), with a bold title, a subtitle (e.g. the active
    filters) under the figure's own subtitle, and a footnote (sources, derived/model-based
    labels) across the bottom. Plain-text arguments are escaped and wrapped to the width. Empty
    title: the figure's own title is removed (a slide shows it as text instead). Text, markers
    and lines are raised to slide sizes (slide_text_sizes); the figure's own notes join the
    footnote unless notes=False (a deck writes them in its footnote text box). owned=True: fig
    is a dict the caller gives away, changed in place instead of copied.

    Works on the dict throughout: plotly's validated update_layout took ~0.1 s a slide (most of
    a deck's time outside Chromium), and the engine draws a dict anyway."""
    if isinstance(fig, go.Figure):
        spec = fig.to_dict()
    else:
        spec = fig if owned else copy.deepcopy(fig)
    spec.setdefault("layout", {})
    # The figure's own top band and height, read before the slide sizes change its subtitle font.
    own_top, own_title_room = _margin(spec, "t"), _title_room(spec)
    natural = spec["layout"].get("height") or height
    moved = slide_text_sizes(spec)
    from evidence.export import cell_grid, panel_slide, table_slide  # they measure with this module's sizes

    if notes:
        footnote = " ".join(filter(None, [*moved, footnote]))
    blocks = _blocks(spec, title, subtitle, footnote, width)
    grid = cell_grid.fit_cell_grid(spec, width) if cell_grid.is_cell_grid(spec) else None
    panel = None
    if panel_slide.is_panel_slide(spec):  # a dose-ramp panel: every margin measured (panel_slide.py)
        band = blocks.top_px if (blocks.title or blocks.subtitle) else 8
        panel = panel_slide.fit_panel(spec, width, height, band, blocks.bottom_px)
    _fit_side_labels(spec, width)
    _fit_axis_titles(spec, width)
    layout = spec["layout"]
    base_bottom = panel.bottom_px if panel else _margin(spec, "b")
    top = max(own_top - own_title_room, 10) + blocks.top_px
    if panel is not None:
        top = panel.top_px
    if table_slide.is_table_page(spec):  # a text table starts right under the slide's bands (table_slide.py)
        top = (blocks.top_px if (blocks.title or blocks.subtitle) else 0) + table_slide.TOP_PX
    if grid is not None:  # a cell grid's header band is measured (cell_grid.py), the figure's own title gone
        top = blocks.top_px + grid.header_px
        for trace in spec.get("data", []):
            if trace.get("type") == "heatmap" and (trace.get("colorbar") or {}).get("orientation") == "h":
                trace["colorbar"]["y"] = cell_grid.colour_bar_y(blocks.top_px, height)
    bottom = base_bottom + blocks.bottom_px
    heading = blocks.title or blocks.subtitle
    heading_px = TITLE_PX if blocks.title else SUBTITLE_PX
    # plotly lifts a multi-line title anchored at the top by about 0.7 of a line: put it back.
    lift = round(0.7 * heading_px) if _lines(heading) > 1 else 0
    _merge(layout, dict(
        width=width,
        height=height,
        autosize=False,
        paper_bgcolor="white",
        plot_bgcolor="white",
        font=dict(family=FONT_FAMILY, size=max(BASE_FONT_PX, (layout.get("font") or {}).get("size") or 0), color=INK),
        margin=dict(t=top, b=bottom, l=panel.left_px if panel else max(_margin(spec, "l"), PAD_PX - 10),
                    r=panel.right_px if panel else max(_margin(spec, "r"), PAD_PX - 10)),
        title=dict(
            text=heading,
            x=0, xref="container", xanchor="left",
            y=1, yref="container", yanchor="top",
            pad=dict(t=20 + lift, l=PAD_PX, r=PAD_PX, b=0),
            font=dict(family=FONT_FAMILY, size=heading_px, color=INK if blocks.title else MUTED),
            subtitle=dict(
                text=blocks.subtitle if blocks.title else "",
                font=dict(family=FONT_FAMILY, size=SUBTITLE_PX, color=MUTED),
            ),
        ),
    ))
    _keep_container_legend(layout, natural, height, top - own_top, blocks.bottom_px)
    if blocks.footnote:
        layout.setdefault("annotations", []).append(dict(
            text=blocks.footnote,
            # Anchored at the right edge (the left margin may grow to fit tick labels; the right
            # one does not) with a fixed width, so the box always spans the page between pads.
            x=1, xref="paper", xanchor="right", xshift=_margin(spec, "r") - PAD_PX,
            y=0, yref="paper", yanchor="top", yshift=-(base_bottom + 12),
            width=width - 2 * PAD_PX, align="left", showarrow=False,
            font=dict(family=FONT_FAMILY, size=FOOTNOTE_PX, color=MUTED),
        ))
    return spec


def _keep_container_legend(layout: dict, natural: float, height: int, top_shift: float,
                           bottom_band: float) -> None:
    """A legend placed relative to the whole figure (yref container) keeps its pixel distance
    from the edge it hugs, moved past the bands added at that edge."""
    legend = layout.get("legend") or {}
    if legend.get("yref") != "container" or legend.get("y") is None:
        return
    if legend["y"] >= 0.5:
        distance = (1 - legend["y"]) * natural + top_shift
        legend["y"] = max(0.0, 1 - distance / height)
    else:
        distance = legend["y"] * natural + bottom_band
        legend["y"] = min(1.0, distance / height)


SQUEEZE = 0.9
"""Figures may be drawn this much shorter than their own height (most have air to spare)."""


def slide_canvas(needed_height: float) -> tuple[int, int, float]:
    """(width, height, scale) of the smallest 16:9 canvas tall enough for needed_height (less
    the allowed squeeze); every one renders to SLIDE_PX."""
    for width, height in CANVASES:
        if height >= needed_height * SQUEEZE:
            return width, height, SLIDE_PX[0] / width
    width, height = CANVASES[-1]
    return width, height, SLIDE_PX[0] / width


def slide_job(fig: go.Figure | dict, fmt: str, title: str, subtitle: str = "", footnote: str = "") -> tuple:
    """(styled figure dict, format, width, height, scale) that draws one figure as a finished
    16:9 slide image (title, filters, footnote), 3840 x 2160 px."""
    needed = presentation_height(fig, title, subtitle, footnote, CANVASES[0][0])
    width, height, scale = slide_canvas(needed)
    styled = presentation_spec(fig, title, subtitle, footnote, width=width, height=height)
    return styled, fmt, width, height, scale


def slide_image(fig: go.Figure | dict, fmt: str, title: str, subtitle: str = "", footnote: str = "",
                render: Callable[..., bytes] | None = None) -> bytes:
    """One figure as a finished 16:9 slide image (title, filters, footnote), 3840 x 2160 px."""
    styled, fmt, width, height, scale = slide_job(fig, fmt, title, subtitle, footnote)
    return (render or figure_image)(styled, fmt, width=width, height=height, scale=scale)
