"""Survival figures as plotly dicts: model-based curves from published medians and HRs, and
Kaplan–Meier from patient data.

The tables (fitted models, curve points, Kaplan–Meier estimates, at-risk counts) come from
`evidence.tables.survival`; these builders only draw them. Model-based curves are dashed and say
"model-based, not patient data" wherever they appear. Data text (arm labels, trial names, notes)
goes through `theme.plain_text` once; data shown on hover travels in the trace's `meta`, never
inside a hovertemplate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence import theme
from evidence.figures.marks import LABEL_CHARS, label_margin, line_count, wrapped
from evidence.tables.lookups import endpoint_label, lower_first
from evidence.survival import CURVE_EXPONENTIAL_PER_ARM, CURVE_WEIBULL_PH
from evidence.tables.survival import MODEL_NOTE, KaplanMeierTable, ModelCurves, months_text

_LEGEND = {
    CURVE_WEIBULL_PH: "Weibull PH, shared shape",
    CURVE_EXPONENTIAL_PER_ARM: "exponential from its own median",
}
_SUBTITLE_FONT = dict(size=13, color="#444")
# Title, subtitle and legend are wrapped to character budgets that fit a 390 px graph (plotly does
# not wrap) and sit in margins sized from their line counts, above and below the plot: the legend
# drawn inside the plot covered the curves on a tablet, the subtitle ran past the edge on a phone.
_TITLE_CHARS, _SUBTITLE_CHARS, _LEGEND_CHARS = 34, 50, 40
_TITLE_TOP_PX, _TITLE_LINE_PX, _SUBTITLE_LINE_PX, _LEGEND_LINE_PX, _LEGEND_ITEM_GAP_PX = 14, 22, 17, 16, 6
_X_TITLE_PX = 60  # tick labels and the axis title under the plot


def _titles(title: str, subtitle: str, height: int) -> tuple[dict, int]:
    """Markup-ready title and subtitle, wrapped, at the top left of a figure whose plot and bottom
    margin take `height` px; with the top margin that holds them."""
    title, subtitle = wrapped(title, _TITLE_CHARS), wrapped(subtitle, _SUBTITLE_CHARS)
    top = _TITLE_TOP_PX + _TITLE_LINE_PX * line_count(title) + 10 + _SUBTITLE_LINE_PX * line_count(subtitle) + 14
    # plotly sets a title of several lines 13 px higher than one line with the same y (measured in
    # Chromium, plotly.js 3): lowered by as much, its first line starts _TITLE_TOP_PX down either way
    down = _TITLE_TOP_PX + (13 if line_count(title) > 1 else 0)
    spec = dict(
        text=title, y=1 - down / (height + top), yref="container", yanchor="top", pad=dict(t=0),
        subtitle=dict(text=subtitle, font=_SUBTITLE_FONT),
    )  # fmt: skip
    return spec, top


def _legend(names: list[str]) -> tuple[dict, int]:
    """Entries side by side at the bottom left, under the axis title, flowing onto more rows where
    the graph is narrow; with the bottom margin that holds them one a row (a phone; the names are
    wrapped already, `_legend_name`). Horizontal, so a slide's larger text flows in a row too."""
    rows = sum(line_count(name) for name in names)
    height = _LEGEND_LINE_PX * rows + _LEGEND_ITEM_GAP_PX * len(names) + 12
    # x on the paper: a legend placed on the container pushes the left margin by its own width
    spec = dict(orientation="h", x=0.0, xref="paper", xanchor="left", y=0.0, yref="container", yanchor="bottom",
                font=dict(size=12))  # fmt: skip
    return spec, _X_TITLE_PX + height


def _legend_names(traces: list[dict]) -> list[str]:
    return [t["name"] for t in traces if t.get("showlegend", True)]


def _legend_name(text: str) -> str:
    """A legend entry's markup-ready name, wrapped to fit a phone."""
    return wrapped(text, _LEGEND_CHARS)
