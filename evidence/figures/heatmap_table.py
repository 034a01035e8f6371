"""The toxicity heatmap as the browser draws it: an HTML table, as plain data.

On screen the heatmap is a table (assets/heatmap_table.js builds it): one row per event term, one
column per trial arm (or arm pair), each cell coloured by its value, the organ class of each run of
rows in a last column, the key and colour scale above. A table, not a plotly heatmap, because
plotly drew the ~125 cells, their texts, the colour bar and a copy of the header made sticky in
~80-100 ms of every change that touched it (issue 13: a grade change settled in ~3.6x the
one-graph app, the target is 3x); the table draws in a few ms, its header is natively sticky, a
screen reader reads it as a table, and the whole organ-class name shows (plotly cut it at the
figure's edge). Slides and image exports keep the plotly figure (evidence/figures/toxicity.py).

`table_data` reads the heatmap figure dict itself, so the screen and the exports can never show
different cells, texts or hovers: each cell's text and hover lines are the figure's, the cell
colour is the colour plotly gives its value on the figure's own scale, and the organ-class runs are
the figure's brackets. Everything is plain text (the figure's markup <br>/<b> read as lines,
entities decoded once): the browser puts it in with textContent only. No Dash here.
"""

from __future__ import annotations

import math

from evidence import theme
from evidence.colour import scale_colour, text_colour
from evidence.figures.toxicity import is_run_bracket, run_labels
from evidence.text_measure import markup_lines as lines

NOT_REPORTED_TEXT = "#555555"


