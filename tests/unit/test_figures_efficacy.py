"""Tests for the efficacy tables (evidence.tables) and figures (evidence.figures: forest, medians,
rates, design): real values on each builder's figure dict, read through go.Figure(fig), which
also validates it against plotly's schema; no browser."""

import html
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from evidence import theme
from evidence.figures import design as design_figure
from evidence.figures import forest as forest_figure
from evidence.figures import medians as medians_figure
from evidence.figures import rates as rates_figure
from evidence.tables.design import design_rows
from evidence.tables.forest import forest_rows
from evidence.tables.medians import median_rows, whole_population_median_records, whole_population_medians
from evidence.tables.pooling import pooled_hazard_ratio, pooling
from evidence.tables.rates import rate_rows
from evidence.session import IPD_SOURCE_ID
from evidence.stats import counts_from_percent, proportion_ci

REPO_ROOT = Path(__file__).resolve().parents[2]
Z95 = 1.959963984540054


def plain_figure(fig: dict) -> go.Figure:
    """A builder's figure dict, checked to hold plain JSON types only (no numpy values, no NaN)
    and the house template, then validated against plotly's schema by wrapping it in go.Figure."""

    def walk(value, path):
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value), path
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, float):
            assert math.isfinite(value), f"{path}: {value}"
        else:
            assert value is None or type(value) in (str, int, bool), f"{path}: {type(value).__name__}"

    assert isinstance(fig, dict) and set(fig) == {"data", "layout"}
    walk(fig, "fig")
    assert fig["layout"]["template"] == theme.TEMPLATE
    return go.Figure(fig)


# The builders as the tests below call them: from the tables (as the views do) to a validated figure.


def hazard_ratio_forest(rows, endpoint_label, highlight=None, pooling=None):
    return plain_figure(forest_figure.hazard_ratio_forest(rows, endpoint_label, highlight=highlight, pooling=pooling))


def medians_by_arm(efficacy, arms, trials, endpoint, highlight=None):
    return plain_figure(medians_figure.medians_by_arm(median_rows(efficacy, arms, trials, endpoint), endpoint, highlight))


def rates_by_arm(rows, highlight=None):
    return plain_figure(rates_figure.rates_by_arm(rows, highlight=highlight))


def design_vs_outcome(design, efficacy, trials, arms, highlight=None):
    rows = design_rows(design, efficacy, trials, arms)
    return plain_figure(design_figure.design_vs_outcome(rows, highlight=highlight, recorded=not design.empty))


@pytest.fixture(scope="module")
def pfs_rows(data):
    return forest_rows(data.comparisons, data.arms, data.trials, "PFS", efficacy=data.efficacy)


def _clickable(fig):
    """Traces a user can click (everything except hover-skipped highlight halos)."""
    return [t for t in fig.data if t.hoverinfo != "skip"]


def _points(fig):
    """(trial_id, arm_id, x, y, trace) for every clickable point."""
    found = []
    for trace in _clickable(fig):
        for i, (trial_id, arm_id) in enumerate(trace.customdata):
            found.append((trial_id, arm_id, trace.x[i], trace.y[i], trace, i))
    return found


def _point(fig, trial_id, arm_id=None, name=None):
    matches = [
        p for p in _points(fig)
        if p[0] == trial_id and (arm_id is None or p[1] == arm_id) and (name is None or name in p[4].name)
    ]
    assert len(matches) == 1, f"expected one point for {trial_id}/{arm_id}/{name}, got {len(matches)}"
    return matches[0]


def _annotation_texts(fig):
    return [a.text for a in fig.layout.annotations]


def _shown(text):
    """What a label reads as: markup tags dropped, wrapped lines joined by a space."""
    return html.unescape(re.sub(r"<[^>]+>", "", text.replace("<br>", " ")))


def _row_ticks(fig):
    return [_shown(t) for t in fig.layout.yaxis.ticktext]


def _columns(fig):
    """{header: [cells top to bottom]} of the numeric columns drawn as right-hand y axes."""
    out = {}
    for name in ("yaxis2", "yaxis3"):
        axis = fig.layout[name]
        if axis.ticktext:
            *cells, header = [_shown(t) for t in axis.ticktext]
            out[header] = cells
    return out


def _figure_text(fig):
    """Every annotation, row label and column cell as one string (wrapped lines rejoined)."""
    parts = [_shown(a.text) for a in fig.layout.annotations] + _row_ticks(fig)
    return " ".join(parts + [c for cells in _columns(fig).values() for c in cells])


def _assert_house_style(fig):
    assert fig.layout.template.layout.font.family == theme.FONT_FAMILY
    for trace in _clickable(fig):
        assert trace.customdata is not None, f"trace {trace.name!r} has no customdata"
        assert all(len(row) == 2 for row in trace.customdata)
    assert len(fig.to_json()) < 60_000


# ---------------------------------------------------------------- forest rows


def test_forest_rows_pfs_values_labels_and_order(pfs_rows):
    rows = pfs_rows
    assert list(rows["label"]) == [
        "PASO: paclitaxel + sorafenib vs paclitaxel",
        "E2100: Paclitaxel + bevacizumab vs Paclitaxel",
        "  sensitivity",
        "  subgroup: prior taxane-based adjuvant therapy",
        "  subgroup: measurable disease",
        "  subgroup: nonmeasurable disease",
    ]
    paso = rows.iloc[0]
    assert (paso.trial_id, paso.arm_id, paso.analysis) == ("PASO", "", "primary")
    assert (paso.value, paso.ci_low, paso.ci_high) == (1.80, 1.02, 3.20)
    assert paso.hr_text == "1.80 [1.02–3.20]"
    assert paso.p_text == "0.041" and paso.p_label == "0.041"
    assert paso.n_patients == 60  # 30 + 30 efficacy set
    assert paso.events == 23 + 27  # efficacy.csv PFS counts of both arms
    assert paso.source.startswith("PASO_REPORT: Table 2")
    e2100 = rows.iloc[1]
    assert e2100.value == 0.60 and not e2100.has_ci and math.isnan(e2100.ci_low)
    assert e2100.hr_text == "0.60 [CI NR]"
    assert e2100.p_label == "<0.001"
    assert e2100.n_patients == 347 + 326
    assert pd.isna(e2100.events)  # per-arm PFS events are not in the table
    assert rows.iloc[2].n_patients == 673  # sensitivity: same population
    assert rows.iloc[3:]["n_patients"].isna().all()  # subgroup sizes are not reported
    assert list(rows["p_label"].iloc[4:]) == ["NR", "NR"]


