"""The issue 16 views (evidence.coverage_views): patient flow, exposure and stopping, fatal and
treatment-limiting events, baseline, subgroups and model terms, absolute effects, findings.

Values are asserted against the documents (PASO report, E2100 NEJM 2007) and, for the absolute
effects, against arithmetic done by hand in the docstrings (Altman & Andersen, BMJ 1999;319:1492:
S_e(t) = S_c(t)^HR, NNT = 1 / (S_e - S_c)); never against the code's own output.
"""

from __future__ import annotations

import html
import math
from dataclasses import replace

import pandas as pd
import pytest
from scipy.integrate import quad

from evidence import theme
from evidence.view_registry import VIEWS
from evidence.loading import CuratedData
from evidence.state import ViewState
from evidence.tables.absolute import (
    absolute_effects,
    exponential_control_survival,
    number_needed,
    number_needed_interval,
)
from evidence.tables.baseline import baseline_table, baseline_wide
from evidence.tables.event_outcomes import deaths_by_arm, event_outcome_table
from evidence.tables.exposure import exposure_table
from evidence.tables.findings import findings_table
from evidence.tables.flow import flow_table, population_label
from evidence.tables.subgroups import model_term_table, subgroup_rows, trial_caveats
from figure_dicts import PHISH, PHISH_ESCAPED, strings, validated


def _one(frame: pd.DataFrame, **criteria) -> pd.Series:
    rows = frame
    for column, value in criteria.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (criteria, len(rows))
    return rows.iloc[0]


# ---------------------------------------------------------------- every panel


STATES = [ViewState(), ViewState(endpoint="OS"), ViewState(derived=False), ViewState(trial=("SOR",)),
          ViewState(trial=("E2100",), highlight="E2100")]  # fmt: skip


COVERAGE = ("flow", "exposure", "fatal_events", "baseline", "subgroups", "absolute", "findings")
"""The issue 16 views, as the registry (evidence/view_registry.py) declares them."""


@pytest.mark.parametrize("state", STATES)
def test_every_panel_is_a_valid_plain_figure_with_rows_that_end_in_derived_and_source(data, state):
    for name in COVERAGE:
        result = VIEWS[name].panel(data, state)
        validated(result.figure_json())
        rows = VIEWS[name].table(data, state)
        assert list(rows.columns[-3:]) == ["derived", "source", "passage"], name
        if not rows.empty:
            assert result.caption.startswith("Sources: "), name


def test_each_view_reads_only_its_declared_fields(data):
    """A change to a field a view does not declare leaves its answer as it was (the memo key is
    the declared fields, so a wrong declaration would serve a stale figure)."""
    base = ViewState(endpoint="OS")
    others = dict(grade="all", tox_mode="difference", tox_top=5, ramp_start=200, surv_trial="PASO", pool=True, organ=("x",))
    for name in COVERAGE:
        panel = VIEWS[name].panel
        before = panel.uncached(data, base)
        for field, value in others.items():
            assert field not in VIEWS[name].fields
            after = panel.uncached(data, replace(base, **{field: value}))
            assert after.caption == before.caption and after.figure_json() == before.figure_json(), (name, field)


def test_markup_in_data_is_drawn_as_text_in_every_panel(data):
    tables = dict(data.tables)
    tables["arms"] = tables["arms"].assign(label=[f"{PHISH} {label}" for label in tables["arms"]["label"]])
    tables["trials"] = tables["trials"].assign(acronym=[f"{PHISH} {a}" if isinstance(a, str) else a for a in tables["trials"]["acronym"]])
    tables["findings"] = tables["findings"].assign(finding=[f"{PHISH} {f}" for f in tables["findings"]["finding"]])
    marked = CuratedData(tables=tables, version="markup-" + data.version)
    for name in COVERAGE:
        for state in (ViewState(), ViewState(endpoint="OS")):
            fig = VIEWS[name].panel(marked, state).figure_json()
            texts = list(strings(fig))
            assert not [p for p, t in texts if "<a " in t], name
            assert not [p for p, t in texts if p.endswith("hovertemplate") and "evil.example" in t], name
            if fig["data"]:
                assert any(PHISH_ESCAPED in t for _, t in texts), name


