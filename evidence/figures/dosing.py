"""Sorafenib dose figures as plotly dicts: planned ramp and delivered dose per cycle, and a what-if ramp.

Cycle c is drawn as the interval [c, c + 1] on the x axis, so a planned dose is a step across its
cycle and a per-cycle value (delivered mean, dose intensity) sits at the cycle's centre. Numbers
come from `evidence.dosing` (arranged per arm by `evidence.tables.dosing`); everything computed
there is called derived on hover. Data text (trial ids, arm labels, schedules, notes, sources)
goes through `theme.plain_text` once.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd

from evidence import theme
from evidence.dosing import DEFAULT_CYCLE_DAYS, FULL_DOSE_MG
from evidence.figures import stacked as stacked_parts
from evidence.tables.dosing import DoseRampTable

REFERENCE_COLOUR = theme.MODEL_COLOUR
RAMP_TEXT_COLOUR = "#8A5A00"
RAMP_FILL = "rgba(230, 159, 0, 0.18)"

# Panel domains (paper fractions, top to bottom), as make_subplots(rows=3, row_heights=[0.5, 0.28,
# 0.22], vertical_spacing=0.09) lays them out: 0.82 of the height shared 0.5 : 0.28 : 0.22.
DOSE_PANELS = {"y": [0.59, 1.0], "y2": [0.2704, 0.5], "y3": [0.0, 0.1804]}
_X_START = 0.9  # every cycle axis starts here, a little left of cycle 1's start
DOSE_HEIGHT, DOSE_MARGIN_TOP, DOSE_MARGIN_BOTTOM = 950, 130, 110
_RDI_PANEL_PX = (DOSE_HEIGHT - DOSE_MARGIN_TOP - DOSE_MARGIN_BOTTOM) * (DOSE_PANELS["y3"][1] - DOSE_PANELS["y3"][0])
RDI_LABEL_PX = 20  # a size-11 value label and its gap from the marker, in px of the screen figure
# Two equal panels with 0.12 between them (the what-if figure).
WHAT_IF_PANELS = {"y": [0.56, 1.0], "y2": [0.0, 0.44]}
PANEL_TITLE_FONT = dict(size=14)


def _text(value) -> str:
    """Data text for a plotly text property: '' for a missing value, else escaped (theme.plain_text)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return theme.plain_text(value)


def _mg(value: float) -> str:
    return f"{value:,.0f}"


def _wrap(text: str, width: int = 80) -> str:
    """Hover text broken into lines of at most about `width` characters, at spaces."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


def _panel_title(text: str, top: float) -> dict:
    """A panel's title above its top edge, flush left (as make_subplots' subplot_titles, moved left)."""
    return dict(text=text, x=0, xanchor="left", xref="paper", y=top, yanchor="bottom", yref="paper",
                showarrow=False, font=PANEL_TITLE_FONT)  # fmt: skip


MAX_CYCLE_LABELS = 6
"""Most cycles labelled on the x axis: at the narrowest drawing (a plot area of about 400 px: a
768 px tablet, a phone's 720 px figure, beside the 230 px of end labels) six level labels of two
short lines fit with room between them; more, and every second (third, ...) cycle is labelled."""
CYCLE_TICK_PX = 12  # as the figure's other small text (value and end labels)


def _cycle_ticks(rows: pd.DataFrame, cycles: list[int]) -> tuple[list[float], list[str]]:
    """Tick at a cycle's centre: 'Cycle 1' over its day range when every arm shares it ('days 1–28'
    on the first label, the range alone after it, so each label stays as narrow as 'Cycle 5');
    every k-th cycle when there are more than MAX_CYCLE_LABELS. Level labels: rotated by plotly,
    they ran into the next panel's title and the axis title on a 768 px tablet."""
    ranges_of: dict[int, set] = {}
    for cycle, start, end in zip(rows["cycle"], rows["day_start"], rows["day_end"]):
        ranges_of.setdefault(cycle, set()).add((start, end))
    every = math.ceil(len(cycles) / MAX_CYCLE_LABELS)
    vals, text, unit = [], [], "days "
    for c in cycles[::every]:
        ranges = ranges_of.get(c, set())
        label = f"Cycle {c}"
        if len(ranges) == 1:
            start, end = ranges.pop()
            label += f"<br>{unit}{start}–{end}"
            unit = ""
        vals.append(c + 0.5)
        text.append(label)
    return vals, text


