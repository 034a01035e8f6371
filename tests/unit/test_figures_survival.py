"""Tests for evidence.tables.survival and evidence.figures.survival: model-based curves and
Kaplan–Meier figures, no browser. Each figure dict is validated (plain types, plotly's schema) and
read through go.Figure."""

import html
import math
import re

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_lung

from evidence import theme
from evidence.figures.survival import kaplan_meier_figure, model_based_figure
from evidence.survival import predicted_survival_at, weibull_ph_from_medians_and_hr
from evidence.tables.survival import kaplan_meier_table, model_curves
from figure_dicts import validated

DAYS_PER_MONTH = 30.4375


def _joined(fig: dict) -> dict:
    """The figure with the line breaks its builder adds to fit a phone (title, subtitle, legend
    names) read as spaces, so its text reads as a sentence."""
    join = lambda text: text.replace("<br>", " ") if isinstance(text, str) else text  # noqa: E731
    title = fig["layout"].get("title")
    if isinstance(title, dict):
        title = {**title, "text": join(title.get("text"))}
        if "subtitle" in title:
            title["subtitle"] = {**title["subtitle"], "text": join(title["subtitle"].get("text"))}
    layout = {**fig["layout"], **({"title": title} if title is not None else {})}
    return {"data": [{**t, "name": join(t.get("name"))} if "name" in t else t for t in fig["data"]], "layout": layout}


def _model(data, trial_id, endpoint, comparisons=None, **options):
    """(figure, notes): the model-based table drawn, the dict validated and read as a go.Figure."""
    curves = model_curves(
        data.efficacy, data.comparisons if comparisons is None else comparisons, data.arms, data.trials,
        trial_id, endpoint, **options,
    )
    return validated(_joined(model_based_figure(curves))), list(curves.notes)


def _km(ipd, arms, trial_id, endpoint):
    """(figure, stats): the Kaplan–Meier table drawn, the dict validated and read as a go.Figure."""
    table = kaplan_meier_table(ipd, arms, trial_id, endpoint)
    return validated(_joined(kaplan_meier_figure(table))), table.stats


def _curve(fig, arm_id):
    """(times, survival) of the dashed model curve of one arm."""
    trace = next(t for t in fig.data if "model-based, not patient data" in t.name and t.customdata[0][1] == arm_id)
    assert trace.line.dash == "dash"
    return np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)


def _markers(fig, kind):
    return [t for t in fig.data if kind in t.name]


# ---------------------------------------------------------------- model-based curves


def _without_caveats(data):
    """comparisons.csv without the curated model-term (interaction) rows."""
    comparisons = data.comparisons
    return comparisons[comparisons.term.isna() | comparisons.endpoint.str.startswith("AE_")]


def test_weibull_curves_hit_medians_and_hr_where_no_caveat_is_curated(data):
    # E2100's PFS numbers alone (shape 0.74, inside 0.5-3) give a Weibull PH pair; the bundled data
    # also record the paper's treatment x time interaction, which stops it (see below).
    fig, notes = _model(data, "E2100", "PFS", comparisons=_without_caveats(data))
    assert fig.layout.title.text == "Model-based progression-free survival curves — E2100"
    assert fig.layout.template.layout.font.family == theme.FONT_FAMILY
    t, s_pb = _curve(fig, "PB")
    _, s_p = _curve(fig, "P")
    # Through S = 0.5 at the published medians (interpolated on the plotted grid).
    assert np.interp(11.8, t, s_pb) == pytest.approx(0.5, abs=2e-3)
    assert np.interp(5.9, t, s_p) == pytest.approx(0.5, abs=2e-3)
    # Proportional hazards: log S_e(t) / log S_c(t) is the hazard ratio at every time.
    inside = (t > 0) & (s_p < 1) & (s_p > 1e-12)
    assert np.log(s_pb[inside]) / np.log(s_p[inside]) == pytest.approx(np.full(inside.sum(), 0.60), rel=1e-9)
    assert "Weibull proportional hazards with a shared shape 0.74 (within 0.5–3)" in notes[0] and "0.60" in notes[0]
    assert not any("exponential" in n for n in notes)
    medians = _markers(fig, "published median")
    assert sorted((m.x[0], m.y[0]) for m in medians) == [(5.9, 0.5), (11.8, 0.5)]
    assert all(m.error_x.array is None for m in medians)  # E2100 prints no CI for the medians
    colours = {m.customdata[0][1]: m.marker.color for m in medians}
    assert colours == {"PB": theme.ROLE_COLOURS["experimental"], "P": theme.ROLE_COLOURS["control"]}
    assert fig.layout.xaxis.title.text == "Time (months)"
    assert list(fig.layout.yaxis.range) == [0, 1.02]


