"""ClinicalTrials.gov importer (evidence.ctgov): real registry records and one constructed
oncology record, mapped to the contract and validated exactly as an upload is.

Expected values were read by hand from the JSON files in ../shared/fixtures/ctgov (paths given
beside each), not produced by the code under test.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from evidence import views
from evidence.ctgov import ASSUMED, NOT_MAPPED, ImportLimits, check_against, import_record, import_records
from evidence.state import ViewState
from evidence.tables.flow import population_label
from evidence.upload import validate_upload

REPO = Path(__file__).resolve().parents[2]
FIXTURES_DIR = Path(os.environ.get("FIXTURES_DIR", REPO / ".." / "shared" / "fixtures")) / "ctgov"
pytestmark = pytest.mark.skipif(
    not FIXTURES_DIR.is_dir(),
    reason=f"registry fixtures not found at {FIXTURES_DIR} (set FIXTURES_DIR to the fixtures directory)",
)
RECORDS = ("NCT02552212", "NCT00763412", "NCT05594173")


@pytest.fixture(scope="module")
def bundled(data):
    """The bundled data set (the session's `data`, tests/unit/conftest.py)."""
    return data


def _raw(nct: str) -> bytes:
    return (FIXTURES_DIR / f"{nct}.json").read_bytes()


def _imported(nct: str):
    result = import_records(_raw(nct), f"{nct}.json")
    assert result.ok, [str(p) for p in result.problems]
    return result


def _row(frame, **where):
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


_STEP = re.compile(r"\.?([A-Za-z]+)|\[(\d+)\]")


def _at(document: dict, path: str):
    """The JSON value at a path such as 'a.b[2].c' (written here, independent of the importer)."""
    value = document
    for name, index in _STEP.findall(path):
        value = value[name] if name else value[int(index)]
    return value


# ---------------------------------------------------------------- real records


@pytest.mark.parametrize("nct", RECORDS)
def test_every_record_passes_the_upload_validation(nct, bundled):
    result = _imported(nct)
    data, problems = validate_upload(result.as_upload(), bundled)
    assert data is not None, [str(p) for p in problems]
    assert not [p for p in problems if p.severity == "error"]
    assert nct in set(data.trials.trial_id)
    assert set(data.trials[data.trials.trial_id == nct].origin) == {"uploaded"}


@pytest.mark.parametrize("nct", RECORDS)
def test_every_source_cell_points_at_a_value_in_the_record(nct):
    record = json.loads(_raw(nct))
    result = _imported(nct)
    for name, table in result.tables.items():
        if "source" not in table:
            continue
        for cell in table.source:
            source_id, _, locators = cell.partition(": ")
            assert source_id == f"CTGOV_{nct}", cell
            for locator in locators.split("; "):
                path = locator.split(" (")[0]
                _at(record, path)  # raises if the path is not in the record
    assert _row(result.tables["sources"], source_id=f"CTGOV_{nct}").kind == "registry record"


def test_certolizumab_record_groups_trial_and_arms():
    result = _imported("NCT02552212")
    trial = _row(result.tables["trials"], trial_id="NCT02552212")
    # protocolSection.designModule: PHASE3, RANDOMIZED, enrollmentInfo 317 ACTUAL; statusModule: COMPLETED,
    # lastUpdatePostDateStruct 2022-08-18.
    assert (trial.phase, trial.randomized, trial.n_enrolled, trial.status) == ("3", "yes", "317", "completed")
    assert trial.data_version == "2022-08-18"
    assert trial.agent == "Certolizumab Pegol"
    arms = result.tables["arms"].set_index("label")
    # participantFlowModule.periods[0].milestones[0] STARTED: FG000 Placebo 158, FG001 CZP 200 mg Q2W 159.
    assert arms.loc["Placebo", "n_randomized"] == "158" and arms.loc["Placebo", "role"] == "control"
    assert arms.loc["CZP 200 mg Q2W", "n_randomized"] == "159" and arms.loc["CZP 200 mg Q2W", "role"] == "experimental"
    # 'CZP 200 mg Q2W' is protocol arm 'Certolizumab Pegol 200 mg Q2W' (EXPERIMENTAL) only by its description:
    # the role rests on that, and the report says so.
    assert any(n.kind == ASSUMED and n.path == "protocolSection.armsInterventionsModule.armGroups[0]" for n in result.report)
    # eventGroups: EG000 'Placebo (SS)' at risk 158, EG001 159, EG004 'SFE OL CZP 200 mg Q2W (SS)' 243.
    assert arms.loc["Placebo", "n_safety"] == "158" and arms.loc["SFE OL CZP 200 mg Q2W", "n_safety"] == "243"
    # Five groups in all: the open-label groups are no arm of the randomised comparison.
    assert len(arms) == 5
    assert arms.loc["Placebo->OL CZP (SS)", "role"] == "other"
    groups = result.extras["groups"]
    placebo = arms.loc["Placebo", "arm_id"]
    # The same arm under four numberings: FG000, BG000, OG000 'Placebo (FAS)', EG000 'Placebo (SS)'.
    assert set(groups[groups.arm_id == placebo].group_id) == {"FG000", "BG000", "OG000", "EG000"}
    # The Total column BG002 is no arm, and the report says so.
    assert "BG002" not in set(groups.group_id)
    assert any("Total column (BG002)" in n.reason for n in result.report)


def test_certolizumab_outcome_value_ci_and_analysis():
    result = _imported("NCT02552212")
    arms = result.tables["arms"].set_index("label").arm_id
    outcomes = result.extras["outcomes"]
    # outcomeMeasures[3] (plasma concentration, week 1): OG000 'CZP 200 mg Q2W (SS)' 50.5, 95% CI 48.0 to 53.0 µg/mL.
    week1 = _row(outcomes, outcome="4", arm_id=arms["CZP 200 mg Q2W"])
    assert (week1.value, week1.lower_limit, week1.upper_limit, week1.ci_level, week1.unit) == ("50.5", "48.0", "53.0", "95%", "µg/mL")
    # outcomeMeasures[0] (ASDAS-MI at week 52): Placebo 7.0, CZP 47.2 percent of 158 and 159 subjects.
    asdas = outcomes[outcomes.outcome == "1"].set_index("arm_id")
    assert asdas.loc[arms["Placebo"], "value"] == "7.0" and asdas.loc[arms["CZP 200 mg Q2W"], "value"] == "47.2"
    assert asdas.loc[arms["CZP 200 mg Q2W"], "n_analysed"] == "159"
    # outcomeMeasures[0].analyses[0]: odds ratio 15.231, 95% CI 7.336 to 31.623, P '<0.001'.
    analysis = _row(result.extras["analyses"], outcome="1")
    assert (analysis.param_type, analysis.estimate, analysis.ci_low, analysis.ci_high) == ("Odds Ratio (OR)", "15.231", "7.336", "31.623")
    assert (analysis.p_text, analysis.p_value, analysis.p_relation, analysis.p_bound) == ("<0.001", "", "<", "0.001")
    # Not an oncology endpoint and not a hazard ratio: nothing placed, and both are in the report.
    assert result.tables["efficacy"].empty and result.tables["comparisons"].empty
    reported = {(n.path, n.kind) for n in result.report}
    assert ("resultsSection.outcomeMeasuresModule.outcomeMeasures[0]", NOT_MAPPED) in reported
    assert ("resultsSection.outcomeMeasuresModule.outcomeMeasures[0].analyses[0]", NOT_MAPPED) in reported


def test_certolizumab_adverse_events_by_group():
    result = _imported("NCT02552212")
    arms = result.tables["arms"].set_index("label").arm_id
    events = result.tables["adverse_events"]
    # otherEvents 'Diarrhoea' (Gastrointestinal disorders, MedDRA19.0): EG000 10 of 158, EG001 8 of 159.
    diarrhoea = events[(events.term == "Diarrhoea") & (events.grade == "non-serious")].set_index("arm_id")
    assert tuple(diarrhoea.loc[arms["Placebo"], ["count", "n_at_risk"]]) == ("10", "158")
    assert tuple(diarrhoea.loc[arms["CZP 200 mg Q2W"], ["count", "n_at_risk"]]) == ("8", "159")
    assert diarrhoea.loc[arms["Placebo"], "soc"] == "Gastrointestinal disorders"
    assert diarrhoea.loc[arms["Placebo"], "vocabulary"] == "MedDRA19.0"
    # seriousEvents[0] 'Glaucoma' (Eye disorders): EG001 1 of 159.
    glaucoma = _row(events, term="Glaucoma", grade="serious", arm_id=arms["CZP 200 mg Q2W"])
    assert (glaucoma["count"], glaucoma.n_at_risk, glaucoma.soc) == ("1", "159", "Eye disorders")
    assert glaucoma.source == "CTGOV_NCT02552212: resultsSection.adverseEventsModule.seriousEvents[0].stats[1]"
    # eventGroups[0]: seriousNumAffected 4 of 158, otherNumAffected 59 of 158.
    any_serious = _row(events, level="any", grade="serious", arm_id=arms["Placebo"])
    assert (any_serious["count"], any_serious.n_at_risk) == ("4", "158")
    assert _row(events, level="any", grade="non-serious", arm_id=arms["Placebo"])["count"] == "59"
    # README: 36 serious and 9 other terms, each for 5 groups, plus 2 totals per group.
    assert len(events) == (36 + 9) * 5 + 2 * 5
    assert not set(events.grade) - {"serious", "non-serious"}


def test_certolizumab_baseline():
    result = _imported("NCT02552212")
    arms = result.tables["arms"].set_index("label").arm_id
    baseline = result.tables["baseline"]
    # baselineCharacteristicsModule.measures[1] 'Age, Continuous' MEAN / STANDARD_DEVIATION years: BG000 37.4 (10.8).
    age = _row(baseline, arm_id=arms["Placebo"], characteristic="Age, Continuous (years)")
    assert (age.category, age["mean"], age.sd, age.n) == ("mean (SD)", "37.4", "10.8", "158")


def test_repaglinide_record_baseline_median_range_and_reported_inconsistency():
    result = _imported("NCT00763412")
    arms = result.tables["arms"]
    assert len(arms) == 2
    # Flow 'Placebo' / '2. Repaglinide'; baseline titles differ ('Patients Who Received Placebo'): matched
    # by the words of the title, and said so in the report as assumed.
    groups = result.extras["groups"]
    assert _row(groups, group_id="BG000").arm_id == _row(groups, group_id="FG000").arm_id
    assert any(n.kind == ASSUMED and n.path.endswith("baselineCharacteristicsModule.groups[0]") for n in result.report)
    placebo = _row(groups, group_id="FG000").arm_id
    # measures[1] 'Age, Continuous' MEDIAN / FULL_RANGE: BG000 16 (12 to 18).
    age = _row(result.tables["baseline"], arm_id=placebo, characteristic="Age, Continuous (years)")
    assert (age.category, age["median"], age.range_low, age.range_high, age.n) == ("median (range)", "16", "12", "18", "4")
    # measures[3] 'Region of Enrollment' posts 8 participants per group against a denominator of 4:
    # not placed, and reported with its path.
    assert not any(result.tables["baseline"].characteristic.str.startswith("Region of Enrollment"))
    assert any(
        n.path == "resultsSection.baselineCharacteristicsModule.measures[3].classes[0].categories[0].measurements[0]"
        for n in result.report
    )
    # No adverse event in either group: totals 0 of 8.
    events = result.tables["adverse_events"]
    assert set(events["count"]) == {"0"} and set(events.n_at_risk) == {"8"}


def test_single_group_record_flow_and_other_event():
    result = _imported("NCT05594173")
    trial = _row(result.tables["trials"], trial_id="NCT05594173")
    assert trial.phase == "not applicable (observational)" and trial.data_version == "2022-11-21"
    assert set(result.tables["arms"].role) == {"single"}
    flow = result.extras["flow"]
    # participantFlowModule.periods[0]: STARTED 20, COMPLETED 17; dropWithdraws 'COVID-19 Pandemic' 2.
    assert _row(flow, kind="milestone", label="STARTED")["count"] == "20"
    assert _row(flow, kind="milestone", label="COMPLETED")["count"] == "17"
    assert _row(flow, kind="not completed", label="COVID-19 Pandemic")["count"] == "2"
    # ... and each went to the contract's flow.csv (tests/unit/test_ctgov_flow.py follows them to the panel).
    assert _row(flow, kind="milestone", label="STARTED").placed_in == "flow.csv: enrolled"
    assert _row(result.tables["flow"], arm_id="A", stage="not completed", reason="COVID-19 Pandemic")["count"] == "2"
    # otherEvents[0] 'Digestive complaints': 1 of 18.
    event = _row(result.tables["adverse_events"], term="Digestive complaints")
    assert (event["count"], event.n_at_risk, event.grade) == ("1", "18", "non-serious")


# ---------------------------------------------------------------- a constructed oncology record


def constructed_oncology_record() -> dict:
    """A CONSTRUCTED record (not a real study; NCT09990001 is made up) in the API v2 shape, for the
    efficacy path the real fixtures lack: medians with 95% CIs, a hazard-ratio analysis with
    P '<0.001', a 90% CI, 'NA' medians and limits, a count-based response rate, a median in weeks."""

    def groups(prefix, suffix=""):
        return [
            {"id": f"{prefix}000", "title": f"Sorafenib + Paclitaxel{suffix}", "description": "Sorafenib 400 mg twice daily plus paclitaxel 80 mg/m2 weekly."},
            {"id": f"{prefix}001", "title": f"Placebo + Paclitaxel{suffix}", "description": "Placebo twice daily plus paclitaxel 80 mg/m2 weekly."},
        ]

    def measure(kind, title, param, unit, values, dispersion=None, analyses=(), denoms=("60", "60")):
        measurements = [dict(groupId=f"OG00{i}", **v) for i, v in enumerate(values)]
        out = {
            "type": kind, "title": title, "populationDescription": "Intention-to-treat population.",
            "reportingStatus": "POSTED", "paramType": param, "unitOfMeasure": unit, "timeFrame": "Up to 36 months",
            "groups": groups("OG", " (ITT)"),
            "denoms": [{"units": "Participants", "counts": [{"groupId": f"OG00{i}", "value": d} for i, d in enumerate(denoms)]}],
            "classes": [{"categories": [{"measurements": measurements}]}],
            "analyses": list(analyses),
        }
        if dispersion:
            out["dispersionType"] = dispersion
        return out

    hr = {"groupIds": ["OG000", "OG001"], "paramType": "Hazard Ratio (HR)", "paramValue": "0.55", "ciPctValue": "95",
          "ciNumSides": "TWO_SIDED", "ciLowerLimit": "0.40", "ciUpperLimit": "0.76", "pValue": "<0.001",
          "statisticalMethod": "Log Rank", "estimateComment": "Sorafenib arm relative to placebo arm."}
    os_hr = {"groupIds": ["OG000", "OG001"], "paramType": "Hazard Ratio (HR)", "paramValue": "0.80", "ciPctValue": "90",
             "ciNumSides": "TWO_SIDED", "ciLowerLimit": "0.62", "ciUpperLimit": "1.03", "pValue": "0.16",
             "statisticalMethod": "Log Rank"}
    odds = {"groupIds": ["OG000", "OG001"], "paramType": "Odds Ratio (OR)", "paramValue": "2.02", "ciPctValue": "95",
            "ciNumSides": "TWO_SIDED", "ciLowerLimit": "0.90", "ciUpperLimit": "4.55", "pValue": "0.08"}
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09990001", "briefTitle": "Constructed sorafenib test record",
                                     "officialTitle": "Constructed test record: sorafenib plus paclitaxel versus placebo plus paclitaxel in metastatic breast cancer"},
            "statusModule": {"overallStatus": "TERMINATED", "whyStopped": "Futility at the interim analysis",
                             "startDateStruct": {"date": "2019-02"}, "completionDateStruct": {"date": "2023-06"},
                             "lastUpdatePostDateStruct": {"date": "2024-03-15", "type": "ACTUAL"}},
            "conditionsModule": {"conditions": ["Metastatic Breast Cancer"]},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                             "designInfo": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                                            "maskingInfo": {"masking": "DOUBLE", "whoMasked": ["PARTICIPANT", "INVESTIGATOR"]}},
                             "enrollmentInfo": {"count": 120, "type": "ACTUAL"}},
            "armsInterventionsModule": {
                "armGroups": [{"label": "Sorafenib + Paclitaxel", "type": "EXPERIMENTAL"},
                              {"label": "Placebo + Paclitaxel", "type": "PLACEBO_COMPARATOR"}],
                "interventions": [{"type": "DRUG", "name": "Sorafenib"}, {"type": "DRUG", "name": "Paclitaxel"},
                                  {"type": "DRUG", "name": "Placebo"}],
            },
        },
        "resultsSection": {
            "participantFlowModule": {"groups": groups("FG"), "periods": [{"title": "Overall Study", "milestones": [
                {"type": "STARTED", "achievements": [{"groupId": "FG000", "numSubjects": "60"}, {"groupId": "FG001", "numSubjects": "60"}]}]}]},
            "baselineCharacteristicsModule": {
                "groups": groups("BG") + [{"id": "BG002", "title": "Total"}],
                "denoms": [{"units": "Participants", "counts": [{"groupId": "BG000", "value": "60"}, {"groupId": "BG001", "value": "60"}, {"groupId": "BG002", "value": "120"}]}],
                "measures": [{"title": "Age, Continuous", "paramType": "MEDIAN", "dispersionType": "FULL_RANGE", "unitOfMeasure": "years",
                              "classes": [{"categories": [{"measurements": [
                                  {"groupId": "BG000", "value": "54", "lowerLimit": "31", "upperLimit": "78"},
                                  {"groupId": "BG001", "value": "56", "lowerLimit": "29", "upperLimit": "80"},
                                  {"groupId": "BG002", "value": "55", "lowerLimit": "29", "upperLimit": "80"}]}]}]}],
            },
            "outcomeMeasuresModule": {"outcomeMeasures": [
                measure("PRIMARY", "Progression-Free Survival (PFS)", "MEDIAN", "months",
                        [{"value": "8.1", "lowerLimit": "6.9", "upperLimit": "9.4"}, {"value": "5.2", "lowerLimit": "4.3", "upperLimit": "6.0"}],
                        "95% Confidence Interval", [hr]),
                measure("SECONDARY", "Overall Survival (OS)", "MEDIAN", "months",
                        [{"value": "NA", "lowerLimit": "14.2", "upperLimit": "NA", "comment": "Median not reached"},
                         {"value": "20.7", "lowerLimit": "16.4", "upperLimit": "NA"}],
                        "95% Confidence Interval", [os_hr]),
                measure("SECONDARY", "Objective Response Rate (ORR)", "COUNT_OF_PARTICIPANTS", "Participants",
                        [{"value": "23"}, {"value": "14"}], None, [odds], denoms=("58", "57")),
                measure("SECONDARY", "Time to Progression (TTP)", "MEDIAN", "weeks",
                        [{"value": "35.0", "lowerLimit": "30.1", "upperLimit": "40.2"}, {"value": "22.6", "lowerLimit": "18.0", "upperLimit": "27.5"}],
                        "90% Confidence Interval"),
                measure("OTHER_PRE_SPECIFIED", "Percentage of Participants With Clinical Benefit", "NUMBER", "percentage of participants",
                        [{"value": "62.1", "lowerLimit": "48.4", "upperLimit": "74.5"}, {"value": "45.6", "lowerLimit": "32.4", "upperLimit": "59.3"}],
                        "95% Confidence Interval"),
                measure("SECONDARY", "Change in FACT-B Score", "MEAN", "units on a scale",
                        [{"value": "-2.1", "spread": "4.0"}, {"value": "-3.5", "spread": "4.4"}], "Standard Deviation"),
            ]},
            "adverseEventsModule": {
                "frequencyThreshold": "5",
                "eventGroups": [
                    {"id": "EG000", "title": "Sorafenib + Paclitaxel", "deathsNumAffected": 2, "deathsNumAtRisk": 59,
                     "seriousNumAffected": 12, "seriousNumAtRisk": 59, "otherNumAffected": 55, "otherNumAtRisk": 59},
                    {"id": "EG001", "title": "Placebo + Paclitaxel", "deathsNumAffected": 1, "deathsNumAtRisk": 58,
                     "seriousNumAffected": 7, "seriousNumAtRisk": 58, "otherNumAffected": 50, "otherNumAtRisk": 58},
                ],
                "seriousEvents": [
                    {"term": "Febrile neutropenia", "organSystem": "Blood and lymphatic system disorders", "sourceVocabulary": "MedDRA 26.0",
                     "stats": [{"groupId": "EG000", "numEvents": 4, "numAffected": 4, "numAtRisk": 59},
                               {"groupId": "EG001", "numEvents": 1, "numAffected": 1, "numAtRisk": 58}]},
                    {"term": "Pneumonia", "organSystem": "Infections and infestations", "sourceVocabulary": "MedDRA 26.0",
                     "stats": [{"groupId": "EG000", "numAffected": 2, "numAtRisk": 59}, {"groupId": "EG001", "numAffected": 1, "numAtRisk": 58}]},
                ],
                "otherEvents": [
                    {"term": "Palmar-plantar erythrodysaesthesia syndrome", "organSystem": "Skin and subcutaneous tissue disorders",
                     "sourceVocabulary": "MedDRA 26.0",
                     "stats": [{"groupId": "EG000", "numAffected": 22, "numAtRisk": 59}, {"groupId": "EG001", "numAffected": 2, "numAtRisk": 58}]},
                    {"term": "Pneumonia", "organSystem": "Respiratory, thoracic and mediastinal disorders", "sourceVocabulary": "MedDRA 26.0",
                     "stats": [{"groupId": "EG000", "numAffected": 3, "numAtRisk": 59}, {"groupId": "EG001", "numAffected": 3, "numAtRisk": 58}]},
                ],
            },
        },
    }