def _ticks(zmin: float, zmax: float, suffix: str) -> list[dict]:
    """Colour-scale labels: at most six, at round steps, each with its place (0 bottom, 1 top)."""
    span = zmax - zmin
    step = next(s for s in (5, 10, 20, 25, 50, 100, 200, 500, 1000) if span / s <= 5) if span > 0 else 1
    first = math.ceil(zmin / step) * step
    values = [first + k * step for k in range(int((zmax - first) // step) + 1)]
    return [{"at": (v - zmin) / span if span else 0.0, "label": f"{v:g}".replace("-", "−") + suffix} for v in values]


def _scale(values: dict) -> dict:
    """The colour bar: its title lines, gradient stops and labels."""
    zmin, zmax = float(values.get("zmin", 0)), float(values.get("zmax", 1))
    bar = values.get("colorbar") or {}
    title = (bar.get("title") or {}).get("text", "")
    return {
        "title": lines(title),
        "stops": [[float(at), colour] for at, colour in values["colorscale"]],
        "ticks": _ticks(zmin, zmax, bar.get("ticksuffix", "")),
    }


def _key(trace: dict) -> dict:
    """A legend key: its words and its swatch (a square cell colour, or the derived-value diamond)."""
    marker = trace.get("marker") or {}
    return {
        "label": lines(trace.get("name"))[0] if trace.get("name") else "",
        "symbol": "diamond" if "diamond" in str(marker.get("symbol", "")) else "square",
        "colour": marker.get("color", "transparent"),
        "border": (marker.get("line") or {}).get("color", "#1A1A1A"),
    }


def _derived_cells(traces: list[dict]) -> set[tuple[int, int]]:
    """(row, column) of every cell marked derived: its diamond sits inside the cell, in a corner
    less than half a cell from its centre (toxicity._derived_markers), so rounding finds the cell."""
    cells = set()
    for trace in traces:
        if trace.get("type") == "scatter" and trace.get("mode") == "markers" and trace.get("x") != [None]:
            cells |= {(round(y), round(x)) for x, y in zip(trace["x"], trace["y"])}
    return cells


def _groups(layout: dict) -> list[dict]:
    """The organ-class runs: first row, number of rows and the class's whole name (a label cut to
    its rows on the figure keeps the whole name in its hover)."""
    runs = sorted((round(s["y0"] + 0.42), round(s["y1"] - 0.42)) for s in layout.get("shapes") or [] if is_run_bracket(s))
    labels = sorted(run_labels(layout), key=lambda a: a["y"])
    return [
        {"start": start, "rows": end - start + 1, "label": " ".join(lines(label.get("hovertext") or label["text"]))}
        for (start, end), label in zip(runs, labels)
    ]


def _separated(layout: dict) -> list[int]:
    """Rows drawn with a rule above them (the figure's full-width lines between organ-class blocks)."""
    return sorted(round(s["y0"] + 0.5) for s in layout.get("shapes") or []
                  if s.get("type") == "line" and s.get("xref") == "paper" and s.get("x0") == 0 and s.get("x1") == 1)


def _cell(i: int, j: int, nr: dict, values: dict, derived: set, colour_of) -> dict:
    """One cell: its text and hover lines, colours, kind and whether its value is derived."""
    value = values["z"][i][j]
    missing = nr["z"][i][j]
    hover = (values.get("hovertext") or [[]])[i][j] if value is not None else (nr.get("hovertext") or [[]])[i][j]
    if value is not None:
        background, kind = colour_of(value), "value"
    elif missing == 1:
        background, kind = theme.NO_FIGURES_COLOUR, "no-figures"
    elif missing == 0:
        background, kind = theme.NOT_REPORTED_COLOUR, "not-reported"
    else:
        background, kind = "#ffffff", "none"
    return {
        "text": lines(values["text"][i][j]),
        "hover": lines(hover),
        "bg": background,
        "fg": NOT_REPORTED_TEXT if kind == "not-reported" else text_colour(background),
        "kind": kind,
        "derived": (i, j) in derived,
    }


def table_data(figure: dict) -> dict:
    """The heatmap figure (evidence/figures/toxicity.py `toxicity_heatmap`) as the table the
    browser draws: title, key, colour scale, columns (trial, header lines), rows (term, cells) and
    organ-class groups; for a figure without cells, its message alone (`empty`)."""
    layout = figure.get("layout") or {}
    traces = figure.get("data") or []
    layers = [t for t in traces if t.get("type") == "heatmap"]
    if len(layers) < 2:
        message = " ".join(" ".join(lines(a.get("text"))) for a in layout.get("annotations") or [])
        return {"empty": message or "No adverse events match this selection."}
    nr, values = layers
    zmin, zmax = float(values.get("zmin", 0)), float(values.get("zmax", 1))

    def colour_of(value: float) -> str:
        return scale_colour(values["colorscale"], (value - zmin) / (zmax - zmin) if zmax > zmin else 0.0)

    derived = _derived_cells(traces)
    trials = [str(t) for t in (values.get("customdata") or [[]])[0]]
    n_rows = len(values["z"])
    terms = [_term(values, nr, i, layout) for i in range(n_rows)]
    return {
        "empty": "",
        "title": " ".join(lines((layout.get("title") or {}).get("text"))),
        "keys": [_key(t) for t in traces if t.get("x") == [None]],
        "scale": _scale(values),
        "columns": [{"trial": trial, "lines": lines(tick)} for trial, tick in zip(trials, layout["xaxis"]["ticktext"])],
        "rows": [
            {"term": term, "cells": [_cell(i, j, nr, values, derived, colour_of) for j in range(len(trials))]}
            for i, term in enumerate(terms)
        ],
        "groups": _groups(layout),
        "separated": _separated(layout),
    }


def _term(values: dict, nr: dict, i: int, layout: dict) -> str:
    """Row i's whole term: the bold first line of its cells' hover (the axis label is cut to one
    line of 32 characters for the figure)."""
    for layer in (values, nr):
        for hover in (layer.get("hovertext") or [[]])[i]:
            if isinstance(hover, str) and hover.startswith("<b>"):
                return lines(hover.split("<br>", 1)[0])[0]
    return " ".join(lines(layout["yaxis"]["ticktext"][i]))
