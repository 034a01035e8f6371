"""Curated values checked against the source documents (/work/shared/seeds/*.txt).

Three layers:
1. spot checks of key numbers, each with the document's own wording in a comment;
2. both directions of every hazard ratio (stored experimental vs control; inverted with
   evidence.stats.invert_ratio), and the direction checked against the document's words;
3. a document trace: every non-derived number in the curated tables, as written in the CSV,
   must occur in the text of the document its `source` cites; plus row-by-row cross-checks of
   the tables whose flattened layout can be parsed (E2100 Tables 1 and 2, PASO Tables 2 and 3).
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from evidence.loading import load_dataset
from evidence.stats import invert_ratio
from evidence.summary import summary_text
from seed_text import ALLOW_LIST, TRACE_COLUMNS, number_pattern, rule_for

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "data"
SEEDS_DIR = Path(os.environ.get("SEEDS_DIR", REPO / ".." / "shared" / "seeds"))

needs_seeds = pytest.mark.skipif(
    not SEEDS_DIR.is_dir(),
    reason=f"source documents not found at {SEEDS_DIR} (set SEEDS_DIR to the seeds directory)",
)


def row(frame: pd.DataFrame, **criteria) -> pd.Series:
    """The single row matching criteria; '' matches an empty (missing) cell."""
    mask = pd.Series(True, index=frame.index)
    for column, value in criteria.items():
        cells = frame[column]
        mask &= (cells.isna() if value == "" else cells == value).fillna(False).astype(bool)
    hits = frame[mask]
    assert len(hits) == 1, f"{criteria}: {len(hits)} rows"
    return hits.iloc[0]


def approx(x, rel=1e-9, abs=1e-9):
    return pytest.approx(x, rel=rel, abs=abs)


# ====================================================================== spot checks: PASO


def test_paso_arms_and_roles(data):
    # "paclitaxel (Arm A) versus paclitaxel + sorafenib (Arm B)"
    a = row(data.arms, trial_id="PASO", arm_id="A")
    b = row(data.arms, trial_id="PASO", arm_id="B")
    assert a.role == "control" and "sorafenib" not in a.regimen.lower()
    assert b.role == "experimental" and "sorafenib" in b.regimen.lower() and "paclitaxel" in b.regimen.lower()
    # "The full analysis set (ITT set) ... includes 60 patients, with 30 patients in each treatment
    # arm. The safety set includes 57 patients ..., 29 in Arm A and 28 in Arm B."
    assert (a.n_efficacy, a.n_safety, b.n_efficacy, b.n_safety) == (30, 29, 30, 28)


def test_paso_pfs_medians(data):
    # "Median PFS was 6.6 months (95% CI: 5.1 to 9.0) in Arm A and 5.6 months (95% CI: 3.8 to 6.5)
    # in Arm B"; Table 2: "6.6 (5.1–9.0)  5.6 (3.8–6.5)"
    a = row(data.efficacy, trial_id="PASO", arm_id="A", endpoint="PFS")
    b = row(data.efficacy, trial_id="PASO", arm_id="B", endpoint="PFS")
    assert (a.value, a.ci_low, a.ci_high, a.unit) == (6.6, 5.1, 9.0, "months")
    assert (b.value, b.ci_low, b.ci_high, b.unit) == (5.6, 3.8, 6.5, "months")
    # "Disease progression or death was documented for 23 patients (76.7%) in Arm A and for 27
    # patients (90.0%) in Arm B."
    assert (a["count"], a.n_analysed, b["count"], b.n_analysed) == (23, 30, 27, 30)
    assert a.analysis == b.analysis == "primary"


def test_paso_pfs_hazard_ratio(data):
    # "statistically significant (hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test
    # P = 0.041). Contrary to the hypothesis, the treatment effect was in favor of paclitaxel
    # monotherapy." Table 2: "1.80  0.041". Stored as Arm B (experimental) versus Arm A (control).
    hr = row(data.comparisons, trial_id="PASO", endpoint="PFS")
    assert (hr.statistic, hr.experimental_arm, hr.control_arm) == ("HR", "B", "A")
    assert (hr.value, hr.ci_low, hr.ci_high) == (1.80, 1.02, 3.20)
    assert hr.p_value == 0.041 and hr.p_text == "0.041"
    assert hr.test == "log-rank" and hr.analysis == "primary"


@pytest.mark.parametrize(
    ("endpoint", "value", "low", "high", "p_text"),
    [
        # "The exploratory test for a treatment effect on OS was significant (hazard ratio 2.01,
        # 95% CI: 1.11 to 3.64; P = 0.018)"
        ("OS", 2.01, 1.11, 3.64, "0.018"),
        # "treatment effect on TTP was significant (hazard ratio 1.98, 95% CI: 1.06 to 3.71;
        # P = 0.030)"
        ("TTP", 1.98, 1.06, 3.71, "0.030"),
        # "treatment effect on TTT was not significant (hazard ratio 1.38, 95% CI: 0.72 to 2.63;
        # P = 0.334)"
        ("TTT", 1.38, 0.72, 2.63, "0.334"),
    ],
)
def test_paso_secondary_hazard_ratios(data, endpoint, value, low, high, p_text):
    hr = row(data.comparisons, trial_id="PASO", endpoint=endpoint)
    assert (hr.experimental_arm, hr.control_arm, hr.statistic) == ("B", "A", "HR")
    assert (hr.value, hr.ci_low, hr.ci_high, hr.p_text) == (value, low, high, p_text)
    assert hr.p_value == float(p_text)


def test_paso_secondary_medians(data):
    # "Median OS was 20.7 months (95% CI: 16.4 to 26.7) ... and 12.1 months (95% CI: 5.8 to 20.4)"
    # "Median TTP was 6.6 months (95% CI: 5.1 to 9.0) in Arm A and 5.3 months (95% CI: 3.8 to 6.5)"
    # Table 2 TTT: "7.4 (6.1–10.4)  7.0 (5.8–10.3)"
    expected = {
        ("A", "OS"): (20.7, 16.4, 26.7), ("B", "OS"): (12.1, 5.8, 20.4),
        ("A", "TTP"): (6.6, 5.1, 9.0), ("B", "TTP"): (5.3, 3.8, 6.5),
        ("A", "TTT"): (7.4, 6.1, 10.4), ("B", "TTT"): (7.0, 5.8, 10.3),
    }
    for (arm, endpoint), triple in expected.items():
        r = row(data.efficacy, trial_id="PASO", arm_id=arm, endpoint=endpoint)
        assert (r.value, r.ci_low, r.ci_high) == triple, (arm, endpoint)


def test_paso_response_rates(data):
    # Table 2: "Clinical control rate 28 (93.3) (77.6–99.2)  21 (70.0) (52.0–83.5)  0.020"
    #          "Overall response rate 13 (43.3) (27.4–60.8)  12 (40) (24.6–57.7)  0.793"
    expected = {
        ("A", "CCR"): (93.3, 77.6, 99.2, 28), ("B", "CCR"): (70.0, 52.0, 83.5, 21),
        ("A", "ORR"): (43.3, 27.4, 60.8, 13), ("B", "ORR"): (40.0, 24.6, 57.7, 12),
    }
    for (arm, endpoint), (value, low, high, count) in expected.items():
        r = row(data.efficacy, trial_id="PASO", arm_id=arm, endpoint=endpoint)
        assert (r.value, r.ci_low, r.ci_high, r["count"], r.n_analysed) == (value, low, high, count, 30)
        assert r.unit == "percent" and r.statistic == "rate"
    assert row(data.comparisons, trial_id="PASO", endpoint="CCR").p_text == "0.020"
    assert row(data.comparisons, trial_id="PASO", endpoint="ORR").p_text == "0.793"


def test_paso_table3_diarrhea(data):
    # Table 3 (columns: Arm A all grades, Arm A grade 3/4, Arm B all grades, Arm B grade 3/4):
    # "Diarrhea  12 (41.4%)  -  16 (57.1%)  3 (10.7%)"
    ae = data.adverse_events
    a = row(ae, trial_id="PASO", arm_id="A", term_reported="Diarrhea", grade="all")
    b = row(ae, trial_id="PASO", arm_id="B", term_reported="Diarrhea", grade="all")
    assert (a["count"], a.pct, a.n_at_risk) == (12, 41.4, 29)
    assert (b["count"], b.pct, b.n_at_risk) == (16, 57.1, 28)
    a34 = row(ae, trial_id="PASO", arm_id="A", term_reported="Diarrhea", grade="3-4")
    b34 = row(ae, trial_id="PASO", arm_id="B", term_reported="Diarrhea", grade="3-4")
    assert (a34["count"], a34.pct) == (0, 0.0) and "'-'" in a34.source
    assert (b34["count"], b34.pct) == (3, 10.7)
    assert not a.derived and not b.derived


def test_paso_sorafenib_dose_ramp(data):
    # "mean daily dose of 407 mg during cycle 1, 545 mg during cycle and 629 mg during cycle 3"
    # Schedule: "200 mg in the morning and 200 mg in the evening (cycle 1), increased to 200 mg in
    # the morning and 400 mg in the evening (cycle 2) ... 400 mg in the morning and 400 mg in the
    # evening (from cycle 3)"
    dosing = data.dosing[(data.dosing.trial_id == "PASO") & (data.dosing.arm_id == "B")]
    assert list(dosing.cycle) == [1, 2, 3]
    assert list(dosing.delivered_mean_daily_mg) == [407, 545, 629]
    assert list(dosing.planned_daily_mg) == [400, 600, 800]
    assert list(dosing.planned_derived) == [True, True, False]
    assert set(dosing.cycle_days) == {28}


def test_paso_design(data):
    # "a PFS of 4 months was assumed for the control arm ... Improvement by 50% to a median PFS of
    # 6 months ... A total of 110 events were required ... (one-sided test, α = 0.1, 80% power)
    # ... a total of 140 patients were planned to be randomized."
    d = row(data.design, trial_id="PASO")
    assert (d.endpoint, d.assumed_control_median, d.assumed_experimental_median) == ("PFS", 4, 6)
    assert (d.planned_events, d.planned_n) == (110, 140)
    assert (d.alpha, d.sided, d.power) == (0.1, "one", 0.8)
    assert row(data.trials, trial_id="PASO").n_planned == 140


def test_paso_status(data):
    # "It was decided to stop the trial early for futility."
    trial = row(data.trials, trial_id="PASO")
    assert trial.status == "stopped early" and "futility" in trial.stop_reason
    # "Between August 2010 and November 2012, 61 patients were randomly assigned"
    assert trial.n_enrolled == 61


# ====================================================================== spot checks: E2100


def test_e2100_efficacy(data):
    # Abstract: "(median, 11.8 vs. 5.9 months; hazard ratio for progression, 0.60; P<0.001) and
    # increased the objective response rate (36.9% vs. 21.2%, P<0.001) ... (median, 26.7 vs. 25.2
    # months; hazard ratio, 0.88; P = 0.16)"; Results: "the 1-year survival rate (81.2% vs. 73.4%,
    # P = 0.01)". "vs." order is paclitaxel plus bevacizumab (PB) first, paclitaxel (P) second.
    eff = data.efficacy
    expected = {
        ("PFS", "primary"): (11.8, 5.9),
        ("OS", "secondary"): (26.7, 25.2),
        ("ORR", "secondary"): (36.9, 21.2),
        ("OS_12M", "secondary"): (81.2, 73.4),
    }
    for (endpoint, analysis), (pb, p) in expected.items():
        assert row(eff, trial_id="E2100", arm_id="PB", endpoint=endpoint, analysis=analysis).value == pb
        assert row(eff, trial_id="E2100", arm_id="P", endpoint=endpoint, analysis=analysis).value == p
    cmp_ = data.comparisons
    pfs = row(cmp_, trial_id="E2100", endpoint="PFS", analysis="primary")
    assert (pfs.experimental_arm, pfs.control_arm, pfs.value, pfs.p_text) == ("PB", "P", 0.60, "<0.001")
    os_ = row(cmp_, trial_id="E2100", endpoint="OS")
    assert (os_.value, os_.p_value, os_.p_text) == (0.88, 0.16, "0.16")
    assert row(cmp_, trial_id="E2100", endpoint="OS_12M").p_text == "0.01"
    assert row(cmp_, trial_id="E2100", endpoint="ORR", analysis="secondary").p_text == "<0.001"


def test_e2100_arms(data):
    # Figure 1: "368 Were assigned to receive paclitaxel plus bevacizumab / 354 ... paclitaxel";
    # "365 Were treated and analyzed for toxicity / 346"; Table 1: "(N = 347)", "(N = 326)"
    pb = row(data.arms, trial_id="E2100", arm_id="PB")
    p = row(data.arms, trial_id="E2100", arm_id="P")
    assert (pb.role, pb.n_randomized, pb.n_efficacy, pb.n_safety) == ("experimental", 368, 347, 365)
    assert (p.role, p.n_randomized, p.n_efficacy, p.n_safety) == ("control", 354, 326, 346)
    assert "bevacizumab" in pb.regimen and "bevacizumab" not in p.regimen


def test_e2100_table2_hypertension(data):
    # Table 2 (columns: P+B grade 3, grade 4, P grade 3, grade 4, P value):
    # "Hypertension 14.5 0.3 0 0 <0.001"
    ae = data.adverse_events
    g3 = row(ae, trial_id="E2100", arm_id="PB", term_reported="Hypertension", grade="3")
    g4 = row(ae, trial_id="E2100", arm_id="PB", term_reported="Hypertension", grade="4")
    assert (g3.pct, g4.pct, g3.n_at_risk) == (14.5, 0.3, 365)
    assert pd.isna(g3["count"])
    assert row(ae, trial_id="E2100", arm_id="P", term_reported="Hypertension", grade="3").pct == 0
    # Abstract: "Grade 3 or 4 hypertension (14.8% vs. 0.0%, P<0.001)"
    assert row(ae, trial_id="E2100", arm_id="PB", term_reported="hypertension", grade="3-4").pct == 14.8
    assert row(data.comparisons, trial_id="E2100", endpoint="AE_G3_5", term="Hypertension").p_text == "<0.001"


def test_e2100_design(data):
    # "The study design required enrollment of 685 patients to give full information at 546
    # progression-free survival events. The design yielded an 85% power to detect a 33%
    # improvement in median progression-free survival (from 6 months to 8 months)."
    d = row(data.design, trial_id="E2100")
    assert (d.planned_n, d.planned_events) == (685, 546)
    assert (d.assumed_control_median, d.assumed_experimental_median, d.power) == (6, 8, 0.85)
    # "with a one-sided type I error of 2.7%"
    assert (d.alpha, d.sided) == (0.027, "one")
    # "From December 2001 through May 2004, a total of 722 patients were enrolled."
    trial = row(data.trials, trial_id="E2100")
    assert (trial.n_planned, trial.n_enrolled, trial.phase) == (685, 722, "3")


# ====================================================================== spot checks: the others


def test_sor_design(data):
    # "a median PFS of 7.9 months in the placebo group and 12.2 months in the sorafenib group, a
    # total enrollment of 220 patients will result in the attainment of the targeted 120 PFS
    # events"; "an observed HR ≤0.82 would provide evidence ... The false positive error rate
    # (one-sided p-value) associated with an observed HR of 0.82 is 0.14. Under the alternative
    # hypothesis that the true HR is 0.65, an observed HR of 0.82 has a false negative error rate
    # of 0.10."; "this trial has power of 66% to achieve a one-sided p-value <0.025"
    rows = data.design[data.design.trial_id == "SOR"]
    assert len(rows) == 2
    for _, d in rows.iterrows():
        assert (d.assumed_control_median, d.assumed_experimental_median) == (7.9, 12.2)
        assert (d.planned_events, d.planned_n, d.target_hr, d.sided) == (120, 220, 0.65, "one")
    rule = row(data.design, trial_id="SOR", decision_hr=0.82)
    assert (rule.alpha, rule.power) == (0.14, 0.90)
    conventional = row(data.design, trial_id="SOR", decision_hr=0.70)
    assert (conventional.alpha, conventional.power) == (0.025, 0.66)
    # "Arm A: Patients receive sorafenib 400 mg (2 tablets) orally twice daily /
    #  Arm B: Patients receive matching placebo"
    assert row(data.arms, trial_id="SOR", arm_id="A").role == "experimental"
    assert row(data.arms, trial_id="SOR", arm_id="B").role == "control"
    assert row(data.trials, trial_id="SOR").n_planned == 220


def test_renal_cell_single_arm(data):
    # "The tumor burden reduction rate was 30% (95% confidence interval [CI], 17%-45%). ...
    # The median PFS was 4.4 months (95% CI, 3.6-5.9)."
    tbrr = row(data.efficacy, trial_id="MRCC-SORAFENIB", endpoint="TBRR")
    assert (tbrr.value, tbrr.ci_low, tbrr.ci_high, tbrr.unit) == (30, 17, 45, "percent")
    pfs = row(data.efficacy, trial_id="MRCC-SORAFENIB", endpoint="PFS")
    assert (pfs.value, pfs.ci_low, pfs.ci_high, pfs.unit) == (4.4, 3.6, 5.9, "months")
    # "Forty-eight patients were enrolled." — single arm, no comparisons.
    assert row(data.trials, trial_id="MRCC-SORAFENIB").n_enrolled == 48
    assert row(data.arms, trial_id="MRCC-SORAFENIB").role == "single"
    assert (data.comparisons.trial_id == "MRCC-SORAFENIB").sum() == 0
    # "to test the alternative hypothesis that the tumor burden reduction rate was >20% versus <5%"
    d = row(data.design, trial_id="MRCC-SORAFENIB")
    assert (d.endpoint, d.null_rate, d.alternative_rate) == ("TBRR", 5, 20)


def test_renal_cell_population_is_not_stated(data):
    # The abstract gives 30% and 4.4 months without saying of whom; 30% is not k/48 for any whole
    # k (14/48 = 29.2%, 15/48 = 31.3%), so the rows must not claim the 48 enrolled patients.
    assert [k for k in range(49) if round(100 * k / 48) == 30] == []
    rows = data.efficacy[data.efficacy.trial_id == "MRCC-SORAFENIB"]
    assert list(rows.population) == ["population not stated"] * 2
    assert rows.n_analysed.isna().all()
    assert all("does not state the population" in note for note in rows.note)


@needs_seeds
def test_nct00573755_disease_written_out():
    # Record: "Estrogen receptor- and/or progesterone receptor-positive disease"; the abbreviation
    # "ER- and/or PR-positive" read as ER-negative.
    text = _seed("NCT00573755_CTGOV")
    assert "Estrogen Receptor-Positive and/or Progesterone Receptor-Positive" in text
    disease = row(load_dataset(DATA_DIR).trials, trial_id="NCT00573755").disease
    assert disease.startswith("estrogen-receptor-positive and/or progesterone-receptor-positive, ")
    assert "ER-" not in disease and "PR-" not in disease


@needs_seeds
def test_e2100_test_names_cite_methods_statistical_analysis(data):
    # Methods, Statistical Analysis: "stratified with the use of the log-rank test", "Cox
    # proportional-hazards methods, with data stratified", "Both the objective response rate and
    # toxic effects were compared with the use of Fisher's exact test."
    section = _section(_seed("E2100_NEJM2007"), "Statistical Analysis", "R esult s")
    for words in ("stratified with the use of \nthe log-rank test", "Cox proportional-hazards \nmethods, with data stratified",
                  "toxic effects were com-\npared with the use of Fisher’s exact test"):
        assert words in section, words
    named = data.comparisons[(data.comparisons.trial_id == "E2100")
                             & data.comparisons.test.isin(["Fisher's exact test", "stratified log-rank; stratified Cox model"])]
    assert len(named) == 18
    assert named.source.str.endswith("; Methods, Statistical Analysis (test)").all()


def test_nct00573755_terminated(data):
    # "Recruitment Status : Terminated (lack of participant accrual)"; "Actual Enrollment : |
    # 4 participants"
    trial = row(data.trials, trial_id="NCT00573755")
    assert trial.status == "terminated"
    assert trial.n_enrolled == 4
    assert "accrual" in trial.stop_reason and "lack" in trial.stop_reason
    # "no result numbers in this text": nothing but arms, a schedule row and the finding that results
    # were posted on the registry (test_curated_flow_exposure.py).
    for name in ("efficacy", "comparisons", "adverse_events", "baseline", "design", "flow", "exposure", "event_outcomes"):
        assert (data.tables[name].trial_id == "NCT00573755").sum() == 0, name


# ====================================================================== summary counts

# As `python -m evidence summary data` prints them now; the curator checked these counts
# against the documents.
EXPECTED_COUNTS = {
    "sources": 5, "trials": 5, "arms": 9, "efficacy": 28, "comparisons": 33,
    "adverse_events": 251, "dosing": 6, "design": 5, "baseline": 74, "ae_terms": 69,
    "flow": 48, "exposure": 17, "event_outcomes": 4, "findings": 30,
}
EXPECTED_PER_TRIAL = {
    "PASO": {"efficacy": 12, "comparisons": 6, "adverse_events": 107, "dosing": 3, "design": 1, "baseline": 30,
             "flow": 8, "exposure": 11, "findings": 6},
    "SOR": {"dosing": 1, "design": 2},
    # Issue 16: the registry's posted results are a finding (not in the record's text).
    "NCT00573755": {"dosing": 1, "findings": 1},
    "E2100": {"efficacy": 14, "comparisons": 27, "adverse_events": 138, "design": 1, "baseline": 44,
              "flow": 40, "exposure": 6, "event_outcomes": 4, "findings": 17},
    # MRCC: six adverse events named in the abstract without figures (issue 11); its qualitative
    # statements as findings (issue 16 item 8): mild-to-moderate, PPE/mucositis/rash by prior
    # therapy with their P values, no association with prior response, one unconfirmed response.
    "MRCC-SORAFENIB": {"efficacy": 2, "adverse_events": 6, "dosing": 1, "design": 1, "findings": 6},
}


def test_summary_counts(data):
    assert len(data.trials) == 5 and len(data.arms) == 9
    assert data.counts() == EXPECTED_COUNTS
    for trial, expected in EXPECTED_PER_TRIAL.items():
        got = {
            name: int((frame.trial_id == trial).sum())
            for name, frame in data.tables.items()
            if name not in ("trials", "arms", "ae_terms", "sources")
        }
        assert {k: v for k, v in got.items() if v} == expected, trial
    text = summary_text(data)
    assert "5 trials, 9 arms" in text
    assert "rows per table: " + ", ".join(f"{k} {v}" for k, v in EXPECTED_COUNTS.items()) in text
    assert re.search(r"PASO\s+stopped early\s+arms A, B; efficacy 12, comparisons 6, adverse_events 107, "
                     r"dosing 3, design 1, baseline 30", text)
    assert re.search(r"NCT00573755\s+terminated\s+arms I, II; dosing 1, findings 1", text)


# ====================================================================== hazard ratios, both ways


@dataclass(frozen=True)
class HR:
    experimental: str
    control: str
    value: float
    ci: tuple[float, float] | None
    inverse: float  # control vs experimental, 1 / value
    inverse_ci: tuple[float, float] | None
    favours: str  # arm the document says the effect favours ("" when not significant/none)


HAZARD_RATIOS = {
    # PASO: "the treatment effect was statistically significant in favor of paclitaxel
    # monotherapy (hazard ratio 1.80, 95% CI: 1.02 to 3.20)". HR(B vs A) = 1.80 > 1, so
    # HR(A vs B) = 1/1.80 = 0.556 (1/3.20 - 1/1.02 = 0.3125 - 0.980) < 1.
    ("PASO", "PFS", "primary", ""): HR("B", "A", 1.80, (1.02, 3.20), 0.5556, (0.3125, 0.9804), "A"),
    # "indicating a treatment effect on OS in favor of paclitaxel monotherapy" (HR 2.01, 1.11-3.64)
    ("PASO", "OS", "exploratory", ""): HR("B", "A", 2.01, (1.11, 3.64), 0.4975, (0.2747, 0.9009), "A"),
    # "indicating a treatment effect on TTP in favor of paclitaxel monotherapy" (1.98, 1.06-3.71)
    ("PASO", "TTP", "exploratory", ""): HR("B", "A", 1.98, (1.06, 3.71), 0.5051, (0.2695, 0.9434), "A"),
    # "The exploratory test for a treatment effect on TTT was not significant (hazard ratio 1.38,
    # 95% CI: 0.72 to 2.63; P = 0.334)"
    ("PASO", "TTT", "exploratory", ""): HR("B", "A", 1.38, (0.72, 2.63), 0.7246, (0.3802, 1.3889), ""),
    # E2100: "Paclitaxel plus bevacizumab significantly prolonged progression-free survival as
    # compared with paclitaxel alone (median, 11.8 vs. 5.9 months; hazard ratio for progression,
    # 0.60; P<0.001)". HR(PB vs P) = 0.60 < 1; HR(P vs PB) = 1.667.
    ("E2100", "PFS", "primary", ""): HR("PB", "P", 0.60, None, 1.6667, None, "PB"),
    # "the overall survival rate, however, was similar in the two groups (... hazard ratio, 0.88;
    # P = 0.16)"
    ("E2100", "OS", "secondary", ""): HR("PB", "P", 0.88, None, 1.1364, None, ""),
    # "The results were similar to those of our original analysis (12.8 vs. 6.2 months; hazard
    # ratio, 0.61; P<0.001)"
    ("E2100", "PFS", "sensitivity", ""): HR("PB", "P", 0.61, None, 1.6393, None, "PB"),
    # "The addition of bevacizumab prolonged progression-free survival from 3.0 to 12.0 months
    # (hazard ratio, 0.46; P<0.001) in patients who had received taxane-based adjuvant therapy"
    ("E2100", "PFS", "subgroup", "prior taxane-based adjuvant therapy"):
        HR("PB", "P", 0.46, None, 2.1739, None, "PB"),
    # Discussion: "the hazard ratio was more favorable in patients with measurable disease than in
    # those with nonmeasurable disease (0.55 vs. 0.68)"; Fig. 3: "Hazard ratios favor the addition
    # of bevacizumab in all clinically relevant patient subgroups."
    ("E2100", "PFS", "subgroup", "measurable disease"): HR("PB", "P", 0.55, None, 1.8182, None, "PB"),
    ("E2100", "PFS", "subgroup", "nonmeasurable disease"): HR("PB", "P", 0.68, None, 1.4706, None, "PB"),
}


def _hr_rows(data) -> dict[tuple, pd.Series]:
    rows = data.comparisons[data.comparisons.statistic == "HR"]
    return {
        (r.trial_id, r.endpoint, r.analysis, "" if pd.isna(r.subgroup) else r.subgroup): r
        for _, r in rows.iterrows()
    }


def test_every_hazard_ratio_has_an_expected_direction(data):
    assert set(_hr_rows(data)) == set(HAZARD_RATIOS)


@pytest.mark.parametrize("key", list(HAZARD_RATIOS), ids=["/".join(filter(None, k)) for k in HAZARD_RATIOS])
def test_hazard_ratio_both_directions(data, key):
    want = HAZARD_RATIOS[key]
    r = _hr_rows(data)[key]
    roles = {(t, a): role for t, a, role in zip(data.arms.trial_id, data.arms.arm_id, data.arms.role)}
    trial = key[0]
    # Stored direction: experimental versus control.
    assert (r.experimental_arm, r.control_arm) == (want.experimental, want.control)
    assert roles[(trial, r.experimental_arm)] == "experimental"
    assert roles[(trial, r.control_arm)] == "control"
    assert r.value == want.value
    if want.ci is None:
        assert pd.isna(r.ci_low) and pd.isna(r.ci_high)
        with pytest.raises(ValueError):  # no CI printed: invert_ratio refuses a missing limit
            invert_ratio(r.value, r.ci_low, r.ci_high)
        # point estimate only (the limits are passed as the estimate itself)
        inverse, _, _ = invert_ratio(r.value, r.value, r.value)
    else:
        assert (r.ci_low, r.ci_high) == want.ci
        inverse, inv_low, inv_high = invert_ratio(r.value, r.ci_low, r.ci_high)
        assert inv_low == approx(1 / r.ci_high) and inv_high == approx(1 / r.ci_low)
        assert (inv_low, inv_high) == (pytest.approx(want.inverse_ci[0], abs=5e-5),
                                       pytest.approx(want.inverse_ci[1], abs=5e-5))
        assert inv_low < inverse < inv_high
        # Inverting twice gives back the stored experimental-vs-control ratio and CI.
        assert invert_ratio(inverse, inv_low, inv_high) == (approx(r.value), approx(r.ci_low), approx(r.ci_high))
        # Significance does not depend on direction: 1 lies inside both CIs or outside both.
        assert (r.ci_low <= 1 <= r.ci_high) == (inv_low <= 1 <= inv_high)
        assert (r.ci_low <= 1 <= r.ci_high) == (want.favours == "")
    assert inverse == approx(1 / r.value)
    assert inverse == pytest.approx(want.inverse, abs=5e-5)
    # Direction against the document's words: HR(experimental vs control) < 1 favours the
    # experimental arm; > 1 favours the control arm.
    if want.favours == want.experimental:
        assert r.value < 1 < inverse
    elif want.favours == want.control:
        assert r.value > 1 > inverse


def test_hazard_ratio_direction_agrees_with_the_medians(data):
    """Where both arms' medians are stored, the longer median belongs to the favoured arm."""
    eff = data.efficacy
    checked = 0
    for (trial, endpoint, analysis, subgroup), r in _hr_rows(data).items():
        medians = {}
        # PASO labels the OS/TTP/TTT *tests* exploratory while the endpoints are secondary, so
        # only sensitivity and subgroup analyses must match by analysis.
        same = ((eff.analysis == analysis) if analysis in ("sensitivity", "subgroup")
                else eff.analysis.isin(["primary", "secondary", "exploratory"]))
        for arm in (r.experimental_arm, r.control_arm):
            hits = eff[(eff.trial_id == trial) & (eff.arm_id == arm) & (eff.endpoint == endpoint)
                       & same & (eff.subgroup.fillna("") == subgroup) & (eff.statistic == "median")]
            if len(hits) == 1:
                medians[arm] = hits.value.iloc[0]
        if len(medians) == 2:
            checked += 1
            longer_for_experimental = medians[r.experimental_arm] > medians[r.control_arm]
            assert longer_for_experimental == (r.value < 1), (trial, endpoint, analysis, subgroup)
    assert checked == 8  # PASO PFS/OS/TTP/TTT; E2100 PFS, OS, PFS sensitivity, taxane subgroup


