"""Fixtures for hosting tests: the app on Flask's test client, and real gunicorn servers.

curated_data (session)
    The bundled data set, loaded and validated once.
make_app (function, factory)
    ``make_app(**settings)`` -> the Dash app from create_app(Settings(**settings), curated_data).
front (function, factory)
    Like ``gunicorn``, but ``python deploy/serve.py`` (the image's entry point: nginx on the
    port, gunicorn behind it on a unix socket); skipped when nginx is not installed.
gunicorn (function, factory)
    ``gunicorn(env=None, workers=1, threads=2)`` starts ``python -m gunicorn --no-control-socket
    -c gunicorn.conf.py wsgi:server`` (the real config: workers, threads and address come from
    the environment) on 127.0.0.1 and a free port, waits for /readyz and returns a `Server`.
    The cache warm-up is off unless env sets WARM_CACHE_STATES.
    Output goes to tests/artifacts/hosting-<port>.log; every server is stopped at teardown.
fetch (session)
    ``fetch(url, body=None, headers=None)`` -> (status, headers, body) over a fresh connection.
callback_body (session)
    ``callback_body(deps, output_id, state)`` -> the JSON body Dash's renderer POSTs to
    /_dash-update-component for the callback writing ``output_id``, given /_dash-dependencies.
view_request, view_props (functions)
    ``view_request(name, state, upload)`` -> (path, body) the browser POSTs for a view's data
    (components/view_requests.py); ``view_props(answer)`` -> component id -> what it sets.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.common import stop_process_group
from bench.scenarios import renderer_outputs, split_output
from components import ids
from config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
START_TIMEOUT = 60.0
GUNICORN = [sys.executable, "-m", "gunicorn", "--no-control-socket", "-c", "gunicorn.conf.py", "wsgi:server"]
FRONT = [sys.executable, "deploy/serve.py"]  # the image's entry point: nginx in front of gunicorn
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 10.0):
    """(status, headers, body) of one request on a fresh connection; HTTP errors are returned too."""
    request = urllib.request.Request(url, data=body, headers={"Connection": "close", **(headers or {})})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


class Server:
    """One gunicorn master (the Popen process) started with the repo's gunicorn.conf.py."""

    def __init__(self, env: dict | None, workers: int, threads: int, command: list[str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"hosting-{self.port}.log"
        full_env = dict(os.environ)
        for name in ("DASH_DEBUG", "AUTH_MODE", "AUTH_USERS_FILE", "AUTH_TRUSTED_PROXIES", "DATA_DIR"):
            full_env.pop(name, None)
        full_env.update(
            PYTHONUNBUFFERED="1", BIND="127.0.0.1", PORT=str(self.port),
            WEB_CONCURRENCY=str(workers), THREADS=str(threads),
            WARM_CACHE_STATES="0",  # no cache warm-up unless a test asks for it
        )
        full_env.update({k: str(v) for k, v in (env or {}).items()})
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            command or GUNICORN,
            cwd=REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: workers die with it
        )

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if http(self.url + "/readyz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.url}/readyz not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def worker_pids(self) -> set[int]:
        """Children of the master (gunicorn's workers), from /proc."""
        pids: set[int] = set()
        for children in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            try:
                pids.update(int(p) for p in children.read_text().split())
            except OSError:
                pass
        return pids

    def stop(self) -> None:
        stop_process_group(self.proc, grace_s=15)
        self._log.close()


@contextlib.contextmanager
def started_servers(command: list[str]):
    """`start(env, workers, threads) -> Server` for `command` (gunicorn, or the image's front);
    every server it started is stopped on exit."""
    servers: list[Server] = []

    def start(env: dict | None = None, workers: int = 1, threads: int = 2) -> Server:
        for _attempt in range(3):  # the free port can be taken between probe and bind
            server = Server(env, workers, threads, command)
            servers.append(server)
            try:
                server.wait_ready()
                return server
            except RuntimeError:
                server.stop()
                if "Address already in use" not in server.log_tail(200):
                    raise
        raise RuntimeError("no free port after 3 attempts")

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def need_nginx() -> None:
    if not os.access(NGINX, os.X_OK):
        pytest.skip(f"nginx not installed at {NGINX} (bash scripts/setup.sh --hosting installs it)")


@pytest.fixture
def gunicorn():
    with started_servers(GUNICORN) as start:
        yield start


@pytest.fixture
def front():
    """Like `gunicorn`, but the image's entry point (deploy/serve.py): nginx on the port, gunicorn
    behind it. Needs Debian's nginx (scripts/test.sh installs it)."""
    need_nginx()
    with started_servers(FRONT) as start:
        yield start


@pytest.fixture(scope="session")
def fetch():
    return http


@pytest.fixture(scope="session")
def curated_data():
    from evidence.loading import load_dataset

    return load_dataset(REPO_ROOT / "data")


@pytest.fixture
def make_app(curated_data):
    from app import create_app

    def build(**settings):
        return create_app(Settings(**settings), curated_data)

    return build


VIEW_ROUTE = "/_evidence/view/"


def view_request(name: str, state: dict | None = None, upload: dict | None = None) -> tuple[str, bytes]:
    """(path, body) of the browser's request for view `name` (a VIEWS key, or "answers") with the
    whole `state` as its slice (the route keeps the fields the view reads)."""
    return VIEW_ROUTE + name, json.dumps({"slice": state or {}, "upload": upload}).encode()


def view_props(answer: bytes | str | dict) -> dict[str, dict]:
    """Component id -> {prop: value} of everything a view's answer sets (texts as `children`)."""
    answer = json.loads(answer) if isinstance(answer, (bytes, str)) else answer
    out: dict[str, dict] = {}
    for component, text in answer["text"]:
        out.setdefault(component, {})["children"] = text
    for component, name, value in answer["attrs"]:
        out.setdefault(component, {})[name] = value
    for component, props in answer["props"]:
        out.setdefault(component, {}).update(props)
    return out


@pytest.fixture(scope="session")
def callback_body():
    def build(deps: list[dict], output_id: str = ids.TRIAL_GRID, state: dict | None = None) -> bytes:
        # the server's callback for that output (a clientside one, e.g. the highlight restyle, also
        # writes figures, with an '@hash' output the server does not answer)
        dep = next(
            d for d in deps
            if not d.get("clientside_function") and any(o["id"] == output_id for o in split_output(d["output"]))
        )
        state_inputs = {ids.STATE}
        inputs = [{**i, "value": (state or {}) if i["id"] in state_inputs else None} for i in dep["inputs"]]
        body = {
            "output": dep["output"],
            "outputs": renderer_outputs(dep["output"]),
            "inputs": inputs,
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
            "state": [{**s, "value": None} for s in dep["state"]],
        }
        return json.dumps(body).encode()

    return build
