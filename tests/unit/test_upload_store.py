"""Validated uploads kept on the server: ids, owners, quota, idle expiry, shared by processes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.upload_store import MAX_ENTRIES_PER_OWNER, QuotaError, UploadStore, is_id

PAYLOAD = {"format": "evidence-upload", "tables": {"trials": {"columns": ["trial_id"], "rows": [["X-1"]]}}}


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def entry_files(root: Path) -> list[Path]:
    return sorted((root / "uploads").glob("*/*.json"))


def test_put_and_get_round_trip_as_json_under_an_unguessable_id(tmp_path):
    store = UploadStore(tmp_path)
    ids = {store.put(f"user:{n}", PAYLOAD) for n in range(50)}
    assert len(ids) == 50 and all(is_id(i) and len(i) == 43 for i in ids)  # token_urlsafe(32): 256 bits
    upload_id = store.put("user:ann", PAYLOAD)
    assert store.get(upload_id, "user:ann") == PAYLOAD
    files = entry_files(tmp_path)
    assert len(files) == 51 and not any(i in str(f) for f in files for i in ids | {upload_id})  # named by SHA-256
    assert sorted(json.loads(f.read_bytes())["owner"] for f in files)[-1] == "user:ann"


def test_one_owner_cannot_read_or_delete_another_owners_upload(tmp_path):
    store = UploadStore(tmp_path)
    upload_id = store.put("user:ann", PAYLOAD)
    assert store.get(upload_id, "user:bob") is None and not store.alive(upload_id, "user:bob")
    store.delete(upload_id, "user:bob")
    assert store.get(upload_id, "user:ann") == PAYLOAD
    store.delete(upload_id, "user:ann")
    assert store.get(upload_id, "user:ann") is None


@pytest.mark.parametrize("bad", [None, 42, "", "../../etc/passwd", "a" * 42, "a" * 44, "a/" * 21 + "a"])
def test_malformed_ids_find_nothing(tmp_path, bad):
    assert UploadStore(tmp_path).get(bad, "user:ann") is None


def test_an_upload_unused_for_the_idle_time_expires_and_use_keeps_it(tmp_path):
    clock = Clock()
    store = UploadStore(tmp_path, max_idle_seconds=3600, clock=clock)
    used, unused = store.put("s:1", PAYLOAD), store.put("s:2", PAYLOAD)
    clock.now += 3000
    assert store.get(used, "s:1") == PAYLOAD  # marks it used
    clock.now += 3000  # 6000 s after put, 3000 s after use
    assert store.alive(used, "s:1")
    assert store.get(unused, "s:2") is None  # expired: removed when read
    clock.now += 3601
    assert store.expire() == 1 and entry_files(tmp_path) == []


def test_expired_entries_are_swept_on_put(tmp_path):
    clock = Clock()
    store = UploadStore(tmp_path, max_idle_seconds=60, clock=clock)
    for owner in ("s:1", "s:2", "s:3"):
        store.put(owner, PAYLOAD)
    clock.now += 61
    store.put("s:4", PAYLOAD)
    assert len(entry_files(tmp_path)) == 1


def test_quota_per_owner_removes_that_owners_oldest_uploads_first(tmp_path):
    clock = Clock()
    size = len(json.dumps({"owner": "s:1", "created": clock.now, "payload": PAYLOAD}, separators=(",", ":")))
    store = UploadStore(tmp_path, quota_bytes=3 * size + size // 2, clock=clock)
    other = store.put("s:other", PAYLOAD)
    mine = []
    for _ in range(5):
        clock.now += 1
        mine.append(store.put("s:1", PAYLOAD))
    assert [store.get(i, "s:1") is not None for i in mine] == [False, False, True, True, True]
    assert store.get(other, "s:other") == PAYLOAD  # another owner's data is never removed
    with pytest.raises(QuotaError, match="at most .* bytes are kept per user"):
        store.put("s:1", {"rows": ["x" * (4 * size)]})


def test_at_most_a_few_entries_per_owner(tmp_path):
    clock = Clock()
    store = UploadStore(tmp_path, clock=clock)
    kept = []
    for _ in range(MAX_ENTRIES_PER_OWNER + 3):
        clock.now += 1
        kept.append(store.put("s:1", PAYLOAD))
    assert sum(store.alive(i, "s:1") for i in kept) == MAX_ENTRIES_PER_OWNER
    assert all(store.alive(i, "s:1") for i in kept[-MAX_ENTRIES_PER_OWNER:])


def test_a_full_store_refuses_new_uploads_without_removing_others(tmp_path):
    store = UploadStore(tmp_path, total_bytes=1000)
    first = store.put("s:1", PAYLOAD)
    with pytest.raises(QuotaError, match="space for uploaded data is full"):
        for owner in range(20):
            store.put(f"s:{owner + 2}", PAYLOAD)
    assert store.get(first, "s:1") == PAYLOAD


def test_an_upload_put_by_one_process_is_read_by_another(tmp_path):
    # gunicorn workers are separate processes: the store lives in files, not in memory.
    upload_id = UploadStore(tmp_path).put("user:ann", PAYLOAD)
    code = (
        "import json, sys; from evidence.upload_store import UploadStore; "
        "print(json.dumps(UploadStore(sys.argv[1]).get(sys.argv[2], 'user:ann')))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), upload_id], cwd=root, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == PAYLOAD
