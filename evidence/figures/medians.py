"""Published median time-to-event per arm with its 95% CI, grouped by trial, coloured by role.

Draws the rows of `evidence.tables.medians.median_rows` as a plain plotly figure dict.
"""

from __future__ import annotations

import pandas as pd

from evidence import theme
from evidence.figures.marks import (
    FOOTNOTE_CHARS,
    LABEL_CHARS,
    ci_whiskers,
    customdata,
    figure,
    from_top,
    floats,
    footnote_block,
    halo_trace,
    label_margin,
    line_count,
    side_columns,
    tick_label,
    wrapped,
)
from evidence.tables.lookups import ROLE_RANK, endpoint_label, lower_first, missing, range_text
from evidence.theme import plain_text

_LINE_UNITS = 0.42  # one 13 px line of a tick label, in rows (40 px)


def _positions(trial_ids, line_counts) -> list[float]:
    """y positions top to bottom: one step between arms, a wider gap between trials, more where
    wrapped labels of more lines need it."""
    ys, y, previous, lines_before = [], 0.0, None, 1
    for trial_id, lines in zip(trial_ids, line_counts):
        if previous is not None:
            y -= max(1.0 if trial_id == previous else 1.7, _LINE_UNITS * (lines + lines_before) / 2 + 0.3)
        ys.append(y)
        previous, lines_before = trial_id, lines
    return ys


def medians_by_arm(rows: pd.DataFrame, endpoint: str, highlight: str | None = None) -> dict:
    """Median time-to-event per arm (whole-population analyses), one row per arm.

    Filled circles: CI as reported; open circles: no CI; open diamonds: derived medians.
    """
    label = endpoint_label(endpoint)
    if rows is None or rows.empty:
        return theme.empty_figure_dict(f"No published medians for {lower_first(label)}.")
    names = [wrapped(f"{name} · {arm}", LABEL_CHARS, escape=True) for name, arm in zip(rows["trial_name"], rows["arm_label"])]
    ys = _positions(rows["trial_id"], [line_count(n) for n in names])
    rows = rows.assign(_y=ys, _hl=rows["trial_id"].eq(highlight) if highlight else False)

    traces = []
    chosen = rows[rows["_hl"]]
    if not chosen.empty:
        traces.append(halo_trace(chosen, "value", "_y", [11] * len(chosen), err_x=("ci_low", "ci_high")))
    shown_roles: set[str] = set()
    for (role, has_ci, derived), group in rows.groupby(["role", "has_ci", "derived"], sort=False):
        colour = theme.ROLE_COLOURS.get(role, theme.MODEL_COLOUR)
        symbol = theme.DERIVED_SYMBOL if derived else ("circle" if has_ci else "circle-open")
        trace = dict(
            type="scatter",
            x=floats(group["value"]),
            y=floats(group["_y"]),
            mode="markers",
            name=plain_text(role),
            legendgroup=role,
            legendrank=100 + ROLE_RANK.get(role, 9),
            showlegend=role not in shown_roles,
            customdata=customdata(group["trial_id"], group["arm_id"]),
            text=[_hover(r, label) for r in group.itertuples(index=False)],
            hovertemplate="%{text}<extra></extra>",
            marker=dict(symbol=symbol, size=11, color=colour, line=dict(color=colour, width=2 if symbol != "circle" else 0)),
        )
        if has_ci:
            trace["error_x"] = ci_whiskers(group, colour, thickness=2, width=5)
        shown_roles.add(role)
        traces.append(trace)

    x_high = max(v for v in [*floats(rows["value"]), *floats(rows["ci_high"])] if v is not None)
    tick_text = [tick_label(name, hl) for name, hl in zip(names, rows["_hl"])]
    left_px = label_margin(tick_text)
    header_y = max(ys) + 0.3 + _LINE_UNITS * (line_count(names[0]) + 1) / 2
    y_range = [min(ys) - 0.8, header_y + 0.45]
    column_axes, column_traces, right_px = side_columns(ys, _columns(rows), header_y, y_range, bold=[bool(h) for h in rows["_hl"]])
    footnotes = _footnotes(rows, left_px)
    footnote_lines = line_count(footnotes["text"])
    height = int(250 + 40 * (y_range[1] - y_range[0]) + 17 * footnote_lines)
    layout = dict(
        title=dict(text=f"Median {plain_text(lower_first(label))} by arm", y=1.0, yref="container", yanchor="top", pad=dict(t=14)),
        height=height,
        margin=dict(l=left_px, r=right_px, t=118, b=118 + 17 * footnote_lines),
        xaxis=dict(
            domain=[0.0, 1.0],
            range=[0, x_high * 1.08],
            title=dict(text=wrapped(f"Median {lower_first(label)} (months)", 30, escape=True)),
            rangemode="tozero",
        ),
        yaxis=dict(
            tickvals=ys, ticktext=tick_text, range=y_range, showgrid=False, automargin=False, ticks="", fixedrange=True,
        ),  # fmt: skip
        **column_axes,
        # Under the title from the figure's left edge (a fixed pixel offset: the height is fixed), so
        # the keys fit one row on a phone and, wrapped, grow down into the margin kept for them.
        legend=dict(title=dict(text="Arm role: "), xref="container", x=0.0, orientation="h", **from_top(46, height)),
        annotations=[footnotes],
    )
    traces += column_traces
    return figure(traces, layout)


def _columns(rows: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """The median [95% CI] and events / n columns beside the plot."""
    medians = [
        f"{theme.format_months(v)} [{range_text(lo, hi)}]" if c else f"{theme.format_months(v)} [CI NR]"
        for v, lo, hi, c in zip(rows["value"], rows["ci_low"], rows["ci_high"], rows["has_ci"])
    ]
    counts = [
        f"{'NR' if missing(c) else int(c)} / {'NR' if missing(n) else int(n)}"
        for c, n in zip(rows["count"], rows["n_analysed"])
    ]
    return [("Median<br>[95% CI]", medians), ("Events<br>/ n", counts)]


def _footnotes(rows: pd.DataFrame, left_px: int) -> dict:
    """The footnote under the plot, wrapped to fit a phone."""
    footnotes = ["Whole-population analyses. Months to one decimal; NR = not reported."]
    if not rows["has_ci"].all():
        footnotes.append("Open circles: 95% CI not reported (no whisker).")
    if rows["derived"].any():
        footnotes.append("Open diamonds: derived (computed) value.")
    return footnote_block([" ".join(footnotes)], left_px, gap_px=100, width=FOOTNOTE_CHARS)


def _hover(row, label: str) -> str:
    ci = f"95% CI {range_text(row.ci_low, row.ci_high)} months" if row.has_ci else "CI not reported"
    lines = [
        f"<b>{plain_text(row.trial_name)} · {plain_text(row.arm_label)}</b> ({plain_text(row.role)})",
        f"Median {plain_text(lower_first(label))} {theme.format_months(row.value)} months; {ci}",
    ]
    count_bits = []
    if not missing(row.count):
        count_bits.append(f"{int(row.count)} events")
    if not missing(row.n_analysed):
        count_bits.append(f"{int(row.n_analysed)} analysed")
    analysis = plain_text(row.analysis)
    lines.append(", ".join(count_bits) + f" ({analysis})" if count_bits else f"{analysis} analysis")
    if row.derived:
        lines.append("derived (computed, not printed)")
    lines.append(theme.source_hover(getattr(row, "source", None), getattr(row, "passage", None)))
    return "<br>".join(lines)
