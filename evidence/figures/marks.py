"""Pieces the efficacy figure builders share, as plain plotly dicts: the figure itself, an empty
message, confidence whiskers, the highlight halo, numeric columns beside a dot plot, tick labels,
and the axis domains of a grid of panels (what plotly's make_subplots computes).

Everything here returns plain Python values (lists, floats, str, None; never numpy values or
NaN), so Dash serialises a figure without plotly's object model. Text arguments are markup-ready:
callers pass data through `evidence.theme.plain_text` first.
"""

from __future__ import annotations

import math
import re
import textwrap
from typing import Iterable, Sequence

import pandas as pd

from evidence import theme
from evidence.text_measure import markup_width

SECONDARY_INK = theme.OKABE_ITO["grey"]


def figure(data: list[dict], layout: dict) -> dict:
    """A plotly figure dict in the house template (plotly.js knows no template by name)."""
    return {"data": data, "layout": {"template": theme.TEMPLATE, **layout}}


def floats(values: Iterable) -> list[float | None]:
    """Plain floats for a trace array: None where a value is missing or not finite (JSON has no NaN)."""
    out = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(None)
            continue
        out.append(number if math.isfinite(number) else None)
    return out


def customdata(trial_ids: Iterable[str], arm_ids: Iterable[str]) -> list[list[str]]:
    """[trial_id, arm_id] per point: a click selects the trial everywhere (see figures/__init__)."""
    return [[str(t), str(a)] for t, a in zip(trial_ids, arm_ids)]


def ci_whiskers(group: pd.DataFrame, colour: str, thickness: float, width: float, low: str = "ci_low",
                high: str = "ci_high", value: str = "value", fill: bool = False) -> dict:
    """Asymmetric error bars from the `low`/`high` columns around `value` (missing bounds: 0 when
    `fill`, else None)."""
    above, below = group[high] - group[value], group[value] - group[low]
    if fill:
        above, below = above.fillna(0), below.fillna(0)
    return dict(
        type="data", symmetric=False, array=floats(above), arrayminus=floats(below),
        color=colour, thickness=thickness, width=width,
    )  # fmt: skip


def halo_trace(
    rows: pd.DataFrame,
    x_col: str,
    y_col: str,
    sizes: Iterable[float],
    err_x: tuple[str, str] | None = None,
    err_y: tuple[str, str] | None = None,
    axes: tuple[str, str] | None = None,
) -> dict:
    """Orange ring (and glow along whiskers) drawn under the highlighted trial's marks.

    A separate trace keeps legends and marker symbols unchanged while the trial stands out.
    `axes` names the panel's axes ('x2', 'y2') in a figure of several panels.
    """
    x = rows[x_col].astype(float)
    y = rows[y_col].astype(float)
    trace = dict(
        type="scatter",
        x=floats(x),
        y=floats(y),
        mode="markers",
        name="highlighted trial",
        showlegend=False,
        hoverinfo="skip",
        customdata=customdata(rows["trial_id"], rows["arm_id"] if "arm_id" in rows else [""] * len(rows)),
        marker=dict(
            symbol="circle",
            size=[float(s) + 12 for s in sizes],
            color="rgba(230,159,0,0.30)",
            line=dict(color=theme.HIGHLIGHT_COLOUR, width=3),
        ),
    )
    glow = dict(type="data", symmetric=False, color="rgba(230,159,0,0.45)", thickness=7, width=0)
    if err_x is not None:
        low, high = rows[err_x[0]].astype(float), rows[err_x[1]].astype(float)
        trace["error_x"] = dict(glow, array=floats((high - x).fillna(0)), arrayminus=floats((x - low).fillna(0)))
    if err_y is not None:
        low, high = rows[err_y[0]].astype(float), rows[err_y[1]].astype(float)
        trace["error_y"] = dict(glow, array=floats((high - y).fillna(0)), arrayminus=floats((y - low).fillna(0)))
    if axes is not None:
        trace["xaxis"], trace["yaxis"] = axes
    return trace


def tick_label(text: str, highlighted: bool) -> str:
    """Bold the highlighted trial; indented (sensitivity/subgroup) rows in grey italics.

    Tick labels are right-aligned, so indentation alone would not show. `text` is markup-ready
    and may hold <br> line breaks (each line is styled on its own: plotly's styles end at a break).
    """
    stripped = text.lstrip(" ")
    lines = stripped.split("<br>")
    if stripped != text:
        lines = [f"<span style='color:{SECONDARY_INK}'><i>{line}</i></span>" for line in lines]
    if highlighted:
        lines = [f"<b>{line}</b>" for line in lines]
    return "<br>".join(lines)


def _clamped(value: float) -> float:
    """plotly's make_subplots rounds domain ends within 0.01 of [0, 1] onto the bounds."""
    return 0.0 if -0.01 < value < 0.0 else 1.0 if 1.0 < value < 1.01 else value


