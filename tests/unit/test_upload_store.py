"""Uploaded trials kept in the database (SQLite here; PostgreSQL in tests/hosting/test_team.py):
ids, owners, sharing, removal, quota, idle expiry, audit, original files, shared by processes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from evidence.db.schema import uploaded_trials
from evidence.upload.entries import merge, new_rows, split_by_trial, trial_ids
from evidence.upload_store import (
    MAX_ENTRIES_PER_OWNER, Conflict, NotAllowed, NotFound, QuotaError, StoreUnavailable, UploadStore, is_id,
)


def payload(*trials: str, title: str = "A trial", pad: str = "") -> dict:
    """A stored-upload payload with one trials row per id, citing one uploaded source."""
    return {
        "format": "evidence-upload",
        "contract": 2,
        "tables": {
            "sources": {"columns": ["source_id", "citation"], "rows": [["SRC", "Doc" + pad]], "origin": [["s.csv", 2]]},
            "trials": {
                "columns": ["trial_id", "title", "source"],
                "rows": [[t, f"{title} {t}", "SRC: p1"] for t in trials],
                "origin": [["t.csv", i + 2] for i in range(len(trials))],
            },
        },
    }


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def seen(store: UploadStore, owner: str) -> list[str]:
    return [e.trial_id for e in store.entries(owner)]


def test_put_keeps_one_entry_per_trial_with_its_cited_sources_and_the_original_file(tmp_path):
    store = UploadStore(tmp_path)
    upload_id = store.put("user:ann", payload("X-1", "X-2"), files=[("two.zip", b"PK\x03\x04 original bytes")])
    assert is_id(upload_id)
    assert seen(store, "user:ann") == ["X-1", "X-2"]
    assert store.files(upload_id, "user:ann") == [("two.zip", b"PK\x03\x04 original bytes")]
    assert store.files(upload_id, "user:bob") == []
    with store.engine().connect() as connection:
        rows = connection.execute(select(uploaded_trials.c.trial_id, uploaded_trials.c.payload, uploaded_trials.c.title)).all()
    for trial, body, title in rows:
        stored = json.loads(body)
        assert trial_ids(stored) == [trial] and title == f"A trial {trial}"
        assert stored["tables"]["sources"]["rows"] == [["SRC", "Doc"]]  # each entry validates on its own
    assert trial_ids(store.get(upload_id, "user:ann")) == ["X-1", "X-2"]
    assert (tmp_path / "trials.sqlite3").is_file()


def test_private_until_shared_then_seen_by_everyone_marked_with_who_added_it(tmp_path):
    store = UploadStore(tmp_path)
    store.put("user:ann", payload("ANN-1", "ANN-2"))
    store.put("user:bob", payload("BOB-1"))
    assert seen(store, "user:bob") == ["BOB-1"] and seen(store, "anon:x") == []
    shared = store.share("ANN-1", "user:ann")
    assert shared.shared and shared.added_by == "ann"
    assert seen(store, "user:bob") == ["ANN-1", "BOB-1"]
    entry = {e.trial_id: e for e in store.entries("user:bob")}["ANN-1"]
    assert entry.as_json("user:bob") | {"added": "-"} == {
        "trial_id": "ANN-1", "origin": "uploaded", "owner": "ann", "shared": True, "added": "-",
        "title": "A trial ANN-1", "mine": False, "hides": [],
    }  # fmt: skip
    assert trial_ids(store.payload_for(store.visible_key("user:bob"))) == ["ANN-1", "BOB-1"]  # never ANN-2
    with pytest.raises(NotFound):
        store.share("ANN-2", "user:bob")  # another's private trial does not exist for bob
    with pytest.raises(NotAllowed):
        store.share("ANN-1", "user:bob")
    actions = [(a["actor"], a["action"], a["trial_id"]) for a in store.audit()][::-1]
    assert actions == [("user:ann", "add", "ANN-1"), ("user:ann", "add", "ANN-2"), ("user:bob", "add", "BOB-1"),
                       ("user:ann", "share", "ANN-1")]  # fmt: skip


def test_only_the_owner_or_an_admin_removes_a_shared_trial(tmp_path):
    store = UploadStore(tmp_path, admins=["root"])
    store.put("user:ann", payload("ANN-1", "ANN-2"))
    store.share("ANN-1", "user:ann")
    store.share("ANN-2", "user:ann")
    with pytest.raises(NotAllowed, match="ann"):
        store.remove("ANN-1", "user:bob")
    with pytest.raises(NotFound):
        store.remove("CURATED-OR-UNKNOWN", "user:bob")
    store.remove("ANN-1", "user:root")
    store.remove("ANN-2", "user:ann")
    assert seen(store, "user:bob") == [] and seen(store, "user:ann") == []
    assert [(a["actor"], a["action"], a["detail"]) for a in store.audit(2)] == [
        ("user:ann", "remove", ""), ("user:root", "remove", "by an admin; added by ann")]


def test_sharing_a_second_definition_of_a_shared_trial_id_is_refused(tmp_path):
    store = UploadStore(tmp_path)
    store.put("user:ann", payload("SAME"))
    store.put("user:bob", payload("SAME", title="Bob's"))
    store.share("SAME", "user:ann")
    (own,) = store.entries("user:bob")
    assert own.title == "Bob's SAME" and own.hides == ("ann",)  # his own hides ann's, and he is told
    assert own.as_json("user:bob")["hides"] == ["ann"]
    assert own.hides_text() == "yours hides the shared SAME added by ann; rename yours (trial_id) or remove it to see theirs"
    assert [e.hides for e in store.entries("user:carol")] == [()]  # carol sees ann's; nothing hidden
    with pytest.raises(Conflict, match="ann already shares"):
        store.share("SAME", "user:bob")


def test_rows_a_later_upload_adds_to_a_trial_join_its_entry(tmp_path):
    store = UploadStore(tmp_path)
    first = payload("X-1")
    store.put("user:ann", first)
    later = json.loads(json.dumps(first))
    later["tables"]["efficacy"] = {"columns": ["trial_id", "value", "source"], "rows": [["X-1", "5", "SRC: t2"]],
                                   "origin": [["e.csv", 2]]}  # fmt: skip
    store.put("user:ann", later)  # the whole upload again plus one row: only the row is new
    (entry,) = store.entries("user:ann")
    body = store.payload_for(store.visible_key("user:ann"))
    assert entry.revision == 2 and len(body["tables"]["trials"]["rows"]) == 1
    assert body["tables"]["efficacy"]["rows"] == [["X-1", "5", "SRC: t2"]]


@pytest.mark.parametrize("bad", [None, 42, "", "../../etc/passwd", "a" * 42, "a" * 44, "a/" * 21 + "a"])
def test_malformed_ids_find_nothing(tmp_path, bad):
    store = UploadStore(tmp_path)
    assert store.get(bad, "user:ann") is None and not store.alive(bad, "user:ann") and store.files(bad, "user:ann") == []


def test_a_private_trial_unused_for_the_idle_time_expires_and_use_keeps_it(tmp_path):
    clock = Clock()
    store = UploadStore(tmp_path, max_idle_seconds=3600, clock=clock)
    used, unused = store.put("s:1", payload("USED")), store.put("s:2", payload("UNUSED"))
    store.put("s:3", payload("SHARED"))
    store.share("SHARED", "s:3")
    clock.now += 3000
    assert store.visible_key("s:1")  # reading marks the owner's entries used
    clock.now += 3000  # 6000 s after put, 3000 s after use
    assert store.alive(used, "s:1") and not store.alive(unused, "s:2") and seen(store, "s:2") == ["SHARED"]
    clock.now += 3601
    assert store.expire() == 2  # both idle now (an idle entry is unseen at once, removed by a sweep)
    assert seen(store, "s:9") == ["SHARED"]  # shared trials do not expire
    assert {a["action"] for a in store.audit()} >= {"expire"}


def test_quota_per_owner_removes_that_owners_least_recently_used_private_trials(tmp_path):
    clock = Clock()
    size = len(json.dumps(split_by_trial(payload("T-0"))["T-0"], separators=(",", ":")))
    store = UploadStore(tmp_path, quota_bytes=3 * size + size // 2, clock=clock)
    store.put("s:other", payload("OTHER"))
    for n in range(5):
        clock.now += 1
        store.put("s:1", payload(f"T-{n}"))
    assert seen(store, "s:1") == ["T-2", "T-3", "T-4"]
    assert seen(store, "s:other") == ["OTHER"]  # another owner's data is never removed
    with pytest.raises(QuotaError, match="at most .* bytes are kept per user"):
        store.put("s:1", payload("HUGE", pad="x" * (4 * size)))
    assert [a["action"] for a in store.audit()].count("evict") == 2


def test_at_most_a_number_of_private_trials_per_owner(tmp_path):
    clock = Clock()
    store = UploadStore(tmp_path, clock=clock)
    for n in range(MAX_ENTRIES_PER_OWNER + 3):
        clock.now += 1
        store.put("s:1", payload(f"T-{n}"))
    assert seen(store, "s:1") == [f"T-{n}" for n in range(3, MAX_ENTRIES_PER_OWNER + 3)]


def test_a_full_store_refuses_new_uploads_without_removing_others(tmp_path):
    store = UploadStore(tmp_path, total_bytes=1000)
    first = store.put("s:1", payload("FIRST"))
    with pytest.raises(QuotaError, match="space for uploaded data is full"):
        for owner in range(20):
            store.put(f"s:{owner + 2}", payload(f"T-{owner}"))
    assert trial_ids(store.get(first, "s:1")) == ["FIRST"]


def test_an_upload_put_by_one_process_is_read_by_another(tmp_path):
    # gunicorn workers are separate processes: the store is a database, not memory.
    upload_id = UploadStore(tmp_path).put("user:ann", payload("X-1"))
    code = (
        "import json, sys; from evidence.upload_store import UploadStore; "
        "print(json.dumps(UploadStore(sys.argv[1]).get(sys.argv[2], 'user:ann')))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), upload_id], cwd=root, capture_output=True, text=True, check=True)
    assert trial_ids(json.loads(out.stdout)) == ["X-1"]


def test_an_unreachable_database_says_so_quickly(tmp_path):
    import time

    store = UploadStore(url="postgresql://nobody@127.0.0.1:9/none", migrate=False)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="not reachable"):
        store.entries("user:ann")
    with pytest.raises(StoreUnavailable):
        store.put("user:ann", payload("X"))  # within the retry pause: no second wait
    assert time.monotonic() - started < 5
    assert store.ping()[0] is False


def test_new_rows_and_merge_are_inverse_for_one_upload():
    before, after = payload("A"), merge([payload("A"), payload("B")])
    assert trial_ids(new_rows(before, after)) == ["B"]
    assert merge([before, new_rows(before, after)])["tables"]["trials"]["rows"] == after["tables"]["trials"]["rows"]
