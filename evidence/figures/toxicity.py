"""Adverse-event heatmap as a plain plotly figure dict: % of patients per harmonized term and trial
arm (mode "rate"), or experimental − control with 95% CIs (mode "difference"), drawn from the tables
of `evidence.tables.toxicity`.

Grey "NR" = not reported (never the same as 0%); "≥ 7.0 (G4 NR)" = lower bound; sand "reported, no
figures" = named in words only; every computed value says "derived (<method>)" on hover. Data text
reaches plotly only through `theme.plain_text` (issue 14 item 6), the builder's own <br>/<b> apart.

A heatmap cell's customdata is its trial id, a plain string: dcc.Graph drops array-valued point
fields from clickData and re-reads customdata only by a numeric pointNumber, which a heatmap point
does not have (its pointNumber is [row, column]); a string passes, so a click on a cell highlights
its trial (`components.sync.clicked_trial`, issue 13).
"""

from __future__ import annotations

import math
import textwrap
from typing import NamedTuple

import numpy as np
import pandas as pd

from evidence import theme
from evidence.contract import GRADE_LABELS
from evidence.figures.marks import from_top
from evidence.tables.toxicity import LOWER_BOUND_METHOD, NEWCOMBE, is_missing, toxicity_differences

MODES = ("rate", "difference")
ROW_PX = 34  # two 12 px lines of cell text ("reported,<br>no figures")
HEADER_CHARS = 13  # column headers wrap at this many characters, unrotated: rotated ones were clipped
HEADER_LINES = 4  # the trial id and up to three lines of arm label
MIN_PLOT_PX = 190  # a short selection still leaves room for the colour bar
NO_DIFFERENCES = "No trial reports this grade band for both an experimental and a control arm."


class _Grid(NamedTuple):
    """One mode's drawing: its traces, column tick labels, title and highlighted columns."""

    traces: list[dict]
    ticks: list[str]
    title: str
    highlighted: list[int]


def _plain_grid(z: np.ndarray) -> list[list[float | None]]:
    """A numpy grid as nested lists of floats, None where NaN (plain data for plotly.js)."""
    return [[None if math.isnan(v) else v for v in row] for row in z.tolist()]


def _trial_grid(trial_ids: list[str], n_rows: int) -> list[list[str]]:
    """Click data of every cell: the trial id of its column (a string, see the module docstring)."""
    return [[str(t) for t in trial_ids] for _ in range(n_rows)]


def _hover_where_drawn(hover: list[list[str]], z: np.ndarray) -> list[list[str | None]]:
    """A layer's hover texts, None where its z is empty: with hoverongaps off an empty cell never
    hovers (the layer under it answers), so each cell's text is sent once, by the layer drawn
    there (the two layers sent the whole grid each: ~86 of the heatmap's 122 KB)."""
    return [[h if not math.isnan(v) else None for h, v in zip(row, z_row)] for row, z_row in zip(hover, z.tolist())]


def _not_reported_layer(x, y, z_nr, text, hover, custom, draws_text: bool) -> dict:
    """Grey cells drawn under the data layer where an arm did not report the event ("NR", z 0), and
    sand cells where the document names the event without figures (z 1).

    `custom` is the grid of trial ids (`_trial_grid`). Every cell's text ("NR" and "reported, no
    figures" too) is drawn by the data layer above, which plotly.js draws in every cell, empty ones
    included; this layer drew the same grid again underneath, hidden (half of the heatmap's text
    nodes, ~30 ms of CPU a redraw in Chromium). It keeps its `text` (the same grid, read by slides
    and tests) and draws it only when the data layer has no value at all (`draws_text`): plotly.js
    then makes that layer invisible, its text with it."""
    layer = dict(
        type="heatmap", x=x, y=y, z=_plain_grid(z_nr), text=text,
        hovertext=_hover_where_drawn(hover, z_nr),
        hovertemplate="%{hovertext}<extra></extra>", customdata=custom,
        colorscale=[[0, theme.NOT_REPORTED_COLOUR], [1, theme.NO_FIGURES_COLOUR]], zmin=0, zmax=1,
        showscale=False, xgap=2, ygap=2, hoverongaps=False, name="not reported",
    )  # fmt: skip
    if draws_text:
        layer.update(texttemplate="%{text}", textfont=dict(color="#555", size=12))
    return layer


