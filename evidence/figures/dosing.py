"""Sorafenib dose figures: planned ramp and delivered dose per cycle, and a what-if ramp.

Cycle c is drawn as the interval [c, c + 1] on the x axis, so a planned dose is a step across its
cycle and a per-cycle value (delivered mean, dose intensity) sits at the cycle's centre. Numbers
come from `evidence.dosing`; everything computed there is called derived on hover.
"""

from __future__ import annotations

import html
import math
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from evidence import theme
from evidence.dosing import DEFAULT_CYCLE_DAYS, FULL_DOSE_MG

REFERENCE_COLOUR = theme.MODEL_COLOUR


def _esc(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def _mg(value: float) -> str:
    return f"{value:,.0f}"


def _cycle_ticks(schedule: pd.DataFrame, cycles: list[int]) -> tuple[list[float], list[str]]:
    """Tick at each cycle's centre: 'Cycle 1' plus its day range when every arm shares it."""
    vals, text = [], []
    for c in cycles:
        rows = schedule[schedule["cycle"] == c]
        ranges = set(zip(rows["day_start"], rows["day_end"]))
        label = f"Cycle {c}"
        if len(ranges) == 1:
            start, end = ranges.pop()
            label += f"<br>days {start}–{end}"
        vals.append(c + 0.5)
        text.append(label)
    return vals, text


def _days_note(row) -> str:
    if row.cycle_days_assumed:
        return f"cycle length {row.cycle_days} days assumed (not stated in the source)"
    return f"cycle length {row.cycle_days} days (stated)"


def _note_line(row) -> str:
    """The row's curator note as a hover line ('' without one): it travels with every value taken
    from the row, e.g. PASO's cycle-2 delivered dose, whose cycle number the report omits."""
    note = _esc(row.note)
    return f"<br>note: {_wrap(note)}" if note else ""


def _wrap(text: str, width: int = 80) -> str:
    """Hover text broken into lines of at most about `width` characters, at spaces."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


def _planned_hover(trial_id: str, row) -> str:
    parts = [
        f"<b>{_esc(trial_id)} planned</b> · {_esc(row.arm_label)}",
        f"cycle {row.cycle} (days {row.day_start}–{row.day_end})",
        f"planned {_mg(row.planned_daily_mg)} mg/day",
    ]
    if row.planned_derived:
        parts[-1] += " — derived (daily total of the twice-daily schedule)"
    if row.carried_forward:
        parts.append("carried forward from the last stated cycle (maintenance dose continues)")
    parts.append(f"schedule as printed: {_esc(row.schedule)}")
    parts.append(_days_note(row))
    if _esc(row.note):
        parts.append(f"note: {_wrap(_esc(row.note))}")
    parts.append(f"source: {_esc(row.source)}")
    return "<br>".join(parts)


def _legend_name(trial_id: str, arm_id: str, multi_arm: bool, what: str) -> str:
    return f"{trial_id} {arm_id} {what}" if multi_arm else f"{trial_id} {what}"


def _centres(records: list) -> np.ndarray:
    """x of per-cycle values: the centre of each record's cycle interval [c, c + 1]."""
    return np.array([r.cycle + 0.5 for r in records])


def _arm_trace(trial_id: str, arm_id: str, opacity: float, *, x, y, hovertext, **style) -> dict:
    """One scatter trace of a trial × arm: its legend group, fading, hover text and click data
    (trial, arm). A dict, validated once by `fig.add_traces` (a go.Scatter would be validated twice)."""
    return dict(
        type="scatter", x=x, y=y, legendgroup=f"{trial_id}|{arm_id}", opacity=opacity, hovertext=hovertext,
        hovertemplate="%{hovertext}<extra></extra>", customdata=[[trial_id, arm_id]] * len(x), **style,
    )  # fmt: skip


def _cycle_gridlines(xs: list[int]) -> list[dict]:
    """Light vertical lines at cycle boundaries across all three panels, as `fig.add_vline(x)` draws
    them (x in data units, y over the panel's domain), built at once: add_vline re-checks every
    trace and re-validates every shape on each call. Every panel is non-empty (the full-dose
    references and the 100% label), so add_vline would draw each line in all three."""
    return [
        dict(
            type="line", x0=x, x1=x, y0=0, y1=1, xref=f"x{n}", yref=f"y{n} domain",
            line=dict(color="#E5E5E5", width=1), layer="below",
        )  # fmt: skip
        for x in xs
        for n in ("", "2", "3")
    ]


def dose_ramp_figure(schedule: pd.DataFrame, highlight: str | None = None) -> go.Figure:
    """Planned sorafenib dose steps and delivered mean daily dose per cycle (mg/day), cumulative dose
    against full dose (g), and relative dose intensity (%), one trace set per trial × arm."""
    if schedule is None or schedule.empty:
        return theme.empty_figure("No sorafenib dosing rows in this selection.")
    cycles = sorted(int(c) for c in schedule["cycle"].unique())
    last_cycle = max(cycles)
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, row_heights=[0.5, 0.28, 0.22], vertical_spacing=0.09,
        subplot_titles=(
            "Daily sorafenib dose per cycle (mg/day): planned steps, delivered mean",
            "Cumulative dose (g), derived = daily dose × cycle days",
            "Relative dose intensity (%), derived: solid = delivered ÷ 800 mg, dotted = delivered ÷ planned",
        ),
    )  # fmt: skip
    x_end = last_cycle + 1

    # Full-dose references, drawn first so trial lines sit on top.
    fig.add_trace(
        go.Scatter(
            x=[1, x_end], y=[FULL_DOSE_MG, FULL_DOSE_MG], mode="lines", name=f"full dose {FULL_DOSE_MG:.0f} mg/day",
            line=dict(color=REFERENCE_COLOUR, width=9), opacity=0.25, hoverinfo="skip", legendgroup="reference",
        ),
        row=1, col=1,
    )  # fmt: skip
    full = schedule.drop_duplicates("cycle").sort_values("cycle")
    fig.add_trace(
        go.Scatter(
            x=[1] + [c + 1 for c in full["cycle"]], y=[0.0] + list(full["cumulative_full_dose_mg"] / 1000.0),
            mode="lines", name="full dose, cumulative", line=dict(color=REFERENCE_COLOUR, width=2, dash="dash"),
            legendgroup="reference", showlegend=False,
            hovertemplate="full dose 800 mg/day: %{y:.1f} g by day %{customdata}<br>derived (800 mg × days)<extra></extra>",
            customdata=[0] + list(full["day_end"]),
        ),
        row=2, col=1,
    )  # fmt: skip
    # drawn before the panel has traces: plotly would skip it as an empty subplot without the flag
    fig.add_hline(y=100, line=dict(color=REFERENCE_COLOUR, width=1.5, dash="dash"), row=3, col=1, exclude_empty_subplots=False)

    # Each trial × arm's rows as records in cycle order, from one pass over the schedule: a filter per
    # arm is O(arms × rows), and pandas calls on an arm's few rows cost more than plain Python.
    arm_rows: dict[tuple, list] = {}
    for r in schedule.sort_values("cycle", kind="stable").itertuples():
        arm_rows.setdefault((r.trial_id, r.arm_id), []).append(r)
    groups = list(dict.fromkeys(zip(schedule["trial_id"], schedule["arm_id"])))
    arms_per_trial = schedule.drop_duplicates(["trial_id", "arm_id"]).groupby("trial_id").size()
    highlighted = highlight is not None and highlight in set(schedule["trial_id"])
    if highlighted:
        groups.sort(key=lambda g: g[0] == highlight)  # highlighted trial drawn last (on top)
    traces: list[dict] = []
    trace_rows: list[int] = []

    def add(trace: dict, row: int) -> None:
        traces.append(trace)
        trace_rows.append(row)

    not_stated = []
    end_labels: dict[float, list[str]] = {}
    cum_labels: dict[float, list[str]] = {}
    max_y = FULL_DOSE_MG
    max_rdi = 100.0
    for trial_id, arm_id in groups:
        rows = arm_rows[(trial_id, arm_id)]
        first = rows[0]
        colour = theme.ROLE_COLOURS.get(first.role, theme.ROLE_COLOURS["single"])
        multi = arms_per_trial.get(trial_id, 1) > 1
        emphasised = highlight is not None and trial_id == highlight
        faded = highlighted and not emphasised
        width = 4.5 if emphasised else 2.5
        opacity = 0.45 if faded else 1.0
        planned = [r for r in rows if pd.notna(r.planned_daily_mg)]
        if not planned:
            not_stated.append(f"{trial_id} ({_esc(first.arm_label)}): planned dose not stated in the source — not drawn")
            continue
        name = _legend_name(trial_id, arm_id, multi, "planned")
        # Step line: each cycle's dose holds over [c, c + 1] (line shape "hv").
        for carried, dash, suffix in ((False, "solid", ""), (True, "dot", " (carried forward)")):
            part = [r for r in planned if r.carried_forward == carried]
            if not part:
                continue
            xs = [r.cycle for r in part] + [part[-1].cycle + 1]
            ys = [r.planned_daily_mg for r in part] + [float(part[-1].planned_daily_mg)]
            hovers = [_planned_hover(trial_id, r) for r in part]
            hovers.append(hovers[-1])
            add(
                _arm_trace(
                    trial_id, arm_id, opacity, x=xs, y=ys, hovertext=hovers, mode="lines", name=name + suffix,
                    line=dict(color=colour, width=width, dash=dash, shape="hv"),
                ),
                row=1,
            )  # fmt: skip
        end_value = float(planned[-1].planned_daily_mg)
        label_name = trial_id if not multi else f"{trial_id} {arm_id}"
        if planned[-1].cycle == last_cycle:
            end_labels.setdefault(end_value, []).append(label_name)
        cum_end = rows[-1].cumulative_planned_mg
        if pd.notna(cum_end):
            cum_labels.setdefault(round(float(cum_end) / 1000.0, 1), []).append(label_name)

        # Delivered mean daily dose: reported values, filled markers with labels.
        delivered = [r for r in rows if pd.notna(r.delivered_mean_daily_mg)]
        if delivered:
            doses = [r.delivered_mean_daily_mg for r in delivered]
            max_y = max(max_y, float(max(doses)))
            hovers = [
                f"<b>{_esc(trial_id)} delivered</b> · {_esc(r.arm_label)}<br>cycle {r.cycle} (days {r.day_start}–{r.day_end})"
                f"<br>mean daily dose {_mg(r.delivered_mean_daily_mg)} mg/day (reported)"
                f"<br>{r.rdi_full_pct:.1f}% of {FULL_DOSE_MG:.0f} mg; {r.rdi_planned_pct:.1f}% of planned — derived (delivered ÷ dose)"
                + _note_line(r)
                + f"<br>source: {_esc(r.source)}"
                for r in delivered
            ]
            add(
                _arm_trace(
                    trial_id, arm_id, opacity, x=_centres(delivered), y=np.array(doses),
                    hovertext=hovers, mode="markers+text", name=_legend_name(trial_id, arm_id, multi, "delivered (mean)"),
                    marker=dict(color=colour, size=13 if emphasised else 11, symbol="circle", line=dict(color="white", width=1)),
                    text=[_mg(v) for v in doses], textposition="bottom center",
                    textfont=dict(color=colour, size=13),
                ),
                row=1,
            )  # fmt: skip

        # Cumulative planned dose (g), derived; dotted once it rests on carried-forward cycles.
        cum = [r for r in rows if pd.notna(r.cumulative_planned_mg)]
        if cum:
            xs = [1] + [r.cycle + 1 for r in cum]
            ys = [0.0] + [r.cumulative_planned_mg / 1000.0 for r in cum]
            carried_from = next((r.cycle for r in cum if r.carried_forward), None)
            hovers = [f"{_esc(trial_id)} planned: 0 g at day 0"] + [
                f"<b>{_esc(trial_id)} planned, cumulative</b><br>{r.cumulative_planned_mg / 1000:.1f} g by day {r.day_end} "
                f"(end of cycle {r.cycle})<br>derived (planned mg/day × cycle days)<br>{_days_note(r)}"
                + ("<br>includes carried-forward cycles" if carried_from is not None and r.cycle >= carried_from else "")
                for r in cum
            ]
            segments = [(0, len(xs), "solid")]
            if carried_from is not None:
                split = xs.index(carried_from)
                segments = [(0, split + 1, "solid"), (split, len(xs), "dot")]
            for start, stop, dash in segments:
                if stop - start < 2:
                    continue
                add(
                    _arm_trace(
                        trial_id, arm_id, opacity, x=xs[start:stop], y=ys[start:stop], hovertext=hovers[start:stop],
                        mode="lines", showlegend=False, name=_legend_name(trial_id, arm_id, multi, "planned, cumulative"),
                        line=dict(color=colour, width=width - 0.5, dash=dash),
                    ),
                    row=2,
                )  # fmt: skip
        cum_d = [r for r in rows if pd.notna(r.cumulative_delivered_mg)]
        if cum_d:
            xs = [1] + [r.cycle + 1 for r in cum_d]
            ys = [0.0] + [r.cumulative_delivered_mg / 1000.0 for r in cum_d]
            hovers = [f"{_esc(trial_id)} delivered: 0 g at day 0"] + [
                f"<b>{_esc(trial_id)} delivered, cumulative</b><br>{r.cumulative_delivered_mg / 1000:.1f} g by day {r.day_end} "
                f"vs {r.cumulative_full_dose_mg / 1000:.1f} g at full dose<br>derived (reported mean mg/day × cycle days)"
                f"<br>{_days_note(r)}"
                for r in cum_d
            ]
            add(
                _arm_trace(
                    trial_id, arm_id, opacity, x=xs, y=ys, hovertext=hovers, mode="lines+markers+text",
                    name=_legend_name(trial_id, arm_id, multi, "delivered, cumulative (derived)"), showlegend=False,
                    line=dict(color=colour, width=width),
                    marker=dict(symbol=theme.DERIVED_SYMBOL, size=10, color=colour, line=dict(width=2)),
                    text=[""] + [f"{v:.1f} g" for v in ys[1:-1]] + [f"{ys[-1]:.1f} g delivered"],
                    textposition="bottom right", textfont=dict(color=colour, size=12),
                ),
                row=2,
            )  # fmt: skip

        # Relative dose intensity (derived): delivered ÷ 800 mg, and delivered ÷ planned.
        rdi = [r for r in rows if pd.notna(r.rdi_full_pct)]
        if rdi:
            of_full = [r.rdi_full_pct for r in rdi]
            of_planned = [r.rdi_planned_pct for r in rdi]  # NaN where the planned dose is not stated
            max_rdi = max(max_rdi, float(max(v for v in of_full + of_planned if pd.notna(v))))
            add(
                _arm_trace(
                    trial_id, arm_id, opacity, x=_centres(rdi), y=np.array(of_full),
                    hovertext=[
                        f"<b>{_esc(trial_id)}</b> cycle {r.cycle}: {r.rdi_full_pct:.1f}% of {FULL_DOSE_MG:.0f} mg/day"
                        f"<br>derived ({_mg(r.delivered_mean_daily_mg)} ÷ {FULL_DOSE_MG:.0f} mg)" + _note_line(r)
                        for r in rdi
                    ],
                    mode="lines+markers+text", showlegend=False,
                    name=_legend_name(trial_id, arm_id, multi, f"% of {FULL_DOSE_MG:.0f} mg (derived)"),
                    line=dict(color=colour, width=width - 0.5),
                    marker=dict(symbol=theme.DERIVED_SYMBOL, size=10, color=colour, line=dict(width=2)),
                    text=[f"{v:.1f}%" for v in of_full], textposition="bottom center",
                    textfont=dict(color=colour, size=12),
                ),
                row=3,
            )  # fmt: skip
            add(
                _arm_trace(
                    trial_id, arm_id, opacity, x=_centres(rdi), y=np.array(of_planned),
                    hovertext=[
                        f"<b>{_esc(trial_id)}</b> cycle {r.cycle}: {r.rdi_planned_pct:.1f}% of the planned "
                        f"{_mg(r.planned_daily_mg)} mg/day<br>derived ({_mg(r.delivered_mean_daily_mg)} ÷ {_mg(r.planned_daily_mg)} mg)"
                        + _note_line(r)
                        for r in rdi
                    ],
                    mode="lines+markers+text", showlegend=False,
                    name=_legend_name(trial_id, arm_id, multi, "% of planned (derived)"),
                    line=dict(color=colour, width=1.5, dash="dot"),
                    marker=dict(symbol=theme.DERIVED_SYMBOL, size=8, color=colour, line=dict(width=1.5)),
                    text=[f"{v:.1f}%" for v in of_planned], textposition="top center",
                    textfont=dict(color=colour, size=11),
                ),
                row=3,
            )  # fmt: skip
    fig.add_traces(traces, rows=trace_rows, cols=1)

    # Direct labels at the right end of the planned lines (overlapping lines share one label).
    annotations = []
    for value, names in end_labels.items():
        annotations.append(
            dict(
                x=x_end, y=value, xref="x", yref="y", xanchor="left", yanchor="top", showarrow=False, xshift=6, align="left",
                text="<br>".join(_esc(n) for n in names) + f"<br>planned {_mg(value)} mg/day", font=dict(size=12, color="#333"),
            )
        )  # fmt: skip
    annotations.append(
        dict(
            x=1.02, y=FULL_DOSE_MG, xref="x", yref="y", xanchor="left", yanchor="top", showarrow=False, yshift=-6,
            text=f"full dose {FULL_DOSE_MG:.0f} mg/day (400 mg twice daily)", font=dict(size=12, color=REFERENCE_COLOUR),
        )
    )  # fmt: skip
    for k, text in enumerate(not_stated):
        annotations.append(
            dict(
                x=0.01, y=0.03 + 0.09 * k, xref="x domain", yref="y domain", xanchor="left", yanchor="bottom",
                showarrow=False, text=text, font=dict(size=12, color="#555"),
            )
        )  # fmt: skip
    full_end = round(float(full["cumulative_full_dose_mg"].iloc[-1]) / 1000.0, 1)
    cum_labels.setdefault(full_end, [])
    top_value = max(cum_labels)
    for value, names in cum_labels.items():
        names = (["full dose"] if value == full_end else []) + [f"{n} planned" for n in names]
        # The highest end point is labelled above its line, the others below, so labels never stack.
        annotations.append(
            dict(
                x=x_end, y=value, xref="x2", yref="y2", xanchor="left", showarrow=False, xshift=6,
                yanchor="bottom" if value == top_value else "top", yshift=-4 if value == top_value else 0,
                align="left", text="<br>".join(_esc(n) for n in names) + f": {value:.1f} g", font=dict(size=12, color="#333"),
            )
        )  # fmt: skip
    annotations.append(
        dict(
            x=x_end, y=100, xref="x3", yref="y3", xanchor="left", showarrow=False, xshift=4,
            text="100%", font=dict(size=12, color=REFERENCE_COLOUR),
        )
    )  # fmt: skip
    assumed = schedule[schedule["cycle_days_assumed"]]["trial_id"].unique()
    footnote = "Dotted planned line: last stated dose carried forward. ◇ = derived value."
    if len(assumed):
        footnote += f" Cycle length {DEFAULT_CYCLE_DAYS} days assumed for " + ", ".join(_esc(t) for t in assumed) + " (not stated)."
    annotations.append(
        dict(x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
             text=footnote, font=dict(size=12, color="#555"), yshift=-75)
    )  # fmt: skip
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        height=950,
        margin=dict(l=80, r=230, t=160, b=110),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yref="container", yanchor="top"),
        hovermode="closest",
    )
    # make_subplots titles are annotations: keep them and add ours.
    fig.update_layout(annotations=list(fig.layout.annotations) + annotations)
    for a in fig.layout.annotations[:3]:
        a.update(x=0, xanchor="left", font=dict(size=14))
    ticks, labels = _cycle_ticks(schedule, cycles)
    fig.update_xaxes(range=[0.9, x_end + 0.1], tickvals=ticks, ticktext=labels, showgrid=False, ticks="")
    fig.update_layout(shapes=list(fig.layout.shapes) + _cycle_gridlines(cycles[1:] + [x_end]))
    fig.update_xaxes(showticklabels=True, row=1, col=1)
    fig.update_xaxes(title_text="Treatment cycle (days since the start of sorafenib)", row=3, col=1)
    fig.update_yaxes(title_text="mg/day", range=[0, max_y * 1.12], row=1, col=1)
    top_g = float(full["cumulative_full_dose_mg"].max()) / 1000.0
    # A little room below 0 so value labels under the first points are not clipped.
    fig.update_yaxes(title_text="g", range=[-0.14 * top_g, 1.08 * top_g], row=2, col=1)
    fig.update_yaxes(title_text="%", range=[0, max(125.0, max_rdi * 1.2)], row=3, col=1)
    return fig