def test_e2100_os_landmark_against_model(data):
    fig, notes = _model(data, "E2100", "OS")
    model = weibull_ph_from_medians_and_hr(25.2, 26.7, 0.88)
    predicted = predicted_survival_at(model, 12.0)
    # Independent check of the prediction: S(12) = 2 ** -((12 / median) ** shape).
    shape = -math.log(0.88) / math.log(26.7 / 25.2)
    assert predicted["control"] == pytest.approx(2 ** -((12 / 25.2) ** shape), rel=1e-12)
    assert f"model predicts {100 * predicted['experimental']:.1f}% at 12 months vs published 81.2%" in " ".join(notes)
    assert f"model predicts {100 * predicted['control']:.1f}% at 12 months vs published 73.4%" in " ".join(notes)
    landmarks = _markers(fig, "published 12-month rate")
    assert sorted((m.x[0], m.y[0]) for m in landmarks) == [(12.0, pytest.approx(0.734)), (12.0, pytest.approx(0.812))]
    pb = next(m for m in landmarks if m.customdata[0][1] == "PB")
    assert "81.2%" in pb.hovertemplate and f"{100 * predicted['experimental']:.1f}%" in pb.hovertemplate
    assert fig.layout.xaxis.range[1] >= 12


def test_paso_pfs_shape_out_of_range_draws_each_arm_from_its_own_median(data):
    # Medians 5.6 (B) vs 6.6 (A) with HR 1.80 force shape -ln 1.80 / ln(5.6 / 6.6) = 3.58 > 3.
    fig, notes = _model(data, "PASO", "PFS")
    shape = -math.log(1.80) / math.log(5.6 / 6.6)
    assert f"{shape:.2f}" == "3.58"
    assert notes[0].startswith(
        "No joint proportional-hazards curve: medians 5.6 vs 6.6 months (experimental vs control) with HR 1.80 "
        "force a Weibull shape of 3.58, outside the plausible 0.5–3"
    )
    assert "each arm is drawn from its own median alone (exponential, constant hazard)" in notes[0]
    # The pair implies HR 6.6 / 5.6 = 1.18, not the published 1.80: said, not hidden.
    assert "constant HR 1.18 (derived: ratio of medians) vs published 1.80" in notes[0]
    t, s_a = _curve(fig, "A")
    _, s_b = _curve(fig, "B")
    assert s_a == pytest.approx(2.0 ** (-t / 6.6), rel=1e-12)
    assert s_b == pytest.approx(2.0 ** (-t / 5.6), rel=1e-12)
    # Unlike the Weibull pair (about 0.003 at month 12), the curves keep a tail.
    assert np.interp(12.0, t, s_a) == pytest.approx(2.0 ** (-12 / 6.6), rel=1e-3)
    assert all("exponential from its own median" in tr.name for tr in fig.data if "model-based" in tr.name)
    assert "exponential per arm, each from its own median" in fig.layout.title.subtitle.text
    median_a = next(m for m in _markers(fig, "published median") if m.customdata[0][1] == "A")
    assert list(median_a.error_x.array) == pytest.approx([9.0 - 6.6])
    assert list(median_a.error_x.arrayminus) == pytest.approx([6.6 - 5.1])


def test_paso_os_weibull_ph_hr_above_one_is_consistent(data):
    # OS: medians 12.1 (B) vs 20.7 (A), HR 2.01 -> shape 1.30, inside 0.5-3.
    fig, notes = _model(data, "PASO", "OS")
    t, s_a = _curve(fig, "A")
    _, s_b = _curve(fig, "B")
    assert np.interp(20.7, t, s_a) == pytest.approx(0.5, abs=2e-3)
    assert np.interp(12.1, t, s_b) == pytest.approx(0.5, abs=2e-3)
    inside = (t > 0) & (s_a < 1) & (s_a > 1e-12)
    assert np.log(s_b[inside]) / np.log(s_a[inside]) == pytest.approx(np.full(inside.sum(), 2.01), rel=1e-9)
    assert "shared shape 1.30" in notes[0]


