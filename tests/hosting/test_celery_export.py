"""Deck exports through a real Celery worker (compose.yaml's `worker` service), clicked in Debian
Chromium: Redis (tests/servers.py), `celery -A export_worker worker` and gunicorn, all with
compose's job settings (CELERY_BROKER_URL on Redis db 1, CACHE_URL on db 0 of the same test
Redis, where compose gives the cache its own server; one STATE_DIR).

The job runs in the worker, not in the web process: the worker's log names the task and its end.
A cancelled job's browser goes with its pool process (found through /proc, `_browsers`).
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest

from tests.browser.conftest import chromium_browser, page  # noqa: F401 - fixtures
from tests.browser.test_exports import ready_to_export, undated
from tests.hosting.conftest import ARTIFACTS, REPO_ROOT
from tests.servers import RedisServer, celery_worker

pytestmark = pytest.mark.browser

DOWNLOAD_MS = 180_000  # a cold Chromium start in the worker plus a full deck, on a loaded machine
TASK = re.compile(r"Task (background_callback_\w+)\[([0-9a-f-]+)\] (succeeded|received)")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def jobs(redis_server, tmp_path, gunicorn):
    """(gunicorn Server, Celery worker) sharing Redis and STATE_DIR like compose's app and worker."""
    env = {
        "STATE_DIR": tmp_path / "state",
        "CACHE_URL": redis_server.url,  # db 0
        "CELERY_BROKER_URL": redis_server.url.rsplit("/", 1)[0] + "/1",
        "SECRET_KEY": "celery-export-test-secret",
        "EXPORT_JOBS_PER_USER": "1",
        "WARM_CACHE_STATES": "0",
    }
    worker = celery_worker(env, ARTIFACTS / f"celery-{tmp_path.name}.log", REPO_ROOT)
    try:
        yield gunicorn(env=env), worker
    finally:
        worker.stop()


def _browsers(state_dir: Path) -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, "wrapper" | "chromium" | "crashpad")} of every browser process this worker
    started, found by this STATE_DIR in its environment wherever it was reparented to: kaleido's
    browser is choreographer's pipe wrapper (a Python process, child of the pool process), its
    Chromium (the wrapper's child; renderers, GPU and zygote carry --type= and are left out) and
    Chromium's crash handlers (two per browser, detached to init by design)."""
    marker = f"STATE_DIR={state_dir}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            program = os.path.basename(argv[0].decode(errors="replace"))
            if any(a.endswith(b"_unix_pipe_chromium_wrapper.py") for a in argv):
                kind = "wrapper"
            elif program == "chrome_crashpad_handler":
                kind = "crashpad"
            elif program in ("chromium", "chrome", "headless_shell") and not any(a.startswith(b"--type=") for a in argv):
                kind = "chromium"
            else:
                continue
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            found[int(entry.name)] = (int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]), kind)
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or not ours
    return found