def _cycle_axes(n_panels: int, ticks: list[float], labels: list[str], x_end: int, title: str) -> dict:
    """Shared cycle axes of stacked panels: each panel's x axis matches the bottom one, which carries the title."""
    bottom = f"x{n_panels}"
    common = dict(domain=[0.0, 1.0], range=[_X_START, x_end + 0.1], tickvals=ticks, ticktext=labels, showgrid=False, ticks="",
                  tickangle=0)  # fmt: skip
    axes = {}
    for n in range(1, n_panels + 1):
        suffix = "" if n == 1 else str(n)
        axes[f"xaxis{suffix}"] = dict(common, anchor=f"y{suffix}", tickfont=dict(size=CYCLE_TICK_PX))
        if n < n_panels:
            axes[f"xaxis{suffix}"].update(matches=bottom, showticklabels=False)
    axes[f"xaxis{n_panels}"]["title"] = dict(text=title)
    return axes


# ---------------------------------------------------------------- the dose ramp: one trial × arm


def _arm_name(arm) -> str:
    """The trial id, with the arm id when the trial has several arms (escaped)."""
    return theme.plain_text(arm.trial_id if not arm.multi_arm else f"{arm.trial_id} {arm.arm_id}")


class _ArmStyle:
    """How one trial × arm is drawn: colour, emphasis, legend names and its hover/click data."""

    def __init__(self, arm, highlight: str | None, highlighted: bool):
        self.trial_id, self.arm_id = arm.trial_id, arm.arm_id
        self.colour = theme.ROLE_COLOURS.get(arm.role, theme.ROLE_COLOURS["single"])
        self.emphasised = highlight is not None and arm.trial_id == highlight
        self.width = 4.5 if self.emphasised else 2.5
        self.opacity = 0.45 if highlighted and not self.emphasised else 1.0
        self.trial = theme.plain_text(arm.trial_id)
        self.label = _arm_name(arm)

    def name(self, what: str) -> str:
        return f"{self.label} {what}"

    def trace(self, axis: str, *, x, y, hovertext, **style) -> dict:
        """One scatter trace of this trial × arm on panel `axis` ('', '2', '3'): its legend group,
        fading, hover text and click data (trial, arm)."""
        return dict(
            type="scatter", x=x, y=y, xaxis=f"x{axis}", yaxis=f"y{axis}", legendgroup=f"{self.trial_id}|{self.arm_id}",
            opacity=self.opacity, hovertext=hovertext, hovertemplate="%{hovertext}<extra></extra>",
            customdata=[[self.trial_id, self.arm_id]] * len(x), **style,
        )  # fmt: skip


def _days_note(row) -> str:
    if row.cycle_days_assumed:
        return f"cycle length {row.cycle_days} days assumed (not stated in the source)"
    return f"cycle length {row.cycle_days} days (stated)"


def _note_line(row) -> str:
    """The row's curator note as a hover line ('' without one): it travels with every value taken
    from the row, e.g. PASO's cycle-2 delivered dose, whose cycle number the report omits."""
    note = _text(row.note)
    return f"<br>note: {_wrap(note)}" if note else ""


def _planned_hover(style: _ArmStyle, row) -> str:
    parts = [
        f"<b>{style.trial} planned</b> · {_text(row.arm_label)}",
        f"cycle {row.cycle} (days {row.day_start}–{row.day_end})",
        f"planned {_mg(row.planned_daily_mg)} mg/day",
    ]
    if row.planned_derived:
        parts[-1] += " — derived (daily total of the twice-daily schedule)"
    if row.carried_forward:
        parts.append("carried forward from the last stated cycle (maintenance dose continues)")
    parts.append(f"schedule as printed: {_text(row.schedule)}")
    parts.append(_days_note(row))
    if _text(row.note):
        parts.append(f"note: {_wrap(_text(row.note))}")
    parts.append(theme.source_hover(row.source, getattr(row, "passage", None)))
    return "<br>".join(parts)


def _planned_traces(style: _ArmStyle, rows: list) -> list[dict]:
    """Panel 1: the planned dose as steps (each cycle's dose holds over [c, c + 1], line shape "hv"),
    dotted where the last stated dose is carried forward."""
    planned = [r for r in rows if not math.isnan(r.planned_daily_mg)]
    traces = []
    for carried, dash, suffix in ((False, "solid", ""), (True, "dot", " (carried forward)")):
        part = [r for r in planned if r.carried_forward == carried]
        if not part:
            continue
        hovers = [_planned_hover(style, r) for r in part]
        traces.append(style.trace(
            "", x=[r.cycle for r in part] + [part[-1].cycle + 1],
            y=[r.planned_daily_mg for r in part] + [float(part[-1].planned_daily_mg)],
            hovertext=hovers + [hovers[-1]], mode="lines", name=style.name("planned") + suffix,
            line=dict(color=style.colour, width=style.width, dash=dash, shape="hv"),
            # The dotted part shares the solid part's key entry (its legend group; the note says
            # what dotted means): eight entries took a line each on a phone's plot width and ran
            # into the first panel's title.
            showlegend=not (carried and traces),
        ))  # fmt: skip
    return traces