@pytest.fixture(scope="module")
def oncology():
    result = import_record(constructed_oncology_record(), "constructed.json")
    assert result.ok, [str(p) for p in result.problems]
    return result


def _notes(result, path):
    return [n for n in result.report if n.path == path]


def test_constructed_medians_with_ci_and_na(oncology):
    efficacy = oncology.tables["efficacy"]
    pfs = _row(efficacy, endpoint="PFS", arm_id="A")
    assert (pfs.statistic, pfs.value, pfs.unit, pfs.ci_low, pfs.ci_high, pfs.analysis) == ("median", "8.1", "months", "6.9", "9.4", "primary")
    assert pfs.source == "CTGOV_NCT09990001: resultsSection.outcomeMeasuresModule.outcomeMeasures[0].classes[0].categories[0].measurements[0]"
    assert _row(efficacy, endpoint="PFS", arm_id="B").value == "5.2"
    read_as = _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[0]")
    assert [n.kind for n in read_as] == [ASSUMED] and "PFS" in read_as[0].reason
    # OS arm A median 'NA' (not reached): no row, reported with its path and the comment.
    assert efficacy[(efficacy.endpoint == "OS") & (efficacy.arm_id == "A")].empty
    na = _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[1].classes[0].categories[0].measurements[0]")
    assert na and "Median not reached" in na[0].reason and na[0].kind == NOT_MAPPED
    # OS arm B 20.7 with an upper limit 'NA': the value is placed, both CI limits left empty, reported.
    os_b = _row(efficacy, endpoint="OS", arm_id="B")
    assert (os_b.value, os_b.ci_low, os_b.ci_high) == ("20.7", "", "")
    assert _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[1].classes[0].categories[0].measurements[1]")


