"""Hazard-ratio forest: one row per analysis on a log axis, with the pooled diamond when asked for.

Draws the rows of `evidence.tables.forest.forest_rows` and the decision of
`evidence.tables.pooling.pooling` as a plain plotly figure dict.
"""

from __future__ import annotations

import math

import pandas as pd

from evidence import theme
from evidence.figures.marks import (
    FOOTNOTE_CHARS,
    LABEL_CHARS,
    SECONDARY_INK,
    ci_whiskers,
    customdata,
    figure,
    floats,
    footnote_block,
    halo_trace,
    label_margin,
    line_count,
    side_columns,
    tick_label,
    wrapped,
)
from evidence.model_caveats import CAVEAT_SEPARATOR
from evidence.tables.lookups import MAIN_ANALYSES, finite, lower_first, missing
from evidence.tables.pooling import HETEROGENEITY_LIMIT, Pooling
from evidence.theme import plain_text

MAIN_INK = "#1A1A1A"
ROW_PX = 38
_LINE_UNITS = 16.5 / ROW_PX  # one 13 px line of a tick label, in rows

_TICK_CANDIDATES = (  # in order of preference: round ratios first
    1, 0.1, 10, 0.01, 100, 0.5, 2, 0.2, 5, 0.05, 20, 0.02, 50, 0.25, 4, 0.75, 1.5, 3, 0.3, 0.8, 1.25, 0.9, 1.1,
)
_MINOR_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 20, 50, 100)
TICK_FONT_PX = 12
_MIN_PLOT_PX = 64  # plotly's layout.minreducedwidth: the narrowest the plot area is drawn


def _tick_px(value: float) -> float:
    """Drawn width of a tick label at TICK_FONT_PX (digits ~0.56 em, the point ~0.28 em)."""
    text = f"{value:g}"
    return TICK_FONT_PX * (0.56 * sum(c.isdigit() for c in text) + 0.28 * text.count("."))


def log_ticks(low: float, high: float) -> tuple[list[float], list[float]]:
    """(labelled, grid-only) ratio ticks between low and high on a log axis.

    Labelled ticks are chosen roundest first (1, 0.1, 10, then 0.5, 2, ...), each only where its
    label keeps a gap from every label already chosen even when the plot area is its narrowest
    (_MIN_PLOT_PX for the whole range): they never overlap at any width. The other readable
    steps are grid lines only."""
    decades = math.log10(high) - math.log10(low)
    px_per_decade = _MIN_PLOT_PX / decades

    def apart(a: float, b: float) -> bool:
        return abs(math.log10(a) - math.log10(b)) * px_per_decade >= (_tick_px(a) + _tick_px(b)) / 2 + 4

    labelled: list[float] = []
    for c in _TICK_CANDIDATES:
        if low <= c <= high and all(apart(c, other) for other in labelled):
            labelled.append(c)
    labelled.sort()
    minor = [c for c in _MINOR_TICKS if low <= c <= high and c not in labelled]
    return labelled, minor


def _marker_sizes(rows: pd.DataFrame) -> tuple[list[float], str]:
    """Marker area proportional to events when every sized row has them, else to patients analysed."""
    sized = rows["n_patients"].notna() | rows["events"].notna()
    use_events = bool(sized.any()) and bool(rows.loc[sized, "events"].notna().all())
    weights = pd.to_numeric(rows["events"] if use_events else rows["n_patients"], errors="coerce").astype(float)
    top = weights.max() if weights.notna().any() else float("nan")
    sizes = [10.0 if not finite(w) or not top else 8.0 + 16.0 * math.sqrt(w / top) for w in weights]
    return sizes, "events" if use_events else "patients analysed"