_HALF_LINE = dict(color="#999", width=1, dash="dot")


def _rgba(hex_colour: str, alpha: float) -> str:
    """'#D55E00' -> 'rgba(213,94,0,alpha)' for translucent CI bands."""
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def _colour(role: str) -> str:
    return theme.ROLE_COLOURS.get(role, theme.MODEL_COLOUR)


def _p_text(p: float) -> str:
    """P values as usually printed: '<0.0001', '0.0013', '0.041'."""
    if p < 0.0001:
        return "<0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.3f}"


def _wrap_words(text: str, width: int) -> list[str]:
    """A long sentence as lines of at most `width` characters (plotly does not wrap)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line]


# ---------------------------------------------------------------- model-based curves


def _model_curve_trace(curves: ModelCurves, arm, points: pd.DataFrame) -> dict:
    """The dashed model curve of one arm."""
    label = theme.plain_text(arm.label)
    return dict(
        type="scatter", x=points["time"].tolist(), y=points["survival"].tolist(), mode="lines",
        line=dict(color=_colour(arm.role), dash="dash", width=2.5),
        name=_legend_name(f"{label} ({MODEL_NOTE}; {_LEGEND[arm.curve]})"), legendgroup=arm.arm_id,
        customdata=[[curves.trial_id, arm.arm_id]] * len(points), meta=[label],
        hovertemplate=f"<b>%{{meta[0]}}</b><br>{MODEL_NOTE} ({curves.method})<br>%{{x:.1f}} months: S = %{{y:.2f}}<extra></extra>",
    )  # fmt: skip


def _median_trace(curves: ModelCurves, arm) -> dict:
    """A published median at S = 0.5, its 95% CI as a whisker when printed."""
    colour, label = _colour(arm.role), theme.plain_text(arm.label)
    has_ci = not (pd.isna(arm.ci_low) or pd.isna(arm.ci_high))
    ci = f"95% CI {months_text(arm.ci_low)}–{months_text(arm.ci_high)} months" if has_ci else "CI not reported"
    trace = dict(
        type="scatter", x=[arm.median], y=[0.5], mode="markers",
        marker=dict(symbol="circle", size=11, color=colour, line=dict(color="white", width=1)),
        name=f"{label}: published median", legendgroup=arm.arm_id, showlegend=False,
        customdata=[[curves.trial_id, arm.arm_id]], meta=[label],
        hovertemplate=f"<b>%{{meta[0]}}</b><br>published median {months_text(arm.median)} months; {ci}<extra></extra>",
    )  # fmt: skip
    if has_ci:
        trace["error_x"] = dict(
            type="data", symmetric=False, array=[arm.ci_high - arm.median], arrayminus=[arm.median - arm.ci_low],
            color=colour, thickness=2, width=6,
        )  # fmt: skip
    return trace


def _landmark_trace(curves: ModelCurves, arm, landmark) -> dict:
    """A published landmark rate (square), labelled with the model's prediction where there is a curve."""
    colour, label = _colour(arm.role), theme.plain_text(arm.label)
    published, predicted = landmark.published_pct, landmark.predicted_pct
    has_model = not pd.isna(predicted)
    text = f"published {published:.1f}%" + (f" · model {predicted:.1f}%" if has_model else "")
    hover_model = f"<br>model predicts {predicted:.1f}% ({MODEL_NOTE})" if has_model else "<br>no model curve"
    return dict(
        type="scatter", x=[landmark.month], y=[published / 100.0], mode="markers+text", text=[text],
        textposition="middle left", textfont=dict(size=12, color=colour),
        marker=dict(symbol="square", size=11, color=colour, line=dict(color="white", width=1)),
        name=f"{label}: published {landmark.month:g}-month rate", legendgroup=arm.arm_id, showlegend=False,
        customdata=[[curves.trial_id, arm.arm_id]],
        meta=[label, theme.plain_text(endpoint_label(landmark.rate_endpoint).lower())],
        hovertemplate=f"<b>%{{meta[0]}}</b><br>published %{{meta[1]}} {published:.1f}%{hover_model}<extra></extra>",
    )  # fmt: skip