def column_domains(count: int, spacing: float, weights: Sequence[float] | None = None) -> list[list[float]]:
    """x domains of `count` panels side by side, `spacing` apart (as make_subplots with
    column_widths): equal, or in proportion to `weights`."""
    weights = list(weights) if weights is not None else [1.0] * count
    widths = [(1.0 - spacing * (count - 1)) * w / float(sum(weights)) for w in weights]
    starts = [sum(widths[:c]) + c * spacing for c in range(count)]
    return [[_clamped(start), _clamped(start + width)] for start, width in zip(starts, widths)]


def row_domains(heights: Sequence[float], spacing: float) -> list[list[float]]:
    """y domains of panels stacked top to bottom with relative `heights`, `spacing` apart (as
    make_subplots with row_heights, first row on top)."""
    count = len(heights)
    total = float(sum(heights))
    bottom_up = [(1.0 - spacing * (count - 1)) * (h / total) for h in reversed(heights)]
    domains = []
    for r in range(count):
        start = sum(bottom_up[: count - 1 - r]) + (count - 1 - r) * spacing
        domains.append([_clamped(start), _clamped(start + bottom_up[-1 - r])])
    return domains


def axis_name(kind: str, index: int) -> str:
    """'xaxis', 'xaxis2', ... for the layout; index counts from 1."""
    return kind if index == 1 else f"{kind}{index}"


def axis_ref(letter: str, index: int) -> str:
    """'x', 'x2', ... for traces, shapes and annotations; index counts from 1."""
    return letter if index == 1 else f"{letter}{index}"


def from_top(px: float, height: float) -> dict:
    """A title's or key's place `px` pixels below the top of a figure `height` px high (container
    coordinates, hanging from that line): the key on its own line under the title, where beside
    it, top right, it ran over the title at tablet width."""
    return dict(yref="container", y=1 - px / height, yanchor="top")


def panel_title(text: str, x: float, y: float, size: int = 16) -> dict:
    """A panel's title above its plot area (make_subplots' subplot_titles annotation)."""
    return dict(
        y=y, xref="paper", x=x, yref="paper", text=text, showarrow=False, font=dict(size=size),
        xanchor="center", yanchor="bottom",
    )  # fmt: skip


def wrapped(text: str, width: int, escape: bool = False) -> str:
    """Text on <br>-separated lines of at most `width` characters (words kept whole where they
    fit). A character budget, not pixels: the same figure is drawn 390 to 1900 px wide, so text
    that must fit beside or under the plot is wrapped to fit the narrowest.

    `escape`: `text` is data, and each line goes through `theme.plain_text` after wrapping (so a
    break never splits an escaped character); otherwise `text` is markup-ready already, and
    markup in it (tags, entities) must hold no spaces."""
    lines = []
    for paragraph in str(text).split("<br>") if not escape else [str(text)]:
        lines += textwrap.wrap(paragraph, width=width, break_on_hyphens=False, break_long_words=escape) or [""]
    return "<br>".join(theme.plain_text(line) if escape else line for line in lines)


def line_count(text: str) -> int:
    return str(text).count("<br>") + 1


COLUMN_GAP_PX = 12
FIRST_COLUMN_STANDOFF_PX = 6
COLUMN_END_PAD_PX = 8
"""Room right of the last column's widest text, so a font drawn a little wider still fits."""


def side_columns(ys: Sequence[float], columns: Sequence[tuple[str, Sequence[str]]], header_y: float,
                 y_range: Sequence[float], bold: Iterable[bool] | None = None, size: int = 12) -> tuple[dict, list[dict], int]:
    """Numeric columns right of a dot plot as the tick labels of y axes overlaying `y` on the
    right, one axis per (header, texts) column, the header as the top tick.

    Every column axis sits at the plot's right edge; its labels start `ticklabelstandoff` px
    right of it: the first 6 px, each next one past the widest text of the one before
    (text_measure.markup_width, Liberation Sans = Arial widths) and COLUMN_GAP_PX. The right
    margin holds the last. So the columns never overlap one another or the plot at any width
    (annotations at paper x would: their positions scale with the width, their text does not),
    and plotly draws them in one pass: its `autoshift` and `automargin` did the same but redrew
    the figure to settle the margins, about half of the forest's drawing time (15 of 33 ms a
    change in Chromium). Slides, drawn at other font sizes, let plotly shift them again
    (`margins_by_plotly`). Returns (layout axes, the invisible traces that make plotly draw
    those axes, the right margin in px).
    """
    bold = list(bold) if bold is not None else [False] * len(ys)
    axes, traces = {}, []
    standoff = FIRST_COLUMN_STANDOFF_PX
    for index, (title, texts) in enumerate(columns, start=2):
        shown = [f"<b>{t}</b>" if b else t for t, b in zip(texts, bold)]
        ticktext = [*shown, f"<b>{title}</b>"]
        axes[axis_name("yaxis", index)] = dict(
            overlaying="y", side="right", anchor="free", position=1.0, autoshift=False, automargin=False,
            ticklabelstandoff=standoff, tickvals=[*map(float, ys), float(header_y)], ticktext=ticktext,
            range=list(y_range), fixedrange=True, showgrid=False, zeroline=False, showline=False, ticks="",
            tickfont=dict(size=size),
        )  # fmt: skip
        traces.append(
            dict(type="scatter", x=[None], y=[None], yaxis=axis_ref("y", index), mode="markers",
                 hoverinfo="skip", showlegend=False, name=f"column: {title}")
        )  # fmt: skip
        widest = max(markup_width(t, size) for t in ticktext)
        right = standoff + widest + COLUMN_END_PAD_PX
        standoff += math.ceil(widest) + COLUMN_GAP_PX
    return axes, traces, math.ceil(right) if columns else 16


