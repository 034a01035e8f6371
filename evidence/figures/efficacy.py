"""Efficacy figures: hazard-ratio forest, medians and rates per arm, design versus outcome.

Every builder is a pure function of the curated tables (see `evidence.contract`) and options;
numbers come from the tables or from `evidence.stats`, and computed values say so on hover.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from evidence import theme
from evidence.contract import ANALYSES, ENDPOINT_LABELS, RATE_ENDPOINTS
from evidence.model_caveats import CAVEAT_SEPARATOR, caveat_text
from evidence.session import IPD_SOURCE_ID
from evidence.stats import (
    PooledEstimate,
    counts_from_percent,
    log_se_from_ci,
    pool_random_effects,
    proportion_ci,
)

MAIN_ANALYSES = ("primary", "secondary", "exploratory")
"""Whole-population analyses; sensitivity and subgroup rows are shown apart or not at all."""

_ANALYSIS_RANK = {name: rank for rank, name in enumerate(ANALYSES)}
_ROLE_RANK = {"experimental": 0, "control": 1, "single": 2}
_MAIN_INK = "#1A1A1A"
_SECONDARY_INK = theme.OKABE_ITO["grey"]
_CI_METHOD_NAMES = {"clopper-pearson": "Clopper–Pearson exact", "wilson": "Wilson score"}
_LANDMARK_RATES = ("OS_12M",)
"""Rates that are Kaplan–Meier landmark estimates: a binomial CI would ignore censoring."""

FOREST_COLUMNS = (
    "trial_id",
    "arm_id",
    "label",
    "analysis",
    "subgroup",
    "value",
    "ci_low",
    "ci_high",
    "has_ci",
    "p_text",
    "p_label",
    "n_patients",
    "events",
    "hr_text",
    "experimental_arm",
    "control_arm",
    "derived",
    "origin",
    "from_patient_data",
    "source",
    "note",
    "caveat",
)

RATE_COLUMNS = (
    "trial_id",
    "arm_id",
    "endpoint",
    "arm_label",
    "role",
    "value",
    "ci_low",
    "ci_high",
    "ci_status",
    "count",
    "count_status",
    "n_analysed",
    "ci_note",
    "value_derived",
    "analysis",
    "source",
)


# ---------------------------------------------------------------- small shared helpers



def ci_whiskers(group: pd.DataFrame, colour: str, thickness: float, width: float) -> dict:
    """Asymmetric horizontal error bars from ci_low/ci_high around value."""
    return dict(
        type="data",
        symmetric=False,
        array=(group["ci_high"] - group["value"]).tolist(),
        arrayminus=(group["value"] - group["ci_low"]).tolist(),
        color=colour,
        thickness=thickness,
        width=width,
    )

def _missing(value) -> bool:
    """True for None, NaN and pd.NA (the three ways the loader says 'not reported')."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value) -> float | None:
    return None if _missing(value) else float(value)


def _int(value) -> int | None:
    return None if _missing(value) else int(value)


def _text(value) -> str:
    return "" if _missing(value) else str(value)


def _finite(value) -> bool:
    return not _missing(value) and math.isfinite(float(value))


def _has_ci(low, high) -> bool:
    return _finite(low) and _finite(high)


def short_arm_label(label: str) -> str:
    """'Arm B: paclitaxel + sorafenib' -> 'paclitaxel + sorafenib' (arm letters mean nothing across
    trials); an uploaded arm keeps its mark: '[uploaded] Arm B: x' -> '[uploaded] x'."""
    return re.sub(r"^\s*(\[uploaded\]\s*)?Arm\s+[^:]{1,12}:\s*", r"\1", str(label)).strip()


def lower_first(label: str) -> str:
    """'Progression-free survival' -> 'progression-free survival' for use inside a sentence."""
    return label[:1].lower() + label[1:] if label and not label[:2].isupper() else label


def endpoint_label(endpoint: str) -> str:
    return ENDPOINT_LABELS.get(endpoint, endpoint)


def trial_names(trials: pd.DataFrame | None) -> dict[str, str]:
    """trial_id -> display name (acronym when the trial has one)."""
    names: dict[str, str] = {}
    if trials is None or trials.empty:
        return names
    for row in trials.itertuples(index=False):
        acronym = getattr(row, "acronym", None)
        names[row.trial_id] = str(acronym) if not _missing(acronym) and str(acronym).strip() else str(row.trial_id)
    return names


def trial_order(trials: pd.DataFrame | None, trial_ids: Iterable[str]) -> dict[str, int]:
    """Rank of each trial: the order of trials.csv, then first appearance for unknown ids."""
    order: dict[str, int] = {}
    if trials is not None and not trials.empty:
        for trial_id in trials["trial_id"]:
            order.setdefault(trial_id, len(order))
    for trial_id in trial_ids:
        order.setdefault(trial_id, len(order))
    return order


def arm_lookup(arms: pd.DataFrame | None) -> dict[tuple[str, str], dict]:
    """(trial_id, arm_id) -> {label, role, n_efficacy} from arms.csv."""
    found: dict[tuple[str, str], dict] = {}
    if arms is None or arms.empty:
        return found
    for row in arms.itertuples(index=False):
        found[(row.trial_id, row.arm_id)] = {
            "label": str(row.label),
            "role": str(row.role),
            "n_efficacy": _int(getattr(row, "n_efficacy", None)),
        }
    return found


def _range_text(low, high, digits: int = 1) -> str:
    return f"{low:.{digits}f}–{high:.{digits}f}"


def _customdata(trial_ids: Iterable[str], arm_ids: Iterable[str]) -> list[list[str]]:
    return [[str(t), str(a)] for t, a in zip(trial_ids, arm_ids)]


