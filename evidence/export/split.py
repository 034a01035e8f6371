"""Dense figures split over several slides instead of shrinking their text.

A slide holds about ROWS_PER_SLIDE labelled rows at BODY_PT (18 pt labels, 1.6 lines apart,
in the 5 inches a figure gets between title and footnote). Two ways to split, both on the
finished figure so the view's own choices (top-N terms, page of trials, sort) still apply:

- by rows: a figure with one row axis (toxicity heatmap, forest plot, medians) shows a window
  of rows per slide; the axis range is narrowed, so cells, markers, labels and row-anchored
  annotations outside the window are not drawn (plotly clips data to the axis range and hides
  annotations off the axis);
- by panel: a figure of vertically stacked panels (design vs outcome) gives one slide per panel.
"""

from __future__ import annotations

import copy
import math

import plotly.graph_objects as go

from evidence.export import cell_grid, design_slide, panel_slide, rates_slide, row_slide, table_slide
from evidence.export.deck import figure_slide_layout
from evidence.export.figure_parts import axis_ref as _ref
from evidence.export.slide_style import (
    BODY_PT, CANVASES, COUNT_BAR_PX, PX_PER_IN, PX_PER_PT, SLIDE_BARGAP, _blocks, _title_room, figure_notes, slide_text_sizes,
)

FIGURE_HEIGHT_IN = 5.0
"""Height a figure gets on a slide between the title bands and the footnote."""
ROW_PT = BODY_PT * 1.6
"""One labelled row: an 18 pt label with air above and below."""


def _y_names(fig: go.Figure) -> list[str]:
    return sorted((k for k in fig.layout if k.startswith("yaxis")), key=lambda k: int(k[5:] or 1))


