"""Published median time-to-event per arm with its 95% CI, grouped by trial, coloured by role.

Draws the rows of `evidence.tables.medians.median_rows` as a plain plotly figure dict.
"""

from __future__ import annotations

import pandas as pd

from evidence import theme
from evidence.figures.marks import (
    ci_whiskers,
    column_annotations,
    customdata,
    figure,
    floats,
    halo_trace,
    header,
    tick_label,
)
from evidence.tables.lookups import ROLE_RANK, endpoint_label, lower_first, missing, range_text
from evidence.theme import plain_text

_COLUMN_MEDIAN, _COLUMN_COUNTS = 0.70, 0.88


def _positions(trial_ids) -> list[float]:
    """y positions top to bottom: one step between arms, a wider gap between trials."""
    ys, y, previous = [], 0.0, None
    for trial_id in trial_ids:
        if previous is not None:
            y -= 1.0 if trial_id == previous else 1.7
        ys.append(y)
        previous = trial_id
    return ys


def medians_by_arm(rows: pd.DataFrame, endpoint: str, highlight: str | None = None) -> dict:
    """Median time-to-event per arm (whole-population analyses), one row per arm.

    Filled circles: CI as reported; open circles: no CI; open diamonds: derived medians.
    """
    label = endpoint_label(endpoint)
    if rows is None or rows.empty:
        return theme.empty_figure_dict(f"No published medians for {lower_first(label)}.")
    ys = _positions(rows["trial_id"])
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
    tick_text = [
        tick_label(f"{plain_text(name)} · {plain_text(arm)}", hl)
        for name, arm, hl in zip(rows["trial_name"], rows["arm_label"], rows["_hl"])
    ]
    layout = dict(
        title=dict(text=f"Median {plain_text(lower_first(label))} by arm"),
        height=int(200 + 40 * len(rows) + 25 * rows["trial_id"].nunique()),
        margin=dict(l=20, r=20, t=90, b=110),
        xaxis=dict(
            domain=[0.0, 0.66],
            range=[0, x_high * 1.08],
            title=dict(text=f"Median {plain_text(lower_first(label))} (months)"),
            rangemode="tozero",
        ),
        yaxis=dict(
            tickvals=ys, ticktext=tick_text, range=[min(ys) - 0.8, max(ys) + 1.0], showgrid=False, automargin=True,
            ticks="",
        ),  # fmt: skip
        legend=dict(title=dict(text="Arm role: ")),
        annotations=_annotations(rows, ys),
    )
    return figure(traces, layout)


def _annotations(rows: pd.DataFrame, ys: list[float]) -> list[dict]:
    """The median [CI] and events / n columns with their headers, and the footnote."""
    medians = [
        f"{theme.format_months(v)} [{range_text(lo, hi)}]" if c else f"{theme.format_months(v)} [CI NR]"
        for v, lo, hi, c in zip(rows["value"], rows["ci_low"], rows["ci_high"], rows["has_ci"])
    ]
    counts = [
        f"{'NR' if missing(c) else int(c)} / {'NR' if missing(n) else int(n)}"
        for c, n in zip(rows["count"], rows["n_analysed"])
    ]
    bold = [bool(h) for h in rows["_hl"]]
    top = max(ys) + 0.6
    annotations = column_annotations(ys, medians, _COLUMN_MEDIAN, bold=bold)
    annotations += column_annotations(ys, counts, _COLUMN_COUNTS, bold=bold)
    annotations += [header("Median [95% CI]", _COLUMN_MEDIAN, top), header("Events / n", _COLUMN_COUNTS, top)]
    footnotes = ["Whole-population analyses. Months to one decimal; NR = not reported."]
    if not rows["has_ci"].all():
        footnotes.append("Open circles: 95% CI not reported (no whisker).")
    if rows["derived"].any():
        footnotes.append("Open diamonds: derived (computed) value.")
    annotations.append(
        dict(
            x=0, y=0, xref="paper", yref="paper", text=" ".join(footnotes), showarrow=False,
            xanchor="left", yanchor="top", yshift=-82, align="left", font=dict(size=12, color="#444"),
        )
    )
    return annotations


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
