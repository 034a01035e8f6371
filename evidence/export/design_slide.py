"""Design-vs-outcome slides (one panel, one window of rows a slide): value labels that stay
readable.

split.py gives each panel its own slide and a window of rows when the panel has more than a
slide holds. Measured on the deck pictures (tests/unit/svg_boxes.py), two things went wrong:

- a value label belongs to its point's trace, and plotly clips a trace's text to the plot area:
  labels written above the top row ran out of the plot's top edge, and the labels of rows
  outside the window were still laid out (drawn under the clip, over the axis and the key);
- a "not reported" note beside a row's last mark started where the mark's number ended (touching
  it at slide sizes, where the number is 19 px).

Here, on each slide copy (a dict): the numbers move to a text-only trace of the points in the
window, drawn unclipped (a label above the top row stands in the band under the panel heading),
the marks keep their trace without text; a note's offset from its mark clears the widest number
of its row by NOTE_GAP_PX.
"""

from __future__ import annotations

import copy

from evidence.export.figure_parts import axis_ref, visible_y_axes
from evidence.export.slide_style import MIN_PX, _array
from evidence.text_measure import plain_text, text_width

NOTE_GAP_PX = 8
"""Between a value label's edge and the 'not reported' note beside it."""


def prepare(spec: dict) -> dict:
    """One design slide copy (a dict, changed in place and returned) laid out as the module
    docstring says; other figures come back unchanged."""
    layout = spec.get("layout") or {}
    shown = visible_y_axes(layout)
    name = shown[0] if len(shown) == 1 else None
    if name is None or not isinstance(layout[name].get("range"), list):
        return spec
    ref = axis_ref(name)
    low, high = sorted(layout[name]["range"])
    traces, labels, widest = [], [], {}
    for trace in spec.get("data", []):
        traces.append(trace)
        mode = str(trace.get("mode") or "")
        if trace.get("yaxis", "y") != ref or "text" not in mode or not isinstance(trace.get("text"), list):
            continue
        xs, ys, texts = _array(trace["x"]), _array(trace["y"]), list(trace["text"])
        where = trace.get("textposition", "top center")
        where = list(where) if isinstance(where, (list, tuple)) else [where] * len(texts)
        shown = [(x, y, t, w) for x, y, t, w in zip(xs, ys, texts, where) if low <= y <= high and t]
        trace["mode"] = mode.replace("+text", "").replace("text+", "") or "markers"
        trace.pop("text")
        if not shown:
            continue
        for x, y, t, w in shown:
            # a centred label takes half its width beside its mark, one to the left or right all of it
            beside = text_width(plain_text(t), MIN_PX) / (2 if w.endswith("center") else 1)
            widest[round(y)] = max(widest.get(round(y), 0.0), beside)
        labels.append(dict(
            # invisible marks of the same size: plotly sets text off by its point's marker
            type="scatter", mode="markers+text", marker=dict(size=(trace.get("marker") or {}).get("size", 12), opacity=0), x=[p[0] for p in shown], y=[p[1] for p in shown], text=[p[2] for p in shown],
            textposition=[p[3] for p in shown], textfont=copy.deepcopy(trace.get("textfont") or {}),
            cliponaxis=False, hoverinfo="skip", showlegend=False, xaxis=trace.get("xaxis", "x"), yaxis=ref,
        ))
    spec["data"] = traces + labels
    for note in layout.get("annotations") or []:
        if note.get("yref") != ref or note.get("showarrow") is not False or not note.get("xshift"):
            continue
        shift = note["xshift"]
        clear = widest.get(round(note.get("y") or 0), 0.0) + NOTE_GAP_PX
        note["xshift"] = (1 if shift > 0 else -1) * max(abs(shift), clear)
    return spec