def test_forest_rows_options(data, pfs_rows):
    no_subgroups = forest_rows(data.comparisons, data.arms, data.trials, "PFS", include_subgroups=False)
    assert list(no_subgroups["analysis"]) == ["primary", "primary", "sensitivity"]
    assert no_subgroups["events"].isna().all()  # no efficacy table given -> no event counts
    derived = data.comparisons.copy()
    derived.loc[(derived.trial_id == "E2100") & (derived.analysis == "sensitivity"), "derived"] = True
    hidden = forest_rows(derived, data.arms, data.trials, "PFS", show_derived=False)
    assert "  sensitivity" not in list(hidden["label"])
    assert len(hidden) == len(pfs_rows) - 1
    assert forest_rows(data.comparisons, data.arms, data.trials, "CCR").empty  # p_only rows only


# ---------------------------------------------------------------- pooling


def test_pooled_is_none_with_bundled_data(pfs_rows):
    assert pooled_hazard_ratio(pfs_rows) is None  # only PASO has a CI
    decision = pooling(pfs_rows, requested=True, endpoint_words="progression-free survival (PFS)")
    assert not decision.offered and not decision.drawn
    assert decision.message.startswith("Pooling not offered") and "here only PASO (primary)" in decision.message


def _synthetic_rows():
    return pd.DataFrame(
        {
            "trial_id": ["A", "A", "B", "C", "D"],
            "arm_id": [""] * 5,
            "label": ["A", "  subgroup: x", "B", "C", "D"],
            "analysis": ["primary", "subgroup", "secondary", "primary", "primary"],
            "value": [0.70, 0.20, 0.85, 0.95, 0.50],
            "ci_low": [0.55, 0.10, 0.70, 0.70, np.nan],
            "ci_high": [0.90, 0.40, 1.03, 1.29, np.nan],
            "has_ci": [True, True, True, True, False],
        }
    )