# ---------------------------------------------------------------- 1. patient flow


def test_paso_flow_61_randomised_60_analysed_57_in_the_safety_set(data):
    """PASO Results: '61 patients were randomly assigned'; ITT set 60 (30 per arm); safety set 57
    (29 in Arm A, 28 in Arm B)."""
    table = flow_table(data.flow, data.arms, data.trials)
    paso = table[table.trial_id == "PASO"]
    assert _one(paso, stage="randomised", arm_id="")["count"] == 61
    assert _one(paso, stage="efficacy set", arm_id="")["count"] == 60
    assert _one(paso, stage="safety set", arm_id="A")["count"] == 29
    assert _one(paso, stage="safety set", arm_id="B")["count"] == 28
    label = population_label(data.flow, "PASO", "efficacy", data.arms, data.trials)
    assert "full analysis set (ITT set)" in label and "60 of 61 randomised" in label
    assert "57 of 61 randomised" in population_label(data.flow, "PASO", "safety", data.arms, data.trials)


def test_e2100_flow_ineligible_21_vs_28_never_treated_3_vs_8_with_reasons(data):
    """E2100 Figure 1: 21 (bevacizumab arm) vs 28 ineligible, 3 vs 8 never treated; 5 of the 8
    withdrew consent. Efficacy on 673 eligible (347 + 326), safety on 711 treated (365 + 346)."""
    table = flow_table(data.flow, data.arms, data.trials)
    e2100 = table[(table.trial_id == "E2100") & table.is_total]
    assert _one(e2100, stage="ineligible", arm_id="PB")["count"] == 21
    assert _one(e2100, stage="ineligible", arm_id="P")["count"] == 28
    assert _one(e2100, stage="never treated", arm_id="PB")["count"] == 3
    assert _one(e2100, stage="never treated", arm_id="P")["count"] == 8
    assert population_label(data.flow, "E2100", "efficacy", data.arms, data.trials).endswith(
        "673 of 722 randomised (Paclitaxel + bevacizumab 347, Paclitaxel 326)")
    assert "711 of 722" in population_label(data.flow, "E2100", "safety", data.arms, data.trials)
    assert population_label(data.flow, "SOR", "efficacy", data.arms, data.trials) == ""

    fig = VIEWS["flow"].panel(data, ViewState(trial=("E2100",))).figure_json()
    experimental = next(t for t in fig["data"] if t["name"] == "experimental")
    ticks = fig["layout"]["yaxis"]["ticktext"]
    y_ineligible = fig["layout"]["yaxis"]["tickvals"][ticks.index("E2100 · ineligible")]
    index = experimental["y"].index(y_ineligible)
    assert experimental["x"][index] == 21
    assert "had baseline scans &gt;4 wk before entry: 10" in experimental["hovertext"][index]
    control = next(t for t in fig["data"] if t["name"] == "control")
    y_never = fig["layout"]["yaxis"]["tickvals"][ticks.index("E2100 · never treated")]
    assert "withdrew consent: 5" in control["hovertext"][control["y"].index(y_never)]


# ---------------------------------------------------------------- 2. exposure


