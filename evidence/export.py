"""Slide-ready exports: presentation restyling, static images, PowerPoint decks, data tables.

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
import csv
import html
import io
import logging
import os
import re
import shutil
import signal
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go

from evidence.contract import ENDPOINT_LABELS, GRADE_LABELS
from evidence.loading import CuratedData
from evidence.state import FACETS, TRIALS_PER_PAGE, ViewState, page_bounds, page_count, selected_trial_ids

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg", "pdf")
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}

START_TIMEOUT_S = 45.0
"""Longest wait for Chromium to start (cold start is about 3-4 s)."""
RENDER_TIMEOUT_S = 45.0
"""Longest wait for one image (and, separately, for another thread's image to finish first)."""

SLIDE_PX = (3840, 2160)
"""Pixel size of every 16:9 PNG export: sharp full-screen on a 4K projector."""
CANVASES = ((1280, 720), (1536, 864), (1920, 1080), (2560, 1440))
"""16:9 layout sizes (CSS px) tried smallest first; each renders to SLIDE_PX exactly. Smaller
layouts make text larger on the slide, so a figure gets the smallest one it fits in."""

FONT_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif"
INK = "#1A1A1A"
MUTED = "#444444"
PAD_PX = 36
TITLE_PX = 26
SUBTITLE_PX = 15
FOOTNOTE_PX = 13
BASE_FONT_PX = 15

# ---------------------------------------------------------------- Chromium and the render engine


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
        if not self._lock.acquire(timeout=timeout):
            raise ExportError(f"The image engine stayed busy for {timeout:.0f} s with other exports; try again.")
        try:
            path = chromium_path()
            if path is None:
                raise ChromiumMissing(CHROMIUM_MISSING_TEXT)
            if self._kaleido is None:
                self._start(path, START_TIMEOUT_S)
            future = asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(figure, opts=opts), self._loop)
            try:
                return future.result(timeout=timeout)
            except concurrent.futures.TimeoutError:
                future.cancel()
                self.stop()
                raise ExportError(f"Chromium did not draw the image within {timeout:.0f} s; it has been restarted.") from None
            except Exception as err:  # a dead or confused browser: start afresh next time
                self.stop()
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
            k = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False, path=path)
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


def stop_engine() -> None:
    """Close this process's browser now (tests; it restarts on the next export)."""
    with _ENGINE._lock:
        _ENGINE.stop()


# ---------------------------------------------------------------- text measuring and wrapping

_FONT_DIRS = ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/liberation", "/usr/share/fonts/truetype/liberation2")


@lru_cache(maxsize=64)
def _font(size: float, bold: bool):
    try:
        from PIL import ImageFont
    except ImportError:
        return None
    name = "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"
    for folder in _FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return ImageFont.truetype(str(path), size=max(1, round(size)))
    return None


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of plain text in px (or pt, for a size in pt) in Liberation Sans, the figures' font."""
    font = _font(size, bold)
    if font is None:
        return len(text) * size * (0.6 if bold else 0.55)  # Arial-like average, on the safe side
    return font.getlength(text) * size / max(1, round(size))