def _halo_trace(
    rows: pd.DataFrame,
    x_col: str,
    y_col: str,
    sizes: Iterable[float],
    err_x: tuple[str, str] | None = None,
    err_y: tuple[str, str] | None = None,
) -> go.Scatter:
    """Orange ring (and glow along whiskers) drawn under the highlighted trial's marks.

    A separate trace keeps legends and marker symbols unchanged while the trial stands out.
    """
    x = rows[x_col].astype(float)
    y = rows[y_col].astype(float)
    trace = go.Scatter(
        x=x.tolist(),
        y=y.tolist(),
        mode="markers",
        name="highlighted trial",
        showlegend=False,
        hoverinfo="skip",
        customdata=_customdata(rows["trial_id"], rows["arm_id"] if "arm_id" in rows else [""] * len(rows)),
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
        trace.error_x = dict(glow, array=(high - x).fillna(0).tolist(), arrayminus=(x - low).fillna(0).tolist())
    if err_y is not None:
        low, high = rows[err_y[0]].astype(float), rows[err_y[1]].astype(float)
        trace.error_y = dict(glow, array=(high - y).fillna(0).tolist(), arrayminus=(y - low).fillna(0).tolist())
    return trace


def _column_annotations(
    ys: Iterable[float],
    texts: Iterable[str],
    x: float,
    yref: str = "y",
    bold: Iterable[bool] | None = None,
    size: int = 13,
) -> list[dict]:
    """One text annotation per row at paper x: the numeric columns right of a dot plot."""
    bold = list(bold) if bold is not None else None
    notes = []
    for i, (y, text) in enumerate(zip(ys, texts)):
        shown = f"<b>{text}</b>" if bold and bold[i] else text
        notes.append(
            dict(
                x=x, y=y, xref="paper", yref=yref, text=shown, showarrow=False,
                xanchor="left", yanchor="middle", font=dict(size=size),
            )
        )
    return notes


def _header(text: str, x: float, y: float, yref: str = "y") -> dict:
    return dict(
        x=x, y=y, xref="paper", yref=yref, text=f"<b>{text}</b>", showarrow=False,
        xanchor="left", yanchor="bottom", font=dict(size=13),
    )


def _tick_label(text: str, highlighted: bool) -> str:
    """Bold the highlighted trial; indented (sensitivity/subgroup) rows in grey italics.

    Tick labels are right-aligned, so indentation alone would not show.
    """
    stripped = text.lstrip(" ")
    shown = stripped
    if stripped != text:
        shown = f"<span style='color:{_SECONDARY_INK}'><i>{stripped}</i></span>"
    return f"<b>{shown}</b>" if highlighted else shown


# ---------------------------------------------------------------- forest plot


def forest_rows(
    comparisons: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    endpoint: str,
    efficacy: pd.DataFrame | None = None,
    include_subgroups: bool = True,
    show_derived: bool = True,
) -> pd.DataFrame:
    """Tidy rows of a hazard-ratio forest plot for one endpoint, in display order.

    Per trial: main analyses (primary, secondary, exploratory) first, then sensitivity and
    subgroup rows. `events` is the sum of both arms' event counts from efficacy.csv, only when
    both are known; `n_patients` sums both arms' efficacy sets (whole-population rows only).
    `origin` is curated or uploaded; `from_patient_data` marks a hazard ratio computed here from
    uploaded patient-level data. A trial with both kinds of row says which is which in the label
    ("PASO — published" vs "PASO — from your patient data").
    """
    if comparisons is None or comparisons.empty:
        return pd.DataFrame(columns=list(FOREST_COLUMNS))
    picked = comparisons[(comparisons["endpoint"] == endpoint) & (comparisons["statistic"] == "HR")]
    picked = picked[picked["value"].map(_finite)]
    if not include_subgroups:
        picked = picked[picked["analysis"] != "subgroup"]
    if not show_derived and "derived" in picked.columns:
        picked = picked[~picked["derived"].fillna(False).astype(bool)]
    if picked.empty:
        return pd.DataFrame(columns=list(FOREST_COLUMNS))

    names = trial_names(trials)
    arm_info = arm_lookup(arms)
    events_by_arm = _event_counts(efficacy, endpoint)
    rank = trial_order(trials, picked["trial_id"])
    origins = picked["origin"].fillna("curated").astype(str) if "origin" in picked.columns else pd.Series("curated", index=picked.index)
    from_patient_data = picked["source"].fillna("").astype(str).str.startswith(f"{IPD_SOURCE_ID}:")
    with_patient_data = set(picked.loc[from_patient_data, "trial_id"])

    rows = []
    for position, (row, origin, computed) in enumerate(zip(picked.itertuples(index=False), origins, from_patient_data)):
        trial_id, exp_arm, ctl_arm = row.trial_id, row.experimental_arm, row.control_arm
        name = names.get(trial_id, trial_id)
        if trial_id in with_patient_data:
            name = f"{name} — {_row_kind(origin, computed)}"
        exp = arm_info.get((trial_id, exp_arm), {})
        ctl = arm_info.get((trial_id, ctl_arm), {})
        analysis = row.analysis
        if analysis == "subgroup":
            label = f"  subgroup: {_text(row.subgroup)}"
        elif analysis == "sensitivity":
            label = "  sensitivity"
        else:
            label = (
                f"{name}: {short_arm_label(exp.get('label', exp_arm))} vs "
                f"{short_arm_label(ctl.get('label', ctl_arm))}"
            )
        whole_population = analysis != "subgroup"
        n_e, n_c = exp.get("n_efficacy"), ctl.get("n_efficacy")
        n_patients = n_e + n_c if whole_population and n_e is not None and n_c is not None else None
        e_e, e_c = events_by_arm.get((trial_id, exp_arm)), events_by_arm.get((trial_id, ctl_arm))
        events = e_e + e_c if analysis in MAIN_ANALYSES and e_e is not None and e_c is not None else None
        value, low, high = float(row.value), _num(row.ci_low), _num(row.ci_high)
        has_ci = _has_ci(low, high)
        p_text = _text(row.p_text) or ("" if _missing(row.p_value) else f"{float(row.p_value):g}")
        rows.append(
            {
                "trial_id": trial_id,
                "arm_id": "",
                "label": label,
                "analysis": analysis,
                "subgroup": _text(row.subgroup),
                "value": value,
                "ci_low": low if has_ci else np.nan,
                "ci_high": high if has_ci else np.nan,
                "has_ci": has_ci,
                "p_text": p_text,
                "p_label": p_text if p_text else "NR",
                "n_patients": n_patients,
                "events": events,
                "hr_text": (
                    f"{theme.format_ratio(value)} [{theme.format_ratio(low)}–{theme.format_ratio(high)}]"
                    if has_ci
                    else f"{theme.format_ratio(value)} [CI NR]"
                ),
                "experimental_arm": exp_arm,
                "control_arm": ctl_arm,
                "derived": bool(row.derived) if not _missing(row.derived) else False,
                "origin": origin,
                "from_patient_data": bool(computed),
                "source": _text(row.source),
                "note": _text(row.note),
                # The paper's own caveat on its Cox model (e.g. E2100's treatment x time interaction),
                # on the whole-population rows it qualifies.
                "caveat": "" if analysis == "subgroup" else caveat_text(comparisons, trial_id, endpoint),
                "_order": (rank[trial_id], _ANALYSIS_RANK.get(analysis, 9), position),
            }
        )
    frame = pd.DataFrame(rows).sort_values("_order", kind="stable").drop(columns="_order")
    frame["n_patients"] = frame["n_patients"].astype("Int64")
    frame["events"] = frame["events"].astype("Int64")
    return frame.reset_index(drop=True)[list(FOREST_COLUMNS)]


def _row_kind(origin: str, from_patient_data: bool) -> str:
    """How a trial's row came to be, for telling two rows of one trial apart."""
    if from_patient_data:
        return "from your patient data"
    return "uploaded summary" if origin == "uploaded" else "published"


def _event_counts(efficacy: pd.DataFrame | None, endpoint: str) -> dict[tuple[str, str], int]:
    """(trial_id, arm_id) -> events for the endpoint's whole-population median row."""
    if efficacy is None or efficacy.empty:
        return {}
    rows = efficacy[
        (efficacy["endpoint"] == endpoint)
        & (efficacy["statistic"] == "median")
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["count"].notna()
    ]
    rows = rows.assign(_rank=rows["analysis"].map(_ANALYSIS_RANK)).sort_values("_rank", kind="stable")
    rows = rows.drop_duplicates(["trial_id", "arm_id"])
    return {(r.trial_id, r.arm_id): int(r.count) for r in rows.itertuples(index=False)}


HETEROGENEITY_LIMIT = 75.0
"""I² (%) above which the trials disagree too much for one pooled average to mean anything: no
estimate is drawn (Higgins et al. 2003, BMJ 327:557, call 75% high heterogeneity)."""


@dataclass(frozen=True)
class Pooling:
    """Whether the selected trials' hazard ratios may be pooled, and what pooling them gives.

    `offered`: two or more trials report this endpoint's HR with a 95% CI from the same kind of
    analysis (primary, secondary or exploratory; reported or computed from patient data).
    `estimate` is the random-effects fit over those trials, also when heterogeneity is too high;
    `drawn` says whether a pooled estimate may be shown (requested, offered, I² within limit).
    `message` says, in words a reader can act on, why nothing is pooled or drawn.
    """

    requested: bool
    offered: bool
    estimate: PooledEstimate | None = None
    trial_ids: tuple[str, ...] = ()
    analysis: str = ""
    mixes_uploaded: bool = False
    left_out: tuple[str, ...] = ()
    message: str = ""

    @property
    def too_heterogeneous(self) -> bool:
        return self.estimate is not None and self.estimate.i2 > HETEROGENEITY_LIMIT

    @property
    def drawn(self) -> bool:
        return self.requested and self.estimate is not None and not self.too_heterogeneous

    @property
    def label(self) -> str:
        """Row label of the pooled estimate; says when curated and uploaded trials are mixed."""
        if self.estimate is None:
            return ""
        mixed = "; mixes curated and uploaded trials" if self.mixes_uploaded else ""
        return f"Pooled, random effects (k = {self.estimate.k}, {self.analysis} analyses{mixed})"

    @property
    def statistics_text(self) -> str:
        """'k = 3, I² 41%, τ² 0.031, 95% PI 0.52–1.40' (the PI is undefined for k < 3)."""
        e = self.estimate
        if e is None:
            return ""
        pi = (
            f"95% prediction interval {theme.format_ratio(e.pi_low)}–{theme.format_ratio(e.pi_high)}"
            if e.has_prediction_interval
            else "95% prediction interval not defined for fewer than 3 trials"
        )
        return f"k = {e.k}, I² {e.i2:.0f}%, τ² {e.tau2:.3f}, {pi}"


def _pooling_candidates(rows: pd.DataFrame) -> pd.DataFrame:
    """Main-analysis HRs with a usable 95% CI, each with its kind of comparison."""
    usable = rows[rows["analysis"].isin(MAIN_ANALYSES) & rows["has_ci"].astype(bool)]
    usable = usable[(usable["value"] > 0) & (usable["ci_low"] > 0) & (usable["ci_high"] > usable["ci_low"])]
    computed = usable["from_patient_data"].astype(bool) if "from_patient_data" in usable else pd.Series(False, index=usable.index)
    origin = usable["origin"].fillna("curated") if "origin" in usable else pd.Series("curated", index=usable.index)
    return usable.assign(_computed=computed, _origin=origin, _rank=usable["analysis"].map(_ANALYSIS_RANK))


def pooling(rows: pd.DataFrame | None, requested: bool, endpoint_words: str = "this endpoint") -> Pooling:
    """Decide whether the forest rows' hazard ratios may be pooled, and pool them if so.

    Only the same kind of comparison is pooled: one HR per trial, all from the same kind of
    analysis, and either all reported or all computed from patient data. When several kinds
    qualify, the one covering most trials wins (ties: primary first, reported first). The
    estimate is DerSimonian–Laird with its prediction interval (`evidence.stats`).
    """
    if rows is None or rows.empty:
        return Pooling(requested, False, message=f"No pooling: no trial reports a hazard ratio for {endpoint_words}.")
    candidates = _pooling_candidates(rows)
    groups = []
    for (analysis, computed), group in candidates.groupby(["analysis", "_computed"], sort=False):
        group = group.drop_duplicates("trial_id")
        groups.append((-len(group), _ANALYSIS_RANK.get(analysis, 9), bool(computed), analysis, group))
    groups.sort(key=lambda g: g[:3])
    if not groups or -groups[0][0] < 2:
        having = ", ".join(f"{t} ({a})" for t, a in zip(candidates["trial_id"], candidates["analysis"]))
        return Pooling(
            requested, False,
            message=(
                "Pooling not offered: it needs two or more trials reporting the "
                f"{endpoint_words} hazard ratio with a 95% CI from the same kind of analysis"
                + (f"; here only {having}." if having else "; none does here.")
            ),
        )  # fmt: skip
    _, _, computed, analysis, chosen = groups[0]
    kind = f"{analysis}{' (from patient data)' if computed else ''}"
    left_out = tuple(t for t in dict.fromkeys(candidates["trial_id"]) if t not in set(chosen["trial_id"]))
    decision = Pooling(
        requested, True, trial_ids=tuple(chosen["trial_id"]), analysis=kind,
        mixes_uploaded=chosen["_origin"].nunique() > 1, left_out=left_out,
    )  # fmt: skip
    if not requested:
        return decision
    log_estimates = [math.log(v) for v in chosen["value"]]
    errors = [log_se_from_ci(lo, hi) for lo, hi in zip(chosen["ci_low"], chosen["ci_high"])]
    estimate = pool_random_effects(log_estimates, errors)
    message = ""
    if estimate.i2 > HETEROGENEITY_LIMIT:
        message = (
            f"No pooled estimate: I² = {estimate.i2:.0f}% (above {HETEROGENEITY_LIMIT:.0f}%): the trials disagree "
            "too much for one average hazard ratio to mean anything."
        )
    return replace(decision, estimate=estimate, message=message)


def pooled_hazard_ratio(rows: pd.DataFrame) -> PooledEstimate | None:
    """DerSimonian–Laird pool of the trials `pooling` would pool (None when not offered).

    The standard error of each log HR is recovered from its printed 95% CI (symmetric Wald
    interval on the log scale).
    """
    return pooling(rows, requested=True).estimate


def _log_ticks(low: float, high: float) -> list[float]:
    """Readable ratio ticks between low and high on a log axis."""
    candidates = [0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10, 20]
    inside = [c for c in candidates if low <= c <= high]
    if len(inside) > 9:
        inside = [c for c in inside if c in (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20)]
    return inside


def hazard_ratio_forest(
    rows: pd.DataFrame,
    endpoint_label: str,
    highlight: str | None = None,
    pooling: Pooling | None = None,
) -> go.Figure:
    """Forest plot of hazard ratios (experimental vs control) on a log axis, one row per analysis.

    Whiskers are the printed 95% CIs; a row without a CI is an open square with no whisker.
    Marker area follows events when every sized row has them, else patients analysed.
    A pooled diamond (with its prediction interval as a line) appears only when `pooling` was
    requested, is offered and is not too heterogeneous; otherwise the reason is a footnote.
    """
    if rows is None or rows.empty:
        return theme.empty_figure(f"No hazard ratios reported for {lower_first(endpoint_label)}.")
    rows = rows.reset_index(drop=True)
    n = len(rows)
    ys = [float(n - 1 - i) for i in range(n)]
    pooled_y, interval_y = -1.3, -2.1
    requested = pooling is not None and pooling.requested
    pooled = pooling.estimate if requested else None
    drawn = requested and pooling.drawn

    # Marker area proportional to the weight basis (events if known for every sized row).
    sized = rows["n_patients"].notna() | rows["events"].notna()
    use_events = bool(sized.any()) and bool(rows.loc[sized, "events"].notna().all())
    basis_name = "events" if use_events else "patients analysed"
    weights = rows["events"] if use_events else rows["n_patients"]
    weights = pd.to_numeric(weights, errors="coerce").astype(float)
    top = weights.max() if weights.notna().any() else np.nan
    sizes = [10.0 if not _finite(w) or not top else 8.0 + 16.0 * math.sqrt(w / top) for w in weights]

    fig = go.Figure()
    rows = rows.assign(_y=ys, _size=sizes, _hl=rows["trial_id"].eq(highlight) if highlight else False)
    rows["_main"] = rows["analysis"].isin(MAIN_ANALYSES)
    chosen = rows[rows["_hl"]]
    if not chosen.empty:
        fig.add_trace(_halo_trace(chosen, "value", "_y", chosen["_size"], err_x=("ci_low", "ci_high")))
    for (has_ci, main), group in rows.groupby(["has_ci", "_main"], sort=False):
        ink = _MAIN_INK if main else _SECONDARY_INK
        hover = [_forest_hover(r, basis_name) for r in group.itertuples(index=False)]
        trace = go.Scatter(
            x=group["value"].tolist(),
            y=group["_y"].tolist(),
            mode="markers",
            name=("HR with 95% CI" if has_ci else "HR, CI not reported") + ("" if main else " (sensitivity/subgroup)"),
            customdata=_customdata(group["trial_id"], group["arm_id"]),
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            marker=dict(
                symbol="square" if has_ci else "square-open",
                size=group["_size"].tolist(),
                color=ink,
                line=dict(color=ink, width=2 if not has_ci else 0),
            ),
        )
        if has_ci:
            trace.error_x = ci_whiskers(group, ink, thickness=1.8, width=0)
        fig.add_trace(trace)

    # Axis range: every value and CI bound, the line of no effect and the pooled estimate.
    bounds = [1.0, *rows["value"], *rows["ci_low"].dropna(), *rows["ci_high"].dropna()]
    if drawn:
        bounds += [pooled.ci_low, pooled.ci_high]
        if pooled.has_prediction_interval:
            bounds += [pooled.pi_low, pooled.pi_high]
    low, high = min(bounds), max(bounds)
    span = (math.log10(low) - 0.12, math.log10(high) + 0.12)

    annotations: list[dict] = []
    caveats = rows["caveat"].fillna("") if "caveat" in rows.columns else pd.Series("", index=rows.index)
    tick_y = list(ys)
    tick_text = [_tick_label(t + (" †" if c else ""), h) for t, h, c in zip(rows["label"], rows["_hl"], caveats)]
    hr_texts, p_texts, col_y, col_bold = list(rows["hr_text"]), list(rows["p_label"]), list(ys), list(rows["_hl"])

    if drawn:
        fig.add_traces(_pooled_traces(pooling, pooled_y))
        tick_y += [pooled_y, interval_y]
        tick_text += [f"<b>{pooling.label}</b>", _tick_label("  95% prediction interval", False)]
        hr_texts += [
            f"{theme.format_ratio(pooled.estimate)} [{theme.format_ratio(pooled.ci_low)}–"
            f"{theme.format_ratio(pooled.ci_high)}]",
            f"{theme.format_ratio(pooled.pi_low)}–{theme.format_ratio(pooled.pi_high)}"
            if pooled.has_prediction_interval
            else "not defined (k < 3)",
        ]
        p_texts += [f"I² {pooled.i2:.0f}%", f"τ² {pooled.tau2:.3f}"]
        col_y += [pooled_y, interval_y]
        col_bold += [True, False]
    elif requested and pooled is not None:
        # Heterogeneity guard: the statistics, and no estimate.
        tick_y.append(pooled_y)
        tick_text.append(f"<b>Not pooled (k = {pooled.k}, τ² {pooled.tau2:.3f})</b>")
        hr_texts.append(f"not meaningful: I² > {HETEROGENEITY_LIMIT:.0f}%")
        p_texts.append(f"I² {pooled.i2:.0f}%")
        col_y.append(pooled_y)
        col_bold.append(True)

    column_hr, column_p = 0.70, 0.92
    annotations += _column_annotations(col_y, hr_texts, column_hr, bold=col_bold)
    annotations += _column_annotations(col_y, p_texts, column_p, bold=col_bold)
    top_y = n - 1 + 0.55
    annotations += [_header("HR [95% CI]", column_hr, top_y), _header("p", column_p, top_y)]
    # Direction labels just under the tick labels, either side of HR = 1 (log axis: x in log10 units).
    for text, anchor, shift in (("← favours experimental", "right", -8), ("favours control →", "left", 8)):
        annotations.append(
            dict(
                x=0.0, y=0, xref="x", yref="paper", text=text, showarrow=False, xanchor=anchor,
                yanchor="top", xshift=shift, yshift=-30, font=dict(size=12, color="#444"),
            )
        )
    footnotes = [
        f"Marker area ∝ {basis_name}."
        + ("" if rows["has_ci"].all() else " Open squares: 95% CI not reported (no whisker).")
    ]
    if drawn:
        footnotes.append(
            f"Pooled: random effects (DerSimonian–Laird) over the {pooling.analysis} HRs of {', '.join(pooling.trial_ids)}."
        )
        footnotes.append("Few trials: interpret the pooled estimate with caution.")
        footnotes.append(
            "Line through the diamond: 95% prediction interval for a new trial (Higgins et al. 2009; t, k − 2 df)."
            if pooled.has_prediction_interval
            else "The 95% prediction interval is not defined for fewer than 3 trials."
        )
    elif requested and pooling.message:
        footnotes.append(pooling.message)
    caveat_of = {trial: text for trial, text in zip(rows["trial_id"], caveats) if text}
    footnotes += [f"† {trial}: {line}." for trial, text in caveat_of.items() for line in text.split(CAVEAT_SEPARATOR)]
    annotations.append(
        dict(
            x=0, y=0, xref="paper", yref="paper", text="<br>".join(footnotes), showarrow=False,
            xanchor="left", yanchor="top", yshift=-88, align="left", font=dict(size=12, color="#444"),
        )
    )

    extra_rows = 2 if drawn else (1 if requested and pooled is not None else 0)
    bottom = {2: interval_y - 0.7, 1: pooled_y - 0.7}.get(extra_rows, -0.7)
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(text=f"Hazard ratios: {endpoint_label}"),
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
            range=[bottom, n - 1 + 0.9],
            tickvals=tick_y,
            ticktext=tick_text,
            showgrid=False,
            automargin=True,
            title=None,
            ticks="",
        ),
        annotations=annotations,
        shapes=[
            # Line of no effect at HR = 1.
            dict(type="line", x0=1, x1=1, xref="x", y0=0, y1=1, yref="paper", line=dict(color="#333", width=1.2)),
            # Thin rules between trials.
            *[
                dict(
                    type="line", x0=0, x1=1, xref="paper", y0=y + 0.5, y1=y + 0.5, yref="y",
                    line=dict(color="#DDDDDD", width=1),
                )
                for y, before, after in zip(ys[1:], rows["trial_id"][:-1], rows["trial_id"][1:])
                if before != after
            ],
        ],
    )
    return fig