def test_constructed_non_95_ci_and_weeks(oncology):
    ttp = _row(oncology.tables["efficacy"], endpoint="TTP", arm_id="A")
    # 35.0 weeks x 7 x 12 / 365.25 = 8.0493... months; marked derived; the 90% CI stays out of the 95% columns.
    assert (ttp.value, ttp.derived, ttp.ci_low, ttp.ci_high) == ("8.05", "true", "", "")
    assert "90%: 30.1 to 40.2" in ttp.note
    notes = _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[3].classes[0].categories[0].measurements[0]")
    assert any("90%" in n.reason for n in notes)


def test_constructed_rates_from_counts_and_as_posted(oncology):
    efficacy = oncology.tables["efficacy"]
    orr = _row(efficacy, endpoint="ORR", arm_id="A")
    # 23 of 58 = 39.66% (computed here from the counts, so derived).
    assert (orr.statistic, orr.value, orr["count"], orr.n_analysed, orr.derived) == ("rate", "39.7", "23", "58", "true")
    assert _row(efficacy, endpoint="ORR", arm_id="B").value == "24.6"  # 14 of 57 = 24.56%
    ccr = _row(efficacy, endpoint="CCR", arm_id="A")
    assert (ccr.value, ccr.ci_low, ccr.ci_high, ccr.derived, ccr.analysis) == ("62.1", "48.4", "74.5", "false", "exploratory")