def test_direction_mismatch_falls_back_to_exponential(data):
    comparisons = _without_caveats(data).copy()
    wrong = (comparisons.trial_id == "E2100") & (comparisons.endpoint == "PFS") & (comparisons.analysis == "primary")
    comparisons.loc[wrong, "value"] = 1.5  # HR > 1 while the experimental median is longer
    fig, notes = _model(data, "E2100", "PFS", comparisons=comparisons)
    text = " ".join(notes)
    assert "opposite directions" in text and "each arm is drawn from its own median alone" in text
    assert "constant HR 0.50 (derived: ratio of medians) vs published 1.50" in text
    t, s_pb = _curve(fig, "PB")
    assert s_pb == pytest.approx(np.exp(-math.log(2) * t / 11.8), rel=1e-12)


def test_no_hazard_ratio_uses_exponential_arms(data):
    fig, notes = _model(data, "E2100", "PFS", comparisons=data.comparisons.iloc[0:0])
    assert notes[0].startswith("No published hazard ratio: each arm is drawn from its own median alone")
    t, s_p = _curve(fig, "P")
    assert s_p == pytest.approx(np.exp(-math.log(2) * t / 5.9), rel=1e-12)


def _curve_kinds(fig):
    """The legend's model per arm: {arm_id: 'Weibull PH, shared shape' | 'exponential from its own median'}."""
    return {
        t.customdata[0][1]: t.name.split("; ", 1)[1].rstrip(")")
        for t in fig.data
        if "model-based, not patient data" in (t.name or "")
    }


@pytest.mark.parametrize(
    ("trial_id", "endpoint", "kinds"),
    [
        # Shape 3.58 (PFS), 3.11 (TTP), 5.80 (TTT): outside 0.5-3; OS 1.30 inside.
        ("PASO", "PFS", {"A": "exponential from its own median", "B": "exponential from its own median"}),
        ("PASO", "TTP", {"A": "exponential from its own median", "B": "exponential from its own median"}),
        ("PASO", "TTT", {"A": "exponential from its own median", "B": "exponential from its own median"}),
        ("PASO", "OS", {"A": "Weibull PH, shared shape", "B": "Weibull PH, shared shape"}),
        # Treatment x time interaction P < 0.001 (curated): no curve. OS: shape 2.21, nothing curated.
        ("E2100", "PFS", {}),
        ("E2100", "OS", {"P": "Weibull PH, shared shape", "PB": "Weibull PH, shared shape"}),
        ("MRCC-SORAFENIB", "PFS", {"SOR": "exponential from its own median"}),
    ],
)
def test_which_trials_get_which_curve_on_the_bundled_data(data, trial_id, endpoint, kinds):
    fig, _ = _model(data, trial_id, endpoint)
    assert _curve_kinds(fig) == kinds


def test_e2100_pfs_draws_no_curve_and_says_why_in_the_figure(data):
    fig, notes = _model(data, "E2100", "PFS")
    assert not [t for t in fig.data if t.line is not None and t.line.dash == "dash"]
    assert fig.layout.title.text == "Published progression-free survival medians — E2100 (no model curve)"
    reason = (
        "No model curve: E2100 reports that hazards were not proportional (treatment × time interaction P < 0.001; "
        "E2100_NEJM2007: Results, Efficacy). Any pair of curves built from two medians has a constant hazard "
        "ratio, which that contradicts; only the published numbers are shown."
    )
    assert notes[0] == reason
    # Data text is escaped for plotly ("P &lt; 0.001" is drawn as "P < 0.001"): read it as drawn.
    assert "P &lt; 0.001" in fig.layout.annotations[0].text
    boxed = html.unescape(" ".join(a.text for a in fig.layout.annotations).replace("<br>", " "))
    assert reason in boxed
    assert "Caveat reported by E2100: treatment × age interaction P = 0.04 (sensitivity: P = 0.02)" in boxed
    # The published medians are still shown where they were printed.
    assert sorted((m.x[0], m.y[0]) for m in _markers(fig, "published median")) == [(5.9, 0.5), (11.8, 0.5)]
    assert "Caveat reported by E2100: treatment × age interaction P = 0.04" in " ".join(notes)


def test_e2100_os_carries_no_pfs_caveat(data):
    fig, notes = _model(data, "E2100", "OS")
    assert not any("interaction" in n for n in notes)
    assert list(fig.layout.annotations) == []


