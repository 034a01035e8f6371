"""Hazard-ratio forest: one row per analysis on a log axis, with the pooled diamond when asked for.

Draws the rows of `evidence.tables.forest.forest_rows` and the decision of
`evidence.tables.pooling.pooling` as a plain plotly figure dict.
"""

from __future__ import annotations

import math

import pandas as pd

from evidence import theme
from evidence.figures.marks import (
    SECONDARY_INK,
    ci_whiskers,
    column_annotations,
    customdata,
    figure,
    floats,
    halo_trace,
    header,
    tick_label,
)
from evidence.model_caveats import CAVEAT_SEPARATOR
from evidence.tables.lookups import MAIN_ANALYSES, finite, lower_first, missing
from evidence.tables.pooling import HETEROGENEITY_LIMIT, Pooling
from evidence.theme import plain_text

MAIN_INK = "#1A1A1A"
_POOLED_Y, _INTERVAL_Y = -1.3, -2.1
_COLUMN_HR, _COLUMN_P = 0.70, 0.92


def _log_ticks(low: float, high: float) -> list[float]:
    """Readable ratio ticks between low and high on a log axis."""
    candidates = [0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10, 20]
    inside = [c for c in candidates if low <= c <= high]
    if len(inside) > 9:
        inside = [c for c in inside if c in (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20)]
    return inside


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
    n = len(rows)
    ys = [float(n - 1 - i) for i in range(n)]
    requested = pooling is not None and pooling.requested
    pooled = pooling.estimate if requested else None
    drawn = requested and pooling.drawn
    sizes, basis_name = _marker_sizes(rows)
    rows = rows.assign(_y=ys, _size=sizes, _hl=rows["trial_id"].eq(highlight) if highlight else False)
    rows["_main"] = rows["analysis"].isin(MAIN_ANALYSES)

    traces = _row_traces(rows, basis_name)
    if drawn:
        traces += _pooled_traces(pooling, _POOLED_Y)
    ticks, columns = _row_labels(rows, ys, pooling if requested else None)
    footnotes = _footnotes(rows, basis_name, pooling if requested else None)
    annotations = _annotations(columns, n, footnotes)

    # Axis range: every value and CI bound, the line of no effect and the pooled estimate.
    bounds = [1.0, *rows["value"], *rows["ci_low"].dropna(), *rows["ci_high"].dropna()]
    if drawn:
        bounds += [pooled.ci_low, pooled.ci_high]
        if pooled.has_prediction_interval:
            bounds += [pooled.pi_low, pooled.pi_high]
    span = (math.log10(min(bounds)) - 0.12, math.log10(max(bounds)) + 0.12)
    extra_rows = 2 if drawn else (1 if requested and pooled is not None else 0)
    bottom = {2: _INTERVAL_Y - 0.7, 1: _POOLED_Y - 0.7}.get(extra_rows, -0.7)
    layout = dict(
        title=dict(text=f"Hazard ratios: {plain_text(endpoint_label)}"),
        height=int(190 + 38 * (n + 0.9 * extra_rows + (0.6 if extra_rows else 0)) + 18 * len(footnotes)),
        margin=dict(l=20, r=20, t=70, b=110 + 18 * len(footnotes)),
        showlegend=False,
        xaxis=dict(
            type="log",
            domain=[0.0, 0.66],
            range=list(span),
            tickvals=_log_ticks(10 ** span[0], 10 ** span[1]),
            title=dict(text="Hazard ratio, experimental vs control (ratio, log scale)", standoff=34),
            zeroline=False,
        ),
        yaxis=dict(
            range=[bottom, n - 1 + 0.9], tickvals=ticks[0], ticktext=ticks[1], showgrid=False, automargin=True, ticks=""
        ),
        annotations=annotations,
        shapes=_shapes(rows, ys),
    )
    return figure(traces, layout)


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


