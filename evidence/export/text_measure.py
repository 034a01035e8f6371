"""Text measuring and wrapping in Liberation Sans (the figures' font), so slide bands and
footnotes are sized from the text they hold."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=1 << 16)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of plain text in px (or pt, for a size in pt) in Liberation Sans, the figures' font.
    Remembered: wrapping measures every growing prefix of a line, and a deck measures the same
    labels and footnotes on every slide and in every export (about 14,000 calls a deck)."""
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


_SPACE_OUTSIDE_TAGS = re.compile(r" (?![^<]*>)")


def wrap_markup(markup: str, width: float, size: float) -> str:
    """Plotly text (with <b>, <span> ... and <br>) re-broken with <br> so no line is wider
    than width; tags stay whole, widths are measured on the plain text."""
    lines = []
    for line in re.split(r"<br\s*/?>", markup or "", flags=re.I):
        current = ""
        for word in _SPACE_OUTSIDE_TAGS.split(line):
            candidate = f"{current} {word}" if current else word
            if current and text_width(plain_text(candidate), size) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return "<br>".join(lines)
