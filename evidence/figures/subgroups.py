"""Subgroup forest per trial: the whole-population hazard ratio and each subgroup's, on a log
axis, with the HR [CI], P and interaction P columns and the trial's model caveats underneath.

Draws `evidence.tables.subgroups.subgroup_rows` as a plain plotly figure dict. A subgroup the
document gives without a CI is an open circle without whisker (never an invented interval).
"""

from __future__ import annotations

import math

import pandas as pd

from evidence import theme
from evidence.figures.forest import TICK_FONT_PX, log_ticks
from evidence.figures.marks import (
    FOOTNOTE_CHARS,
    LABEL_CHARS,
    ci_whiskers,
    figure,
    floats,
    footnote_block,
    label_margin,
    line_count,
    side_columns,
    tick_label,
    wrapped,
)
from evidence.tables.lookups import endpoint_label, lower_first
from evidence.theme import plain_text

_COLOUR = theme.ROLE_COLOURS.get("experimental", "#333")


def _hover(r) -> str:
    lines = [f"<b>{plain_text(r.label.strip())}</b>", f"HR {plain_text(r.hr_text)} (experimental vs control)"]
    if r.p_text:
        lines.append(f"P {plain_text(r.p_text)}")
    if r.interaction_p:
        lines.append(f"Interaction {plain_text(r.interaction_p)}")
    if not r.has_ci:
        lines.append("No confidence interval in the document")
    lines.append(theme.source_hover(getattr(r, "source", None), getattr(r, "passage", None)))
    return "<br>".join(lines)


def subgroup_forest(rows: pd.DataFrame, endpoint: str, caveats: dict[str, list[str]] | None = None,
                    highlight: str | None = None) -> dict:
    label = lower_first(endpoint_label(endpoint))
    if rows is None or rows.empty:
        return theme.empty_figure_dict(f"No subgroup hazard ratio for {label} in the selected trials.")
    ys = [-float(i) for i in range(len(rows))]
    rows = rows.assign(_y=ys)
    traces = []
    for has_ci, group in rows.groupby("has_ci", sort=False):
        trace = dict(
            type="scatter", mode="markers", x=floats(group["value"]), y=floats(group["_y"]),
            name="95% CI reported" if has_ci else "no CI reported", hovertext=[_hover(r) for r in group.itertuples(index=False)],
            hovertemplate="%{hovertext}<extra></extra>", customdata=[[str(t), ""] for t in group["trial_id"]],
            marker=dict(symbol="square" if has_ci else "circle-open", size=11, color=_COLOUR, line=dict(color=_COLOUR, width=2)),
        )  # fmt: skip
        if has_ci:
            trace["error_x"] = ci_whiskers(group, _COLOUR, thickness=2, width=5)
        traces.append(trace)
    values = [v for v in [*floats(rows["value"]), *floats(rows["ci_low"]), *floats(rows["ci_high"])] if v]
    low, high = min(values + [1.0]), max(values + [1.0])
    x_range = [math.log10(low) - 0.15, math.log10(high) + 0.15]
    labelled, minor = log_ticks(10 ** x_range[0], 10 ** x_range[1])
    # labels wrapped to the forest's LABEL_CHARS, so the fixed margin leaves the plot room on a phone
    ticks = [tick_label(("  " if a == "subgroup" else "") + wrapped(lab, LABEL_CHARS, escape=True), t == highlight)
             for lab, a, t in zip(rows["label"], rows["analysis"], rows["trial_id"])]  # fmt: skip
    top = 0.6
    y_range = [min(ys) - 0.8, 1.0]
    column_axes, column_traces, right_px = side_columns(ys, [
        ("HR [95% CI]", [plain_text(h) for h in rows["hr_text"]]),
        ("P", [plain_text(p) for p in rows["p_label"]]),
        ("Interaction P", [plain_text(p) or "—" for p in rows["interaction_p"]]),
    ], top, y_range)  # fmt: skip
    notes = ["HR < 1 favours the experimental arm. Open circles: no CI in the document (no whisker); — no interaction test given."]
    for trial_id, lines in (caveats or {}).items():
        notes += [f"{plain_text(trial_id)}: {plain_text(line)}" for line in lines]
    note_lines = sum(line_count(wrapped(note, FOOTNOTE_CHARS)) for note in notes)
    row_px = max(40, 17 * max(line_count(t) for t in ticks) + 6)  # a wrapped label never meets the next
    left_px = label_margin(ticks)  # fixed, so the notes start at the figure's left edge at every width
    layout = dict(
        title=dict(text=f"Subgroups: hazard ratio for {plain_text(label)}"),
        height=int(220 + row_px * len(rows) + 18 * note_lines),
        margin=dict(l=left_px, r=right_px, t=90, b=80 + 18 * note_lines),
        # the forest's ticks: labels kept apart at the narrowest plot, always horizontal (never rotated on a tablet)
        xaxis=dict(type="log", domain=[0.0, 1.0], range=x_range, tickvals=labelled, tickangle=0,
                   tickfont=dict(size=TICK_FONT_PX), minor=dict(tickvals=minor, showgrid=True, gridcolor="#F0F0F0", ticks=""),
                   title=dict(text="Hazard ratio (log scale)")),
        yaxis=dict(tickvals=ys, ticktext=ticks, range=y_range, showgrid=False, automargin=False, ticks=""),
        **column_axes,
        shapes=[dict(type="line", x0=1, x1=1, xref="x", y0=0, y1=1, yref="paper", line=dict(color="#888", dash="dot"))],
        legend=dict(orientation="h", x=0.0, y=1.02, yanchor="bottom"),
        annotations=[footnote_block(notes, left_px, gap_px=72)],
    )  # fmt: skip
    return figure(traces + column_traces, layout)