# ====================================================================== document trace

# The traced columns, the allow-list of other printed forms and number_pattern live in seed_text.py
# (shared with the passage tests, test_passages.py).

@pytest.mark.parametrize(
    ("raw", "text", "hit"),
    [
        ("6.6", "Median PFS was 6.6 months", True),
        ("6.6", "at 66.6 percent", False),
        ("6.6", "16.6 months", False),
        ("6.6", "6.65", False),
        ("40.0", "12 (40) (24.6–57.7)", True),
        ("40", "40.5", False),
        ("0.60", "hazard ratio for progression, .60;", True),
        ("0.60", "hazard ratio 0.60;", True),
        ("0.60", "hazard ratio 10.60;", False),
        ("<0.001", "P<0.001", True),
        ("<0.001", "P < .001", True),
        ("<0.001", "P = 0.001", False),
        ("30", "30% (95% confidence interval [CI], 17%-45%)", True),
        ("45", "17%-45%", True),
        ("5.1", "(95% CI: 5.1 to 9.0)", True),
        ("9.0", "6.6 (5.1–9.0)", True),
        ("0", "0.3", False),
    ],
)
def test_number_pattern(raw, text, hit):
    assert bool(number_pattern(raw).search(text)) == hit


def _csv_rows(table: str):
    """(line, record) for each row of a bundled CSV, read independently of the data layer."""
    reader = csv.DictReader(io.StringIO((DATA_DIR / f"{table}.csv").read_text(encoding="utf-8"), newline=""))
    line = 2
    for record in reader:
        yield line, record
        line = reader.line_num + 1