def _hand_dersimonian_laird(values, lows, highs):
    """DerSimonian–Laird written out (log HR, SE from the printed 95% CI)."""
    y = np.log(values)
    se = (np.log(highs) - np.log(lows)) / (2 * Z95)
    w = 1 / se**2
    fixed = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - fixed) ** 2)
    df = len(y) - 1
    tau2 = max(0.0, (q - df) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    w_star = 1 / (se**2 + tau2)
    return np.sum(w_star * y) / np.sum(w_star), math.sqrt(1 / np.sum(w_star)), q, tau2


def test_pooled_hazard_ratio_pools_one_kind_of_analysis_by_hand():
    rows = _synthetic_rows()
    pooled = pooled_hazard_ratio(rows)
    # Main analyses with a CI, one per trial, of one kind: the primary HRs of A and C (B's is
    # secondary, A's subgroup and D without a CI are excluded).
    random, se, q, tau2 = _hand_dersimonian_laird([0.70, 0.95], [0.55, 0.70], [0.90, 1.29])
    assert pooled.k == 2
    assert pooled.estimate == pytest.approx(math.exp(random), rel=1e-9)
    assert pooled.ci_low == pytest.approx(math.exp(random - Z95 * se), rel=1e-9)
    assert pooled.q == pytest.approx(q, rel=1e-9)
    assert pooled.tau2 == pytest.approx(tau2, rel=1e-9)
    assert pooled.i2 == pytest.approx(100 * max(0.0, (q - 1) / q), abs=1e-9)
    decision = pooling(rows, requested=True)
    assert decision.trial_ids == ("A", "C") and decision.analysis == "primary" and decision.left_out == ("B",)


def test_pooling_is_off_unless_requested():
    rows = _synthetic_rows()
    off = pooling(rows, requested=False)
    assert off.offered and off.estimate is None and not off.drawn
    fig = hazard_ratio_forest(_drawable(rows), "Progression-free survival", pooling=off)
    assert not any(t.fill == "toself" for t in fig.data)
    assert not any("Pooled" in t for t in _row_ticks(fig))
    assert hazard_ratio_forest(_drawable(rows), "Progression-free survival").to_json() == fig.to_json()


def test_pooling_needs_two_trials_of_the_same_kind():
    rows = _synthetic_rows()
    assert pooled_hazard_ratio(rows[rows.trial_id.isin(["A", "D"])]) is None  # D has no CI
    assert pooled_hazard_ratio(rows[rows.trial_id.isin(["A", "B"])]) is None  # primary vs secondary
    two_secondary = rows.assign(analysis=["secondary", "subgroup", "secondary", "primary", "primary"])
    assert pooling(two_secondary, True).trial_ids == ("A", "B")  # A and B both secondary
    # A hazard ratio computed from patient data is another kind of comparison than a reported one.
    computed = rows.assign(from_patient_data=[False, False, False, True, False], origin="uploaded")
    decision = pooling(computed, True)
    assert not decision.offered and "same kind of analysis" in decision.message


def test_mixing_curated_and_uploaded_trials_is_said_on_the_pooled_row():
    rows = _synthetic_rows().assign(origin=["curated", "curated", "curated", "uploaded", "curated"])
    decision = pooling(rows, True)
    assert decision.mixes_uploaded
    assert decision.label == "Pooled, random effects (k = 2, primary analyses; mixes curated and uploaded trials)"
    fig = hazard_ratio_forest(_drawable(rows), "Progression-free survival", pooling=decision)
    assert any("mixes curated and uploaded trials" in t for t in _row_ticks(fig))


def test_heterogeneity_above_75_percent_draws_no_pooled_estimate():
    # Two primary HRs far apart with narrow CIs: I² = 100 (Q - 1) / Q is well above 75%.
    rows = pd.DataFrame(
        {"trial_id": ["A", "B"], "arm_id": ["", ""], "label": ["A", "B"], "analysis": ["primary", "primary"],
         "value": [0.50, 1.60], "ci_low": [0.40, 1.30], "ci_high": [0.62, 1.97], "has_ci": [True, True]}
    )  # fmt: skip
    decision = pooling(rows, True)
    _, _, q, tau2 = _hand_dersimonian_laird([0.50, 1.60], [0.40, 1.30], [0.62, 1.97])
    assert decision.estimate.i2 == pytest.approx(100 * (q - 1) / q) and decision.estimate.i2 > 75
    assert decision.too_heterogeneous and not decision.drawn
    assert "not meaningful" not in decision.message and "too much for one average" in decision.message
    fig = hazard_ratio_forest(_drawable(rows), "Progression-free survival", pooling=decision)
    assert not any(t.fill == "toself" for t in fig.data)
    texts = _figure_text(fig)
    assert "not meaningful: I² > 75%" in texts and f"I² {decision.estimate.i2:.0f}%" in texts
    assert any(t.startswith(f"Not pooled (k = 2, τ² {tau2:.3f})") for t in _row_ticks(fig))
    assert fig.layout.yaxis.ticktext[-1].startswith("<b>")


def _drawable(rows):
    return rows.assign(p_label="NR", hr_text="x", n_patients=pd.NA, events=pd.NA, derived=False)


def test_forest_with_pooled_diamond_prediction_interval_and_caveat():
    rows = _synthetic_rows().assign(analysis=["primary", "subgroup", "primary", "primary", "primary"])
    decision = pooling(rows, True)
    pooled = decision.estimate
    assert pooled.k == 3 and decision.drawn and pooled.has_prediction_interval
    fig = hazard_ratio_forest(_drawable(rows), "Progression-free survival", pooling=decision)
    diamond = next(t for t in fig.data if t.fill == "toself")
    assert min(diamond.x) == pytest.approx(pooled.ci_low) and max(diamond.x) == pytest.approx(pooled.ci_high)
    assert pooled.estimate in diamond.x
    interval = next(t for t in fig.data if t.name == "95% prediction interval")
    assert tuple(interval.x) == pytest.approx((pooled.pi_low, pooled.pi_high))
    texts = _figure_text(fig)
    assert "random effects (DerSimonian–Laird) over the primary HRs of A, B, C." in texts
    assert "Few trials: interpret the pooled estimate with caution." in texts
    assert f"I² {pooled.i2:.0f}%" in texts and f"τ² {pooled.tau2:.3f}" in texts
    assert f"{pooled.pi_low:.2f}–{pooled.pi_high:.2f}" in texts and "t, k − 2 df" in texts
    ticks = " ".join(_row_ticks(fig))
    assert "Pooled, random effects (k = 3, primary analyses)" in ticks and "95% prediction interval" in ticks


def test_two_trials_pooled_say_the_prediction_interval_is_undefined():
    decision = pooling(_synthetic_rows(), True)
    assert decision.drawn and decision.estimate.k == 2 and not decision.estimate.has_prediction_interval
    fig = hazard_ratio_forest(_drawable(_synthetic_rows()), "Progression-free survival", pooling=decision)
    texts = _figure_text(fig)
    assert "not defined (k < 3)" in texts and "not defined for fewer than 3 trials" in texts
    assert not any(t.name == "95% prediction interval" for t in fig.data)
    assert "95% prediction interval not defined" in decision.statistics_text


def test_two_rows_of_one_trial_are_told_apart(data):
    """A curated HR and one computed from uploaded patient data (marked derived) for PASO."""
    ipd = pd.DataFrame(
        [dict(trial_id="PASO", endpoint="PFS", experimental_arm="B", control_arm="A", statistic="HR", value=1.5,
              ci_low=0.9, ci_high=2.5, p_value=0.1, p_text="0.100", test="log-rank", analysis="exploratory",
              subgroup="patient-level data", derived=True, origin="uploaded",
              source=f"{IPD_SOURCE_ID}: patient-level data uploaded in this browser (computed here)")]
    )  # fmt: skip
    comparisons = pd.concat([data.comparisons.assign(origin="curated"), ipd], ignore_index=True)
    rows = forest_rows(comparisons, data.arms, data.trials, "PFS", efficacy=data.efficacy)
    paso = rows[rows.trial_id == "PASO"]
    assert list(paso.label) == [
        "PASO — published: paclitaxel + sorafenib vs paclitaxel",
        "PASO — from your patient data: paclitaxel + sorafenib vs paclitaxel",
    ]
    assert list(paso.from_patient_data) == [False, True] and list(paso.derived) == [False, True]
    assert list(rows[rows.trial_id == "E2100"].label)[0] == "E2100: Paclitaxel + bevacizumab vs Paclitaxel"
    # One trial's two rows are never pooled with each other.
    assert not pooling(rows, True).offered


# ---------------------------------------------------------------- forest figure


def test_forest_figure_pfs(pfs_rows):
    fig = hazard_ratio_forest(pfs_rows, "Progression-free survival")
    _assert_house_style(fig)
    assert fig.layout.xaxis.type == "log"
    assert any(
        s.type == "line" and s.x0 == 1 and s.x1 == 1 and s.xref == "x" and s.yref == "paper" for s in fig.layout.shapes
    )
    trial_ids = [p[0] for p in _points(fig)]
    assert sorted(set(trial_ids)) == ["E2100", "PASO"] and len(trial_ids) == len(pfs_rows)
    assert all(p[1] == "" for p in _points(fig))

    trial_id, _, x, y_paso, trace, i = _point(fig, "PASO")
    assert x == 1.80
    assert trace.marker.symbol == "square"
    assert trace.error_x.array[i] == pytest.approx(3.20 - 1.80)
    assert trace.error_x.arrayminus[i] == pytest.approx(1.80 - 1.02)

    e2100 = [p for p in _points(fig) if p[0] == "E2100"]
    main = next(p for p in e2100 if p[2] == 0.60)
    assert main[4].marker.symbol == "square-open"
    assert main[4].error_x.array is None  # no whisker without a CI
    assert "CI not reported" in main[4].text[main[5]]
    assert y_paso > main[3]  # rows top to bottom

    columns = _columns(fig)  # the numeric columns, row by row, beside the plot (issue 13)
    assert columns["HR [95% CI]"] == ["1.80 [1.02–3.20]", "0.60 [CI NR]", "0.61 [CI NR]", "0.46 [CI NR]", "0.55 [CI NR]", "0.68 [CI NR]"]
    assert columns["p"] == ["0.041", "<0.001", "<0.001", "<0.001", "NR", "NR"]
    assert list(fig.layout.yaxis2.tickvals[:-1]) == list(fig.layout.yaxis.tickvals)  # same rows
    texts = _annotation_texts(fig)
    assert "← favours experimental" in texts and "favours control →" in texts
    left = next(a for a in fig.layout.annotations if a.text == "← favours experimental")
    assert left.x == 0 and left.xanchor == "right"  # log axis: x = log10(1)
    assert fig.layout.template.layout.font.family == theme.FONT_FAMILY
    ticks = _row_ticks(fig)
    assert ticks[0] == "PASO: paclitaxel + sorafenib vs paclitaxel"
    # Rows of one trial are told apart and name their trial (issue 13).
    assert ticks[2:] == [
        "E2100 · sensitivity †",
        "E2100 · subgroup: prior taxane-based adjuvant therapy",
        "E2100 · subgroup: measurable disease",
        "E2100 · subgroup: nonmeasurable disease",
    ]
    assert "<i>" in fig.layout.yaxis.ticktext[2]
    assert all(len(_shown(line)) <= forest_figure.LABEL_CHARS for t in fig.layout.yaxis.ticktext for line in t.split("<br>"))


def test_forest_marker_size_and_height(data, pfs_rows):
    fig = hazard_ratio_forest(pfs_rows, "Progression-free survival")
    paso = _point(fig, "PASO")
    e2100 = next(p for p in _points(fig) if p[0] == "E2100" and p[2] == 0.60)
    # Not every sized row has events, so area follows patients analysed: 60 vs 673.
    assert paso[4].marker.size[paso[5]] < e2100[4].marker.size[e2100[5]]
    os_rows = forest_rows(data.comparisons, data.arms, data.trials, "OS", efficacy=data.efficacy)
    assert hazard_ratio_forest(os_rows, "Overall survival").layout.height < fig.layout.height


def test_forest_highlight(pfs_rows):
    fig = hazard_ratio_forest(pfs_rows, "Progression-free survival", highlight="PASO")
    halos = [t for t in fig.data if t.name == "highlighted trial"]
    assert len(halos) == 1
    assert [row[0] for row in halos[0].customdata] == ["PASO"]
    assert halos[0].marker.line.color == theme.HIGHLIGHT_COLOUR
    assert list(halos[0].x) == [1.80]
    assert fig.layout.yaxis.ticktext[0].startswith("<b>")
    plain = hazard_ratio_forest(pfs_rows, "Progression-free survival")
    assert not [t for t in plain.data if t.name == "highlighted trial"]


def test_forest_empty_message(data):
    rows = forest_rows(data.comparisons, data.arms, data.trials, "CCR")
    fig = hazard_ratio_forest(rows, "Clinical control rate")
    assert _annotation_texts(fig) == ["No hazard ratios reported for clinical control rate."]
    assert len(fig.data) == 0


# ---------------------------------------------------------------- medians


def test_medians_by_arm_pfs(data):
    fig = medians_by_arm(data.efficacy, data.arms, data.trials, "PFS")
    _assert_house_style(fig)
    _, _, x, _, trace, i = _point(fig, "PASO", "A")
    assert x == 6.6
    assert trace.error_x.array[i] == pytest.approx(9.0 - 6.6)
    assert trace.error_x.arrayminus[i] == pytest.approx(6.6 - 5.1)
    assert trace.marker.color == theme.ROLE_COLOURS["control"]
    assert _point(fig, "PASO", "B")[4].marker.color == theme.ROLE_COLOURS["experimental"]
    assert _point(fig, "MRCC-SORAFENIB", "SOR")[4].marker.color == theme.ROLE_COLOURS["single"]
    pb = _point(fig, "E2100", "PB")
    assert pb[2] == 11.8  # primary analysis, not the 12.8 sensitivity or 12.0 subgroup median
    assert pb[4].marker.symbol == "circle-open" and pb[4].error_x.array is None
    assert len(_points(fig)) == 5
    assert "PASO · Arm A: paclitaxel" in _row_ticks(fig)
    assert _shown(fig.layout.xaxis.title.text) == "Median progression-free survival (months)"
    columns = _columns(fig)  # beside the plot as right-hand y axes, row by row (issue 13)
    assert columns["Median [95% CI]"] == ["5.6 [3.8–6.5]", "6.6 [5.1–9.0]", "11.8 [CI NR]", "5.9 [CI NR]", "4.4 [3.6–5.9]"]
    assert columns["Events / n"] == ["27 / 30", "23 / 30", "NR / 347", "NR / 326", "NR / NR"]
    # Trials grouped top to bottom in trials.csv order.
    assert _point(fig, "PASO", "A")[3] > _point(fig, "E2100", "PB")[3] > _point(fig, "MRCC-SORAFENIB")[3]


def test_medians_highlight_and_empty(data):
    fig = medians_by_arm(data.efficacy, data.arms, data.trials, "PFS", highlight="E2100")
    halo = next(t for t in fig.data if t.name == "highlighted trial")
    assert sorted(halo.x) == [5.9, 11.8]
    empty = medians_by_arm(data.efficacy, data.arms, data.trials, "CCR")
    assert _annotation_texts(empty) == ["No published medians for clinical control rate."]


# ---------------------------------------------------------------- rates


def test_rate_rows_ci_sources(data):
    rows = rate_rows(data.efficacy, data.arms).set_index(["trial_id", "arm_id", "endpoint"])
    ccr = rows.loc[("PASO", "A", "CCR")]
    assert (ccr.value, ccr.ci_low, ccr.ci_high, ccr.ci_status) == (93.3, 77.6, 99.2, "reported")
    # The printed CI is kept, not replaced by the exact interval from 28/30 (77.9-99.2).
    assert ccr.ci_low != pytest.approx(proportion_ci(28, 30)[0], abs=0.05)

    assert counts_from_percent(36.9, 347) == 128
    orr = rows.loc[("E2100", "PB", "ORR")]
    assert orr["count"] == 128 and orr.count_status == "back-calculated" and orr.ci_status == "derived"
    assert (orr.ci_low, orr.ci_high) == proportion_ci(128, 347)
    assert "count back-calculated from the percentage" in orr.ci_note
    assert "Clopper–Pearson" in orr.ci_note

    landmark = rows.loc[("E2100", "P", "OS_12M")]
    assert landmark.value == 73.4 and landmark.ci_status == "not reported" and math.isnan(landmark.ci_low)
    tbrr = rows.loc[("MRCC-SORAFENIB", "SOR", "TBRR")]
    assert (tbrr.ci_low, tbrr.ci_high, tbrr.ci_status) == (17.0, 45.0, "reported")
    assert 49.2 not in set(rows["value"])  # subgroup rate excluded
    assert len(rows) == 4 + 2 + 2 + 1


def test_rate_rows_count_paths_and_method(data):
    base = data.efficacy[(data.efficacy.trial_id == "PASO") & (data.efficacy.endpoint == "ORR")].copy()
    base[["ci_low", "ci_high"]] = np.nan
    rows = rate_rows(base, data.arms).set_index("arm_id")
    assert (rows.loc["A", "ci_low"], rows.loc["A", "ci_high"]) == proportion_ci(13, 30)
    assert rows.loc["A", "ci_note"] == "derived (Clopper–Pearson exact CI from 13/30)"
    wilson = rate_rows(base, data.arms, ci_method="wilson").set_index("arm_id")
    assert (wilson.loc["B", "ci_low"], wilson.loc["B", "ci_high"]) == proportion_ci(12, 30, method="wilson")
    ambiguous = base.assign(count=pd.array([pd.NA, pd.NA], dtype="Int64"), n_analysed=pd.array([5000, 5000], dtype="Int64"),
                            value=[50.0, 40.0])
    rows = rate_rows(ambiguous, data.arms)
    assert counts_from_percent(50.0, 5000, decimals=0) is None
    assert (rows["ci_status"] == "not reported").all() and rows["ci_low"].isna().all()


def test_rates_by_arm_figure(data):
    fig = rates_by_arm(rate_rows(data.efficacy, data.arms))
    _assert_house_style(fig)
    ccr_traces = [p for p in _points(fig) if p[0] == "PASO" and p[1] == "A" and p[3] == 93.3]
    assert len(ccr_traces) == 1
    _, _, _, y, trace, i = ccr_traces[0]
    assert trace.error_y.array[i] == pytest.approx(99.2 - 93.3)
    assert trace.error_y.arrayminus[i] == pytest.approx(93.3 - 77.6)
    assert trace.marker.symbol == "circle" and trace.marker.color == theme.ROLE_COLOURS["control"]

    orr = next(p for p in _points(fig) if p[0] == "E2100" and p[1] == "PB" and p[3] == 36.9)
    low, high = proportion_ci(128, 347)
    assert orr[4].marker.symbol == theme.DERIVED_SYMBOL
    assert orr[4].marker.color == theme.ROLE_COLOURS["experimental"]
    assert orr[4].error_y.array[orr[5]] == pytest.approx(high - 36.9)
    assert orr[4].error_y.arrayminus[orr[5]] == pytest.approx(36.9 - low)
    assert "derived (Clopper–Pearson exact CI; count back-calculated from the percentage: 128/347)" in orr[4].hovertext[orr[5]]

    landmark = next(p for p in _points(fig) if p[3] == 81.2)
    assert landmark[4].marker.symbol == "circle-open" and landmark[4].error_y.array is None
    assert "CI not reported" in landmark[4].hovertext[landmark[5]]

    assert list(fig.layout.yaxis.range) == [0, 100]
    assert fig.layout.yaxis.title.text == "Patients (%)"
    titles = [a.text.replace("<br>", " ") for a in fig.layout.annotations]  # headings wrapped for narrow panels
    for label in ("Overall response rate", "Clinical control rate", "Tumour burden reduction rate", "1-year survival"):
        assert label in titles
    # panels as wide as the trials they show: overall response holds PASO and E2100 (E2100 NEJM
    # 2007 Table 2 and the PASO report), 1.6 apart, each other panel one trial; x ranges
    # [-1.05, 2.35] and [-1.05, 0.75]: widths 3.4 : 1.8 : 1.8 : 1.8
    widths = [fig.layout[f"xaxis{n}"].domain[1] - fig.layout[f"xaxis{n}"].domain[0] for n in ("", "2", "3", "4")]
    assert list(fig.layout.xaxis.ticktext) == ["PASO", "E2100"]
    assert widths[0] / widths[1] == pytest.approx(3.4 / 1.8) and widths[1] == pytest.approx(widths[3])
    # each arm beside its trial (experimental left, control right): the gap between PASO's
    # control arm and E2100's experimental arm (1.6 − 2 × 0.17) holds a label and a whisker's cap
    assert list(fig.layout.xaxis.tickvals) == [0, 1.6]
    paso_control = next(p for p in _points(fig) if p[0] == "PASO" and p[1] == "A" and p[3] == 43.3)  # PASO ORR, arm A
    assert paso_control[2] == pytest.approx(0.17) and orr[2] == pytest.approx(1.6 - 0.17)
    # room left of the first trial for its experimental arm's label, clear of the y tick labels
    assert fig.layout.xaxis.range[0] == pytest.approx(-1.05)


def test_rates_highlight_and_empty(data):
    fig = rates_by_arm(rate_rows(data.efficacy, data.arms), highlight="PASO")
    halos = [t for t in fig.data if t.name == "highlighted trial"]
    assert halos and all(row[0] == "PASO" for t in halos for row in t.customdata)
    assert _annotation_texts(rates_by_arm(rate_rows(data.efficacy.iloc[0:0], data.arms))) == [
        "No response or landmark rates reported."
    ]


# ---------------------------------------------------------------- design vs outcome


def test_design_vs_outcome(data):
    fig = design_vs_outcome(data.design, data.efficacy, data.trials, data.arms)
    _assert_house_style(fig)
    points = _points(fig)

    def values(trial_id, name):
        return sorted(p[2] for p in points if p[0] == trial_id and name in p[4].name)

    assert values("PASO", "assumed median") == [4.0, 6.0]
    assert values("PASO", "observed median") == [5.6, 6.6]
    assert values("E2100", "assumed median") == [6.0, 8.0]
    assert values("E2100", "observed median") == [5.9, 11.8]
    assert values("SOR", "assumed median") == [7.9, 12.2]  # two scenarios, same medians: one row
    assert values("SOR", "observed median") == []
    assumed = _point(fig, "PASO", "A", name="assumed median")
    assert assumed[4].marker.symbol == "circle-open" and assumed[4].marker.color == theme.ROLE_COLOURS["control"]
    observed = _point(fig, "PASO", "A", name="observed median")
    assert observed[4].marker.symbol == "circle"
    assert observed[4].error_x.array[observed[5]] == pytest.approx(9.0 - 6.6)

    assert values("PASO", "planned patients") == [140] and values("PASO", "actual patients") == [61]
    assert values("E2100", "planned patients") == [685] and values("E2100", "actual patients") == [722]
    assert values("PASO", "planned events") == [110] and values("E2100", "planned events") == [546]
    events = _point(fig, "PASO", name="observed events")
    assert events[2] == 50 and events[4].marker.symbol == theme.DERIVED_SYMBOL
    assert "derived (sum of per-arm counts 23 + 27)" in events[4].hovertext[events[5]]
    assert values("E2100", "observed events") == []  # per-arm counts not in the table: not invented

    assert values("MRCC-SORAFENIB", "null rate") == [5.0]
    assert values("MRCC-SORAFENIB", "alternative rate") == [20.0]
    rate = _point(fig, "MRCC-SORAFENIB", name="observed rate")
    assert rate[2] == 30.0
    assert rate[4].error_x.array[rate[5]] == pytest.approx(15.0)
    assert rate[4].error_x.arrayminus[rate[5]] == pytest.approx(13.0)

    texts = " ".join(_annotation_texts(fig)).replace("<br>", " ")
    assert "no published median progression-free survival" in texts
    assert "per-arm event counts not reported" in texts
    assert fig.layout.xaxis.title.text == "Median time to event (months)"
    assert "NCT00573755" not in [p[0] for p in points]  # no design row


def test_design_highlight_and_empty(data):
    fig = design_vs_outcome(data.design, data.efficacy, data.trials, data.arms, highlight="E2100")
    halos = [t for t in fig.data if t.name == "highlighted trial"]
    assert halos and {row[0] for t in halos for row in t.customdata} == {"E2100"}
    empty = design_vs_outcome(data.design.iloc[0:0], data.efficacy, data.trials, data.arms)
    assert _annotation_texts(empty) == ["No design assumptions recorded."]


def test_design_connectors_and_not_reported_notes(data):
    fig = design_vs_outcome(data.design, data.efficacy, data.trials, data.arms)
    connectors = {(s.xref, s.y0, s.x0, s.x1) for s in fig.layout.shapes}
    assert all(s.y0 == s.y1 and s.layer == "below" for s in fig.layout.shapes)
    # Panel 1 rows top down: PASO assumed 4 vs 6 and observed 6.6 (A) vs 5.6 (B); SOR assumed
    # 7.9 vs 12.2, no observed median; E2100 assumed 6 vs 8, observed 11.8 vs 5.9.
    assert {c for c in connectors if c[0] == "x"} == {
        ("x", 0.0, 4.0, 6.0), ("x", -1.0, 5.6, 6.6), ("x", -2.6, 7.9, 12.2), ("x", -5.2, 6.0, 8.0),
        ("x", -6.2, 5.9, 11.8),
    }
    # Panel 2: PASO planned 140 vs enrolled 61 patients, planned 110 vs 23 + 27 observed events.
    assert ("x2", 0.0, 61.0, 140.0) in connectors and ("x2", -1.0, 50.0, 110.0) in connectors
    # Panel 3: MRCC-SORAFENIB null 5% vs alternative 20% (one row), observed 30% alone on the next.
    assert {c for c in connectors if c[0] == "x3"} == {("x3", 0.0, 5.0, 20.0)}

    notes = {a.text: a for a in fig.layout.annotations if a.text.startswith("<i>")}
    sor = notes["<i>no published median<br>progression-free survival</i>"]  # NOTE_CHARS a line
    assert (sor.xref, sor.y, sor.x, sor.xanchor) == ("x", -3.6, 0.0, "left")  # a row with no marks
    # Value labels of a row's two marks sit apart: the lower's left of it, the higher's right of it.
    patients = {t.name: t for t in fig.data if t.name in ("planned patients", "actual patients")}
    planned = list(patients["planned patients"].x).index(685.0)
    actual = list(patients["actual patients"].x).index(722.0)
    assert patients["planned patients"].textposition[planned] == "top left"
    assert patients["actual patients"].textposition[actual] == "top right"
    # Subplot titles stay the first annotations (they are left-aligned by position).
    assert [a.text for a in fig.layout.annotations[:3]] == [
        "Primary-endpoint medians: design assumption vs observed",
        "Patients and events: planned vs actual",
        "Single-arm rate design: null and alternative rate vs observed",
    ]


def _cloned(tables: dict[str, pd.DataFrame], copies: int) -> dict[str, pd.DataFrame]:
    """The bundled tables plus `copies` clones of every trial under new ids ('PASO' -> 'PASO~1')."""
    out = {}
    for name, frame in tables.items():
        if "trial_id" not in frame.columns:
            out[name] = frame
            continue
        clones = [frame]
        for i in range(1, copies + 1):
            clone = frame.assign(trial_id=frame["trial_id"] + f"~{i}")
            if "acronym" in clone.columns:
                clone["acronym"] = clone["acronym"].where(clone["acronym"].isna(), clone["acronym"] + f"~{i}")
            clones.append(clone)
        out[name] = pd.concat(clones, ignore_index=True)
    return out


def test_design_vs_outcome_keeps_each_trial_apart_when_many(data):
    """Cloned trials repeat the original's marks, connectors and notes exactly (rows looked up per trial)."""
    copies = 4
    tables = _cloned({n: getattr(data, n) for n in ("design", "efficacy", "trials", "arms")}, copies)
    single = design_vs_outcome(data.design, data.efficacy, data.trials, data.arms)
    many = design_vs_outcome(tables["design"], tables["efficacy"], tables["trials"], tables["arms"])

    def marks(fig, suffix=""):
        return sorted(
            (p[0].removesuffix(suffix), p[1], p[4].name, p[2]) for p in _points(fig) if p[0].endswith(suffix)
        )

    for i in range(1, copies + 1):
        assert marks(many, f"~{i}") == marks(single)
    assert len(many.layout.shapes) == (copies + 1) * len(single.layout.shapes)
    notes = sorted(a.text for a in single.layout.annotations if a.text.startswith("<i>"))
    assert sorted(a.text for a in many.layout.annotations if a.text.startswith("<i>")) == sorted(
        notes * (copies + 1)
    )


def test_whole_population_median_records_match_per_trial_lookup(data):
    records = whole_population_median_records(data.efficacy)
    pairs = set(zip(data.efficacy["trial_id"], data.efficacy["endpoint"]))
    assert ("PASO", "PFS") in records and ("SOR", "PFS") not in records  # SOR prints no median
    for trial_id, endpoint in pairs:
        one = whole_population_medians(data.efficacy, trial_id, endpoint)
        found = records.get((trial_id, endpoint), [])
        assert [(r.arm_id, r.value, r.analysis) for r in found] == list(
            zip(one["arm_id"], one["value"], one["analysis"])
        ), (trial_id, endpoint)
    # E2100 reports PFS medians in three analyses: the primary one wins.
    assert [(r.arm_id, r.value) for r in records[("E2100", "PFS")]] == [("PB", 11.8), ("P", 5.9)]
    assert whole_population_median_records(data.efficacy.iloc[0:0]) == {}


def test_figures_package_never_imports_dash():
    code = (
        "import sys, evidence.figures.forest, evidence.figures.medians, evidence.figures.rates, "
        "evidence.figures.design, evidence.figures.survival, evidence.tables.forest; "
        "bad = [m for m in sys.modules if m == 'dash' or m.startswith('dash.')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


# ---------------------------------------------------------------- markup in data (issue 14 item 6)

PHISH = '<a href="https://evil.example/phish">Click for results</a>'
PHISH_SHOWN = '&lt;a href="https://evil.example/phish"&gt;Click for results&lt;/a&gt;'


@pytest.fixture(scope="module")
def marked_up(data, tmp_path_factory):
    """The bundled data plus the upload template's example trial with markup in its experimental
    arm's label and in its acronym, uploaded and read back as a session sees it."""
    from evidence import upload
    from evidence.session import session_data
    from evidence.upload_store import UploadStore, new_id

    files = dict(upload.example_files())
    files["arms"] = files["arms"].replace(b"Arm B: example drug", b'"' + PHISH.replace('"', '""').encode() + b'"')
    files["trials"] = files["trials"].replace(b"EXAMPLE-TRIAL,EXAMPLE,", b"EXAMPLE-TRIAL,<b>X</b>,")
    update = upload.apply_upload(upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in files.items()]), None, data)
    assert update.ok, update.problems
    uploads, owner = UploadStore(tmp_path_factory.mktemp("uploads")), "session:markup"
    session, message = session_data(data, {"session": new_id(), "upload": uploads.put(owner, update.store)}, uploads, owner)
    assert message == ""
    assert PHISH in session.arms.label.iloc[-1] and session.trials.acronym.iloc[-1] == "<b>X</b>"
    return session


