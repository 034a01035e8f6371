"""Sign-in and API rate limits counted in Redis (CACHE_URL): two gunicorn replicas on one Redis
share each limit, so a client cannot get twice the allowance by alternating between them; Redis
going away makes each process count on its own again, and never fails a request."""

from __future__ import annotations

import base64
import json

import pytest

from auth import CLIENT_FAILURES, hash_line
from api import WRITES_PER_MINUTE
from tests.servers import RedisServer

PASSWORD = "correct horse battery staple"


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def two_replicas(gunicorn, redis_server, tmp_path):
    users = tmp_path / "users.txt"
    users.write_text(hash_line("alice", PASSWORD) + "\n")
    env = {"AUTH_MODE": "basic", "AUTH_USERS_FILE": users, "CACHE_URL": redis_server.url,
           "SECRET_KEY": "limits-test-key", "STATE_DIR": tmp_path / "state", "EXPORT_ENABLED": "false"}  # fmt: skip
    return gunicorn(env), gunicorn(env)


def test_failed_sign_ins_are_counted_across_replicas(two_replicas, redis_server, fetch):
    a, b = two_replicas
    wrong = basic("alice", "wrong")
    statuses = [fetch((a, b)[n % 2].url + "/", headers=wrong)[0] for n in range(CLIENT_FAILURES)]
    assert statuses == [401] * CLIENT_FAILURES  # 5 on each replica: per process, neither would refuse
    for replica in (a, b):
        status, headers, _ = fetch(replica.url + "/", headers=basic("alice", PASSWORD))
        assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60  # even the right password, from this client

    # Redis gone: no error; each process counts on its own from zero
    redis_server.stop()
    assert fetch(a.url + "/", headers=basic("alice", PASSWORD))[0] == 200
    assert fetch(b.url + "/", headers=wrong)[0] == 401
    assert "rate limit sign-in-client: Redis unavailable" in a.log_tail(200)
    redis_server.start()


def test_api_writes_are_counted_across_replicas(two_replicas, fetch):
    a, b = two_replicas
    alice = basic("alice", PASSWORD)
    statuses = [fetch((a, b)[n % 2].url + "/api/v1/trials/NO-SUCH-TRIAL/share", b"", headers=alice)[0]
                for n in range(WRITES_PER_MINUTE)]  # fmt: skip
    assert statuses == [404] * WRITES_PER_MINUTE
    status, headers, body = fetch(b.url + "/api/v1/trials/NO-SUCH-TRIAL/share", b"", headers=alice)
    assert status == 429 and "Too many requests" in json.loads(body)["error"] and headers["Retry-After"]
    assert fetch(a.url + "/api/v1/trials", headers=alice)[0] == 200  # reading is limited per client only (120)