def _documents() -> dict[str, str]:
    return {
        r["source_id"]: (SEEDS_DIR / r["document"]).read_text(encoding="utf-8")
        for _, r in _csv_rows("sources")
    }


def _traced_cells():
    """Every number to trace: (table, line, column, raw, source_id, locator)."""
    for table, columns in TRACE_COLUMNS.items():
        for line, r in _csv_rows(table):
            if r.get("derived", "").lower() == "true":
                continue
            source_id, _, locator = (r.get("source") or "").partition(":")
            for column in columns:
                raw = r[column].strip()
                if not raw:
                    continue
                if column == "planned_daily_mg" and r["planned_derived"].lower() == "true":
                    continue
                yield table, line, column, raw, source_id.strip(), locator.strip()


@needs_seeds
def test_every_number_occurs_in_its_cited_document():
    documents = _documents()
    missing, used = [], set()
    cells = list(_traced_cells())
    assert len(cells) > 900
    for table, line, column, raw, source_id, locator in cells:
        assert source_id in documents, (table, line, source_id)
        text = documents[source_id]
        rule = rule_for(table, column, raw, source_id, locator)
        if rule is not None:
            used.add(rule)
            ok = re.search(rule.printed, text) is not None
        else:
            ok = number_pattern(raw).search(text) is not None
        if not ok:
            missing.append(f"{table}.csv line {line} column {column}: {raw!r} not in {source_id} ({locator})")
    assert not missing, "numbers not found in their cited document:\n" + "\n".join(missing)
    assert used == set(ALLOW_LIST), f"allow-list entries never used: {set(ALLOW_LIST) - used}"