def test_single_arm_exponential_and_horizon(data):
    fig, notes = _model(data, "MRCC-SORAFENIB", "PFS", horizon_months=24)
    t, s = _curve(fig, "SOR")
    assert t[-1] == 24
    assert s == pytest.approx(2.0 ** (-t / 4.4), rel=1e-12)
    assert "exponential" in notes[0]
    median = _markers(fig, "published median")[0]
    assert median.marker.color == theme.ROLE_COLOURS["single"]
    assert list(median.error_x.arrayminus) == pytest.approx([4.4 - 3.6])


def test_no_median_gives_empty_figure(data):
    fig, notes = _model(data, "SOR", "PFS")
    assert notes == []
    assert [a.text for a in fig.layout.annotations] == [
        "SOR publishes no median progression-free survival, so no model-based curve can be drawn."
    ]


# ---------------------------------------------------------------- Kaplan–Meier


@pytest.fixture(scope="module")
def lung_ipd():
    lung = load_lung()
    assert set(lung["status"].unique()) == {0, 1}  # lifelines recodes R's 1/2
    return pd.DataFrame(
        {
            "trial_id": "LUNG",
            "arm_id": lung["sex"].map({1: "M", 2: "F"}),
            "endpoint": "OS",
            "time_months": lung["time"] / DAYS_PER_MONTH,
            "event": lung["status"].astype(int),
        }
    )


@pytest.fixture(scope="module")
def lung_arms():
    return pd.DataFrame(
        {
            "trial_id": ["LUNG", "LUNG"],
            "arm_id": ["M", "F"],
            "label": ["Male", "Female"],
            "role": ["control", "experimental"],
        }
    )


def test_kaplan_meier_lung_matches_r(lung_ipd, lung_arms):
    fig, stats = _km(lung_ipd, lung_arms, "LUNG", "OS")
    # R: survdiff(Surv(time, status) ~ sex, lung): chisq 10.3, p = 0.00131;
    # coxph(Surv(time, status) ~ sex): exp(coef) 0.588 (female vs male).
    assert stats["logrank_p"] == pytest.approx(0.00131, abs=1e-5)
    assert stats["hr"] == pytest.approx(0.588, abs=5e-4)
    assert stats["hr_ci_low"] < stats["hr"] < stats["hr_ci_high"]
    assert (stats["experimental_arm"], stats["control_arm"]) == ("F", "M")
    # R: print(survfit(...)) medians 270 (male) and 426 (female) days.
    assert stats["arms"]["M"]["median"] == pytest.approx(270 / DAYS_PER_MONTH)
    assert stats["arms"]["F"]["median"] == pytest.approx(426 / DAYS_PER_MONTH)
    assert (stats["arms"]["M"]["n"], stats["arms"]["F"]["n"]) == (138, 90)
    assert (stats["arms"]["M"]["events"], stats["arms"]["F"]["events"]) == (112, 53)
    subtitle = fig.layout.title.subtitle.text
    assert "Log-rank p = 0.0013" in subtitle and "0.59" in subtitle
    assert fig.layout.title.text == "Kaplan–Meier overall survival — LUNG"


def test_kaplan_meier_risk_table_by_direct_count(lung_ipd, lung_arms):
    fig, stats = _km(lung_ipd, lung_arms, "LUNG", "OS")
    times = stats["at_risk_times"]
    assert times[0] == 0 and all(b - a == times[1] - times[0] for a, b in zip(times, times[1:]))
    for arm_id in ("M", "F"):
        follow_up = lung_ipd.loc[lung_ipd.arm_id == arm_id, "time_months"].to_numpy()
        direct = [sum(1 for x in follow_up if x >= t) for t in times]
        assert stats["at_risk"][arm_id] == direct
        row = next(t for t in fig.data if t.name.endswith("at risk") and t.customdata[0][1] == arm_id)
        assert row.mode == "text" and list(row.text) == [str(n) for n in direct] and list(row.x) == times
    assert stats["at_risk"]["M"][0] == 138 and stats["at_risk"]["F"][0] == 90


