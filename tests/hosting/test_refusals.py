"""What the real server refuses, and how: malformed callback requests get 400 and one log line,
unknown paths 404, failed sign-ins are rate limited (429 + Retry-After), exports never carry the
request's Host header, and the page config does not name the Python build."""

from __future__ import annotations

import base64
import http.client
import io
import json
import re
import sys
import zipfile

import pytest

from auth import CLIENT_FAILURES, FAILURE_WINDOW_S, USER_FAILURES, hash_line
from bench.scenarios import renderer_outputs, split_output
from components import ids
from components.uploads import TRIAL_LIST
from tests.hosting.conftest import view_props, view_request


def callback_request(deps: list[dict], output_id: str, values: dict | None = None, changed: list[str] | None = None) -> dict:
    """The body the page sends for the server callback writing `output_id`, with chosen input
    values (a clientside callback writing it too, e.g. the grid's highlight, sends no request)."""
    server = [d for d in deps if not d.get("clientside_function")]
    dep = next(d for d in server if any(o["id"] == output_id for o in split_output(d["output"])))
    values = values or {}

    def with_value(item):
        return {**item, "value": values.get(f"{item['id']}.{item['property']}")}

    return {
        "output": dep["output"],
        "outputs": renderer_outputs(dep["output"]),
        "inputs": [with_value(i) for i in dep["inputs"]],
        "changedPropIds": changed or [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
        "state": [with_value(s) for s in dep["state"]],
    }


@pytest.fixture(scope="module")
def server(request):
    """One real gunicorn (1 worker, so its log holds every line) for the module's tests."""
    from tests.hosting.conftest import Server

    srv = Server(None, workers=1, threads=2)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def deps(server):
    from tests.hosting.conftest import http

    return json.loads(http(server.url + "/_dash-dependencies")[2])


def malformed_bodies(deps) -> dict[str, bytes]:
    grid = callback_request(deps, TRIAL_LIST)  # one output, the upload Store as input
    return {
        "upload contents 42": json.dumps(callback_request(
            deps, ids.UPLOAD_STATUS, {f"{ids.UPLOAD_TABLES}.contents": 42},
            [f"{ids.UPLOAD_TABLES}.contents"])).encode(),
        "view state as a list": json.dumps(callback_request(
            deps, ids.STATE_FIX, {f"{ids.STATE}.data": [1, 2], f"{ids.STATE_UNKNOWN}.data": {"page": 2}})).encode(),
        "unknown trigger": json.dumps(callback_request(deps, ids.EXPORT_STATUS, {}, ["no-such-button.n_clicks"])).encode(),
        "unknown output (Dash KeyError)": json.dumps({**grid, "output": "nope.x", "outputs": {"id": "nope", "property": "x"}}).encode(),
        "one output sent as a list": json.dumps({**grid, "outputs": [grid["outputs"]]}).encode(),
        "several outputs sent as one": json.dumps({**callback_request(deps, ids.UPLOAD_NOTICE),
                                                   "outputs": {"id": ids.UPLOAD_NOTICE, "property": "children"}}).encode(),
        "no output (Dash KeyError)": json.dumps({k: v for k, v in grid.items() if k != "output"}).encode(),
        "inputs missing": json.dumps({k: v for k, v in grid.items() if k != "inputs"}).encode(),
        "fewer inputs than defined": json.dumps({**grid, "inputs": []}).encode(),
        "body a list": b"[1, 2]",
        "body not JSON": b"{not json",
    }


def test_malformed_callback_bodies_get_400_and_one_log_line(server, deps, fetch):
    bodies = malformed_bodies(deps)
    before = server.log_path.read_text(errors="replace")
    for name, body in bodies.items():
        status, _headers, answer = fetch(server.url + "/_dash-update-component", body)
        assert status == 400, (name, status, answer[:300])
        assert answer.startswith(b"Bad request: ") and b"Traceback" not in answer and b'File "' not in answer, name
    log = server.log_path.read_text(errors="replace")[len(before):]
    assert "Traceback" not in log and "Exception on" not in log
    assert log.count("malformed callback request") == len(bodies), log
    # the page's own requests still work
    status, _headers, answer = fetch(server.url + "/_dash-update-component", json.dumps(callback_request(deps, TRIAL_LIST)).encode())
    assert status == 200 and TRIAL_LIST in json.loads(answer)["response"]


def test_the_view_state_list_case_reaches_the_state_parser(deps):
    """The 'view state as a list' body above puts the list in the state the server checks."""
    body = json.loads(malformed_bodies(deps)["view state as a list"])
    assert [1, 2] in [i["value"] for i in body["state"]]


MALFORMED_VIEW_BODIES = {
    "body not JSON": b"{not json",
    "body a list": b"[1, 2]",
    "no slice": b'{"upload": null}',
    "slice a list": b'{"slice": [1, 2], "upload": null}',
    "upload a number": b'{"slice": {}, "upload": 7}',
}


def test_malformed_view_requests_get_400_and_one_log_line(server, fetch):
    """The view route (components/view_requests.py) under real gunicorn: a body the page never
    sends is a 400 naming what is wrong, one log line, no traceback; an unknown view is a 404."""
    path, good = view_request("overview", {"agent": ["bevacizumab"]})
    before = server.log_path.read_text(errors="replace")
    for name, body in MALFORMED_VIEW_BODIES.items():
        status, _headers, answer = fetch(server.url + path, body)
        assert status == 400 and answer.startswith(b"Bad request: malformed view request"), (name, status, answer[:300])
    assert fetch(server.url + "/_evidence/view/no-such-view", good)[0] == 404
    log = server.log_path.read_text(errors="replace")[len(before):]
    assert "Traceback" not in log and log.count("malformed view request") == len(MALFORMED_VIEW_BODIES), log
    status, _headers, answer = fetch(server.url + path, good)
    assert status == 200 and [r["trial_id"] for r in view_props(answer)[ids.TRIAL_GRID]["rowData"]] == ["E2100"]


def page_urls(fetch, url: str) -> list[str]:
    html = fetch(url + "/")[2].decode()
    suite = re.search(r'src="(/_dash-component-suites/[^"]+\.js[^"]*)"', html).group(1)
    asset = re.search(r'href="(/assets/[^"]+)"', html).group(1)
    return ["/", "/?agent=sorafenib", "/_dash-layout", "/_dash-dependencies", suite, asset, "/_favicon.ico",
            "/healthz", "/readyz"]


def test_unknown_paths_get_404_and_every_real_route_200(server, fetch):
    for path in page_urls(fetch, server.url):
        assert fetch(server.url + path)[0] == 200, path
    for path in ("/nope", "/admin/login.php", "/_alive_x", "/assets/nope.css", "/index.html/..%2f"):
        status, headers, _body = fetch(server.url + path)
        assert status == 404, path
        assert headers["X-Frame-Options"] == "DENY", path


def test_a_bad_component_suite_path_gets_404_and_one_log_line(server, fetch):
    before = server.log_path.read_text(errors="replace")
    bad = ["/_dash-component-suites/dash/nope.js", "/_dash-component-suites/nolib/x.js",
           "/_dash-component-suites/dash/../../etc/passwd"]
    for path in bad:
        assert fetch(server.url + path)[0] == 404, path
    log = server.log_path.read_text(errors="replace")[len(before):]
    assert "List of registered" not in log and "Traceback" not in log and "registered library" not in log
    assert log.count("component suite file not found") == len(bad)


def test_the_page_config_does_not_name_the_python_build(server, fetch):
    html = fetch(server.url + "/")[2].decode()
    config = json.loads(re.search(r'<script id="_dash-config"[^>]*>(.*?)</script>', html).group(1))
    assert "python_version" not in config
    assert sys.version.split()[0] not in html


def test_export_link_ignores_the_host_header(server, deps, fetch):
    body = callback_request(deps, ids.EXPORT_STATUS, {"export-csv.n_clicks": 1, f"{ids.STATE}.data": {"agent": ["sorafenib"]}},
                            ["export-csv.n_clicks"])
    status, _headers, answer = fetch(server.url + "/_dash-update-component", json.dumps(body).encode(),
                                     headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert status == 200
    assert about_link(answer) == "/?agent=sorafenib"


def test_export_link_uses_public_url(make_app, deps):
    client = make_app(public_url="https://dashboard.example.org").server.test_client()
    body = callback_request(deps, ids.EXPORT_STATUS, {"export-csv.n_clicks": 1, f"{ids.STATE}.data": {"agent": ["sorafenib"]}},
                            ["export-csv.n_clicks"])
    answer = client.post("/_dash-update-component", json=body, headers={"Host": "evil.example"})
    assert about_link(answer.data) == "https://dashboard.example.org/?agent=sorafenib"


def about_link(callback_answer: bytes) -> str:
    """The 'view link' row of about.csv in a CSV export's zip."""
    data = json.loads(callback_answer)["response"][ids.EXPORT_DOWNLOAD]["data"]
    about = zipfile.ZipFile(io.BytesIO(base64.b64decode(data["content"]))).read("about.csv").decode()
    assert "evil.example" not in about
    (row,) = [line for line in about.splitlines() if line.startswith("view link,")]
    return row.split(",", 1)[1]


# --------------------------------------------------------------------------- sign-in rate limit

PASSWORD = "correct horse battery staple"


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text(f"{hash_line('alice', PASSWORD)}\n{hash_line('bob', 'bobs password')}\n")
    return path


def sign_in(port: int, user: str, password: str, source: str = "127.0.0.1", extra: dict | None = None):
    """(status, Retry-After) of GET /_dash-layout with Basic credentials, sent from address `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    try:
        conn.request("GET", "/_dash-layout", headers={"Authorization": f"Basic {token}", **(extra or {})})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After")
    finally:
        conn.close()


def assert_client_limit(port: int, source: str, extra: dict | None = None) -> None:
    """A client's first CLIENT_FAILURES wrong passwords get 401, then it gets 429 (also for a right one)."""
    for _ in range(CLIENT_FAILURES):
        assert sign_in(port, "bob", "wrong", source, extra)[0] == 401
    status, retry_after = sign_in(port, "bob", "wrong", source, extra)
    assert status == 429 and 1 <= int(retry_after) <= FAILURE_WINDOW_S
    assert sign_in(port, "bob", "bobs password", source, extra)[0] == 429


def test_failed_sign_ins_are_limited_per_client_and_per_user(gunicorn, users_file):
    server = gunicorn({"AUTH_MODE": "basic", "AUTH_USERS_FILE": str(users_file)}, workers=1)
    assert sign_in(server.port, "alice", PASSWORD, "127.0.0.9")[0] == 200  # alice signed in before the attack
    # per user: USER_FAILURES failures for alice, spread over clients each under its own limit
    per_client = CLIENT_FAILURES // 2
    sources = [f"127.0.0.{10 + i}" for i in range(-(-USER_FAILURES // per_client))]
    for source in sources:
        for _ in range(per_client):
            assert sign_in(server.port, "alice", "guess", source)[0] == 401
    status, retry_after = sign_in(server.port, "alice", "guess", "127.0.0.30")
    assert status == 429 and 1 <= int(retry_after) <= FAILURE_WINDOW_S
    assert sign_in(server.port, "alice", PASSWORD, "127.0.0.9")[0] == 200  # signed-in alice is not locked out
    assert sign_in(server.port, "bob", "wrong", "127.0.0.31")[0] == 401  # other users are not limited
    # per client
    assert_client_limit(server.port, "127.0.0.40")
    assert sign_in(server.port, "bob", "bobs password", "127.0.0.41")[0] == 200  # other clients are not
    assert "too many failed sign-ins" in server.log_tail(400)


def test_behind_the_front_the_limit_counts_the_real_client(front, users_file):
    """Through the image's nginx, a client cannot escape its limit by naming another address."""
    server = front({"AUTH_MODE": "basic", "AUTH_USERS_FILE": str(users_file)}, workers=1)
    assert_client_limit(server.port, "127.0.0.50", {"X-Real-IP": "203.0.113.7", "X-Peer-IP": "203.0.113.8"})
    assert sign_in(server.port, "bob", "bobs password", "127.0.0.51")[0] == 200
    assert "client 127.0.0.50" in server.log_tail(400)