def _pooled_traces(pooling: Pooling, y: float) -> list[go.Scatter]:
    """The prediction interval as a thin line (when defined) under the random-effects diamond
    (centre at the pooled HR, tips at its 95% CI)."""
    pooled = pooling.estimate
    hover = (
        f"{pooling.label}<br>HR {theme.format_ratio(pooled.estimate)} "
        f"[{theme.format_ratio(pooled.ci_low)}–{theme.format_ratio(pooled.ci_high)}]<br>"
        f"derived (DerSimonian–Laird)<br>{pooling.statistics_text}<extra></extra>"
    )
    traces = []
    if pooled.has_prediction_interval:
        traces.append(
            go.Scatter(
                x=[pooled.pi_low, pooled.pi_high], y=[y, y], mode="lines", line=dict(color=_MAIN_INK, width=1.5),
                name="95% prediction interval", showlegend=False, customdata=[["", ""]] * 2, hovertemplate=hover,
            )
        )  # fmt: skip
    traces.append(
        go.Scatter(
            x=[pooled.ci_low, pooled.estimate, pooled.ci_high, pooled.estimate, pooled.ci_low],
            y=[y, y + 0.3, y, y - 0.3, y],
            mode="lines", fill="toself", fillcolor=_MAIN_INK, line=dict(color=_MAIN_INK, width=1),
            name="Pooled (random effects)", showlegend=False, customdata=[["", ""]] * 5, hovertemplate=hover,
        )
    )  # fmt: skip
    return traces