def _delivered_traces(style: _ArmStyle, rows: list) -> list[dict]:
    """Panel 1: the reported mean daily dose per cycle, filled markers with their values."""
    delivered = [r for r in rows if not math.isnan(r.delivered_mean_daily_mg)]
    if not delivered:
        return []
    doses = [r.delivered_mean_daily_mg for r in delivered]
    hovers = [
        f"<b>{style.trial} delivered</b> · {_text(r.arm_label)}<br>cycle {r.cycle} (days {r.day_start}–{r.day_end})"
        f"<br>mean daily dose {_mg(r.delivered_mean_daily_mg)} mg/day (reported)"
        f"<br>{r.rdi_full_pct:.1f}% of {FULL_DOSE_MG:.0f} mg; {r.rdi_planned_pct:.1f}% of planned — derived (delivered ÷ dose)"
        + _note_line(r) + "<br>" + theme.source_hover(r.source, getattr(r, "passage", None))
        for r in delivered
    ]  # fmt: skip
    return [style.trace(
        "", x=[r.cycle + 0.5 for r in delivered], y=doses, hovertext=hovers, mode="markers+text",
        name=style.name("delivered (mean)"),
        marker=dict(color=style.colour, size=13 if style.emphasised else 11, symbol="circle", line=dict(color="white", width=1)),
        text=[_mg(v) for v in doses], textposition="bottom center", textfont=dict(color=style.colour, size=13),
    )]  # fmt: skip


def _cumulative_planned_traces(style: _ArmStyle, rows: list, carried_from) -> list[dict]:
    """Panel 2: the planned cumulative dose (g, derived), dotted once it rests on carried-forward cycles."""
    cum = [r for r in rows if not math.isnan(r.cumulative_planned_mg)]
    if not cum:
        return []
    carried_from = None if pd.isna(carried_from) else carried_from
    xs = [1] + [r.cycle + 1 for r in cum]
    ys = [0.0] + [r.cumulative_planned_mg / 1000.0 for r in cum]
    hovers = [f"{style.trial} planned: 0 g at day 0"] + [
        f"<b>{style.trial} planned, cumulative</b><br>{r.cumulative_planned_mg / 1000:.1f} g by day {r.day_end} "
        f"(end of cycle {r.cycle})<br>derived (planned mg/day × cycle days)<br>{_days_note(r)}"
        + ("<br>includes carried-forward cycles" if carried_from is not None and r.cycle >= carried_from else "")
        for r in cum
    ]  # fmt: skip
    segments = [(0, len(xs), "solid")]
    if carried_from is not None:
        split = xs.index(carried_from)
        segments = [(0, split + 1, "solid"), (split, len(xs), "dot")]
    return [
        style.trace(
            "2", x=xs[start:stop], y=ys[start:stop], hovertext=hovers[start:stop], mode="lines", showlegend=False,
            name=style.name("planned, cumulative"), line=dict(color=style.colour, width=style.width - 0.5, dash=dash),
        )
        for start, stop, dash in segments
        if stop - start >= 2
    ]  # fmt: skip


def _cumulative_delivered_traces(style: _ArmStyle, rows: list) -> list[dict]:
    """Panel 2: the delivered cumulative dose (g, derived from the reported means), labelled at each cycle."""
    cum = [r for r in rows if not math.isnan(r.cumulative_delivered_mg)]
    if not cum:
        return []
    xs = [1] + [r.cycle + 1 for r in cum]
    ys = [0.0] + [r.cumulative_delivered_mg / 1000.0 for r in cum]
    hovers = [f"{style.trial} delivered: 0 g at day 0"] + [
        f"<b>{style.trial} delivered, cumulative</b><br>{r.cumulative_delivered_mg / 1000:.1f} g by day {r.day_end} "
        f"vs {r.cumulative_full_dose_mg / 1000:.1f} g at full dose<br>derived (reported mean mg/day × cycle days)"
        f"<br>{_days_note(r)}"
        for r in cum
    ]  # fmt: skip
    return [style.trace(
        "2", x=xs, y=ys, hovertext=hovers, mode="lines+markers+text",
        name=style.name("delivered, cumulative (derived)"), showlegend=False, line=dict(color=style.colour, width=style.width),
        marker=dict(symbol=theme.DERIVED_SYMBOL, size=10, color=style.colour, line=dict(width=2)),
        text=[""] + [f"{v:.1f} g" for v in ys[1:-1]] + [f"{ys[-1]:.1f} g delivered"],
        textposition="bottom right", textfont=dict(color=style.colour, size=12),
    )]  # fmt: skip


