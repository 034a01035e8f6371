"""The app under real gunicorn (the repo's gunicorn.conf.py): start-up refuses invalid data with the
validation report, replicas answer alike, and a killed worker is replaced while under load."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from components import ids
from tests.hosting.conftest import view_props, view_request

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_config(env: dict) -> dict:
    """gunicorn.conf.py's module namespace under `env` (what gunicorn reads its settings from)."""
    saved = dict(os.environ)
    try:
        for name in ("BIND", "PORT", "WEB_CONCURRENCY", "THREADS", "LOG_LEVEL"):
            os.environ.pop(name, None)
        os.environ.update(env)
        return runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_gunicorn_settings_come_from_config_settings():
    default = load_config({})
    assert default["bind"] == "0.0.0.0:8050" and default["workers"] == 2 and default["threads"] == 4
    assert default["preload_app"] is True and default["control_socket_disable"] is True
    assert default["accesslog"] == "-" and default["wsgi_app"] == "wsgi:server"
    assert 0 < default["graceful_timeout"] < default["timeout"]
    custom = load_config({"BIND": "127.0.0.1", "PORT": "9001", "WEB_CONCURRENCY": "5", "THREADS": "8", "LOG_LEVEL": "warning"})
    assert (custom["bind"], custom["workers"], custom["threads"], custom["loglevel"]) == ("127.0.0.1:9001", 5, 8, "warning")
    assert load_config({"BIND": "::1", "PORT": "9001"})["bind"] == "[::1]:9001"


# --------------------------------------------------------------------------- start-up


IMPORT_APP = """
import sys
import dash._get_app
import app
assert dash._get_app.APP is None, "a Dash app was constructed"
assert not hasattr(app, "server") and not hasattr(app, "app")
print("NOTHING BUILT")
"""


def test_importing_app_builds_nothing_and_wsgi_builds_it(tmp_path):
    """Tests import app.py for create_app: that import constructs no Dash app and reads no data
    (a missing DATA_DIR does not matter); wsgi.py, what gunicorn serves, builds it and refuses
    the missing data."""
    env = {"DATA_DIR": str(tmp_path / "missing")}
    done = start_and_wait([sys.executable, "-c", IMPORT_APP], env)
    assert done.returncode == 0 and "NOTHING BUILT" in done.stdout, done.stderr[-2000:]
    done = start_and_wait([sys.executable, "-c", "import wsgi"], env)
    assert done.returncode == 3 and "Not starting: the data failed validation." in done.stderr, done.stderr[-2000:]
    # Built on the bundled data (no patient-level rows), it leaves lifelines and scipy.stats
    # unimported: ~1.1 s less for every start (evidence/survival.py imports lifelines where it fits
    # patient-level data; evidence/stats.py needs only scipy.special).
    built = ("import sys, wsgi; print(type(wsgi.server).__name__, len(wsgi.app.callback_map) > 10,"
             " 'lifelines' in sys.modules, 'scipy.stats' in sys.modules)")
    done = start_and_wait([sys.executable, "-c", built], {})
    assert done.returncode == 0 and done.stdout.split() == ["Flask", "True", "False", "False"], done.stderr[-2000:]