def wrap_text(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Plain text broken into lines no wider than width (same unit as size); words kept whole
    unless a single word is wider than a line."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if not line or text_width(candidate, size, bold) <= width:
                line = candidate
                continue
            lines.append(line)
            line = word
        lines.append(line)
    return lines


_TAGS = re.compile(r"<[^>]*>")


def plain_text(text: str | None) -> str:
    """Figure text without plotly's HTML-like tags; <br> becomes a space."""
    if not text:
        return ""
    text = re.sub(r"<br\s*/?>", " ", str(text), flags=re.I)
    return re.sub(r"\s+", " ", html.unescape(_TAGS.sub("", text))).strip()


def _escape(line: str) -> str:
    # Plotly reads <b>, <br>, <a href>... in text; data and URL-derived text must not be markup.
    return html.escape(line, quote=False)


# ---------------------------------------------------------------- presentation figures


def _margin(fig: go.Figure, side: str) -> int:
    value = getattr(fig.layout.margin, side)
    if value is None and fig.layout.template is not None and fig.layout.template.layout.margin is not None:
        value = getattr(fig.layout.template.layout.margin, side)
    return int(value) if value is not None else {"l": 80, "r": 80, "t": 100, "b": 80}[side]


def figure_title(fig: go.Figure) -> str:
    return plain_text(fig.layout.title.text)


def _figure_subtitle(fig: go.Figure) -> str:
    subtitle = fig.layout.title.subtitle
    return str(subtitle.text) if subtitle is not None and subtitle.text else ""


def _lines(markup: str) -> int:
    return len(re.split(r"<br\s*/?>", markup, flags=re.I)) if markup else 0


@dataclass(frozen=True)
class _Blocks:
    title: str
    subtitle: str
    footnote: str
    top_px: float
    bottom_px: float


def _blocks(fig: go.Figure, title: str, subtitle: str, footnote: str, width: int) -> _Blocks:
    usable = width - 2 * PAD_PX
    title_lines = wrap_text(plain_text(title), usable, TITLE_PX, bold=True) if title.strip() else []
    own = _figure_subtitle(fig)
    sub_lines = wrap_text(subtitle, usable, SUBTITLE_PX) if subtitle.strip() else []
    sub_markup = "<br>".join(([own] if own else []) + [_escape(line) for line in sub_lines])
    foot_lines = wrap_text(footnote, usable, FOOTNOTE_PX) if footnote.strip() else []
    top = 20 + len(title_lines) * TITLE_PX * 1.25 + (18 if len(title_lines) > 1 else 0)
    top += (10 if title_lines and sub_markup else 0) + _lines(sub_markup) * SUBTITLE_PX * 1.35 + 16
    bottom = (len(foot_lines) * FOOTNOTE_PX * 1.3 + 26) if foot_lines else 0
    return _Blocks(
        title="<br>".join(f"<b>{_escape(line)}</b>" for line in title_lines),
        subtitle=sub_markup,
        footnote="<br>".join(_escape(line) for line in foot_lines),
        top_px=top,
        bottom_px=bottom,
    )


def _title_room(fig: go.Figure) -> float:
    """Top-margin px the figure's own title (and subtitle) used: freed when ours replaces it."""
    if not figure_title(fig):
        return 0.0
    room = min(_margin(fig, "t") / 2, 45.0)
    own = _figure_subtitle(fig)
    if own:
        size = fig.layout.title.subtitle.font.size or 12
        room += _lines(own) * size * 1.3
    return room


def presentation_height(fig: go.Figure, title: str = "", subtitle: str = "", footnote: str = "",
                        width: int = 1280) -> float:
    """Layout px a figure needs: its own height plus our title, subtitle and footnote bands."""
    natural = fig.layout.height or 450
    blocks = _blocks(fig, title, subtitle, footnote, width)
    return natural - _title_room(fig) + blocks.top_px + blocks.bottom_px


def presentation_figure(fig: go.Figure, title: str, subtitle: str = "", footnote: str = "",
                        *, width: int = 1280, height: int = 720) -> go.Figure:
    """A restyled copy for slides: white, larger base font, sized width x height (layout px),
    with a bold title, a subtitle (e.g. the active filters) under the figure's own subtitle, and
    a footnote (sources, derived/model-based labels) across the bottom. Plain-text arguments are
    escaped and wrapped to the width. Empty title: the figure's own title is removed (a slide
    shows it as text instead)."""
    out = go.Figure(fig)
    blocks = _blocks(out, title, subtitle, footnote, width)
    top = max(_margin(out, "t") - _title_room(out), 10) + blocks.top_px
    bottom = _margin(out, "b") + blocks.bottom_px
    heading = blocks.title or blocks.subtitle
    heading_px = TITLE_PX if blocks.title else SUBTITLE_PX
    # plotly lifts a multi-line title anchored at the top by about 0.7 of a line: put it back.
    lift = round(0.7 * heading_px) if _lines(heading) > 1 else 0
    out.update_layout(
        width=width,
        height=height,
        autosize=False,
        paper_bgcolor="white",
        plot_bgcolor="white",
        font=dict(family=FONT_FAMILY, size=max(BASE_FONT_PX, (out.layout.font.size or 0)), color=INK),
        margin=dict(t=top, b=bottom, l=max(_margin(out, "l"), PAD_PX - 10), r=max(_margin(out, "r"), PAD_PX - 10)),
        title=dict(
            text=heading,
            x=0, xref="container", xanchor="left",
            y=1, yref="container", yanchor="top",
            pad=dict(t=20 + lift, l=PAD_PX, r=PAD_PX, b=0),
            font=dict(family=FONT_FAMILY, size=heading_px, color=INK if blocks.title else MUTED),
            subtitle=dict(
                text=blocks.subtitle if blocks.title else "",
                font=dict(family=FONT_FAMILY, size=SUBTITLE_PX, color=MUTED),
            ),
        ),
    )
    _keep_container_legend(out, fig, height, top - _margin(fig, "t"), blocks.bottom_px)
    if blocks.footnote:
        out.add_annotation(
            text=blocks.footnote,
            # Anchored at the right edge (the left margin may grow to fit tick labels; the right
            # one does not) with a fixed width, so the box always spans the page between pads.
            x=1, xref="paper", xanchor="right", xshift=_margin(out, "r") - PAD_PX,
            y=0, yref="paper", yanchor="top", yshift=-(_margin(fig, "b") + 12),
            width=width - 2 * PAD_PX, align="left", showarrow=False,
            font=dict(family=FONT_FAMILY, size=FOOTNOTE_PX, color=MUTED),
        )
    return out


def _keep_container_legend(out: go.Figure, original: go.Figure, height: int, top_shift: float,
                           bottom_band: float) -> None:
    """A legend placed relative to the whole figure (yref container) keeps its pixel distance
    from the edge it hugs, moved past the bands added at that edge."""
    legend = out.layout.legend
    if legend is None or legend.yref != "container" or legend.y is None:
        return
    natural = original.layout.height or height
    if legend.y >= 0.5:
        distance = (1 - legend.y) * natural + top_shift
        legend.y = max(0.0, 1 - distance / height)
    else:
        distance = legend.y * natural + bottom_band
        legend.y = min(1.0, distance / height)


SQUEEZE = 0.9
"""Figures may be drawn this much shorter than their own height (most have air to spare)."""


def slide_canvas(needed_height: float) -> tuple[int, int, float]:
    """(width, height, scale) of the smallest 16:9 canvas tall enough for needed_height (less
    the allowed squeeze); every one renders to SLIDE_PX."""
    for width, height in CANVASES:
        if height >= needed_height * SQUEEZE:
            return width, height, SLIDE_PX[0] / width
    width, height = CANVASES[-1]
    return width, height, SLIDE_PX[0] / width


def slide_image(fig: go.Figure, fmt: str, title: str, subtitle: str = "", footnote: str = "",
                render: Callable[..., bytes] | None = None) -> bytes:
    """One figure as a finished 16:9 slide image (title, filters, footnote), 3840 x 2160 px."""
    needed = presentation_height(fig, title, subtitle, footnote, CANVASES[0][0])
    width, height, scale = slide_canvas(needed)
    styled = presentation_figure(fig, title, subtitle, footnote, width=width, height=height)
    return (render or figure_image)(styled, fmt, width=width, height=height, scale=scale)


# ---------------------------------------------------------------- filters in words

TOX_SORT_WORDS = {"rate": "highest rate", "difference": "largest difference", "soc": "organ class"}


def filter_phrases(state: ViewState, data: CuratedData) -> dict[str, str]:
    """Each active setting of the view state as a short phrase, keyed by topic."""
    total = len(data.trials)
    shown = selected_trial_ids(data.trials, state)
    chosen = [f"{name} {', '.join(getattr(state, name))}" for name in FACETS if getattr(state, name)]
    trials = f"all {total} trials"
    if chosen:
        trials = f"{len(shown)} of {total} trials ({', '.join(shown) or 'none'}), filtered by {'; '.join(chosen)}"
    if page_count(len(shown)) > 1:
        first, last = page_bounds(len(shown), state.page)
        trials += f"; page {first // TRIALS_PER_PAGE + 1} of {page_count(len(shown))} (trials {first + 1}–{last})"
    organ = f" in {', '.join(state.organ)}" if state.organ else ""
    grade = GRADE_LABELS[state.grade].lower() if state.grade in GRADE_LABELS else state.grade
    phrases = {
        "trials": trials,
        "endpoint": f"endpoint {ENDPOINT_LABELS.get(state.endpoint, state.endpoint).lower()} ({state.endpoint})",
        "grade": f"adverse events {grade}{organ}",
        "derived": "derived values shown" if state.derived else "derived values hidden",
        "pooling": "trials pooled (random effects) where offered" if state.pool else "trials not pooled",
    }
    if state.highlight:
        phrases["highlight"] = f"{state.highlight} highlighted"
    mode = "experimental − control difference" if state.tox_mode == "difference" else "% of patients"
    search = f", terms matching “{state.tox_search}”" if state.tox_search else ""
    phrases["toxicity"] = f"{mode}, top {state.tox_top} terms by {TOX_SORT_WORDS.get(state.tox_sort, state.tox_sort)}{search}"
    if state.surv_trial:
        phrases["survival"] = f"survival curves for {state.surv_trial}"
    phrases["ramp"] = (
        f"what-if ramp: start {state.ramp_start} mg/day, +{state.ramp_step} mg/day per cycle, "
        f"800 mg/day by cycle {state.ramp_cycles}"
    )
    return phrases


DEFAULT_TOPICS = ("trials", "endpoint", "grade", "derived", "highlight")


def filters_text(state: ViewState, data: CuratedData, topics: Iterable[str] = DEFAULT_TOPICS) -> str:
    """The active filters in words, e.g. 'All 5 trials; endpoint progression-free survival (PFS);
    adverse events grade 3–4; derived values shown'."""
    phrases = filter_phrases(state, data)
    text = "; ".join(phrases[t] for t in topics if t in phrases)
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------- file names


def safe_name(*parts: str, ext: str) -> str:
    """'forest-plot_PASO-E2100_PFS_2026-11-21.png': letters, digits, '.', '-' and '_' only."""
    cleaned = []
    for part in parts:
        text = re.sub(r"[^A-Za-z0-9.\-]+", "-", str(part)).strip("-.")
        if text:
            cleaned.append(re.sub(r"-{2,}", "-", text)[:60])
    stem = "_".join(cleaned) or "export"
    return f"{stem}.{re.sub(r'[^a-z0-9]', '', ext.lower())}"


# ---------------------------------------------------------------- data tables

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""Cell starts a spreadsheet may read as a formula (OWASP CSV injection; full-width forms too)."""


def _neutral(value):
    if isinstance(value, str) and value and (value[0] in FORMULA_PREFIXES or value.lstrip(" ")[:1] in FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy in which every text cell (and column name) that could start a formula is prefixed
    with a single quote. Numbers stay numbers, negative ones included."""
    out = frame.copy()
    out.columns = [_neutral(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(_neutral).astype(object)
    return out


def table_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read the non-ASCII characters) of a frame."""
    return neutralise_formulas(frame).to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").encode("utf-8-sig")


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("-", str(name)).strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def table_xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook, one sheet per frame: bold frozen header, filter, readable widths, and
    text cells neutralised against formula injection (stored as text, never as formulas)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    def cell_value(value):
        if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
            return None
        if hasattr(value, "item") and not isinstance(value, str):
            value = value.item()  # numpy scalar -> Python
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value)
        return value

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for name, frame in frames.items():
        sheet = book.create_sheet(_sheet_name(name, taken))
        safe = neutralise_formulas(frame)
        sheet.append([cell_value(c) for c in safe.columns])
        for row in safe.itertuples(index=False, name=None):
            sheet.append([cell_value(v) for v in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":  # never a formula, whatever openpyxl guessed
                    cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, column in enumerate(safe.columns, start=1):
            texts = [str(column)] + [str(v) for v in safe.iloc[:200, index - 1].tolist() if v is not None]
            sheet.column_dimensions[get_column_letter(index)].width = min(max(len(t) for t in texts) + 2, 60)
        sheet.freeze_panes = "A2"
        if safe.shape[1] and len(safe):
            sheet.auto_filter.ref = sheet.dimensions
    if not book.sheetnames:
        book.create_sheet("Empty")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_files(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# ---------------------------------------------------------------- PowerPoint

EMU_PER_INCH = 914400
SLIDE_IN = (13.333, 7.5)
MARGIN_IN = 0.4
TITLE_PT = 26
SUBTITLE_PT = 13
FOOTNOTE_PT = 10
PICTURE_PX_WIDTH = SLIDE_PX[0]
MIN_PICTURE_LAYOUT_HEIGHT = 560


@dataclass(frozen=True)
class SlideSpec:
    """One figure slide: title, filters line, figure, footnote (sources, labels), speaker notes."""

    title: str
    subtitle: str
    figure: go.Figure
    footnote: str
    notes: str = ""


@dataclass(frozen=True)
class SourceLine:
    source_id: str
    text: str


@dataclass
class DeckLayout:
    """Where things go on a figure slide (inches), worked out from the text lengths."""

    title: tuple[float, float, float, float]
    subtitle: tuple[float, float, float, float]
    picture_box: tuple[float, float, float, float]
    footnote: tuple[float, float, float, float]
    subtitle_lines: list[str] = field(default_factory=list)
    footnote_lines: list[str] = field(default_factory=list)


def _text_height_in(lines: int, size_pt: float, spacing: float = 1.2) -> float:
    return lines * size_pt * spacing / 72 + 0.1


def figure_slide_layout(title: str, subtitle: str, footnote: str) -> DeckLayout:
    width = SLIDE_IN[0] - 2 * MARGIN_IN
    text_pt = (width - 0.2) * 72  # text frame insets: 0.1 in each side
    title_lines = wrap_text(title, text_pt, TITLE_PT, bold=True)[:2]
    title_h = _text_height_in(len(title_lines), TITLE_PT, 1.1)
    sub_lines = wrap_text(subtitle, text_pt, SUBTITLE_PT) if subtitle else []
    sub_h = _text_height_in(len(sub_lines), SUBTITLE_PT) if sub_lines else 0.0
    foot_lines = wrap_text(footnote, text_pt, FOOTNOTE_PT) if footnote else []
    foot_h = _text_height_in(len(foot_lines), FOOTNOTE_PT, 1.15) if foot_lines else 0.0
    top = 0.3
    title_box = (MARGIN_IN, top, width, title_h)
    sub_box = (MARGIN_IN, top + title_h, width, sub_h)
    picture_top = top + title_h + sub_h + 0.08
    foot_top = SLIDE_IN[1] - 0.2 - foot_h
    picture_box = (MARGIN_IN, picture_top, width, max(foot_top - 0.05 - picture_top, 2.0))
    return DeckLayout(title_box, sub_box, picture_box, (MARGIN_IN, foot_top, width, foot_h), sub_lines, foot_lines)


def picture_canvas(fig: go.Figure, box: tuple[float, float, float, float]) -> tuple[int, int, float]:
    """(width, height, scale) to draw a figure for a picture box: the box's aspect, tall enough
    for the figure's own height, PICTURE_PX_WIDTH pixels wide."""
    aspect = box[2] / box[3]
    natural = presentation_height(fig, width=1280)
    height = int(max(MIN_PICTURE_LAYOUT_HEIGHT, natural * SQUEEZE))
    width = int(round(height * aspect))
    return width, height, PICTURE_PX_WIDTH / width


def _inches(value: float) -> int:
    return int(round(value * EMU_PER_INCH))


def _place(shape, box) -> None:
    shape.left, shape.top, shape.width, shape.height = (_inches(v) for v in box)


def _write(frame, lines_or_text, size_pt: float, colour=(0x1A, 0x1A, 0x1A), bold: bool = False,
           space_after_pt: float = 0) -> None:
    """Paragraphs into a text frame; a paragraph given as (lead, rest) gets a bold lead."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    paragraphs = lines_or_text if isinstance(lines_or_text, list) else [lines_or_text]
    frame.clear()
    frame.word_wrap = True
    for index, item in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        if space_after_pt:
            paragraph.space_after = Pt(space_after_pt)
        pieces = [(item[0], True), (item[1], bold)] if isinstance(item, tuple) else [(item, bold)]
        for text, strong in pieces:
            run = paragraph.add_run()
            run.text = text
            run.font.size = Pt(size_pt)
            run.font.bold = strong
            run.font.name = "Arial"  # metric twin of Liberation Sans (the wrap estimates); present everywhere
            run.font.color.rgb = RGBColor(*colour)


def _textbox(slide, box, text, size_pt, colour=(0x44, 0x44, 0x44), bold=False, space_after_pt: float = 0):
    from pptx.util import Inches

    shape = slide.shapes.add_textbox(Inches(box[0]), Inches(box[1]), Inches(box[2]), Inches(box[3]))
    frame = shape.text_frame
    frame.margin_left = frame.margin_right = Inches(0.1)
    frame.margin_top = frame.margin_bottom = Inches(0.03)
    _write(frame, text, size_pt, colour, bold, space_after_pt)
    return shape


def _title(slide, box, text: str, size_pt: float = TITLE_PT) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches

    shape = slide.shapes.title
    _place(shape, box)
    frame = shape.text_frame
    _write(frame, text, size_pt, bold=True)
    frame.margin_left = frame.margin_right = Inches(0.1)
    frame.vertical_anchor = MSO_ANCHOR.TOP
    frame.paragraphs[0].alignment = PP_ALIGN.LEFT


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def deck_pptx(slides: list[SlideSpec], title: str, filters_text: str, data_version: str, today: date,
              sources: list[SourceLine] | None = None, labels: list[str] | None = None,
              notes: str = "", render: Callable[..., bytes] | None = None) -> bytes:
    """A 16:9 deck: title slide (filters, data version, date), one slide per figure (title,
    filters, picture 3840 px wide, footnote naming sources and labels), then a sources slide.
    Filter state goes in every slide's speaker notes."""
    from pptx import Presentation
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    render = render or figure_image
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_IN[0]), Inches(SLIDE_IN[1])
    deck.core_properties.title = title
    deck.core_properties.subject = filters_text
    deck.core_properties.author = "Trial evidence dashboard"
    deck.core_properties.keywords = f"data version {data_version}"
    title_layout, title_only = deck.slide_layouts[0], deck.slide_layouts[5]
    width = SLIDE_IN[0] - 2 * MARGIN_IN
    stamp = f"Data version {data_version} · exported {today.isoformat()}"

    first = deck.slides.add_slide(title_layout)
    _title(first, (MARGIN_IN, 2.1, width, 1.1), title, 36)
    subtitle = first.placeholders[1]
    _place(subtitle, (MARGIN_IN, 3.3, width, 2.8))
    count = f"{len(slides)} figure{'s' if len(slides) != 1 else ''}"
    _write(subtitle.text_frame, [filters_text, f"{stamp} · {count}"], 18, (0x44, 0x44, 0x44), space_after_pt=6)
    for paragraph in subtitle.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
    _notes(first, "\n".join(filter(None, [f"Filters: {filters_text}", stamp, notes])))

    for spec in slides:
        layout = figure_slide_layout(spec.title, spec.subtitle, spec.footnote)
        slide = deck.slides.add_slide(title_only)
        _title(slide, layout.title, spec.title)
        if layout.subtitle_lines:
            _textbox(slide, layout.subtitle, spec.subtitle, SUBTITLE_PT, (0x44, 0x44, 0x44))
        fw, fh, scale = picture_canvas(spec.figure, layout.picture_box)
        styled = presentation_figure(spec.figure, "", width=fw, height=fh)
        png = render(styled, "png", width=fw, height=fh, scale=scale)
        box = layout.picture_box
        picture = slide.shapes.add_picture(io.BytesIO(png), Inches(box[0]), Inches(box[1]), Inches(box[2]), Inches(box[3]))
        picture.name = "Figure"
        picture._element.nvPicPr.cNvPr.set("descr", f"{spec.title}. {spec.footnote}"[:2000])
        if layout.footnote_lines:
            foot = _textbox(slide, layout.footnote, spec.footnote, FOOTNOTE_PT)
            foot.name = "Footnote"
        _notes(slide, spec.notes or f"Filters: {spec.subtitle}")

    closing = deck.slides.add_slide(title_only)
    _title(closing, (MARGIN_IN, 0.3, width, 0.6), "Sources")
    paragraphs: list = [(f"{s.source_id}: ", s.text) for s in (sources or [])] or ["No source is shown under these filters."]
    paragraphs += [(f"{label.split(':')[0]}:", label.partition(":")[2]) for label in labels or []] + [stamp]
    body = _textbox(closing, (MARGIN_IN, 1.05, width, SLIDE_IN[1] - 1.35), paragraphs, 14, (0x1A, 0x1A, 0x1A), space_after_pt=8)
    body.name = "Sources"
    _notes(closing, "\n".join(filter(None, [f"Filters: {filters_text}", stamp])))

    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
