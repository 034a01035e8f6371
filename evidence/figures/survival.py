"""Survival figures: model-based curves from published medians and HRs, and Kaplan–Meier from patient data.

Statistics come from `evidence.survival` (lifelines underneath); these builders only draw.
Model-based curves are dashed and say "model-based, not patient data" wherever they appear.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from evidence import theme
from evidence.figures.efficacy import (
    MAIN_ANALYSES,
    arm_lookup,
    endpoint_label,
    lower_first,
    trial_names,
    whole_population_medians,
)
from evidence.model_caveats import caveat_lines, nonproportional_hazards
from evidence.survival import (
    ARM_CONTROL,
    ARM_EXPERIMENTAL,
    CURVE_EXPONENTIAL_PER_ARM,
    CURVE_NONE,
    CURVE_WEIBULL_PH,
    choose_two_arm_curves,
    compare_two_arms,
    exponential_from_median,
    exponential_survival,
    kaplan_meier,
    number_at_risk,
)

LANDMARKS = {"OS": (("OS_12M", 12.0),)}
"""Published landmark rates that can be checked against a model curve: endpoint -> (rate endpoint, month)."""

_ANALYSIS_RANK = {name: rank for rank, name in enumerate(MAIN_ANALYSES)}
_ROLE_ORDER = {"control": 0, "experimental": 1, "single": 2}
_MODEL_NOTE = "model-based, not patient data"
_METHOD = {
    CURVE_WEIBULL_PH: "Weibull proportional hazards",
    CURVE_EXPONENTIAL_PER_ARM: "exponential per arm, each from its own median",
    CURVE_NONE: "no model curve",
}
_LEGEND = {
    CURVE_WEIBULL_PH: "Weibull PH, shared shape",
    CURVE_EXPONENTIAL_PER_ARM: "exponential from its own median",
}


def _rgba(hex_colour: str, alpha: float) -> str:
    """'#D55E00' -> 'rgba(213,94,0,alpha)' for translucent CI bands."""
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def _months(value: float) -> str:
    """Months to one decimal; 'NR' (not reached / not reported) for NaN or infinity."""
    return "NR" if value is None or not math.isfinite(value) else theme.format_months(value)


def _p_text(p: float) -> str:
    """P values as usually printed: '<0.0001', '0.0013', '0.041'."""
    if p < 0.0001:
        return "<0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.3f}"


def _main_hazard_ratio(comparisons: pd.DataFrame, trial_id: str, endpoint: str) -> pd.Series | None:
    """The whole-population HR row (primary before secondary before exploratory), or None."""
    if comparisons is None or comparisons.empty:
        return None
    rows = comparisons[
        (comparisons["trial_id"] == trial_id)
        & (comparisons["endpoint"] == endpoint)
        & (comparisons["statistic"] == "HR")
        & comparisons["analysis"].isin(MAIN_ANALYSES)
        & comparisons["value"].notna()
    ]
    if rows.empty:
        return None
    rows = rows.assign(_rank=rows["analysis"].map(_ANALYSIS_RANK)).sort_values("_rank", kind="stable")
    return rows.iloc[0]


def _landmark_rates(efficacy: pd.DataFrame, trial_id: str, endpoint: str) -> list[tuple[float, pd.Series]]:
    """(month, efficacy row) for each published landmark rate of this endpoint, main analyses only."""
    found = []
    for rate_endpoint, month in LANDMARKS.get(endpoint, ()):
        rows = efficacy[
            (efficacy["trial_id"] == trial_id)
            & (efficacy["endpoint"] == rate_endpoint)
            & (efficacy["statistic"] == "rate")
            & efficacy["analysis"].isin(MAIN_ANALYSES)
            & efficacy["value"].notna()
        ]
        rows = rows.assign(_rank=rows["analysis"].map(_ANALYSIS_RANK)).sort_values("_rank", kind="stable")
        found += [(month, row) for _, row in rows.drop_duplicates("arm_id").iterrows()]
    return found


def _horizon(medians: list[float], landmarks: list[float]) -> float:
    """2.5 x the longest median, and well past any landmark, rounded up to whole half-years."""
    horizon = 6.0 * math.ceil(2.5 * max(medians) / 6.0)
    if landmarks:
        horizon = max(horizon, 6.0 * math.ceil(1.5 * max(landmarks) / 6.0))
    return horizon


def model_based_curves(
    efficacy: pd.DataFrame,
    comparisons: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    trial_id: str,
    endpoint: str,
    horizon_months: float | None = None,
) -> tuple[go.Figure, list[str]]:
    """Survival curves implied by a trial's published medians (and HR), with the published points.

    Two arms: `choose_two_arm_curves` decides. Weibull proportional hazards sharing one shape
    (both medians and the HR hold exactly) only with a plausible shape and no documented
    non-proportionality (a curated treatment × time interaction, see `evidence.model_caveats`);
    otherwise one exponential curve per arm from its own median, or, under documented
    non-proportional hazards, no curve at all, with the reason inside the figure. A single arm:
    exponential from its median. Every curve drawn is set against each published landmark rate.
    The paper's own model caveats (interactions) appear in the figure and the notes.
    Returns the figure and plain notes.
    """
    label = endpoint_label(endpoint)
    name = trial_names(trials).get(trial_id, trial_id)
    medians = whole_population_medians(efficacy, trial_id, endpoint)
    if medians.empty:
        return (
            theme.empty_figure(f"{name} publishes no median {lower_first(label)}, so no model-based curve can be drawn."),
            [],
        )
    info = arm_lookup(arms)
    arms_here = []
    for row in medians.itertuples(index=False):
        arm = info.get((trial_id, row.arm_id), {})
        arms_here.append(
            dict(
                arm_id=row.arm_id,
                role=arm.get("role", "single"),
                label=arm.get("label", row.arm_id),
                median=float(row.value),
                low=None if pd.isna(row.ci_low) else float(row.ci_low),
                high=None if pd.isna(row.ci_high) else float(row.ci_high),
            )
        )
    arms_here.sort(key=lambda a: _ROLE_ORDER.get(a["role"], 9))
    by_role = {a["role"]: a for a in arms_here}
    landmarks = _landmark_rates(efficacy, trial_id, endpoint)
    horizon = float(horizon_months) if horizon_months else _horizon(
        [a["median"] for a in arms_here], [m for m, _ in landmarks]
    )
    grid = np.linspace(0.0, horizon, 121)

    notes: list[str] = []
    survival_of: dict[str, callable] = {}
    curve_kind: dict[str, str] = {}
    experimental, control = by_role.get("experimental"), by_role.get("control")
    hr_row = _main_hazard_ratio(comparisons, trial_id, endpoint) if experimental and control else None
    caveats = caveat_lines(comparisons, trial_id, endpoint)
    nothing_drawn = ""
    if experimental and control:
        hr = float(hr_row["value"]) if hr_row is not None else None
        choice = choose_two_arm_curves(
            control["median"], experimental["median"], hr, nonproportional_hazards(comparisons, trial_id, endpoint)
        )
        method = _METHOD[choice.kind] + (f", shared shape {choice.model.shape:.2f}" if choice.kind == CURVE_WEIBULL_PH else "")
        if choice.kind == CURVE_NONE:
            nothing_drawn = choice.reason
            notes.append(choice.reason)
        elif choice.kind == CURVE_WEIBULL_PH:
            notes.append(
                f"Model-based curves, not patient data. {choice.reason[:-1]} "
                f"(published medians {_months(control['median'])} and {_months(experimental['median'])} months, "
                f"HR {theme.format_ratio(hr)}, {hr_row['analysis']} analysis)."
            )
        else:
            implied = choice.model.rate_experimental / choice.model.rate_control
            notes.append(
                f"{choice.reason} Model-based, not patient data: the two curves imply a constant HR "
                f"{theme.format_ratio(implied)} (derived: ratio of medians)"
                + (f" vs published {theme.format_ratio(hr)}." if hr is not None else ".")
            )
        if choice.model is not None:
            survival_of[control["arm_id"]] = lambda t, m=choice.model: m.survival(ARM_CONTROL, t)
            survival_of[experimental["arm_id"]] = lambda t, m=choice.model: m.survival(ARM_EXPERIMENTAL, t)
            curve_kind.update({control["arm_id"]: choice.kind, experimental["arm_id"]: choice.kind})
            for extra in arms_here:
                if extra["arm_id"] not in survival_of:
                    rate = exponential_from_median(extra["median"])
                    survival_of[extra["arm_id"]] = lambda t, r=rate: exponential_survival(r, t)
                    curve_kind[extra["arm_id"]] = CURVE_EXPONENTIAL_PER_ARM
    else:
        method = "exponential from the median"
        for arm in arms_here:
            rate = exponential_from_median(arm["median"])
            survival_of[arm["arm_id"]] = lambda t, r=rate: exponential_survival(r, t)
            curve_kind[arm["arm_id"]] = CURVE_EXPONENTIAL_PER_ARM
        notes.append(
            "Model-based curve, not patient data: exponential (constant hazard) from the published median"
            + (" of each arm." if len(arms_here) > 1 else ".")
        )
    notes += [f"Caveat reported by {trial_id}: {line}." for line in caveats]

    fig = go.Figure()
    for arm in arms_here:
        if arm["arm_id"] not in survival_of:
            continue
        colour = theme.ROLE_COLOURS.get(arm["role"], theme.MODEL_COLOUR)
        curve = survival_of[arm["arm_id"]](grid)
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=curve,
                mode="lines",
                line=dict(color=colour, dash="dash", width=2.5),
                name=f"{arm['label']} ({_MODEL_NOTE}; {_LEGEND[curve_kind[arm['arm_id']]]})",
                legendgroup=arm["arm_id"],
                customdata=[[trial_id, arm["arm_id"]]] * len(grid),
                hovertemplate=(
                    f"<b>{arm['label']}</b><br>{_MODEL_NOTE} ({method})<br>"
                    "%{x:.1f} months: S = %{y:.2f}<extra></extra>"
                ),
            )
        )
    for arm in arms_here:
        colour = theme.ROLE_COLOURS.get(arm["role"], theme.MODEL_COLOUR)
        has_ci = arm["low"] is not None and arm["high"] is not None
        ci = f"95% CI {_months(arm['low'])}–{_months(arm['high'])} months" if has_ci else "CI not reported"
        trace = go.Scatter(
            x=[arm["median"]],
            y=[0.5],
            mode="markers",
            marker=dict(symbol="circle", size=11, color=colour, line=dict(color="white", width=1)),
            name=f"{arm['label']}: published median",
            legendgroup=arm["arm_id"],
            showlegend=False,
            customdata=[[trial_id, arm["arm_id"]]],
            hovertemplate=(
                f"<b>{arm['label']}</b><br>published median {_months(arm['median'])} months; {ci}<extra></extra>"
            ),
        )
        if has_ci:
            trace.error_x = dict(
                type="data", symmetric=False, array=[arm["high"] - arm["median"]],
                arrayminus=[arm["median"] - arm["low"]], color=colour, thickness=2, width=6,
            )
        fig.add_trace(trace)

    for month, row in landmarks:
        arm = next((a for a in arms_here if a["arm_id"] == row["arm_id"]), None)
        if arm is None:
            continue
        colour = theme.ROLE_COLOURS.get(arm["role"], theme.MODEL_COLOUR)
        published = float(row["value"])
        model_of = survival_of.get(arm["arm_id"])
        predicted = 100.0 * float(model_of(month)) if model_of is not None else None
        if predicted is not None:
            notes.append(
                f"{arm['label']}: model predicts {predicted:.1f}% at {month:g} months vs published {published:.1f}%."
            )
        text = f"published {published:.1f}%" + (f" · model {predicted:.1f}%" if predicted is not None else "")
        hover_model = (
            f"<br>model predicts {predicted:.1f}% ({_MODEL_NOTE})" if predicted is not None else "<br>no model curve"
        )
        fig.add_trace(
            go.Scatter(
                x=[month],
                y=[published / 100.0],
                mode="markers+text",
                text=[text],
                textposition="middle left",
                textfont=dict(size=12, color=colour),
                marker=dict(symbol="square", size=11, color=colour, line=dict(color="white", width=1)),
                name=f"{arm['label']}: published {month:g}-month rate",
                legendgroup=arm["arm_id"],
                showlegend=False,
                customdata=[[trial_id, arm["arm_id"]]],
                hovertemplate=(
                    f"<b>{arm['label']}</b><br>published {endpoint_label(row['endpoint']).lower()} "
                    f"{published:.1f}%{hover_model}<extra></extra>"
                ),
            )
        )

    shapes = [
        dict(type="line", x0=0, x1=1, xref="paper", y0=0.5, y1=0.5, yref="y",
             line=dict(color="#999", width=1, dash="dot"), layer="below"),
    ]
    shapes += [
        dict(type="line", x0=m, x1=m, xref="x", y0=0, y1=1, yref="paper",
             line=dict(color="#999", width=1, dash="dot"), layer="below")
        for m in sorted({m for m, _ in landmarks})
    ]
    points = "Dots: published medians (whisker = 95% CI)" + ("; squares: published landmark rates." if landmarks else ".")
    subtitle = points if nothing_drawn else f"Dashed: {_MODEL_NOTE} ({method}). {points}"
    title = (
        f"Published {lower_first(label)} medians — {name} (no model curve)"
        if nothing_drawn
        else f"Model-based {lower_first(label)} curves — {name}"
    )
    boxed = ([nothing_drawn] if nothing_drawn else []) + [f"Caveat reported by {trial_id}: {line}." for line in caveats]
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(
            text=title,
            subtitle=dict(text=subtitle, font=dict(size=13, color="#444")),
        ),
        height=520,
        margin=dict(l=70, r=30, t=120, b=60),
        xaxis=dict(title=dict(text="Time (months)"), range=[0, horizon], dtick=6 if horizon <= 72 else 12),
        yaxis=dict(title=dict(text="Survival probability"), range=[0, 1.02], dtick=0.25),
        legend=dict(y=1.0, yanchor="top", x=0.99, xanchor="right", orientation="v", bgcolor="rgba(255,255,255,0.8)"),
    )
    fig.update_layout(shapes=shapes)
    if boxed:
        # Why nothing is drawn, or the paper's own caveat on its model, inside the figure.
        fig.add_annotation(
            x=0.01, y=0.02, xref="paper", yref="paper", xanchor="left", yanchor="bottom", align="left",
            showarrow=False, text="<br>".join(_wrap_words(line, 110) for line in boxed),
            font=dict(size=12, color="#333"), bgcolor="rgba(255,255,255,0.85)", bordercolor="#999", borderwidth=1,
        )
    return fig, notes


def _wrap_words(text: str, width: int) -> str:
    """Break a long sentence into lines of at most `width` characters (plotly does not wrap)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


