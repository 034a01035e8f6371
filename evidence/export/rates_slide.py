"""Response-rate slides (one panel per endpoint, trials along x): the key and the rate labels
kept apart at slide sizes.

Measured on the deck picture (tests/unit/svg_boxes.py), the screen figure's layout crowded:

- its legend ("Arm role: experimental control single") sits a share of the plot's height above
  the panels (paper y 1.09 when this was measured): 17 px on the slide, less than the 18 pt panel headings under it, so
  the two overlapped. On a slide it is placed from the top of the figure instead (container
  coordinates, where the figure's own title was; `slide_style` moves it past the slide's title
  bands), and the top margin keeps it and a heading line apart;
- every panel had the same width, so the response panel's two trials had the room of one: the
  figure now gives each panel the width of the trials it shows (figures/rates.py); on a slide
  each heading is wrapped to its panel;
- a label written right of one trial's marker and a label written left of the next trial's
  (PASO control 43.3%, E2100 experimental 36.9%) face each other in the gap between the trials,
  at nearly the same height: the higher is written above its side (half a label and a marker
  higher), the lower stays beside its marker; when the two are nearly level the lower one is
  also written below its side.
"""

from __future__ import annotations

import copy

from evidence.export.slide_style import BODY_PX, MARKER_PX, MIN_PX, _array, _escape
from evidence.text_measure import plain_text, wrap_text
from evidence.figures.rates import TRIAL_STEP

LINE = 1.3
"""plotly's line height (em)."""
LABEL_GAP_PX = 4
"""Least gap wanted between two labels' boxes."""
TITLE_ROOM_PX = 45
"""Top-margin px the figure's own title takes (slide_style._title_room caps it at 45): the slide's
title bands replace it, and a container legend placed there is moved past them."""


def prepare(spec: dict, room: tuple[float, float]) -> dict:
    """The rates figure (a dict, changed in place and returned) for a slide of `room` layout px."""
    layout = spec.setdefault("layout", {})
    height = float(layout.get("height") or 600)
    margin = layout.setdefault("margin", {})
    legend_px = MIN_PX * LINE + 10
    heading_px = BODY_PX * LINE + 8
    margin["t"] = TITLE_ROOM_PX + legend_px + heading_px + 8  # the screen's top margin places its own key
    legend = layout.setdefault("legend", {})
    legend.update(yref="container", y=1 - TITLE_ROOM_PX / height, yanchor="top", orientation="h")
    # the slide's plot height: the figure's note under the plot goes to the footnote, and
    # slide_style.slide_text_sizes cuts the bottom margin to 100 px
    headings = _headings_wrapped(layout, room[0] - margin.get("l", 80) - margin.get("r", 80) - 2 * BODY_PX)
    margin["t"] += (headings - 1) * BODY_PX * LINE
    margin["b"] = min(margin.get("b", 100), 100)  # the screen's note room; the slide's note is a footnote
    plot_px = max(room[1] - (margin["t"] - TITLE_ROOM_PX) - margin["b"], 100.0)
    _room_above_labels(spec, plot_px)
    _part_facing_labels(spec, plot_px)
    return spec


def _room_above_labels(spec: dict, plot_px: float) -> None:
    """The y ranges (the panels share one: matches="y") raised until a label beside the highest
    value (half a line above it) is inside the plot: 93.3% of patients was written across the
    plot's top edge at 100%."""
    layout = spec["layout"]
    names = [k for k in layout if k.startswith("yaxis") and isinstance((layout[k] or {}).get("range"), list)]
    labelled = [y for t in spec.get("data", []) if isinstance(t.get("text"), list)
                for y, text in zip(_array(t["y"]), t["text"]) if text and y is not None]
    if not names or not labelled:
        return
    for name in names:
        low, high = layout[name]["range"]
        half = (MIN_PX * 1.1 / 2 + LABEL_GAP_PX) * (high - low) / plot_px
        layout[name]["range"] = [low, max(high, max(labelled) + half * 1.1)]