def test_exposure_values_as_the_documents_print_them(data):
    """PASO: paclitaxel stopped for adverse events 11 (38%) vs 14 (50%); sorafenib modified in 19
    (67.9%); median cycles 6 vs 4; 550 and 399 planned applications. E2100: paclitaxel stopped
    early 117 (35.9%) vs 178 (51.3%); 5.1 vs 7.1 months; 74 (21.3%) continued bevacizumab."""
    table = exposure_table(data.exposure, data.arms, data.trials)
    stopped = "permanently discontinued due to adverse events"
    assert _one(table, trial_id="PASO", arm_id="A", measure=stopped)["shown"] == "11/29 (38%)"
    assert _one(table, trial_id="PASO", arm_id="B", measure=stopped)["shown"] == "14/28 (50%)"
    assert _one(table, trial_id="PASO", arm_id="B", measure="at least one dose modification")["shown"] == "19/28 (67.9%)"
    cycles = "median number of cycles administered (completed or started)"
    assert [_one(table, trial_id="PASO", arm_id=a, measure=cycles)["shown"] for a in "AB"] == ["6 cycles", "4 cycles"]
    early = "discontinued at least 3 weeks before disease progression"
    assert _one(table, trial_id="E2100", arm_id="P", measure=early)["shown"] == "117/326 (35.9%)"
    assert _one(table, trial_id="E2100", arm_id="PB", measure=early)["shown"] == "178/347 (51.3%)"
    duration = "median duration of paclitaxel treatment"
    assert [_one(table, trial_id="E2100", arm_id=a, measure=duration)["value"] for a in ("P", "PB")] == [5.1, 7.1]
    assert _one(table, trial_id="E2100", measure="continued bevacizumab monotherapy")["shown"] == "74/347 (21.3%)"


def test_the_paso_2_percent_keeps_its_print_and_shows_the_count_based_4_percent(data):
    """PASO prints '2% (n = 22)' of 550 planned applications; 22/550 = 4.0%."""
    table = exposure_table(data.exposure, data.arms, data.trials)
    row = _one(table, trial_id="PASO", arm_id="A", measure="planned applications not administered")
    assert row["pct"] == 2 and row["pct_from_counts"] == 4.0 and row["discrepancy"]
    fig = VIEWS["exposure"].panel(data, ViewState(trial=("PASO",))).figure_json()
    texts = [t for trace in fig["data"] if trace["type"] == "bar" for t in trace["text"]]
    assert "22/550 (2%) †" in texts and "55/399 (13.8%)" in texts


# ---------------------------------------------------------------- 3. fatal events


def test_e2100_grade_5_events_two_versus_one_all_unrelated_and_hypertension_stopped_bevacizumab(data):
    """E2100 Table 2 footnote: grade 5 events in 2 patients with paclitaxel plus bevacizumab
    (ruptured diverticulum; bowel-wall erosion) and 1 with paclitaxel (left ventricular
    dysfunction), all judged unrelated; grade 4 hypertension in one patient stopped bevacizumab."""
    table = event_outcome_table(data.event_outcomes, data.arms, data.trials)
    deaths = deaths_by_arm(table).set_index("arm_id")
    assert deaths.loc["PB", "patients"] == 2 and deaths.loc["P", "patients"] == 1
    assert set(table.loc[table.grade == "5", "attribution"]) == {"unrelated"}
    stop = _one(table, event_reported="grade 4 hypertension")
    assert (stop["outcome"], stop["drug"], stop["patients"]) == ("drug discontinued", "bevacizumab", "1 of 365")
    fig = VIEWS["fatal_events"].panel(data, ViewState()).figure_json()
    cells = fig["data"][0]["cells"]["values"]
    assert cells[2][:3] == ["ruptured diverticulum", "erosion in an area of bowel-wall involvement", "left ventricular dysfunction"]


# ---------------------------------------------------------------- 4. baseline


def test_baseline_side_by_side_with_the_e2100_imbalances(data):
    """E2100 Table 1: viscera 276 (79.5) vs 284 (87.1), P = 0.009; measurable 238 (68.6) vs 254
    (77.9), P = 0.007 (Fisher's exact, two-sided). PASO reports no test."""
    table = baseline_table(data.baseline, data.arms, data.trials, data.findings)
    grid, columns = baseline_wide(table)
    assert columns == [
        "PASO · paclitaxel + sorafenib (N = 30)", "PASO · paclitaxel (N = 30)",
        "E2100 · Paclitaxel + bevacizumab (N = 347)", "E2100 · Paclitaxel (N = 326)", "E2100 · P (as reported)",
    ]  # fmt: skip
    viscera = _one(grid, characteristic="Location of disease", category="Viscera")
    assert (viscera.iloc[4], viscera.iloc[5], viscera.iloc[6]) == ("276 (79.5%)", "284 (87.1%)", "P = 0.009")
    measurable = _one(grid, characteristic="Disease evaluation", category="Measurable")
    assert measurable.iloc[6] == "P = 0.007"
    assert (grid["E2100 · P (as reported)"] != "").sum() == 2
    assert _one(grid, characteristic="ECOG status", category="0").iloc[2] == "19 (61%) ‡"  # 19/30 is 63.3%


