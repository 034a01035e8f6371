"""Patient flow, exposure, fatal and treatment-limiting events, and findings (contract v2 and v3, issue 16).

Three layers, as in test_curated_values.py:
1. every curated row carries the passage it was read from (the `passage` column, contract v3;
   test_passages.py checks it for every table); here: numbers written into a finding's words;
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
from evidence.loading import read_directory, validate_files
from evidence.problems import Problem
from evidence.relations import percent_tolerance
from evidence.upload import parse_upload, validate_upload
from seed_text import documents as seed_documents
from seed_text import csv_rows, normalise, printed_in

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "data"
SEEDS_DIR = REPO / ".." / "shared" / "seeds"
BASE_FILES = read_directory(DATA_DIR)
NEW_TABLES = ("flow", "exposure", "event_outcomes", "findings")

needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"source documents not found at {SEEDS_DIR}")


def documents() -> dict[str, str]:
    return {source_id: normalise(text) for source_id, text in seed_documents().items()}


# ====================================================================== 1. passages
# Every row's `passage` (the words it was read from) is checked, for every curated table, in
# test_passages.py: it occurs in the cited document and prints the row's numbers.


@needs_seeds
def test_numbers_written_into_finding_text_occur_in_the_document():
    docs = documents()
    for line, r in csv_rows("findings"):
        doc = docs[r["source"].partition(":")[0]]
        for number in re.findall(r"\d+(?:\.\d+)?", r["finding"]):
            assert printed_in("findings", "finding", number, r["source"], doc), (line, number)


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
    assert CONTRACT_VERSION == "3"
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