def hazard_ratio_forest(
    rows: pd.DataFrame,
    endpoint_label: str,
    highlight: str | None = None,
    pooling: Pooling | None = None,
) -> dict:
    """Forest plot of hazard ratios (experimental vs control) on a log axis, one row per analysis.

    Whiskers are the printed 95% CIs; a row without a CI is an open square with no whisker.
    Marker area follows events when every sized row has them, else patients analysed.
    A pooled diamond (with its prediction interval as a line) appears only when `pooling` was
    requested, is offered and is not too heterogeneous; otherwise the reason is a footnote.
    """
    if rows is None or rows.empty:
        return theme.empty_figure_dict(f"No hazard ratios reported for {lower_first(endpoint_label)}.")
    rows = rows.reset_index(drop=True)
    caveats = rows["caveat"].fillna("") if "caveat" in rows.columns else pd.Series("", index=rows.index)
    names = [_row_name(label, trial, bool(c)) for label, trial, c in zip(rows["label"], rows["trial_id"], caveats)]
    ys = _row_positions([line_count(name) for name in names])
    below = _pooled_positions(line_count(names[-1]), pooling)
    requested = pooling is not None and pooling.requested
    pooled = pooling.estimate if requested else None
    drawn = requested and pooling.drawn
    sizes, basis_name = _marker_sizes(rows)
    rows = rows.assign(_y=ys, _name=names, _size=sizes, _hl=rows["trial_id"].eq(highlight) if highlight else False)
    rows["_main"] = rows["analysis"].isin(MAIN_ANALYSES)

    traces = _row_traces(rows, basis_name)
    if drawn:
        traces += _pooled_traces(pooling, below[0])
    ticks, columns = _row_labels(rows, ys, below, pooling if requested else None)
    footnotes = _footnotes(rows, basis_name, pooling if requested else None)

    # Axis range: every value and CI bound, the line of no effect and the pooled estimate.
    bounds = [1.0, *rows["value"], *rows["ci_low"].dropna(), *rows["ci_high"].dropna()]
    if drawn:
        bounds += [pooled.ci_low, pooled.ci_high]
        if pooled.has_prediction_interval:
            bounds += [pooled.pi_low, pooled.pi_high]
    span = (math.log10(min(bounds)) - 0.12, math.log10(max(bounds)) + 0.12)
    extra_rows = 2 if drawn else (1 if requested and pooled is not None else 0)
    bottom = below[extra_rows - 1] - 0.7 if extra_rows else -0.7
    header_y = ys[0] + 0.3 + _LINE_UNITS * (line_count(names[0]) + 1) / 2
    y_range = [bottom, header_y + 0.45]
    labelled, minor = log_ticks(10 ** span[0], 10 ** span[1])
    # The left margin is fixed (labels are wrapped to fit it), so the footnotes can start at the
    # figure's left edge at every width.
    left_px = label_margin(ticks[1])
    column_axes, column_traces, right_px = side_columns(
        columns["y"], [("HR [95% CI]", columns["hr"]), ("p", columns["p"])], header_y, y_range, bold=columns["bold"]
    )
    footnote_lines = sum(line_count(wrapped(f, FOOTNOTE_CHARS)) for f in footnotes)
    layout = dict(
        title=dict(text=f"Hazard ratios: {plain_text(endpoint_label)}"),
        height=int(230 + ROW_PX * (y_range[1] - y_range[0]) + 17 * footnote_lines),
        margin=dict(l=left_px, r=right_px, t=70, b=122 + 17 * footnote_lines),
        showlegend=False,
        xaxis=dict(
            type="log",
            domain=[0.0, 1.0],
            range=list(span),
            tickvals=labelled,
            tickangle=0,
            tickfont=dict(size=TICK_FONT_PX),
            minor=dict(tickvals=minor, showgrid=True, gridcolor="#F0F0F0", ticks=""),
            title=dict(text="Hazard ratio, experimental vs control<br>(log scale)", standoff=34),
            zeroline=False,
        ),
        yaxis=dict(
            range=y_range, tickvals=ticks[0], ticktext=ticks[1], showgrid=False, automargin=False, ticks="",
            fixedrange=True,
        ),
        **column_axes,
        annotations=_annotations(footnotes, left_px),
        shapes=_shapes(rows, ys),
    )
    return figure(traces + column_traces, layout)


def _row_traces(rows: pd.DataFrame, basis_name: str) -> list[dict]:
    """The highlight halo (if any), then one trace per kind of row: with or without a CI, main
    analysis or sensitivity/subgroup."""
    traces = []
    chosen = rows[rows["_hl"]]
    if not chosen.empty:
        traces.append(halo_trace(chosen, "value", "_y", chosen["_size"], err_x=("ci_low", "ci_high")))
    for (has_ci, main), group in rows.groupby(["has_ci", "_main"], sort=False):
        ink = MAIN_INK if main else SECONDARY_INK
        trace = dict(
            type="scatter",
            x=floats(group["value"]),
            y=floats(group["_y"]),
            mode="markers",
            name=("HR with 95% CI" if has_ci else "HR, CI not reported") + ("" if main else " (sensitivity/subgroup)"),
            customdata=customdata(group["trial_id"], group["arm_id"]),
            text=[_hover(r, basis_name) for r in group.itertuples(index=False)],
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            marker=dict(
                symbol="square" if has_ci else "square-open",
                size=floats(group["_size"]),
                color=ink,
                line=dict(color=ink, width=2 if not has_ci else 0),
            ),
        )
        if has_ci:
            trace["error_x"] = ci_whiskers(group, ink, thickness=1.8, width=0)
        traces.append(trace)
    return traces


def _row_positions(line_counts: list[int]) -> list[float]:
    """y of each row, top to bottom, the last at 0: one unit (ROW_PX) apart, more where wrapped
    labels of more lines need it (a line is _LINE_UNITS), so labels never run into each other."""
    ys = [0.0]
    for below, above in zip(line_counts[:0:-1], line_counts[-2::-1]):
        ys.append(ys[-1] + max(1.0, _LINE_UNITS * (below + above) / 2 + 0.25))
    return ys[::-1]


