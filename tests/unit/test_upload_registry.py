"""ClinicalTrials.gov results records dropped on the "Your own trials" tables upload (issue 18):
through the upload callback as a plain function call, into the session's data and the grade filter.

Expected values were read by hand from the JSON files in ../shared/fixtures/ctgov (each assertion
names the JSON path it comes from)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from dash import no_update

from components import ids
from components.uploads import receive_upload, session_reader
from evidence import coverage_views as cv
from evidence import views
from evidence.state import ViewState
from evidence.tables.toxicity import toxicity_matrix
from evidence.loading import load_dataset

BASE = load_dataset("data")


def _text(children) -> str:
    if children is None:
        return ""
    if isinstance(children, (list, tuple)):
        return " ".join(_text(c) for c in children)
    if isinstance(children, str):
        return children
    return _text(getattr(children, "children", None))


def _data_url(content: bytes, kind: str) -> str:
    return f"data:{kind};base64," + base64.b64encode(content).decode()


@pytest.fixture
def callback_settings(tmp_path):
    from config import Settings

    return Settings(state_dir=tmp_path)


CTGOV_FIXTURES = Path(os.environ.get("FIXTURES_DIR", Path(__file__).parents[2] / ".." / "shared" / "fixtures")) / "ctgov"
needs_ctgov = pytest.mark.skipif(not CTGOV_FIXTURES.is_dir(), reason=f"registry fixtures not found at {CTGOV_FIXTURES}")


def _record_files(nct: str, content: bytes | None = None) -> dict:
    raw = content if content is not None else (CTGOV_FIXTURES / f"{nct}.json").read_bytes()
    return {"tables": [_data_url(raw, "application/json")], "table_names": [f"{nct}.json"]}


@needs_ctgov
def test_a_registry_record_dropped_on_the_tables_upload_joins_the_session(callback_settings):
    ref, status = receive_upload(ids.UPLOAD_TABLES, _record_files("NCT00763412"), None, BASE, callback_settings)
    text = _text(status)
    assert "Loaded: NCT00763412." in text, text
    # The import report, short: counts by kind, then the first entries with their JSON path.
    # 5 assumed: two baseline groups matched by title words, the disease group, STARTED as randomised,
    # the primary outcome's participants as the efficacy set.
    assert "Import report (ClinicalTrials.gov): 5 assumed, 14 not mapped." in text
    assert "not mapped: outcome 'BMI' (MEAN, Kg/m^2) is not an endpoint of the contract" in text
    assert "(resultsSection.outcomeMeasuresModule.outcomeMeasures[0])" in text and "… and 7 more." in text
    data, message = session_reader(BASE, callback_settings)(ref)
    assert message == ""
    arms = data.arms[data.arms.trial_id == "NCT00763412"].set_index("arm_id")
    # participantFlowModule.groups: FG000 'Placebo', FG001 '2. Repaglinide'; STARTED 8 and 8.
    assert list(arms.label) == ["[uploaded] Placebo", "[uploaded] 2. Repaglinide"]
    assert list(arms.n_randomized) == [8, 8]
    # adverseEventsModule.eventGroups[0] (Placebo): seriousNumAffected 0 of seriousNumAtRisk 8.
    events = data.adverse_events[(data.adverse_events.trial_id == "NCT00763412") & (data.adverse_events.level == "any")]
    serious = events[(events.arm_id == "A") & (events.grade == "serious")].iloc[0]
    assert (serious["count"], serious["n_at_risk"]) == (0, 8)
    assert serious.source.startswith("CTGOV_NCT00763412: resultsSection.adverseEventsModule.eventGroups[0].seriousNumAffected")
    # The participant flow reaches the session's flow.csv and the flow panel: enrollmentInfo 31 ACTUAL;
    # periods[0] STARTED 8 / 8, COMPLETED 4 / 4, NOT COMPLETED 4 / 4.
    flow = data.flow[data.flow.trial_id == "NCT00763412"]
    assert flow[(flow.stage == "enrolled") & flow.arm_id.isna()]["count"].tolist() == [31]
    assert flow[flow.stage == "completed"].sort_values("arm_id")["count"].tolist() == [4, 4]
    panel = cv.flow_panel(data, ViewState(trial=("NCT00763412",)))
    control = next(t for t in panel.figure_json()["data"] if t["name"] == "control")
    assert control["x"][:3] == [8, 4, 4]  # randomised, completed, not completed
    # The same study again is refused once, by its NCT number; nothing changes.
    again, status = receive_upload(ids.UPLOAD_TABLES, _record_files("NCT00763412"), ref, BASE, callback_settings)
    assert again is no_update
    assert "NCT00763412.json, whole file, column trial_id: expected a study not loaded yet; found NCT00763412, already loaded" in _text(status)


@needs_ctgov
def test_a_truncated_registry_record_loads_nothing_and_says_why(callback_settings):
    raw = (CTGOV_FIXTURES / "NCT00763412.json").read_bytes()
    cut = raw[: raw.rindex(b",", 0, 5000) + 1]  # a download that stopped between two values
    ref, status = receive_upload(ids.UPLOAD_TABLES, _record_files("NCT00763412", cut), None, BASE, callback_settings)
    assert ref is no_update
    text = _text(status)
    assert text.startswith("Nothing was loaded: 1 problem(s).")
    assert "expected complete, well-formed JSON; found the text ends before the JSON is complete" in text


@needs_ctgov
def test_registry_grade_bands_are_offered_when_the_session_holds_them(callback_settings):
    grades = [o["value"] for o in views.filter_options(BASE)["grade"]]
    assert grades == ["all", "3-4", "3", "4"]  # the bundled data hold CTCAE grades only
    ref, status = receive_upload(ids.UPLOAD_TABLES, _record_files("NCT02552212"), None, BASE, callback_settings)
    data, _ = session_reader(BASE, callback_settings)(ref)
    options = views.filter_options(data)["grade"]
    assert [o["value"] for o in options][-2:] == ["serious", "non-serious"], _text(status)
    assert options[-2]["label"] == "Serious (registry)"
    # seriousEvents[0] 'Glaucoma' (Eye disorders): 1 affected of 159 at risk in EG001 'CZP 200 mg Q2W (SS)'.
    matrix = toxicity_matrix(data.adverse_events, data.arms, data.trials, "serious", top_n=None)
    arms = data.arms[data.arms.trial_id == "NCT02552212"]
    czp = arms.loc[arms.label == "[uploaded] CZP 200 mg Q2W", "arm_id"].item()
    glaucoma = matrix[(matrix.term == "Glaucoma") & (matrix.trial_id == "NCT02552212") & (matrix.arm_id == czp)]
    assert len(glaucoma) == 1 and (glaucoma["count"].iloc[0], glaucoma["n_at_risk"].iloc[0]) == (1, 159)
    assert glaucoma["pct"].iloc[0] == pytest.approx(100 / 159)