def _planned_label(of_planned: float | None, of_full: float) -> str:
    """The dotted line's value label; none where it would say what the solid line's label says
    (planned = full dose: both lines meet at one point, which one label names)."""
    if of_planned is None or f"{of_planned:.1f}" == f"{of_full:.1f}":
        return ""
    return f"{of_planned:.1f}%"


def _planned_label_place(of_planned: float | None, rdi_top: float) -> str:
    """Above its point, unless a label there would run over the dashed 100% line (a value just
    under 100%: PASO cycle 2, 90.8%): then below it."""
    label_units = RDI_LABEL_PX * rdi_top / _RDI_PANEL_PX
    return "bottom center" if of_planned is not None and 100 - label_units < of_planned < 100 else "top center"


def _intensity_traces(style: _ArmStyle, rows: list, rdi_top: float) -> list[dict]:
    """Panel 3: relative dose intensity (derived), delivered ÷ 800 mg (solid) and ÷ planned (dotted);
    `rdi_top` is the top of the panel's % axis (`_rdi_top`)."""
    rdi = [r for r in rows if not math.isnan(r.rdi_full_pct)]
    if not rdi:
        return []
    x = [r.cycle + 0.5 for r in rdi]
    of_full = [r.rdi_full_pct for r in rdi]
    of_planned = [None if math.isnan(r.rdi_planned_pct) else r.rdi_planned_pct for r in rdi]  # planned not stated
    full_hovers = [
        f"<b>{style.trial}</b> cycle {r.cycle}: {r.rdi_full_pct:.1f}% of {FULL_DOSE_MG:.0f} mg/day"
        f"<br>derived ({_mg(r.delivered_mean_daily_mg)} ÷ {FULL_DOSE_MG:.0f} mg)" + _note_line(r)
        for r in rdi
    ]
    planned_hovers = [
        f"<b>{style.trial}</b> cycle {r.cycle}: {r.rdi_planned_pct:.1f}% of the planned "
        f"{_mg(r.planned_daily_mg)} mg/day<br>derived ({_mg(r.delivered_mean_daily_mg)} ÷ {_mg(r.planned_daily_mg)} mg)"
        + _note_line(r)
        for r in rdi
    ]
    return [
        style.trace(
            "3", x=x, y=of_full, hovertext=full_hovers, mode="lines+markers+text", showlegend=False,
            name=style.name(f"% of {FULL_DOSE_MG:.0f} mg (derived)"), line=dict(color=style.colour, width=style.width - 0.5),
            marker=dict(symbol=theme.DERIVED_SYMBOL, size=10, color=style.colour, line=dict(width=2)),
            text=[f"{v:.1f}%" for v in of_full], textposition="bottom center", textfont=dict(color=style.colour, size=12),
        ),
        style.trace(
            "3", x=x, y=of_planned, hovertext=planned_hovers, mode="lines+markers+text", showlegend=False,
            name=style.name("% of planned (derived)"), line=dict(color=style.colour, width=1.5, dash="dot"),
            marker=dict(symbol=theme.DERIVED_SYMBOL, size=8, color=style.colour, line=dict(width=1.5)),
            text=[_planned_label(p, f) for p, f in zip(of_planned, of_full)],
            textposition=[_planned_label_place(v, rdi_top) for v in of_planned], textfont=dict(color=style.colour, size=11),
        ),
    ]  # fmt: skip


def _arm_traces(style: _ArmStyle, rows: list, arm, rdi_top: float) -> list[dict]:
    """Every trace of one trial × arm with a planned dose, panel by panel."""
    return (
        _planned_traces(style, rows)
        + _delivered_traces(style, rows)
        + _cumulative_planned_traces(style, rows, arm.carried_from_cycle)
        + _cumulative_delivered_traces(style, rows)
        + _intensity_traces(style, rows, rdi_top)
    )


# ---------------------------------------------------------------- the dose ramp: the whole figure


def _reference_traces(table: DoseRampTable, x_end: int) -> list[dict]:
    """The full dose (800 mg/day) on panel 1 and its cumulative dose on panel 2, drawn first so trial lines sit on top."""
    full = table.full_dose
    return [
        dict(type="scatter", xaxis="x", yaxis="y", x=[1, x_end], y=[FULL_DOSE_MG, FULL_DOSE_MG], mode="lines",
             name=f"full dose {FULL_DOSE_MG:.0f} mg/day", line=dict(color=REFERENCE_COLOUR, width=9), opacity=0.25,
             hoverinfo="skip", legendgroup="reference"),
        dict(type="scatter", xaxis="x2", yaxis="y2", x=[1] + [c + 1 for c in full["cycle"]],
             y=[0.0] + (full["cumulative_full_dose_mg"] / 1000.0).tolist(), mode="lines", name="full dose, cumulative",
             line=dict(color=REFERENCE_COLOUR, width=2, dash="dash"), legendgroup="reference", showlegend=False,
             hovertemplate="full dose 800 mg/day: %{y:.1f} g by day %{customdata}<br>derived (800 mg × days)<extra></extra>",
             customdata=[0] + full["day_end"].tolist()),
    ]  # fmt: skip


