"""Treatment delivered and stopped, per arm: bars for the share of patients (or planned doses)
a measure counts, and the medians (cycles, months of treatment) as text rows.

Draws `evidence.tables.exposure.exposure_table` as a plain plotly figure dict; placed beside the
dose ramp and the toxicity heatmap, it shows what the toxicity cost in treatment delivered.
"""

from __future__ import annotations

import pandas as pd

from evidence import theme
from evidence.figures.marks import figure, row_label_margin, tick_label, wrapped
from evidence.tables.exposure import PERCENT, SUMMARY, arm_summary, measure_label
from evidence.tables.lookups import ROLE_RANK
from evidence.theme import plain_text


def _hover(r) -> str:
    lines = [f"<b>{plain_text(r.trial_name)} · {plain_text(r.arm_label)}</b>", plain_text(measure_label(r)), plain_text(r.shown)]
    if r.population:
        lines.append(f"Of: {plain_text(r.population)}")
    if r.discrepancy:
        lines.append(f"Document disagrees with itself: {plain_text(r.discrepancy)}")
        if r.pct_from_counts is not None:
            lines.append(f"From the counts: {r.pct_from_counts:.1f}% (derived)")
    lines.append(theme.source_hover(r.source, getattr(r, "passage", None)))
    return "<br>".join(lines)


def exposure_figure(table: pd.DataFrame, highlight: str | None = None) -> dict:
    """One row per measure and trial, top to bottom in the table's order; bars per arm role."""
    if table is None or table.empty:
        return theme.empty_figure_dict("No treatment exposure or stopping is curated for the selected trials.")
    table = table.assign(_label=[measure_label(r) for r in table.itertuples(index=False)])
    keys = list(dict.fromkeys(zip(table["trial_id"], table["_label"])))
    y_of = {key: -float(i) for i, key in enumerate(keys)}
    names = dict(zip(table["trial_id"], table["trial_name"]))
    traces = []
    bars = table[(table["kind"] == PERCENT) & table["pct"].notna()]
    roles = sorted(dict.fromkeys(bars["role"]), key=lambda role: -ROLE_RANK.get(role, 9))
    for role in roles:
        group = bars[bars["role"] == role]
        traces.append(
            dict(
                type="bar", orientation="h", name=plain_text(role),
                x=[float(v) for v in group["pct"]], y=[y_of[(t, m)] for t, m in zip(group["trial_id"], group["_label"])],
                text=[plain_text(s) + (" †" if d else "") for s, d in zip(group["shown"], group["discrepancy"])], textposition="outside", cliponaxis=False,
                hovertext=[_hover(r) for r in group.itertuples(index=False)], hovertemplate="%{hovertext}<extra></extra>",
                customdata=[[str(t), str(a)] for t, a in zip(group["trial_id"], group["arm_id"])],
                marker=dict(color=theme.ROLE_COLOURS.get(role, theme.MODEL_COLOUR)),
            )
        )  # fmt: skip
    summaries = table[table["kind"] == SUMMARY]
    grouped = list(summaries.groupby(["trial_id", "_label"], sort=False)) if not summaries.empty else []
    # medians are text rows: annotations at the row, one arm a line, not a text trace (a slide
    # widened the x axis to 1200% to fit a trace's text inside the plot)
    medians = [
        dict(x=1.0, y=y_of[key], xref="x", yref="y", xanchor="left", showarrow=False, align="left",
             font=dict(size=12, color="#333"), text=plain_text(arm_summary(rows)).replace(" · ", "<br>"))
        for key, rows in grouped
    ]  # fmt: skip
    tick_text = [tick_label(plain_text(f"{names[t]} · {label}"), t == highlight) for t, label in keys]
    layout = dict(
        title=dict(text="Treatment delivered and stopped, per arm"),
        barmode="group",
        height=int(180 + 44 * len(keys)),
        margin=dict(l=row_label_margin(tick_text), r=60, t=80, b=135),  # l: the row labels (plotly draws once)
        xaxis=dict(title=dict(text="% of patients<br>(or of planned doses), as printed"), range=[0, 105]),
        yaxis=dict(tickvals=list(y_of.values()), ticktext=tick_text, automargin=False, ticks="",
                   range=[-len(keys) + 0.4, 0.6]),
        legend=dict(title=dict(text="Arm: "), orientation="h", x=1.0, xanchor="right", y=1.02, yanchor="bottom"),
        annotations=medians + [dict(
            x=1, y=0, xref="paper", yref="paper", yshift=-90, xanchor="right", yanchor="top", align="left",
            showarrow=False, font=dict(size=12, color="#444"),
            # wrapped for the narrowest drawing (a phone keeps 720 px) and hung from the right edge:
            # the row labels take a share of the left that depends on the trials
            text=wrapped("Bars: percent as printed, with count/denominator; † the printed percentage disagrees with "
                         "the counts (hover for both). Text rows: medians as reported.", 90),
        )],
    )  # fmt: skip
    return figure(traces, layout)
