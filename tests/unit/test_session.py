"""A browser session's data: bundled + its uploads (kept on the server), marked, with
patient-level summaries."""

import pandas as pd
import pytest
from lifelines.datasets import load_lung

from evidence import upload
from evidence.session import EXPIRED, UPLOADED_MARK, session_data, uploaded_trial_ids
from evidence.upload_store import UploadStore, new_id

OWNER = "session:test"


@pytest.fixture(scope="module")
def base(data):
    """The bundled data set (the session's `data`, tests/unit/conftest.py)."""
    return data


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    return UploadStore(tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="module")
def example_store(base):
    parsed = upload.merge_uploads([upload.parse_upload(f"{k}.csv", v) for k, v in upload.example_files().items()])
    update = upload.apply_upload(parsed, None, base)
    assert update.ok, update.problems
    return update


@pytest.fixture(scope="module")
def example_ref(uploads, example_store):
    """What the browser holds after uploading the example: ids only."""
    return {"session": new_id(), "upload": uploads.put(OWNER, example_store.store)}


def test_no_upload_is_the_bundled_data(base, uploads):
    assert session_data(base, None, uploads, OWNER) == (base, "")
    assert session_data(base, {"session": new_id()}, uploads, OWNER) == (base, "")


def test_uploaded_trial_joins_and_is_marked(base, uploads, example_ref):
    data, message = session_data(base, example_ref, uploads, OWNER)
    assert message == ""
    assert uploaded_trial_ids(data) == ["EXAMPLE-TRIAL"]
    labels = data.arms[data.arms.trial_id == "EXAMPLE-TRIAL"].label
    assert all(label.startswith(UPLOADED_MARK) for label in labels)
    assert not data.arms[data.arms.trial_id == "PASO"].label.str.startswith(UPLOADED_MARK).any()
    assert len(data.trials) == len(base.trials) + 1
    assert session_data(base, example_ref, uploads, OWNER)[0] is data  # validated once per process


@pytest.mark.parametrize(
    "ref",
    [{"upload": new_id()}, {"upload": "../../etc/passwd"}, {"upload": 42}, ["not", "a", "dict"]],
    ids=["unknown id", "path", "number", "list"],
)
def test_an_unknown_or_malformed_id_falls_back_with_a_message(base, uploads, ref):
    data, message = session_data(base, ref, uploads, "session:nothing-uploaded")
    assert data is base and message == (EXPIRED if isinstance(ref, dict) else "")


def test_another_owner_cannot_read_the_upload(base, uploads, example_ref):
    assert session_data(base, example_ref, uploads, "user:mallory") == (base, EXPIRED)


def test_a_stored_upload_that_no_longer_validates_is_set_aside_with_a_message(base, example_store, tmp_path):
    from sqlalchemy import update

    from evidence.db.schema import uploaded_trials

    uploads = UploadStore(tmp_path)
    ref = {"upload": uploads.put(OWNER, example_store.store)}
    with uploads.engine().begin() as connection:  # the rows changed behind the store's back
        connection.execute(update(uploaded_trials).values(payload='{"format": "evidence-upload", "tables": "x"}'))
    data, message = session_data(base, ref, uploads, OWNER)
    assert data is base and "set aside" in message and "not readable" in message


def test_patient_level_data_gives_r_matching_cox_hr_and_km_medians(base, uploads, example_store, example_ref):
    """lifelines' lung data (sex as arm) uploaded in days: R survival's published results."""
    data, _ = session_data(base, example_ref, uploads, OWNER)
    arms = data.arms[data.arms.trial_id == "EXAMPLE-TRIAL"]
    by_role = dict(zip(arms.role, arms.arm_id))
    lung = load_lung().dropna(subset=["time"])
    frame = pd.DataFrame(
        {"trial_id": "EXAMPLE-TRIAL", "arm_id": lung.sex.map({1: by_role["control"], 2: by_role["experimental"]}),
         "endpoint": "OS", "time": lung.time, "event": lung.status}
    )  # fmt: skip
    parsed, problems = upload.parse_survival_upload(
        "lung.csv", frame.to_csv(index=False).encode(), "days", known_arms=upload.known_arms(data)
    )
    assert problems == []
    update = upload.apply_upload(upload.survival_as_upload(parsed), example_store.store, base)
    assert update.ok, update.problems
    data, _ = session_data(base, {"upload": uploads.put(OWNER, update.store)}, uploads, OWNER)
    hr = data.comparisons[(data.comparisons.trial_id == "EXAMPLE-TRIAL") & (data.comparisons.endpoint == "OS")].iloc[0]
    # R: coxph(Surv(time, status) ~ sex, lung): exp(coef) 0.588, 95% CI 0.424-0.816; survdiff p = 0.00131
    assert (round(hr.value, 3), round(hr.ci_low, 3), round(hr.ci_high, 3)) == (0.588, 0.424, 0.816)
    assert hr.p_text == "0.001" and abs(hr.p_value - 0.00131) < 1e-4
    assert bool(hr.derived) and hr.source.startswith("UPLOADED_IPD:")
    medians = data.efficacy[(data.efficacy.trial_id == "EXAMPLE-TRIAL") & (data.efficacy.endpoint == "OS")]
    # R: survfit medians 270 (male) and 426 (female) days
    days = sorted(round(v * 30.4375) for v in medians.value)
    assert days == [270, 426]
    assert set(data.sources.source_id) >= {"UPLOADED_IPD"}


