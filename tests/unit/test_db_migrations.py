"""Schema migrations (Alembic): a database made at the previous revision upgrades without loss,
the migrated schema is the one the code uses, and downgrade/upgrade round-trips.
(PostgreSQL: tests/hosting/test_team.py runs the same upgrade on a real server.)"""

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from evidence import db
from evidence.db.schema import metadata
from evidence.upload_store import UploadStore


def previous_revision_database(url: str) -> dict:
    """A database at revision 0001 holding what the 0001 code wrote: two entries (one shared),
    their upload with its original file, and audit lines. Returns what was written."""
    db.upgrade(url, "0001")
    payload = {"format": "evidence-upload", "contract": 2, "tables": {
        "trials": {"columns": ["trial_id", "title"], "rows": [["OLD-1", "An old trial"]], "origin": [["t.csv", 2]]}}}
    ipd_only = {"format": "evidence-upload", "contract": 2, "tables": {
        "survival_ipd": {"columns": ["trial_id", "time_months"], "rows": [["PASO", "3"]], "origin": [["s.csv", 2]]}}}
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO uploads (id, owner, created, trial_ids) VALUES (:i, 'user:ann', 1.0, :t)"),
                  {"i": "u" * 43, "t": json.dumps(["OLD-1", "PASO"])})
        c.execute(text("INSERT INTO upload_files (upload_id, name, content) VALUES (:i, 'old.zip', :b)"),
                  {"i": "u" * 43, "b": b"PK\x03\x04old"})
        for entry, trial, body, shared in (("e" * 43, "OLD-1", payload, True), ("f" * 43, "PASO", ipd_only, False)):
            c.execute(text(
                "INSERT INTO uploaded_trials (id, trial_id, owner, upload_id, added, last_used, size_bytes, revision, "
                "shared, shared_at, payload) VALUES (:id, :trial, 'user:ann', :u, 1.0, 2.0, 10, 1, :shared, NULL, :p)"),
                {"id": entry, "trial": trial, "u": "u" * 43, "shared": shared, "p": json.dumps(payload if trial == "OLD-1" else body)})
        c.execute(text("INSERT INTO audit_log (at, actor, action, trial_id) VALUES (1.0, 'user:ann', 'add', 'OLD-1')"))
    engine.dispose()
    return {"payload": payload}


def test_a_database_at_the_previous_revision_upgrades_without_loss(tmp_path):
    url = db.database_url("", tmp_path)
    written = previous_revision_database(url)
    assert db.current_revision(url) == "0001"
    db.upgrade(url)
    assert db.current_revision(url) == db.head_revision() == "0002"
    engine = create_engine(url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, trial_id, title, shared, payload FROM uploaded_trials ORDER BY trial_id")).all()
        assert [(r.trial_id, r.title, bool(r.shared)) for r in rows] == [("OLD-1", "An old trial", True), ("PASO", "", False)]
        assert json.loads(rows[0].payload) == written["payload"]
        assert c.execute(text("SELECT content FROM upload_files")).scalar_one() == b"PK\x03\x04old"
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1
    engine.dispose()
    store = UploadStore(tmp_path, clock=lambda: 3.0)  # the current code reads the upgraded rows
    assert [(e.trial_id, e.title, e.added_by) for e in store.entries("user:bob")] == [("OLD-1", "An old trial", "ann")]


def test_the_migrated_schema_is_the_schema_the_code_uses(tmp_path):
    url = db.database_url("", tmp_path)
    db.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as c:
        differences = compare_metadata(MigrationContext.configure(c), metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_and_upgrade_round_trip(tmp_path):
    url = db.database_url("", tmp_path)
    db.upgrade(url)
    db.downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    db.upgrade(url)
    assert db.current_revision(url) == "0002"


@pytest.mark.parametrize("given, expected", [
    ("", "sqlite:///"), ("postgres://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
    ("postgresql://u@h:5433/d", "postgresql+psycopg://u@h:5433/d"), ("sqlite:////x/y.db", "sqlite:////x/y.db"),
])  # fmt: skip
def test_database_url_defaults_to_sqlite_under_the_state_dir_and_uses_psycopg_3(given, expected, tmp_path):
    url = db.database_url(given, tmp_path)
    assert url.startswith(expected)
    if not given:
        assert url == f"sqlite:///{tmp_path.resolve()}/trials.sqlite3"
    assert "p@" not in db.redacted(url)