def _strings(value) -> list[str]:
    """Every string in a figure dict (text, hover, tick labels, annotations, names ...)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.mark.parametrize("view", ["forest", "medians", "rates", "design"])
@pytest.mark.parametrize("highlight", ["", "EXAMPLE-TRIAL"])
def test_markup_in_uploaded_labels_is_escaped_in_every_efficacy_figure(marked_up, view, highlight):
    """An uploaded arm label with a link and an acronym in bold are drawn as typed, never as a
    link or bold text; the builders' own <b> and <br> still format."""
    from evidence.state import ViewState
    from evidence.view_registry import VIEWS

    fig = VIEWS[view].panel.uncached(marked_up, ViewState(pool=True, highlight=highlight)).figure
    plain_figure(fig)
    text = "\n".join(_strings(fig))
    assert "<a " not in text and "<b>X" not in text and 'phish">' not in text
    assert PHISH_SHOWN in text  # the arm label, shown as typed
    if view != "rates":  # the rates figure names trials by id, not acronym
        assert "&lt;b&gt;X&lt;/b&gt;" in text
    assert "<br>" in text and "<b>" in text
    if view == "medians":
        ticks = fig["layout"]["yaxis"]["ticktext"]
        # Wrapped to fit a phone (issue 13): lines rejoined; each escaped on its own, none split.
        def unwrapped(t):
            return re.sub(r"\s|</b><br><b>|<br>", "", t)

        mine = [unwrapped(t) for t in ticks if "Click" in t]
        expected = f"&lt;b&gt;X&lt;/b&gt; · [uploaded] {PHISH_SHOWN}"
        assert mine == [unwrapped(f"<b>{expected}</b>" if highlight else expected)]
    if view == "forest":
        hover = next(t for trace in fig["data"] for t in trace.get("text") or () if "Click for results" in t)
        assert hover.startswith(
            f"<b>&lt;b&gt;X&lt;/b&gt; — uploaded summary: [uploaded] {PHISH_SHOWN} vs [uploaded] placebo</b> "
            "(EXAMPLE-TRIAL)<br>HR 0.65; 95% CI 0.42–0.99<br>"
        )


