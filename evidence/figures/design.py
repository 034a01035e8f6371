"""Design assumptions versus observed outcome: up to three stacked panels of dumbbells.

Draws the rows of `evidence.tables.design.design_rows` as a plain plotly figure dict; the panels
are laid out by hand (`marks.row_domains`), as make_subplots would stack them.
"""

from __future__ import annotations

import math

import pandas as pd

from evidence import theme
from evidence.figures.marks import (
    axis_name,
    axis_ref,
    ci_whiskers,
    customdata,
    figure,
    floats,
    halo_trace,
    row_domains,
    row_label_margin,
    tick_label,
    wrapped,
)
from evidence.tables.design import DESIGN_PANELS
from evidence.theme import plain_text

_SIZE_COLOURS = {"patients": theme.OKABE_ITO["grey"], "events": theme.OKABE_ITO["sky_blue"]}
_TITLES = {
    "median": "Primary-endpoint medians: design assumption vs observed",
    "size": "Patients and events: planned vs actual",
    "rate": "Single-arm rate design: null and alternative rate vs observed",
}
_AXIS_TITLES = {
    "median": "Median time to event (months)",
    "size": "Number of patients or events",
    "rate": "Rate (% of patients)",
}


def _key_text() -> str:
    c = theme.ROLE_COLOURS
    return (
        "Hollow: design assumption or plan · filled: observed (whisker = 95% CI) · "
        f"open diamond: derived (sum over arms).<br>Colours: <span style='color:{c['experimental']}'>"
        f"<b>experimental</b></span>, <span style='color:{c['control']}'><b>control</b></span>, "
        f"<span style='color:{c['single']}'><b>single arm</b></span>, "
        f"<span style='color:{_SIZE_COLOURS['patients']}'><b>patients</b></span>, "
        f"<span style='color:{_SIZE_COLOURS['events']}'><b>events</b></span>."
    )


def design_vs_outcome(rows: pd.DataFrame, highlight: str | None = None, recorded: bool = True) -> dict:
    """What each trial assumed when sizing itself versus what it observed.

    Panel 1: assumed vs published medians of the primary endpoint (months). Panel 2: planned vs
    enrolled patients and planned vs observed events. Panel 3: single-arm rate designs (null and
    alternative rate) vs the observed rate. Hollow = design assumption or plan, filled = observed.
    `recorded` says whether the selection has any design rows at all (the empty message differs).
    """
    if not recorded:
        return theme.empty_figure_dict("No design assumptions recorded.")
    if rows is None or rows.empty:
        return theme.empty_figure_dict("No design assumptions that can be compared with results.")
    panels = [(key, rows[rows["panel"] == key]) for key in DESIGN_PANELS if (rows["panel"] == key).any()]
    heights = [panel["y"].nunique() + 1.6 for _, panel in panels]
    domains = row_domains([h / sum(heights) for h in heights], 0.3 / len(panels))
    traces: list[dict] = []
    shapes: list[dict] = []
    notes: list[dict] = []
    layout: dict = {}
    for index, ((key, panel), domain) in enumerate(zip(panels, domains), start=1):
        drawn = _panel(index, key, panel, highlight, domain)
        traces += drawn["traces"]
        shapes += drawn["shapes"]
        notes += drawn["notes"]
        layout.update(drawn["axes"])
    row_labels = [text for name, axis in layout.items() if name.startswith("yaxis") for text in axis["ticktext"]]
    # Panel titles, left-aligned over their panels, come first among the annotations.
    titles = [
        dict(
            y=domain[1], xref="paper", x=0.0, yref="paper", text=_TITLES[key], showarrow=False,
            font=dict(size=15), xanchor="left", yanchor="bottom",
        )
        for (key, _), domain in zip(panels, domains)
    ]  # fmt: skip
    layout.update(
        title=dict(text="Design assumptions vs observed outcome", subtitle=dict(text=_key_text(), font=dict(size=12, color="#333"))),
        height=int(255 + 46 * sum(heights)),
        margin=dict(l=row_label_margin(row_labels), r=30, t=140, b=60),  # l: every panel's row labels (plotly draws once)
        showlegend=False,
        annotations=[*titles, *notes],
    )
    if shapes:
        layout["shapes"] = shapes
    return figure(traces, layout)


def _style(key: str, kind: str, style: str) -> tuple[str, str, str]:
    """Trace name, colour and symbol: hollow = assumption or plan, filled = observed."""
    if key == "median":
        colour = theme.ROLE_COLOURS.get(style, theme.MODEL_COLOUR)
        return f"{kind} median, {style}", colour, "circle-open" if kind == "assumed" else "circle"
    if key == "size":
        colour = _SIZE_COLOURS.get(style, theme.MODEL_COLOUR)
        if kind == "planned":
            return f"planned {style}", colour, "circle-open"
        if kind == "derived":
            return f"observed {style}, derived (sum over arms)", colour, theme.DERIVED_SYMBOL
        return f"actual {style}", colour, "circle"
    if kind == "null":
        return "null rate (design)", theme.MODEL_COLOUR, "circle-open"
    if kind == "alternative":
        return "alternative rate (design)", theme.ROLE_COLOURS["single"], "circle-open"
    return "observed rate", theme.ROLE_COLOURS["single"], "circle"


