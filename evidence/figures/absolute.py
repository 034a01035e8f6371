"""Absolute effects as a dumbbell chart: per trial and month, the control and experimental
event-free percentages (model-based), the line between them the difference, and the columns
'difference' and 'NNT / NNH'; the RMST differences and the trials left out under the plot.

Draws `evidence.tables.absolute.AbsoluteEffects` as a plain plotly figure dict. Every mark is
model-based (dashed line, open markers); a published experimental landmark is a filled cross.
"""

from __future__ import annotations

import math

from evidence import theme
from evidence.figures.marks import (
    FOOTNOTE_CHARS,
    figure,
    floats,
    footnote_block,
    label_margin,
    line_count,
    side_columns,
    tick_label,
    wrapped,
)
from evidence.tables.absolute import AbsoluteEffects
from evidence.tables.lookups import endpoint_label, lower_first
from evidence.theme import plain_text



def _difference_text(r) -> str:
    text = f"{r.difference_pts:+.1f} pts"
    if not math.isnan(r.difference_low):
        text += f" [{r.difference_low:+.1f} to {r.difference_high:+.1f}]"
    return text


def _nnt_text(r) -> str:
    if not math.isfinite(r.nnt):
        return "no difference"
    return f"{r.nnt_kind} {r.nnt_whole} (" + ("HR CI not reported" if math.isnan(r.difference_low) else r.nnt_text) + ")"


def _hover(r, arm: str) -> str:
    pct = r.control_pct if arm == "control" else r.experimental_pct
    lines = [f"<b>{plain_text(r.trial_name)} · {arm} arm · {r.month:g} months</b>", f"{pct:.1f}% event-free (model-based)"]
    if arm == "experimental":
        lines.append(f"= control {r.control_pct:.1f}% ^ HR {r.hr:.2f}")
        if not math.isnan(r.published_experimental_pct):
            lines.append(f"published: {r.published_experimental_pct:.1f}%")
    lines.append(f"S_c(t): {plain_text(r.basis)}")
    return "<br>".join(lines)


def absolute_effects_figure(effects: AbsoluteEffects, highlight: str | None = None) -> dict:
    label = lower_first(endpoint_label(effects.endpoint))
    rows = effects.rows
    if rows.empty:
        why = " ".join(reason for _, reason in effects.skipped)
        # 40 characters a line: about 340 px at 16 px, within a phone's graph
        return theme.empty_figure_dict(why or f"No trial with a control median and a hazard ratio for {label}.", width=40)
    ys = [-float(i) - 0.6 * list(dict.fromkeys(rows["trial_id"])).index(t) for i, t in enumerate(rows["trial_id"])]
    traces = [dict(
        type="scatter", mode="lines", x=[v for r in rows.itertuples() for v in (r.control_pct, r.experimental_pct, None)],
        y=[v for y in ys for v in (y, y, None)], line=dict(color=theme.MODEL_COLOUR, dash="dash", width=2),
        hoverinfo="skip", showlegend=False, name="difference",
    )]  # fmt: skip
    for arm, column in (("control", "control_pct"), ("experimental", "experimental_pct")):
        colour = theme.ROLE_COLOURS[arm]
        traces.append(dict(
            type="scatter", mode="markers", name=f"{arm} (model-based)", x=floats(rows[column]), y=ys,
            marker=dict(symbol="circle-open", size=12, color=colour, line=dict(color=colour, width=2.5)),
            hovertext=[_hover(r, arm) for r in rows.itertuples()], hovertemplate="%{hovertext}<extra></extra>",
            customdata=[[str(t), ""] for t in rows["trial_id"]],
        ))  # fmt: skip
    published = rows[rows["published_experimental_pct"].notna()]
    if not published.empty:
        traces.append(dict(
            type="scatter", mode="markers", name="experimental (published)",
            x=floats(published["published_experimental_pct"]), y=[ys[i] for i in published.index],
            marker=dict(symbol="x", size=11, color=theme.ROLE_COLOURS["experimental"]),
            hovertext=[f"<b>{plain_text(r.trial_name)}</b><br>published {r.published_experimental_pct:.1f}% at {r.month:g} months"
                       for r in published.itertuples()], hovertemplate="%{hovertext}<extra></extra>",
        ))  # fmt: skip
    ticks = [tick_label(plain_text(f"{n} · {m:g} months"), t == highlight) for n, m, t in zip(rows["trial_name"], rows["month"], rows["trial_id"])]
    top = max(ys) + 0.6
    y_range = [min(ys) - 0.8, top + 0.6]
    column_axes, column_traces, right_px = side_columns(ys, [
        ("Difference [95% CI]", [_difference_text(r) for r in rows.itertuples()]),
        ("NNT / NNH", [_nnt_text(r) for r in rows.itertuples()]),
    ], top, y_range)  # fmt: skip
    notes = [
        "Model-based, not patient data: S_e(t) = S_c(t)^HR (Altman & Andersen, BMJ 1999), S_c(t) from the control "
        "median (exponential) or a published rate; CI from the HR's CI.",
        "Difference: experimental minus control, percentage points. NNT/NNH rounded up to whole patients.",
    ]  # fmt: skip
    notes += [
        f"RMST to {r.horizon:g} months ({plain_text(r.trial_name)}): {r.rmst_experimental:.1f} vs {r.rmst_control:.1f} "
        f"months, difference {r.difference_months:+.1f} months (model curves of the survival view)"
        for r in effects.rmst.itertuples()
    ]
    notes += [plain_text(reason) for _, reason in effects.skipped]
    # one line per note in a wide figure was cut at the right edge in half a screen: wrap them
    note_lines = sum(line_count(wrapped(note, FOOTNOTE_CHARS)) for note in notes)
    left_px = label_margin(ticks)  # fixed, so the notes start at the figure's left edge at every width
    layout = dict(
        title=dict(text=f"Absolute effect on {plain_text(label)} at 6, 12 and 24 months (model-based)"),
        height=int(248 + 34 * len(rows) + 18 * note_lines),
        margin=dict(l=left_px, r=right_px, t=118, b=90 + 18 * note_lines),  # room for a two-line legend under the title on a tablet
        xaxis=dict(domain=[0.0, 1.0], range=[0, 100], title=dict(text="Event-free at the time point (%)")),
        yaxis=dict(tickvals=ys, ticktext=ticks, range=y_range, showgrid=False, automargin=False, ticks=""),
        **column_axes,
        legend=dict(orientation="h", x=0.0, y=1.02, yanchor="bottom"),
        annotations=[footnote_block(notes, left_px, gap_px=74)],
    )  # fmt: skip
    return figure(traces + column_traces, layout)