def _pooled_label(pooling: Pooling) -> str:
    """The pooled row's label (or the heterogeneity statement), wrapped, before styling."""
    if pooling.drawn:
        return wrapped(pooling.label, LABEL_CHARS, escape=True)
    pooled = pooling.estimate
    return wrapped(f"Not pooled (k = {pooled.k}, τ² {pooled.tau2:.3f})", LABEL_CHARS)


def _pooled_positions(last_lines: int, pooling: Pooling | None) -> tuple[float, float]:
    """y of the pooled row and of its prediction interval, under the last trial's row, far enough
    apart for their wrapped labels."""
    lines = line_count(_pooled_label(pooling)) if pooling is not None and pooling.estimate is not None else 1
    pooled = -max(1.3, _LINE_UNITS * (last_lines + lines) / 2 + 0.5)
    return pooled, pooled - max(0.8, _LINE_UNITS * (lines + 1) / 2 + 0.25)


def _row_labels(rows: pd.DataFrame, ys: list[float], below: tuple[float, float], pooling: Pooling | None) -> tuple[tuple, dict]:
    """(tick positions, tick texts) of every row, and the HR and p columns beside them, with the
    pooled rows (or the heterogeneity statement) under the trials."""
    tick_y = list(ys)
    tick_text = [tick_label(name, h) for name, h in zip(rows["_name"], rows["_hl"])]
    hr_texts = [plain_text(t) for t in rows["hr_text"]]
    p_texts = [plain_text(t) for t in rows["p_label"]]
    col_y, col_bold = list(ys), [bool(h) for h in rows["_hl"]]
    pooled = pooling.estimate if pooling is not None else None
    if pooling is not None and pooling.drawn:
        tick_y += list(below)
        tick_text += [
            tick_label(_pooled_label(pooling), True),
            tick_label("  " + wrapped("95% prediction interval", LABEL_CHARS), False),
        ]
        hr_texts += [
            f"{theme.format_ratio(pooled.estimate)} [{theme.format_ratio(pooled.ci_low)}–"
            f"{theme.format_ratio(pooled.ci_high)}]",
            f"{theme.format_ratio(pooled.pi_low)}–{theme.format_ratio(pooled.pi_high)}"
            if pooled.has_prediction_interval
            else "not defined (k < 3)",
        ]
        p_texts += [f"I² {pooled.i2:.0f}%", f"τ² {pooled.tau2:.3f}"]
        col_y += list(below)
        col_bold += [True, False]
    elif pooled is not None:
        # Heterogeneity guard: the statistics, and no estimate.
        tick_y.append(below[0])
        tick_text.append(tick_label(_pooled_label(pooling), True))
        hr_texts.append(f"not meaningful:<br>I² > {HETEROGENEITY_LIMIT:.0f}%")
        p_texts.append(f"I² {pooled.i2:.0f}%")
        col_y.append(below[0])
        col_bold.append(True)
    return (tick_y, tick_text), dict(y=col_y, hr=hr_texts, p=p_texts, bold=col_bold)


def _footnotes(rows: pd.DataFrame, basis_name: str, pooling: Pooling | None) -> list[str]:
    """Markup-ready lines under the plot: marker sizes, what was pooled (or why not), the papers' caveats."""
    footnotes = [
        f"Marker area ∝ {basis_name}."
        + ("" if rows["has_ci"].all() else " Open squares: 95% CI not reported (no whisker).")
    ]
    if pooling is not None and pooling.drawn:
        footnotes.append(
            f"Pooled: random effects (DerSimonian–Laird) over the {plain_text(pooling.analysis)} HRs of "
            f"{plain_text(', '.join(pooling.trial_ids))}."
        )
        footnotes.append("Few trials: interpret the pooled estimate with caution.")
        footnotes.append(
            "Line through the diamond: 95% prediction interval for a new trial (Higgins et al. 2009; t, k − 2 df)."
            if pooling.estimate.has_prediction_interval
            else "The 95% prediction interval is not defined for fewer than 3 trials."
        )
    elif pooling is not None and pooling.message:
        footnotes.append(plain_text(pooling.message))
    caveats = rows["caveat"].fillna("") if "caveat" in rows.columns else pd.Series("", index=rows.index)
    caveat_of = {trial: text for trial, text in zip(rows["trial_id"], caveats) if text}
    footnotes += [
        f"† {plain_text(trial)}: {plain_text(line)}."
        for trial, text in caveat_of.items()
        for line in text.split(CAVEAT_SEPARATOR)
    ]
    return footnotes