def _drawn_arms(table: DoseRampTable, highlight: str | None) -> list:
    """The arms in drawing order: the highlighted trial last (on top)."""
    arms = list(table.arms.itertuples(index=False))
    if highlight is not None and highlight in set(table.arms["trial_id"]):
        arms.sort(key=lambda a: a.trial_id == highlight)
    return arms


def _end_labels(arms: list, last_cycle: int, x_end: int) -> list[dict]:
    """Panel 1: direct labels at the right end of the planned lines (overlapping lines share one label)."""
    by_value: dict[float, list[str]] = {}
    for arm in arms:
        if arm.planned_stated and arm.planned_end_cycle == last_cycle:
            by_value.setdefault(arm.planned_end_mg, []).append(_arm_name(arm))
    return [
        dict(x=x_end, y=value, xref="x", yref="y", xanchor="left", yanchor="top", showarrow=False, xshift=6, align="left",
             text="<br>".join(names) + f"<br>planned {_mg(value)} mg/day", font=dict(size=12, color="#333"))
        for value, names in by_value.items()
    ]  # fmt: skip


def _cumulative_labels(table: DoseRampTable, arms: list, x_end: int) -> list[dict]:
    """Panel 2: the end of each cumulative line labelled (equal ends share one label); the highest
    above its line, the others below, so labels never stack."""
    by_value: dict[float, list[str]] = {}
    for arm in arms:
        if arm.planned_stated and not math.isnan(arm.cumulative_planned_end_g):
            by_value.setdefault(round(arm.cumulative_planned_end_g, 1), []).append(_arm_name(arm))
    full_end = round(float(table.full_dose["cumulative_full_dose_mg"].iloc[-1]) / 1000.0, 1)
    by_value.setdefault(full_end, [])
    top_value = max(by_value)
    return [
        dict(x=x_end, y=value, xref="x2", yref="y2", xanchor="left", showarrow=False, xshift=6,
             yanchor="bottom" if value == top_value else "top", yshift=-4 if value == top_value else 0, align="left",
             text="<br>".join((["full dose"] if value == full_end else []) + [f"{n} planned" for n in names]) + f": {value:.1f} g",
             font=dict(size=12, color="#333"))
        for value, names in by_value.items()
    ]  # fmt: skip


def _dose_annotations(table: DoseRampTable, arms: list, x_end: int) -> list[dict]:
    """Panel titles, end labels, the full-dose and 100% labels, arms not drawn, and the footnote."""
    top = {axis: domain[1] for axis, domain in DOSE_PANELS.items()}
    annotations = [
        _panel_title("Daily sorafenib dose per cycle (mg/day): planned steps, delivered mean", top["y"]),
        _panel_title("Cumulative dose (g), derived = daily dose × cycle days", top["y2"]),
        _panel_title("Relative dose intensity (%), derived: solid = delivered ÷ 800 mg, dotted = delivered ÷ planned", top["y3"]),
    ]  # fmt: skip
    annotations += _end_labels(arms, max(table.cycles), x_end)
    annotations.append(dict(
        x=1.02, y=FULL_DOSE_MG, xref="x", yref="y", xanchor="left", yanchor="top", showarrow=False, yshift=-6,
        text=f"full dose {FULL_DOSE_MG:.0f} mg/day (400 mg twice daily)", font=dict(size=12, color=REFERENCE_COLOUR),
    ))  # fmt: skip
    not_stated = [a for a in arms if not a.planned_stated]
    annotations += [
        dict(x=0.01, y=0.03 + 0.09 * k, xref="x domain", yref="y domain", xanchor="left", yanchor="bottom", showarrow=False,
             text=f"{_text(a.trial_id)} ({_text(a.arm_label)}): planned dose not stated in the source — not drawn",
             font=dict(size=12, color="#555"))
        for k, a in enumerate(not_stated)
    ]  # fmt: skip
    annotations += _cumulative_labels(table, arms, x_end)
    annotations.append(dict(x=x_end, y=100, xref="x3", yref="y3", xanchor="left", showarrow=False, xshift=4,
                            text="100%", font=dict(size=12, color=REFERENCE_COLOUR)))  # fmt: skip
    footnote = "Dotted planned line: last stated dose carried forward. ◇ = derived value."
    if table.assumed_days_trials:
        footnote += (
            f" Cycle length {DEFAULT_CYCLE_DAYS} days assumed for "
            + ", ".join(_text(t) for t in table.assumed_days_trials) + " (not stated)."
        )  # fmt: skip
    annotations.append(dict(x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                            text=_wrap(footnote, 90), align="left", font=dict(size=12, color="#555"), yshift=-75))  # fmt: skip
    return annotations


