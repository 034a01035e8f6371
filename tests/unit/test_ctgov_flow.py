"""ClinicalTrials.gov participant flow and analysed populations -> the contract's flow.csv, through
the upload validation to the flow panel (evidence.ctgov.flow; issue 18, issue 16 item 1).

Expected values were read by hand from the JSON files in ../shared/fixtures/ctgov (the JSON path
beside each), not produced by the code under test. Records changed here to disagree with
themselves say so where they are changed.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from evidence import coverage_views as cv
from evidence.ctgov import ASSUMED, NOT_MAPPED, WARNING, import_record, import_records
from evidence.state import ViewState
from evidence.tables.flow import flow_table, population_label
from evidence.upload import validate_upload
from figure_dicts import validated

REPO = Path(__file__).resolve().parents[2]
FIXTURES_DIR = Path(os.environ.get("FIXTURES_DIR", REPO / ".." / "shared" / "fixtures")) / "ctgov"
pytestmark = pytest.mark.skipif(not FIXTURES_DIR.is_dir(), reason=f"registry fixtures not found at {FIXTURES_DIR}")
FLOW = "resultsSection.participantFlowModule"


@pytest.fixture(scope="module")
def bundled(data):
    """The bundled data set (the session's `data`, tests/unit/conftest.py)."""
    return data


def _record(nct: str) -> dict:
    return json.loads((FIXTURES_DIR / f"{nct}.json").read_bytes())


def _imported(nct: str):
    result = import_records((FIXTURES_DIR / f"{nct}.json").read_bytes(), f"{nct}.json")
    assert result.ok, [str(p) for p in result.problems]
    return result


def _one(frame, **where):
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


def _notes(result, kind=None, path=None):
    return [n for n in result.report if (kind is None or n.kind == kind) and (path is None or n.path == path)]


def _validated(result, bundled):
    data, problems = validate_upload(result.as_upload(), bundled)
    assert data is not None, [str(p) for p in problems]
    assert not [p for p in problems if p.severity == "error"], [str(p) for p in problems]
    return data


# ---------------------------------------------------------------- certolizumab: two arms, two periods


@pytest.fixture(scope="module")
def certolizumab():
    return _imported("NCT02552212")


def test_certolizumab_first_period_milestones_and_reasons(certolizumab):
    flow = certolizumab.tables["flow"]
    arms = certolizumab.tables["arms"].set_index("label").arm_id
    placebo, czp = arms["Placebo"], arms["CZP 200 mg Q2W"]
    # periods[0] 'Double-Blind Period (Week 0 - 52)', milestones[0] STARTED: FG000 Placebo 158, FG001 CZP 159
    # (a randomised study: 'randomised').
    started = _one(flow, arm_id=placebo, stage="randomised")
    assert started["count"] == "158"
    assert started.source == f"CTGOV_NCT02552212: {FLOW}.periods[0].milestones[0].achievements[0]"
    assert started.passage == "" and started.derived == "false"
    assert _one(flow, arm_id=czp, stage="randomised")["count"] == "159"
    # milestones[3] COMPLETED 143 / 142; milestones[4] NOT COMPLETED 15 / 17.
    assert _one(flow, arm_id=placebo, stage="completed")["count"] == "143"
    assert _one(flow, arm_id=czp, stage="completed")["count"] == "142"
    assert _one(flow, arm_id=placebo, stage="not completed", reason="")["count"] == "15"
    assert _one(flow, arm_id=czp, stage="not completed", reason="")["count"] == "17"
    # dropWithdraws[4] 'Withdrawal by Subject': 3 / 7; dropWithdraws[0] 'Adverse Event': 6 / 3.
    withdrawn = _one(flow, arm_id=czp, stage="not completed", reason="Withdrawal by Subject")
    assert withdrawn["count"] == "7"
    assert withdrawn.source == f"CTGOV_NCT02552212: {FLOW}.periods[0].dropWithdraws[4].reasons[1]"
    assert _one(flow, arm_id=placebo, stage="not completed", reason="Withdrawal by Subject")["count"] == "3"
    assert _one(flow, arm_id=placebo, stage="not completed", reason="Adverse Event")["count"] == "6"
    # Ten reasons per arm, posted as 0 where no one left for it ('Lost to Follow-up' CZP 0); they add
    # up to the NOT COMPLETED totals (6+2+1+1+3+1+0+0+0+1 = 15; 3+2+1+0+7+1+1+1+1+0 = 17).
    reasons = flow[(flow.stage == "not completed") & (flow.reason != "")]
    assert len(reasons) == 20
    assert _one(flow, arm_id=czp, stage="not completed", reason="Lost to Follow-up")["count"] == "0"
    assert reasons[reasons.arm_id == placebo]["count"].astype(int).sum() == 15
    assert reasons[reasons.arm_id == czp]["count"].astype(int).sum() == 17
    # protocolSection.designModule.enrollmentInfo: 317 ACTUAL, the whole trial.
    enrolled = _one(flow, arm_id="", stage="enrolled")
    assert enrolled["count"] == "317" and enrolled.source == "CTGOV_NCT02552212: protocolSection.designModule.enrollmentInfo.count"
    # The record agrees with itself: no warning.
    assert not _notes(certolizumab, WARNING)


def test_certolizumab_populations(certolizumab):
    flow = certolizumab.tables["flow"]
    arms = certolizumab.tables["arms"].set_index("label").arm_id
    placebo, czp = arms["Placebo"], arms["CZP 200 mg Q2W"]
    # baselineCharacteristicsModule.denoms[0]: BG000 158, BG001 159 (BG002 Total 317 is no arm).
    baseline = _one(flow, arm_id=czp, stage="baseline set")
    assert baseline["count"] == "159"
    assert baseline.source == "CTGOV_NCT02552212: resultsSection.baselineCharacteristicsModule.denoms[0].counts[1]"
    assert baseline.population.startswith("Baseline Characteristics refer to the Randomized Set")
    assert len(flow[flow.stage == "baseline set"]) == 2
    # outcomeMeasures[0] (PRIMARY, ASDAS-MI): denoms OG000 'Placebo (FAS)' 158, OG001 159, the FAS.
    efficacy = _one(flow, arm_id=placebo, stage="efficacy set")
    assert efficacy["count"] == "158"
    assert efficacy.population == "The FAS consisted of all subjects in the RS who have received at least 1 dose of study medication."
    assert efficacy.source == "CTGOV_NCT02552212: resultsSection.outcomeMeasuresModule.outcomeMeasures[0].denoms[0].counts[0]"
    assert _notes(certolizumab, ASSUMED, "resultsSection.outcomeMeasuresModule.outcomeMeasures[0].denoms")
    # adverseEventsModule.eventGroups[1] 'CZP 200 mg Q2W (SS)': seriousNumAtRisk 159.
    safety = _one(flow, arm_id=czp, stage="safety set")
    assert safety["count"] == "159"
    assert safety.source == "CTGOV_NCT02552212: resultsSection.adverseEventsModule.eventGroups[1].seriousNumAtRisk"


def test_certolizumab_what_flow_csv_cannot_hold_is_reported(certolizumab):
    flow = certolizumab.tables["flow"]
    arms = certolizumab.tables["arms"].set_index("label").arm_id
    # Only the two randomised arms: the extension group FG002 (arm C) has 0 in every count of the first
    # period and starts (243) in periods[1]; the open-label groups D, E are adverse-event groups only.
    assert set(flow.arm_id) == {"", arms["Placebo"], arms["CZP 200 mg Q2W"]}
    assert any(arms["SFE OL CZP 200 mg Q2W"] in n.reason and "no participant" in n.reason
               for n in _notes(certolizumab, NOT_MAPPED, f"{FLOW}.periods[0]"))
    later = _notes(certolizumab, NOT_MAPPED, f"{FLOW}.periods[1]")
    assert len(later) == 1 and "SFE Period (Week 52 - 156)" in later[0].reason
    # milestones[1] 'Received OL CZP' (96 / 20) and [2] 'Completed Week 52 Without Starting SFE': no stage.
    assert "Received OL CZP" in _notes(certolizumab, NOT_MAPPED, f"{FLOW}.periods[0].milestones[1]")[0].reason
    assert _notes(certolizumab, NOT_MAPPED, f"{FLOW}.periods[0].milestones[2]")
    assert any("C, D, E" in n.reason for n in _notes(certolizumab, NOT_MAPPED, "resultsSection.adverseEventsModule.eventGroups"))
    # The registry's own table keeps every value, and says where each went.
    registry = certolizumab.extras["flow"]
    sfe = _one(registry, period="SFE Period (Week 52 - 156)", label="STARTED", arm_id=arms["SFE OL CZP 200 mg Q2W"])
    assert (sfe["count"], sfe.placed_in) == ("243", "")
    received = _one(registry, label="Received OL CZP", arm_id=arms["Placebo"])
    assert (received["count"], received.placed_in) == ("96", "")
    assert _one(registry, path=f"{FLOW}.periods[0].dropWithdraws[4].reasons[1]").placed_in == "flow.csv: not completed"


def test_certolizumab_flow_reaches_the_flow_panel(certolizumab, bundled):
    data = _validated(certolizumab, bundled)
    state = ViewState(trial=("NCT02552212",))
    panel = cv.flow_panel(data, state)
    fig = panel.figure_json()
    validated(fig)
    ticks = fig["layout"]["yaxis"]["ticktext"]
    assert ticks == [f"C-AXSPAND · {stage}" for stage in (
        "enrolled", "randomised", "completed", "not completed", "baseline set", "efficacy set", "safety set")]
    control = next(t for t in fig["data"] if t["name"] == "control")
    # Placebo: STARTED 158, COMPLETED 143, NOT COMPLETED 15, baseline 158, FAS 158, at risk 158.
    assert control["x"] == [158, 143, 15, 158, 158, 158]
    not_completed = control["hovertext"][2]
    assert "not completed: 15" in not_completed and "Adverse Event: 6" in not_completed
    assert "Withdrawal by Subject: 3" in not_completed
    whole = next(t for t in fig["data"] if t["name"] == "whole trial")
    assert whole["x"] == [317]
    assert "CTGOV_NCT02552212" in panel.caption
    assert "participants at risk for adverse events, 317 of 317 randomised" in panel.caption
    # The efficacy and safety figures' population line.
    label = population_label(data.flow, "NCT02552212", "efficacy", data.arms, data.trials)
    assert label.startswith("C-AXSPAND efficacy analysis: The FAS consisted of") and label.endswith("317 of 317 randomised (CZP 200 mg Q2W 159, Placebo 158)")
    # The export rows of the panel.
    rows = cv.flow_rows(data, state)
    withdrawn = _one(rows, arm_id="B", stage="not completed", reason="Withdrawal by Subject")
    assert withdrawn["count"] == 7 and withdrawn.source.endswith("dropWithdraws[4].reasons[1]")


def test_curated_flow_is_drawn_as_before_beside_a_registry_trial(certolizumab, bundled):
    """The stages added for registry records leave the curated trials' rows in their order."""
    data = _validated(certolizumab, bundled)
    table = flow_table(data.flow, data.arms, data.trials)
    curated = table[table.trial_id.isin(["PASO", "E2100"])]
    alone = flow_table(bundled.flow, bundled.arms, bundled.trials)
    assert curated[["trial_id", "arm_id", "stage", "reason", "count"]].values.tolist() == \
        alone[alone.trial_id.isin(["PASO", "E2100"])][["trial_id", "arm_id", "stage", "reason", "count"]].values.tolist()


# ---------------------------------------------------------------- the two smaller records


def test_repaglinide_enrolment_larger_than_the_flow(bundled):
    result = _imported("NCT00763412")
    flow = result.tables["flow"]
    # enrollmentInfo 31 ACTUAL; periods[0] STARTED 8 and 8, COMPLETED 4 and 4, NOT COMPLETED 4 and 4, no reasons.
    assert _one(flow, arm_id="", stage="enrolled")["count"] == "31"
    assert set(flow[flow.stage == "randomised"]["count"]) == {"8"}
    assert set(flow[flow.stage == "not completed"]["count"]) == {"4"} and set(flow[flow.stage == "not completed"].reason) == {""}
    # baseline denoms 4 and 4; the primary outcome 'BMI' analysed 4 and 4, with no population described.
    assert set(flow[flow.stage == "baseline set"]["count"]) == {"4"}
    efficacy = flow[flow.stage == "efficacy set"]
    assert set(efficacy["count"]) == {"4"} and set(efficacy.population) == {"participants analysed for the primary outcome 'BMI'"}
    data = _validated(result, bundled)
    assert "8 of 16 randomised" in population_label(data.flow, "NCT00763412", "efficacy", data.arms, data.trials)


def test_single_group_flow_is_enrolled_not_randomised(bundled):
    result = _imported("NCT05594173")
    flow = result.tables["flow"]
    # Not randomised: STARTED 20 is 'enrolled' (as is enrollmentInfo 20 for the whole trial).
    assert not (flow.stage == "randomised").any()
    assert _one(flow, arm_id="A", stage="enrolled")["count"] == "20"
    assert _one(flow, arm_id="", stage="enrolled")["count"] == "20"
    # COMPLETED 17, NOT COMPLETED 3: 'Adverse Event' 1, 'COVID-19 Pandemic' 2.
    assert _one(flow, arm_id="A", stage="completed")["count"] == "17"
    assert _one(flow, arm_id="A", stage="not completed", reason="COVID-19 Pandemic")["count"] == "2"
    # baseline denoms 17; eventGroups[0] seriousNumAtRisk 18.
    assert _one(flow, arm_id="A", stage="baseline set")["count"] == "17"
    assert _one(flow, arm_id="A", stage="safety set")["count"] == "18"
    # The primary outcomes' groups are the six test foods (arms B-G), not the flow's group: no efficacy set.
    assert not (flow.stage == "efficacy set").any()
    assert _notes(result, NOT_MAPPED, "resultsSection.outcomeMeasuresModule")
    data = _validated(result, bundled)
    table = cv.flow_rows(data, ViewState(trial=("NCT05594173",)))
    assert _one(table, arm_id="A", stage="not completed", reason="Adverse Event")["count"] == 1


# ---------------------------------------------------------------- records that disagree with themselves


def _small(change) -> dict:
    record = copy.deepcopy(_record("NCT05594173"))
    change(record["resultsSection"]["participantFlowModule"]["periods"][0], record)
    return record


def test_completed_and_not_completed_not_adding_up_is_a_warning_and_loads(bundled):
    def change(period, _record):  # CHANGED: COMPLETED 17 -> 18, so 18 + 3 is not the 20 who started
        period["milestones"][1]["achievements"][0]["numSubjects"] = "18"

    result = import_record(_small(change), "changed.json")
    assert result.ok
    warning = _notes(result, WARNING, f"{FLOW}.periods[0]")
    assert len(warning) == 1 and "completed 18 + not completed 3 = 21, not the 20 who started" in warning[0].reason
    assert _one(result.tables["flow"], arm_id="A", stage="completed")["count"] == "18"  # placed as posted
    _validated(result, bundled)
    assert {r["kind"] for r in result.report_rows()} >= {WARNING}


def test_reasons_exceeding_not_completed_are_left_out_with_a_warning(bundled):
    def change(period, _record):  # CHANGED: 'COVID-19 Pandemic' 2 -> 5, so the reasons (1 + 5) exceed NOT COMPLETED 3
        period["dropWithdraws"][1]["reasons"][0]["numSubjects"] = "5"

    result = import_record(_small(change), "changed.json")
    flow = result.tables["flow"]
    assert _one(flow, arm_id="A", stage="not completed", reason="")["count"] == "3"
    assert not ((flow.stage == "not completed") & (flow.reason != "")).any()
    warning = _notes(result, WARNING, f"{FLOW}.periods[0].dropWithdraws")
    assert len(warning) == 1 and "add up to 6, more than the 3 not completing" in warning[0].reason
    _validated(result, bundled)  # flow.csv's rule (reasons at most their total) is not broken
    assert _one(result.extras["flow"], label="COVID-19 Pandemic")["count"] == "5"


def test_reasons_short_of_not_completed_are_a_warning(bundled):
    def change(period, _record):  # CHANGED: 'COVID-19 Pandemic' 2 -> 1, so the reasons give 2 of the 3
        period["dropWithdraws"][1]["reasons"][0]["numSubjects"] = "1"

    result = import_record(_small(change), "changed.json")
    assert "add up to 2 of the 3 not completing" in _notes(result, WARNING, f"{FLOW}.periods[0].dropWithdraws")[0].reason
    assert len(result.tables["flow"][result.tables["flow"].reason != ""]) == 2
    _validated(result, bundled)


def test_na_counts_odd_milestones_and_a_small_enrolment_are_reported(bundled):
    def change(period, record):  # CHANGED: NOT COMPLETED 'NA', an extra milestone type, enrolment 10 of the 20 started
        period["milestones"][2]["achievements"][0]["numSubjects"] = "NA"
        period["milestones"].append({"type": "Received Barium", "achievements": [{"groupId": "FG000", "numSubjects": "12"}]})
        record["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 10

    result = import_record(_small(change), "changed.json")
    flow = result.tables["flow"]
    assert not ((flow.stage == "not completed") & (flow.reason == "")).any()
    na = _notes(result, NOT_MAPPED, f"{FLOW}.periods[0].milestones[2].achievements[0]")
    assert na and "'NA'" in na[0].reason
    assert "Received Barium" in _notes(result, NOT_MAPPED, f"{FLOW}.periods[0].milestones[3]")[0].reason
    assert not (flow.arm_id == "").any()
    assert "20 started the first period, more than the 10 enrolled" in _notes(
        result, WARNING, "protocolSection.designModule.enrollmentInfo.count")[0].reason
    # Reasons without their total stay (flow.csv allows a stage given by its reasons only).
    assert len(flow[(flow.stage == "not completed") & (flow.reason != "")]) == 2
    _validated(result, bundled)
