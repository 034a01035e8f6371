"""Authentication: off by default; `basic` against a users file of salted hashes; `proxy` trusting a
user header only from the configured proxy addresses. Every route is covered, health routes excepted."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auth import Users, hash_line, parse_users
from components import ids
from security import AuthConfigError, _peer_in
from tests.hosting.conftest import view_props, view_request

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def users_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "users.txt"
    path.write_text(f"# dashboard users\n{hash_line('alice', PASSWORD)}\n\n{hash_line('bob', 'other')}\n")
    return path


def status(client, path: str, method: str = "GET", **kwargs) -> int:
    """Status of one test-client request; the response is closed (static files hold a file open)."""
    with client.open(path, method=method, **kwargs) as response:
        return response.status_code


def client_at(app, address: str):
    """A test client whose requests come from `address` (the direct peer, REMOTE_ADDR)."""
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def routes(client, headers=None) -> list[tuple[str, str, bytes | None]]:
    """(method, path, body) for every kind of route the page uses, found from the open app."""
    html = client.get("/", headers=headers).get_data(as_text=True)
    suite = re.search(r'src="(/_dash-component-suites/[^"]+\.js[^"]*)"', html).group(1)
    asset = re.search(r'href="(/assets/[^"?]+)', html).group(1)
    return [
        ("GET", "/", None),
        ("GET", "/?agent=sorafenib", None),
        ("GET", "/_dash-layout", None),
        ("GET", "/_dash-dependencies", None),
        ("GET", suite, None),
        ("GET", asset, None),
        ("GET", "/_favicon.ico", None),
        ("POST", *view_request("overview", {"agent": ["bevacizumab"]})),
        ("POST", "/_dash-update-component", b"{}"),
    ]


def grid(client, headers=None):
    """The trials grid's data for agent = bevacizumab, as the browser asks for it."""
    path, body = view_request("overview", {"agent": ["bevacizumab"]})
    return client.post(path, data=body, content_type="application/json", headers=headers)


def test_auth_is_off_by_default(make_app):
    client = make_app().server.test_client()
    for method, path, body in routes(client)[:-1]:
        assert status(client, path, method, data=body) == 200, path
    response = grid(client)
    assert response.status_code == 200
    assert [row["trial_id"] for row in view_props(response.json)[ids.TRIAL_GRID]["rowData"]] == ["E2100"]


def test_basic_refuses_every_route_without_credentials(make_app, users_file):
    app = make_app(auth_mode="basic", auth_users_file=users_file)
    client = app.server.test_client()
    for method, path, body in routes(client, basic("alice", PASSWORD)):
        with client.open(path, method=method, data=body, content_type="application/json") as response:
            assert response.status_code == 401, path
            assert response.headers["WWW-Authenticate"].startswith('Basic realm="')
            assert "Content-Security-Policy" in response.headers


def test_basic_accepts_the_right_password_on_every_route(make_app, users_file):
    client = make_app(auth_mode="basic", auth_users_file=users_file).server.test_client()
    headers = basic("alice", PASSWORD)
    for method, path, body in routes(client, headers)[:-1]:
        assert status(client, path, method, headers=headers, data=body) == 200, path
    assert grid(client, headers).status_code == 200
    assert client.get("/_dash-layout", headers=basic("bob", "other")).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        basic("alice", "wrong"),
        basic("alice", ""),
        basic("mallory", PASSWORD),
        basic("bob", PASSWORD),
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic not-base64!"},
    ],
    ids=["wrong-password", "empty-password", "unknown-user", "other-users-password", "bearer", "garbage"],
)
def test_basic_refuses_wrong_credentials(make_app, users_file, headers):
    client = make_app(auth_mode="basic", auth_users_file=users_file).server.test_client()
    assert client.get("/_dash-layout", headers=headers).status_code == 401
    assert client.post("/_dash-update-component", data=b"{}", headers=headers).status_code == 401


def test_health_routes_stay_open(make_app, users_file):
    for settings in ({"auth_mode": "basic", "auth_users_file": users_file},
                     {"auth_mode": "proxy", "auth_trusted_proxies": ("10.1.2.3/32",)}):
        client = make_app(**settings).server.test_client()
        assert client.get("/healthz").json == {"status": "ok"}
        ready = client.get("/readyz").json
        assert ready["status"] == "ready" and ready["counts"]["trials"] == 5 and ready["data_version"]


PROXY = {"auth_mode": "proxy", "auth_trusted_proxies": ("10.1.2.3/32", "fd00::/8")}


def test_proxy_accepts_the_user_header_from_a_trusted_proxy(make_app):
    app = make_app(**PROXY)
    headers = {"X-Forwarded-User": "alice@example.org"}
    for address in ("10.1.2.3", "fd00::7", "::ffff:10.1.2.3"):
        client = client_at(app, address)
        for method, path, body in routes(client, headers)[:-1]:
            assert status(client, path, method, headers=headers, data=body) == 200, (address, path)
    assert grid(client, headers).status_code == 200


def test_proxy_refuses_a_missing_header(make_app):
    client = client_at(make_app(**PROXY), "10.1.2.3")
    for headers in ({}, {"X-Forwarded-User": "  "}, {"X-Other-User": "alice"}):
        assert client.get("/", headers=headers).status_code == 403
        assert client.post("/_dash-update-component", data=b"{}", headers=headers).status_code == 403