def test_data_never_reaches_a_hovertemplate(marked_up):
    """Hover templates are the builders' own ('%{...}' in data would be substituted): data text
    travels in text/hovertext."""
    from evidence.state import ViewState
    from evidence.view_registry import VIEWS

    for view in ("forest", "medians", "rates", "design"):
        fig = VIEWS[view].panel.uncached(marked_up, ViewState(pool=True)).figure
        templates = {trace.get("hovertemplate") for trace in fig["data"]} - {None}
        assert templates <= {"%{text}<extra></extra>", "%{hovertext}<extra></extra>"}, (view, templates)


@pytest.mark.parametrize("query", ["", "?highlight=PASO&grade=all&endpoint=OS"])
def test_no_figure_on_screen_asks_plotly_to_settle_its_margins_by_drawing_it_again(data, query):
    """plotly's automargin and autoshift settle margins by drawing a figure again: about half of
    the forest's drawing time in Chromium (15 of 33 ms a change; flow, exposure and design the
    same). Every builder fixes its margins from its text, measured in the figures' font (the
    browser tests in tests/browser/test_figure_layout.py and test_responsive.py check the drawn
    text stays inside at every width); slides let plotly lay them out (marks.margins_by_plotly)."""
    from evidence.state import parse_query
    from evidence.view_registry import figure_views

    for view in figure_views():
        layout = view.panel(data, parse_query(query)).figure_json()["layout"]
        axes = {k: v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))}
        asked = [k for k, a in axes.items() if a.get("automargin") or a.get("autoshift")]
        assert asked == [], f"{view.key}: {asked}"