def what_if_figure(ramp: pd.DataFrame) -> go.Figure:
    """A user's hypothetical ramp against starting at full dose: daily dose steps (mg/day) and
    cumulative dose (g) with the deficit shaded and stated."""
    if ramp is None or ramp.empty:
        return theme.empty_figure("Enter a start dose, a step and the cycle to reach the target.")
    ramp = ramp.sort_values("cycle")
    target = float(ramp["full_daily_mg"].iloc[0])
    last = ramp.iloc[-1]
    n = int(last["cycle"])
    x_end = n + 1
    colour = theme.HIGHLIGHT_COLOUR
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.5, 0.5], vertical_spacing=0.12,
        subplot_titles=("Planned daily dose (mg/day): your ramp vs full dose", "Cumulative dose (g), derived = mg/day × cycle days"),
    )  # fmt: skip
    xs = list(ramp["cycle"]) + [x_end]
    ys = list(ramp["planned_daily_mg"]) + [float(last["planned_daily_mg"])]
    hovers = [
        f"cycle {r.cycle} (days {r.day_start}–{r.day_end}): {_mg(r.planned_daily_mg)} mg/day"
        + (" — raised to the target at the chosen cycle" if r.jump_to_target else "")
        + f"<br>deficit this cycle {_mg((target - r.planned_daily_mg) * r.cycle_days)} mg (hypothetical)"
        for r in ramp.itertuples()
    ]
    hovers.append(hovers[-1])
    fig.add_trace(
        go.Scatter(
            x=[1, x_end], y=[target, target], mode="lines", name=f"full dose {target:.0f} mg/day from cycle 1",
            line=dict(color=REFERENCE_COLOUR, width=2, dash="dash"), hoverinfo="skip", legendgroup="full",
        ),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line_shape="hv", name="your ramp (hypothetical)", legendgroup="ramp",
            line=dict(color=colour, width=3), fill="tonexty", fillcolor="rgba(230, 159, 0, 0.18)",
            hovertext=hovers, hovertemplate="%{hovertext}<extra></extra>",
        ),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=ramp["cycle"] + 0.5, y=ramp["planned_daily_mg"], mode="text", text=[_mg(v) for v in ramp["planned_daily_mg"]],
            textposition="top center", textfont=dict(color="#8A5A00", size=13), showlegend=False, hoverinfo="skip",
        ),
        row=1, col=1,
    )  # fmt: skip

    cx = [1] + list(ramp["cycle"] + 1)
    full_g = [0.0] + list(ramp["cumulative_full_dose_mg"] / 1000.0)
    ramp_g = [0.0] + list(ramp["cumulative_mg"] / 1000.0)
    fig.add_trace(
        go.Scatter(
            x=cx, y=full_g, mode="lines+markers", name="full dose, cumulative", legendgroup="full", showlegend=False,
            line=dict(color=REFERENCE_COLOUR, width=2, dash="dash"), marker=dict(symbol=theme.DERIVED_SYMBOL, size=8),
            hovertemplate="full dose: %{y:.1f} g by the end of the cycle<br>derived (mg/day × days)<extra></extra>",
        ),
        row=2, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=cx, y=ramp_g, mode="lines+markers", name="your ramp, cumulative", legendgroup="ramp", showlegend=False,
            line=dict(color=colour, width=3), marker=dict(symbol=theme.DERIVED_SYMBOL, size=9, line=dict(width=2)),
            fill="tonexty", fillcolor="rgba(230, 159, 0, 0.18)",
            hovertext=["0 g at day 0"] + [
                f"end of cycle {r.cycle} (day {r.day_end}): {r.cumulative_mg / 1000:.1f} g vs {r.cumulative_full_dose_mg / 1000:.1f} g"
                f"<br>deficit {r.deficit_mg / 1000:.1f} g ({r.deficit_pct:.1f}%) — derived (hypothetical)"
                for r in ramp.itertuples()
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        ),
        row=2, col=1,
    )  # fmt: skip
    deficit_text = (
        f"cumulative deficit after {n} cycle{'s' if n != 1 else ''}: "
        f"{last['deficit_mg'] / 1000:.1f} g ({last['deficit_pct']:.1f}%)"
    )
    # The deficit: a bracket between the two cumulative curves at the last cycle, stated in words.
    fig.add_shape(
        type="line", x0=x_end, x1=x_end, y0=ramp_g[-1], y1=full_g[-1], xref="x2", yref="y2",
        line=dict(color="#8A5A00", width=4),
    )  # fmt: skip
    fig.add_annotation(
        x=0.01, y=0.98, xref="x2 domain", yref="y2 domain", xanchor="left", yanchor="top", showarrow=False,
        text=f"<b>{deficit_text}</b><br>shaded: dose not given compared with starting at {target:.0f} mg/day",
        font=dict(size=13, color="#8A5A00"), align="left", bgcolor="rgba(255,255,255,0.85)",
    )  # fmt: skip
    fig.add_annotation(
        x=x_end, y=full_g[-1], xref="x2", yref="y2", xanchor="left", xshift=4, showarrow=False,
        text=f"{full_g[-1]:.1f} g full dose", font=dict(size=12, color=REFERENCE_COLOUR),
    )  # fmt: skip
    fig.add_annotation(
        x=x_end, y=ramp_g[-1], xref="x2", yref="y2", xanchor="left", xshift=4, showarrow=False,
        text=f"{ramp_g[-1]:.1f} g your ramp", font=dict(size=12, color="#8A5A00"),
    )  # fmt: skip
    ticks, labels = _cycle_ticks(ramp, [int(c) for c in ramp["cycle"]])
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        height=640,
        margin=dict(l=80, r=150, t=125, b=70),
        title=dict(
            text=f"What-if ramp (hypothetical, not trial data) — {deficit_text}",
            x=0, xanchor="left", y=0.985, yref="container", yanchor="top", pad=dict(l=12),
        ),
        legend=dict(orientation="h", x=0, xanchor="left", y=0.925, yanchor="top", yref="container"),
    )
    for a in fig.layout.annotations[:2]:
        a.update(x=0, xanchor="left", font=dict(size=14))
    fig.update_xaxes(range=[0.9, x_end + 0.1], tickvals=ticks, ticktext=labels, showgrid=False, ticks="")
    fig.update_xaxes(title_text="Treatment cycle (days since the start of the ramp)", row=2, col=1)
    fig.update_yaxes(title_text="mg/day", range=[0, target * 1.15], row=1, col=1)
    fig.update_yaxes(title_text="g", rangemode="tozero", row=2, col=1)
    return fig