def test_constructed_hazard_ratios_and_p_values(oncology):
    comparisons = oncology.tables["comparisons"]
    pfs = _row(comparisons, endpoint="PFS")
    assert (pfs.statistic, pfs.value, pfs.ci_low, pfs.ci_high) == ("HR", "0.55", "0.40", "0.76")
    assert (pfs.experimental_arm, pfs.control_arm) == ("A", "B")
    assert (pfs.p_value, pfs.p_text, pfs.p_relation, pfs.p_bound) == ("", "<0.001", "<", "0.001")
    assert pfs.test == "Log Rank"
    os_hr = _row(comparisons, endpoint="OS")
    assert (os_hr.value, os_hr.ci_low, os_hr.ci_high, os_hr.p_value, os_hr.p_text) == ("0.80", "", "", "0.16", "0.16")
    assert "90%" in os_hr.note
    assert any("90%" in n.reason for n in _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[1].analyses[0]"))
    # The direction of every placed hazard ratio is an assumption, and the report says so.
    assert any(n.kind == ASSUMED for n in _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[0].analyses[0]"))
    # An odds ratio and a non-endpoint outcome are not placed, and are reported.
    assert set(comparisons.endpoint) == {"PFS", "OS"}
    assert _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[2].analyses[0]")
    assert _notes(oncology, "resultsSection.outcomeMeasuresModule.outcomeMeasures[5]")


def test_constructed_adverse_events_and_trial(oncology):
    events = oncology.tables["adverse_events"]
    hfs = _row(events, term="Palmar-plantar erythrodysaesthesia syndrome", arm_id="A")
    assert (hfs["count"], hfs.n_at_risk, hfs.grade) == ("22", "59", "non-serious")
    # 'Pneumonia' under two organ systems: kept apart, named with its organ system, reported as assumed.
    assert set(events.term[events.term.str.startswith("Pneumonia")]) == {
        "Pneumonia (Infections and infestations)", "Pneumonia (Respiratory, thoracic and mediastinal disorders)"}
    deaths = _notes(oncology, "resultsSection.adverseEventsModule.eventGroups[0].deathsNumAffected")
    assert deaths and "2 of 59" in deaths[0].reason
    trial = _row(oncology.tables["trials"], trial_id="NCT09990001")
    assert (trial.status, trial.stop_reason, trial.disease_group, trial.agent) == (
        "terminated", "Futility at the interim analysis", "breast cancer", "Sorafenib; Paclitaxel")
    assert trial.blinding == "double (participant, investigator)" and trial.data_version == "2024-03-15"
    arms = oncology.tables["arms"].set_index("arm_id")
    assert tuple(arms.role) == ("experimental", "control") and tuple(arms.n_safety) == ("59", "58")


def test_constructed_record_reaches_the_views(oncology, bundled):
    data, problems = validate_upload(oncology.as_upload(), bundled)
    assert data is not None, [str(p) for p in problems]
    state = ViewState(trial=("NCT09990001",))
    forest = views.forest_panel(data, state)
    hazard_ratios = [round(float(x), 2) for t in forest.figure_object().data if t.customdata is not None for x in t.x]
    assert hazard_ratios == [0.55]
    assert "CTGOV_NCT09990001" in forest.caption
    medians = views.medians_panel(data, state)
    assert "CTGOV_NCT09990001" in medians.caption
    grid = views.trial_grid_rows(data, state)
    assert [(r["trial_id"], r["origin"]) for r in grid] == [("NCT09990001", "uploaded")]
    # Flow: STARTED 60 and 60, the primary outcome (PFS) analysed 60 and 60 ('Intention-to-treat
    # population.'), 59 and 58 at risk for adverse events: the line the efficacy and safety figures carry.
    assert population_label(data.flow, "NCT09990001", "efficacy", data.arms, data.trials) == (
        "NCT09990001 efficacy analysis: Intention-to-treat population. — 120 of 120 randomised "
        "(Sorafenib + Paclitaxel 60, Placebo + Paclitaxel 60)")
    assert population_label(data.flow, "NCT09990001", "safety", data.arms, data.trials).endswith(
        "117 of 120 randomised (Sorafenib + Paclitaxel 59, Placebo + Paclitaxel 58)")


# ---------------------------------------------------------------- several records, bad input


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_and_bulk_json_import_every_study(bundled):
    archive = import_records(_zip({f"{n}.json": _raw(n) for n in RECORDS}), "records.zip")
    assert archive.ok and sorted(archive.trial_ids) == sorted(RECORDS)
    assert validate_upload(archive.as_upload(), bundled)[0] is not None
    studies = [json.loads(_raw(n)) for n in RECORDS]
    for content in (json.dumps(studies), json.dumps({"studies": studies, "nextPageToken": "x"})):
        bulk = import_records(content.encode(), "bulk.json")
        assert bulk.ok and sorted(bulk.trial_ids) == sorted(RECORDS)


def test_the_same_study_twice_loads_nothing():
    result = import_records(_zip({"a.json": _raw("NCT05594173"), "b.json": _raw("NCT05594173")}), "twice.zip")
    assert not result.ok and not result.tables
    assert any(p.found == "NCT05594173" and "each study once" in p.expected for p in result.problems)


@pytest.mark.parametrize(
    "content, expected, found",
    [
        (b'{"hello": 1}', "ClinicalTrials.gov study record", "JSON with keys hello"),
        (b"[]", "at least one study", "an empty list"),
        (b'{"FullStudiesResponse": {}}', "ClinicalTrials.gov study record", "classic API (v1)"),
        (b"\xff\xfe\x00", "UTF-8", "not UTF-8"),
        (b"", "ClinicalTrials.gov study record", "an empty file"),
    ],
)
def test_input_that_is_not_a_record_loads_nothing(content, expected, found):
    result = import_records(content, "upload.json")
    assert not result.ok and not result.tables
    assert expected in result.problems[0].expected and found in str(result.problems[0].found)


def test_truncated_json_names_the_line_and_loads_nothing():
    raw = _raw("NCT00763412")
    result = import_records(raw[: len(raw) // 2], "NCT00763412.json")
    assert not result.ok and not result.tables
    problem = result.problems[0]
    assert "truncated" in problem.found and problem.line == raw[: len(raw) // 2].count(b"\n") + 1


def test_record_without_results_loads_nothing():
    record = json.loads(_raw("NCT00763412"))
    del record["resultsSection"]
    result = import_records(json.dumps(record).encode(), "NCT00763412.json")
    assert not result.ok and not result.tables
    assert "no results posted" in result.problems[0].found
    # One record without results in a bulk file stops the whole import.
    bulk = import_records(json.dumps([json.loads(_raw("NCT05594173")), record]).encode(), "bulk.json")
    assert not bulk.ok and not bulk.tables


def test_a_50_mb_record_is_refused_before_parsing():
    content = b'{"protocolSection": {}, "padding": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    result = import_records(content, "huge.json")
    assert not result.ok and not result.tables
    assert "at most 20 MiB" in result.problems[0].expected
    small = import_records(_raw("NCT02552212"), "NCT02552212.json", ImportLimits(max_record_bytes=100_000))
    assert not small.ok and "study record of at most" in small.problems[0].expected


def test_zip_with_a_non_json_member_loads_nothing():
    result = import_records(_zip({"NCT05594173.json": _raw("NCT05594173"), "notes.csv": b"a,b\n"}), "mixed.zip")
    assert not result.ok and not result.tables
    assert any("notes.csv" in p.file for p in result.problems)


def test_unexpected_shapes_inside_a_record_are_a_problem_not_a_crash():
    record = copy.deepcopy(json.loads(_raw("NCT05594173")))
    record["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]["classes"] = "not a list"
    record["resultsSection"]["adverseEventsModule"]["eventGroups"][0]["seriousNumAtRisk"] = "many"
    result = import_record(record, "odd.json")
    assert result.ok
    assert any("seriousNumAtRisk" in n.reason for n in result.report)


def test_a_study_already_loaded_is_one_problem(bundled):
    result = _imported("NCT05594173")
    data, _problems = validate_upload(result.as_upload(), bundled)
    again = check_against(result, data)
    assert [(p.severity, p.found) for p in again] == [("error", "NCT05594173, already loaded")]
    assert check_against(result, bundled) == []
    # data/trials.csv lists NCT00028990 as E2100's registry id: importing that record would show E2100 twice.
    record = constructed_oncology_record()
    record["protocolSection"]["identificationModule"]["nctId"] = "NCT00028990"
    warning = check_against(import_record(record, "e2100.json"), bundled)
    assert [(p.severity, "E2100" in p.expected) for p in warning] == [("warning", True)]


def test_report_rows_for_the_upload_card(oncology):
    rows = oncology.report_rows()
    assert rows and set(rows[0]) == {"file", "path", "kind", "reason"}
    assert {r["kind"] for r in rows} == {ASSUMED, NOT_MAPPED}


# ---------------------------------------------------------------- single values


@pytest.mark.parametrize(
    "title, endpoint",
    [
        ("Progression-Free Survival (PFS)", "PFS"),
        ("Overall Survival", "OS"),
        ("12-Month Overall Survival Rate", "OS_12M"),
        ("Overall Survival Rate at 1 Year", "OS_12M"),
        ("Percentage of Participants With Objective Response", "ORR"),
        ("Time to Progression", "TTP"),
        ("Duration of Overall Response", None),
        ("Time to Objective Response", None),
        ("Percentage of Subjects With ASAS40 Response at Week 12", None),
    ],
)
def test_endpoint_named_by_an_outcome_title(title, endpoint):
    from evidence.ctgov.outcomes import endpoint_of

    assert endpoint_of(title) == endpoint


def test_p_values_and_ci_levels_as_posted():
    from evidence.ctgov.values import ci_level, p_value

    assert p_value("0.041").exact == "0.041"
    bound = p_value("<0.001")
    assert (bound.exact, bound.relation, bound.bound, bound.text) == (None, "<", "0.001", "<0.001")
    assert (p_value("≤ 0.05").relation, p_value("≤ 0.05").bound) == ("<=", "0.05")
    assert p_value("p = 0.04").exact == "0.04"
    assert p_value("NA").exact is None and p_value("NA").bound is None
    assert p_value("1.7").exact is None  # not a probability
    assert ci_level("95% Confidence Interval") == 95 and ci_level("CONFIDENCE_90") == 90
    assert ci_level("CONFIDENCE_975") == 97.5 and ci_level("Standard Deviation") is None


def test_odd_values_anywhere_give_a_result_never_an_exception():
    """Every 8th leaf of the small record replaced by 'NA', null, a list, an object or a number:
    the importer returns (a mapped result, or a problem that loads nothing), it never raises."""
    record = json.loads(_raw("NCT05594173"))

    def leaves(value, path=()):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from leaves(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from leaves(item, (*path, index))
        if path and path[0] in ("protocolSection", "resultsSection"):
            yield path

    for path in list(leaves(record))[::8]:
        for odd in ("NA", None, [1], {"a": 1}, -1):
            changed = copy.deepcopy(record)
            target = changed
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = odd
            result = import_record(changed, "odd.json")
            assert result.ok or (result.problems and not result.tables), path
