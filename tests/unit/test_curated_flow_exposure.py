"""Patient flow, exposure, fatal and treatment-limiting events, and findings (contract v2, issue 16).

Three layers, as in test_curated_values.py:
1. every curated row is read from a short passage of its cited document: the passage occurs in
   the document (whitespace and line-break hyphenation normalised), and every number of the row
   that is not derived occurs in one of its passages (as digits, or as the word the document
   spells it with); every row has its passages, and every passage entry has its row;
2. the values checked a second way: Figure 1's flattened boxes parsed back into reasons per arm,
   the arm each box belongs to recomputed from the arithmetic, derived counts and percentages
   recomputed from counts, denominators read from percentages checked against the alternatives;
3. the contract: the new tables validate (a bad row names file, row, column, expected and found),
   and an upload may carry them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from evidence.contract import CONTRACT_VERSION, GRADES, REQUIRED_TABLES, TABLES
from evidence.derive import count_from_percent, percent_of
from evidence.loading import load_dataset, read_directory, validate_files
from evidence.problems import Problem
from evidence.relations import percent_tolerance
from evidence.upload import parse_upload, validate_upload

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "data"
SEEDS_DIR = REPO / ".." / "shared" / "seeds"
BASE_FILES = read_directory(DATA_DIR)
NEW_TABLES = ("flow", "exposure", "event_outcomes", "findings")

needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"source documents not found at {SEEDS_DIR}")


@pytest.fixture(scope="module")
def data():
    return load_dataset(DATA_DIR)


def normalise(text: str) -> str:
    """Whitespace collapsed and line-break hyphenation joined ('treat- ment' -> 'treatment')."""
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(?<=[a-z])- (?=[a-z])", "", text)


def documents() -> dict[str, str]:
    reader = csv.DictReader(io.StringIO((DATA_DIR / "sources.csv").read_text(encoding="utf-8")))
    return {r["source_id"]: normalise((SEEDS_DIR / r["document"]).read_text(encoding="utf-8")) for r in reader}


def csv_rows(table: str) -> list[tuple[int, dict[str, str]]]:
    """(line, record) of a bundled CSV, read independently of the data layer."""
    reader = csv.DictReader(io.StringIO((DATA_DIR / f"{table}.csv").read_text(encoding="utf-8"), newline=""))
    rows, line = [], 2
    for record in reader:
        rows.append((line, record))
        line = reader.line_num + 1
    return rows


# ====================================================================== 1. passages

WORDS = {"1": ("one",), "2": ("two",), "6": ("six",), "49": ("forty-nine",)}
"""Numbers the documents spell out in the passages below."""


def printed(raw: str, passage: str) -> bool:
    """Whether the CSV number `raw` is printed in `passage`: as digits ('40.0' also as '40'; never
    inside a longer number), or spelled out as a word."""
    whole, _, decimals = raw.partition(".")
    forms = {raw} | ({whole} if decimals and set(decimals) == {"0"} else set())
    for form in forms:
        if re.search(r"(?<![\d.])" + re.escape(form) + r"(?!\.?\d)", passage):
            return True
    return any(re.search(rf"\b{word}\b", passage, re.I) for word in WORDS.get(raw, ()))


PASO_FLOW = (
    "61 patients were randomly assigned to treatment",
    "The full analysis set (ITT set), which was used for efficacy analysis includes 60 patients, with 30 patients "
    "in each treatment arm. The safety set includes 57 patients who received any study medication, 29 in Arm A "
    "and 28 in Arm B.",
)
E2100_PANEL_A = (
    "722 Patients were enrolled 368 Were assigned to receive paclitaxel plus bevacizumab 354 Were assigned to "
    "receive paclitaxel 8 Were never treated 5 Withdrew consent 1 Died before receiving treatment 1 Had central "
    "nervous system involvement 1 Was found to be ineligible 3 Were never treated 2 Died before receiving "
    "treatment 1 Had central nervous system involvement 365 Were treated and analyzed for toxicity 346 Were "
    "treated and analyzed for toxicity"
)
E2100_PANEL_B = (
    "354 Were assigned to receive paclitaxel 28 Were ineligible 14 Had baseline scans >4 wk before entry 6 Had "
    "hormone treatment <3 wk before entry 2 Had central nervous system involvement 2 Were HER2+ but had no "
    "previous treatment with trastuzumab 4 Had other reasons 21 Were ineligible 10 Had baseline scans >4 wk "
    "before entry 7 Had hormone treatment <3 wk before entry 1 Had central nervous system involvement 1 Was "
    "HER2+ but had no previous treatment with trastuzumab 2 Had other reasons 347 Constituted the "
    "intention-to-treat population 6 Died 13 Received nonprotocol therapy 2 Never started treatment 326 "
    "Constituted the intention-to-treat population 7 Died 12 Received nonprotocol therapy 2 Refused follow-up "
    "6 Never started treatment 316 Had progression-free survival 243 Died 1 Refused follow-up 2 Were "
    "officially lost to follow-up 308 Had progression-free survival 240 Died 5 Refused follow-up"
)
E2100_POPULATION = (
    "We randomly assigned 722 patients to treatment between December 2001 and May 2004. All 711 treated "
    "patients were evaluated for toxic effects (Fig. 1A). Forty-nine enrolled patients (6.8%) did not meet all "
    "the eligibility criteria and were excluded from efficacy analyses (Fig. 1B). Six eligible patients "
    "assigned to paclitaxel and two assigned to combination therapy were not treated but are included in the "
    "efficacy analysis according to their assignment."
)
E2100_LEGEND = (
    "Two eligible patients assigned to paclitaxel plus bevacizumab and six patients assigned to paclitaxel alone "
    "never started treatment. Progression-free survival data were censored for patients initiating nonprotocol "
    "therapy."
)
E2100_ENROLLED = "From December 2001 through May 2004, a total of 722 patients were enrolled."
E2100_TABLE1_N = "Paclitaxel plus Bevacizumab (N = 347) Paclitaxel (N = 326)"
E2100_TABLE2_N = "Paclitaxel plus Bevacizumab (N = 365) Paclitaxel (N = 346)"
E2100_EVENTS = "There were 624 reported events"
E2100_DEATHS = "At data cutoff, 483 patients had died, the majority (88.8%) from progressive disease."
PASO_SAFETY = (
    "The median number of cycles administered (completed or started) was 6 cycles per patient in Arm A and 4 "
    "cycles per patient in Arm B.",
    "In Arm A 2% (n = 22) of planned paclitaxel applications (n = 550) were not administered (postponed: 5.6%, "
    "n = 31; dose modified: 4.0%, n = 22).",
    "In Arm B 13.8% (n = 55) of planned paclitaxel applications (n = 399) were not administered (postponed: "
    "8.8%, n = 35; dose modified: 6.0%, n = 24).",
    "Treatment with paclitaxel was permanently discontinued due to adverse events in 11 patients (38%) in Arm A "
    "and 14 patients (50%) in Arm B.",
    "However, dose reductions were frequently needed in Arm B with at least one dose modification in 19 "
    "patients (67.9%).",
    "29 patients in Arm A and 28 patients in Arm B constitute the safety population.",
)
E2100_STOPPING = (
    "Paclitaxel was discontinued at least 3 weeks before disease progression (or before the last disease "
    "assessment for patients without progression) in 117 patients treated with paclitaxel (35.9%) and 178 "
    "patients treated with paclitaxel plus bevacizumab (51.3%), most commonly because of cumulative toxic "
    "effects. The median duration of paclitaxel treatment was 5.1 months in patients treated with paclitaxel "
    "alone and 7.1 months in patients treated with combined therapy. Of the patients in the combination group, "
    "74 (21.3%) continued bevacizumab monotherapy for a median of 3.7 months."
)
E2100_GRADE5 = (
    "The only patients with grade 5 events were one patient in the paclitaxel-plus-bevacizumab group with a "
    "ruptured diverticulum, one in the paclitaxel-plus-bevacizumab group with erosion in an area of bowel-wall "
    "involvement, and one in the paclitaxel group with left ventricular dysfunction. All three events were "
    "considered by the treating investigators to be unrelated to therapy."
)
E2100_HYPERTENSION = (
    "grade 4 hypertension developed in only one patient, resulting in discontinuation of bevacizumab.",
    "Hypertension 14.5 0.3 0 0 <0.001",
)
E2100_QOL = (
    "The FACT-B questionnaire was completed by 631 patients at baseline, 488 at 17 weeks, and 368 at 33 weeks."
)

E2100_IMBALANCE = (
    "The two groups of patients were similar at baseline with respect to demographic and tumor characteristics, "
    "except that more patients assigned to paclitaxel alone had either measurable disease or visceral "
    "involvement (Table 1)."
)
E2100_MODEL = (
    "The final model, which satisfied the Cox model assumption, included treatment assignment (P<0.001), "
    "measurable disease (P = 0.03), number of disease sites (P = 0.003), estrogen-receptor status (P<0.001), age "
    "(P = 0.02), the interaction between treatment assign"
)  # the extraction breaks 'assign ment' without a hyphen; the sentence's interactions are in comparisons.csv
E2100_MODEL_COVARIATES = (
    "we conducted a multivariate analysis using the proportional-hazards model, with data stratified according "
    "to disease-free interval and adjuvant chemotherapy."
)
E2100_ASCERTAINMENT = (
    "To investigate the influence of patient- or investigator-driven ascertainment bias, we compared the "
    "distribution of the interval from the last negative disease assessment with the time of documented "
    "progression. The median was 2.8 months in both groups (P = 0.94 by the Wilcoxon two-sample test). "
    "Similarly, we found no difference in the proportion of patients with an interval less than 2.5 months "
    "(30.1% vs. 31.7%)."
)

# (table, the row's identifying cells, passages). A row is identified by the cells given; other
# cells are not compared here (they are checked against the passages below).
PASSAGES: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
    # ------------------------------------------------------------ flow: PASO
    ("flow", dict(trial_id="PASO", arm_id="", stage="randomised"), PASO_FLOW),
    ("flow", dict(trial_id="PASO", arm_id="", stage="efficacy set"), PASO_FLOW),
    ("flow", dict(trial_id="PASO", arm_id="A", stage="efficacy set"), PASO_FLOW),
    ("flow", dict(trial_id="PASO", arm_id="B", stage="efficacy set"), PASO_FLOW),
    ("flow", dict(trial_id="PASO", arm_id="", stage="safety set"), PASO_FLOW),
    ("flow", dict(trial_id="PASO", arm_id="A", stage="safety set"), PASO_FLOW),
    ("flow", dict(trial_id="PASO", arm_id="B", stage="safety set"), PASO_FLOW),
    # ------------------------------------------------------------ flow: E2100
    ("flow", dict(trial_id="E2100", arm_id="", stage="enrolled"), (E2100_ENROLLED, E2100_PANEL_A)),
    ("flow", dict(trial_id="E2100", arm_id="", stage="randomised"), (E2100_POPULATION,)),
    ("flow", dict(trial_id="E2100", arm_id="PB", stage="randomised"), (E2100_PANEL_A,)),
    ("flow", dict(trial_id="E2100", arm_id="P", stage="randomised"), (E2100_PANEL_A,)),
    ("flow", dict(trial_id="E2100", arm_id="", stage="ineligible"), (E2100_POPULATION,)),
    *[
        ("flow", dict(trial_id="E2100", arm_id=arm, stage="ineligible", reason=reason), (E2100_PANEL_B,))
        for arm in ("PB", "P")
        for reason in (
            "", "had baseline scans >4 wk before entry", "had hormone treatment <3 wk before entry",
            "had central nervous system involvement", "had other reasons",
        )
    ],
    ("flow", dict(trial_id="E2100", arm_id="PB", stage="ineligible",
                  reason="was HER2+ but had no previous treatment with trastuzumab"), (E2100_PANEL_B,)),
    ("flow", dict(trial_id="E2100", arm_id="P", stage="ineligible",
                  reason="were HER2+ but had no previous treatment with trastuzumab"), (E2100_PANEL_B,)),
    *[
        ("flow", dict(trial_id="E2100", arm_id=arm, stage="never treated", reason=reason), (E2100_PANEL_A,))
        for arm, reasons in (
            ("PB", ("", "died before receiving treatment", "had central nervous system involvement")),
            ("P", ("", "withdrew consent", "died before receiving treatment",
                   "had central nervous system involvement", "was found to be ineligible")),
        )
        for reason in reasons
    ],
    ("flow", dict(trial_id="E2100", arm_id="", stage="safety set"), (E2100_POPULATION,)),
    ("flow", dict(trial_id="E2100", arm_id="PB", stage="safety set"), (E2100_PANEL_A, E2100_TABLE2_N)),
    ("flow", dict(trial_id="E2100", arm_id="P", stage="safety set"), (E2100_PANEL_A, E2100_TABLE2_N)),
    ("flow", dict(trial_id="E2100", arm_id="PB", stage="efficacy set"), (E2100_PANEL_B, E2100_TABLE1_N)),
    ("flow", dict(trial_id="E2100", arm_id="P", stage="efficacy set"), (E2100_PANEL_B, E2100_TABLE1_N)),
    *[
        ("flow", dict(trial_id="E2100", arm_id=arm, stage="within efficacy set", reason=reason),
         (E2100_PANEL_B, E2100_LEGEND, E2100_POPULATION))
        for arm, reasons in (
            ("PB", ("died", "received nonprotocol therapy", "never started treatment")),
            ("P", ("died", "received nonprotocol therapy", "refused follow-up", "never started treatment")),
        )
        for reason in reasons
    ],
    ("flow", dict(trial_id="E2100", arm_id="", stage="events", reason="progression-free survival event"),
     (E2100_EVENTS, E2100_PANEL_B)),
    ("flow", dict(trial_id="E2100", arm_id="", stage="events", reason="death"), (E2100_DEATHS, E2100_PANEL_B)),
    # ------------------------------------------------------------ exposure
    *[
        ("exposure", dict(trial_id="PASO", arm_id=arm, measure=measure), PASO_SAFETY)
        for arm in ("A", "B")
        for measure in (
            "median number of cycles administered (completed or started)",
            "planned applications not administered", "planned applications postponed",
            "planned applications dose modified", "permanently discontinued due to adverse events",
        )
    ],
    ("exposure", dict(trial_id="PASO", arm_id="B", measure="at least one dose modification"), PASO_SAFETY),
    *[
        ("exposure", dict(trial_id="E2100", arm_id=arm, measure=measure), (E2100_STOPPING, E2100_TABLE1_N))
        for arm, measure in (
            ("P", "discontinued at least 3 weeks before disease progression"),
            ("PB", "discontinued at least 3 weeks before disease progression"),
            ("P", "median duration of paclitaxel treatment"),
            ("PB", "median duration of paclitaxel treatment"),
            ("PB", "continued bevacizumab monotherapy"),
            ("PB", "median duration of bevacizumab monotherapy"),
        )
    ],
    # ------------------------------------------------------------ event_outcomes
    *[
        ("event_outcomes", dict(trial_id="E2100", arm_id=arm, event_reported=event),
         (E2100_GRADE5, E2100_TABLE2_N))
        for arm, event in (
            ("PB", "ruptured diverticulum"),
            ("PB", "erosion in an area of bowel-wall involvement"),
            ("P", "left ventricular dysfunction"),
        )
    ],
    ("event_outcomes", dict(trial_id="E2100", arm_id="PB", event_reported="grade 4 hypertension"),
     (*E2100_HYPERTENSION, E2100_TABLE2_N)),
    # ------------------------------------------------------------ findings
    *[
        ("findings", dict(trial_id="E2100", finding="FACT-B questionnaire completed", timepoint=t), (E2100_QOL,))
        for t in ("baseline", "week 17", "week 33")
    ],
    ("findings", dict(trial_id="E2100", finding="No significant differences in the mean change in scores from "
                      "baseline for the FACT-B, the FACT-B subscale, or the Trial Outcome Index"),
     ("There were no significant differences",
      "in the mean change in scores from baseline for the FACT-B, the FACT-B subscale, or the Trial Outcome Index")),
    ("findings", dict(trial_id="E2100", finding="Most toxic effects were minimal, rarely limited therapy, and did "
                      "not have a detrimental effect on overall quality of life"),
     ("Most toxic effects were minimal, rarely limited therapy, and did not have a detrimental effect on overall "
      "quality of life",)),
    ("findings", dict(trial_id="PASO", topic="efficacy", timepoint="",
                      finding="No effect of the covariates on PFS, neither for previous therapy with bevacizumab "
                      "nor for therapy line"),
     ("There was no effect of the covariates on PFS, neither for previous therapy with bevacizumab nor for "
      "therapy line.",)),
    ("findings", dict(trial_id="PASO", topic="efficacy", count="3"),
     ("this result may be partly due to 3 outliers whose life expectancy was markedly shorter than required by a",
      "major inclusion criterion (1 patient in Arm A: 17 days; 2 patients in Arm B: 27 and 48 days)")),
    ("findings", dict(trial_id="PASO", finding="Lung, thorax and brain were more frequently affected by "
                      "metastases in Arm B than in Arm A"),
     ("First, lung, thorax and brain were more frequently affected by metastases in Arm B than in Arm A.",
      "Patients were ineligible if they had known brain metastasis")),
    ("findings", dict(trial_id="PASO", topic="population", finding="Some negative prognostic factors were not "
                      "evenly attributed; in view of the small sample the numerical disparity was not explored "
                      "statistically, but an influence on outcome cannot be excluded"),
     ("some negative prognostic factors were not evenly attributed",
      "In view of the small sample, the numerical disparity was not explored statistically, but an influence on "
      "outcome cannot be excluded.")),
    ("findings", dict(trial_id="PASO", topic="exposure", finding="While treatment delays and dose reductions are "
                      "only slightly more frequent in Arm B, paclitaxel application was not conducted according to "
                      "the preplanned schedule, which might also have contributed to a superior result of Arm A"),
     ("while treatment delays and dose reductions are only slightly more frequent in Arm B",
      "also paclitaxel application was not conducted according to the preplanned schedule. This might also have "
      "contributed to a superior result of Arm A.")),
    ("findings", dict(trial_id="PASO", topic="exposure", finding="The investigators did not fully utilize the "
                      "recommended sorafenib dose of 800 mg; a number of patients received sorafenib in a "
                      "potentially subtherapeutic range"),
     ("the investigators of the PASO trial did not fully utilize the recommended dose of 800 mg (400 mg twice "
      "daily). As a result of such cautious dosing, a number of patients received sorafenib in a potentially "
      "subtherapeutic range",)),
    ("findings", dict(trial_id="NCT00573755", topic="registry", timepoint="2014-03-26"),
     ("Results First Posted : March 26, 2014", "Results First Posted: | March 26, 2014 |")),
    # ------------------------------------------------------------ findings added for the coverage views
    ("findings", dict(trial_id="E2100", topic="population", value="0.009"),
     (E2100_IMBALANCE, "Viscera† 276 (79.5) 284 (87.1)",
      "† Fisher’s exact test (two-sided) was used for the comparison between the two groups; P = 0.009.")),
    ("findings", dict(trial_id="E2100", topic="population", value="0.007"),
     (E2100_IMBALANCE, "Measurable‡ 238 (68.6) 254 (77.9)",
      "‡ Fisher’s exact test (two-sided) was used for the comparison between the two groups; P = 0.007.")),
    *[
        ("findings", dict(trial_id="E2100", finding=f"Final multivariate model term: {term}"), (E2100_MODEL, E2100_MODEL_COVARIATES))
        for term in ("treatment assignment", "measurable disease", "number of disease sites",
                     "estrogen-receptor status", "age (continuous)")
    ],
    ("findings", dict(trial_id="E2100", topic="efficacy", count="483"), (E2100_DEATHS,)),
    ("findings", dict(trial_id="E2100", topic="efficacy", value="2.8"), (E2100_ASCERTAINMENT,)),
    ("findings", dict(trial_id="E2100", finding="Ascertainment-bias check: no difference in the proportion of "
                      "patients with an interval less than 2.5 months (30.1% vs. 31.7%)"), (E2100_ASCERTAINMENT,)),
    ("findings", dict(trial_id="E2100", finding="Subgroups: the hazard ratios favored combined therapy in all "
                      "subgroups but did not reach statistical significance in some of the smaller subgroups"),
     ("The hazard ratios favored combined therapy in all subgroups but did not reach statistical significance in "
      "some of the smaller subgroups.",)),
    ("findings", dict(trial_id="E2100", finding="Analyses including all patients assigned to treatment yielded "
                      "similar results (data not shown)"),
     ("Progression-free survival (Panel A) and overall survival (Panel B) in all eligible patients were analyzed "
      "with the use of the Kaplan–Meier method. Analyses including all patients assigned to treatment yielded "
      "similar results (data not shown).",)),
]

NUMBER_COLUMNS = {
    "flow": ("count",),
    "exposure": ("count", "denominator", "pct", "value"),
    "event_outcomes": ("count", "n_at_risk"),
    "findings": ("count", "value"),
}


def matches(record: dict[str, str], criteria: dict[str, str]) -> bool:
    return all(record[column] == value for column, value in criteria.items())


def test_every_curated_row_has_passages_and_every_entry_its_row():
    """Both ways: no new row without the passage it was read from (derived rows excepted: they
    are recomputed below), and no passage entry without exactly one row."""
    covered: set[tuple[str, int]] = set()
    for table, criteria, _ in PASSAGES:
        hits = [line for line, r in csv_rows(table) if matches(r, criteria)]
        assert len(hits) == 1, (table, criteria, hits)
        assert (table, hits[0]) not in covered, (table, criteria)
        covered.add((table, hits[0]))
    for table in NEW_TABLES:
        for line, r in csv_rows(table):
            if r["derived"] == "false":
                assert (table, line) in covered, f"{table}.csv line {line} has no passage: {r}"


@needs_seeds
def test_every_passage_is_in_its_document_and_holds_the_rows_numbers():
    docs = documents()
    for table, criteria, passages in PASSAGES:
        (line, r), = [(line, r) for line, r in csv_rows(table) if matches(r, criteria)]
        source_id = r["source"].partition(":")[0]
        for passage in passages:
            assert normalise(passage) in docs[source_id], f"{table}.csv line {line}: not in {source_id}: {passage!r}"
        text = " ".join(normalise(p) for p in passages)
        for column in NUMBER_COLUMNS[table]:
            raw = r[column]
            if raw:
                assert printed(raw, text), f"{table}.csv line {line} column {column}: {raw!r} not in its passages"


@needs_seeds
def test_numbers_written_into_finding_text_occur_in_the_document():
    docs = documents()
    for line, r in csv_rows("findings"):
        doc = docs[r["source"].partition(":")[0]]
        for number in re.findall(r"\d+(?:\.\d+)?", r["finding"]):
            assert printed(number, doc), (line, number)


@pytest.mark.parametrize(
    ("raw", "passage", "hit"),
    [("49", "Forty-nine enrolled patients", True), ("4.0", "dose modified: 4.0%", True),
     ("40.0", "in 40% of", True), ("6", "16 patients", False), ("1", "one patient", True),
     ("5.1", "5.15", False), ("2", "n = 22", False)],
)
def test_printed(raw, passage, hit):
    assert printed(raw, passage) == hit


# ====================================================================== 2. second reading

def _box(text: str, head: str, stop: str) -> list[tuple[int, str]]:
    """(count, reason) pairs of one flattened Figure 1 box, from its head ('21 Were ineligible') up
    to `stop`, the first line of what follows it."""
    start = text.index(head) + len(head)
    body = text[start: text.index(stop, start)]
    # Each entry is a count followed by a capitalised reason ('14 Had baseline scans >4 wk before entry').
    return [(int(n), reason) for n, reason in re.findall(r"(\d+) ([A-Z].*?)(?= \d+ [A-Z]|$)", body.strip())]


def _reasons(data, trial: str, arm: str, stage: str) -> dict[str, int]:
    flow = data.flow
    rows = flow[(flow.trial_id == trial) & (flow.arm_id == arm) & (flow.stage == stage) & flow.reason.notna()]
    return {r.reason: int(r["count"]) for _, r in rows.iterrows()}


def _count(data, trial: str, arm: str | None, stage: str, reason: str | None = None) -> int:
    flow = data.flow
    rows = flow[(flow.trial_id == trial) & (flow.stage == stage)]
    rows = rows[rows.arm_id.isna()] if arm is None else rows[rows.arm_id == arm]
    rows = rows[rows.reason.isna()] if reason is None else rows[rows.reason == reason]
    assert len(rows) == 1, (trial, arm, stage, reason)
    return int(rows["count"].iloc[0])


def _key(reason: str) -> str:
    """A Figure 1 reason in the curated wording: lower case, singular verb ('Were HER2+' stays as printed)."""
    return reason[0].lower() + reason[1:]


@needs_seeds
def test_e2100_figure1_boxes_parsed_back_match_the_reasons_per_arm(data):
    doc = documents()["E2100_NEJM2007"]
    boxes = {
        ("P", "ineligible"): _box(doc, "28 Were ineligible", "21 Were ineligible"),
        ("PB", "ineligible"): _box(doc, "21 Were ineligible", "347 Constituted"),
        ("P", "never treated"): _box(doc, "8 Were never treated", "3 Were never treated"),
        ("PB", "never treated"): _box(doc, "3 Were never treated", "365 Were treated"),
    }
    for (arm, stage), pairs in boxes.items():
        total = _count(data, "E2100", arm, stage)
        # The box head's number is the stage total, and its reasons add up to it.
        assert sum(n for n, _ in pairs) == total, (arm, stage, pairs)
        assert _reasons(data, "E2100", arm, stage) == {_key(reason): n for n, reason in pairs}, (arm, stage)


def test_e2100_arm_of_each_box_follows_from_the_arithmetic(data):
    # Figure 1 as flattened lists the paclitaxel boxes first in places and last in others, so the arm of
    # a box is read from the arithmetic: randomised - ineligible = eligible (Table 1 N), randomised -
    # never treated = treated (Table 2 N). The other assignment fails both.
    for arm, other in (("PB", "P"), ("P", "PB")):
        randomised = _count(data, "E2100", arm, "randomised")
        assert randomised - _count(data, "E2100", arm, "ineligible") == _count(data, "E2100", arm, "efficacy set")
        assert randomised - _count(data, "E2100", arm, "never treated") == _count(data, "E2100", arm, "safety set")
        assert randomised - _count(data, "E2100", other, "ineligible") != _count(data, "E2100", arm, "efficacy set")
        assert randomised - _count(data, "E2100", other, "never treated") != _count(data, "E2100", arm, "safety set")
    # "Forty-nine enrolled patients (6.8%)": 21 + 28 = 49 and 49/722 prints as 6.8.
    assert _count(data, "E2100", "PB", "ineligible") + _count(data, "E2100", "P", "ineligible") == 49
    assert percent_of(49, 722) == percent_of(49, _count(data, "E2100", None, "enrolled")) and str(percent_of(49, 722)) == "6.8"
    # Whole-trial totals: 368 + 354 = 722 randomised, 365 + 346 = 711 treated.
    for stage in ("randomised", "ineligible", "safety set", "efficacy set"):
        assert _count(data, "E2100", "PB", stage) + _count(data, "E2100", "P", stage) == _count(data, "E2100", None, stage)


def test_e2100_never_started_boxes_sit_in_the_arms_the_legend_names(data):
    # Legend: "Two eligible patients assigned to paclitaxel plus bevacizumab and six patients assigned to
    # paclitaxel alone never started treatment."
    assert _count(data, "E2100", "PB", "within efficacy set", "never started treatment") == 2
    assert _count(data, "E2100", "P", "within efficacy set", "never started treatment") == 6
    # The eligible who never started are fewer than all never treated (some of those were ineligible).
    for arm in ("PB", "P"):
        assert _count(data, "E2100", arm, "within efficacy set", "never started treatment") < _count(
            data, "E2100", arm, "never treated")


def test_derived_flow_rows_are_recomputed_from_counts(data):
    flow = data.flow
    derived = flow[flow.derived]
    assert len(derived) == 2
    # PASO: 61 randomised, 60 in the ITT set -> 1 randomised patient not analysed (arm not reported).
    assert _count(data, "PASO", None, "not analysed") == _count(data, "PASO", None, "randomised") - _count(
        data, "PASO", None, "efficacy set") == 1
    # E2100: the efficacy set is Table 1's N = 347 + N = 326 (673 is not printed).
    assert _count(data, "E2100", None, "efficacy set") == 347 + 326 == 673
    # PASO arms add up to the whole-trial sets: 30 + 30 = 60, 29 + 28 = 57.
    for stage in ("efficacy set", "safety set"):
        assert _count(data, "PASO", "A", stage) + _count(data, "PASO", "B", stage) == _count(data, "PASO", None, stage)


def test_flow_agrees_with_arms_csv(data):
    arms = data.arms.set_index(["trial_id", "arm_id"])
    for (trial, arm), r in arms.iterrows():
        for column, stage in (("n_randomized", "randomised"), ("n_efficacy", "efficacy set"), ("n_safety", "safety set")):
            if not pd.isna(r[column]):
                assert _count(data, trial, arm, stage) == r[column], (trial, arm, stage)


def _exposure(data, trial: str, arm: str, measure: str):
    e = data.exposure
    rows = e[(e.trial_id == trial) & (e.arm_id == arm) & (e.measure == measure)]
    assert len(rows) == 1, (trial, arm, measure)
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("trial", "arm", "measure", "count", "denominator", "pct_text", "wrong_denominator"),
    [
        # "permanently discontinued due to adverse events in 11 patients (38%) in Arm A and 14 patients (50%)"
        ("PASO", "A", "permanently discontinued due to adverse events", 11, 29, "38", 30),
        ("PASO", "B", "permanently discontinued due to adverse events", 14, 28, "50", 30),
        # "at least one dose modification in 19 patients (67.9%)"
        ("PASO", "B", "at least one dose modification", 19, 28, "67.9", 30),
        # "in 117 patients treated with paclitaxel (35.9%) and 178 patients treated with paclitaxel plus
        # bevacizumab (51.3%)": eligible patients (Table 1 N), not the treated (Table 2 N).
        ("E2100", "P", "discontinued at least 3 weeks before disease progression", 117, 326, "35.9", 346),
        ("E2100", "PB", "discontinued at least 3 weeks before disease progression", 178, 347, "51.3", 365),
        # "74 (21.3%) continued bevacizumab monotherapy"
        ("E2100", "PB", "continued bevacizumab monotherapy", 74, 347, "21.3", 365),
    ],
)
def test_denominators_read_from_the_percentage(data, trial, arm, measure, count, denominator, pct_text, wrong_denominator):
    """The sentences print a count and a percentage but no denominator: the curated one prints the
    percentage again (rounded half up to the printed digits) and the obvious alternative does not."""
    r = _exposure(data, trial, arm, measure)
    assert (r["count"], r.denominator, r.pct) == (count, denominator, float(pct_text))
    decimals = len(pct_text.partition(".")[2])
    assert str(percent_of(count, denominator, decimals)) == pct_text
    assert str(percent_of(count, wrong_denominator, decimals)) != pct_text
    assert "read from the percentage" in (r.population or "") + (r.note or "")
    assert not r.derived


def test_paso_paclitaxel_applications_and_the_2_percent_discrepancy(data):
    # "In Arm A 2% (n = 22) of planned paclitaxel applications (n = 550) were not administered
    # (postponed: 5.6%, n = 31; dose modified: 4.0%, n = 22). In Arm B 13.8% (n = 55) of planned
    # paclitaxel applications (n = 399) were not administered (postponed: 8.8%, n = 35; dose modified:
    # 6.0%, n = 24)."
    expected = {
        ("A", "planned applications not administered"): (22, 550, "2"),
        ("A", "planned applications postponed"): (31, 550, "5.6"),
        ("A", "planned applications dose modified"): (22, 550, "4.0"),
        ("B", "planned applications not administered"): (55, 399, "13.8"),
        ("B", "planned applications postponed"): (35, 399, "8.8"),
        ("B", "planned applications dose modified"): (24, 399, "6.0"),
    }
    for (arm, measure), (count, n, pct_text) in expected.items():
        r = _exposure(data, "PASO", arm, measure)
        assert (r["count"], r.denominator, r.pct, r.count_of, r.drug) == (count, n, float(pct_text), "planned applications", "paclitaxel")
        agrees = abs(100 * count / n - float(pct_text)) <= percent_tolerance(pct_text)
        # Only Arm A's "2% (n = 22)" disagrees with its count: 22/550 = 4.0%; the row says so.
        assert agrees == ((arm, measure) != ("A", "planned applications not administered")), (arm, measure)
        assert bool(r.discrepancy) == (not agrees)
    assert str(percent_of(22, 550)) == "4.0"
    assert "22/550 = 4.0%" in _exposure(data, "PASO", "A", "planned applications not administered").discrepancy


def test_exposure_medians(data):
    # PASO: "6 cycles per patient in Arm A and 4 cycles per patient in Arm B"; E2100: "5.1 months in
    # patients treated with paclitaxel alone and 7.1 months ... combined therapy ... for a median of 3.7 months"
    expected = {
        ("PASO", "A", "median number of cycles administered (completed or started)"): (6, "cycles"),
        ("PASO", "B", "median number of cycles administered (completed or started)"): (4, "cycles"),
        ("E2100", "P", "median duration of paclitaxel treatment"): (5.1, "months"),
        ("E2100", "PB", "median duration of paclitaxel treatment"): (7.1, "months"),
        ("E2100", "PB", "median duration of bevacizumab monotherapy"): (3.7, "months"),
    }
    for (trial, arm, measure), (value, unit) in expected.items():
        r = _exposure(data, trial, arm, measure)
        assert (r.value, r.unit) == (value, unit) and pd.isna(r["count"]), (trial, arm, measure)


def test_e2100_grade_5_events_two_versus_one_all_judged_unrelated(data):
    events = data.event_outcomes
    fatal = events[events.grade == "5"]
    assert fatal.groupby("arm_id")["count"].sum().to_dict() == {"PB": 2, "P": 1}
    assert set(fatal.outcome) == {"death"} and set(fatal.attribution) == {"unrelated"}
    assert set(fatal.event_reported) == {
        "ruptured diverticulum", "erosion in an area of bowel-wall involvement", "left ventricular dysfunction",
    }
    # At risk: the safety sets (Table 2 N = 365 and N = 346).
    assert dict(zip(fatal.arm_id, fatal.n_at_risk)) == {"PB": 365, "P": 346}


def test_e2100_grade_4_hypertension_stopped_bevacizumab_and_is_table2s_one_patient(data):
    r = data.event_outcomes[data.event_outcomes.event_reported == "grade 4 hypertension"].iloc[0]
    assert (r.arm_id, r.grade, r.outcome, r.drug, r["count"], r.n_at_risk) == ("PB", "4", "drug discontinued", "bevacizumab", 1, 365)
    # Table 2: "Hypertension 14.5 0.3 0 0": grade 4 in 0.3% of 365 is one patient (and none with paclitaxel).
    assert count_from_percent(0.3, 365) == 1
    table2 = data.adverse_events
    g4 = table2[(table2.trial_id == "E2100") & (table2.term == "Hypertension") & (table2.grade == "4")]
    assert dict(zip(g4.arm_id, g4.pct)) == {"PB": 0.3, "P": 0.0}
    assert r.attribution == "at least possibly related"  # Table 2 lists events at least possibly related


def test_fact_b_returns_and_registry_date(data):
    f = data.findings
    returns = f[(f.trial_id == "E2100") & (f.finding == "FACT-B questionnaire completed")]
    assert dict(zip(returns.timepoint, returns["count"])) == {"baseline": 631, "week 17": 488, "week 33": 368}
    # Returns fall over time (fewer questionnaires as patients leave the study).
    assert list(returns.sort_values("count", ascending=False).timepoint) == ["baseline", "week 17", "week 33"]
    registry = f[f.trial_id == "NCT00573755"].iloc[0]
    assert (registry.topic, registry.timepoint) == ("registry", "2014-03-26")
    assert "no result numbers" in registry.finding


# ====================================================================== 3. contract and validation


def test_contract_version_and_new_tables_are_required():
    assert CONTRACT_VERSION == "2"
    assert set(NEW_TABLES) <= set(REQUIRED_TABLES)
    # Fatal events live in event_outcomes.csv, not as a grade band of adverse_events.csv, so the
    # heatmap's grade bands (and its 3-4 rule) never see grade 5.
    assert "5" not in GRADES and "5" in TABLES["event_outcomes"].column("grade").allowed


def _set(files: dict, table: str, criteria: dict[str, str], column: str, value: str) -> tuple[dict, int]:
    """Files with one cell of one row changed; and the row's line."""
    text = files[table].decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    header = records[0]
    hits = [i for i, rec in enumerate(records[1:], start=1) if all(rec[header.index(k)] == v for k, v in criteria.items())]
    assert len(hits) == 1, hits
    records[hits[0]][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return {**files, table: out.getvalue().encode("utf-8")}, hits[0] + 1


def _only_error(files: dict) -> Problem:
    data, problems = validate_files(files)
    errors = [p for p in problems if p.severity == "error"]
    assert data is None and len(errors) == 1, errors
    return errors[0]


PB_INELIGIBLE = dict(trial_id="E2100", arm_id="PB", stage="ineligible", reason="")
PASO_A_STOP = dict(trial_id="PASO", arm_id="A", measure="permanently discontinued due to adverse events")
HYPERTENSION = dict(trial_id="E2100", event_reported="grade 4 hypertension")


@pytest.mark.parametrize(
    ("table", "criteria", "column", "value", "expected_column", "expected", "found"),
    [
        ("flow", PB_INELIGIBLE, "arm_id", "X", "arm_id", "an arm of E2100 in arms.csv (P, PB)", "X"),
        ("flow", PB_INELIGIBLE, "stage", "excluded", "stage", "one of: " + ", ".join(TABLES["flow"].column("stage").allowed), "excluded"),
        ("flow", PB_INELIGIBLE, "count", "20", "count", "at least the sum of its reasons (21)", 20),
        ("flow", dict(trial_id="E2100", arm_id="", stage="ineligible"), "count", "48", "count",
         "at least the sum of its arms (49)", 48),
        ("flow", PB_INELIGIBLE, "trial_id", "E2200", "trial_id", "a trial_id listed in trials.csv", "E2200"),
        ("exposure", PASO_A_STOP, "count", "30", "count", "at most denominator (29)", 30),
        ("exposure", PASO_A_STOP, "pct", "36.7", "pct", "count/denominator = 11/29 = 37.9% to rounding", "36.7"),
        ("exposure", PASO_A_STOP, "count_of", "", "count_of", "what the count counts (patients, planned applications)", ""),
        ("exposure", dict(trial_id="E2100", arm_id="P", measure="median duration of paclitaxel treatment"),
         "unit", "", "unit", "the unit of value (months, cycles)", ""),
        ("event_outcomes", HYPERTENSION, "drug", "", "drug", "the drug the outcome 'drug discontinued' applies to", ""),
        ("event_outcomes", HYPERTENSION, "n_at_risk", "347", "n_at_risk", "the arm's n_safety (365)", 347),
        ("event_outcomes", HYPERTENSION, "term", "High blood pressure", "term",
         "a harmonized term from ae_terms.csv (or empty)", "High blood pressure"),
        ("event_outcomes", HYPERTENSION, "grade", "3-4", "grade", "one of: 1, 2, 3, 4, 5, not stated", "3-4"),
        ("event_outcomes", HYPERTENSION, "attribution", "", "attribution",
         "a value (one of: unrelated, at least possibly related, related, not stated)", ""),
        ("findings", dict(trial_id="E2100", timepoint="week 17"), "value", "61.2", "unit", "the unit of value", ""),
        ("findings", dict(trial_id="E2100", timepoint="week 17"), "source", "E2100_NEJM2007", "source",
         "'SOURCE_ID: locator'", "E2100_NEJM2007"),
    ],
)
def test_a_bad_row_names_file_row_column_expected_and_found(table, criteria, column, value, expected_column, expected, found):
    files, line = _set(BASE_FILES, table, criteria, column, value)
    data, problems = validate_files(files)
    errors = [p for p in problems if p.severity == "error"]
    # The data set is refused; every error is on the changed row (a count above its denominator
    # also breaks the printed percentage; an unknown trial also has no such arm).
    assert data is None and {(p.file, p.line) for p in errors} == {(f"{table}.csv", line)}, errors
    assert [(p.column, p.expected, p.found) for p in errors if p.column == expected_column] == [
        (expected_column, expected, found)]


def test_a_missing_new_table_is_an_error_naming_the_file():
    problem = _only_error({**BASE_FILES, "flow": None})
    assert (problem.file, problem.line, problem.expected, problem.found) == ("flow.csv", None, "the file to exist", "no such file")


def test_a_noted_discrepancy_turns_the_percentage_error_into_a_warning():
    files, line = _set(BASE_FILES, "exposure", PASO_A_STOP, "discrepancy", "the text rounds oddly")
    files, _ = _set(files, "exposure", PASO_A_STOP, "pct", "36")
    data, problems = validate_files(files)
    assert data is not None
    warned = [p for p in problems if p.file == "exposure.csv" and p.line == line]
    assert [(p.severity, p.column, p.found) for p in warned] == [("warning", "pct", "36")]


def test_the_bundled_paso_2_percent_is_a_warning_not_an_error(data):
    line = next(line for line, r in csv_rows("exposure")
                if r["arm_id"] == "A" and r["measure"] == "planned applications not administered")
    warned = [p for p in data.warnings if p.file == "exposure.csv"]
    assert [(p.line, p.column, p.expected, p.found) for p in warned] == [
        (line, "pct", "count/denominator = 22/550 = 4.0% to rounding", "2")]


# ---------------------------------------------------------------- uploads carry the new tables


def _csv(table: str, rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, [c.name for c in TABLES[table].columns], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(flow_count: str) -> bytes:
    src = "UP_SRC: Results"
    members = {
        "sources.csv": _csv("sources", [dict(source_id="UP_SRC", citation="Uploaded example", kind="article", document="up.txt")]),
        "trials.csv": _csv("trials", [dict(trial_id="UP", title="Uploaded trial", disease="d", disease_group="breast cancer",
                                           phase="2", randomized="yes", status="completed", agent="sorafenib",
                                           source_id="UP_SRC", source=src)]),
        "arms.csv": _csv("arms", [dict(trial_id="UP", arm_id="A", label="A", role="control", regimen="r", n_safety="10", source=src),
                                  dict(trial_id="UP", arm_id="B", label="B", role="experimental", regimen="r", n_safety="10", source=src)]),
        "flow.csv": _csv("flow", [dict(trial_id="UP", stage="randomised", count="20", derived="false", source=src),
                                  dict(trial_id="UP", arm_id="A", stage="randomised", count=flow_count, derived="false", source=src)]),
        "exposure.csv": _csv("exposure", [dict(trial_id="UP", arm_id="B", drug="sorafenib", measure="at least one dose reduction",
                                               count="4", count_of="patients", denominator="10", pct="40", derived="false", source=src)]),
        "event_outcomes.csv": _csv("event_outcomes", [dict(trial_id="UP", arm_id="B", event_reported="hand-foot skin reaction",
                                                           grade="3", outcome="drug discontinued", drug="sorafenib",
                                                           attribution="related", count="1", n_at_risk="10", derived="false", source=src)]),
        "findings.csv": _csv("findings", [dict(trial_id="UP", topic="quality of life", finding="no difference",
                                               derived="false", source=src)]),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_upload_may_carry_the_new_tables(data):
    result = parse_upload("up.zip", _upload("10"))
    assert result.problems == []
    merged, problems = validate_upload(result, data)
    assert problems == []
    for table in NEW_TABLES:
        frame = merged.tables[table]
        assert (frame[frame.trial_id == "UP"]["origin"] == "uploaded").all() and (frame.trial_id == "UP").sum() >= 1


def test_a_bad_uploaded_flow_row_names_the_users_file_and_row(data):
    merged, problems = validate_upload(parse_upload("up.zip", _upload("25")), data)
    assert merged is None
    assert [(p.file, p.line, p.column, p.expected, str(p.found)) for p in problems] == [
        ("up.zip › flow.csv", 2, "count", "at least the sum of its arms (25)", "20")]