def _model_traces(curves: ModelCurves) -> list[dict]:
    """Curves first, then the published medians, then the landmark rates (drawn on top)."""
    arms = list(curves.arms.itertuples(index=False))
    by_id = {a.arm_id: a for a in arms}
    points = {arm_id: rows for arm_id, rows in curves.points.groupby("arm_id", sort=False)}
    traces = [_model_curve_trace(curves, a, points[a.arm_id]) for a in arms if a.curve]
    traces += [_median_trace(curves, a) for a in arms]
    traces += [_landmark_trace(curves, by_id[m.arm_id], m) for m in curves.landmarks.itertuples(index=False)]
    return traces


def _model_layout(curves: ModelCurves, legend_names: list[str]) -> dict:
    """Title and subtitle above the plot, the legend (`legend_names`) under it, guide lines at
    S = 0.5 and the landmark months, and the paper's caveats in a box inside the plot."""
    label = theme.plain_text(lower_first(endpoint_label(curves.endpoint)))
    name = theme.plain_text(curves.trial_name)
    months = sorted(set(curves.landmarks["month"]))
    points = "Dots: published medians (whisker = 95% CI)" + ("; squares: published landmark rates." if months else ".")
    nothing_drawn = curves.no_curve_reason
    subtitle = points if nothing_drawn else f"Dashed: {MODEL_NOTE} ({curves.method}). {points}"
    title = (
        f"Published {label} medians — {name} (no model curve)" if nothing_drawn else f"Model-based {label} curves — {name}"
    )
    shapes = [dict(type="line", x0=0, x1=1, xref="paper", y0=0.5, y1=0.5, yref="y", line=_HALF_LINE, layer="below")]
    shapes += [
        dict(type="line", x0=m, x1=m, xref="x", y0=0, y1=1, yref="paper", line=_HALF_LINE, layer="below") for m in months
    ]
    legend, bottom = _legend(legend_names)
    title_spec, top = _titles(title, subtitle, 340 + bottom)
    layout = dict(
        template=theme.TEMPLATE,
        title=title_spec,
        height=340 + top + bottom,  # a 340 px plot
        margin=dict(l=70, r=30, t=top, b=bottom),
        xaxis=dict(title=dict(text="Time (months)"), range=[0, curves.horizon], dtick=6 if curves.horizon <= 72 else 12),
        yaxis=dict(title=dict(text="Survival probability"), range=[0, 1.02], dtick=0.25),
        legend=legend,
        shapes=shapes,
    )
    boxed = ([nothing_drawn] if nothing_drawn else []) + list(curves.caveats)
    if boxed:
        # Why nothing is drawn, or the paper's own caveat on its model, inside the figure.
        text = "<br>".join(theme.plain_text(line) for sentence in boxed for line in _wrap_words(sentence, 110))
        layout["annotations"] = [dict(
            x=0.01, y=0.02, xref="paper", yref="paper", xanchor="left", yanchor="bottom", align="left",
            showarrow=False, text=text, font=dict(size=12, color="#333"), bgcolor="rgba(255,255,255,0.85)",
            bordercolor="#999", borderwidth=1,
        )]  # fmt: skip
    return layout


def model_based_figure(curves: ModelCurves) -> dict:
    """Model-based survival curves (dashed), published medians with their CIs and published landmark
    rates set against the model, for one trial and endpoint (`evidence.tables.survival.model_curves`)."""
    if curves.message:
        return theme.empty_figure_dict(curves.message)
    traces = _model_traces(curves)
    return {"data": traces, "layout": _model_layout(curves, _legend_names(traces))}


