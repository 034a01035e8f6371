"""The image engine: kaleido in one headless Chromium per process.

Pure Python (no Dash). Images are drawn by kaleido in a headless Chromium: one browser per
process, started on the first export (gunicorn workers fork after the app is imported, so a
browser started before the fork would belong to the wrong process), reused afterwards, and torn
down and restarted after a failure or a timeout. Renders are serialised by a lock, so concurrent
exports in one worker's threads queue instead of sharing the browser's one tab.

kaleido's own `start_sync_server()` is the same idea (one `kaleido.Kaleido` on a background
event loop) but its calls block without a time limit and are not thread-safe; this module keeps
its own loop so every call has a deadline and a hung browser can be killed and replaced.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import shutil
import signal
import threading
import time
from typing import Callable

import plotly.graph_objects as go

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg", "pdf")

START_TIMEOUT_S = 45.0
"""Longest wait for Chromium to start (cold start is about 3-4 s)."""
RENDER_TIMEOUT_S = 45.0
"""Longest wait for one image (and, separately, for another thread's image to finish first)."""
TABS = 2
"""Chromium tabs drawing at once: a batch of pictures (a deck) is drawn two at a time, one per
core of a small server; a single image uses one."""
REUSES_PER_RELOAD = 50
"""Pictures a tab draws before its page is reloaded. kaleido reloads the page (plotly.js parsed
again, ~0.3 s of CPU) after every picture; plotly's toImage draws each figure in a fresh element
and removes it, so PNG and SVG pictures come out byte-identical without the reload (checked on
every picture of a deck); the reload is kept now and then to bound what a long-lived page
gathers, and after every PDF (kaleido prints the page itself for those)."""


class ExportError(RuntimeError):
    """An export could not be produced; the message is written for the person who asked."""


class ChromiumMissing(ExportError):
    pass


_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def chromium_path() -> str | None:
    """The Chromium kaleido will use: $BROWSER_PATH if set (and executable), else one on PATH.

    Never downloads anything (no kaleido.get_chrome).
    """
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    for name in _BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_available() -> bool:
    return chromium_path() is not None


CHROMIUM_MISSING_TEXT = (
    "Image, PDF and PowerPoint export need Chromium on the server, and it is not installed "
    "(administrators: apt-get install chromium, or set BROWSER_PATH). CSV and XLSX downloads work."
)


class _Engine:
    """One kaleido browser for this process, on its own event loop thread."""

    def __init__(self) -> None:
        self._forget()

    def _forget(self) -> None:
        # Also called in a forked child: the parent's loop thread and browser are not ours.
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def render(self, figure: dict, opts: dict, timeout: float) -> bytes:
        """Bytes of one image. Waits up to `timeout` s for the engine, then up to `timeout` s
        for the image (plus START_TIMEOUT_S if the browser has to start first)."""
        return self.render_many([(figure, opts)], timeout)[0]

    def render_many(self, jobs: list[tuple[dict, dict]], timeout: float,
                    done: Callable[[int], None] | None = None) -> list[bytes]:
        """Bytes of several images, in order, drawn in one batch on TABS tabs at once (kaleido
        hands each figure to the next free tab). `done(index)` is called, in this thread, as
        each image is finished. Waits up to `timeout` s for the engine, then up to `timeout` s
        per image (the batch's deadline is timeout x images / TABS, at least timeout)."""
        if not self._lock.acquire(timeout=timeout):
            raise ExportError(f"The image engine stayed busy for {timeout:.0f} s with other exports; try again.")
        try:
            path = chromium_path()
            if path is None:
                raise ChromiumMissing(CHROMIUM_MISSING_TEXT)
            if self._kaleido is None:
                self._start(path, START_TIMEOUT_S)
            self._kaleido.reuse_tabs = all(opts.get("format") in ("png", "svg") for _, opts in jobs)
            futures = [asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(figure, opts=opts), self._loop)
                       for figure, opts in jobs]
            deadline = time.monotonic() + timeout * max(1.0, len(jobs) / TABS)
            try:
                pending = set(futures)
                while pending:
                    finished, pending = concurrent.futures.wait(
                        pending, timeout=max(0.0, deadline - time.monotonic()),
                        return_when=concurrent.futures.FIRST_COMPLETED)
                    if not finished:
                        raise concurrent.futures.TimeoutError
                    for future in finished:
                        future.result()  # raises the drawing's error
                        if done is not None:
                            done(futures.index(future))
                return [future.result() for future in futures]
            except concurrent.futures.TimeoutError:
                for future in futures:
                    future.cancel()
                self.stop()
                raise ExportError(f"Chromium did not draw the image within {timeout:.0f} s; it has been restarted.") from None
            except BaseException as err:  # a dead or confused browser, or a cancelled job: start afresh
                for future in futures:
                    future.cancel()
                self.stop()
                if not isinstance(err, Exception):
                    raise
                raise ExportError(f"Chromium could not draw the image ({type(err).__name__}: {err}).") from err
        finally:
            self._lock.release()

    def _start(self, path: str, timeout: float) -> None:
        import kaleido  # imported late: importing it is slow and only exports need it

        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            for name in ("kaleido", "choreographer", "logistro", "browser_proc"):
                logging.getLogger(name).setLevel(logging.WARNING)  # four INFO lines per image otherwise

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kaleido-engine", daemon=True)
        thread.start()

        async def open_browser():
            # mathjax=False: the default fetches MathJax from a CDN, and this server has no network.
            k = _kaleido_class()(n=TABS, timeout=RENDER_TIMEOUT_S, mathjax=False, path=path)
            await k.open()
            return k

        started = time.monotonic()
        future = asyncio.run_coroutine_threadsafe(open_browser(), loop)
        self._loop, self._thread = loop, thread
        try:
            self._kaleido = future.result(timeout=timeout)
        except BaseException as err:
            future.cancel()
            self.stop()
            if isinstance(err, concurrent.futures.TimeoutError):
                raise ExportError(f"Chromium ({path}) did not start within {timeout:.0f} s.") from None
            raise ExportError(f"Chromium ({path}) did not start: {err}") from err
        self.starts += 1
        log.info("export: Chromium started for pid %s in %.1f s (%s)", os.getpid(), time.monotonic() - started, path)

    def stop(self, timeout: float = 10.0) -> None:
        """Close the browser (killing it if it will not close) and its loop thread."""
        k, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if loop is None:
            return
        if k is not None:
            try:
                asyncio.run_coroutine_threadsafe(k.close(), loop).result(timeout=timeout)
            except BaseException:  # noqa: BLE001 - fall back to killing it
                process = getattr(k, "subprocess", None)
                if process is not None and process.poll() is None:
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        process.kill()
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=timeout)
            if not thread.is_alive():
                loop.close()

    def shutdown(self) -> None:
        """At interpreter exit: close the browser without waiting on a render in progress."""
        try:
            self.stop(timeout=5.0)
        except Exception:  # noqa: BLE001 - exiting anyway
            pass