def _forest_hover(row, basis_name: str) -> str:
    """Short hover text for one forest row (no long notes; the caption carries sources)."""
    ci = f"95% CI {row.ci_low:.2f}–{row.ci_high:.2f}" if row.has_ci else "CI not reported"
    counts = []
    if not _missing(row.n_patients):
        counts.append(f"{int(row.n_patients)} patients")
    if not _missing(row.events):
        counts.append(f"{int(row.events)} events")
    lines = [
        f"<b>{row.label.strip()}</b> ({row.trial_id})",
        f"HR {theme.format_ratio(row.value)}; {ci}",
        f"p {row.p_label}; {row.analysis} analysis",
    ]
    if counts:
        lines.append(", ".join(counts))
    if row.derived:
        lines.append("derived (computed, not printed)")
    return "<br>".join(lines)


# ---------------------------------------------------------------- medians per arm


def medians_by_arm(
    efficacy: pd.DataFrame,
    arms: pd.DataFrame,
    trials: pd.DataFrame,
    endpoint: str,
    highlight: str | None = None,
) -> go.Figure:
    """Published median time-to-event per arm with its 95% CI, grouped by trial, coloured by role.

    Whole-population analyses only (primary, secondary, exploratory); one row per arm.
    """
    label = endpoint_label(endpoint)
    if efficacy is None or efficacy.empty:
        return theme.empty_figure(f"No published medians for {lower_first(label)}.")
    rows = efficacy[
        (efficacy["endpoint"] == endpoint)
        & (efficacy["statistic"] == "median")
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["value"].map(_finite)
    ]
    if rows.empty:
        return theme.empty_figure(f"No published medians for {lower_first(label)}.")

    names = trial_names(trials)
    info = arm_lookup(arms)
    rank = trial_order(trials, rows["trial_id"])
    rows = rows.assign(
        role=[info.get((t, a), {}).get("role", "single") for t, a in zip(rows["trial_id"], rows["arm_id"])],
        arm_label=[info.get((t, a), {}).get("label", a) for t, a in zip(rows["trial_id"], rows["arm_id"])],
        _analysis=rows["analysis"].map(_ANALYSIS_RANK),
    )
    rows = rows.sort_values("_analysis", kind="stable").drop_duplicates(["trial_id", "arm_id"])
    rows = rows.assign(
        _trial=rows["trial_id"].map(rank), _role=rows["role"].map(_ROLE_RANK).fillna(9)
    ).sort_values(["_trial", "_role"], kind="stable")

    # y positions top to bottom, with a gap between trials.
    ys, y, previous = [], 0.0, None
    for trial_id in rows["trial_id"]:
        if previous is not None:
            y -= 1.0 if trial_id == previous else 1.7
        ys.append(y)
        previous = trial_id
    rows = rows.assign(
        _y=ys,
        _hl=rows["trial_id"].eq(highlight) if highlight else False,
        ci_ok=[_has_ci(lo, hi) for lo, hi in zip(rows["ci_low"], rows["ci_high"])],
        is_derived=rows["derived"].fillna(False).astype(bool),
        trial_name=rows["trial_id"].map(lambda t: names.get(t, t)),
    )

    fig = go.Figure()
    chosen = rows[rows["_hl"]]
    if not chosen.empty:
        fig.add_trace(_halo_trace(chosen, "value", "_y", [11] * len(chosen), err_x=("ci_low", "ci_high")))
    shown_roles: set[str] = set()
    for (role, has_ci, derived), group in rows.groupby(["role", "ci_ok", "is_derived"], sort=False):
        colour = theme.ROLE_COLOURS.get(role, theme.MODEL_COLOUR)
        symbol = theme.DERIVED_SYMBOL if derived else ("circle" if has_ci else "circle-open")
        trace = go.Scatter(
            x=group["value"].tolist(),
            y=group["_y"].tolist(),
            mode="markers",
            name=role,
            legendgroup=role,
            legendrank=100 + _ROLE_RANK.get(role, 9),
            showlegend=role not in shown_roles,
            customdata=_customdata(group["trial_id"], group["arm_id"]),
            text=[_median_hover(r, label) for r in group.itertuples(index=False)],
            hovertemplate="%{text}<extra></extra>",
            marker=dict(
                symbol=symbol,
                size=11,
                color=colour,
                line=dict(color=colour, width=2 if symbol != "circle" else 0),
            ),
        )
        if has_ci:
            trace.error_x = ci_whiskers(group, colour, thickness=2, width=5)
        shown_roles.add(role)
        fig.add_trace(trace)

    medians = [
        f"{theme.format_months(v)} [{_range_text(lo, hi)}]" if c else f"{theme.format_months(v)} [CI NR]"
        for v, lo, hi, c in zip(rows["value"], rows["ci_low"], rows["ci_high"], rows["ci_ok"])
    ]
    counts = [
        f"{'NR' if _missing(c) else int(c)} / {'NR' if _missing(n) else int(n)}"
        for c, n in zip(rows["count"], rows["n_analysed"])
    ]
    column_median, column_counts = 0.70, 0.88
    top = max(ys) + 0.6
    annotations = _column_annotations(rows["_y"], medians, column_median, bold=rows["_hl"])
    annotations += _column_annotations(rows["_y"], counts, column_counts, bold=rows["_hl"])
    annotations += [_header("Median [95% CI]", column_median, top), _header("Events / n", column_counts, top)]
    footnotes = ["Whole-population analyses. Months to one decimal; NR = not reported."]
    if not rows["ci_ok"].all():
        footnotes.append("Open circles: 95% CI not reported (no whisker).")
    if rows["is_derived"].any():
        footnotes.append("Open diamonds: derived (computed) value.")
    annotations.append(
        dict(
            x=0, y=0, xref="paper", yref="paper", text=" ".join(footnotes), showarrow=False,
            xanchor="left", yanchor="top", yshift=-82, align="left", font=dict(size=12, color="#444"),
        )
    )
    x_high = float(np.nanmax(np.concatenate([rows["value"].to_numpy(float), rows["ci_high"].to_numpy(float)])))
    tick_text = [
        _tick_label(f"{name} · {arm}", hl) for name, arm, hl in zip(rows["trial_name"], rows["arm_label"], rows["_hl"])
    ]
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(text=f"Median {lower_first(label)} by arm"),
        height=int(200 + 40 * len(rows) + 25 * rows["trial_id"].nunique()),
        margin=dict(l=20, r=20, t=90, b=110),
        xaxis=dict(
            domain=[0.0, 0.66],
            range=[0, x_high * 1.08],
            title=dict(text=f"Median {lower_first(label)} (months)"),
            rangemode="tozero",
        ),
        yaxis=dict(
            tickvals=rows["_y"].tolist(),
            ticktext=tick_text,
            range=[min(ys) - 0.8, max(ys) + 1.0],
            showgrid=False,
            automargin=True,
            ticks="",
        ),
        legend=dict(title=dict(text="Arm role: ")),
        annotations=annotations,
    )
    return fig


