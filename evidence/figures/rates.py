"""Response and landmark rates per arm with 95% CIs: one panel per endpoint, trials along x.

Draws the rows of `evidence.tables.rates.rate_rows` as a plain plotly figure dict; the panels
are laid out by hand (`marks.column_domains`), as make_subplots would with shared y axes.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from evidence import theme
from evidence.contract import RATE_ENDPOINTS
from evidence.figures.marks import (
    axis_name,
    axis_ref,
    ci_whiskers,
    column_domains,
    customdata,
    figure,
    from_top,
    floats,
    halo_trace,
    panel_title,
    wrapped,
)
from evidence.tables.lookups import ROLE_RANK, endpoint_label, missing, range_text
from evidence.theme import plain_text

_ROLE_OFFSET = {"experimental": -0.17, "control": 0.17, "single": 0.0}
TRIAL_STEP = 1.6
"""x distance between neighbouring trials of a panel. A label written right of one trial's control
arm and one written left of the next trial's experimental arm share the gap between them: with
trials 1 apart (a gap of 0.66) E2100's 36.9% ran over PASO's control whisker in half a 1366 px
screen (the narrowest drawing, a plot of 410 px), and PASO's 43.3% touched E2100's. A 12 px label
reaches about 42 px from its marker, a whisker's cap 5 px: 1.6 leaves about 54 px between the two
arms there (panels are as wide as their x ranges, so this panel takes its room from the others)."""
_LEFT_ROOM = 1.05
"""x units left of a panel's first trial, room for its experimental arm's label (about 42 px from
the marker), which reaches into the left margin towards the y tick labels."""
_TICK_STANDOFF_PX = 4
"""The first panel's y tick labels stand this far off the axis: with `_LEFT_ROOM` alone, PASO's
"40.0%" came within 3.4 px of "40" at 1366 px (more room would narrow the two-trial panel, whose
labels then ran into a whisker)."""
_HEADING_PX = 14
"""Panel headings: three one-trial panels side by side in half a 1366 px screen are about 74 px
wide each; at 16 px "control rate" ran into "reduction rate"."""
_TICK_CHARS = 10
"""A trial id longer than this breaks after a hyphen onto a second line: one-trial panels side by
side in half a 1366 px screen are about 74 px wide, and "MRCC-SORAFENIB" on one line (~100 px) came
within a pixel of its neighbour's "E2100"."""
_ROLE_TEXT_POSITION = {"experimental": "middle left", "control": "middle right", "single": "middle right"}
_PANEL_SPACING = 0.035
# Wrapped for the narrowest drawing: half of a 1366 px screen (about 500 px, 12 px text).
_FOOTNOTE = wrapped(
    "Whole population (subgroups: see the subgroup forest). Filled: 95% CI as reported. "
    "Open diamond: CI derived (computed from counts; hover says how). "
    "Open circle: CI not reported.<br>1-year survival is a Kaplan–Meier estimate: no binomial CI is derived.",
    70,
)


def rates_by_arm(rows: pd.DataFrame, highlight: str | None = None) -> dict:
    """Rates per arm (percent of patients) with 95% CI, one panel per endpoint, trials along x.

    Filled markers: CI as reported; open diamonds: CI derived; open circles: no CI.
    """
    if rows is None or rows.empty:
        return theme.empty_figure_dict("No response or landmark rates reported.")
    endpoints = [e for e in RATE_ENDPOINTS if e in set(rows["endpoint"])]
    endpoints += [e for e in dict.fromkeys(rows["endpoint"]) if e not in endpoints]
    # Panels as wide as the trials they show (x range units), as on the slide (rates_slide.py):
    # equal panels gave two trials the room of one, and in half a 1366 px screen the first panel's
    # labels ran into each other and into the y axis's tick labels ("40.0%" over "40").
    panel_trials = [list(dict.fromkeys(rows.loc[rows["endpoint"] == e, "trial_id"])) for e in endpoints]
    ranges = [_x_range(len(trial_ids)) for trial_ids in panel_trials]
    domains = column_domains(len(endpoints), _PANEL_SPACING, [high - low for low, high in ranges])
    rows = rows.assign(_hl=rows["trial_id"].eq(highlight) if highlight else False)
    traces: list[dict] = []
    layout: dict = {}
    shown_roles: set[str] = set()
    for index, (endpoint, domain, trial_ids, x_range) in enumerate(zip(endpoints, domains, panel_trials, ranges), start=1):
        panel = rows[rows["endpoint"] == endpoint]
        traces += _panel_traces(panel, trial_ids, index, shown_roles)
        # no axis title ("Trial" under each panel): a trial name on two lines reached into it
        layout[axis_name("xaxis", index)] = dict(
            anchor=axis_ref("y", index), domain=domain, tickvals=[i * TRIAL_STEP for i in range(len(trial_ids))],
            ticktext=[_trial_tick(t, t == highlight) for t in trial_ids], range=x_range, showgrid=False,
        )  # fmt: skip
        shared = (dict(title=dict(text="Patients (%)"), ticklabelstandoff=_TICK_STANDOFF_PX) if index == 1
                  else dict(matches="y", showticklabels=False))
        layout[axis_name("yaxis", index)] = dict(anchor=axis_ref("x", index), domain=[0.0, 1.0], range=[0, 100], dtick=20, **shared)
    # headings wrapped to a panel's width on the narrowest drawing (four panels in half of a
    # 1366 px screen ran into each other); slides re-wrap them to their own panels
    titles = [panel_title(wrapped(plain_text(endpoint_label(e)), 14), sum(d) / 2.0, 1.0, size=_HEADING_PX)
              for e, d in zip(endpoints, domains)]
    footnote = dict(
        x=0, y=0, xref="paper", yref="paper", text=_FOOTNOTE, showarrow=False, xanchor="left",
        yanchor="top", yshift=-52, align="left", font=dict(size=12, color="#444"),
    )  # fmt: skip
    layout.update(
        title=dict(text="Response and landmark rates by arm", **from_top(16, 600)),
        height=600,
        margin=dict(l=70, r=20, t=140, b=129),
        legend=dict(title=dict(text="Arm role: "), **from_top(50, 600)),  # under the title
        annotations=[*titles, footnote],
    )
    return figure(traces, layout)