@needs_seeds
def test_allow_list_entries_are_needed():
    """Each allow-list entry covers a number that is NOT printed as written in the CSV.

    The PASO zero counts are the exception: a bare '0' occurs all over the text, so those
    entries demand the specific printed form ('-' cell, 'No grade 4 events') instead."""
    documents = _documents()
    for p in ALLOW_LIST:
        if p.raw == "0":
            continue
        assert not number_pattern(p.raw).search(documents[p.source_id]), p


# ====================================================================== table cross-checks


def _section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i: text.index(end, i)]


def _seed(source_id: str) -> str:
    return _documents()[source_id]


@needs_seeds
def test_e2100_table2_row_by_row(data):
    """Every Table 2 row: P+B grade 3, grade 4, P grade 3, grade 4 (percent), and the P value."""
    table = _section(_seed("E2100_NEJM2007"), "Table 2. Treatment-Related Toxic Effects", "*\tToxic effects")
    pattern = re.compile(r"^(?P<label>[A-Z][A-Za-z ]+?) (?P<v>\d+(?:\.\d)?(?: \d+(?:\.\d)?){3})(?: (?P<p><?0\.\d+))?$",
                         re.M)
    rows = {m["label"]: (m["v"].split(), m["p"]) for m in pattern.finditer(table)}
    assert len(rows) == 23
    ae = data.adverse_events
    raw = data.raw["adverse_events"]
    for label, (values, p_text) in rows.items():
        for (arm, grade), printed in zip([("PB", "3"), ("PB", "4"), ("P", "3"), ("P", "4")], values):
            r = row(ae, trial_id="E2100", arm_id=arm, term_reported=label, grade=grade)
            assert raw.loc[r.name, "pct"] == printed, (label, arm, grade)
            assert r.source == "E2100_NEJM2007: Table 2" and not r.derived
        term = row(data.ae_terms, trial_id="E2100", term_reported=label).term
        stored = data.comparisons[(data.comparisons.trial_id == "E2100")
                                  & (data.comparisons.endpoint == "AE_G3_5") & (data.comparisons.term == term)]
        if p_text is None:
            assert stored.empty, label
        else:
            assert list(stored.p_text) == [p_text], label
    table2_rows = ae[(ae.trial_id == "E2100") & (ae.source == "E2100_NEJM2007: Table 2")]
    assert len(table2_rows) == 23 * 4