def _median_hover(row, label: str) -> str:
    ci = f"95% CI {_range_text(row.ci_low, row.ci_high)} months" if row.ci_ok else "CI not reported"
    lines = [
        f"<b>{row.trial_name} · {row.arm_label}</b> ({row.role})",
        f"Median {lower_first(label)} {theme.format_months(row.value)} months; {ci}",
    ]
    count_bits = []
    if not _missing(row.count):
        count_bits.append(f"{int(row.count)} events")
    if not _missing(row.n_analysed):
        count_bits.append(f"{int(row.n_analysed)} analysed")
    if count_bits:
        lines.append(", ".join(count_bits) + f" ({row.analysis})")
    else:
        lines.append(f"{row.analysis} analysis")
    if row.is_derived:
        lines.append("derived (computed, not printed)")
    return "<br>".join(lines)


# ---------------------------------------------------------------- rates per arm


def _printed_decimals(value: float) -> int:
    """Decimals a stored percentage shows (36.9 -> 1, 30.0 -> 0): the precision it was printed to, at best."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    decimals = text.split(".")[1].rstrip("0")
    return len(decimals)


def rate_rows(efficacy: pd.DataFrame, arms: pd.DataFrame, ci_method: str = "clopper-pearson") -> pd.DataFrame:
    """Whole-population response/landmark rates per arm with the best honest 95% CI.

    Printed CI kept as reported; else CI from count / n (derived, `ci_method`); else the count
    back-calculated from the percentage (derived; ambiguous -> no CI); else no CI. Landmark
    survival rates (Kaplan–Meier estimates) never get a binomial CI.
    """
    if efficacy is None or efficacy.empty:
        return pd.DataFrame(columns=list(RATE_COLUMNS))
    rows = efficacy[
        (efficacy["statistic"] == "rate")
        & efficacy["endpoint"].isin(RATE_ENDPOINTS)
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["value"].map(_finite)
    ]
    if rows.empty:
        return pd.DataFrame(columns=list(RATE_COLUMNS))
    method_name = _CI_METHOD_NAMES.get(ci_method.lower().replace("_", "-"), ci_method)
    info = arm_lookup(arms)
    rows = rows.assign(_rank=rows["analysis"].map(_ANALYSIS_RANK)).sort_values("_rank", kind="stable")
    rows = rows.drop_duplicates(["trial_id", "arm_id", "endpoint"])

    out = []
    for row in rows.itertuples(index=False):
        arm = info.get((row.trial_id, row.arm_id), {})
        value = float(row.value)
        low, high = _num(row.ci_low), _num(row.ci_high)
        count, n = _int(row.count), _int(row.n_analysed)
        count_status = "reported" if count is not None else None
        if _has_ci(low, high):
            status, note = "reported", "95% CI as reported"
        elif row.endpoint in _LANDMARK_RATES:
            status, note = "not reported", (
                "CI not reported (Kaplan–Meier landmark estimate: a binomial CI would ignore censoring)"
            )
            low = high = None
        elif count is not None and n:
            # Exact binomial interval from the printed responders / analysed.
            low, high = proportion_ci(count, n, method=ci_method)
            status, note = "derived", f"derived ({method_name} CI from {count}/{n})"
        elif n:
            count = counts_from_percent(value, n, decimals=_printed_decimals(value))
            if count is None:
                status, note = "not reported", (
                    f"CI not reported (no single count out of {n} reproduces {value:g}%)"
                )
                low = high = None
            else:
                # Count back-calculated from the percentage, then the exact binomial interval.
                low, high = proportion_ci(count, n, method=ci_method)
                count_status = "back-calculated"
                status, note = "derived", (
                    f"derived ({method_name} CI; count back-calculated from the percentage: {count}/{n})"
                )
        else:
            status, note = "not reported", "CI not reported"
            low = high = None
        out.append(
            {
                "trial_id": row.trial_id,
                "arm_id": row.arm_id,
                "endpoint": row.endpoint,
                "arm_label": arm.get("label", row.arm_id),
                "role": arm.get("role", "single"),
                "value": value,
                "ci_low": np.nan if low is None else float(low),
                "ci_high": np.nan if high is None else float(high),
                "ci_status": status,
                "count": count,
                "count_status": count_status,
                "n_analysed": n,
                "ci_note": note,
                "value_derived": False if _missing(row.derived) else bool(row.derived),
                "analysis": row.analysis,
                "source": _text(row.source),
            }
        )
    frame = pd.DataFrame(out, columns=list(RATE_COLUMNS))
    frame["count"] = frame["count"].astype("Int64")
    frame["n_analysed"] = frame["n_analysed"].astype("Int64")
    return frame


_ROLE_OFFSET = {"experimental": -0.17, "control": 0.17, "single": 0.0}
_ROLE_TEXT_POSITION = {"experimental": "middle left", "control": "middle right", "single": "middle right"}


def rates_by_arm(rows: pd.DataFrame, highlight: str | None = None) -> go.Figure:
    """Rates per arm (percent of patients) with 95% CI, one panel per endpoint, trials along x.

    Filled markers: CI as reported; open diamonds: CI derived; open circles: no CI.
    """
    if rows is None or rows.empty:
        return theme.empty_figure("No response or landmark rates reported.")
    endpoints = [e for e in RATE_ENDPOINTS if e in set(rows["endpoint"])]
    endpoints += [e for e in dict.fromkeys(rows["endpoint"]) if e not in endpoints]
    fig = make_subplots(
        rows=1,
        cols=len(endpoints),
        shared_yaxes=True,
        horizontal_spacing=0.035,
        subplot_titles=[endpoint_label(e) for e in endpoints],
    )
    shown_roles: set[str] = set()
    rows = rows.assign(_hl=rows["trial_id"].eq(highlight) if highlight else False)
    for col, endpoint in enumerate(endpoints, start=1):
        panel = rows[rows["endpoint"] == endpoint]
        trial_ids = list(dict.fromkeys(panel["trial_id"]))
        position = {t: i for i, t in enumerate(trial_ids)}
        panel = panel.assign(
            _x=[position[t] + _ROLE_OFFSET.get(r, 0.0) for t, r in zip(panel["trial_id"], panel["role"])]
        )
        chosen = panel[panel["_hl"]]
        if not chosen.empty:
            fig.add_trace(
                _halo_trace(chosen, "_x", "value", [11] * len(chosen), err_y=("ci_low", "ci_high")), row=1, col=col
            )
        for (role, status, value_derived), group in panel.groupby(["role", "ci_status", "value_derived"], sort=False):
            colour = theme.ROLE_COLOURS.get(role, theme.MODEL_COLOUR)
            symbol = {"reported": "circle", "derived": theme.DERIVED_SYMBOL}.get(status, "circle-open")
            if value_derived:
                symbol = theme.DERIVED_SYMBOL
            trace = go.Scatter(
                x=group["_x"].tolist(),
                y=group["value"].tolist(),
                mode="markers+text",
                text=[theme.format_percent(v) for v in group["value"]],
                textposition=_ROLE_TEXT_POSITION.get(role, "middle right"),
                textfont=dict(size=12, color=colour),
                name=role,
                legendgroup=role,
                legendrank=100 + _ROLE_RANK.get(role, 9),
                showlegend=role not in shown_roles,
                customdata=_customdata(group["trial_id"], group["arm_id"]),
                hovertext=[_rate_hover(r) for r in group.itertuples(index=False)],
                hovertemplate="%{hovertext}<extra></extra>",
                marker=dict(
                    symbol=symbol,
                    size=11,
                    color=colour,
                    line=dict(color=colour, width=2 if symbol != "circle" else 0),
                ),
            )
            if status != "not reported":
                trace.error_y = dict(
                    type="data",
                    symmetric=False,
                    array=(group["ci_high"] - group["value"]).tolist(),
                    arrayminus=(group["value"] - group["ci_low"]).tolist(),
                    color=colour,
                    thickness=2,
                    width=5,
                )
            shown_roles.add(role)
            fig.add_trace(trace, row=1, col=col)
        fig.update_xaxes(
            row=1,
            col=col,
            tickvals=list(range(len(trial_ids))),
            ticktext=[f"<b>{t}</b>" if t == highlight else t for t in trial_ids],
            range=[-0.75, len(trial_ids) - 0.25],
            showgrid=False,
            title=dict(text="Trial"),
        )
    fig.update_yaxes(range=[0, 100], dtick=20)
    fig.update_yaxes(title=dict(text="Patients (%)"), row=1, col=1)
    footnote = (
        "Filled: 95% CI as reported. Open diamond: CI derived (computed from counts; hover says how). "
        "Open circle: CI not reported.<br>1-year survival is a Kaplan–Meier estimate: no binomial CI is derived."
    )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(text="Response and landmark rates by arm (whole population)"),
        height=600,
        margin=dict(l=70, r=20, t=130, b=125),
        legend=dict(title=dict(text="Arm role: "), y=1.09, yanchor="bottom"),
    )
    fig.add_annotation(
        x=0, y=0, xref="paper", yref="paper", text=footnote, showarrow=False, xanchor="left",
        yanchor="top", yshift=-78, align="left", font=dict(size=12, color="#444"),
    )
    return fig


def _rate_hover(row) -> str:
    ci = (
        f"95% CI {_range_text(row.ci_low, row.ci_high)}%"
        if row.ci_status != "not reported"
        else "no whisker"
    )
    lines = [
        f"<b>{row.trial_id} · {row.arm_label}</b> ({row.role})",
        f"{endpoint_label(row.endpoint)} {theme.format_percent(row.value)}; {ci}",
        row.ci_note,
    ]
    if row.value_derived:
        lines.append("rate derived (computed, not printed)")
    if not _missing(row.n_analysed):
        lines.append(f"n analysed {int(row.n_analysed)}")
    return "<br>".join(lines)


# ---------------------------------------------------------------- design versus outcome

_SIZE_COLOURS = {"patients": theme.OKABE_ITO["grey"], "events": theme.OKABE_ITO["sky_blue"]}
_ROLE_NUDGE = {"experimental": -0.14, "control": 0.14}
"""Small vertical offsets so two arms' whiskers on one row do not hide each other."""