@pytest.fixture
def broken_data(tmp_path) -> Path:
    """A copy of data/ with one bad cell: efficacy.csv, line 3 (PASO arm B median PFS), column value."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    path = data / "efficacy.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))
    rows[2][rows[0].index("value")] = "five point six"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())
    return data


def start_and_wait(command: list[str], env: dict) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "BIND": "127.0.0.1", "HOST": "127.0.0.1", "PORT": "0", **env}
    return subprocess.run(
        command, cwd=REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )


GUNICORN = [sys.executable, "-m", "gunicorn", "--no-control-socket", "-c", "gunicorn.conf.py", "wsgi:server"]
PYTHON_APP = [sys.executable, "app.py"]


@pytest.mark.parametrize("command", [GUNICORN, PYTHON_APP], ids=["gunicorn", "python-app.py"])
def test_invalid_data_stops_start_up_with_the_validation_report(broken_data, command):
    done = start_and_wait(command, {"DATA_DIR": str(broken_data)})
    assert done.returncode == 3, done.stderr[-2000:]
    assert "Not starting: the data failed validation." in done.stderr
    assert "efficacy.csv, line 3, column value: expected" in done.stderr
    assert "five point six" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Booting worker" not in done.stdout + done.stderr  # refused before any worker forked


@pytest.mark.parametrize("command", [GUNICORN, PYTHON_APP], ids=["gunicorn", "python-app.py"])
def test_unusable_settings_stop_start_up_in_one_line(command):
    for env, message in [({"WEB_CONCURRENCY": "0", "PORT": "eighty"}, "setting PORT"), ({"AUTH_MODE": "basic"}, "AUTH_USERS_FILE")]:
        done = start_and_wait(command, env)
        assert done.returncode == 2, done.stderr[-2000:]
        assert message in done.stderr and "Traceback" not in done.stderr


def test_dash_debug_is_ignored_under_gunicorn(gunicorn, fetch):
    server = gunicorn({"DASH_DEBUG": "true"})
    status, _headers, body = fetch(server.url + "/")
    assert status == 200
    config = json.loads(body.decode().split('<script id="_dash-config" type="application/json">')[1].split("</script>")[0])
    assert config["ui"] is False and config["props_check"] is False
    assert "DASH_DEBUG is ignored under gunicorn" in server.log_tail(200)


# --------------------------------------------------------------------------- replicas


def test_two_instances_answer_a_view_identically(gunicorn, fetch):
    """No per-user state: any replica gives the same answer to the same request."""
    first, second = gunicorn(), gunicorn()
    for state in ({"agent": ["bevacizumab"]}, {"disease": ["renal cell carcinoma"], "highlight": "PASO"}, None):
        deps_first, deps_second = (fetch(s.url + "/_dash-dependencies")[2] for s in (first, second))
        assert deps_first == deps_second
        path, body = view_request("overview", state)
        answers = [fetch(s.url + path, body) for s in (first, second)]
        assert [a[0] for a in answers] == [200, 200]
        assert answers[0][2] == answers[1][2]
    path, body = view_request("forest", {"endpoint": "OS"})
    assert fetch(first.url + path, body)[2] == fetch(second.url + path, body)[2]
    assert fetch(first.url + "/_dash-layout")[2] == fetch(second.url + "/_dash-layout")[2]


# --------------------------------------------------------------------------- cache warm-up


WARM_DONE = "cache warm-up done"


def test_a_worker_warms_its_cache_after_fork_and_serves_meanwhile(gunicorn, fetch):
    """post_fork starts the warm-up in a background thread (components/warm.py): the worker
    answers while it runs, and afterwards the default state's forest request is a cache hit, and
    so are a facet, an endpoint and a grade-band change of it (evidence.cache logs each lookup at DEBUG: 'hit render:<graph id>')."""
    server = gunicorn({"WARM_CACHE_STATES": "16", "LOG_LEVEL": "debug"}, workers=1, threads=2)
    assert WARM_DONE not in server.log_tail(10_000)  # /readyz answered while the warm-up ran
    assert "warming the cache in the background" in server.log_tail(10_000)
    deadline = time.monotonic() + 300
    while WARM_DONE not in server.log_tail(10_000):
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.5)
    assert "cache warm-up done: 16 of 16 states" in server.log_tail(10_000)
    log = server.log_tail(100_000)
    hits, misses = log.count("hit render:forest-figure"), log.count("miss render:forest-figure")
    status, _headers, body = fetch(server.url + view_request("forest")[0], view_request("forest")[1])
    assert status == 200 and b"PASO" in body
    time.sleep(0.5)  # the log line is written before the response; give the pipe a moment
    log = server.log_tail(100_000)
    assert log.count("hit render:forest-figure") == hits + 1 and log.count("miss render:forest-figure") == misses
    # a single-facet change, an endpoint change and a grade-band change of the default: warmed too
    changes = [("toxicity", {"agent": ["bevacizumab"]}), ("forest", {"endpoint": "OS"}), ("toxicity", {"grade": "all"})]
    for name, change in changes:
        graph_id = ids.GRAPHS[name]
        log = server.log_tail(100_000)
        hits, misses = log.count(f"hit render:{graph_id}"), log.count(f"miss render:{graph_id}")
        path, body = view_request(name, change)
        assert fetch(server.url + path, body)[0] == 200
        time.sleep(0.5)
        log = server.log_tail(100_000)
        assert (log.count(f"hit render:{graph_id}"), log.count(f"miss render:{graph_id}")) == (hits + 1, misses), change


# --------------------------------------------------------------------------- fault


LOAD_CLIENTS = 4
LOAD_SECONDS = 15.0
MAX_REQUESTS_PER_CLIENT = 400


def test_a_killed_worker_is_replaced_under_load(gunicorn, fetch):
    server = gunicorn(workers=2, threads=2)
    grid = view_request("overview")[0]
    bodies = [view_request("overview", {"agent": [agent]})[1] for agent in ("sorafenib", "bevacizumab")]
    deadline = time.monotonic() + LOAD_SECONDS
    stop = threading.Event()
    results: list[tuple[float, float, object]] = []  # (start, end, status or exception name)
    lock = threading.Lock()

    def client(n: int) -> None:
        for i in range(MAX_REQUESTS_PER_CLIENT):
            if stop.is_set() or time.monotonic() > deadline:
                return
            start = time.monotonic()
            try:
                if i % 3 == 2:
                    outcome = fetch(server.url + "/_dash-layout", timeout=10)[0]
                else:
                    outcome = fetch(server.url + grid, bodies[(n + i) % 2], timeout=10)[0]
            except (OSError, http.client.HTTPException) as err:  # e.g. IncompleteRead: the worker died mid-answer
                outcome = type(err).__name__
            with lock:
                results.append((start, time.monotonic(), outcome))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(LOAD_CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    before = server.worker_pids()
    assert len(before) == 2, before
    victim = min(before)
    killed_from = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    killed_to = time.monotonic()

    replaced_at = None
    while time.monotonic() < deadline:
        now = server.worker_pids()
        if len(now) == 2 and victim not in now:
            replaced_at = time.monotonic()
            break
        time.sleep(0.05)
    assert replaced_at is not None, f"worker {victim} not replaced; workers now {server.worker_pids()}"
    time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
    stop.set()
    for t in threads:
        t.join(timeout=15)

    failures = [(s, e, o) for s, e, o in results if o != 200]
    in_flight = [(s, e, o) for s, e, o in failures if s <= killed_to and e >= killed_from]
    assert failures == in_flight, f"failures outside the kill: {[f for f in failures if f not in in_flight]}"
    assert len(failures) <= LOAD_CLIENTS
    assert sum(1 for s, _e, o in results if s > replaced_at and o == 200) > 0, "no successful requests after the replacement"
    assert sum(1 for _s, _e, o in results if o == 200) > 20

    # Afterwards: ready, and view requests answered by both workers (new connection each time).
    assert fetch(server.url + "/readyz")[0] == 200
    for _ in range(6):
        status, _headers, body = fetch(server.url + grid, bodies[1])
        assert status == 200
        assert [r["trial_id"] for r in view_props(body)[ids.TRIAL_GRID]["rowData"]] == ["E2100"]
    assert server.proc.poll() is None


# --------------------------------------------------------------------------- fresh workers


def test_fresh_workers_serve_concurrent_first_requests(gunicorn, fetch):
    """Dash sets itself up on its first request; gunicorn.conf.py's when_ready does that in the
    master, so every forked worker starts set up and concurrent first requests (page, scripts,
    layout, dependencies) on fresh workers all succeed."""
    server = gunicorn(workers=2, threads=8)
    assert "app set up in the master before forking workers: GET /healthz -> 200" in server.log_tail(200)
    status, _headers, index = fetch(server.url + "/")
    assert status == 200
    scripts = re.findall(r'<script src="([^"]+)"', index.decode())
    assert any("_dash-component-suites/dash/" in s for s in scripts)
    paths = ["/", "/_dash-layout", "/_dash-dependencies", *scripts] * 2
    results: list[int] = []
    lock = threading.Lock()

    def get(path: str) -> None:
        status = fetch(server.url + path, timeout=30)[0]
        with lock:
            results.append(status)

    threads = [threading.Thread(target=get, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [200] * len(paths), sorted(set(results))
