"""Fill the `passage` column of the curated tables from the seed documents (issue 16 item 8).

A curator's tool, run once per curation (`python scripts/curate_passages.py [--write]`): for every
row of every table with a `source`, it builds the passage the row was read from (the flattened
table row with its header, or the sentence(s) of the text), checks that each excerpt occurs in the
cited document (whitespace-normalised) and prints the row's numbers that the passage does not hold,
for review. Without --write it only reports. The seed documents are read from ../shared/seeds.

Table rows are found by parsing the flattened tables; text rows use the excerpts written below,
chosen by reading each row's locator and numbers against the document.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "unit"))

from evidence.contract import PASSAGE_SEPARATOR, TABLES  # noqa: E402
from seed_text import comparable, documents, excerpts, normalise, row_numbers_missing  # noqa: E402

DATA = REPO / "data"
SEEDS = REPO / ".." / "shared" / "seeds"

PASO_T1_HEAD = "Table 1 Patient characteristics at enrolment in Arm A vs. Arm B Arm A Paclitaxel N = 30 Arm B Paclitaxel + Sorafenib N = 30"
PASO_T2_HEAD = "Table 2 Investigator assessed efficacy endpoints in arm A and arm B Endpoint Arm A Arm B Median (95% CI) Median (95% CI) HR P value"
PASO_T3_HEAD = ("Table 3 Adverse events reported in at least 20% of patients of any (safety population)",
                "Arm A (n = 29) Arm B (n = 28) All Grades Grade 3/4 All Grades Grade 3/4")
E2100_T1_HEAD = "Table 1. Demographic and Disease Characteristics of Eligible Patients.* Characteristic Paclitaxel plus Bevacizumab (N = 347) Paclitaxel (N = 326)"
E2100_T2_HEAD = ("Table 2. Treatment-Related Toxic Effects.*",
                 "Paclitaxel plus Bevacizumab (N = 365) Paclitaxel (N = 346) P Value Grade 3 Grade 4 Grade 3 Grade 4 percent")
E2100_T1_N = "Paclitaxel plus Bevacizumab (N = 347) Paclitaxel (N = 326)"
E2100_T2_N = "Paclitaxel plus Bevacizumab (N = 365) Paclitaxel (N = 346)"
PASO_SAFETY_SET = "29 patients in Arm A and 28 patients in Arm B constitute the safety population."
PASO_ITT = "The full analysis set (ITT set), which was used for efficacy analysis includes 60 patients, with 30 patients in each treatment arm."
PASO_ITT_SHORT = "data of 60 patients, 30 patients in each treatment arm."


def csv_rows(table: str) -> tuple[list[str], list[dict[str, str]]]:
    text = (DATA / f"{table}.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


# ---------------------------------------------------------------- flattened tables


def paso_table3_rows(doc: str) -> dict[str, str]:
    """Label -> 'Label c1 c2 c3 c4' of PASO Table 3 (normalised text)."""
    body = doc[doc.index(PASO_T3_HEAD[1]) + len(PASO_T3_HEAD[1]): doc.index("modest gains")]
    cell = r"(?:\d+ \(\d+\.\d%\)|-)"
    return {m["label"].strip(): m[0].strip() for m in re.finditer(rf"(?P<label>[A-Z][A-Za-z ,]+?) (?:{cell} ){{3}}{cell}", body)}


def e2100_table2_rows(doc: str) -> dict[str, str]:
    body = doc[doc.index(E2100_T2_HEAD[1]) + len(E2100_T2_HEAD[1]): doc.index("* Toxic effects are graded")].strip()
    value = r"\d+(?:\.\d)?"
    return {m["label"].strip(): m[0].strip()
            for m in re.finditer(rf"(?P<label>[A-Z][A-Za-z ]+?) {value} {value} {value} {value}(?: <?0\.\d+)?(?= [A-Z]|$)", body)}


def e2100_table1_row(doc: str, characteristic: str, category: str) -> list[str]:
    body = doc[doc.index(E2100_T1_HEAD): doc.index("* Because of rounding")]
    if characteristic == "Age (years)":
        return [E2100_T1_HEAD, re.search(r"Years of age — median \(range\) [\d() –]+?\)(?: [\d() –]+?\))", body)[0]]
    if characteristic == "Follow-up (months)":
        return [E2100_T1_HEAD, "Median duration of follow-up — mo 41.6 43.5"]
    section = re.search(re.escape(characteristic) + r" — no\. \(%\)", body)[0]
    label = category.replace("<=", "≤").replace(">=", "≥")
    row = re.search(re.escape(label) + r"[†‡]? \d+ \(\d+\.\d\) \d+ \(\d+\.\d\)", body[body.index(section):])[0]
    return [E2100_T1_HEAD, section, row]


PASO_T1 = {
    ("Age (years)", "mean (SD)"): ["59.4 (10.4) 59.0 (9.6)", "Age, mean (SD), years"],
    ("ECOG status", "0"): ["0 23 (76%) 19 (61%)", "ECOG status, n (%)"],
    ("ECOG status", "1"): ["I 7 (24%) 11 (39%)", "ECOG status, n (%)"],
    ("Number of metastatic sites", "<2"): ["<2 14 (46.7) 9 (30)", "Number of metastatic sites"],
    ("Number of metastatic sites", ">=2"): [">=2 16 (53.3) 21 (70)", "Number of metastatic sites"],
    ("Hormone receptor status", "ER+ or PR+"): ["ER+ or PR+ 25 (83.3) 24 (80.0)", "Hormone receptor status, n (%)"],
    ("Hormone receptor status", "ER- and PR-"): ["ER- and PR- 5 (16.7) 6 (20.0)", "Hormone receptor status, n (%)"],
    ("Pre-treatment with bevacizumab", "No"): ["Pre-treatment with bevacizumab No 7 (23.3) 8 (26.7)"],
    ("Pre-treatment with bevacizumab", "Yes"): ["Pre-treatment with bevacizumab No 7 (23.3) 8 (26.7) Yes 23 (76.7) 22 (73.3)"],
    ("Line of therapy", "Second-line"): ["Second-line 20 (66.6) 21 (70.0)", "Line of therapy, n (%)"],
    ("Line of therapy", "Third-line"): ["Third-line 10 (33.3) 9 (30.0)", "Line of therapy, n (%)"],
    ("Taxane pretreatment", "No"): ["No 23 (76.7) 20 (66.7) Yes 7 (23.3) 10 (33.3) Line of therapy, n (%) Taxan pretreatment n (%)"],
    ("Taxane pretreatment", "Yes"): ["No 23 (76.7) 20 (66.7) Yes 7 (23.3) 10 (33.3) Line of therapy, n (%) Taxan pretreatment n (%)"],
}


# ---------------------------------------------------------------- text rows, by table and key

P = PASSAGE_SEPARATOR


def _ae(doc_rows, row) -> list[str] | None:
    """adverse_events: table rows from the parsed tables; text rows below."""
    src = row["source"]
    if src.startswith("PASO_REPORT: Table 3"):
        return [*PASO_T3_HEAD, doc_rows["paso_t3"][row["term_reported"]]]
    if src.startswith("E2100_NEJM2007: Table 2"):
        return [*E2100_T2_HEAD, doc_rows["e2100_t2"][row["term_reported"]]]
    return None


AE_TEXT = {
    # PASO Safety results
    ("PASO", "A", "all patients experienced at least 1 AE", "all"): [PASO_SAFETY_SET, "Apart from 1 patient in Arm A, all patients experienced at least 1 AE."],
    ("PASO", "B", "all patients experienced at least 1 AE", "all"): [PASO_SAFETY_SET, "Apart from 1 patient in Arm A, all patients experienced at least 1 AE."],
    ("PASO", "A", "grade 3 events", "3"): [PASO_SAFETY_SET, "In Arm A, 8 patients (28%) experienced grade 3 events."],
    ("PASO", "B", "grade 3 events", "3"): [PASO_SAFETY_SET, "In Arm B, 24 patients (86%) experienced grade 3 events."],
    ("PASO", "A", "grade 4 events", "4"): [PASO_SAFETY_SET, "No grade 4 events were reported in Arm A."],
    ("PASO", "B", "grade 4 events", "4"): [PASO_SAFETY_SET, "Grade 4 events in Arm B were reported for 3 patients (11%)"],
    ("PASO", "A", "peripheral sensory neuropathy", "3"): [PASO_SAFETY_SET, "In Arm A, 8 patients (28%) experienced grade 3 events. Except for peripheral sensory neuropathy in 2 patients (7%)"],
    ("PASO", "B", "leukopenia", "3"): [PASO_SAFETY_SET, "In Arm B, 24 patients (86%) experienced grade 3 events. Of these, the incidence was highest for leukopenia (25%), peripheral sensory neuropathy (14%) and diarrhea (11%)."],
    ("PASO", "B", "peripheral sensory neuropathy", "3"): [PASO_SAFETY_SET, "In Arm B, 24 patients (86%) experienced grade 3 events. Of these, the incidence was highest for leukopenia (25%), peripheral sensory neuropathy (14%) and diarrhea (11%)."],
    ("PASO", "B", "diarrhea", "3"): [PASO_SAFETY_SET, "In Arm B, 24 patients (86%) experienced grade 3 events. Of these, the incidence was highest for leukopenia (25%), peripheral sensory neuropathy (14%) and diarrhea (11%)."],
    **{
        ("PASO", "B", term, "4"): [PASO_SAFETY_SET, "each of the following symptoms was reported in 1 patient (4%): nausea, white blood cell decreased (leukopenia) and thrombocytopenia."]
        for term in ("nausea", "white blood cell decreased (leukopenia)", "thrombocytopenia")
    },
    ("PASO", "B", "hand-foot syndrome", "all"): [PASO_SAFETY_SET, "the incidence of hand-foot syndrome was rather low in Arm B with 14% events of any grade and 7% grade 3 events."],
    ("PASO", "B", "hand-foot syndrome", "3"): [PASO_SAFETY_SET, "the incidence of hand-foot syndrome was rather low in Arm B with 14% events of any grade and 7% grade 3 events."],
    # E2100 Abstract / Results, Toxic Effects
    **{
        ("E2100", arm, "infection", "3-4"): [E2100_T2_N, "Infection was more common in patients receiving paclitaxel plus bevacizumab (9.3% vs. 2.9%, P<0.001)"]
        for arm in ("PB", "P")
    },
    **{
        ("E2100", arm, term, "3-4"): [E2100_T2_N, excerpt]
        for arm in ("PB", "P")
        for term, excerpt in (
            ("fatigue", "infection (9.3% vs. 2.9%, P<0.001) and fatigue (8.5% vs. 4.9%, P = 0.04) were more frequent in the combination group."),
            ("neuropathy", "Grade 3 or 4 neuropathy (23.6% vs. 17.6%, P = 0.03)"),
        )
    },
    **{
        ("E2100", arm, term, "3-4"): [E2100_T2_N, excerpt]
        for arm in ("PB", "P")
        for term, excerpt in (
            ("hypertension", "Grade 3 or 4 hypertension (14.8% vs. 0.0%, P<0.001)"),
            ("proteinuria", "Grade 3 or 4 hypertension (14.8% vs. 0.0%, P<0.001), proteinuria (3.6% vs. 0.0%, P<0.001)"),
            ("headache", "headache (2.2% vs. 0.0%, P = 0.008), and cerebrovascular ischemia (1.9% vs. 0.0%, P = 0.02) were more frequent in patients receiving paclitaxel plus bevacizumab."),
            ("cerebrovascular ischemia", "headache (2.2% vs. 0.0%, P = 0.008), and cerebrovascular ischemia (1.9% vs. 0.0%, P = 0.02) were more frequent in patients receiving paclitaxel plus bevacizumab."),
        )
    },
    # MRCC abstract: words only
    **{
        ("MRCC-SORAFENIB", "SOR", term, "all"): ["Most treatment-related adverse events were of mild-to-moderate intensity, and included fatigue, hypertension, diarrhea, and palmoplantar erythrodysesthesia (PPE)."]
        for term in ("fatigue", "hypertension", "diarrhea", "palmoplantar erythrodysesthesia (PPE)")
    },
    ("MRCC-SORAFENIB", "SOR", "mucositis", "all"): ["Patients previously treated with bevacizumab tended to develop more PPE (P = .03) and mucositis (P = .06)"],
    ("MRCC-SORAFENIB", "SOR", "skin rash", "all"): ["whereas sunitinib-treated patients tended to develop more skin rash (P = .06)."],
}

PASO_PFS = "Disease progression or death was documented for 23 patients (76.7%) in Arm A and for 27 patients (90.0%) in Arm B. Median PFS was 6.6 months (95% CI: 5.1 to 9.0) in Arm A and 5.6 months (95% CI: 3.8 to 6.5) in Arm B"
PASO_OS = "Death was documented for 20 patients (66.7%) in Arm A and for 25 patients (83.3%) in Arm B. Median OS was 20.7 months (95% CI: 16.4 to 26.7) in patients randomized to single-agent paclitaxel and 12.1 months (95% CI: 5.8 to 20.4)"
PASO_TTT = "Next treatment was documented for 27 patients (90.0%) in Arm A and 17 patients (56.7%) in Arm B."
E2100_PFS = "paclitaxel plus bevacizumab significantly prolonged progression-free survival as compared with paclitaxel alone (median, 11.8 vs. 5.9 months; hazard ratio for disease progression, 0.60; P<0.001)"
E2100_OS = "the median overall survival was similar in the group receiving combined therapy and in the group receiving paclitaxel alone (26.7 months and 25.2 months, respectively; hazard ratio, 0.88; P = 0.16)"
E2100_ORR = "The addition of bevacizumab to paclitaxel significantly improved the objective response rate in all eligible patients (36.9% vs. 21.2%, P<0.001) and in the subgroup of patients with measurable disease at baseline (49.2% vs. 25.2%, P<0.001)."
E2100_SENS = "The results were similar to those of our original analysis (12.8 vs. 6.2 months; hazard ratio, 0.61; P<0.001)."
E2100_TAXANE = "The addition of bevacizumab prolonged progression-free survival from 3.0 to 12.0 months (hazard ratio, 0.46; P<0.001) in patients who had received taxanebased adjuvant therapy."
E2100_1Y = "Combined therapy increased the 1-year survival rate (81.2% vs. 73.4%, P = 0.01)"

EFFICACY_TEXT = {
    ("PASO", "PFS"): [PASO_ITT_SHORT, PASO_PFS],
    ("PASO", "OS"): [PASO_ITT_SHORT, PASO_OS],
    ("PASO", "TTP"): [PASO_ITT_SHORT, "Median TTP was 6.6 months (95% CI: 5.1 to 9.0) in Arm A and 5.3 months (95% CI: 3.8 to 6.5) in Arm B."],
    ("PASO", "TTT"): [PASO_ITT_SHORT, PASO_TTT, PASO_T2_HEAD.split(" Median")[0], "7.4 (6.1–10.4) 7.0 (5.8–10.3) 1.38"],
    ("PASO", "CCR"): [PASO_ITT_SHORT, "Clinical control rate 28 (93.3) (77.6–99.2) 21 (70.0) (52.0–83.5) 0.020"],
    ("PASO", "ORR"): [PASO_ITT_SHORT, "Overall response rate 13 (43.3) (27.4–60.8) 12 (40) (24.6–57.7) 0.793"],
    ("E2100", "PFS", "primary"): [E2100_T1_N, E2100_PFS],
    ("E2100", "OS", "secondary"): [E2100_T1_N, E2100_OS],
    ("E2100", "ORR", "secondary"): [E2100_T1_N, E2100_ORR.split(" and in the subgroup")[0]],
    ("E2100", "ORR", "subgroup"): [E2100_ORR],
    ("E2100", "OS_12M", "secondary"): [E2100_T1_N, E2100_1Y],
    ("E2100", "PFS", "sensitivity"): [E2100_T1_N, E2100_SENS],
    ("E2100", "PFS", "subgroup"): [E2100_TAXANE],
    ("MRCC-SORAFENIB", "TBRR"): ["The tumor burden reduction rate was 30% (95% confidence interval [CI], 17%-45%)."],
    ("MRCC-SORAFENIB", "PFS"): ["The median PFS was 4.4 months (95% CI, 3.6-5.9)."],
}

E2100_T2_P = {  # comparisons AE_G3_5: Table 2 rows
}

COMPARISONS_TEXT = {
    ("PASO", "PFS"): ["The confirmatory test for the effect of treatment on PFS was statistically significant (hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test P = 0.041)."],
    ("PASO", "OS"): ["The exploratory test for a treatment effect on OS was significant (hazard ratio 2.01, 95% CI: 1.11 to 3.64; P = 0.018)"],
    ("PASO", "TTP"): ["The exploratory test for a treatment effect on TTP was significant (hazard ratio 1.98, 95% CI: 1.06 to 3.71; P = 0.030)"],
    ("PASO", "TTT"): ["The exploratory test for a treatment effect on TTT was not significant (hazard ratio 1.38, 95% CI: 0.72 to 2.63; P = 0.334)."],
    ("PASO", "CCR"): ["Clinical control rate 28 (93.3) (77.6–99.2) 21 (70.0) (52.0–83.5) 0.020"],
    ("PASO", "ORR"): ["Overall response rate 13 (43.3) (27.4–60.8) 12 (40) (24.6–57.7) 0.793"],
    ("E2100", "PFS", "primary", ""): [E2100_PFS],
    ("E2100", "OS", "secondary", ""): [E2100_OS],
    ("E2100", "PFS", "sensitivity", ""): [E2100_SENS],
    ("E2100", "PFS", "subgroup", "prior taxane-based adjuvant therapy"): [E2100_TAXANE],
    ("E2100", "PFS", "subgroup", "measurable disease"): ["Actually, the hazard ratio was more favorable in patients with measurable disease than in those with nonmeasurable disease (0.55 vs. 0.68)."],
    ("E2100", "PFS", "subgroup", "nonmeasurable disease"): ["Actually, the hazard ratio was more favorable in patients with measurable disease than in those with nonmeasurable disease (0.55 vs. 0.68)."],
    ("E2100", "ORR", "secondary", ""): ["The addition of bevacizumab to paclitaxel significantly improved the objective response rate in all eligible patients (36.9% vs. 21.2%, P<0.001)"],
    ("E2100", "ORR", "subgroup", "measurable disease"): ["and in the subgroup of patients with measurable disease at baseline (49.2% vs. 25.2%, P<0.001)."],
    ("E2100", "OS_12M", "secondary", ""): [E2100_1Y],
    ("E2100", "PFS", "exploratory", "treatment × time interaction"): ["A Cox regression model including treatment (P<0.001) and the interaction between treatment and time (P<0.001) showed that the effect of treatment declined with time."],
    ("E2100", "PFS", "exploratory", "treatment × age interaction"): ["The effect of bevacizumab declined significantly with age treated as a continuous variable (P = 0.04)."],
    ("E2100", "PFS", "sensitivity", "treatment × time interaction"): ["The final model, which satisfied the Cox model assumption, included treatment assignment (P<0.001)", "and the interaction between treatment assignment and time (P<0.001)."],
    ("E2100", "PFS", "sensitivity", "treatment × age interaction"): ["The final model, which satisfied the Cox model assumption, included treatment assignment (P<0.001)", "the interaction between treatment assign ment and age (P = 0.02)"],
    ("E2100", "AE_G3_4", "Peripheral sensory neuropathy"): ["Grade 3 or 4 neuropathy (23.6% vs. 17.6%, P = 0.03)"],
    ("E2100", "AE_G3_4", "Infection"): ["Infection was more common in patients receiving paclitaxel plus bevacizumab (9.3% vs. 2.9%, P<0.001)"],
    ("E2100", "AE_G3_4", "Fatigue"): ["and fatigue (8.5% vs. 4.9%, P = 0.04) were more frequent in the combination group."],
    ("E2100", "AE_G3_4", "Hypertension"): ["Grade 3 or 4 hypertension (14.8% vs. 0.0%, P<0.001)"],
    ("E2100", "AE_G3_4", "Proteinuria"): ["proteinuria (3.6% vs. 0.0%, P<0.001)"],
    ("E2100", "AE_G3_4", "Headache"): ["headache (2.2% vs. 0.0%, P = 0.008)"],
    ("E2100", "AE_G3_4", "Cerebrovascular ischemia"): ["and cerebrovascular ischemia (1.9% vs. 0.0%, P = 0.02) were more frequent in patients receiving paclitaxel plus bevacizumab."],
}

DESIGN_TEXT = {
    ("PASO", "primary"): ["a PFS of 4 months was assumed for the control arm", "A total of 110 events were required to detect a difference in median PFS of 4 vs. 6 months (one-sided test, α = 0.1, 80% power).", "a total of 140 patients were planned to be randomized."],
    ("SOR", "decision rule (observed HR <= 0.82)"): [
        "7.9 months in the placebo group and 12.2 months in the sorafenib group, a total enrollment of 220 patients will result in the attainment of the targeted 120 PFS events",
        "HR of 0.82 is 0.14.", "true HR is 0.65, an observed HR of 0.82 has a false negative error rate of 0.10.",
    ],
    ("SOR", "conventional (one-sided p < 0.025)"): [
        "7.9 months in the placebo group and 12.2 months in the sorafenib group, a total enrollment of 220 patients will result in the attainment of the targeted 120 PFS events",
        "HR of 0.70 is 0.025. Furthermore, under the alternative hypothesis that the HR is 0.65, this trial has power of 66%",
    ],
    ("E2100", "primary"): ["The study design required enrollment of 685 patients to give full information at 546 progression-free survival events. The design yielded an 85% power to detect a 33% improvement in median progression-free survival (from 6 months to 8 months).", "with a one-sided type I error of 2.7%"],
    ("MRCC-SORAFENIB", "primary"): ["A 2-stage accrual design was used to test the alternative hypothesis that the tumor burden reduction rate was >20% versus <5%."],
}

PASO_RAMP = "Sorafenib was to be started as 200 mg in the morning and 200 mg in the evening (cycle 1), increased to 200 mg in the morning and 400 mg in the evening (cycle 2) and further increased to the maintenance dose of 400 mg in the morning and 400 mg in the evening (from cycle 3)."
PASO_DELIVERED = "mean daily dose of 407 mg during cycle 1, 545 mg during cycle and 629 mg during cycle 3"
DOSING_TEXT = {
    ("PASO", "1"): ["taken continuously throughout 28-day cycles.", "Sorafenib was to be started as 200 mg in the morning and 200 mg in the evening (cycle 1)", PASO_DELIVERED],
    ("PASO", "2"): ["taken continuously throughout 28-day cycles.", "increased to 200 mg in the morning and 400 mg in the evening (cycle 2)", PASO_DELIVERED],
    ("PASO", "3"): ["taken continuously throughout 28-day cycles.", "further increased to the maintenance dose of 400 mg in the morning and 400 mg in the evening (from cycle 3)", "the recommended dose of 800 mg", PASO_DELIVERED],
    ("SOR", "1"): ["Arm A: Patients receive sorafenib 400 mg (2 tablets) orally twice daily"],
    ("NCT00573755", "1"): ["Arm I: Patients receive oral sorafenib tosylate twice daily and oral letrozole, anastrozole, or exemestane once daily on days 1-28.", "treatment repeats every 28 days"],
    ("MRCC-SORAFENIB", "1"): ["received twice daily 400 mg of sorafenib in a multicenter, prospective phase 2 study. Dose escalation was permitted in the absence of significant toxicity."],
}

ARMS_TEXT = {
    ("PASO", "A"): ["paclitaxel (Arm A) versus paclitaxel + sorafenib (Arm B)", PASO_ITT, "The safety set includes 57 patients who received any study medication, 29 in Arm A and 28 in Arm B."],
    ("PASO", "B"): ["paclitaxel (Arm A) versus paclitaxel + sorafenib (Arm B)", PASO_ITT, "The safety set includes 57 patients who received any study medication, 29 in Arm A and 28 in Arm B."],
    ("SOR", "A"): ["Arm A: Patients receive sorafenib 400 mg (2 tablets) orally twice daily"],
    ("SOR", "B"): ["Arm B: Patients receive matching placebo (2 tablets) orally twice daily"],
    ("NCT00573755", "I"): ["Arm I: Patients receive oral sorafenib tosylate twice daily and oral letrozole, anastrozole, or exemestane once daily on days 1-28."],
    ("NCT00573755", "II"): ["Arm II: Patients receive oral placebo twice daily and oral letrozole, anastrozole, or exemestane once daily on days 1-28."],
    ("E2100", "PB"): ["368 Were assigned to receive paclitaxel plus bevacizumab", "Characteristic Paclitaxel plus Bevacizumab (N = 347)", "Effect Paclitaxel plus Bevacizumab (N = 365)"],
    ("E2100", "P"): ["354 Were assigned to receive paclitaxel", "Paclitaxel (N = 326) Years of age", "Paclitaxel (N = 346) P Value"],
    ("MRCC-SORAFENIB", "SOR"): ["received twice daily 400 mg of sorafenib in a multicenter, prospective phase 2 study."],
}

TRIALS_TEXT = {
    "PASO": ["Between August 2010 and November 2012, 61 patients were randomly assigned to treatment.", "a total of 140 patients were planned to be randomized."],
    "SOR": ["a total enrollment of 220 patients will result in the attainment of the targeted 120 PFS events", "Date of first enrolment 22/11/2007 Date of final enrolment 30/06/2010"],
    "NCT00573755": ["Recruitment Status : Terminated (lack of participant accrual)", "Actual Enrollment : | 4 participants |"],
    "E2100": ["From December 2001 through May 2004, a total of 722 patients were enrolled.", "The study design required enrollment of 685 patients"],
    "MRCC-SORAFENIB": ["Forty-eight patients were enrolled."],
}


def passage_for(table: str, row: dict[str, str], parsed: dict) -> list[str]:
    t = row["trial_id"]
    if table == "adverse_events":
        return _ae(parsed, row) or AE_TEXT[(t, row["arm_id"], row["term_reported"], row["grade"])]
    if table == "efficacy":
        key = (t, row["endpoint"]) if t != "E2100" else (t, row["endpoint"], row["analysis"])
        return EFFICACY_TEXT[key]
    if table == "comparisons":
        if t == "PASO":
            return COMPARISONS_TEXT[(t, row["endpoint"])]
        if row["endpoint"] == "AE_G3_5":
            label = {"Peripheral sensory neuropathy": "Sensory neuropathy"}.get(row["term"], row["term"])
            return [*E2100_T2_HEAD, parsed["e2100_t2"][label]]
        if row["endpoint"] == "AE_G3_4":
            return COMPARISONS_TEXT[(t, row["endpoint"], row["term"])]
        return COMPARISONS_TEXT[(t, row["endpoint"], row["analysis"], row["subgroup"] or row["term"])]
    if table == "baseline":
        if t == "E2100":
            return e2100_table1_row(parsed["E2100_NEJM2007"], row["characteristic"], row["category"])
        if row["source"] == "PASO_REPORT: Table 1":
            return [PASO_T1_HEAD, *PASO_T1[(row["characteristic"], row["category"])]]
        if row["characteristic"] == "Age (years)":
            return [PASO_T1_HEAD, "Mean (median) age was 59.4 (58) years in Arm A and 59.0 (62) years in Arm B."]
        return ["Most patients were postmenopausal (Arm A: 70%, Arm B: 83%)", PASO_T1_HEAD]
    if table == "design":
        return DESIGN_TEXT[(t, row["scenario"])]
    if table == "dosing":
        return DOSING_TEXT[(t, row["cycle"])]
    if table == "arms":
        return ARMS_TEXT[(t, row["arm_id"])]
    if table == "trials":
        return TRIALS_TEXT[t]
    return FLOW_ETC[table](row)


# ---------------------------------------------------------------- flow, exposure, event_outcomes, findings
# (the excerpts test_curated_flow_exposure.py held before the column existed, cut to each row)

E2100_PANEL_A_PB = "722 Patients were enrolled 368 Were assigned to receive paclitaxel plus bevacizumab 354 Were assigned to receive paclitaxel"
E2100_POP = "We randomly assigned 722 patients to treatment between December 2001 and May 2004. All 711 treated patients were evaluated for toxic effects (Fig. 1A)."
E2100_49 = "Forty-nine enrolled patients (6.8%) did not meet all the eligibility criteria and were excluded from efficacy analyses (Fig. 1B)."
E2100_NEVER_STARTED = "Six eligible patients assigned to paclitaxel and two assigned to combination therapy were not treated but are included in the efficacy analysis according to their assignment."
E2100_LEGEND = "Two eligible patients assigned to paclitaxel plus bevacizumab and six patients assigned to paclitaxel alone never started treatment."


def _box(doc: str, head: str, stop: str) -> str:
    start = doc.index(head)
    return doc[start: doc.index(stop, start)].strip()


def flow_passage(row: dict[str, str]) -> list[str]:
    d = DOCS_N["E2100_NEJM2007"]
    t, arm, stage, reason = row["trial_id"], row["arm_id"], row["stage"], row["reason"]
    if t == "PASO":
        if stage == "randomised":
            return ["Between August 2010 and November 2012, 61 patients were randomly assigned to treatment."]
        if stage == "not analysed":
            return ["Between August 2010 and November 2012, 61 patients were randomly assigned to treatment.", PASO_ITT]
        if stage == "efficacy set":
            return [PASO_ITT]
        return ["The safety set includes 57 patients who received any study medication, 29 in Arm A and 28 in Arm B."]
    if stage == "enrolled":
        return ["From December 2001 through May 2004, a total of 722 patients were enrolled."]
    if stage == "randomised":
        return [E2100_POP] if not arm else [E2100_PANEL_A_PB]
    if stage == "ineligible" and not arm:
        return [E2100_49]
    if stage == "ineligible":
        box = (_box(d, "354 Were assigned to receive paclitaxel 28 Were ineligible", "21 Were ineligible") if arm == "P"
               else _box(d, "21 Were ineligible", "347 Constituted"))
        return [box]
    if stage == "never treated":
        box = (_box(d, "354 Were assigned to receive paclitaxel 8 Were never treated", "3 Were never treated") if arm == "P"
               else _box(d, "3 Were never treated", "365 Were treated"))
        return [box]
    if stage == "safety set":
        if not arm:
            return [E2100_POP]
        return ["365 Were treated and analyzed for toxicity 346 Were treated and analyzed for toxicity", E2100_T2_N]
    if stage == "efficacy set" and not arm:
        return [E2100_T1_N]
    if stage == "efficacy set":
        return ["347 Constituted the intention-to-treat population" if arm == "PB" else "326 Constituted the intention-to-treat population", E2100_T1_N]
    if stage == "within efficacy set":
        box = (_box(d, "347 Constituted the intention-to-treat population", "326 Constituted") if arm == "PB"
               else _box(d, "326 Constituted the intention-to-treat population", "316 Had progression-free"))
        if reason == "never started treatment":
            return [box, E2100_LEGEND]
        return [box]
    if stage == "events":
        if reason == "death":
            return ["At data cutoff, 483 patients had died, the majority (88.8%) from progressive disease."]
        return ["There were 624 reported events"]
    raise KeyError((t, arm, stage, reason))


EXPOSURE_TEXT = {
    "median number of cycles administered (completed or started)": "The median number of cycles administered (completed or started) was 6 cycles per patient in Arm A and 4 cycles per patient in Arm B.",
    ("A", "planned applications not administered"): "In Arm A 2% (n = 22) of planned paclitaxel applications (n = 550) were not administered (postponed: 5.6%, n = 31; dose modified: 4.0%, n = 22).",
    ("B", "planned applications not administered"): "In Arm B 13.8% (n = 55) of planned paclitaxel applications (n = 399) were not administered (postponed: 8.8%, n = 35; dose modified: 6.0%, n = 24).",
    "permanently discontinued due to adverse events": "Treatment with paclitaxel was permanently discontinued due to adverse events in 11 patients (38%) in Arm A and 14 patients (50%) in Arm B.",
    "at least one dose modification": "dose reductions were frequently needed in Arm B with at least one dose modification in 19 patients (67.9%).",
    "discontinued at least 3 weeks before disease progression": "Paclitaxel was discontinued at least 3 weeks before disease progression" + PASSAGE_SEPARATOR + "in 117 patients treated with paclitaxel (35.9%) and 178 patients treated with paclitaxel plus bevacizumab (51.3%)",
    "median duration of paclitaxel treatment": "The median duration of paclitaxel treatment was 5.1 months in patients treated with paclitaxel alone and 7.1 months in patients treated with combined therapy.",
    "continued bevacizumab monotherapy": "Of the patients in the combination group, 74 (21.3%) continued bevacizumab monotherapy for a median of 3.7 months.",
    "median duration of bevacizumab monotherapy": "Of the patients in the combination group, 74 (21.3%) continued bevacizumab monotherapy for a median of 3.7 months.",
}


def exposure_passage(row: dict[str, str]) -> list[str]:
    measure, arm = row["measure"], row["arm_id"]
    if measure.startswith("planned applications"):
        excerpt = EXPOSURE_TEXT[(arm, "planned applications not administered")]
    else:
        excerpt = EXPOSURE_TEXT[measure]
    if row["trial_id"] == "PASO" and measure in ("permanently discontinued due to adverse events", "at least one dose modification"):
        return [PASO_SAFETY_SET, excerpt]
    if row["trial_id"] == "E2100" and row["denominator"]:
        return [E2100_T1_N if row["denominator"] in ("347", "326") else E2100_T2_N, excerpt]
    return [excerpt]


E2100_GRADE5 = "The only patients with grade 5 events were one patient in the paclitaxel-plus-bevacizumab group with a ruptured diverticulum, one in the paclitaxel-plus-bevacizumab group with erosion in an area of bowel-wall involvement, and one in the paclitaxel group with left ventricular dysfunction."


def event_passage(row: dict[str, str]) -> list[str]:
    if row["event_reported"] == "grade 4 hypertension":
        return [E2100_T2_N, "grade 4 hypertension developed in only one patient, resulting in discontinuation of bevacizumab."]
    which = {"ruptured diverticulum": "one patient in the paclitaxel-plus-bevacizumab group with a ruptured diverticulum",
             "erosion in an area of bowel-wall involvement": "one in the paclitaxel-plus-bevacizumab group with erosion in an area of bowel-wall involvement",
             "left ventricular dysfunction": "one in the paclitaxel group with left ventricular dysfunction"}[row["event_reported"]]
    return [E2100_T2_N, "The only patients with grade 5 events were " + which if which.startswith("one patient") else which,
            "All three events were considered by the treating investigators to be unrelated to therapy."]


FINDINGS_TEXT = {
    "FACT-B questionnaire completed": ["The FACT-B questionnaire was completed by 631 patients at baseline, 488 at 17 weeks, and 368 at 33 weeks."],
    "No significant differences": ["There were no significant differences", "in the mean change in scores from baseline for the FACT-B, the FACT-B subscale, or the Trial Outcome Index"],
    "Most toxic effects were minimal": ["Most toxic effects were minimal, rarely limited therapy, and did not have a detrimental effect on overall quality of life."],
    "No effect of the covariates": ["There was no effect of the covariates on PFS, neither for previous therapy with bevacizumab nor for therapy line."],
    "Lung, thorax and brain": ["First, lung, thorax and brain were more frequently affected by metastases in Arm B than in Arm A."],
    "Some negative prognostic factors": ["some negative prognostic factors were not evenly attributed.", "In view of the small sample, the numerical disparity was not explored statistically, but an influence on outcome cannot be excluded."],
    "While treatment delays": ["while treatment delays and dose reductions are only slightly more frequent in Arm B", "also paclitaxel application was not conducted according to the preplanned schedule. This might also have contributed to a superior result of Arm A."],
    "The investigators did not fully utilize": ["the investigators of the PASO trial did not fully utilize the recommended dose of 800 mg (400 mg twice daily). As a result of such cautious dosing, a number of patients received sorafenib in a potentially subtherapeutic range"],
    "Results": ["Results First Posted : March 26, 2014"],
    "3 outliers": ["this result may be partly due to 3 outliers whose life expectancy was markedly shorter than required by a", "major inclusion criterion (1 patient in Arm A: 17 days; 2 patients in Arm B: 27 and 48 days)."],
    "PPE": ["Patients previously treated with bevacizumab tended to develop more PPE (P = .03)"],
    "One unconfirmed": ["One unconfirmed objective partial response was observed."],
    "mucositis": ["Patients previously treated with bevacizumab tended to develop more PPE (P = .03) and mucositis (P = .06)"],
    "skin rash": ["whereas sunitinib-treated patients tended to develop more skin rash (P = .06)."],
    "mild-to-moderate": ["Most treatment-related adverse events were of mild-to-moderate intensity"],
    "no association": ["There was no association of PFS and tumor shrinkage with response to prior therapy."],
    "partial response": ["One unconfirmed objective partial response was observed."],
}


def finding_passage(row: dict[str, str]) -> list[str]:
    finding = row["finding"]
    if row["count"] == "3" and row["trial_id"] == "PASO":
        return FINDINGS_TEXT["3 outliers"]
    if row["trial_id"] == "NCT00573755":
        return FINDINGS_TEXT["Results"]
    hits = [v for k, v in FINDINGS_TEXT.items() if k.lower() in finding.lower()]
    if row["trial_id"] == "MRCC-SORAFENIB":
        hits = [FINDINGS_TEXT[k] for k in ("mucositis", "PPE", "skin rash", "mild-to-moderate", "no association", "One unconfirmed")
                if k.lower() in finding.lower()][:1]
    assert len(hits) == 1, (finding, len(hits))
    return hits[0]


FLOW_ETC = {"flow": flow_passage, "exposure": exposure_passage, "event_outcomes": event_passage, "findings": finding_passage}

DOCS_N: dict[str, str] = {}


def main(write: bool) -> int:
    docs = documents()
    DOCS_N.update({k: normalise(v) for k, v in docs.items()})
    parsed = {"paso_t3": paso_table3_rows(DOCS_N["PASO_REPORT"]), "e2100_t2": e2100_table2_rows(DOCS_N["E2100_NEJM2007"]),
              "E2100_NEJM2007": DOCS_N["E2100_NEJM2007"]}
    problems = 0
    for name, table in TABLES.items():
        if "source" not in [c.name for c in table.columns]:
            continue
        header, rows = csv_rows(name)
        for line, row in enumerate(rows, 2):
            passage = PASSAGE_SEPARATOR.join(normalise(e).strip() for e in passage_for(name, row, parsed))
            source_id = row["source"].partition(":")[0]
            doc = comparable(docs[source_id])
            bad = [e for e in excerpts(passage) if comparable(e) not in doc]
            missing = row_numbers_missing(name, row, passage)
            if bad or missing or len(passage) > 300:
                problems += 1
                print(f"{name}.csv line {line}: len {len(passage)} not-in-doc {bad} missing {missing}\n   {passage}")
            row["passage"] = passage
        if write:
            columns = [c.name for c in table.columns]
            extra = [c for c in header if c not in columns]
            out = io.StringIO()
            writer = csv.DictWriter(out, columns + extra, lineterminator="\n", extrasaction="raise")
            writer.writeheader()
            writer.writerows(rows)
            (DATA / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8")
    print(f"{problems} rows to review")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main("--write" in sys.argv))