# ---------------------------------------------------------------- 5. subgroups and model terms


def test_e2100_subgroup_forest_draws_the_printed_hrs_without_invented_intervals(data):
    """E2100: prior taxane 0.46 (P<0.001), measurable 0.55, nonmeasurable 0.68 (Discussion), no
    CIs in the text; age interaction P = 0.04 (0.02 in the multivariate model)."""
    rows = subgroup_rows(data.comparisons, data.arms, data.trials, "PFS")
    assert set(rows.trial_id) == {"E2100"}
    assert list(rows["value"]) == [0.60, 0.46, 0.55, 0.68]
    assert not rows["has_ci"].any() and rows["ci_low"].isna().all()
    caveats = trial_caveats(data.comparisons, ["E2100"], "PFS")["E2100"]
    assert any(line.startswith("treatment × age interaction P = 0.04 (sensitivity: P = 0.02)") for line in caveats)
    fig = VIEWS["subgroups"].panel(data, ViewState()).figure_json()
    assert all("error_x" not in trace for trace in fig["data"])
    assert fig["data"][0]["marker"]["symbol"] == "circle-open"


def test_e2100_model_terms(data):
    """E2100 final multivariate model: treatment P<0.001, measurable disease P = 0.03, number of
    disease sites P = 0.003, ER status P<0.001, age P = 0.02; interactions with age P = 0.02 and
    time P<0.001."""
    terms = model_term_table(data.comparisons, data.findings, data.trials, ["E2100"], "PFS")
    covariates = dict(zip(terms.loc[terms.kind == "covariate", "term"], terms.loc[terms.kind == "covariate", "p_text"]))
    assert covariates == {
        "treatment assignment": "P < 0.001", "measurable disease": "P = 0.03", "number of disease sites": "P = 0.003",
        "estrogen-receptor status": "P < 0.001", "age (continuous)": "P = 0.02",
    }  # fmt: skip
    interactions = terms[terms.kind == "interaction"]
    assert sorted(zip(interactions.term, interactions.p_text)) == [
        ("treatment × age interaction", "P = 0.02"), ("treatment × age interaction", "P = 0.04"),
        ("treatment × time interaction", "P < 0.001"), ("treatment × time interaction", "P < 0.001"),
    ]  # fmt: skip
    caption = VIEWS["subgroups"].panel(data, ViewState()).caption
    assert "measurable disease P = 0.03" in caption and "smaller subgroups" in caption
    assert VIEWS["subgroups"].panel(data, ViewState(trial=("PASO",))).caption == ""


# ---------------------------------------------------------------- 6. absolute effects


def test_altman_andersen_arithmetic_paso_pfs_at_6_months(data):
    """PASO PFS, control median 6.6 months, HR 1.80 (1.02 to 3.20), by hand:
    S_c(6) = 0.5^(6/6.6) = 0.5^0.90909 = 0.53252
    S_e(6) = 0.53252^1.80 = exp(1.80 × ln 0.53252) = exp(1.80 × −0.63013) = 0.32167
    difference = −0.21085 → NNH = 1/0.21085 = 4.74 → 5 patients
    CI: 0.53252^1.02 = 0.52585 (difference −0.00667, NNH 150); 0.53252^3.20 = 0.13313
    (difference −0.39939, NNH 2.50 → 3)."""
    effects = absolute_effects(data.efficacy, data.comparisons, data.arms, data.trials, ["PASO"], "PFS")
    six = _one(effects.rows, month=6.0)
    assert six["control_pct"] == pytest.approx(53.252, abs=1e-3)
    assert six["experimental_pct"] == pytest.approx(32.167, abs=1e-3)
    assert six["difference_pts"] == pytest.approx(-21.085, abs=1e-3)
    assert (six["nnt_kind"], six["nnt_whole"]) == ("NNH", 5) and six["nnt"] == pytest.approx(4.743, abs=1e-3)
    assert six["difference_high"] == pytest.approx(-0.667, abs=1e-3)
    assert six["difference_low"] == pytest.approx(-39.939, abs=1e-3)
    assert six["nnt_text"] == "NNH 3 to 150"
    assert six["model_based"] and six["derived"] and "S_c(6)" not in six["assumption"]
    assert exponential_control_survival(6.6, 6.6) == pytest.approx(0.5)