def _kaleido_class():
    """kaleido.Kaleido whose tabs are reused without a page reload (REUSES_PER_RELOAD) while
    `reuse_tabs` is set. It overrides kaleido's private `_return_kaleido_tab` (kaleido 1.5,
    pinned in requirements.txt); tests/unit/test_export_engine.py fails if that method goes."""
    import kaleido

    class ReusedTabs(kaleido.Kaleido):
        reuse_tabs = False

        async def _return_kaleido_tab(self, tab) -> None:
            uses = getattr(tab, "_evidence_uses", 0) + 1
            if self.reuse_tabs and uses < REUSES_PER_RELOAD:
                tab._evidence_uses = uses
                await self.tabs_ready.put(tab)
                return
            tab._evidence_uses = 0
            await super()._return_kaleido_tab(tab)

    assert hasattr(kaleido.Kaleido, "_return_kaleido_tab"), "kaleido changed: see engine._kaleido_class"
    return ReusedTabs


_ENGINE = _Engine()
atexit.register(_ENGINE.shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ENGINE._forget)


def figure_image(fig: go.Figure | dict, fmt: str, width: int = 1920, height: int = 1080, scale: float = 2,
                 *, timeout: float = RENDER_TIMEOUT_S) -> bytes:
    """PNG, SVG or PDF bytes of a figure, drawn by the process's shared Chromium.

    width and height are layout (CSS) pixels; a PNG has width*scale x height*scale pixels.
    Raises ChromiumMissing when no browser is installed, ExportError when drawing fails.
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"format must be one of {IMAGE_FORMATS}, not {fmt!r}")
    if not chromium_available():
        raise ChromiumMissing(CHROMIUM_MISSING_TEXT)
    figure = fig.to_dict() if isinstance(fig, go.Figure) else fig
    return _ENGINE.render(figure, dict(format=fmt, width=width, height=height, scale=scale), timeout)


def figure_images(jobs: list[tuple[dict | go.Figure, str, int, int, float]],
                  done: Callable[[int], None] | None = None, *, timeout: float = RENDER_TIMEOUT_S) -> list[bytes]:
    """Several images (figure, format, width, height, scale) in one batch, in order, drawn by
    the process's shared Chromium TABS at a time; done(index) as each is finished (progress)."""
    for _, fmt, *_ in jobs:
        if fmt not in IMAGE_FORMATS:
            raise ValueError(f"format must be one of {IMAGE_FORMATS}, not {fmt!r}")
    if not chromium_available():
        raise ChromiumMissing(CHROMIUM_MISSING_TEXT)
    prepared = [(fig.to_dict() if isinstance(fig, go.Figure) else fig, dict(format=fmt, width=w, height=h, scale=s))
                for fig, fmt, w, h, s in jobs]
    return _ENGINE.render_many(prepared, timeout, done)


def stop_engine() -> None:
    """Close this process's browser now (tests; it restarts on the next export)."""
    with _ENGINE._lock:
        _ENGINE.stop()