def _value_layer(x, y, z, text, hover, custom, name: str, colorbar: dict, **scale) -> dict:
    """The coloured data layer drawn over the grey NR layer; `scale` is its colorscale and z range,
    `colorbar` its title, length and ticks (placed top right, outside the plot, in both modes)."""
    return dict(
        type="heatmap", x=x, y=y, z=_plain_grid(z), text=text, texttemplate="%{text}",
        hovertext=_hover_where_drawn(hover, z),
        hovertemplate="%{hovertext}<extra></extra>", customdata=custom,
        xgap=2, ygap=2, hoverongaps=False, textfont=dict(size=12), name=name,
        colorbar=dict(x=1.0, xref="container", xanchor="right", y=1.0, yref="paper", yanchor="top", thickness=16, lenmode="pixels", **colorbar),
        **scale,
    )  # fmt: skip


def _derived_markers(points, hover, dx: float, name: str, colour, custom) -> dict:
    """Open diamonds in the top-right corner of cells whose value is derived, hovering as the cell;
    `points` are (row, column, cell) triples."""
    return dict(
        type="scatter", x=[j + dx for _, j, _ in points], y=[i - 0.2 for i, _, _ in points],
        mode="markers", showlegend=False, name=name,
        marker=dict(symbol=theme.DERIVED_SYMBOL, size=9, color=colour, line=dict(width=1.5)),
        hovertext=[hover[i][j] for i, j, _ in points], hovertemplate="%{hovertext}<extra></extra>", customdata=custom,
    )  # fmt: skip


def _plot_px(n_rows: int) -> int:
    """Height of the cell area: 28 px per term row, never shorter than the colour bar."""
    return max(ROW_PX * n_rows, MIN_PLOT_PX)


# ---------------------------------------------------------------- text


def _text(value) -> str:
    """Data text for a plotly text property, escaped once (`theme.plain_text`); "" when missing."""
    return "" if is_missing(value) else theme.plain_text(value)


def _wrap(text: str, width: int, max_lines: int | None = None) -> str:
    """Wrap plain text onto <br>-separated lines, each escaped; '…' when lines run out."""
    lines = textwrap.wrap(str(text), width=width) or [""]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)].rstrip() + "…"
    return "<br>".join(_text(line) for line in lines)


# ---------------------------------------------------------------- hover, ticks, organ classes


def _rate_hover(cell) -> str:
    """Hover text of one matrix cell, `cell` a row of `matrix.itertuples()`."""
    head = f"<b>{_text(cell.term)}</b><br>{_text(cell.soc)}<br>{_text(cell.column_label)}<br>{GRADE_LABELS[cell.grade]}: "
    if cell.no_figures:
        return "<br>".join([
            head + "reported, no figures (named in words only: no count, percentage or grade given)",
            f"term as reported: {_text(cell.term_reported)}",
            theme.source_hover(cell.source, getattr(cell, "passage", None)),
        ])  # fmt: skip
    if not cell.reported:
        reason = (
            "derived value hidden (derived values switched off)"
            if cell.hidden_derived
            else "not reported (no row in the source for this arm and grade)"
        )
        return head + reason
    n = "" if is_missing(cell.n_at_risk) else int(cell.n_at_risk)
    if not is_missing(cell.count):
        value = f"{int(cell.count)}/{n} ({cell.pct:.1f}%)"
    else:
        value = f"{cell.pct:.1f}% of {n} (count not printed)"
    parts = [head + value]
    if cell.lower_bound:
        parts[0] = head + f"≥ {cell.pct:.1f}% (lower bound, {cell.bound_note})"
        parts.append(f"{GRADE_LABELS.get(cell.bound_grade, 'figure')} reported: {value}")
    if cell.derived or cell.pct_derived:
        parts.append(f"derived ({_text(cell.derived_method)})")
    parts.append(f"term as reported: {_text(cell.term_reported)}")
    if not is_missing(cell.ctcae_version):
        parts.append(f"CTCAE / NCI-CTC version {_text(cell.ctcae_version)}")
    parts.append(theme.source_hover(cell.source, getattr(cell, "passage", None)))
    if not is_missing(cell.discrepancy):
        parts.append("source discrepancy: " + _wrap(cell.discrepancy, 70))
    return "<br>".join(parts)