def _row_labels(rows: pd.DataFrame, ys: list[float], pooling: Pooling | None) -> tuple[tuple, dict]:
    """(tick positions, tick texts) of every row, and the HR and p columns beside them, with the
    pooled rows (or the heterogeneity statement) under the trials."""
    caveats = rows["caveat"].fillna("") if "caveat" in rows.columns else pd.Series("", index=rows.index)
    tick_y = list(ys)
    tick_text = [tick_label(plain_text(t) + (" †" if c else ""), h) for t, h, c in zip(rows["label"], rows["_hl"], caveats)]
    hr_texts = [plain_text(t) for t in rows["hr_text"]]
    p_texts = [plain_text(t) for t in rows["p_label"]]
    col_y, col_bold = list(ys), [bool(h) for h in rows["_hl"]]
    pooled = pooling.estimate if pooling is not None else None
    if pooling is not None and pooling.drawn:
        tick_y += [_POOLED_Y, _INTERVAL_Y]
        tick_text += [f"<b>{plain_text(pooling.label)}</b>", tick_label("  95% prediction interval", False)]
        hr_texts += [
            f"{theme.format_ratio(pooled.estimate)} [{theme.format_ratio(pooled.ci_low)}–"
            f"{theme.format_ratio(pooled.ci_high)}]",
            f"{theme.format_ratio(pooled.pi_low)}–{theme.format_ratio(pooled.pi_high)}"
            if pooled.has_prediction_interval
            else "not defined (k < 3)",
        ]
        p_texts += [f"I² {pooled.i2:.0f}%", f"τ² {pooled.tau2:.3f}"]
        col_y += [_POOLED_Y, _INTERVAL_Y]
        col_bold += [True, False]
    elif pooled is not None:
        # Heterogeneity guard: the statistics, and no estimate.
        tick_y.append(_POOLED_Y)
        tick_text.append(f"<b>Not pooled (k = {pooled.k}, τ² {pooled.tau2:.3f})</b>")
        hr_texts.append(f"not meaningful: I² > {HETEROGENEITY_LIMIT:.0f}%")
        p_texts.append(f"I² {pooled.i2:.0f}%")
        col_y.append(_POOLED_Y)
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


def _annotations(columns: dict, n: int, footnotes: list[str]) -> list[dict]:
    """The HR and p columns with their headers, the direction labels and the footnote block."""
    annotations = column_annotations(columns["y"], columns["hr"], _COLUMN_HR, bold=columns["bold"])
    annotations += column_annotations(columns["y"], columns["p"], _COLUMN_P, bold=columns["bold"])
    top_y = n - 1 + 0.55
    annotations += [header("HR [95% CI]", _COLUMN_HR, top_y), header("p", _COLUMN_P, top_y)]
    # Direction labels just under the tick labels, either side of HR = 1 (log axis: x in log10 units).
    for text, anchor, shift in (("← favours experimental", "right", -8), ("favours control →", "left", 8)):
        annotations.append(
            dict(
                x=0.0, y=0, xref="x", yref="paper", text=text, showarrow=False, xanchor=anchor,
                yanchor="top", xshift=shift, yshift=-30, font=dict(size=12, color="#444"),
            )
        )
    annotations.append(
        dict(
            x=0, y=0, xref="paper", yref="paper", text="<br>".join(footnotes), showarrow=False,
            xanchor="left", yanchor="top", yshift=-88, align="left", font=dict(size=12, color="#444"),
        )
    )
    return annotations


def _shapes(rows: pd.DataFrame, ys: list[float]) -> list[dict]:
    """The line of no effect at HR = 1 and thin rules between trials."""
    rules = [
        dict(
            type="line", x0=0, x1=1, xref="paper", y0=y + 0.5, y1=y + 0.5, yref="y",
            line=dict(color="#DDDDDD", width=1),
        )
        for y, before, after in zip(ys[1:], rows["trial_id"][:-1], rows["trial_id"][1:])
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
