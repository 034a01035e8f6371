"""Fixtures for real-browser tests (Playwright driving Debian's Chromium).

Fixtures
--------
chromium_browser (session)
    A headless ``playwright.sync_api.Browser`` on /usr/bin/chromium (override
    with the CHROMIUM env var). Playwright's own browser downloads are never
    used. Missing browser: skip locally, fail under CI=true.

live_server (session, factory)
    ``live_server(app="wsgi:server", data_dir=None, env=None, fresh=False)``
    starts ``<sys.executable> -m gunicorn --no-control-socket -b 127.0.0.1:PORT
    -w 1 --threads 4 <app>`` in the repo root on a free port, waits until
    ``GET /`` answers 200 (60 s timeout) and returns the base URL
    (``http://127.0.0.1:PORT``). Servers with the same arguments are reused
    within the session unless ``fresh=True``; all are terminated at session end.
    ``data_dir`` is passed as the DATA_DIR env var. Server output goes to
    tests/artifacts/server-<port>.log.

page (function)
    A fresh browser context + page (1280x900). ``page.console_errors`` is a
    list of console errors and uncaught page errors. On teardown of a test that
    did not pass (or whose outcome this conftest cannot see: tests outside
    tests/browser/ that import the fixture) a full-page screenshot is saved to
    tests/artifacts/<test name>.png. Tests that want a picture of a screen to
    look at save it themselves, under a name that says what it shows.

Every test under tests/browser/ is marked ``browser`` automatically, so
``pytest -m "not browser"`` skips them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.common import stop_process_group

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
BROWSER_DIR = Path(__file__).resolve().parent

CHROMIUM_PATH = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT = 60.0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the call phase's report on the item: the page fixture's teardown reads it."""
    report = yield
    if report.when == "call":
        item.call_passed = report.passed
    return report


def pytest_collection_modifyitems(config, items):
    for item in items:
        try:
            Path(str(item.fspath)).resolve().relative_to(BROWSER_DIR)
        except ValueError:
            continue
        item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_browser():
    if not os.access(CHROMIUM_PATH, os.X_OK):
        msg = (
            f"Chromium not found at {CHROMIUM_PATH}; "
            "run `bash scripts/setup.sh --browser` (installs Debian's chromium)"
        )
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)

    from playwright.sync_api import sync_playwright

    from tests.browser_session import RUNNING

    if RUNNING.get("browser") is not None:  # launched by the other copy of this fixture
        yield RUNNING["browser"]
        return
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM_PATH,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        RUNNING["browser"] = browser
        try:
            yield browser
        finally:
            RUNNING.pop("browser", None)
            browser.close()


def _artifact_name(nodename: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", nodename)[:200]


@pytest.fixture
def page(chromium_browser, request):
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.console_errors = []

    def _on_console(msg):
        if msg.type == "error":
            pg.console_errors.append(msg.text)

    pg.on("console", _on_console)
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"pageerror: {exc}"))

    try:
        yield pg
    finally:
        try:
            if not getattr(request.node, "call_passed", False):  # a full-page picture costs ~0.5 s of CPU
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                pg.screenshot(
                    path=str(ARTIFACTS / f"{_artifact_name(request.node.name)}.png"),
                    full_page=True,
                )
        except Exception as exc:  # never mask the test's own outcome
            print(f"[page fixture] screenshot failed: {exc}", file=sys.stderr)
        finally:
            context.close()


# --------------------------------------------------------------------------
# Live WSGI server (gunicorn)
# --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, app: str, data_dir, extra_env):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"server-{self.port}.log"
        env = dict(os.environ)
        env.update(PYTHONUNBUFFERED="1", PORT=str(self.port), HOST="127.0.0.1", WARM_CACHE_STATES="0")  # no warm-up unless asked
        if data_dir is not None:
            env["DATA_DIR"] = str(data_dir)
        if extra_env:
            env.update({k: str(v) for k, v in extra_env.items()})
        cmd = [
            sys.executable, "-m", "gunicorn", "--no-control-socket",
            "-b", f"127.0.0.1:{self.port}", "-w", "1", "--threads", "4", app,
        ]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: workers die with it
        )

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def wait_ready(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = "no response"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.proc.returncode} before serving "
                    f"{self.url}/\n--- {self.log_path} ---\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.url}/ not ready after {timeout:.0f}s (last: {last})\n"
            f"--- {self.log_path} ---\n{self.log_tail()}"
        )

    def stop(self) -> None:
        stop_process_group(self.proc)
        self._log.close()


@pytest.fixture(scope="session")
def live_server():
    servers: list[_Server] = []
    cache: dict[tuple, str] = {}

    def start(app: str = "wsgi:server", data_dir=None, env=None, fresh: bool = False) -> str:
        key = (app, str(data_dir) if data_dir is not None else None,
               tuple(sorted((env or {}).items())))
        if not fresh and key in cache:
            return cache[key]
        last_exc = None
        for _attempt in range(3):  # a free port can be taken between probe and bind
            srv = _Server(app, data_dir, env)
            servers.append(srv)
            try:
                srv.wait_ready()
            except RuntimeError as exc:  # process died before serving
                srv.stop()
                if "Address already in use" not in srv.log_tail(200):
                    raise
                last_exc = exc  # port taken between probe and bind: retry
                continue
            if not fresh:
                cache[key] = srv.url
            return srv.url
        raise last_exc

    try:
        yield start
    finally:
        for srv in servers:
            srv.stop()