def _difference_hover(row, column_label: str) -> str:
    """Hover text of one difference cell, `row` a row of `differences.itertuples()`."""
    head = f"<b>{_text(row.term)}</b><br>{_text(row.soc)}<br>{_text(column_label)}<br>"
    if is_missing(row.diff) and row.method == LOWER_BOUND_METHOD:
        return head + "no difference: an arm's figure is only a lower bound<br>" + _wrap(row.note, 70)
    if is_missing(row.diff):
        return head + "not reported in both arms for this grade band: no difference"
    counts = []
    for count, n, pct, back_calculated in (
        (row.count_e, row.n_e, row.pct_e, row.count_e_back_calculated),
        (row.count_c, row.n_c, row.pct_c, row.count_c_back_calculated),
    ):
        if is_missing(count) or is_missing(n):
            counts.append(f"{pct:.1f}% of {'?' if is_missing(n) else int(n)}")
        elif back_calculated:
            counts.append(f"{int(count)}/{int(n)} (back-calculated from {pct:.1f}%)")
        else:
            counts.append(f"{int(count)}/{int(n)}")
    ci = (
        f" (95% CI {row.ci_low:.1f} to {row.ci_high:.1f})"
        if not is_missing(row.ci_low)
        else " (no CI: counts not recoverable from the percentages)"
    )
    parts = [
        head + f"experimental − control: {row.diff:+.1f} percentage points{ci}",
        f"{_text(row.arm_e)}: {counts[0]} vs {_text(row.arm_c)}: {counts[1]}",
        f"derived ({_text(row.method)})",
    ]
    if row.note:
        parts.append(_wrap(row.note, 70))
    return "<br>".join(parts)


def _tick(trial_id: str, second_line: str, highlight: str | None) -> str:
    """Two-line column label; the trial id is bolded (our own markup) when highlighted."""
    trial = _text(trial_id)
    if highlight is not None and trial_id == highlight:
        trial = f"<b>{trial} ★</b>"
    return f"{trial}<br>{_wrap(second_line, HEADER_CHARS, max_lines=HEADER_LINES - 1)}"


RUN_BRACKET = "organ-class bracket"
"""The name of the line beside a run of rows of one organ class (`is_run_bracket`)."""


def is_run_bracket(shape: dict) -> bool:
    """Whether a shape is the bracket beside a run of rows: export/split.py finds a cut run's rows by
    it, the table on screen its organ-class groups (figures/heatmap_table.py)."""
    return shape.get("name") == RUN_BRACKET


def _soc_annotations(row_socs: list[str]) -> tuple[list[dict], list[dict]]:
    """Organ-class labels beside each run of consecutive rows, with separators between runs."""
    annotations, shapes = [], []
    runs = sum(1 for k in range(len(row_socs)) if k == 0 or row_socs[k] != row_socs[k - 1])
    grouped = runs == len(set(row_socs))  # separators only when each organ class is one block
    start = 0
    for i in range(1, len(row_socs) + 1):
        if i == len(row_socs) or row_socs[i] != row_socs[start]:
            run = i - start
            label = dict(
                text=_wrap(row_socs[start], 22, max_lines=max(1, 2 * run)),
                x=1.0, xref="paper", xanchor="left", xshift=10,
                y=(start + i - 1) / 2.0, yref="y", yanchor="middle",
                showarrow=False, align="left", font=dict(size=11, color="#444"),
            )  # fmt: skip
            if label["text"].endswith("…"):  # cut to its rows on screen: the whole name on hover (and for slides)
                label["hovertext"] = _text(row_socs[start])
            annotations.append(label)
            # Bracket just right of the plot area: anchored at paper x = 1, offset in pixels.
            shapes.append(
                dict(
                    type="line", name=RUN_BRACKET, xref="paper", xsizemode="pixel", xanchor=1.0, x0=4, x1=4, yref="y",
                    y0=start - 0.42, y1=i - 1 + 0.42, line=dict(color="#888", width=2),
                )
            )  # fmt: skip
            if i < len(row_socs) and grouped:
                shapes.append(
                    dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=i - 0.5, y1=i - 0.5, line=dict(color="#555", width=1.5))
                )
            start = i
    return annotations, shapes


