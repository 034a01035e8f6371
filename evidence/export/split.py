"""Dense figures split over several slides instead of shrinking their text.

A slide holds about ROWS_PER_SLIDE labelled rows at BODY_PT (18 pt labels, 1.6 lines apart,
in the 5 inches a figure gets between title and footnote). Two ways to split, both on the
finished figure so the view's own choices (top-N terms, page of trials, sort) still apply:

- by rows: a figure with one row axis (toxicity heatmap, forest plot, medians) shows a window
  of rows per slide; the axis range is narrowed, so cells, markers, labels and row-anchored
  annotations outside the window are not drawn (plotly clips data to the axis range and hides
  annotations off the axis);
- by panel: a figure of vertically stacked panels (design vs outcome) gives one slide per panel.

Which way a view takes, and the slide layout on the way (row_slide, panel_slide, rates_slide,
design_slide), is a named split rule (by_rows, row_pages, ...) that the view's export declaration
picks (evidence/slide_rules.py), not a test of the view's key here.

Figures are plain dicts in and out (the builders' dicts, Phase 2 notes): reading shapes and
annotations through go.Figure's validated properties took over a third of a deck's time, and
building go.Figures for the pieces about a second. Margins are read as the slide styling reads
them (slide_style._margin: the figure's own, else its template's).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

from evidence.export import cell_grid, design_slide, panel_slide, rates_slide, row_slide, table_slide
from evidence.export.deck import figure_slide_layout
from evidence.export.figure_parts import axis_ref as _ref
from evidence.export.slide_style import (
    BODY_PT, CANVASES, COUNT_BAR_PX, PX_PER_IN, PX_PER_PT, SLIDE_BARGAP, _blocks, _margin, _title_room, figure_notes,
    slide_text_sizes,
)
from evidence.figures.toxicity import is_run_bracket

FIGURE_HEIGHT_IN = 5.0
"""Height a figure gets on a slide between the title bands and the footnote."""
ROW_PT = BODY_PT * 1.6
"""One labelled row: an 18 pt label with air above and below."""


def _y_names(layout: dict) -> list[str]:
    return sorted((k for k in layout if k.startswith("yaxis")), key=lambda k: int(k[5:] or 1))


def rows_per_slide(spec: dict) -> int:
    """Labelled rows that fit at BODY_PT in the plot area left by the figure's top and bottom
    margins (at least 3)."""
    return max(3, int(_plot_pt(spec) // ROW_PT))


def _plot_pt(spec: dict) -> float:
    used_px = _margin(spec, "t") + _margin(spec, "b")
    return max(FIGURE_HEIGHT_IN * 72 - used_px / PX_PER_PT, 3 * ROW_PT)


def _row_axis(layout: dict) -> str | None:
    names = [n for n in _y_names(layout) if (layout[n] or {}).get("visible") is not False]
    if len(names) != 1:
        return None
    axis = layout[names[0]] or {}
    if axis.get("tickvals") is None or axis.get("ticktext") is None or axis.get("range") is None:
        return None
    return names[0]


DEFAULT_ROOM = (1203.0, 440.0)
"""Layout px a figure gets on a deck slide with a one-line title and subtitle and a five-line
footnote (12.53 x 4.72 in, less the picture's top pad): used when the slide's texts are not given."""


def figure_room(fig: dict, title: str, subtitle: str = "", footnote: str = "") -> tuple[float, float]:
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


def split_rows(spec: dict, max_rows: int | None = None, room: tuple[float, float] | None = None) -> list[dict]:
    """Copies of a one-row-axis figure dict showing at most max_rows rows each (balanced, in the
    order the figure shows them); [spec] when it fits or has no row axis (spec is not changed:
    the windows are copies). A cell grid (the toxicity heatmap) takes as many rows a slide as
    fit in `room` (figure_room; DEFAULT_ROOM) once its headers, legend and organ classes are laid
    out for the slide (cell_grid.py)."""
    layout = spec.get("layout") or {}
    name = _row_axis(layout)
    if name is None:
        return [spec]
    grid_rows = _grid_rows(spec, room or DEFAULT_ROOM)
    if grid_rows is None:
        grid_rows = _bar_rows(spec, room or DEFAULT_ROOM)
    if grid_rows is not None:
        max_rows = min(max_rows or grid_rows, grid_rows)
    axis = layout[name]
    low, high = axis["range"]
    reversed_axis = low > high  # heatmap rows: first row at the top
    ticks = sorted({float(v) for v in axis["tickvals"]}, reverse=not reversed_axis)  # top row first
    top_pad, bottom_pad = abs(high - ticks[0]), abs(low - ticks[-1])  # range runs bottom -> top
    gap = min((abs(a - b) for a, b in zip(ticks, ticks[1:])), default=1.0) or 1.0
    # Axis units a slide can show: the closest two rows must be ROW_PT apart.
    span = _plot_pt(spec) * gap / ROW_PT if grid_rows is None else math.inf  # a grid counts rows (above)
    limit = max_rows or len(ticks)
    if len(ticks) <= limit and abs(ticks[0] - ticks[-1]) + top_pad + bottom_pad <= span:
        return [spec]
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
        return [spec]
    if not uneven:  # evenly spaced rows: as many on every slide as can be (25 on 7: 4 4 4 4 3 3 3, not ... 4 1)
        size, extra = divmod(len(ticks), len(windows))
        starts = [k * size + min(k, extra) for k in range(len(windows) + 1)]
        windows = [ticks[a:b] for a, b in zip(starts, starts[1:])]
    between = 0.5 * gap  # below a window's last row: half a row (the last window keeps the figure's own pad)
    bars = counted_bar_slots(spec)
    out = []
    for number, window in enumerate(windows):
        pad_top = top_pad  # every window keeps the room above its first row (column headers move there)
        if bars and number:  # no sliver of the previous row's bars above the first
            pad_top = min(top_pad, between)
        pad_bottom = bottom_pad if number == len(windows) - 1 else between
        if reversed_axis:
            rng = [window[-1] + pad_bottom, window[0] - pad_top]
        else:
            rng = [window[-1] - pad_bottom, window[0] + pad_top]
        part = copy.deepcopy(spec)  # the view's figure is memoised and shared
        part["layout"][name].update(range=rng, autorange=False)
        _keep_headers(part["layout"], name, ticks[0], window[0], reversed_axis)
        _keep_run_labels(part["layout"], name, window)
        out.append(part)
    return out


def _grid_rows(spec: dict, room: tuple[float, float]) -> int | None:
    """Rows a slide holds of a cell grid (None for other figures), measured on its slide styling."""
    if not cell_grid.is_cell_grid(spec):
        return None
    styled = copy.deepcopy(spec)  # slide_text_sizes restyles in place
    slide_text_sizes(styled)
    return cell_grid.rows_fitting(styled, *room)


def counted_bar_slots(spec: dict) -> int:
    """Bars a row of a grouped horizontal bar chart holds when each writes its count beside it
    (plotly gives every bar trace a slot in every row); 0 for other figures."""
    bars = [t for t in spec.get("data") or [] if t.get("type") == "bar" and t.get("orientation") == "h" and t.get("text") is not None]
    return len(bars) if (spec.get("layout") or {}).get("barmode") == "group" and len(bars) > 1 else 0


def _bar_rows(spec: dict, room: tuple[float, float]) -> int | None:
    """Rows a slide holds of grouped bars with their counts beside them (None for other figures):
    each bar at least one count's text box tall plus a gap (slide_style.COUNT_BAR_PX), so the
    counts of neighbouring bars never touch; measured in the plot height the room leaves."""
    slots = counted_bar_slots(spec)
    if not slots:
        return None
    top = _margin(spec, "t") - _title_room(spec)  # the slide's title replaces the figure's
    plot_px = room[1] - top - _margin(spec, "b")
    row_px = max(ROW_PT * PX_PER_PT, slots * COUNT_BAR_PX / (1 - SLIDE_BARGAP))
    return max(1, int(plot_px // row_px))


def _keep_run_labels(layout: dict, name: str, window: list[float]) -> None:
    """A label beside a run of rows (an organ class, with its bracket) that the window cuts
    moves to the middle of the run's rows on this slide; centred on the whole run it could sit
    off the slide, leaving a bare bracket. Works on the part's layout dict, in place."""
    ref = _ref(name)
    first, last = min(window), max(window)
    brackets = [(min(s["y0"], s["y1"]), max(s["y0"], s["y1"])) for s in layout.get("shapes") or []
                if s.get("yref") == ref and is_run_bracket(s)]
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


def _label_axis(axis: dict, bottom: dict) -> None:
    """A shared x axis shown alone gets the bottom panel's tick labels and title (dicts, in place)."""
    axis["visible"] = True
    axis["showticklabels"] = True
    for attr in ("tickvals", "ticktext"):
        if axis.get(attr) is None and bottom.get(attr) is not None:
            axis[attr] = copy.deepcopy(bottom[attr])
    if not (axis.get("title") or {}).get("text"):
        if bottom.get("title"):
            axis["title"] = copy.deepcopy(bottom["title"])
        else:
            axis.pop("title", None)


def split_panels(spec: dict) -> list[dict]:
    """One copy per vertically stacked panel (y axis) of a figure dict, each panel given the
    whole height, with its own heading; [spec] for one panel (spec is not changed: the panels
    are copies)."""
    layout = spec.get("layout") or {}
    names = _y_names(layout)
    if len(names) < 2 or any((layout[n] or {}).get("domain") is None for n in names):
        return [spec]
    out = []
    lowest = min(names, key=lambda n: layout[n]["domain"][0])
    bottom_x = layout.get("xaxis" + (layout[lowest].get("anchor") or "x")[1:]) or {}
    annotations = layout.get("annotations") or []
    headings = [a for a in annotations if a.get("yref") == "paper" and a.get("xref") == "paper" and a.get("y") is not None and a["y"] >= 0]
    for name in sorted(names, key=lambda n: -layout[n]["domain"][1]):
        ref = _ref(name)
        xref = layout[name].get("anchor") or "x"
        top = layout[name]["domain"][1]
        heading = min(headings, key=lambda a: abs(a["y"] - top)) if headings else None
        kept = [a for a in annotations
                if a.get("yref") in (ref, ref + " domain") or (a.get("yref") == "paper" and a is not heading and (a.get("y") is None or a["y"] < 0))]
        shapes = [s for s in layout.get("shapes") or [] if s.get("yref") in (ref, ref + " domain") or s.get("xref") == xref and s.get("yref") == "paper"]
        # a deep copy of what the panel keeps (the view's figure is memoised and shared)
        part = copy.deepcopy({**spec, "data": [t for t in spec.get("data", []) if t.get("yaxis", "y") == ref],
                              "layout": {**layout, "annotations": kept, "shapes": shapes}})
        part_layout = part["layout"]
        if heading is not None:
            part_layout["annotations"].append({**copy.deepcopy(heading), "y": 1.0, "yanchor": "bottom"})
        for other in names:
            axis = part_layout[other]
            x_name = "xaxis" + (axis.get("anchor") or "x")[1:]
            x_axis = part_layout.setdefault(x_name, {})
            if other == name:
                axis["domain"] = [0, 0.94]
                _label_axis(x_axis, bottom_x)
            else:
                axis["visible"] = False
                x_axis["visible"] = False
        span = abs(layout[name]["domain"][1] - layout[name]["domain"][0])
        part_layout["height"] = max(360, int(span * (layout.get("height") or 450)) + 200)
        out.append(part)
    return out


SlideSplit = Callable[[dict, tuple[float, float]], list[dict]]
"""A view's way over slides: (figure dict, room: the figure's px on its slide) -> the slides'
figure dicts. Each view's export declaration names one (evidence/slide_rules.py); the parts it
returns may be changed in place by the caller, never `spec` itself."""


def _own(part: dict, spec: dict) -> dict:
    """A part that a slide layout may change in place: never the caller's figure."""
    return part if part is not spec else copy.deepcopy(part)


def by_rows(spec: dict, room: tuple[float, float]) -> list[dict]:
    """Row windows of a one-row-axis figure (split_rows); the figure whole otherwise."""
    return split_rows(spec, None, room)


def row_pages(spec: dict, room: tuple[float, float]) -> list[dict]:
    """Labelled rows with text columns (forest, subgroups, medians, absolute effects) laid out
    and paged by measurement (row_slide.py); by_rows when the figure is not of such rows (an
    empty selection's message)."""
    return row_slide.pages(spec, room) if row_slide.is_row_figure(spec) else by_rows(spec, room)


def line_panels(spec: dict, room: tuple[float, float]) -> list[dict]:
    """Stacked line panels (dose ramp, what-if ramp) one a slide, each laid out by measurement
    (panel_slide.py), then row windows."""
    parts = [panel_slide.prepare(_own(part, spec)) for part in split_panels(spec)]
    return [piece for part in parts for piece in by_rows(part, room)]


def rate_panels(spec: dict, room: tuple[float, float]) -> list[dict]:
    """Response rates: the key above the panel headings, facing labels apart (rates_slide.py),
    then row windows."""
    return by_rows(rates_slide.prepare(_own(spec, spec), room), room)


def design_panels(spec: dict, room: tuple[float, float]) -> list[dict]:
    """Design vs outcome: one stacked panel a slide, in row windows, each with the value labels
    of its window only, clear of the notes (design_slide.py)."""
    pieces = [piece for part in split_panels(spec) for piece in by_rows(part, room)]
    return [design_slide.prepare(_own(piece, spec)) for piece in pieces]


def split_for_slides(spec: dict, room: tuple[float, float] | None = None, split: SlideSplit = by_rows) -> list[dict]:
    """The slides a view's figure needs, as figure dicts (what the deck and the image export
    draw; no plotly objects on the way: building and deep-copying go.Figures took about a second
    of a deck): the view's own `split` (room: the figure's px on its slide, figure_room;
    DEFAULT_ROOM when not given). A text table (figures/tabular.py) goes over slides by measured
    rows of text whatever the view (table_slide.py). `spec` is not changed."""
    room = room or DEFAULT_ROOM
    data = spec.get("data") or []
    if data and data[0].get("type") == "table":
        return table_slide.table_pages(spec, room)
    return split(spec, room)