def test_proxy_refuses_the_header_from_an_untrusted_address(make_app):
    headers = {"X-Forwarded-User": "alice", "X-Forwarded-For": "10.1.2.3"}
    app = make_app(**PROXY)
    for address in ("127.0.0.1", "10.1.2.4", "192.168.0.1", "::1"):
        client = client_at(app, address)
        assert client.get("/", headers=headers).status_code == 403, address
        assert client.post("/_dash-update-component", data=b"{}", headers=headers).status_code == 403, address


def test_proxy_header_name_is_configurable(make_app):
    client = client_at(make_app(**PROXY, auth_proxy_header="X-Auth-Request-Email"), "10.1.2.3")
    assert client.get("/", headers={"X-Forwarded-User": "alice"}).status_code == 403
    assert client.get("/", headers={"X-Auth-Request-Email": "alice@example.org"}).status_code == 200


def test_unusable_auth_settings_stop_start_up(make_app, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nobody yet\n")
    broken = tmp_path / "broken.txt"
    broken.write_text("alice\n")
    for settings, message in [
        ({"auth_mode": "basic"}, "AUTH_USERS_FILE"),
        ({"auth_mode": "basic", "auth_users_file": tmp_path / "missing.txt"}, "cannot read"),
        ({"auth_mode": "basic", "auth_users_file": empty}, "no users"),
        ({"auth_mode": "basic", "auth_users_file": broken}, "line 1"),
        ({"auth_mode": "proxy"}, "AUTH_TRUSTED_PROXIES"),
    ]:
        with pytest.raises(AuthConfigError, match=message):
            make_app(**settings)


def test_users_file_format():
    line = hash_line("alice", "pw")
    assert line.startswith("alice:scrypt:") and "pw" not in line.split(":", 1)[1]
    assert hash_line("alice", "pw") != line  # salted
    users = parse_users(f"# comment\n\n  {line}  \n")
    assert list(users) == ["alice"]
    with pytest.raises(ValueError, match="line 2: user 'alice' listed twice"):
        parse_users(f"{line}\n{line}\n")
    with pytest.raises(ValueError, match="line 1"):
        parse_users("alice:plaintext-password\n")
    for user in ("", "a:b", " alice"):
        with pytest.raises(ValueError):
            hash_line(user, "pw")


def test_verification_remembers_successes_only():
    users = Users(parse_users(hash_line("alice", "pw")))
    assert users.verify("alice", "pw") and users.verify("alice", "pw")
    assert not users.verify("alice", "pw ") and not users.verify("alice", "")
    assert not users.verify("nobody", "pw")


def test_peer_address_matching():
    import ipaddress

    nets = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]
    assert _peer_in("10.9.8.7", nets) and _peer_in("::1", nets) and _peer_in("::ffff:10.0.0.1", nets)
    assert not _peer_in("11.0.0.1", nets) and not _peer_in("", nets) and not _peer_in(None, nets)
    assert not _peer_in("unix:/tmp/socket", nets)


def test_hash_command_prints_a_users_file_line():
    done = subprocess.run(
        [sys.executable, "auth.py", "hash", "alice"], cwd=REPO_ROOT, input="s3cret pass\n",
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    users = Users(parse_users(done.stdout))
    assert users.verify("alice", "s3cret pass") and not users.verify("alice", "s3cret")
    usage = subprocess.run([sys.executable, "auth.py"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_real_gunicorn_basic_and_proxy(gunicorn, users_file, fetch, callback_body):
    server = gunicorn({"AUTH_MODE": "basic", "AUTH_USERS_FILE": users_file})
    assert fetch(server.url + "/")[0] == 401
    assert fetch(server.url + "/", headers=basic("alice", "nope"))[0] == 401
    status, _headers, body = fetch(server.url + "/_dash-dependencies", headers=basic("alice", PASSWORD))
    assert status == 200
    payload = callback_body(json.loads(body), ids.UPLOAD_NOTICE)
    assert fetch(server.url + "/_dash-update-component", payload)[0] == 401
    status, _headers, body = fetch(server.url + "/_dash-update-component", payload, basic("alice", PASSWORD))
    assert status == 200 and ids.UPLOAD_NOTICE.encode() in body
    path, view = view_request("overview", {"agent": ["bevacizumab"]})
    assert fetch(server.url + path, view)[0] == 401
    status, _headers, body = fetch(server.url + path, view, basic("alice", PASSWORD))
    assert status == 200 and b"E2100" in body
    assert fetch(server.url + "/healthz")[0] == 200 and fetch(server.url + "/readyz")[0] == 200

    # The test client is on 127.0.0.1, which is not the trusted proxy: the header is ignored.
    proxied = gunicorn({"AUTH_MODE": "proxy", "AUTH_TRUSTED_PROXIES": "10.0.0.0/8"})
    assert fetch(proxied.url + "/", headers={"X-Forwarded-User": "alice"})[0] == 403
    assert fetch(proxied.url + "/_dash-update-component", payload, {"X-Forwarded-User": "alice"})[0] == 403
    assert fetch(proxied.url + "/healthz")[0] == 200
