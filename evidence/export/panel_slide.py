"""Line-panel slides (the dose ramp and the what-if ramp, one panel a slide), laid out by
measurement like the heatmap (cell_grid.py).

split.split_panels gives each panel the whole figure, but the margins it keeps were sized for the
stacked screen figure (a 160 px top for a legend of four lines, 230 px on the right), so on a
slide the plot got a third of the picture, two panels showed an empty band where no legend was,
end labels ran off the right edge or over each other, and value labels were cut by the plot's
edge. Here, on the slide-styled figure dict (after `slide_text_sizes`):

- the panel's heading and a key line (the legend as coloured glyphs, flowed into measured rows,
  key_line.py) stand above the plot; the top margin is what they take, nothing more;
- the bottom margin holds the cycle labels (their lines counted) and the axis title; the left
  one the widest y tick and the axis title;
- labels at the right end of the lines go in a right-hand column as wide as the widest label
  (wrapped at the column's cap, words broken after a hyphen), stacked apart by their measured
  heights when their values are close, kept between the plot's top and the cycle labels;
- the y range grows until every value label written above or below a point is inside the plot;
- a sentence inside a panel ("... not stated in the source — not drawn") goes to the footnote.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.export import key_line
from evidence.export.cell_grid import LINE, _wrap_breakable
from evidence.export.figure_parts import axis_ref as _ref, text_lines as _lines, visible_y_axes
from evidence.export.slide_style import BODY_PX, MARKER_PX, MIN_PX, PAD_PX, _escape
from evidence.text_measure import plain_text, text_width, wrap_text

MARK = "line-panel"
"""layout.meta["slide"] of a panel copy that is laid out here (set by `prepare`)."""
RIGHT_CAP = 0.24
"""Widest right-hand label column, as a share of the figure's width."""
LABEL_GAP_PX = 4
"""Least gap between two stacked end labels."""
GAP_PX = 8
"""Between the heading, the key line and the plot."""


def prepare(spec: dict) -> dict:
    """A panel copy (split.split_panels, as a dict) marked for this layout, its in-panel
    sentences moved under the plot (where `slide_style._is_figure_note` takes them into the
    footnote)."""
    layout = spec.setdefault("layout", {})
    layout["meta"] = {**(layout.get("meta") or {}), "slide": MARK}
    for annotation in layout.get("annotations") or []:
        if _is_panel_sentence(annotation):
            text = plain_text(annotation.get("text"))
            annotation.update(xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", yshift=-75,
                              text=_escape(text if text.endswith((".", "!", "?")) else text + "."))
    return spec


def is_panel_slide(spec: dict) -> bool:
    meta = (spec.get("layout") or {}).get("meta")
    return isinstance(meta, dict) and meta.get("slide") == MARK


def _is_panel_sentence(annotation: dict) -> bool:
    """A note written inside a panel's corner (domain-anchored, no box behind it) that is a sentence."""
    boxed = annotation.get("bgcolor") not in (None, "rgba(0,0,0,0)")
    anchored = str(annotation.get("xref", "")).endswith("domain") and str(annotation.get("yref", "")).endswith("domain")
    return anchored and not boxed and len(plain_text(annotation.get("text"))) > 60


@dataclass(frozen=True)
class PanelFit:
    """Margins (layout px) of the laid-out panel and where its plot area is."""

    top_px: float
    bottom_px: float
    left_px: float
    right_px: float
    plot_px: tuple[float, float]
    """(width, height) of the plot area."""


def _size(node: dict | None, default: float = MIN_PX) -> float:
    return ((node or {}).get("font") or {}).get("size") or default


def _key(spec: dict, width: float) -> tuple[key_line.KeyLine, float]:
    """The legend as a key line (key_line.py) of `width` px, and its height in px; a label in
    the plot that repeats an entry becomes the entry (_merge_repeated_labels)."""
    keyed = key_line.keyed_traces(spec)
    size = _size(spec["layout"].get("legend"))
    names = [plain_text(t["name"]) for t in keyed]
    _merge_repeated_labels(spec["layout"], names)
    key = key_line.key_line(keyed, width, size, names=names)
    for trace in keyed:
        trace["showlegend"] = False
    return key, key.rows * size * LINE


