"""evidence.cache: one get_or_compute for every memoised answer."""

import threading

import pytest

from evidence.cache import ProcessCache


def test_computes_once_per_key_and_namespace():
    cache, calls = ProcessCache(), []

    def compute(value):
        return lambda: calls.append(value) or value

    assert cache.get_or_compute("view:a", ("v1", 1), compute("x")) == "x"
    assert cache.get_or_compute("view:a", ("v1", 1), compute("y")) == "x"  # hit
    assert cache.get_or_compute("view:b", ("v1", 1), compute("z")) == "z"  # another namespace
    assert calls == ["x", "z"]


def test_least_recently_used_entry_goes_first():
    cache = ProcessCache({"small": 2})
    for key in ("a", "b"):
        cache.get_or_compute("small", key, lambda k=key: k)
    cache.get_or_compute("small", "a", lambda: "never")  # "a" used last
    cache.get_or_compute("small", "c", lambda: "c")  # evicts "b"
    assert cache.get_or_compute("small", "a", lambda: "recomputed") == "a"
    assert cache.get_or_compute("small", "b", lambda: "recomputed") == "recomputed"


def test_a_failure_is_not_cached():
    cache = ProcessCache()

    def fail():
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get_or_compute("n", 1, fail)
    assert cache.get_or_compute("n", 1, lambda: "ok") == "ok"


def test_clear_empties_only_the_named_namespaces():
    cache = ProcessCache()
    cache.get_or_compute("view:forest", 1, lambda: "forest")
    cache.get_or_compute("view:design", 1, lambda: "design")
    cache.clear({"view:forest", "never-used"})
    assert cache.get_or_compute("view:forest", 1, lambda: "again") == "again"
    assert cache.get_or_compute("view:design", 1, lambda: "again") == "design"
    cache.clear()
    assert cache.get_or_compute("view:design", 1, lambda: "again") == "again"


def test_threads_share_one_cache():
    cache, results = ProcessCache({"n": 64}), []

    def work(offset):
        for i in range(200):
            results.append(cache.get_or_compute("n", (offset + i) % 50, lambda i=i: (offset + i) % 50))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 800 and all(isinstance(r, int) for r in results)
    assert all(cache.get_or_compute("n", k, lambda: None) == k for k in range(50))