@pytest.mark.parametrize("view_key", ["forest", "medians", "subgroups", "absolute"])
def test_dot_plots_hold_their_row_labels_and_text_columns_in_margins_they_fix(data, view_key):
    """The row labels' margin, each text column's offset past the widest text of the one before, and
    the right margin past the last, measured in the figures' font (the browser tests in
    tests/browser/test_figure_layout.py check the drawn text at every width)."""
    from evidence.figures.marks import COLUMN_GAP_PX, ROW_LABEL_PX
    from evidence.state import ViewState
    from evidence.text_measure import markup_width
    from evidence.view_registry import VIEWS

    layout = VIEWS[view_key].panel(data, ViewState()).figure_json()["layout"]
    axes = {k: v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))}
    columns = sorted((k for k, a in axes.items() if a.get("side") == "right"), key=lambda k: int(k[5:] or 1))
    assert len(columns) >= 2
    start = 0.0
    for name in columns:  # each column's text starts clear of the one before
        axis = layout[name]
        assert axis["ticklabelstandoff"] >= start
        end = axis["ticklabelstandoff"] + max(markup_width(t, axis["tickfont"]["size"]) for t in axis["ticktext"])
        start = end + COLUMN_GAP_PX
    assert layout["margin"]["r"] >= end
    assert layout["margin"]["l"] >= 14 + max(markup_width(t, ROW_LABEL_PX) for t in layout["yaxis"]["ticktext"])
    if view_key == "forest":  # PASO's HR and p columns: "1.80 [1.02–3.20]" (PASO report), then "p"
        assert layout[columns[0]]["ticktext"][0] == "1.80 [1.02–3.20]" and layout[columns[1]]["ticktext"][-1] == "<b>p</b>"