# ---------------------------------------------------------------- Kaplan–Meier from patient data


def _band_steps(band: pd.Series) -> list[float | None]:
    """A band for an "hv" step plot: the first missing value after a defined one (S = 0, band
    undefined) repeats it, so the last defined step is drawn up to where the curve reaches 0;
    other missing values stay gaps (None)."""
    original = band.to_numpy(dtype=float)
    values = original.copy()
    after_defined = np.isnan(original[1:]) & ~np.isnan(original[:-1])
    values[1:][after_defined] = original[:-1][after_defined]
    return [None if np.isnan(v) else float(v) for v in values]


def _comparison_text(comparison) -> str:
    """'Log-rank p = … · Cox HR … (95% CI …).', or what could not be estimated and why."""
    if comparison.logrank_p is None:
        logrank = f"Log-rank test not computable: {comparison.logrank_reason}."
    else:
        logrank = f"Log-rank p = {_p_text(comparison.logrank_p)}"
    if comparison.hazard_ratio is None:
        if comparison.logrank_p is None:
            return logrank
        return f"{logrank} · Cox HR not estimable: {comparison.hr_reason}."
    return (
        f"{logrank} · Cox HR experimental vs control {theme.format_ratio(comparison.hazard_ratio)} "
        f"(95% CI {theme.format_ratio(comparison.hr_ci_low)}–{theme.format_ratio(comparison.hr_ci_high)})."
    )


def _km_arm_traces(table: KaplanMeierTable, arm, index: int) -> list[dict]:
    """One arm's CI band (two edges), step curve and censoring ticks on the top panel, and its
    number-at-risk row on the bottom panel."""
    arm_id, colour, label = str(arm.arm_id), _colour(arm.role), theme.plain_text(arm.label)
    curve = table.curves[table.curves["arm_id"] == arm.arm_id]
    censored = table.censored[table.censored["arm_id"] == arm.arm_id]
    at_risk = table.at_risk[table.at_risk["arm_id"] == arm.arm_id]
    times = curve["time"].tolist()
    click = [table.trial_id, arm_id]
    median = f"median {months_text(arm.median)} mo [{months_text(arm.median_ci_low)}–{months_text(arm.median_ci_high)}]"
    top = dict(type="scatter", xaxis="x", yaxis="y", legendgroup=arm_id)
    return [
        # Pointwise 95% band (exponential Greenwood / log(-log), lifelines' default), drawn as steps.
        dict(top, x=times, y=_band_steps(curve["ci_high"]), mode="lines", line=dict(width=0, shape="hv"),
             hoverinfo="skip", showlegend=False, name=f"{label} 95% CI upper"),
        dict(top, x=times, y=_band_steps(curve["ci_low"]), mode="lines", line=dict(width=0, shape="hv"),
             fill="tonexty", fillcolor=_rgba(colour, 0.15), hoverinfo="skip", showlegend=False, name=f"{label} 95% CI"),
        dict(top, x=times, y=curve["survival"].tolist(), mode="lines", line=dict(color=colour, width=2.5, shape="hv"),
             name=_legend_name(f"{label} (n = {arm.n}, {arm.events} events; {median})"), customdata=[click] * len(times), meta=[label],
             hovertemplate="<b>%{meta[0]}</b><br>%{x:.1f} months: S = %{y:.2f}<extra>Kaplan–Meier</extra>"),
        dict(top, x=censored["time"].tolist(), y=censored["survival"].tolist(), mode="markers",
             marker=dict(symbol="line-ns-open", size=9, color=colour, line=dict(width=1.5, color=colour)),
             name=f"{label} censored", showlegend=False, customdata=[click] * len(censored),
             hovertemplate="censored at %{x:.1f} months<extra></extra>"),
        dict(type="scatter", xaxis="x2", yaxis="y2", x=at_risk["time"].tolist(), y=[index] * len(at_risk), mode="text",
             text=[str(n) for n in at_risk["n"]], textfont=dict(color=colour, size=13), showlegend=False, cliponaxis=False,
             name=f"{label} at risk", customdata=[click] * len(at_risk), meta=[label],
             hovertemplate="%{meta[0]}: %{text} at risk at %{x:.0f} months<extra></extra>"),
    ]  # fmt: skip