def _dose_shapes(xs: list[int]) -> list[dict]:
    """The dashed 100% line on panel 3, ending at the last cycle's end (xs[-1]) where its "100%"
    label starts, then light vertical lines at cycle boundaries across all three panels (x in
    data units, y over each panel's domain, as add_vline draws them)."""
    full = dict(type="line", x0=_X_START, x1=xs[-1], xref="x3", y0=100, y1=100, yref="y3",
                line=dict(color=REFERENCE_COLOUR, width=1.5, dash="dash"))  # fmt: skip
    return [full] + [
        dict(type="line", x0=x, x1=x, y0=0, y1=1, xref=f"x{n}", yref=f"y{n} domain",
             line=dict(color="#E5E5E5", width=1), layer="below")  # fmt: skip
        for x in xs
        for n in ("", "2", "3")
    ]


def _drawn_rows(table: DoseRampTable, arms: list) -> pd.DataFrame:
    """The rows of the arms drawn (those with a planned dose)."""
    drawn = {(a.trial_id, a.arm_id) for a in arms if a.planned_stated}
    return table.rows[[key in drawn for key in zip(table.rows["trial_id"], table.rows["arm_id"])]]


def _rdi_top(rows: pd.DataFrame) -> float:
    """The top of the dose-intensity panel's % axis: 125%, or room above the largest value."""
    rdi = rows[rows["rdi_full_pct"].notna()]
    max_rdi = max([100.0] + [float(v) for v in pd.concat([rdi["rdi_full_pct"], rdi["rdi_planned_pct"]]).dropna()])
    return max(125.0, max_rdi * 1.2)


def _dose_layout(table: DoseRampTable, arms: list, rows: pd.DataFrame, rdi_top: float) -> dict:
    """`rows`: the drawn arms' rows (`_drawn_rows`); `rdi_top`: the % axis top (`_rdi_top`)."""
    x_end = max(table.cycles) + 1
    max_y = max([FULL_DOSE_MG] + [float(v) for v in rows["delivered_mean_daily_mg"].dropna()])
    top_g = float(table.full_dose["cumulative_full_dose_mg"].max()) / 1000.0
    ticks, labels = _cycle_ticks(table.rows, table.cycles)
    axes = _cycle_axes(3, ticks, labels, x_end, "Treatment cycle (days since the start of sorafenib)")
    axes["xaxis"]["showticklabels"] = True  # the top panel keeps its cycle labels
    return dict(
        template=theme.TEMPLATE,
        height=DOSE_HEIGHT,
        # t: a key of two rows (a phone's 720 px) and the first panel title
        margin=dict(l=80, r=230, t=DOSE_MARGIN_TOP, b=DOSE_MARGIN_BOTTOM),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yref="container", yanchor="top"),
        # plotly's modebar (shown on hover) down the right edge, beside the end labels' empty
        # margin: across the top it covered the key's first row ("MRCC-SORAFENIB planned") at 1366 px
        modebar=dict(orientation="v"),
        hovermode="closest",
        annotations=_dose_annotations(table, arms, x_end),
        shapes=_dose_shapes(table.cycles[1:] + [x_end]),
        **axes,
        yaxis=dict(anchor="x", domain=DOSE_PANELS["y"], title=dict(text="mg/day"), range=[0, max_y * 1.12]),
        # A little room below 0 so value labels under the first points are not clipped.
        yaxis2=dict(anchor="x2", domain=DOSE_PANELS["y2"], title=dict(text="g"), range=[-0.14 * top_g, 1.08 * top_g]),
        yaxis3=dict(anchor="x3", domain=DOSE_PANELS["y3"], title=dict(text="%"), range=[0, rdi_top]),
    )