def test_a_published_landmark_replaces_the_model_for_the_control_arm(data):
    """E2100 OS: 1-year survival 73.4% (paclitaxel), HR 0.88 (no CI): S_e(12) = 0.734^0.88 =
    exp(0.88 × −0.309246) = 0.76175; difference 2.775 points, NNT 36.04 → 37. The published
    experimental 81.2% is shown beside the model's 76.2%."""
    effects = absolute_effects(data.efficacy, data.comparisons, data.arms, data.trials, ["E2100"], "OS")
    twelve = _one(effects.rows, month=12.0)
    assert twelve["basis"].startswith("published 12-month rate")
    assert twelve["experimental_pct"] == pytest.approx(76.175, abs=1e-3)
    assert (twelve["nnt_kind"], twelve["nnt_whole"]) == ("NNT", 37)
    assert twelve["published_experimental_pct"] == 81.2
    assert twelve["nnt_text"] == "no CI for the HR"
    assert _one(effects.rows, month=6.0)["basis"].startswith("exponential from the control median (25.2")


def test_nothing_where_the_paper_reports_non_proportional_hazards(data):
    """E2100 PFS: treatment × time interaction P < 0.001, so no S_e = S_c^HR and no RMST."""
    effects = absolute_effects(data.efficacy, data.comparisons, data.arms, data.trials, ["E2100"], "PFS")
    assert effects.rows.empty and effects.rmst.empty
    (trial_id, reason), = effects.skipped
    assert trial_id == "E2100" and "treatment × time interaction P < 0.001" in reason
    fig = VIEWS["absolute"].panel(data, ViewState(trial=("E2100",))).figure_json()
    assert not fig["data"] and "not proportional" in fig["layout"]["annotations"][0]["text"].replace("<br>", " ")


def test_the_reason_for_drawing_nothing_cites_the_paper_as_readers_do(data):
    """On screen the reason names the journal (E2100: N Engl J Med 2007;357:2666), never a source id
    or the model's symbols; the default view (PASO drawn, E2100 not) says it in its notes too."""
    fig = VIEWS["absolute"].panel(data, ViewState(trial=("E2100",))).figure_json()
    lines = fig["layout"]["annotations"][0]["text"].split("<br>")
    assert len(lines) > 3 and max(len(html.unescape(line)) for line in lines) <= 40  # wrapped: fits a phone
    said = html.unescape(" ".join(lines))
    assert said == (
        "Not computed for E2100: E2100 reports that hazards were not proportional (treatment × time interaction "
        "P < 0.001; N Engl J Med 2007;357:2666), so no single hazard ratio turns the control arm's survival into "
        "the experimental arm's"
    )
    panel = VIEWS["absolute"].panel(data, ViewState())
    shown = " ".join(" ".join(t.replace("<br>", " ") for _, t in strings(panel.figure_json())).split()) + " " + panel.caption
    assert "N Engl J Med 2007;357:2666), so no single hazard ratio" in html.unescape(shown)
    assert "N Engl J Med 2007;357:2666), so no single hazard ratio" in panel.caption
    assert "E2100_NEJM2007" not in shown.split("Sources:")[0] and "S_c into S_e" not in shown