def _merge_repeated_labels(layout: dict, names: list[str]) -> None:
    """A label drawn in the plot that repeats a key entry and adds to it ("full dose 800 mg/day
    (400 mg twice daily)" under its line) becomes that entry (names, in place): on a slide it
    ran across the lines below it, and the key already names the line."""
    kept = []
    for annotation in layout.get("annotations") or []:
        text = plain_text(annotation.get("text"))
        match = next((k for k, name in enumerate(names) if text.startswith(name + " ")), None)
        in_plot = not str(annotation.get("xref", "paper")).startswith("paper") and not str(annotation.get("yref", "paper")).startswith("paper")
        if match is not None and in_plot:
            names[match] = text
            continue
        kept.append(annotation)
    layout["annotations"] = kept


def _end_labels(layout: dict, x_name: str, y_ref: str) -> list[dict]:
    """Annotations written right of the lines' last point (data x at the axis' right end, anchored left)."""
    low, high = layout[x_name].get("range") or [0, 1]
    near_end = high - 0.05 * (high - low)
    return [a for a in layout.get("annotations") or []
            if a.get("yref") == y_ref and a.get("xref") == _ref(x_name) and a.get("xanchor") == "left"
            and isinstance(a.get("x"), (int, float)) and a["x"] >= near_end]


def _label_lines(text: str, width: float, size: float) -> list[str]:
    """A label's lines no wider than width: its own lines kept, a longer one broken at spaces, or
    after a hyphen inside a word wider than the column."""
    out: list[str] = []
    for line in _lines(text):
        for piece in wrap_text(line, width, size):
            out += _wrap_breakable(piece, width, size) if text_width(piece, size) > width else [piece]
    return out


def _stack(boxes: list[list[float]], low: float, high: float) -> None:
    """[top, height] boxes (px, in place) moved apart by at least LABEL_GAP_PX, in their order,
    and kept inside [low, high] where they fit: pushed down in turn, then back up from the end."""
    order = sorted(range(len(boxes)), key=lambda k: boxes[k][0])
    edge = low
    for k in order:
        boxes[k][0] = max(boxes[k][0], edge)
        edge = boxes[k][0] + boxes[k][1] + LABEL_GAP_PX
    edge = high
    for k in reversed(order):
        boxes[k][0] = max(low, min(boxes[k][0], edge - boxes[k][1]))
        edge = boxes[k][0] - LABEL_GAP_PX


def _data_range(spec: dict, y_name: str) -> list[float]:
    """The range plotly's autorange would give the panel's data (5% air each side; from 0 under
    rangemode "tozero"), written out so labels can be placed in px."""
    ys = [y for t in spec.get("data", []) if t.get("yaxis", "y") == _ref(y_name)
          for y in (t.get("y") if isinstance(t.get("y"), list) else []) if isinstance(y, (int, float))]
    low, high = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if spec["layout"][y_name].get("rangemode") == "tozero":
        low, high = min(low, 0.0), max(high, 0.0)
    pad = 0.05 * ((high - low) or 1.0)
    return [low - pad if low < 0 or spec["layout"][y_name].get("rangemode") != "tozero" else 0.0, high + pad]


def _fit_value_labels(spec: dict, y_name: str, plot_h: float) -> None:
    """The y range grown until every text written above or below a point is inside the plot
    (plotly clips trace text to the plot area)."""
    layout = spec["layout"]
    axis = layout[y_name]
    if not isinstance(axis.get("range"), list):
        return
    low, high = axis["range"]
    lows, highs = [], []
    for trace in spec.get("data", []):
        position, texts, ys = str(trace.get("textposition") or ""), trace.get("text"), trace.get("y")
        if trace.get("yaxis", "y") != _ref(y_name) or not isinstance(texts, list) or not isinstance(ys, list):
            continue
        size = (trace.get("textfont") or {}).get("size") or MIN_PX
        marker = (trace.get("marker") or {}).get("size")
        marker = marker if isinstance(marker, (int, float)) else MARKER_PX
        for text, y in zip(texts, ys):
            if not text or not isinstance(y, (int, float)):
                continue
            px = len(_lines(text)) * size * LINE + marker / 2 + 4
            if position.startswith("bottom"):
                lows.append((y, px))
            elif position.startswith("top"):
                highs.append((y, px))
    for _ in range(4):  # growing the range shrinks the px per unit: settle in a few steps
        per_px = (high - low) / plot_h
        for y, px in lows:
            low = min(low, y - px * per_px)
        for y, px in highs:
            high = max(high, y + px * per_px)
    axis["range"] = [low, high]