def dose_ramp_figure(table: DoseRampTable, highlight: str | None = None) -> dict:
    """Planned sorafenib dose steps and delivered mean daily dose per cycle (mg/day), cumulative dose
    against full dose (g), and relative dose intensity (%), one trace set per trial × arm
    (`evidence.tables.dosing.dose_ramp_table`); a highlighted trial drawn last and wider, the others faded."""
    if table.empty:
        return theme.empty_figure_dict("No sorafenib dosing rows in this selection.")
    x_end = max(table.cycles) + 1
    highlighted = highlight is not None and highlight in set(table.arms["trial_id"])
    records = {key: list(group.itertuples()) for key, group in table.rows.groupby(["trial_id", "arm_id"], sort=False)}
    arms = _drawn_arms(table, highlight)
    rows = _drawn_rows(table, arms)
    rdi_top = _rdi_top(rows)
    traces = _reference_traces(table, x_end)
    for arm in arms:
        if arm.planned_stated:
            traces += _arm_traces(_ArmStyle(arm, highlight, highlighted), records[(arm.trial_id, arm.arm_id)], arm, rdi_top)
    return {"data": traces, "layout": _dose_layout(table, arms, rows, rdi_top)}


DERIVED_TOP_MARGIN = 60
"""px above the derived panels' first title (their figure has no key: the dose figure above holds it)."""


def dose_ramp_figures(table: DoseRampTable, highlight: str | None = None) -> tuple[dict, dict]:
    """The dose ramp cut for the screen (`evidence.figures.stacked`): the reported dose per cycle
    (planned steps, delivered mean, with the key) and the derived panels (cumulative dose,
    relative dose intensity), each drawn at the stacked figure's scale when it is seen."""
    stacked = dose_ramp_figure(table, highlight)
    if "yaxis2" not in stacked["layout"]:  # the empty figure
        return stacked, stacked
    return (stacked_parts.panels_figure(stacked, ["y"]),
            stacked_parts.panels_figure(stacked, ["y2", "y3"], top_margin=DERIVED_TOP_MARGIN))  # fmt: skip


# ---------------------------------------------------------------- the what-if ramp


def _what_if_dose_traces(ramp: pd.DataFrame, target: float, x_end: int) -> list[dict]:
    """Panel 1: full dose from cycle 1 (dashed), the ramp's steps with the gap to it shaded, and each step's dose."""
    hovers = [
        f"cycle {r.cycle} (days {r.day_start}–{r.day_end}): {_mg(r.planned_daily_mg)} mg/day"
        + (" — raised to the target at the chosen cycle" if r.jump_to_target else "")
        + f"<br>deficit this cycle {_mg((target - r.planned_daily_mg) * r.cycle_days)} mg (hypothetical)"
        for r in ramp.itertuples()
    ]
    doses = ramp["planned_daily_mg"].tolist()
    return [
        dict(type="scatter", xaxis="x", yaxis="y", x=[1, x_end], y=[target, target], mode="lines",
             name=f"full dose {target:.0f} mg/day from cycle 1", line=dict(color=REFERENCE_COLOUR, width=2, dash="dash"),
             hoverinfo="skip", legendgroup="full"),
        dict(type="scatter", xaxis="x", yaxis="y", x=ramp["cycle"].tolist() + [x_end], y=doses + [doses[-1]], mode="lines",
             name="your ramp (hypothetical)", legendgroup="ramp", line=dict(color=theme.HIGHLIGHT_COLOUR, width=3, shape="hv"),
             fill="tonexty", fillcolor=RAMP_FILL, hovertext=hovers + [hovers[-1]], hovertemplate="%{hovertext}<extra></extra>"),
        dict(type="scatter", xaxis="x", yaxis="y", x=(ramp["cycle"] + 0.5).tolist(), y=doses, mode="text",
             text=[_mg(v) for v in doses], textposition="top center", textfont=dict(color=RAMP_TEXT_COLOUR, size=13),
             showlegend=False, hoverinfo="skip"),
    ]  # fmt: skip


def _what_if_cumulative_traces(ramp: pd.DataFrame, full_g: list[float], ramp_g: list[float]) -> list[dict]:
    """Panel 2: cumulative dose at full dose and on the ramp (derived), the deficit between them shaded."""
    cx = [1] + (ramp["cycle"] + 1).tolist()
    return [
        dict(type="scatter", xaxis="x2", yaxis="y2", x=cx, y=full_g, mode="lines+markers", name="full dose, cumulative",
             legendgroup="full", showlegend=False, line=dict(color=REFERENCE_COLOUR, width=2, dash="dash"),
             marker=dict(symbol=theme.DERIVED_SYMBOL, size=8),
             hovertemplate="full dose: %{y:.1f} g by the end of the cycle<br>derived (mg/day × days)<extra></extra>"),
        dict(type="scatter", xaxis="x2", yaxis="y2", x=cx, y=ramp_g, mode="lines+markers", name="your ramp, cumulative",
             legendgroup="ramp", showlegend=False, line=dict(color=theme.HIGHLIGHT_COLOUR, width=3),
             marker=dict(symbol=theme.DERIVED_SYMBOL, size=9, line=dict(width=2)), fill="tonexty", fillcolor=RAMP_FILL,
             hovertext=["0 g at day 0"] + [
                 f"end of cycle {r.cycle} (day {r.day_end}): {r.cumulative_mg / 1000:.1f} g vs {r.cumulative_full_dose_mg / 1000:.1f} g"
                 f"<br>deficit {r.deficit_mg / 1000:.1f} g ({r.deficit_pct:.1f}%) — derived (hypothetical)"
                 for r in ramp.itertuples()
             ],
             hovertemplate="%{hovertext}<extra></extra>"),
    ]  # fmt: skip