def _pool_processes(worker) -> set[int]:
    """The worker's prefork pool processes (children of its main process) alive now."""
    children = Path(f"/proc/{worker.proc.pid}/task/{worker.proc.pid}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def _no_orphan_browsers(worker, state_dir: Path, timeout: float = 20.0) -> dict[int, tuple[int, str]]:
    """The worker's browsers once each belongs to a live pool process (one warm browser per pool
    process is the design); fails when one outlives its process (an orphan per cancelled job)."""
    deadline = time.monotonic() + timeout
    while True:
        browsers, pool = _browsers(state_dir), _pool_processes(worker)
        wrappers = {pid for pid, (_parent, kind) in browsers.items() if kind == "wrapper"}
        owner = {"wrapper": pool, "chromium": wrappers}
        orphans = {pid: seen for pid, seen in browsers.items() if seen[1] in owner and seen[0] not in owner[seen[1]]}
        chromium = [pid for pid, (_parent, kind) in browsers.items() if kind == "chromium"]
        crash_handlers = [pid for pid, (_parent, kind) in browsers.items() if kind == "crashpad"]
        if not orphans and len(wrappers) <= len(pool) and len(crash_handlers) <= 2 * len(chromium):
            return browsers
        if time.monotonic() > deadline:
            raise AssertionError(f"a browser outlived its pool process: {orphans or crash_handlers}; pool {pool}; all {browsers}")
        time.sleep(0.5)


def _tasks(worker, state: str) -> list[str]:
    return [m.group(2) for m in TASK.finditer(worker.log_text()) if m.group(3) == state]


def test_a_deck_is_made_by_the_celery_worker_with_progress(page, jobs, tmp_path):  # noqa: F811
    from pptx import Presentation

    server, worker = jobs
    page.goto(server.url + "/?agent=bevacizumab")
    ready_to_export(page)
    box = page.locator("#export-progress-box")
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        page.locator("#export-pptx").click()  # "All figures that show data": a background job
        box.wait_for(state="visible", timeout=15_000)
        page.wait_for_function(
            "() => /^Drawn slide \\d+ of \\d+: \\S/.test(document.querySelector('#export-progress-text').textContent)",
            timeout=DOWNLOAD_MS,
        )
        assert page.locator("#export-pptx").is_disabled()
    download = info.value
    assert undated(download.suggested_filename) == "trial-evidence_E2100_DAY.pptx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    deck = Presentation(io.BytesIO(target.read_bytes()))
    titles = [s.shapes.title.text_frame.text for s in deck.slides]
    # the same deck test_exports.py checks in the Diskcache process: title, summary, 26 view slides, sources
    assert len(titles) == 28 and titles[0] == "Sorafenib & anti-VEGF trial evidence" and titles[-1].startswith("Sources")
    box.wait_for(state="hidden", timeout=15_000)
    assert page.locator("#export-pptx").is_enabled()
    assert len(_tasks(worker, "succeeded")) == 1, worker.log_text()[-2000:]  # made there, not in gunicorn
    assert page.console_errors == []


def test_cancel_stops_the_job_in_the_worker(page, jobs, tmp_path):  # noqa: F811
    server, worker = jobs
    page.goto(server.url + "/?grade=all")
    ready_to_export(page)
    box = page.locator("#export-progress-box")
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.locator("#export-pptx").click()
    page.wait_for_function(
        "() => /^Drawn slide \\d+ of \\d+: \\S/.test(document.querySelector('#export-progress-text').textContent)",
        timeout=DOWNLOAD_MS,
    )
    (cancelled,) = _tasks(worker, "received")
    drawing = _no_orphan_browsers(worker, tmp_path / "state")  # the job's browser, seen by _browsers
    assert sorted(kind for _parent, kind in drawing.values() if kind != "crashpad") == ["chromium", "wrapper"]
    page.locator("#export-cancel").click()
    box.wait_for(state="hidden", timeout=15_000)
    worker.wait_for_log(f"Terminating {cancelled}", timeout=30)  # the job's process is killed
    page.wait_for_timeout(3_000)
    assert downloads == [] and cancelled not in _tasks(worker, "succeeded")
    # Its Chromium went with it: the pool process is terminated, the browser's pipe closes and
    # Chromium quits (so also after SIGKILL); a new pool process starts its own when it draws.
    assert _no_orphan_browsers(worker, tmp_path / "state") == {}
    # One job per user here: the killed job's slot is free, so the next deck is made at once (of
    # one trial: 7 pictures, where the cancelled one had 41).
    page.goto(server.url + "/?trial=SOR")
    ready_to_export(page)
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        page.locator("#export-pptx").click()
    assert undated(info.value.suggested_filename) == "trial-evidence_SOR_DAY.pptx"
    assert cancelled not in _tasks(worker, "succeeded") and len(_tasks(worker, "succeeded")) == 1
    kept = _no_orphan_browsers(worker, tmp_path / "state")  # the next job's browser, kept warm
    assert sorted(kind for _parent, kind in kept.values() if kind != "crashpad") == ["chromium", "wrapper"]
    assert page.console_errors == []