@needs_seeds
def test_e2100_grade_3_4_bands_from_table2_patient_counts(data):
    """Every E2100 grade 3-4 band, derived or printed, against Table 2 read from the document:
    patients per grade = tenths × N / 1000 rounded (whole-number arithmetic, independent of the
    code), summed; percent = 1000 × count / N tenths rounded half up. Table 2 gives each patient's
    worst grade (footnote), so the grades add."""
    table = _section(_seed("E2100_NEJM2007"), "Table 2. Treatment-Related Toxic Effects", "*\tToxic effects")
    pattern = re.compile(r"^(?P<label>[A-Z][A-Za-z ]+?) (?P<v>\d+(?:\.\d)?(?: \d+(?:\.\d)?){3})(?: <?0\.\d+)?$", re.M)
    assert "The worst \ngrade considered at least possibly related to treatment is given" in _seed("E2100_NEJM2007")
    ae, raw = data.adverse_events, data.raw["adverse_events"]
    checked = 0
    for m in pattern.finditer(table):
        tenths = [round(float(v) * 10) for v in m["v"].split()]
        term = row(data.ae_terms, trial_id="E2100", term_reported=m["label"]).term
        for arm, n, (g3, g4) in (("PB", 365, tenths[:2]), ("P", 346, tenths[2:])):
            count = sum((t * n + 500) // 1000 for t in (g3, g4))
            pct_tenths = (2000 * count + n) // (2 * n)  # round half up of 1000 × count / n
            band = row(ae, trial_id="E2100", arm_id=arm, term=term, grade="3-4")
            checked += 1
            if (term, arm) == ("Fatigue", "PB"):
                # Results text prints 8.5%; Table 2's 8.8% and 0.3% are 32 + 1 = 33 of 365 = 9.0%:
                # a documented discrepancy.
                assert (count, pct_tenths, raw.loc[band.name, "pct"]) == (33, 90, "8.5") and band.discrepancy
                continue
            assert raw.loc[band.name, "pct"] == f"{pct_tenths // 10}.{pct_tenths % 10}", (term, arm)
            if band.derived:
                assert band["count"] == count, (term, arm)
                assert band.source == "E2100_NEJM2007: Table 2 (grade 3 + grade 4 patient counts, computed)"
    assert checked == 46


@needs_seeds
def test_paso_table3_row_by_row(data):
    """Every Table 3 row: Arm A all grades, Arm A grade 3/4, Arm B all grades, Arm B grade 3/4."""
    table = _section(_seed("PASO_REPORT"), "Table 3 Adverse events", "modest gains")
    lines = [s.strip() for s in table.splitlines() if s.strip()]
    start = max(i for i, s in enumerate(lines) if s == "Grade 3/4") + 1
    value = re.compile(r"^(\d+) \((\d+\.\d)%\)$|^-$")
    parsed, label, cells = {}, [], []
    for s in lines[start:]:
        if value.match(s):
            cells.append(s)
            if len(cells) == 4:
                parsed[" ".join(label)] = cells
                label, cells = [], []
        else:
            assert not cells, s
            label.append(s)
    assert len(parsed) == 23
    ae = data.adverse_events
    raw = data.raw["adverse_events"]
    for label, cells in parsed.items():
        for (arm, grade, n), printed in zip([("A", "all", 29), ("A", "3-4", 29), ("B", "all", 28), ("B", "3-4", 28)],
                                            cells):
            r = row(ae, trial_id="PASO", arm_id=arm, term_reported=label, grade=grade)
            assert r.source.startswith("PASO_REPORT: Table 3") and r.n_at_risk == n
            if printed == "-":
                assert (r["count"], r.pct) == (0, 0) and "'-'" in r.source, (label, arm, grade)
            else:
                count, pct = value.match(printed).groups()
                assert (str(r["count"]), raw.loc[r.name, "pct"]) == (count, pct), (label, arm, grade)
    table3_rows = ae[(ae.trial_id == "PASO") & ae.source.str.startswith("PASO_REPORT: Table 3")]
    assert len(table3_rows) == 23 * 4


@needs_seeds
def test_paso_table2_row_by_row(data):
    """Table 2: Arm A, Arm B median (95% CI) or n (%) (95% CI), then HR and/or P value."""
    text = _section(_seed("PASO_REPORT"), "Table 2 Investigator assessed", "Table 3 Adverse")
    median = r"(\d+\.\d) \((\d+\.\d)–(\d+\.\d)\)"
    rate = r"(\d+) \((\d+(?:\.\d)?)\) \((\d+\.\d)–(\d+\.\d)\)"
    medians = re.findall(median + r"\s+" + median + r"\s+(\d\.\d\d)\s+(?:(0\.\d{3})|)", text)
    # The flattened table prints the TTT P value (0.334) after the "n(%);(95% CI)" header lines.
    assert [m[:6] + (m[6],) for m in medians] == [
        ("6.6", "5.1", "9.0", "5.6", "3.8", "6.5", "1.80"),
        ("20.7", "16.4", "26.7", "12.1", "5.8", "20.4", "2.01"),
        ("6.6", "5.1", "9.0", "5.3", "3.8", "6.5", "1.98"),
        ("7.4", "6.1", "10.4", "7.0", "5.8", "10.3", "1.38"),
    ]
    raw_eff, raw_cmp = data.raw["efficacy"], data.raw["comparisons"]
    for endpoint, m in zip(("PFS", "OS", "TTP", "TTT"), medians):
        for arm, (value, low, high) in (("A", m[0:3]), ("B", m[3:6])):
            r = row(data.efficacy, trial_id="PASO", arm_id=arm, endpoint=endpoint)
            assert tuple(raw_eff.loc[r.name, ["value", "ci_low", "ci_high"]]) == (value, low, high)
        c = row(data.comparisons, trial_id="PASO", endpoint=endpoint)
        assert raw_cmp.loc[c.name, "value"] == m[6]
    assert [p for p in re.findall(r"^(0\.\d{3})$", text, re.M)] == ["0.041", "0.018", "0.030", "0.334", "0.020",
                                                                      "0.793"]
    rates = re.findall(rate + r"\s+" + rate, text)
    assert len(rates) == 2
    for endpoint, m in zip(("CCR", "ORR"), rates):
        for arm, (count, value, low, high) in (("A", m[0:4]), ("B", m[4:8])):
            r = row(data.efficacy, trial_id="PASO", arm_id=arm, endpoint=endpoint)
            assert str(r["count"]) == count
            assert float(raw_eff.loc[r.name, "value"]) == float(value)  # "40" printed, 40.0 stored
            assert tuple(raw_eff.loc[r.name, ["ci_low", "ci_high"]]) == (low, high)


@needs_seeds
def test_e2100_table1_row_by_row(data):
    """Table 1 categorical rows: 'label n (pct) n (pct)' for P+B (N = 347) then P (N = 326)."""
    table = _section(_seed("E2100_NEJM2007"), "Table 1. Demographic", "Median duration of follow-up")
    section, checked = None, 0
    names = {"Estrogen-receptor status", "Progesterone-receptor status", "HER2 status",
             "Previous adjuvant chemotherapy", "Disease-free interval", "Extent of disease",
             "Location of disease", "Disease evaluation"}
    pattern = re.compile(r"^(?P<label>.+?) (\d+) \((\d+\.\d)\) (\d+) \((\d+\.\d)\)$")
    raw = data.raw["baseline"]
    for line in table.splitlines():
        head = line.split(" — ")[0].strip()
        if head in names:
            section = head
            continue
        m = pattern.match(line.strip())
        if not m or section is None:
            continue
        category = m["label"].replace("≤", "<=").replace("≥", ">=").rstrip("†‡")
        for arm, count, pct in (("PB", m[2], m[3]), ("P", m[4], m[5])):
            r = row(data.baseline, trial_id="E2100", arm_id=arm, characteristic=section, category=category)
            assert (str(r["count"]), raw.loc[r.name, "pct"]) == (count, pct), (section, category, arm)
            assert r.n == {"PB": 347, "P": 326}[arm]
            checked += 1
    assert checked == 2 * 20
    # "Years of age — median (range) 56 (29–84) 55 (27–85)"; "Median duration of follow-up — mo 41.6 43.5"
    age_pb = row(data.baseline, trial_id="E2100", arm_id="PB", characteristic="Age (years)")
    age_p = row(data.baseline, trial_id="E2100", arm_id="P", characteristic="Age (years)")
    assert (age_pb["median"], age_pb.range_low, age_pb.range_high) == (56, 29, 84)
    assert (age_p["median"], age_p.range_low, age_p.range_high) == (55, 27, 85)
    follow_up = {r.arm_id: r["median"] for _, r in data.baseline[data.baseline.characteristic == "Follow-up (months)"].iterrows()}
    assert follow_up == {"PB": 41.6, "P": 43.5}


@needs_seeds
def test_e2100_neuropathy_p_value_discrepancy_against_the_document(data):
    text = _seed("E2100_NEJM2007")
    assert "3 or 4 neuropathy (23.6% vs. 17.6%, P\u2009=\u20090.03)" in text  # Results, Toxic Effects (thin spaces)
    assert "Sensory neuropathy 23.0 0.5 17.1 0.6 0.05" in text  # Table 2, grades 3-5 P
    footnote = _section(text, "*\tToxic effects", "grades 3, 4, and 5 combined")
    grade5 = _section(footnote, "The only patients with grade 5 events", "All \nthree events")
    assert "neuropathy" not in grade5 and "ruptured diverticulum" in grade5
    assert "All \nP values are two-sided" in text  # Methods, Statistical Analysis
    band = row(data.adverse_events, trial_id="E2100", arm_id="PB", term="Peripheral sensory neuropathy", grade="3-4")
    assert "P = 0.03" in band.discrepancy and "P = 0.05" in band.discrepancy
    p_values = data.comparisons[(data.comparisons.trial_id == "E2100")
                                & (data.comparisons.term == "Peripheral sensory neuropathy")]
    assert dict(zip(p_values.endpoint, p_values.p_text)) == {"AE_G3_5": "0.05", "AE_G3_4": "0.03"}
    assert all("documented discrepancy" in note for note in p_values.note)