def column_axes(layout: dict) -> list[str]:
    """The layout names of a figure's `side_columns` axes (y axes overlaying `y`), left to right."""
    return sorted((k for k in layout if k.startswith("yaxis") and (layout[k] or {}).get("overlaying") == "y"),
                  key=lambda k: int(k[5:] or 1))


def margins_by_plotly(layout: dict) -> None:
    """A figure of `side_columns` laid out by plotly again (in place), for a slide, whose text
    sizes are not the ones the screen's margins and gaps were measured at: the row axis's margin
    grown to its labels (automargin), each column shifted clear of the one before (autoshift)
    and the right margin grown to hold them."""
    names = column_axes(layout)
    if names and isinstance(layout.get("yaxis"), dict):
        layout["yaxis"]["automargin"] = True
    for rank, name in enumerate(names):
        layout[name].update(autoshift=True, automargin=True,
                            ticklabelstandoff=FIRST_COLUMN_STANDOFF_PX if rank == 0 else COLUMN_GAP_PX)


FOOTNOTE_INDENT_PX = 20
"""Where a footnote starts, right of the figure's left edge. Where a figure is too narrow for its
margins plotly shrinks them (keeping a 64 px plot), moving the block left by as much; the indent
keeps it inside the figure when that happens on a phone."""


FOOTNOTE_CHARS = 56
"""Footnotes wrap at this many characters: 12 px text, about 6.4 px a character, fits a 390 px graph."""


def footnote_block(lines: Sequence[str], left_px: float, gap_px: float = 88, width: int = FOOTNOTE_CHARS) -> dict:
    """Markup-ready footnote lines wrapped to `width` characters, as one annotation under the plot
    starting FOOTNOTE_INDENT_PX from the figure's left edge: the plot area starts `left_px` right
    of that edge (the figure's fixed left margin), so the start is the same pixel at every width."""
    text = "<br>".join(wrapped(line, width) for line in lines)
    return dict(
        x=0, y=0, xref="paper", yref="paper", text=text, showarrow=False, xanchor="left", yanchor="top",
        xshift=FOOTNOTE_INDENT_PX - left_px, yshift=-gap_px, align="left", font=dict(size=12, color="#444"),
    )  # fmt: skip


LABEL_CHARS = 22
"""Row labels wrap at this many characters: with the numeric columns they fit a 390 px graph."""
LABEL_PX_PER_CHAR = 7.4  # 13-14 px Liberation Sans / Arial, mixed case with capitals and digits


def visible_lines(label: str) -> list[str]:
    """The visible lines of a markup-ready label (tags dropped, an entity counted as one character)."""
    text = re.sub(r"<(?!br>)[^>]*>", "", label)
    text = re.sub(r"&[a-z]+;|&#\d+;", "x", text)
    return text.split("<br>")


ROW_LABEL_PX = 14  # the row axis's tick labels: the template's font size
ROW_LABEL_ROOM_PX = 14  # beside a row label's widest line: plotly's gap from the axis and some room


def row_label_margin(labels: Iterable[str], size: float = ROW_LABEL_PX) -> int:
    """The left margin in px a row axis's tick labels need as the browser draws them: the widest
    line (text_measure.markup_width) and ROW_LABEL_ROOM_PX. A builder fixes it (plotly's automargin
    would find the same by drawing the figure twice)."""
    return ROW_LABEL_ROOM_PX + math.ceil(max((markup_width(label, size) for label in labels), default=0.0))


def label_margin(labels: Iterable[str]) -> int:
    """A left margin in px that holds row labels wrapped to LABEL_CHARS: fixed by the builder (not
    plotly's automargin) so a footnote can start at the figure's left edge (`footnote_block`), and
    so plotly draws the figure in one pass (automargin redraws it to settle the margins). At
    least LABEL_PX_PER_CHAR a character, and never less than `row_label_margin`."""
    labels = list(labels)
    longest = max((len(line) for label in labels for line in visible_lines(label)), default=0)
    return int(max(ROW_LABEL_ROOM_PX + LABEL_PX_PER_CHAR * longest, row_label_margin(labels)))