def design_vs_outcome(
    design: pd.DataFrame,
    efficacy: pd.DataFrame,
    trials: pd.DataFrame,
    arms: pd.DataFrame,
    highlight: str | None = None,
) -> go.Figure:
    """What each trial assumed when sizing itself versus what it observed.

    Panel 1: assumed vs published medians of the primary endpoint (months). Panel 2: planned vs
    enrolled patients and planned vs observed events. Panel 3: single-arm rate designs (null and
    alternative rate) vs the observed rate. Hollow = design assumption or plan, filled = observed.
    """
    if design is None or design.empty:
        return theme.empty_figure("No design assumptions recorded.")
    names = trial_names(trials)
    info = arm_lookup(arms)
    observed_medians = whole_population_median_records(efficacy)
    rank = trial_order(trials, design["trial_id"])
    design = design.assign(_rank=design["trial_id"].map(rank)).sort_values("_rank", kind="stable")
    trial_rows = {r.trial_id: r for r in trials.itertuples(index=False)} if trials is not None else {}

    panels = [
        (key, title, rows)
        for key, title, rows in (
            (
                "median",
                "Primary-endpoint medians: design assumption vs observed",
                _design_median_rows(design, observed_medians, info),
            ),
            (
                "size",
                "Patients and events: planned vs actual",
                _design_size_rows(design, observed_medians, trial_rows),
            ),
            (
                "rate",
                "Single-arm rate design: null and alternative rate vs observed",
                _design_rate_rows(design, efficacy, info),
            ),
        )
        if rows
    ]
    if not panels:
        return theme.empty_figure("No design assumptions that can be compared with results.")
    heights = [len({r["y"] for r in rows}) + 1.6 for _, _, rows in panels]
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        row_heights=[h / sum(heights) for h in heights],
        vertical_spacing=0.3 / len(panels),
        subplot_titles=[title for _, title, _ in panels],
    )
    shapes: list[dict] = []
    notes: list[dict] = []
    for index, (key, _, rows) in enumerate(panels, start=1):
        panel_shapes, panel_notes = _draw_design_panel(fig, index, key, rows, names, highlight)
        shapes += panel_shapes
        notes += panel_notes
    # Assigned once: each add_shape/add_annotation call re-validates every shape or annotation
    # already there, which made the figure quadratic in the number of rows.
    if shapes:
        fig.layout.shapes = shapes
    if notes:
        fig.layout.annotations = [*fig.layout.annotations, *notes]

    # Subplot titles are annotations: left-align them over their panels.
    for annotation in fig.layout.annotations[: len(panels)]:
        annotation.update(x=0.0, xanchor="left", font=dict(size=15))
    c = theme.ROLE_COLOURS
    key_text = (
        "Hollow: design assumption or plan · filled: observed (whisker = 95% CI) · "
        f"open diamond: derived (sum over arms).<br>Colours: <span style='color:{c['experimental']}'>"
        f"<b>experimental</b></span>, <span style='color:{c['control']}'><b>control</b></span>, "
        f"<span style='color:{c['single']}'><b>single arm</b></span>, "
        f"<span style='color:{_SIZE_COLOURS['patients']}'><b>patients</b></span>, "
        f"<span style='color:{_SIZE_COLOURS['events']}'><b>events</b></span>."
    )
    total_rows = sum(heights)
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(
            text="Design assumptions vs observed outcome",
            subtitle=dict(text=key_text, font=dict(size=12, color="#333")),
        ),
        height=int(255 + 46 * total_rows),
        margin=dict(l=20, r=30, t=140, b=60),
        showlegend=False,
    )
    return fig


