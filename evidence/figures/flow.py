"""Patient flow per trial as horizontal bars: one row per stage (randomised, ineligible, never
treated, analysed), one bar per arm, the reasons in the hover.

Draws `evidence.tables.flow.flow_table` as a plain plotly figure dict. A stage the document
gives only as reasons (E2100's boxes inside the analysed population) gets one row per reason.
"""

from __future__ import annotations

import pandas as pd

from evidence import theme
from evidence.figures.marks import figure, from_top, row_label_margin, tick_label
from evidence.tables.flow import WHOLE_TRIAL
from evidence.theme import plain_text

_ROLE_COLOURS = {**theme.ROLE_COLOURS, WHOLE_TRIAL: theme.MODEL_COLOUR}
_ROLE_ORDER = (WHOLE_TRIAL, "experimental", "control", "single", "other")


def _rows(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The figure's rows (trial_id, stage, reason) top to bottom: a stage with a total is one row
    (its reasons go in the hover); a stage with reasons only has a row per reason."""
    rows: list[tuple[str, str, str]] = []
    for (trial_id, stage), group in table.groupby(["trial_id", "stage"], sort=False):
        if group["is_total"].any():
            rows.append((trial_id, stage, ""))
        else:
            rows += [(trial_id, stage, reason) for reason in dict.fromkeys(group["reason"])]
    return rows


def _hover(trial_name: str, arm_label: str, stage: str, reason: str, count, reasons: list[str], row) -> str:
    head = f"<b>{plain_text(trial_name)} · {plain_text(arm_label)}</b>"
    what = plain_text(stage + (f": {reason}" if reason else ""))
    lines = [head, f"{what}: {count}"]
    if row.population:
        lines.append(f"Population: {plain_text(row.population)}")
    lines += [f"  {plain_text(r)}" for r in reasons]
    if row.derived:
        lines.append("derived (computed from printed counts)")
    lines.append(theme.source_hover(row.source, getattr(row, "passage", None)))
    return "<br>".join(lines)


def flow_figure(table: pd.DataFrame, highlight: str | None = None) -> dict:
    """Patients at each step of each trial's flow, per arm (grey: the whole trial)."""
    if table is None or table.empty:
        return theme.empty_figure_dict("No patient flow is curated for the selected trials.")
    rows = _rows(table)
    y_of = {row: -i for i, row in enumerate(rows)}
    names = dict(zip(table["trial_id"], table["trial_name"]))
    traces = []
    for role in _ROLE_ORDER:
        bars = table[table["role"] == role]
        if bars.empty:
            continue
        xs, ys, texts, hovers, custom = [], [], [], [], []
        for r in bars.itertuples(index=False):
            key = (r.trial_id, r.stage, "" if r.is_total else r.reason)
            if key not in y_of or r.count is None:
                continue  # a reason of a stage with a total: shown in the total's hover
            reasons = [] if not r.is_total else [
                f"{reason}: {n}"
                for reason, n in zip(*bars[(bars.trial_id == r.trial_id) & (bars.stage == r.stage)
                                           & (bars.arm_id == r.arm_id) & ~bars.is_total][["reason", "count"]].T.values)
            ]  # fmt: skip
            xs.append(float(r.count))
            ys.append(float(y_of[key]))
            texts.append(str(int(r.count)))
            hovers.append(_hover(r.trial_name, r.arm_label, r.stage, "" if r.is_total else r.reason, int(r.count), reasons, r))
            custom.append([str(r.trial_id), str(r.arm_id)])
        if not xs:
            continue
        traces.append(
            dict(
                type="bar", orientation="h", x=xs, y=ys, name=plain_text(role), text=texts, textposition="outside",
                hovertext=hovers, hovertemplate="%{hovertext}<extra></extra>", customdata=custom,
                marker=dict(color=_ROLE_COLOURS.get(role, theme.MODEL_COLOUR)), cliponaxis=False,
                # counts keep their size (plotly shrinks text to a thin bar's width by default:
                # on a slide that drew them under 14 pt)
                constraintext="none", textfont=dict(size=11),
            )
        )  # fmt: skip
    tick_text = [
        tick_label(plain_text(f"{names.get(trial_id, trial_id)} · {stage}" + (f": {reason}" if reason else "")),
                   trial_id == highlight)
        for trial_id, stage, reason in rows
    ]  # fmt: skip
    x_high = max(float(c) for c in table["count"] if c is not None)
    height = int(180 + 44 * len(rows))
    layout = dict(
        # the key on its own line under the title, from the left: beside it, at the top right, it
        # wrapped to two rows at 768 px and ran over the title's end
        title=dict(text="Patient flow: randomised, excluded and analysed, per arm", **from_top(12, height)),
        barmode="group",
        height=height,
        # the left margin holds the row labels (fixed: plotly draws the figure once); the bottom the
        # axis title above a slide's footnote
        margin=dict(l=row_label_margin(tick_text), r=40, t=90, b=90),
        xaxis=dict(title=dict(text="Patients"), range=[0, x_high * 1.12], rangemode="tozero"),
        yaxis=dict(tickvals=[float(y_of[r]) for r in rows], ticktext=tick_text, automargin=False, ticks="",
                   range=[-len(rows) + 0.4, 0.6]),
        legend=dict(title=dict(text="Arm: "), orientation="h", xref="container", x=0.0, xanchor="left", **from_top(44, height)),
        # the modebar (shown on hover) down the right margin: across the top it covered the key
        # and the title's end at 768 px
        modebar=dict(orientation="v"),
    )  # fmt: skip
    return figure(traces, layout)