def test_rmst_under_the_survival_views_curves_against_closed_forms(data):
    """PASO PFS is drawn as one exponential per arm (the Weibull shape 3.58 is implausible), view
    horizon 18 months: RMST = m/ln2 × (1 − 2^(−18/m)): Arm A (6.6) 9.5218 × 0.84902 = 8.0842,
    Arm B (5.6) 8.0791 × 0.89229 = 7.2089; difference −0.875 months.
    PASO OS is Weibull PH: shape k = ln 2.01 / ln(20.7/12.1) = 1.300, S_c(t) = 2^(−(t/20.7)^k),
    S_e = S_c^2.01; RMST to 24 months by numerical quadrature of that closed form."""
    pfs = absolute_effects(data.efficacy, data.comparisons, data.arms, data.trials, ["PASO"], "PFS").rmst.iloc[0]
    assert pfs["horizon"] == 18.0
    assert pfs["rmst_control"] == pytest.approx(6.6 / math.log(2) * (1 - 2 ** (-18 / 6.6)), abs=1e-4)
    assert pfs["rmst_control"] == pytest.approx(8.0842, abs=1e-3)
    assert pfs["rmst_experimental"] == pytest.approx(7.2089, abs=1e-3)
    assert pfs["difference_months"] == pytest.approx(-0.8753, abs=1e-3)

    os_row = absolute_effects(data.efficacy, data.comparisons, data.arms, data.trials, ["PASO"], "OS").rmst.iloc[0]
    k = math.log(2.01) / math.log(20.7 / 12.1)
    control = quad(lambda t: 2.0 ** (-((t / 20.7) ** k)), 0, 24)[0]
    experimental = quad(lambda t: 2.0 ** (-2.01 * (t / 20.7) ** k), 0, 24)[0]
    assert os_row["horizon"] == 24.0 and "Weibull" in os_row["method"]
    assert os_row["rmst_control"] == pytest.approx(control, abs=1e-4)
    assert os_row["rmst_experimental"] == pytest.approx(experimental, abs=1e-4)


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [(0.05, 0.10, "NNT 10 to 20"), (-0.10, -0.05, "NNH 10 to 20"), (-0.05, 0.10, "NNT 10 to ∞ to NNH 20")],
)
def test_nnt_interval_through_infinity(low, high, text):
    """Altman, BMJ 1998;317:1309: a difference CI of −5 to +10 points is 'NNT 10 to ∞ to NNH 20'."""
    assert number_needed_interval(low, high) == text


def test_number_needed_direction():
    assert number_needed(0.25) == (4.0, "NNT") and number_needed(-0.5) == (2.0, "NNH")


def test_absolute_effects_are_hidden_with_derived_values(data):
    panel = VIEWS["absolute"].panel(data, ViewState(derived=False))
    assert not panel.figure_json()["data"] and VIEWS["absolute"].table(data, ViewState(derived=False)).empty


# ---------------------------------------------------------------- 7. findings


def test_findings_list(data):
    """E2100 FACT-B returns 631, 488, 368; 88.8% of 483 deaths from progressive disease; the
    NCT00573755 results posted on 26 March 2014; PASO's lung, thorax and brain metastases."""
    table = findings_table(data.findings, data.arms, data.trials)
    fact_b = table[table.finding == "FACT-B questionnaire completed"]
    assert list(fact_b["numbers"]) == ["631", "488", "368"]
    assert list(fact_b["timepoint"]) == ["baseline", "week 17", "week 33"]
    assert _one(table, trial_id="E2100", count=483)["numbers"] == "88.8 percent of deaths (of 483)"
    assert _one(table, trial_id="NCT00573755")["timepoint"] == "2014-03-26"
    assert table["finding"].str.startswith("Lung, thorax and brain").sum() == 1
    assert list(dict.fromkeys(table.trial_id)) == ["PASO", "NCT00573755", "E2100", "MRCC-SORAFENIB"]  # trials.csv order
    fig = VIEWS["findings"].panel(data, ViewState()).figure_json()
    assert "631" in fig["data"][0]["cells"]["values"][4]