def run_labels(layout: dict) -> list[dict]:
    """The organ-class labels right of the plot, one per run of rows (`_soc_annotations`: yref y,
    anchored left at the plot's right edge); slides lay them out themselves (export/cell_grid.py),
    the table on screen names each run in its last column (figures/heatmap_table.py)."""
    return [a for a in layout.get("annotations") or []
            if a.get("xref") == "paper" and a.get("yref") == "y" and (a.get("x") or 0) >= 1 and a.get("xanchor") == "left"]


# ---------------------------------------------------------------- cells and legend


def _bound_text(pct: float, missing_grade) -> str:
    """Cell text of a lower bound: "≥ 7.0 (G4 NR)" = at least 7.0%, grade 4 not reported."""
    missing = "all grades" if missing_grade == "all" else f"G{missing_grade}"
    return f"≥ {pct:.1f}<br>({missing} NR)"


def _legend_swatch(name: str, colour: str, line_colour: str) -> dict:
    """A square legend key (no point drawn): what a cell colour or mark means."""
    marker = dict(symbol="square", size=14, color=colour, line=dict(color=line_colour, width=1))
    return dict(type="scatter", x=[None], y=[None], mode="markers", name=name, hoverinfo="skip", marker=marker)


def _legend_keys(derived: str | None, lower_bound: bool = False, no_figures: bool = False) -> list[dict]:
    """Legend keys explaining the grey NR cells, the derived-value marker (named `derived`, None when
    no value is derived), lower bounds and events reported without figures."""
    keys = [_legend_swatch("NR = not reported (≠ 0%)", theme.NOT_REPORTED_COLOUR, "#999")]
    if derived:
        marker = dict(symbol=theme.DERIVED_SYMBOL, size=10, color="#1A1A1A", line=dict(width=1.5))
        keys.append(dict(type="scatter", x=[None], y=[None], mode="markers", name=derived, hoverinfo="skip", marker=marker))
    if lower_bound:
        keys.append(_legend_swatch("≥ = lower bound (G3 or G4 NR: that grade not reported)", "rgba(0,0,0,0)", "#555"))
    if no_figures:
        keys.append(_legend_swatch("reported, no figures (named in words only)", theme.NO_FIGURES_COLOUR, "#999"))
    return keys


# ---------------------------------------------------------------- the two modes


def _rate_grid(matrix: pd.DataFrame, term_index: dict, highlight: str | None) -> _Grid:
    """% of patients per term (rows) and trial × arm (columns)."""
    cols = matrix.drop_duplicates(["trial_id", "arm_id"]).sort_values("column_order")
    col_keys = list(zip(cols["trial_id"], cols["arm_id"]))
    col_index = {key: j for j, key in enumerate(col_keys)}
    n_rows, n_cols = len(term_index), len(col_keys)
    z_rep = np.full((n_rows, n_cols), np.nan)
    z_nr = np.full((n_rows, n_cols), np.nan)
    text = [[""] * n_cols for _ in range(n_rows)]
    hover = [[""] * n_cols for _ in range(n_rows)]
    derived_pts = []
    for cell in matrix.itertuples(index=False):
        i, j = term_index[cell.term], col_index[(cell.trial_id, cell.arm_id)]
        hover[i][j] = _rate_hover(cell)
        if cell.reported:
            z_rep[i, j] = cell.pct
            text[i][j] = _bound_text(cell.pct, cell.missing_grade) if cell.lower_bound else f"{cell.pct:.1f}"
            if cell.derived or cell.pct_derived:
                derived_pts.append((i, j, cell))
        elif cell.no_figures:
            z_nr[i, j], text[i][j] = 1.0, "reported,<br>no figures"
        else:
            z_nr[i, j], text[i][j] = 0.0, "NR"
    zmax = max(10.0, math.ceil(np.nanmax(z_rep) / 10.0) * 10.0) if np.isfinite(z_rep).any() else 10.0
    x, y, custom = list(range(n_cols)), list(range(n_rows)), _trial_grid([t for t, _ in col_keys], n_rows)
    colorbar = dict(title=dict(text="% of patients", side="right"), ticksuffix="%", len=min(_plot_px(n_rows), 260))
    traces = [
        _not_reported_layer(x, y, z_nr, text, hover, custom, not np.isfinite(z_rep).any()),
        _value_layer(x, y, z_rep, text, hover, custom, "% of patients", colorbar, colorscale=theme.RATE_SCALE, zmin=0, zmax=zmax),
    ]
    if derived_pts:
        colours = ["white" if c.pct > 0.55 * zmax else "#1A1A1A" for _, _, c in derived_pts]  # white on dark cells
        custom_pts = [[c.trial_id, c.arm_id] for _, _, c in derived_pts]
        traces.append(_derived_markers(derived_pts, hover, 0.36, "derived", colours, custom_pts))
    derived_key = "derived value (computed; method on hover)" if derived_pts else None
    traces += _legend_keys(derived_key, bool(matrix["lower_bound"].any()), bool(matrix["no_figures"].any()))
    return _Grid(
        traces,
        [_tick(c.trial_id, c.arm_label, highlight) for c in cols.itertuples()],
        f"Adverse events, {GRADE_LABELS[matrix['grade'].iloc[0]].lower()}: % of patients per arm",
        [j for j, (trial_id, _) in enumerate(col_keys) if highlight is not None and trial_id == highlight],
    )