def _row_name(label: str, trial_id: str, caveat: bool) -> str:
    """A row's tick label, wrapped: a sensitivity or subgroup row (indented in the table) names
    its trial ("E2100 · subgroup: measurable disease"), so rows of one trial are told apart and
    each says whose it is; † marks a row the paper's caveats qualify."""
    text = label.strip() + (" †" if caveat else "")
    if label != label.lstrip(" "):
        return "  " + wrapped(f"{trial_id} · {text}", LABEL_CHARS, escape=True)
    return wrapped(text, LABEL_CHARS, escape=True)


def _annotations(footnotes: list[str], left_px: int) -> list[dict]:
    """The direction labels either side of HR = 1, and the footnote block."""
    annotations = []
    # Direction labels just under the tick labels, either side of HR = 1 (log axis: x in log10 units).
    for text, anchor, shift in (("← favours experimental", "right", -8), ("favours control →", "left", 8)):
        annotations.append(
            dict(
                x=0.0, y=0, xref="x", yref="paper", text=text, showarrow=False, xanchor=anchor,
                yanchor="top", xshift=shift, yshift=-30, font=dict(size=12, color="#444"),
            )
        )
    annotations.append(footnote_block(footnotes, left_px, gap_px=104, width=FOOTNOTE_CHARS))
    return annotations


def _shapes(rows: pd.DataFrame, ys: list[float]) -> list[dict]:
    """The line of no effect at HR = 1 and thin rules between trials."""
    rules = [
        dict(
            type="line", x0=0, x1=1, xref="paper", y0=(upper + lower) / 2, y1=(upper + lower) / 2, yref="y",
            line=dict(color="#DDDDDD", width=1),
        )
        for upper, lower, before, after in zip(ys[:-1], ys[1:], rows["trial_id"][:-1], rows["trial_id"][1:])
        if before != after
    ]
    no_effect = dict(type="line", x0=1, x1=1, xref="x", y0=0, y1=1, yref="paper", line=dict(color="#333", width=1.2))
    return [no_effect, *rules]


def _pooled_traces(pooling: Pooling, y: float) -> list[dict]:
    """The prediction interval as a thin line (when defined) under the random-effects diamond
    (centre at the pooled HR, tips at its 95% CI). The hover text is data (the pooled row's
    label), so it travels as hovertext, never inside the hovertemplate."""
    pooled = pooling.estimate
    hover = (
        f"{plain_text(pooling.label)}<br>HR {theme.format_ratio(pooled.estimate)} "
        f"[{theme.format_ratio(pooled.ci_low)}–{theme.format_ratio(pooled.ci_high)}]<br>"
        f"derived (DerSimonian–Laird)<br>{plain_text(pooling.statistics_text)}"
    )
    traces = []
    if pooled.has_prediction_interval:
        traces.append(
            dict(
                type="scatter", x=floats([pooled.pi_low, pooled.pi_high]), y=[y, y], mode="lines",
                line=dict(color=MAIN_INK, width=1.5), name="95% prediction interval", showlegend=False,
                customdata=[["", ""]] * 2, hovertext=[hover] * 2, hovertemplate="%{hovertext}<extra></extra>",
            )
        )  # fmt: skip
    traces.append(
        dict(
            type="scatter",
            x=floats([pooled.ci_low, pooled.estimate, pooled.ci_high, pooled.estimate, pooled.ci_low]),
            y=[y, y + 0.3, y, y - 0.3, y],
            mode="lines", fill="toself", fillcolor=MAIN_INK, line=dict(color=MAIN_INK, width=1),
            name="Pooled (random effects)", showlegend=False, customdata=[["", ""]] * 5,
            hovertext=[hover] * 5, hovertemplate="%{hovertext}<extra></extra>",
        )
    )  # fmt: skip
    return traces


def _hover(row, basis_name: str) -> str:
    """Short hover text for one forest row (no long notes; the caption carries the citations): the
    estimate, and its locator with the passage it was read from, shortened."""
    ci = f"95% CI {row.ci_low:.2f}–{row.ci_high:.2f}" if row.has_ci else "CI not reported"
    counts = []
    if not missing(row.n_patients):
        counts.append(f"{int(row.n_patients)} patients")
    if not missing(row.events):
        counts.append(f"{int(row.events)} events")
    lines = [
        f"<b>{plain_text(row.label.strip())}</b> ({plain_text(row.trial_id)})",
        f"HR {theme.format_ratio(row.value)}; {ci}",
        f"p {plain_text(row.p_label)}; {plain_text(row.analysis)} analysis",
    ]
    if counts:
        lines.append(", ".join(counts))
    if row.derived:
        lines.append("derived (computed, not printed)")
    lines.append(theme.source_hover(getattr(row, "source", None), getattr(row, "passage", None)))
    return "<br>".join(lines)