def test_the_findings_table_drawn_by_the_browser_holds_the_figures_cells_and_their_sources(data):
    """The screen draws findings as an HTML table (assets/text_table.js) from `table_data`: the
    same rows, text and column shares as the figure the exports draw, each cell naming the trial
    and source passage of its curated row."""
    view = VIEWS["findings"]
    shown = view.drawn_in_browser(view.panel(data, ViewState()).figure_json())
    table = findings_table(data.findings, data.arms, data.trials)
    assert shown["kind"] == "text" and shown["empty"] == "" and shown["title"] == "Findings stated in words"
    assert [h[0] for h in shown["header"]] == ["Trial", "Topic", "Finding", "When", "Numbers", "Source"]
    assert len(shown["rows"]) == len(table) == 30 and sum(shown["widths"]) == pytest.approx(100, abs=0.1)
    by_finding = {" ".join(r["cells"][2]["lines"]): r["cells"] for r in shown["rows"]}
    fact_b = [r["cells"] for r in shown["rows"] if " ".join(r["cells"][2]["lines"]) == "FACT-B questionnaire completed"]
    assert [c[4]["lines"] for c in fact_b] == [["631"], ["488"], ["368"]] and {c[0]["trial"] for c in fact_b} == {"E2100"}
    paso = by_finding["No effect of the covariates on PFS, neither for previous therapy with bevacizumab nor for therapy line"]
    assert paso[0]["lines"] == ["PASO"] and paso[0]["trial"] == "PASO"
    assert " ".join(paso[0]["hover"]).startswith("source: PASO_REPORT: Results, Efficacy — “There was no effect of the covariates")
    assert shown["footnote"].startswith("As the documents state them")
    assert shown["min_width"] > 700  # the card scrolls sideways below it, as the figure did
    assert view.drawn_in_browser(theme.empty_figure_dict("No findings are curated for the selected trials.")) == {
        "kind": "text", "empty": "No findings are curated for the selected trials."}


# ---------------------------------------------------------------- the population on efficacy and safety figures


def test_every_efficacy_and_safety_caption_names_its_analysis_population(data):
    """PASO Results: ITT set 60 of 61 randomised, safety set 57; E2100 Figure 1: 673 eligible and
    711 treated of 722 randomised."""
    paso = "Analysis population: PASO: full analysis set (ITT set), 60 of 61 randomised"
    for key in ("forest", "medians", "rates", "survival", "absolute"):
        assert paso in VIEWS[key].panel(data, ViewState()).caption, key
    assert "E2100: all eligible patients, 673 of 722 randomised" in VIEWS["forest"].panel(data, ViewState()).caption
    safety = "Safety population: PASO: safety set, 57 of 61 randomised; E2100: all treated patients, 711 of 722 randomised"
    for key in ("toxicity", "exposure"):
        assert safety in VIEWS[key].panel(data, ViewState()).caption, key
    assert "Safety population: PASO: safety set, 57 of 61 randomised" in VIEWS["dosing"].panel(data, ViewState()).caption
    assert "population" not in VIEWS["medians"].panel(data, ViewState(trial=("MRCC-SORAFENIB",))).caption  # none curated


def test_export_rows_carry_each_rows_passage(data):
    """The PASO flow's first row was read from 'Between August 2010 and November 2012, 61 patients
    were randomly assigned to treatment.' (PASO report, Results)."""
    rows = VIEWS["flow"].table(data, ViewState())
    first = rows[(rows.trial_id == "PASO") & (rows.stage == "randomised")].iloc[0]
    assert first["passage"] == "Between August 2010 and November 2012, 61 patients were randomly assigned to treatment."
    for key in ("exposure", "fatal_events", "baseline", "findings"):
        assert (VIEWS[key].table(data, ViewState())["passage"] != "").all(), key


# ---------------------------------------------------------------- the Evidence box