def _difference_grid(matrix: pd.DataFrame, diffs: pd.DataFrame, terms: pd.DataFrame, highlight: str | None) -> _Grid:
    """Experimental − control per term (rows) and trial's arm pair (columns), with 95% CIs."""
    term_index = {t: i for i, t in enumerate(terms["term"])}
    diffs = diffs[diffs["term"].isin(term_index)]
    pairs = list(dict.fromkeys(zip(diffs["trial_id"], diffs["arm_e"], diffs["arm_c"])))
    col_index = {p: j for j, p in enumerate(pairs)}
    n_rows, n_cols = len(term_index), len(pairs)
    z = np.full((n_rows, n_cols), np.nan)
    z_nr = np.zeros((n_rows, n_cols))  # every cell "NR" until its difference is filled in
    text = [["NR"] * n_cols for _ in range(n_rows)]
    arm_names = dict(zip(zip(matrix.trial_id, matrix.arm_id), matrix.arm_label))
    labels = {p: f"{p[0]}: {arm_names.get((p[0], p[1]), p[1])} minus {arm_names.get((p[0], p[2]), p[2])}" for p in pairs}
    hover = [[f"<b>{_text(term)}</b><br>{_text(labels[p])}<br>not reported in both arms" for p in pairs] for term in terms["term"]]
    derived_pts = []
    for row in diffs.itertuples(index=False):
        i, j = term_index[row.term], col_index[(row.trial_id, row.arm_e, row.arm_c)]
        hover[i][j] = _difference_hover(row, labels[(row.trial_id, row.arm_e, row.arm_c)])
        if is_missing(row.diff):
            if row.method == LOWER_BOUND_METHOD:
                text[i][j] = "≥ only:<br>no difference"
            continue
        z_nr[i, j], z[i, j] = np.nan, row.diff
        ci = "(no CI)" if is_missing(row.ci_low) else f"[{row.ci_low:.1f}, {row.ci_high:.1f}]"
        text[i][j] = f"{row.diff:+.1f}<br>{ci}"
        if row.derived:
            derived_pts.append((i, j, row))
    bound = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 10.0
    bound = max(10.0, math.ceil(bound / 10.0) * 10.0)
    x, y, custom = list(range(n_cols)), list(range(n_rows)), _trial_grid([p[0] for p in pairs], n_rows)
    colorbar = dict(title=dict(text="experimental − control<br>(percentage points)", side="right"), len=min(_plot_px(n_rows), 300))
    traces = [
        _not_reported_layer(x, y, z_nr, text, hover, custom, not np.isfinite(z).any()),
        _value_layer(
            x, y, z, text, hover, custom, "experimental − control", colorbar,
            colorscale=theme.DIFFERENCE_SCALE, zmid=0, zmin=-bound, zmax=bound,
        ),
    ]  # fmt: skip
    if derived_pts:
        custom_pts = [[r.trial_id, ""] for _, _, r in derived_pts]
        traces.append(_derived_markers(derived_pts, hover, 0.42, "derived inputs", "#1A1A1A", custom_pts))
    traces += _legend_keys("derived inputs (counts back-calculated or summed; on hover)" if derived_pts else None)
    grade = GRADE_LABELS[matrix["grade"].iloc[0]].lower()
    return _Grid(
        traces,
        [_tick(p[0], f"{p[1]} minus {p[2]}", highlight) for p in pairs],
        f"Adverse events, {grade}: experimental − control (percentage points, 95% CI by {NEWCOMBE})",
        [j for j, p in enumerate(pairs) if highlight is not None and p[0] == highlight],
    )