def fit_panel(spec: dict, width: float, height: float, top_band: float, bottom_band: float) -> PanelFit:
    """Lay a slide-styled panel dict out (in place) as the module docstring says, in a figure of
    width x height px whose top_band and bottom_band px hold the slide's own title and footnote."""
    layout = spec["layout"]
    y_name = visible_y_axes(layout)[0]
    y_axis = layout[y_name]
    x_name = "xaxis" + str(y_axis.get("anchor") or "x")[1:]
    x_axis = layout[x_name]
    y_axis["domain"] = [0.0, 1.0]
    if not isinstance(y_axis.get("range"), list):
        y_axis["range"] = _data_range(spec, y_name)
    usable = width - 2 * PAD_PX

    headings = [a for a in layout.get("annotations") or [] if a.get("xref") == "paper" and a.get("yref") == "paper"
                and (a.get("y") or 0) >= 1 and a.get("yanchor") == "bottom"]
    heading_px = 0.0
    for heading in headings:
        size = _size(heading, BODY_PX)
        lines = wrap_text(plain_text(heading.get("text")), usable, size)
        heading["text"] = "<br>".join(_escape(line) for line in lines)
        heading_px = max(heading_px, len(lines) * size * LINE)
    key, key_px = _key(spec, usable)
    layout["showlegend"] = False
    y_size = (y_axis.get("tickfont") or {}).get("size") or MIN_PX
    # the top tick label stands half a line above the plot: room for it under the key
    top = top_band + (heading_px + GAP_PX if heading_px else 0) + (key_px + GAP_PX if key.rows else 0) + GAP_PX + 0.6 * y_size

    tick_size = (x_axis.get("tickfont") or {}).get("size") or MIN_PX
    tick_lines = max((len(_lines(t)) for t in x_axis.get("ticktext") or [""]), default=1)
    x_title = (x_axis.get("title") or {}).get("text")
    bottom = tick_lines * tick_size * LINE + 10 + (_size(x_axis.get("title"), BODY_PX) * LINE + 10 if x_title else 0) + 6

    y_range = y_axis.get("range") or [0, 100]
    widest_tick = max(text_width(f"{v:,.0f}", y_size) for v in y_range)
    y_title = (y_axis.get("title") or {}).get("text")
    left = PAD_PX / 2 + widest_tick + 12 + (_size(y_axis.get("title"), BODY_PX) * LINE + 6 if y_title else 0)

    plot_h = max(height - top - bottom - bottom_band, 120.0)
    _fit_value_labels(spec, y_name, plot_h)

    labels = _end_labels(layout, x_name, _ref(y_name))
    cap = RIGHT_CAP * width
    wrapped = [_label_lines(a.get("text"), cap, _size(a)) for a in labels]
    column = max((text_width(line, _size(a)) for a, lines in zip(labels, wrapped) for line in lines), default=0.0)
    right = (column + 8 + PAD_PX - 10) if labels else max(PAD_PX - 10, 26)
    low, high = y_axis["range"]
    boxes = []
    for annotation, lines in zip(labels, wrapped):
        box_h = len(lines) * _size(annotation) * LINE + 4
        y_px = top + (high - annotation["y"]) / (high - low) * plot_h
        shift = annotation.get("yshift") or 0
        anchor = annotation.get("yanchor") or "middle"
        offset = {"top": 0.0, "bottom": box_h}.get(anchor, box_h / 2)
        boxes.append([y_px - shift - offset, box_h])
    _stack(boxes, top, top + plot_h + tick_lines * tick_size * LINE)
    for annotation, lines, (box_top, box_h) in zip(labels, wrapped, boxes):
        # placed by its top edge in paper units: plotly then draws exactly the measured box
        annotation.update(text="<br>".join(_escape(line) for line in lines), xref="paper", x=1, xshift=8,
                          yref="paper", y=1 - (box_top - top) / plot_h, yanchor="top", yshift=0, align="left")

    plot_w = width - left - right
    lift = GAP_PX + 0.6 * y_size  # the key's (or heading's) bottom above the plot's top edge
    if key.rows:
        layout.setdefault("annotations", []).append(dict(
            text=key.text,
            xref="paper", x=-(left - PAD_PX) / plot_w, xanchor="left", yref="paper", y=1, yanchor="bottom", yshift=lift,
            align="left", showarrow=False, font=dict(size=_size(layout.get("legend")), color="#1A1A1A"),
        ))
    for heading in headings:
        heading.update(x=-(left - PAD_PX) / plot_w, xanchor="left", y=1, yanchor="bottom", align="left",
                       yshift=lift + (key_px + GAP_PX if key.rows else 0))
    for name in [k for k in layout if k.startswith(("xaxis", "yaxis"))]:
        layout[name]["automargin"] = False  # the margins are measured; plotly must not move the plot
    return PanelFit(top, bottom, left, right, (plot_w, plot_h))
