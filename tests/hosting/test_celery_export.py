"""Deck exports through a real Celery worker (compose.yaml's `worker` service), clicked in Debian
Chromium: Redis (tests/servers.py), `celery -A export_worker worker` and gunicorn, all with
compose's job settings (CELERY_BROKER_URL on Redis db 1, CACHE_URL on db 0, one STATE_DIR).

The job runs in the worker, not in the web process: the worker's log names the task and its end.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from tests.browser.conftest import chromium_browser, page  # noqa: F401 - fixtures
from tests.browser.test_dashboard import wait_for_figures
from tests.hosting.conftest import ARTIFACTS, REPO_ROOT
from tests.servers import RedisServer, celery_worker

pytestmark = pytest.mark.browser

DOWNLOAD_MS = 180_000  # a cold Chromium start in the worker plus a full deck, on a loaded machine
TODAY = date.today().isoformat()
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


def _tasks(worker, state: str) -> list[str]:
    return [m.group(2) for m in TASK.finditer(worker.log_text()) if m.group(3) == state]


def test_a_deck_is_made_by_the_celery_worker_with_progress(page, jobs, tmp_path):  # noqa: F811
    from pptx import Presentation

    server, worker = jobs
    page.goto(server.url + "/?agent=bevacizumab")
    wait_for_figures(page)
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
    assert download.suggested_filename == f"trial-evidence_E2100_{TODAY}.pptx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    deck = Presentation(io.BytesIO(target.read_bytes()))
    titles = [s.shapes.title.text_frame.text for s in deck.slides]
    # the same deck test_exports.py checks in the Diskcache process: title, summary, 26 view slides, sources
    assert len(titles) == 29 and titles[0] == "Sorafenib & anti-VEGF trial evidence" and titles[-1].startswith("Sources")
    box.wait_for(state="hidden", timeout=15_000)
    assert page.locator("#export-pptx").is_enabled()
    assert len(_tasks(worker, "succeeded")) == 1, worker.log_text()[-2000:]  # made there, not in gunicorn
    assert page.console_errors == []


def test_cancel_stops_the_job_in_the_worker(page, jobs, tmp_path):  # noqa: F811
    server, worker = jobs
    page.goto(server.url + "/?grade=all")
    wait_for_figures(page)
    box = page.locator("#export-progress-box")
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.locator("#export-pptx").click()
    page.wait_for_function(
        "() => /^Drawn slide \\d+ of \\d+: \\S/.test(document.querySelector('#export-progress-text').textContent)",
        timeout=DOWNLOAD_MS,
    )
    (cancelled,) = _tasks(worker, "received")
    page.locator("#export-cancel").click()
    box.wait_for(state="hidden", timeout=15_000)
    worker.wait_for_log(f"Terminating {cancelled}", timeout=30)  # the job's process is killed
    page.wait_for_timeout(3_000)
    assert downloads == [] and cancelled not in _tasks(worker, "succeeded")
    # One job per user here: the killed job's slot is free, so the next deck is made at once.
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        page.locator("#export-pptx").click()
    assert info.value.suggested_filename == f"trial-evidence_all-trials_{TODAY}.pptx"
    assert cancelled not in _tasks(worker, "succeeded") and len(_tasks(worker, "succeeded")) == 1
    assert page.console_errors == []