def test_kaplan_meier_traces(lung_ipd, lung_arms):
    fig, _ = _km(lung_ipd, lung_arms, "LUNG", "OS")
    curves = [t for t in fig.data if t.line is not None and t.line.shape == "hv" and t.hoverinfo != "skip"]
    by_arm = {t.customdata[0][1]: t for t in curves}
    assert set(by_arm) == {"M", "F"}
    assert by_arm["M"].line.color == theme.ROLE_COLOURS["control"]
    assert by_arm["F"].line.color == theme.ROLE_COLOURS["experimental"]
    assert by_arm["F"].y[0] == 1.0 and by_arm["F"].x[0] == 0.0
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bands) == 2
    censored = {t.customdata[0][1]: t for t in fig.data if t.name.endswith("censored")}
    assert censored["M"].marker.symbol == "line-ns-open"
    assert len(censored["M"].x) == 138 - 112 and len(censored["F"].x) == 90 - 53
    assert fig.layout.xaxis2.title.text == "Time (months)"
    assert fig.layout.yaxis.title.text == "Survival probability"


def test_kaplan_meier_empty(lung_ipd, lung_arms):
    fig, stats = _km(lung_ipd, lung_arms, "LUNG", "PFS")
    assert stats == {}
    assert [a.text for a in fig.layout.annotations] == ["No patient-level progression-free survival data for LUNG."]


def _toy_ipd(time, event, arm):
    return pd.DataFrame({"trial_id": "TOY", "arm_id": arm, "endpoint": "OS", "time_months": time, "event": event})


TOY_ARMS = pd.DataFrame(
    {"trial_id": ["TOY", "TOY"], "arm_id": ["E", "C"], "label": ["New", "Standard"], "role": ["experimental", "control"]}
)


def test_kaplan_meier_without_control_events_says_hr_not_estimable():
    ipd = _toy_ipd([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0], list("EEECCC"))
    fig, stats = _km(ipd, TOY_ARMS, "TOY", "OS")
    assert stats["hr"] is None and stats["hr_ci_low"] is None
    assert stats["hr_reason"].startswith("no events in the control arm")
    # Log-rank kept: (O - E)^2 / V = (3 - 1.15)^2 / 0.6775 by hand.
    assert stats["logrank_chi2"] == pytest.approx(3.4225 / 0.6775)
    subtitle = fig.layout.title.subtitle.text
    assert "Log-rank p = 0.025" in subtitle and "Cox HR not estimable: no events in the control arm" in subtitle
    assert not re.search(r"\b(nan|inf|1\.4e-08|e\+0\d)\b", subtitle.lower())


def test_kaplan_meier_without_any_event_has_no_tests():
    fig, stats = _km(_toy_ipd([1, 2, 3, 4], [0, 0, 0, 0], list("EECC")), TOY_ARMS, "TOY", "OS")
    assert stats["logrank_p"] is None and stats["hr"] is None
    assert fig.layout.title.subtitle.text.startswith("Log-rank test not computable: no events in either arm")


def test_kaplan_meier_band_stops_where_survival_reaches_zero_and_notes_single_patients():
    ipd = _toy_ipd([1, 2, 3, 5], [1, 1, 1, 1], ["E", "E", "E", "C"])
    fig, stats = _km(ipd, TOY_ARMS, "TOY", "OS")
    bands = [t for t in fig.data if t.hoverinfo == "skip" and t.legendgroup == "E"]
    assert len(bands) == 2
    for band in bands:
        y = np.asarray([np.nan if v is None else v for v in band.y], dtype=float)
        assert np.nanmax(y) <= 1.0 and not np.isnan(y).any()
        # S = 0 at 3 months: no band of its own (R: NA); the 2-month step runs up to 3 months.
        assert list(band.x)[-1] == 3.0 and y[-1] == y[-2]
    assert stats["arms"]["C"]["median"] == 5.0 and math.isinf(stats["arms"]["C"]["median_ci_low"])
    assert "Standard: a single patient: no confidence interval" in fig.layout.title.subtitle.text
    assert stats["hr"] is None and stats["hr_reason"].startswith("complete separation")


def test_kaplan_meier_median_follows_r_on_a_flat_at_one_half():
    ipd = _toy_ipd([1, 2, 3, 4, 5, 6], [1] * 6, ["E"] * 6)
    fig, stats = _km(ipd, TOY_ARMS, "TOY", "OS")
    assert stats["arms"]["E"]["median"] == 3.5  # R: survfit(Surv(1:6, rep(1, 6)) ~ 1) median 3.5
    curve = next(t for t in fig.data if t.name.startswith("New (n = 6"))
    assert "median 3.5 mo" in curve.name


# ---------------------------------------------------------------- the caveat on the forest


