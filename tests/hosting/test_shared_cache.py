"""evidence.cache with Redis (CACHE_URL): a value one process computed is a hit in another, keys
carry the data version, values are JSON, and Redis going away (a real redis-server stopped)
degrades to computing, never to an error. (Through two gunicorn replicas: test_team.py.)"""

from __future__ import annotations

import json
import time

import pytest
import redis

from evidence import cache
from evidence.cache import KEY_PREFIX, SharedCache
from tests.servers import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    yield server
    server.stop()


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_a_figure_computed_by_one_process_is_a_hit_in_another(redis_server):
    replica_a, replica_b = SharedCache(redis_server.url, "v1"), SharedCache(redis_server.url, "v1")
    figure = ({"data": [{"x": [1, 2], "y": [0.5, None]}], "layout": {"title": {"text": "HR"}}}, "caption", {"a": 1})
    compute, calls = counting(figure)
    assert replica_a.get_or_compute("render:forest-figure", ("v1", ("PFS",), "2026-01-01"), compute) == figure
    compute_b, calls_b = counting("never")
    hit = replica_b.get_or_compute("render:forest-figure", ("v1", ("PFS",), "2026-01-01"), compute_b)
    assert hit == json.loads(json.dumps(figure)) and calls == [1] and calls_b == []  # JSON: the tuple is a list
    assert (replica_b.hits, replica_b.misses) == (1, 0)
    keys = [k.decode() for k in redis.Redis.from_url(redis_server.url).keys("*")]
    assert len(keys) == 1 and keys[0].startswith(f"{KEY_PREFIX}:v1:render:forest-figure:")
    assert 0 < redis.Redis.from_url(redis_server.url).ttl(keys[0]) <= cache.SHARED_TTL_S


def test_keys_are_namespaced_by_data_version_and_objects_stay_in_the_process(redis_server):
    old, new = SharedCache(redis_server.url, "v1"), SharedCache(redis_server.url, "v2")
    old.get_or_compute("render:x", 1, lambda: "old")
    assert new.get_or_compute("render:x", 1, lambda: "new") == "new"
    new.get_or_compute("view:forest", 1, lambda: object())  # not a shared namespace
    new.get_or_compute("render:y", 1, lambda: {1, 2})  # not JSON: computed, kept in this process only
    keys = sorted(k.decode().split(":")[2:4] for k in redis.Redis.from_url(redis_server.url).keys("*"))
    assert keys == [["v1", "render"], ["v2", "render"]]


def test_sets_in_keys_give_the_same_key_in_every_process():
    assert cache.shared_key("p", "n", (frozenset({"b", "a", "c"}),)) == cache.shared_key("p", "n", (frozenset({"c", "a", "b"}),))


def test_redis_going_away_degrades_to_computing_and_comes_back(redis_server, monkeypatch):
    monkeypatch.setattr(cache, "RETRY_AFTER_FAILURE_S", 1.0)
    shared = SharedCache(redis_server.url, "v1")
    assert shared.status() == "redis"
    redis_server.stop()
    started = time.monotonic()
    for n in range(20):
        assert shared.get_or_compute("render:n", n, lambda n=n: n * 2) == n * 2  # never an error
    assert time.monotonic() - started < 3  # one short timeout, then Redis is skipped
    assert shared.status() == "unavailable"
    redis_server.start()
    time.sleep(1.1)
    assert shared.get_or_compute("render:after", 1, lambda: "again") == "again"
    assert shared.status() == "redis"
    assert redis.Redis.from_url(redis_server.url).keys("*")  # writing again


def test_configure_picks_the_backend_from_cache_url(redis_server):
    try:
        cache.configure(redis_server.url, "v9")
        assert cache.status() == "redis"
        cache.configure("", "v9")
        assert cache.status() == "process"
    finally:
        cache.configure("", "")
