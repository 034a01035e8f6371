"""A team's dashboard on real servers started here: two gunicorn replicas on one PostgreSQL and one
Redis, and the default (one replica on SQLite, in-process cache).

- a trial added and shared through replica A is listed and drawn by replica B;
- a figure computed on A is a cache hit on B (B answers with what A put in Redis);
- restarting the replicas keeps everything;
- stopping Redis mid-run loses no request;
- stopping PostgreSQL makes /readyz say so and uploads fail with a clear message, while curated
  views keep serving; when it is back, uploads work again;
- a PostgreSQL database at the previous schema revision upgrades without loss.
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from components import ids
from evidence import db
from evidence.cache import KEY_PREFIX
from evidence.upload import bundle_zip, example_files
from tests.hosting.conftest import view_request
from tests.servers import PostgresServer, RedisServer

EXAMPLE = "EXAMPLE-TRIAL"
PROXY_ENV = {"AUTH_MODE": "proxy", "AUTH_TRUSTED_PROXIES": "127.0.0.1/32", "SECRET_KEY": "team-test-key",
             "EXPORT_ENABLED": "false"}  # fmt: skip


def headers(user: str | dict) -> dict:
    """A signed-in user's proxy header, or (a dict) the headers themselves (e.g. an owner cookie)."""
    return user if isinstance(user, dict) else {"X-Forwarded-User": user}