def _km_subtitle(table: KaplanMeierTable) -> str:
    subtitle = "Shaded: pointwise 95% CI; | = censored."
    if table.comparison is not None:
        subtitle = f"{theme.plain_text(_comparison_text(table.comparison))}<br>" + subtitle
    if table.notes:
        subtitle += " Note: " + theme.plain_text("; ".join(table.notes)) + "."
    return subtitle


def _km_layout(table: KaplanMeierTable, legend_names: list[str]) -> dict:
    """Two panels sharing the time axis: curves (top 80%) and the number-at-risk table (bottom 20%),
    with the domains make_subplots(rows=2, row_heights=[0.8, 0.2], vertical_spacing=0.09) gives;
    `legend_names` are the names of the traces shown in the legend."""
    n_arms = len(table.arms)
    times = table.at_risk_times
    x_range = [-0.02 * times[-1] - 0.5, table.max_time * 1.02]
    # The risk table's row labels are the arm labels, wrapped, in a left margin made to hold them
    # (they were cut at the figure's edge); counts at the ends may reach into the margins.
    arm_labels = [wrapped(label, LABEL_CHARS, escape=True) for label in table.arms["label"]]
    legend, bottom = _legend(legend_names)
    title, top = _titles(
        theme.plain_text(f"Kaplan–Meier {lower_first(endpoint_label(table.endpoint))} — {table.trial_id}"),
        _km_subtitle(table),
        420 + 22 * n_arms + bottom,
    )
    return dict(
        template=theme.TEMPLATE,
        title=title,
        height=420 + 22 * n_arms + top + bottom,  # curves and risk table 420 px + 22 px an arm
        margin=dict(l=max(70, label_margin(arm_labels) + 16), r=36, t=top, b=bottom),
        legend=legend,
        xaxis=dict(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False, range=x_range, tickvals=times),
        xaxis2=dict(anchor="y2", domain=[0.0, 1.0], range=x_range, tickvals=times, title=dict(text="Time (months)")),
        yaxis=dict(anchor="x", domain=[0.272, 1.0], title=dict(text="Survival probability"), range=[0, 1.02], dtick=0.25),
        yaxis2=dict(
            anchor="x2", domain=[0.0, 0.182], tickvals=list(range(n_arms)),
            ticktext=arm_labels, range=[n_arms - 0.5, -0.5], showgrid=False, zeroline=False, ticks="", automargin=False,
            ticklabelstandoff=16,  # clear of the first count, drawn at time 0 on the axis
        ),
        annotations=[dict(text="Number at risk", x=0, xref="paper", xanchor="left", y=1, yref="y2 domain", yanchor="bottom",
                          yshift=4, showarrow=False, font=dict(size=13, color="#444"))],
        shapes=[dict(type="line", x0=0, x1=1, xref="x domain", y0=0.5, y1=0.5, yref="y", line=_HALF_LINE, layer="below")],
    )  # fmt: skip


def kaplan_meier_figure(table: KaplanMeierTable) -> dict:
    """Kaplan–Meier curves per arm with CI bands, censor ticks and a risk table
    (`evidence.tables.survival.kaplan_meier_table`); log-rank p and the Cox HR (experimental vs
    control, Wald 95% CI) in the subtitle, each arm's median with its 95% CI in the legend."""
    if table.message:
        return theme.empty_figure_dict(table.message)
    traces = [t for index, arm in enumerate(table.arms.itertuples(index=False)) for t in _km_arm_traces(table, arm, index)]
    return {"data": traces, "layout": _km_layout(table, _legend_names(traces))}