def _design_median_rows(design: pd.DataFrame, observed_medians: dict, info: dict) -> list[dict]:
    """Rows of panel 1: assumed medians per distinct design scenario, then observed medians.

    `observed_medians` is `whole_population_median_records(efficacy)`.
    """
    out: list[dict] = []
    medians = design[design["assumed_control_median"].notna() | design["assumed_experimental_median"].notna()]
    arms_of = _arms_by_trial(info)
    y = 0.0
    for trial_id, group in _records_by(medians, "trial_id").items():
        distinct = _first_of_each(group, ("endpoint", "assumed_control_median", "assumed_experimental_median"))
        endpoint = distinct[0].endpoint
        words = lower_first(endpoint_label(endpoint))
        roles = {arm["role"]: arm_id for arm_id, arm in arms_of.get(trial_id, [])}
        for scenario in distinct:
            label = "assumed (design)" if len(distinct) == 1 else f"assumed ({scenario.scenario})"
            # Plain `==`, as pandas compares: a missing assumed median matches no scenario.
            same = [
                r for r in group
                if r.assumed_control_median == scenario.assumed_control_median
                and r.assumed_experimental_median == scenario.assumed_experimental_median
            ]
            target_hrs = dict.fromkeys(r.target_hr for r in same if not _missing(r.target_hr))
            targets = ", ".join(theme.format_ratio(v) for v in target_hrs)
            for role, value in (
                ("control", scenario.assumed_control_median),
                ("experimental", scenario.assumed_experimental_median),
            ):
                if _finite(value):
                    out.append(
                        dict(
                            trial_id=trial_id, arm_id=roles.get(role, ""), y=y, dy=0.0,
                            row_label=label, style=role, kind="assumed", value=float(value),
                            low=np.nan, high=np.nan,
                            hover=(
                                f"Assumed {role} median {words} {theme.format_months(value)} months"
                                f"<br>design scenario(s): {', '.join(r.scenario for r in same)}"
                                + (f"<br>target HR {targets}" if targets else "")
                            ),
                        )
                    )
            y -= 1.0
        observed = observed_medians.get((trial_id, endpoint), [])
        if not observed:
            out.append(
                dict(
                    trial_id=trial_id, arm_id="", y=y, dy=0.0, row_label="observed", style="", kind="missing",
                    value=np.nan, low=np.nan, high=np.nan, hover=f"no published median {words}",
                )
            )
        for row in observed:
            arm = info.get((trial_id, row.arm_id), {})
            role = arm.get("role", "single")
            has_ci = _has_ci(row.ci_low, row.ci_high)
            ci = f"95% CI {_range_text(row.ci_low, row.ci_high)} months" if has_ci else "CI not reported"
            out.append(
                dict(
                    trial_id=trial_id, arm_id=row.arm_id, y=y, dy=_ROLE_NUDGE.get(role, 0.0),
                    row_label="observed", style=role, kind="observed", value=float(row.value),
                    low=float(row.ci_low) if has_ci else np.nan, high=float(row.ci_high) if has_ci else np.nan,
                    hover=(
                        f"{arm.get('label', row.arm_id)}: observed median {words} "
                        f"{theme.format_months(row.value)} months; {ci}"
                    ),
                )
            )
        y -= 1.6
    return out


def whole_population_medians(efficacy: pd.DataFrame, trial_id: str, endpoint: str) -> pd.DataFrame:
    """Whole-population median rows of one trial's endpoint, one per arm (most primary first)."""
    if efficacy is None or efficacy.empty:
        return pd.DataFrame(columns=["arm_id", "value", "ci_low", "ci_high", "count"])
    rows = _ranked_whole_population_medians(efficacy)
    rows = rows[(rows["trial_id"] == trial_id) & (rows["endpoint"] == endpoint)]
    return rows.drop_duplicates("arm_id")


def whole_population_median_records(efficacy: pd.DataFrame | None) -> dict[tuple[str, str], list]:
    """(trial_id, endpoint) -> the rows of `whole_population_medians(efficacy, trial_id, endpoint)`
    as named tuples, for every pair that has any.

    For figures that need every trial's medians: one pass over the table instead of one filter
    per trial, which scans the whole table each time.
    """
    if efficacy is None or efficacy.empty:
        return {}
    rows = _ranked_whole_population_medians(efficacy).drop_duplicates(["trial_id", "endpoint", "arm_id"])
    return _records_by(rows, "trial_id", "endpoint")


def _ranked_whole_population_medians(efficacy: pd.DataFrame) -> pd.DataFrame:
    """Median rows of main analyses with a finite value, most primary analysis first (stable sort)."""
    rows = efficacy[
        (efficacy["statistic"] == "median")
        & efficacy["analysis"].isin(MAIN_ANALYSES)
        & efficacy["value"].map(_finite)
    ]
    return rows.assign(_rank=rows["analysis"].map(_ANALYSIS_RANK)).sort_values("_rank", kind="stable")


def _records_by(frame: pd.DataFrame, *keys: str) -> dict:
    """Key -> the frame's rows with that key (a value, or a tuple for several columns), as named
    tuples in frame order.

    The design panels work per trial; filtering or iterating a DataFrame per trial costs a
    millisecond or more each time, so the tables are split into plain records in one pass.
    """
    found: dict = {}
    for row in frame.itertuples(index=False):
        key = getattr(row, keys[0]) if len(keys) == 1 else tuple(getattr(row, k) for k in keys)
        found.setdefault(key, []).append(row)
    return found


def _first_of_each(records: list, fields: tuple[str, ...]) -> list:
    """Records with a new combination of `fields`, in order (`DataFrame.drop_duplicates`: missing equals missing)."""
    seen: set = set()
    kept = []
    for record in records:
        key = tuple(None if _missing(getattr(record, f)) else getattr(record, f) for f in fields)
        if key not in seen:
            seen.add(key)
            kept.append(record)
    return kept


def _arms_by_trial(info: dict[tuple[str, str], dict]) -> dict[str, list[tuple[str, dict]]]:
    """trial_id -> [(arm_id, arm), ...] in arms.csv order, from `arm_lookup`."""
    found: dict[str, list[tuple[str, dict]]] = {}
    for (trial_id, arm_id), arm in info.items():
        found.setdefault(trial_id, []).append((arm_id, arm))
    return found


def _design_size_rows(design: pd.DataFrame, observed_medians: dict, trial_rows: dict) -> list[dict]:
    """Rows of panel 2: planned vs enrolled patients, planned vs observed (summed) events.

    Trials in the order of `design`; `observed_medians` is `whole_population_median_records(efficacy)`.
    """
    out: list[dict] = []

    def add(trial_id, y, label, kind, value, hover):
        out.append(
            dict(
                trial_id=trial_id, arm_id="", y=y, dy=0.0, row_label=label, style=label, kind=kind,
                value=np.nan if value is None else float(value), low=np.nan, high=np.nan, hover=hover,
            )
        )

    y = 0.0
    for trial_id, group in _records_by(design, "trial_id").items():
        trial = trial_rows.get(trial_id)
        planned_n = _int(getattr(trial, "n_planned", None)) if trial is not None else None
        if planned_n is None:
            planned_n = next((int(r.planned_n) for r in group if not _missing(r.planned_n)), None)
        enrolled = _int(getattr(trial, "n_enrolled", None)) if trial is not None else None
        planned_events = list(dict.fromkeys(int(r.planned_events) for r in group if not _missing(r.planned_events)))
        endpoint = group[0].endpoint
        observed_events, event_note = _observed_events(observed_medians.get((trial_id, endpoint), []))
        if planned_n is not None or enrolled is not None:
            if planned_n is not None:
                add(trial_id, y, "patients", "planned", planned_n, f"Planned sample size {planned_n} patients")
            if enrolled is not None:
                add(trial_id, y, "patients", "actual", enrolled, f"Enrolled {enrolled} patients")
            else:
                add(trial_id, y, "patients", "missing", None, "enrolment not reported")
            y -= 1.0
        if planned_events or observed_events is not None:
            for value in planned_events:
                add(trial_id, y, "events", "planned", value, f"Planned {value} {endpoint} events")
            if observed_events is not None:
                add(
                    trial_id, y, "events", "derived", observed_events,
                    f"Observed {observed_events} {endpoint} events<br>derived ({event_note})",
                )
            else:
                add(trial_id, y, "events", "missing", None, f"observed events: {event_note}")
            y -= 1.0
        y -= 0.6
    return out