# ---------------------------------------------------------------- the figure


def _layout(terms: pd.DataFrame, grid: _Grid) -> dict:
    """Title, size, axes (columns on top, terms down the left), organ-class labels and the
    highlighted trial's frame."""
    n_rows, n_cols = len(terms), len(grid.ticks)
    # Top margin, top down: the title, the legend (NR, ◇, ≥, sand: a row each when it wraps on a
    # narrow graph), then the unrotated column headers; all stay together above the first row.
    keys = sum(1 for t in grid.traces if t.get("hoverinfo") == "skip" and t.get("x") == [None])
    header_px = 16 * max(t.count("<br>") + 1 for t in grid.ticks) + 12
    top, bottom = 44 + 21 * keys + header_px, 24
    height = _plot_px(n_rows) + top + bottom
    annotations, shapes = _soc_annotations(list(terms["soc"]))
    if grid.highlighted:
        shapes.append(dict(
            type="rect", xref="x", yref="y", x0=min(grid.highlighted) - 0.5, x1=max(grid.highlighted) + 0.5,
            y0=-0.5, y1=n_rows - 0.5, line=dict(color=theme.HIGHLIGHT_COLOUR, width=3), fillcolor="rgba(0,0,0,0)",
        ))  # fmt: skip
    return dict(
        template=theme.TEMPLATE,
        title=dict(text=grid.title, y=1.0, yref="container", yanchor="top", x=0, xanchor="left", pad=dict(t=12, l=12)),
        height=height,
        margin=dict(l=230, r=250, t=top, b=bottom),  # organ classes (22 characters a line), then the colour bar
        legend=dict(orientation="h", x=0.0, xref="container", xanchor="left", **from_top(40, height)),
        plot_bgcolor="white",
        clickmode="event",
        xaxis=dict(
            tickvals=list(range(n_cols)), ticktext=grid.ticks, side="top", showgrid=False, ticks="", tickangle=0,
            tickfont=dict(size=11),
            range=[-0.5, n_cols - 0.5], zeroline=False, fixedrange=True,
        ),
        yaxis=dict(
            tickvals=list(range(n_rows)), ticktext=[_wrap(t, 32, max_lines=1) for t in terms["term"]],
            range=[n_rows - 0.5, -0.5], autorange=False, showgrid=False, ticks="", zeroline=False, fixedrange=True,
        ),
        annotations=annotations,
        shapes=shapes,
    )  # fmt: skip


def toxicity_heatmap(
    matrix: pd.DataFrame,
    mode: str = "rate",
    highlight: str | None = None,
    differences: pd.DataFrame | None = None,
    empty_message: str | None = None,
) -> dict:
    """Heatmap figure dict of `toxicity_matrix` rows: % of patients (mode "rate", columns = trial ×
    arm) or experimental − control in percentage points with 95% CIs (mode "difference", columns =
    trials; `differences` from `toxicity_differences`, computed here when not given). An empty
    matrix draws `empty_message` (see `empty_selection_message`)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if matrix is None or matrix.empty:
        return theme.empty_figure_dict(empty_message or "No adverse events match this selection.")
    terms = matrix.drop_duplicates("term").sort_values("term_order")
    if mode == "rate":
        grid = _rate_grid(matrix, {t: i for i, t in enumerate(terms["term"])}, highlight)
    else:
        diffs = differences if differences is not None else toxicity_differences(matrix)
        if diffs is None or diffs.empty:
            return theme.empty_figure_dict(NO_DIFFERENCES)
        grid = _difference_grid(matrix, diffs, terms, highlight)
    return {"data": grid.traces, "layout": _layout(terms, grid)}