def post_file(fetch, url: str, user: str, content: bytes, name: str = "example.zip"):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request_headers = {**headers(user), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url + "/api/v1/trials", data=body, headers=request_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def api(fetch, url: str, user: str, path: str = "", method: str = "GET"):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url + "/api/v1/trials" + path, headers=headers(user), method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def listed(fetch, url: str, user: str) -> dict:
    status, body = api(fetch, url, user)
    assert status == 200, body
    return {(t["trial_id"], t["origin"]): t for t in body["trials"]}


def forest(fetch, url: str, user: str, endpoint: str = "PFS") -> tuple[int, str]:
    """(status, text) of the forest's view request for ``user`` at ``endpoint``."""
    path, body = view_request("forest", {"endpoint": endpoint})
    status, _h, text = fetch(url + path, body, headers=headers(user), timeout=60)
    return status, text.decode()


def ready(fetch, url: str) -> dict:
    status, _h, body = fetch(url + "/readyz")
    assert status == 200
    return json.loads(body)


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer()
    yield server
    server.remove()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    yield server
    server.stop()


def add_and_share_on(fetch, replica_a, replica_b):
    status, body = post_file(fetch, replica_a.url, "alice", bundle_zip(example_files()))
    assert status == 201, body
    assert body["trial_ids"] == [EXAMPLE]
    assert (EXAMPLE, "uploaded") not in listed(fetch, replica_b.url, "bob")  # private until shared
    assert EXAMPLE not in forest(fetch, replica_b.url, "bob")[1]
    assert api(fetch, replica_a.url, "alice", f"/{EXAMPLE}/share", "POST")[0] == 200
    seen = listed(fetch, replica_b.url, "bob")[(EXAMPLE, "uploaded")]
    assert (seen["owner"], seen["shared"]) == ("alice", True)
    status, text = forest(fetch, replica_b.url, "bob")
    assert status == 200 and EXAMPLE in text  # drawn by B


def test_two_replicas_on_postgresql_and_redis(gunicorn, fetch, postgres, redis_server, tmp_path):
    env = {**PROXY_ENV, "DATABASE_URL": postgres.url, "CACHE_URL": redis_server.url}
    # separate state directories: nothing but PostgreSQL and Redis is shared
    start = {name: dict(env, STATE_DIR=str(tmp_path / name)) for name in ("a", "b")}
    replica_a, replica_b = gunicorn(start["a"]), gunicorn(start["b"])
    assert ready(fetch, replica_a.url)["database"]["status"] == "ok" and ready(fetch, replica_a.url)["cache"] == "redis"

    add_and_share_on(fetch, replica_a, replica_b)

    # a figure computed on A is a cache hit on B: B answers with the value A put in Redis
    assert forest(fetch, replica_a.url, "carol", "OS")[0] == 200
    shared = redis.Redis.from_url(redis_server.url)
    keys = shared.keys(f"{KEY_PREFIX}:*:render:{ids.FOREST}:*")
    assert keys, "A wrote no figure to Redis"
    for key in keys:
        value = json.loads(shared.get(key))
        value[1] = "CAPTION-FROM-REDIS " + value[1]
        shared.set(key, json.dumps(value), keepttl=True)
    assert "CAPTION-FROM-REDIS" in forest(fetch, replica_b.url, "carol", "OS")[1]

    # restarting both keeps everything
    replica_a.stop()
    replica_b.stop()
    replica_a, replica_b = gunicorn(start["a"]), gunicorn(start["b"])
    assert listed(fetch, replica_a.url, "bob")[(EXAMPLE, "uploaded")]["shared"] is True
    assert "CAPTION-FROM-REDIS" in forest(fetch, replica_a.url, "dave", "OS")[1]  # Redis kept it too

    # stopping Redis mid-run loses no request
    def ask(n: int) -> int:
        return forest(fetch, (replica_a, replica_b)[n % 2].url, f"user{n}", ("PFS", "OS", "ORR", "TTP")[n % 4])[0]

    with ThreadPoolExecutor(4) as pool:
        pending = [pool.submit(ask, n) for n in range(16)]
        time.sleep(0.3)
        redis_server.stop()
        pending += [pool.submit(ask, n) for n in range(16, 24)]
        assert [p.result() for p in pending] == [200] * 24
    assert ready(fetch, replica_b.url)["cache"] == "unavailable"
    redis_server.start()

    # stopping PostgreSQL: /readyz says so, uploads fail with a clear message, curated views serve
    postgres.stop()
    try:
        state = ready(fetch, replica_a.url)
        assert state["status"] == "degraded" and state["database"]["status"] == "unavailable"
        status, body = post_file(fetch, replica_b.url, "alice", bundle_zip(example_files()), "again.zip")
        assert status == 503 and "database that keeps uploaded trials is not reachable" in body["error"]
        status, text = forest(fetch, replica_b.url, "erin", "PFS")
        assert status == 200 and "PASO" in text and "E2100" in text
        status, body = api(fetch, replica_a.url, "erin")
        assert status == 200 and "not reachable" in body["uploaded_unavailable"]
    finally:
        postgres.start()
    deadline = time.monotonic() + 20
    while ready(fetch, replica_a.url)["database"]["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(5.5)  # the store's pause after a failure
    assert (EXAMPLE, "uploaded") in listed(fetch, replica_b.url, "frank")


def test_one_replica_on_the_embedded_defaults(gunicorn, fetch, tmp_path):
    env = {**PROXY_ENV, "STATE_DIR": str(tmp_path / "state")}
    replica = gunicorn(env)
    state = ready(fetch, replica.url)
    assert state["database"]["status"] == "ok" and state["cache"] == "process"
    assert (tmp_path / "state" / "trials.sqlite3").is_file()
    add_and_share_on(fetch, replica, replica)
    replica.stop()
    replica = gunicorn(env)  # a restart keeps everything
    assert listed(fetch, replica.url, "bob")[(EXAMPLE, "uploaded")]["owner"] == "alice"
    assert EXAMPLE in forest(fetch, replica.url, "bob")[1]


def test_a_postgresql_database_at_the_previous_revision_upgrades_without_loss(postgres):
    from tests.unit.test_db_migrations import previous_revision_database

    url = db.database_url(postgres.url.rsplit("/", 1)[0] + "/postgres", ".")  # a database of its own
    previous_revision_database(url)
    db.upgrade(url)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT trial_id, title, shared FROM uploaded_trials ORDER BY trial_id")).all()
        assert [tuple(r) for r in rows] == [("OLD-1", "An old trial", True), ("PASO", "", False)]
        assert c.execute(text("SELECT content FROM upload_files")).scalar_one() == b"PK\x03\x04old"
    engine.dispose()
    db.downgrade(url, "base")