def test_forest_marks_e2100_whole_population_pfs_rows_with_the_papers_caveat(data):
    import html

    import plotly.graph_objects as go

    from evidence.figures.forest import hazard_ratio_forest
    from evidence.tables.forest import forest_rows

    rows = forest_rows(data.comparisons, data.arms, data.trials, "PFS", efficacy=data.efficacy)
    marked = rows[rows.caveat != ""]
    assert list(zip(marked.trial_id, marked.analysis)) == [("E2100", "primary"), ("E2100", "sensitivity")]
    assert marked.caveat.iloc[0].startswith("treatment × time interaction P < 0.001")
    fig = go.Figure(hazard_ratio_forest(rows, "Progression-free survival"))
    ticks = list(fig.layout.yaxis.ticktext)
    assert ticks[1].replace("<br>", " ") == "E2100: Paclitaxel + bevacizumab vs Paclitaxel †"  # wrapped to fit a phone
    assert not ticks[0].endswith("†")  # PASO
    assert not any(t.endswith("†</i></span>") for t in ticks if "subgroup" in t)
    # The caveat is data: written with entities ('P &lt; 0.001'), which plotly draws as 'P < 0.001'.
    # The footnote is wrapped by a character budget (issue 13): read it as one text.
    footnote = html.unescape(fig.layout.annotations[-1].text.replace("<br>", " "))
    assert footnote.endswith(
        "† E2100: treatment × time interaction P < 0.001 (sensitivity: P < 0.001) — hazards not proportional, "
        "the effect changed over time. "
        "† E2100: treatment × age interaction P = 0.04 (sensitivity: P = 0.02) — the effect changed with age."
    )
    # Overall survival: no caveat is documented.
    os_rows = forest_rows(data.comparisons, data.arms, data.trials, "OS", efficacy=data.efficacy)
    assert (os_rows.caveat == "").all()


# ---------------------------------------------------------------- markup in data (issue 14 item 6)


def test_markup_in_an_uploaded_arm_label_is_drawn_as_text(data, lung_ipd, lung_arms):
    from figure_dicts import PHISH, PHISH_ESCAPED, assert_data_markup_escaped

    arms = data.arms.assign(label=data.arms.label.where(data.arms.trial_id + data.arms.arm_id != "E2100P", PHISH))
    curves = model_curves(data.efficacy, data.comparisons, arms, data.trials, "E2100", "OS")
    model = model_based_figure(curves)
    assert_data_markup_escaped(model)
    validated(model)
    curve = next(t for t in _joined(model)["data"] if t["customdata"][0][1] == "P" and "model-based" in t["name"])
    assert curve["name"].startswith(PHISH_ESCAPED) and curve["meta"] == [PHISH_ESCAPED]
    assert curve["hovertemplate"].startswith("<b>%{meta[0]}</b><br>")
    landmark = next(t for t in model["data"] if t["customdata"][0][1] == "P" and "12-month rate" in t["name"])
    assert landmark["meta"] == [PHISH_ESCAPED, "1-year survival"]
    assert any(PHISH in note for note in curves.notes)  # the caption's notes stay plain text (Dash escapes them)

    km = kaplan_meier_figure(kaplan_meier_table(lung_ipd, lung_arms.assign(label=[PHISH, "Female"]), "LUNG", "OS"))
    assert_data_markup_escaped(km)
    drawn = validated(km).layout.yaxis2.ticktext[0]  # wrapped to fit the risk table's margin, each line escaped
    assert re.sub(r"\s|<br>", "", drawn) == re.sub(r"\s", "", PHISH_ESCAPED)


def test_markup_in_a_trial_name_and_caveat_is_escaped_in_titles_and_boxes(data):
    trials = data.trials.assign(acronym=data.trials.acronym.where(data.trials.trial_id != "E2100", "<b>E</b>2100 & co"))
    fig = model_based_figure(model_curves(data.efficacy, data.comparisons, data.arms, trials, "E2100", "PFS"))
    assert _joined(fig)["layout"]["title"]["text"].endswith("— &lt;b&gt;E&lt;/b&gt;2100 &amp; co (no model curve)")
    assert "<b>" not in fig["layout"]["annotations"][0]["text"] and "P &lt; 0.001" in fig["layout"]["annotations"][0]["text"]
    empty = model_based_figure(model_curves(data.efficacy, data.comparisons, data.arms, trials, "E2100", "TTT"))
    assert empty["layout"]["annotations"][0]["text"].startswith("&lt;b&gt;E&lt;/b&gt;2100 &amp; co publishes no median")