def test_survival_view_draws_kaplan_meier_from_uploaded_patient_data(base, uploads, example_ref):
    from evidence import views
    from evidence.state import ViewState

    data, _ = session_data(base, example_ref, uploads, OWNER)  # the example bundle carries PFS patient data
    panel = views.survival_panel(data, ViewState(surv_trial="EXAMPLE-TRIAL", endpoint="PFS"))
    assert "Kaplan" in panel.caption and "patient-level" in panel.caption
    names = " ".join(str(t.name) for t in panel.figure_object().data)
    assert "[uploaded]" in names
    from evidence.tables.forest import forest_rows

    rows = forest_rows(data.comparisons, data.arms, data.trials, "PFS", efficacy=data.efficacy)
    example = rows[rows.trial_id == "EXAMPLE-TRIAL"]
    # The curated example HR (0.65) and the HR computed from the uploaded patient data, marked derived.
    assert sorted(example.derived.astype(bool)) == [False, True]
    computed = example[example.derived.astype(bool)].iloc[0]
    assert computed.subgroup == "patient-level data" and computed.source.startswith("UPLOADED_IPD")


def _upload_ipd(base, example_store, time, event, roles, tmp_path_factory):
    """Upload a small OS patient-level file for the example trial; the session's data."""
    uploads = UploadStore(tmp_path_factory.mktemp("state"))
    data, _ = session_data(base, {"upload": uploads.put(OWNER, example_store.store)}, uploads, OWNER)
    arms = data.arms[data.arms.trial_id == "EXAMPLE-TRIAL"]
    by_role = dict(zip(arms.role, arms.arm_id))
    frame = pd.DataFrame(
        {"trial_id": "EXAMPLE-TRIAL", "arm_id": [by_role[r] for r in roles], "endpoint": "OS", "time": time, "event": event}
    )  # fmt: skip
    parsed, problems = upload.parse_survival_upload(
        "toy.csv", frame.to_csv(index=False).encode(), "months", known_arms=upload.known_arms(data)
    )
    assert problems == []
    update = upload.apply_upload(upload.survival_as_upload(parsed), example_store.store, base)
    assert update.ok, update.problems
    ref = {"session": new_id(), "upload": uploads.put(OWNER, update.store)}
    data, message = session_data(base, ref, uploads, OWNER)
    assert message == ""
    return data


def test_uploaded_data_without_control_events_keeps_log_rank_and_says_hr_not_estimable(base, example_store, tmp_path_factory):
    roles = ["experimental"] * 3 + ["control"] * 3
    data = _upload_ipd(base, example_store, [1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0], roles, tmp_path_factory)
    rows = data.comparisons[(data.comparisons.trial_id == "EXAMPLE-TRIAL") & (data.comparisons.endpoint == "OS")]
    assert len(rows) == 1
    row = rows.iloc[0]
    # No HR of 7e7 with CI 0-inf: a P-only row with the reason; log-rank (3 - 1.15)^2 / 0.6775, 1 df.
    assert row.statistic == "p_only" and pd.isna(row.value) and pd.isna(row.ci_low) and pd.isna(row.ci_high)
    assert "Cox hazard ratio not estimable: no events in the control arm" in row.note
    assert row.p_value == pytest.approx(0.02460, abs=5e-6) and row.p_text == "0.025"
    from evidence.tables.forest import forest_rows

    assert "EXAMPLE-TRIAL" not in set(forest_rows(data.comparisons, data.arms, data.trials, "OS").trial_id)


def test_uploaded_data_without_events_gives_no_p_value_and_says_why(base, example_store, tmp_path_factory):
    data = _upload_ipd(base, example_store, [1, 2, 3, 4], [0, 0, 0, 0], ["experimental", "experimental", "control", "control"], tmp_path_factory)
    row = data.comparisons[(data.comparisons.trial_id == "EXAMPLE-TRIAL") & (data.comparisons.endpoint == "OS")].iloc[0]
    assert row.statistic == "p_only" and pd.isna(row.p_value) and pd.isna(row.p_text)
    assert "log-rank test not computable: no events in either arm" in row.note
    medians = data.efficacy[(data.efficacy.trial_id == "EXAMPLE-TRIAL") & (data.efficacy.endpoint == "OS")]
    assert medians.value.isna().all()  # not reached: left empty, not inf


def test_cache_keys_hold_the_full_sha256_of_the_data(base, uploads, example_ref):
    """Views of uploaded data are shared between users through the cache by the data's content,
    so the key is the whole SHA-256 of the files (256 bits), not the 12-digit version people see."""
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256()
    for path in sorted(Path("data").glob("*.csv")):
        digest.update(path.stem.encode() + b"\0" + path.read_bytes())
    assert base.content_key == base.digest == digest.hexdigest() and base.version == digest.hexdigest()[:12]
    data, _ = session_data(base, example_ref, uploads, OWNER)
    assert len(data.content_key) == 64 and data.content_key != base.content_key
    assert data.version == data.content_key[:12]