def _panel(index: int, key: str, frame: pd.DataFrame, highlight: str | None, domain: list[float]) -> dict:
    """One panel's traces, connectors (shapes), 'not reported' notes (annotations) and axes."""
    frame = frame.assign(
        hl=frame["trial_id"].eq(highlight) if highlight else False, y_plot=frame["y"] + frame["dy"]
    )
    xref, yref = axis_ref("x", index), axis_ref("y", index)
    plotted = frame[frame["value"].notna()]
    spans = plotted.groupby("y")["value"].agg(["min", "max", "size"])
    top = float(pd.concat([frame["value"], frame["high"]]).max(skipna=True))
    traces = []
    chosen = plotted[plotted["hl"]]
    if not chosen.empty:
        traces.append(halo_trace(chosen, "value", "y_plot", [12] * len(chosen), err_x=("low", "high"), axes=(xref, yref)))
    for (kind, style), group in plotted.groupby(["kind", "style"], sort=False):
        traces.append(_marks(key, kind, style, group, (xref, yref), spans))
    labels = frame.drop_duplicates("y")
    tick_text = [
        tick_label(f"{plain_text(name)} · {plain_text(label)}", hl)
        for name, label, hl in zip(labels["trial_name"], labels["row_label"], labels["hl"])
    ]
    top = top if math.isfinite(top) else 1.0
    axes = {
        axis_name("xaxis", index): dict(
            anchor=yref, domain=[0.0, 1.0], title=dict(text=_AXIS_TITLES[key], standoff=8),
            range=[0, min(100.0, top * 1.15) if key == "rate" else top * 1.12],
        ),
        axis_name("yaxis", index): dict(
            anchor=xref, domain=domain, tickvals=floats(labels["y"]), ticktext=tick_text, showgrid=False,
            automargin=False, range=[float(labels["y"].min()) - 0.7, float(labels["y"].max()) + 0.7], ticks="",
        ),
    }  # fmt: skip
    return dict(traces=traces, shapes=_connectors(spans, xref, yref), notes=_notes(frame, spans, xref, yref), axes=axes)


def _label_positions(group: pd.DataFrame, spans: pd.DataFrame) -> list[str]:
    """Where each mark's value label sits: above it, and in a row of several marks the lowest's
    to its left and the highest's to its right, so two close marks' labels never run together
    (E2100's 685 and 722 patients read "685722" at 1024 px)."""
    out = []
    for y, value in zip(group["y"], group["value"]):
        row = spans.loc[y]
        side = "center"
        if row["size"] > 1 and row["min"] != row["max"]:
            side = "left" if value == row["min"] else "right" if value == row["max"] else "center"
        out.append(f"top {side}")
    return out


def _marks(key: str, kind: str, style: str, group: pd.DataFrame, axes: tuple[str, str], spans: pd.DataFrame) -> dict:
    """One kind of mark of a panel (e.g. assumed control medians), with its hover text."""
    name, colour, symbol = _style(key, kind, style)
    trace = dict(
        type="scatter",
        x=floats(group["value"]),
        y=floats(group["y_plot"]),
        mode="markers" if key == "median" else "markers+text",
        textposition=_label_positions(group, spans),
        textfont=dict(size=12, color="#333"),
        name=plain_text(name),
        customdata=customdata(group["trial_id"], group["arm_id"]),
        hovertext=[
            f"<b>{plain_text(t)}</b><br>" + "<br>".join(plain_text(line) for line in hover)
            for t, hover in zip(group["trial_name"], group["hover"])
        ],
        hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(symbol=symbol, size=12, color=colour, line=dict(color=colour, width=2)),
        xaxis=axes[0],
        yaxis=axes[1],
    )
    if key != "median":
        trace["text"] = [f"{v:g}%" if key == "rate" else f"{v:g}" for v in group["value"]]
    if group["low"].notna().any():
        trace["error_x"] = ci_whiskers(group, colour, thickness=2, width=5, low="low", high="high", fill=True)
    return trace


def _connectors(spans: pd.DataFrame, xref: str, yref: str) -> list[dict]:
    """Dumbbell connectors between the marks of each row that has more than one."""
    return [
        dict(
            type="line", x0=float(low), x1=float(high), y0=float(y), y1=float(y), xref=xref, yref=yref,
            line=dict(color="#BBBBBB", width=2), layer="below",
        )
        for y, low, high, marks in zip(spans.index, spans["min"], spans["max"], spans["size"])
        if marks > 1
    ]  # fmt: skip


NOTE_CHARS = 26
"""A 'not reported' note's lines: one of 52 characters left of E2100's events ran into the row
labels at 1024 px."""


def _notes(frame: pd.DataFrame, spans: pd.DataFrame, xref: str, yref: str) -> list[dict]:
    """'Not reported' notes beside the marks of their row (right of them, or left when the marks
    are in the right half of the axis) so they never cover a mark or leave the plot."""
    axis_top = float(pd.concat([frame["value"], frame["high"]]).max(skipna=True))
    notes = []
    for row in frame[frame["kind"] == "missing"].itertuples(index=False):
        if row.y not in spans.index:
            x, anchor, shift = 0.0, "left", 4
        elif spans.at[row.y, "max"] > 0.5 * axis_top:
            x, anchor, shift = float(spans.at[row.y, "min"]), "right", -14
        else:
            x, anchor, shift = float(spans.at[row.y, "max"]), "left", 14
        notes.append(
            dict(
                x=x, y=float(row.y), xref=xref, yref=yref,
                text=f"<i>{'<br>'.join(wrapped(line, NOTE_CHARS, escape=True) for line in row.hover)}</i>",
                showarrow=False, xanchor=anchor, xshift=shift, font=dict(size=12, color="#666"),
            )
        )  # fmt: skip
    return notes