def _observed_events(medians: list) -> tuple[int | None, str]:
    """Sum of per-arm event counts over a trial's primary-endpoint median rows, only when every arm has one."""
    if not medians or any(_missing(row.count) for row in medians):
        return None, "per-arm event counts not reported"
    counts = [int(row.count) for row in medians]
    return sum(counts), "sum of per-arm counts " + " + ".join(str(c) for c in counts)


def _design_rate_rows(design: pd.DataFrame, efficacy: pd.DataFrame, info: dict) -> list[dict]:
    """Rows of panel 3: null and alternative rates of single-arm designs, then the observed rate."""
    out: list[dict] = []
    rates = design[design["null_rate"].notna() | design["alternative_rate"].notna()]
    arms_of = _arms_by_trial(info)
    observed_rates: dict = {}
    if efficacy is not None and not efficacy.empty:
        main_rates = efficacy[(efficacy["statistic"] == "rate") & efficacy["analysis"].isin(MAIN_ANALYSES)]
        observed_rates = _records_by(main_rates, "trial_id", "endpoint")
    y = 0.0
    for row in rates.itertuples(index=False):
        trial_id, endpoint = row.trial_id, row.endpoint
        single = next((arm_id for arm_id, arm in arms_of.get(trial_id, []) if arm["role"] == "single"), "")
        for kind, value in (("null", row.null_rate), ("alternative", row.alternative_rate)):
            if _finite(value):
                out.append(
                    dict(
                        trial_id=trial_id, arm_id=single, y=y, dy=0.0, row_label=f"{endpoint} design",
                        style="single", kind=kind, value=float(value), low=np.nan, high=np.nan,
                        hover=f"Design {kind} rate {theme.format_percent(value)} ({row.scenario} design)",
                    )
                )
        y -= 1.0
        observed = observed_rates.get((trial_id, endpoint), [])
        if not observed:
            out.append(
                dict(
                    trial_id=trial_id, arm_id=single, y=y, dy=0.0, row_label=f"{endpoint} observed", style="",
                    kind="missing", value=np.nan, low=np.nan, high=np.nan, hover="no observed rate reported",
                )
            )
        for obs in observed:
            has_ci = _has_ci(obs.ci_low, obs.ci_high)
            ci = f"95% CI {_range_text(obs.ci_low, obs.ci_high)}%" if has_ci else "CI not reported"
            out.append(
                dict(
                    trial_id=trial_id, arm_id=obs.arm_id, y=y, dy=0.0, row_label=f"{endpoint} observed",
                    style="single", kind="observed", value=float(obs.value),
                    low=float(obs.ci_low) if has_ci else np.nan, high=float(obs.ci_high) if has_ci else np.nan,
                    hover=f"Observed {lower_first(endpoint_label(endpoint))} {theme.format_percent(obs.value)}; {ci}",
                )
            )
        y -= 1.6
    return out


def _design_style(key: str, kind: str, style: str) -> tuple[str, str, str]:
    """Trace name, colour and symbol: hollow = assumption or plan, filled = observed."""
    if key == "median":
        colour = theme.ROLE_COLOURS.get(style, theme.MODEL_COLOUR)
        return f"{kind} median, {style}", colour, "circle-open" if kind == "assumed" else "circle"
    if key == "size":
        colour = _SIZE_COLOURS.get(style, theme.MODEL_COLOUR)
        if kind == "planned":
            return f"planned {style}", colour, "circle-open"
        if kind == "derived":
            return f"observed {style}, derived (sum over arms)", colour, theme.DERIVED_SYMBOL
        return f"actual {style}", colour, "circle"
    if kind == "null":
        return "null rate (design)", theme.MODEL_COLOUR, "circle-open"
    if kind == "alternative":
        return "alternative rate (design)", theme.ROLE_COLOURS["single"], "circle-open"
    return "observed rate", theme.ROLE_COLOURS["single"], "circle"


def _draw_design_panel(
    fig: go.Figure, index: int, key: str, rows: list[dict], names: dict, highlight: str | None
) -> tuple[list[dict], list[dict]]:
    """Add one panel's marks and axes; return its connectors (shapes) and 'not reported' notes
    (annotations), which the caller adds for every panel at once."""
    frame = pd.DataFrame(rows)
    frame["hl"] = frame["trial_id"].eq(highlight) if highlight else False
    frame["y_plot"] = frame["y"] + frame["dy"]
    xref = "x" if index == 1 else f"x{index}"
    yref = "y" if index == 1 else f"y{index}"
    plotted = frame[frame["value"].notna()]

    # Dumbbell connectors between the marks of each row.
    spans = plotted.groupby("y")["value"].agg(["min", "max", "size"])
    shapes = [
        dict(
            type="line", x0=low, x1=high, y0=y, y1=y, xref=xref, yref=yref,
            line=dict(color="#BBBBBB", width=2), layer="below",
        )
        for y, low, high, marks in zip(spans.index, spans["min"], spans["max"], spans["size"])
        if marks > 1
    ]
    # 'Not reported' notes sit beside the marks of their row (right of them, or left when the
    # marks are in the right half of the axis) so they never cover a mark or leave the plot.
    axis_top = float(pd.concat([frame["value"], frame["high"]]).max(skipna=True))
    notes = []
    for row in frame[frame["kind"] == "missing"].itertuples(index=False):
        if row.y not in spans.index:
            x, anchor, shift = 0.0, "left", 4
        elif spans.at[row.y, "max"] > 0.5 * axis_top:
            x, anchor, shift = float(spans.at[row.y, "min"]), "right", -14
        else:
            x, anchor, shift = float(spans.at[row.y, "max"]), "left", 14
        notes.append(
            dict(
                x=x, y=row.y, xref=xref, yref=yref, text=f"<i>{row.hover}</i>", showarrow=False,
                xanchor=anchor, xshift=shift, font=dict(size=12, color="#666"),
            )
        )

    chosen = plotted[plotted["hl"]]
    if not chosen.empty:
        fig.add_trace(
            _halo_trace(chosen, "value", "y_plot", [12] * len(chosen), err_x=("low", "high")), row=index, col=1
        )
    for (kind, style), group in plotted.groupby(["kind", "style"], sort=False):
        name, colour, symbol = _design_style(key, kind, style)
        trace = go.Scatter(
            x=group["value"].tolist(),
            y=group["y_plot"].tolist(),
            mode="markers" if key == "median" else "markers+text",
            text=None if key == "median" else [f"{v:g}%" if key == "rate" else f"{v:g}" for v in group["value"]],
            textposition="top center",
            textfont=dict(size=12, color="#333"),
            name=name,
            customdata=_customdata(group["trial_id"], group["arm_id"]),
            hovertext=[f"<b>{names.get(t, t)}</b><br>{h}" for t, h in zip(group["trial_id"], group["hover"])],
            hovertemplate="%{hovertext}<extra></extra>",
            marker=dict(symbol=symbol, size=12, color=colour, line=dict(color=colour, width=2)),
        )
        if group["low"].notna().any():
            trace.error_x = dict(
                type="data", symmetric=False, array=(group["high"] - group["value"]).fillna(0).tolist(),
                arrayminus=(group["value"] - group["low"]).fillna(0).tolist(), color=colour, thickness=2, width=5,
            )
        fig.add_trace(trace, row=index, col=1)

    labels = frame.drop_duplicates("y")
    tick_text = [
        _tick_label(f"{names.get(t, t)} · {label}", hl)
        for t, label, hl in zip(labels["trial_id"], labels["row_label"], labels["hl"])
    ]
    fig.update_yaxes(
        row=index, col=1, tickvals=labels["y"].tolist(), ticktext=tick_text, showgrid=False, automargin=True,
        range=[labels["y"].min() - 0.7, labels["y"].max() + 0.7], ticks="",
    )
    top = float(pd.concat([frame["value"], frame["high"]]).max(skipna=True))
    top = top if math.isfinite(top) else 1.0
    titles = {
        "median": "Median time to event (months)",
        "size": "Number of patients or events",
        "rate": "Rate (% of patients)",
    }
    fig.update_xaxes(
        row=index, col=1, title=dict(text=titles[key], standoff=8),
        range=[0, min(100.0, top * 1.15) if key == "rate" else top * 1.12],
    )
    return shapes, notes