def test_a_clicked_point_gives_its_locator_and_full_passage_as_text(data):
    """The forest's PASO row: 'hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test P = 0.041'
    (PASO report, Results); the hover cuts passages at 160 characters, the box does not."""
    from evidence.clicked_passage import HINT, NO_PASSAGE, evidence_text

    forest = VIEWS["forest"].panel(data, ViewState()).figure_json()
    paso = next(t for t in forest["data"] if t.get("customdata") == [["PASO", ""]])
    text = evidence_text(data, {"points": [{"text": paso["text"][0], "customdata": ["PASO", ""]}]})
    assert text == ("Evidence — PASO_REPORT: Table 2; Results, Efficacy — “The confirmatory test for the effect of "
                    "treatment on PFS was statistically significant (hazard ratio 1.80, 95% CI: 1.02 to 3.20; "
                    "log-rank test P = 0.041).”")
    medians = VIEWS["medians"].panel(data, ViewState()).figure_json()["data"][0]
    long = evidence_text(data, {"points": [{"text": medians["text"][0], "customdata": medians["customdata"][0]}]})
    assert "Median PFS was 6.6 months (95% CI: 5.1 to 9.0) in Arm A and 5.6 months" in long and "…”" not in long
    assert evidence_text(data, None) == HINT
    assert evidence_text(data, {"points": [{"hovertext": "<b>PASO</b><br>computed", "customdata": ["PASO", ""]}]}) == NO_PASSAGE
    marked = {"hovertext": "source: X: Table 1 — “&lt;a href=x&gt;link&lt;/a&gt;”", "customdata": "PASO"}
    assert evidence_text(data, {"points": [marked]}) == "Evidence — X: Table 1 — “<a href=x>link</a>”"  # text, shown as text


def _cell_click(fig: dict, row: int, column: int) -> dict:
    """The clickData assets/keyboard_points.js sends for a table cell: the cell's evidence entry
    (layout.meta.evidence[customdata[row][column]]) as customdata [trial] and hovertext."""
    trial, hover = fig["layout"]["meta"]["evidence"][fig["data"][0]["customdata"][row][column]]
    return {"points": [{"curveNumber": 0, "pointNumber": row, "customdata": [trial], "hovertext": hover}]}


def test_a_clicked_table_row_gives_the_passage_it_was_read_from(data):
    """Tables have no plotly points: each cell names its curated row. E2100 Table 2 footnote (grade 5
    erosion in an area of bowel-wall involvement); Table 1 (viscera 276 (79.5) vs 284 (87.1), with
    footnote † P = 0.009); the FACT-B returns (631) in findings."""
    from evidence.clicked_passage import evidence_text

    fatal = VIEWS["fatal_events"].panel(data, ViewState()).figure_json()
    validated(fatal)
    cells = fatal["data"][0]["cells"]["values"]
    row = cells[2].index("erosion in an area of bowel-wall involvement")
    assert len(set(fatal["data"][0]["customdata"][row])) == 1  # the whole row names one curated row
    said = evidence_text(data, _cell_click(fatal, row, 0))
    # the full passage, found again although the hover wraps it (never at 'paclitaxel-plus-bevacizumab')
    assert said.startswith("Evidence — E2100_NEJM2007: Table 2, footnote — “Paclitaxel plus Bevacizumab (N = 365)")
    assert "one in the paclitaxel-plus-bevacizumab group with erosion in an area of bowel-wall involvement" in said
    assert said.endswith("to be unrelated to therapy.”")

    baseline = VIEWS["baseline"].panel(data, ViewState()).figure_json()
    values = baseline["data"][0]["cells"]["values"]
    viscera = values[1].index("Viscera")
    assert values[4][viscera] == "276 (79.5%)" and values[6][viscera] == "P = 0.009"
    arm = evidence_text(data, _cell_click(baseline, viscera, 4))
    assert arm.startswith("Evidence — E2100_NEJM2007: Table 1 — “") and "Viscera† 276 (79.5) 284 (87.1)" in arm
    test = evidence_text(data, _cell_click(baseline, viscera, 6))
    assert test.startswith("Evidence — E2100_NEJM2007: Table 1, footnote †") and "visceral involvement" in test
    assert values[2][viscera] == "" and evidence_text(data, _cell_click(baseline, viscera, 0)) == arm  # a label cell: the row's first curated cell (PASO reports no viscera)

    findings = VIEWS["findings"].panel(data, ViewState()).figure_json()
    numbers = findings["data"][0]["cells"]["values"][4]
    fact_b = numbers.index("631")
    assert evidence_text(data, _cell_click(findings, fact_b, 2)).count("631") >= 1