def _what_if_annotations(deficit_text: str, target: float, x_end: int, full_end: float, ramp_end: float) -> list[dict]:
    """Panel titles, the deficit stated in words inside panel 2, and the two cumulative end values."""
    return [
        _panel_title("Planned daily dose (mg/day): your ramp vs full dose", WHAT_IF_PANELS["y"][1]),
        _panel_title("Cumulative dose (g), derived = mg/day × cycle days", WHAT_IF_PANELS["y2"][1]),
        dict(x=0.01, y=0.98, xref="x2 domain", yref="y2 domain", xanchor="left", yanchor="top", showarrow=False,
             text=f"<b>{deficit_text}</b><br>shaded: dose not given compared with starting at {target:.0f} mg/day",
             font=dict(size=13, color=RAMP_TEXT_COLOUR), align="left", bgcolor="rgba(255,255,255,0.85)"),
        dict(x=x_end, y=full_end, xref="x2", yref="y2", xanchor="left", xshift=4, showarrow=False,
             text=f"{full_end:.1f} g full dose", font=dict(size=12, color=REFERENCE_COLOUR)),
        dict(x=x_end, y=ramp_end, xref="x2", yref="y2", xanchor="left", xshift=4, showarrow=False,
             text=f"{ramp_end:.1f} g your ramp", font=dict(size=12, color=RAMP_TEXT_COLOUR)),
    ]  # fmt: skip


def what_if_figure(ramp: pd.DataFrame) -> dict:
    """A user's hypothetical ramp (`evidence.dosing.what_if_ramp`) against starting at full dose:
    daily dose steps (mg/day) and cumulative dose (g) with the deficit shaded and stated."""
    if ramp is None or ramp.empty:
        return theme.empty_figure_dict("Enter a start dose, a step and the cycle to reach the target.")
    ramp = ramp.sort_values("cycle")
    target = float(ramp["full_daily_mg"].iloc[0])
    last = ramp.iloc[-1]
    n = int(last["cycle"])
    x_end = n + 1
    full_g = [0.0] + (ramp["cumulative_full_dose_mg"] / 1000.0).tolist()
    ramp_g = [0.0] + (ramp["cumulative_mg"] / 1000.0).tolist()
    deficit_text = (
        f"cumulative deficit after {n} cycle{'s' if n != 1 else ''}: "
        f"{last['deficit_mg'] / 1000:.1f} g ({last['deficit_pct']:.1f}%)"
    )
    ticks, labels = _cycle_ticks(ramp, ramp["cycle"].astype(int).tolist())
    layout = dict(
        template=theme.TEMPLATE,
        height=640,
        margin=dict(l=80, r=150, t=125, b=70),
        title=dict(
            text=f"What-if ramp (hypothetical, not trial data):<br>{deficit_text}",  # one sentence on a slide
            # two lines: plotly places a multi-line title by its first line, so it starts lower
            x=0, xanchor="left", y=0.962, yref="container", yanchor="top", pad=dict(l=12),
        ),
        legend=dict(orientation="h", x=0, xanchor="left", y=0.895, yanchor="top", yref="container"),
        annotations=_what_if_annotations(deficit_text, target, x_end, full_g[-1], ramp_g[-1]),
        # The deficit: a bracket between the two cumulative curves at the last cycle.
        shapes=[dict(type="line", x0=x_end, x1=x_end, y0=ramp_g[-1], y1=full_g[-1], xref="x2", yref="y2",
                     line=dict(color=RAMP_TEXT_COLOUR, width=4))],
        **_cycle_axes(2, ticks, labels, x_end, "Treatment cycle (days since the start of the ramp)"),
        yaxis=dict(anchor="x", domain=WHAT_IF_PANELS["y"], title=dict(text="mg/day"), range=[0, target * 1.15]),
        yaxis2=dict(anchor="x2", domain=WHAT_IF_PANELS["y2"], title=dict(text="g"), rangemode="tozero"),
    )  # fmt: skip
    data = _what_if_dose_traces(ramp, target, x_end) + _what_if_cumulative_traces(ramp, full_g, ramp_g)
    return {"data": data, "layout": layout}