def rows_per_slide(fig: go.Figure) -> int:
    """Labelled rows that fit at BODY_PT in the plot area left by the figure's top and bottom
    margins (at least 3)."""
    return max(3, int(_plot_pt(fig) // ROW_PT))


def _plot_pt(fig: go.Figure) -> float:
    margin = fig.layout.margin
    used_px = (margin.t if margin.t is not None else 60) + (margin.b if margin.b is not None else 60)
    return max(FIGURE_HEIGHT_IN * 72 - used_px / PX_PER_PT, 3 * ROW_PT)


def _row_axis(fig: go.Figure) -> str | None:
    names = [n for n in _y_names(fig) if fig.layout[n].visible is not False]
    if len(names) != 1:
        return None
    axis = fig.layout[names[0]]
    if axis.tickvals is None or axis.ticktext is None or axis.range is None:
        return None
    return names[0]


DEFAULT_ROOM = (1203.0, 440.0)
"""Layout px a figure gets on a deck slide with a one-line title and subtitle and a five-line
footnote (12.53 x 4.72 in, less the picture's top pad): used when the slide's texts are not given."""


def figure_room(fig: go.Figure, title: str, subtitle: str = "", footnote: str = "") -> tuple[float, float]:
    """(width, height) layout px the figure itself gets on the tighter of its two slide forms: the
    deck picture (title, subtitle and footnote are slide text beside it) and the 1280 x 720
    image (they are bands inside it). The title is taken with a "(10 of 10)" suffix."""
    title = f"{title} (10 of 10)"
    notes = " ".join(filter(None, [*figure_notes(fig), footnote]))
    box = figure_slide_layout(title, subtitle, notes).picture_box
    deck_w, deck_h = box[2] * PX_PER_IN, box[3] * PX_PER_IN - _blocks(fig, "", "", "", int(box[2] * PX_PER_IN)).top_px
    width, height = CANVASES[0]
    bands = _blocks(fig, title, subtitle, notes, width)
    return min(deck_w, width), min(deck_h, height - bands.top_px - bands.bottom_px)


def split_rows(fig: go.Figure, max_rows: int | None = None, room: tuple[float, float] | None = None) -> list[go.Figure]:
    """Copies of a one-row-axis figure showing at most max_rows rows each (balanced, in the
    order the figure shows them); [fig] when it fits or has no row axis. A cell grid (the
    toxicity heatmap) takes as many rows a slide as fit in `room` (figure_room; DEFAULT_ROOM)
    once its headers, legend and organ classes are laid out for the slide (cell_grid.py)."""
    name = _row_axis(fig)
    if name is None:
        return [fig]
    grid_rows = _grid_rows(fig, room or DEFAULT_ROOM)
    if grid_rows is None:
        grid_rows = _bar_rows(fig, room or DEFAULT_ROOM)
    if grid_rows is not None:
        max_rows = min(max_rows or grid_rows, grid_rows)
    axis = fig.layout[name]
    low, high = axis.range
    reversed_axis = low > high  # heatmap rows: first row at the top
    ticks = sorted({float(v) for v in axis.tickvals}, reverse=not reversed_axis)  # top row first
    top_pad, bottom_pad = abs(high - ticks[0]), abs(low - ticks[-1])  # range runs bottom -> top
    gap = min((abs(a - b) for a, b in zip(ticks, ticks[1:])), default=1.0) or 1.0
    # Axis units a slide can show: the closest two rows must be ROW_PT apart.
    span = _plot_pt(fig) * gap / ROW_PT if grid_rows is None else math.inf  # a grid counts rows (above)
    limit = max_rows or len(ticks)
    if len(ticks) <= limit and abs(ticks[0] - ticks[-1]) + top_pad + bottom_pad <= span:
        return [fig]
    # Rows as close as the closest pair belong together (a trial's assumed and observed rows):
    # windows are cut between such groups only.
    gaps = [abs(a - b) for a, b in zip(ticks, ticks[1:])]
    uneven = bool(gaps) and max(gaps) > 1.5 * gap
    groups: list[list[float]] = []
    for tick in ticks:
        if uneven and groups and abs(tick - groups[-1][-1]) <= gap * 1.01:
            groups[-1].append(tick)
        else:
            groups.append([tick])
    windows: list[list[float]] = [[]]
    for group in groups:
        window = windows[-1]
        if window and (len(window) + len(group) > limit or abs(group[-1] - window[0]) + top_pad + 0.5 * gap > span):
            windows.append([])
        windows[-1].extend(group)
    if len(windows) == 1:  # too tall but one row: nothing to split
        return [fig]
    if not uneven:  # evenly spaced rows: as many on every slide as can be (25 on 7: 4 4 4 4 3 3 3, not ... 4 1)
        size, extra = divmod(len(ticks), len(windows))
        starts = [k * size + min(k, extra) for k in range(len(windows) + 1)]
        windows = [ticks[a:b] for a, b in zip(starts, starts[1:])]
    # The windows are made on the plain dict: reading shapes and annotations through go.Figure's
    # properties (each access validated) took over a third of a deck's time without drawing.
    whole = fig.to_dict()
    between = 0.5 * gap  # below a window's last row: half a row (the last window keeps the figure's own pad)
    out = []
    for number, window in enumerate(windows):
        pad_top = top_pad  # every window keeps the room above its first row (column headers move there)
        if counted_bar_slots(fig) and number:  # no sliver of the previous row's bars above the first
            pad_top = min(top_pad, between)
        pad_bottom = bottom_pad if number == len(windows) - 1 else between
        if reversed_axis:
            rng = [window[-1] + pad_bottom, window[0] - pad_top]
        else:
            rng = [window[-1] - pad_bottom, window[0] + pad_top]
        spec = copy.deepcopy(whole)  # the view's figure is memoised and shared
        spec["layout"][name].update(range=rng, autorange=False)
        _keep_headers(spec["layout"], name, ticks[0], window[0], reversed_axis)
        _keep_run_labels(spec["layout"], name, window)
        out.append(go.Figure(spec, _validate=False))
    return out


def _grid_rows(fig: go.Figure, room: tuple[float, float]) -> int | None:
    """Rows a slide holds of a cell grid (None for other figures), measured on its slide styling."""
    spec = fig.to_dict()
    if not cell_grid.is_cell_grid(spec):
        return None
    slide_text_sizes(spec)
    return cell_grid.rows_fitting(spec, *room)


def counted_bar_slots(fig: go.Figure) -> int:
    """Bars a row of a grouped horizontal bar chart holds when each writes its count beside it
    (plotly gives every bar trace a slot in every row); 0 for other figures."""
    bars = [t for t in fig.data if t.type == "bar" and t.orientation == "h" and t.text is not None]
    return len(bars) if fig.layout.barmode == "group" and len(bars) > 1 else 0


def _bar_rows(fig: go.Figure, room: tuple[float, float]) -> int | None:
    """Rows a slide holds of grouped bars with their counts beside them (None for other figures):
    each bar at least one count's text box tall plus a gap (slide_style.COUNT_BAR_PX), so the
    counts of neighbouring bars never touch; measured in the plot height the room leaves."""
    slots = counted_bar_slots(fig)
    if not slots:
        return None
    margin = fig.layout.margin
    top = (margin.t if margin.t is not None else 60) - _title_room(fig)  # the slide's title replaces the figure's
    plot_px = room[1] - top - (margin.b if margin.b is not None else 60)
    row_px = max(ROW_PT * PX_PER_PT, slots * COUNT_BAR_PX / (1 - SLIDE_BARGAP))
    return max(1, int(plot_px // row_px))


def _keep_run_labels(layout: dict, name: str, window: list[float]) -> None:
    """A label beside a run of rows (an organ class, with its bracket) that the window cuts
    moves to the middle of the run's rows on this slide; centred on the whole run it could sit
    off the slide, leaving a bare bracket. Works on the part's layout dict, in place."""
    ref = _ref(name)
    first, last = min(window), max(window)
    brackets = [(min(s["y0"], s["y1"]), max(s["y0"], s["y1"])) for s in layout.get("shapes") or []
                if s.get("yref") == ref and s.get("xsizemode") == "pixel"]
    for annotation in layout.get("annotations") or []:
        if annotation.get("yref") != ref or annotation.get("xref") != "paper" or (annotation.get("x") or 0) < 1:
            continue
        y = annotation.get("y")
        run = next((b for b in brackets if y is not None and b[0] < y < b[1]), None)
        if run is None:
            continue
        low, high = max(run[0], first - 0.5), min(run[1], last + 0.5)
        if low < high:
            annotation["y"] = (low + high) / 2


def _keep_headers(layout: dict, name: str, first: float, top: float, reversed_axis: bool) -> None:
    """Column headers placed above the first row move along to the top of every window (the
    part's layout dict, in place)."""
    ref = _ref(name)
    shift = top - first
    if not shift:
        return
    for annotation in layout.get("annotations") or []:
        y = annotation.get("y")
        if annotation.get("yref") == ref and y is not None and (y < first if reversed_axis else y > first):
            annotation["y"] = y + shift


def _label_axis(axis, bottom) -> None:
    """A shared x axis shown alone gets the bottom panel's tick labels and title."""
    axis.visible = True
    axis.showticklabels = True
    for attr in ("tickvals", "ticktext", "title"):
        if getattr(axis, attr) is None or (attr == "title" and not axis.title.text):
            setattr(axis, attr, getattr(bottom, attr))


def split_panels(fig: go.Figure) -> list[go.Figure]:
    """One copy per vertically stacked panel (y axis), each panel given the whole height, with
    its own heading; [fig] when the figure has one panel."""
    names = _y_names(fig)
    if len(names) < 2 or any(fig.layout[n].domain is None for n in names):
        return [fig]
    out = []
    lowest = min(names, key=lambda n: fig.layout[n].domain[0])
    bottom_x = fig.layout["xaxis" + (fig.layout[lowest].anchor or "x")[1:]]
    for name in sorted(names, key=lambda n: -fig.layout[n].domain[1]):
        ref = _ref(name)
        xref = fig.layout[name].anchor or "x"
        top = fig.layout[name].domain[1]
        spec = fig.to_dict()  # a deep copy: the view's figure is memoised and shared
        spec["data"] = [t for t in spec["data"] if t.get("yaxis", "y") == ref]
        part = go.Figure(spec, _validate=False)
        for other in names:
            axis = part.layout[other]
            x_name = "xaxis" + (axis.anchor or "x")[1:]
            if other == name:
                axis.domain = [0, 0.94]
                _label_axis(part.layout[x_name], bottom_x)
            else:
                axis.visible = False
                part.layout[x_name].visible = False
        headings = [a for a in fig.layout.annotations if a.yref == "paper" and a.xref == "paper" and a.y is not None and a.y >= 0]
        heading = min(headings, key=lambda a: abs(a.y - top)) if headings else None
        kept = [a for a in fig.layout.annotations
                if a.yref in (ref, ref + " domain") or (a.yref == "paper" and a is not heading and (a.y is None or a.y < 0))]
        if heading is not None:
            kept.append(go.layout.Annotation(heading).update(y=1.0, yanchor="bottom"))
        part.layout.annotations = kept
        part.layout.shapes = [s for s in fig.layout.shapes if s.yref in (ref, ref + " domain") or s.xref == xref and s.yref == "paper"]
        part.layout.height = max(360, int(abs(fig.layout[name].domain[1] - fig.layout[name].domain[0]) * (fig.layout.height or 450)) + 200)
        out.append(part)
    return out


PANEL_VIEWS = ("design-vs-outcome", "dose-ramp", "what-if-ramp")
"""Views whose panels go on separate slides."""
LINE_PANEL_VIEWS = ("dose-ramp", "what-if-ramp")
"""Of those, the ones whose panels are laid out by measurement (panel_slide.py)."""


def split_for_slides(key: str, fig: go.Figure, room: tuple[float, float] | None = None) -> list[go.Figure]:
    """The slides a view's figure needs: panels apart for PANEL_VIEWS, then row windows (room:
    the figure's px on its slide, figure_room); labelled rows with text columns (row_slide.ROW_VIEWS)
    laid out and paged by measurement. A text table (figures/tabular.py) goes over
    slides by measured rows of text instead (table_slide.py)."""
    if fig.data and fig.data[0].type == "table":
        return [go.Figure(page, _validate=False) for page in table_slide.table_pages(fig.to_dict(), room or DEFAULT_ROOM)]
    if key in row_slide.ROW_VIEWS and row_slide.is_row_figure(spec := fig.to_dict()):
        return [go.Figure(page, _validate=False) for page in row_slide.pages(spec, room or DEFAULT_ROOM)]
    parts = split_panels(fig) if key in PANEL_VIEWS else [fig]
    if key in LINE_PANEL_VIEWS:
        parts = [go.Figure(panel_slide.prepare(part.to_dict()), _validate=False) for part in parts]
    if key == "response-rates":  # the key above the panel headings, facing labels apart (rates_slide.py)
        parts = [go.Figure(rates_slide.prepare(part.to_dict(), room or DEFAULT_ROOM), _validate=False) for part in parts]
    pieces = [piece for part in parts for piece in split_rows(part, room=room)]
    if key == "design-vs-outcome":  # value labels of the window only, clear of the notes (design_slide.py)
        pieces = [go.Figure(design_slide.prepare(piece.to_dict()), _validate=False) for piece in pieces]
    return pieces