# ---------------------------------------------------------------- Kaplan–Meier from patient data


def _risk_table_times(max_time: float) -> list[float]:
    """Fixed, evenly spaced times for the number-at-risk table (at most 11 columns)."""
    step = next((s for s in (1, 2, 3, 6, 12, 24, 48) if max_time / s <= 10), 60)
    return [float(t) for t in np.arange(0.0, max_time + 1e-9, step)]


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


def kaplan_meier_figure(
    ipd: pd.DataFrame, arms: pd.DataFrame, trial_id: str, endpoint: str
) -> tuple[go.Figure, dict]:
    """Kaplan–Meier curves per arm from patient-level data, with CI bands, censor ticks and a risk table.

    Log-rank p and the Cox HR (experimental vs control, Wald 95% CI) are in the subtitle and in
    the returned statistics dict, next to each arm's median with its 95% CI.
    """
    label = endpoint_label(endpoint)
    if ipd is None or ipd.empty:
        return theme.empty_figure(f"No patient-level {lower_first(label)} data."), {}
    rows = ipd[(ipd["trial_id"] == trial_id) & (ipd["endpoint"] == endpoint)]
    name = trial_id
    if rows.empty:
        return theme.empty_figure(f"No patient-level {lower_first(label)} data for {name}."), {}
    info = arm_lookup(arms)
    arm_ids = sorted(
        rows["arm_id"].unique(),
        key=lambda a: (_ROLE_ORDER.get(info.get((trial_id, a), {}).get("role", "single"), 9), str(a)),
    )
    times_all = rows["time_months"].to_numpy(dtype=float)
    fits = {}
    for arm_id in arm_ids:
        subset = rows[rows["arm_id"] == arm_id]
        arm_label = info.get((trial_id, arm_id), {}).get("label", str(arm_id))
        try:
            fits[arm_id] = kaplan_meier(subset["time_months"].to_numpy(dtype=float), subset["event"].to_numpy(), arm_label)
        except ValueError as err:
            return theme.empty_figure(f"No Kaplan–Meier curve for {name}, {arm_label}: {err}."), {}
    at_times = _risk_table_times(float(times_all.max()))

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.8, 0.2], vertical_spacing=0.09)
    stats: dict = {"trial_id": trial_id, "endpoint": endpoint, "arms": {}, "at_risk_times": at_times, "at_risk": {}}
    notes: list[str] = []
    for index, arm_id in enumerate(arm_ids):
        arm = info.get((trial_id, arm_id), {"label": str(arm_id), "role": "single"})
        colour = theme.ROLE_COLOURS.get(arm["role"], theme.MODEL_COLOUR)
        subset = rows[rows["arm_id"] == arm_id]
        time = subset["time_months"].to_numpy(dtype=float)
        km = fits[arm_id]
        curve = km.curve
        median_text = f"median {_months(km.median)} mo [{_months(km.median_ci_low)}–{_months(km.median_ci_high)}]"
        # Pointwise 95% band (exponential Greenwood / log(-log), lifelines' default), drawn as steps.
        fig.add_trace(
            go.Scatter(
                x=curve["time"], y=_band_steps(curve["ci_high"]), mode="lines", line=dict(width=0, shape="hv"),
                hoverinfo="skip", showlegend=False, legendgroup=str(arm_id), name=f"{arm['label']} 95% CI upper",
            ),
            row=1, col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=curve["time"], y=_band_steps(curve["ci_low"]), mode="lines", line=dict(width=0, shape="hv"),
                fill="tonexty", fillcolor=_rgba(colour, 0.15), hoverinfo="skip", showlegend=False,
                legendgroup=str(arm_id), name=f"{arm['label']} 95% CI",
            ),
            row=1, col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=curve["time"], y=curve["survival"], mode="lines", line=dict(color=colour, width=2.5, shape="hv"),
                name=f"{arm['label']} (n = {km.n}, {km.events} events; {median_text})",
                legendgroup=str(arm_id),
                customdata=[[trial_id, str(arm_id)]] * len(curve),
                hovertemplate=f"<b>{arm['label']}</b><br>%{{x:.1f}} months: S = %{{y:.2f}}<extra>Kaplan–Meier</extra>",
            ),
            row=1, col=1,
        )
        # Censoring marks sit on the curve: the step value at each censoring time.
        steps = curve["time"].to_numpy()
        at = np.clip(np.searchsorted(steps, km.censor_times, side="right") - 1, 0, len(steps) - 1)
        fig.add_trace(
            go.Scatter(
                x=km.censor_times, y=curve["survival"].to_numpy()[at], mode="markers",
                marker=dict(symbol="line-ns-open", size=9, color=colour, line=dict(width=1.5, color=colour)),
                name=f"{arm['label']} censored", legendgroup=str(arm_id), showlegend=False,
                customdata=[[trial_id, str(arm_id)]] * len(km.censor_times),
                hovertemplate="censored at %{x:.1f} months<extra></extra>",
            ),
            row=1, col=1,
        )
        at_risk = number_at_risk(time, at_times)
        fig.add_trace(
            go.Scatter(
                x=at_times, y=[index] * len(at_times), mode="text", text=[str(n) for n in at_risk],
                textfont=dict(color=colour, size=13), showlegend=False, name=f"{arm['label']} at risk",
                customdata=[[trial_id, str(arm_id)]] * len(at_times),
                hovertemplate=f"{arm['label']}: %{{text}} at risk at %{{x:.0f}} months<extra></extra>",
            ),
            row=2, col=1,
        )
        notes += [f"{arm['label']}: {note}" for note in km.notes]
        stats["arms"][str(arm_id)] = {
            "label": arm["label"], "role": arm["role"], "n": km.n, "events": km.events,
            "median": km.median, "median_ci_low": km.median_ci_low, "median_ci_high": km.median_ci_high,
        }
        stats["at_risk"][str(arm_id)] = at_risk

    experimental = next((a for a in arm_ids if info.get((trial_id, a), {}).get("role") == "experimental"), None)
    control = next((a for a in arm_ids if info.get((trial_id, a), {}).get("role") == "control"), None)
    subtitle = "Shaded: pointwise 95% CI; | = censored."
    stats.update(
        experimental_arm=experimental, control_arm=control, logrank_chi2=None, logrank_p=None,
        hr=None, hr_ci_low=None, hr_ci_high=None, hr_p=None, logrank_reason=None, hr_reason=None,
    )
    if experimental is not None and control is not None:
        # Log-rank (Mantel–Cox) and Cox PH with Efron ties, experimental vs control.
        comparison = compare_two_arms(
            rows["time_months"].to_numpy(dtype=float), rows["event"].to_numpy(dtype=int),
            rows["arm_id"].to_numpy(), experimental, control,
        )
        stats.update(
            logrank_chi2=comparison.logrank_chi2, logrank_p=comparison.logrank_p, hr=comparison.hazard_ratio,
            hr_ci_low=comparison.hr_ci_low, hr_ci_high=comparison.hr_ci_high, hr_p=comparison.hr_p,
            logrank_reason=comparison.logrank_reason, hr_reason=comparison.hr_reason,
        )
        subtitle = f"{_comparison_text(comparison)}<br>" + subtitle
    if notes:
        subtitle += " Note: " + "; ".join(notes) + "."
    stats["notes"] = notes

    labels = [info.get((trial_id, a), {}).get("label", str(a)) for a in arm_ids]
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(
            text=f"Kaplan–Meier {lower_first(label)} — {name}",
            subtitle=dict(text=subtitle, font=dict(size=13, color="#444")),
        ),
        height=600 + 22 * len(arm_ids),
        margin=dict(l=70, r=30, t=120, b=60),
        legend=dict(y=1.0, yanchor="top", x=0.99, xanchor="right", orientation="v", bgcolor="rgba(255,255,255,0.8)"),
    )
    x_range = [-0.02 * at_times[-1] - 0.5, float(times_all.max()) * 1.02]
    fig.update_xaxes(range=x_range, tickvals=at_times, row=1, col=1)
    fig.update_xaxes(range=x_range, tickvals=at_times, title=dict(text="Time (months)"), row=2, col=1)
    fig.update_yaxes(title=dict(text="Survival probability"), range=[0, 1.02], dtick=0.25, row=1, col=1)
    fig.update_yaxes(
        tickvals=list(range(len(arm_ids))), ticktext=labels, range=[len(arm_ids) - 0.5, -0.5],
        showgrid=False, zeroline=False, ticks="", title=dict(text="At risk (n)"), row=2, col=1,
    )
    fig.add_shape(
        type="line", x0=0, x1=1, xref="x domain", y0=0.5, y1=0.5, yref="y",
        line=dict(color="#999", width=1, dash="dot"), layer="below",
    )
    return fig, stats