def _trial_tick(trial_id: str, highlighted: bool) -> str:
    """A trial's x tick label: longer than `_TICK_CHARS`, broken after a hyphen or at a space into
    two lines (words kept whole), each line escaped; bold when highlighted."""
    text = str(trial_id)
    width = max(_TICK_CHARS, -(-len(text) // 2))  # half the name a line: two lines, about even
    lines = textwrap.wrap(text, width=width, break_on_hyphens=True, break_long_words=False) or [""]
    text = "<br>".join(plain_text(line) for line in lines)
    return f"<b>{text}</b>" if highlighted else text


def _x_range(trials: int) -> list[float]:
    """A panel's x range: room left of the first trial for its experimental arm's label."""
    return [-_LEFT_ROOM, (trials - 1) * TRIAL_STEP + 0.75]


def _panel_traces(panel: pd.DataFrame, trial_ids: list[str], index: int, shown_roles: set[str]) -> list[dict]:
    """One endpoint's marks: the highlight halo, then one trace per role and kind of CI."""
    axes = (axis_ref("x", index), axis_ref("y", index))
    position = {t: i * TRIAL_STEP for i, t in enumerate(trial_ids)}
    panel = panel.assign(_x=[position[t] + _ROLE_OFFSET.get(r, 0.0) for t, r in zip(panel["trial_id"], panel["role"])])
    traces = []
    chosen = panel[panel["_hl"]]
    if not chosen.empty:
        traces.append(halo_trace(chosen, "_x", "value", [11] * len(chosen), err_y=("ci_low", "ci_high"), axes=axes))
    for (role, status, value_derived), group in panel.groupby(["role", "ci_status", "value_derived"], sort=False):
        colour = theme.ROLE_COLOURS.get(role, theme.MODEL_COLOUR)
        symbol = {"reported": "circle", "derived": theme.DERIVED_SYMBOL}.get(status, "circle-open")
        if value_derived:
            symbol = theme.DERIVED_SYMBOL
        trace = dict(
            type="scatter",
            x=floats(group["_x"]),
            y=floats(group["value"]),
            mode="markers+text",
            text=[theme.format_percent(v) for v in group["value"]],
            textposition=_ROLE_TEXT_POSITION.get(role, "middle right"),
            textfont=dict(size=12, color=colour),
            # a label beside a marker near a narrow panel's edge is drawn whole, not cut to "1.2%"
            cliponaxis=False,
            name=plain_text(role),
            legendgroup=role,
            legendrank=100 + ROLE_RANK.get(role, 9),
            showlegend=role not in shown_roles,
            customdata=customdata(group["trial_id"], group["arm_id"]),
            hovertext=[_hover(r) for r in group.itertuples(index=False)],
            hovertemplate="%{hovertext}<extra></extra>",
            marker=dict(symbol=symbol, size=11, color=colour, line=dict(color=colour, width=2 if symbol != "circle" else 0)),
            xaxis=axes[0],
            yaxis=axes[1],
        )
        if status != "not reported":
            trace["error_y"] = ci_whiskers(group, colour, thickness=2, width=5)
        shown_roles.add(role)
        traces.append(trace)
    return traces


def _hover(row) -> str:
    ci = f"95% CI {range_text(row.ci_low, row.ci_high)}%" if row.ci_status != "not reported" else "no whisker"
    lines = [
        f"<b>{plain_text(row.trial_id)} · {plain_text(row.arm_label)}</b> ({plain_text(row.role)})",
        f"{plain_text(endpoint_label(row.endpoint))} {theme.format_percent(row.value)}; {ci}",
        plain_text(row.ci_note),
    ]
    if row.value_derived:
        lines.append("rate derived (computed, not printed)")
    if not missing(row.n_analysed):
        lines.append(f"n analysed {int(row.n_analysed)}")
    lines.append(theme.source_hover(getattr(row, "source", None), getattr(row, "passage", None)))
    return "<br>".join(lines)