def _headings_wrapped(layout: dict, plot_px: float) -> int:
    """Each panel heading wrapped to its panel's width on the slide (the screen wraps them for half
    a 1366 px screen); returns the most lines a heading takes. The panels are as wide as the trials
    they show already (figures/rates.py: two trials had the room of one and their labels crossed
    each other's whiskers)."""
    domains = [layout[k]["domain"] for k in layout if k.startswith("xaxis")
               and isinstance((layout[k] or {}).get("domain"), list) and isinstance(layout[k].get("range"), list)]
    lines = 1
    for domain in domains:
        for heading in layout.get("annotations") or []:
            centred = heading.get("xref") == "paper" and heading.get("yref") == "paper" and heading.get("yanchor") == "bottom"
            if centred and abs((heading.get("x") or 0) - sum(domain) / 2) < 1e-6:
                size = (heading.get("font") or {}).get("size") or BODY_PX
                wrapped = wrap_text(plain_text(heading["text"]), (domain[1] - domain[0]) * plot_px, max(size, BODY_PX))
                heading["text"] = "<br>".join(_escape(line) for line in wrapped)
                lines = max(lines, len(wrapped))
    return lines


def _part_facing_labels(spec: dict, plot_px: float) -> None:
    """Labels facing each other across the gap between two trials (one written right of its
    marker, the next one left of its own) closer in height than a label: the higher moves above
    its side, and the lower below when they are nearly level (each into a text-only copy of its point, so a trace's
    textposition stays one word pair, as slide_style._fit_side_labels reads it)."""
    layout = spec["layout"]
    points = []  # (x axis, x, y, side, trace, index)
    for trace in spec.get("data", []):
        position = str(trace.get("textposition") or "")
        texts = trace.get("text")
        if trace.get("type", "scatter") != "scatter" or not isinstance(texts, list) or not position.startswith("middle "):
            continue
        for index, (x, y, text) in enumerate(zip(_array(trace["x"]), _array(trace["y"]), texts)):
            if text and x is not None and y is not None:
                points.append((trace.get("xaxis", "x"), x, y, position.split()[1], trace, index))
    moved: dict[tuple[int, int], str] = {}
    label_px = MIN_PX * 1.1  # Chromium's box of one Liberation Sans line
    for axis, x, y, side, trace, index in points:
        if side != "right":
            continue
        y_axis = layout.get("yaxis" + str(trace.get("yaxis", "y"))[1:]) or {}
        low, high = y_axis.get("range") or [0, 100]
        px_per_unit = plot_px / ((high - low) or 1)
        for other_axis, ox, oy, other_side, other, other_index in points:
            facing = other_axis == axis and other_side == "left" and x < ox < x + TRIAL_STEP  # the next trial's arm
            if facing and abs(y - oy) * px_per_unit < label_px + LABEL_GAP_PX:
                upper, lower = ((trace, index), (other, other_index)) if y >= oy else ((other, other_index), (trace, index))
                moved[(id(upper[0]), upper[1])] = "top"
                # the lower label's top is half a label above its value, the upper's bottom half a
                # marker above its own: nearly level, that leaves less than the gap, and both move
                if abs(y - oy) * px_per_unit < (label_px - MARKER_PX) / 2 + LABEL_GAP_PX:
                    moved[(id(lower[0]), lower[1])] = "bottom"
    if not moved:
        return
    copies = []
    for trace in spec["data"]:
        side = str(trace.get("textposition") or "").split(" ")[-1]
        for index in range(len(trace.get("text") or [])):
            where = moved.get((id(trace), index))
            if where is None:
                continue
            copies.append(dict(
                type="scatter", mode="markers+text", x=[_array(trace["x"])[index]], y=[_array(trace["y"])[index]],
                text=[trace["text"][index]], textposition=f"{where} {side}", textfont=copy.deepcopy(trace.get("textfont") or {}),
                marker=dict(size=(trace.get("marker") or {}).get("size", 11), opacity=0), hoverinfo="skip", showlegend=False,
                xaxis=trace.get("xaxis", "x"), yaxis=trace.get("yaxis", "y"),
            ))
            trace["text"] = [t if k != index else "" for k, t in enumerate(trace["text"])]
    spec["data"].extend(copies)
