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


_BREAKING_SPACE = re.compile(r"[^\S\u00a0]+")
"""Where a line may break: white space, but not a no-break space (unbroken())."""


def wrap_text(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Plain text broken into lines no wider than width (same unit as size); words kept whole
    unless a single word is wider than a line. A no-break space joins words (unbroken())."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for word in (w for w in _BREAKING_SPACE.split(paragraph) if w):
            candidate = f"{line} {word}" if line else word
            if not line or text_width(candidate, size, bold) <= width:
                line = candidate
                continue
            lines.append(line)
            line = word
        lines.append(line)
    return lines


_TAGS = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def markup_lines(text: object) -> list[str]:
    """Figure text's lines as plain text: split at <br>, plotly's other HTML-like tags (the
    builders' own <b>, <i>, <span>) dropped, entities (escaped data text, theme.plain_text) read
    once; [] for no text."""
    if not isinstance(text, str) or not text:
        return []
    return [html.unescape(_TAGS.sub("", part)) for part in _BREAK.split(text)]


def plain_text(text: str | None) -> str:
    """Figure text without plotly's HTML-like tags; <br> becomes a space."""
    return re.sub(r"\s+", " ", " ".join(markup_lines(str(text) if text else ""))).strip()


def markup_width(markup: object, size: float) -> float:
    """Width in px of figure text's widest line at size (a line holding <b> measured bold), as
    the browser draws it in Liberation Sans or Arial (the same widths): what a margin or a gap
    fixed by the builder, not by plotly's automargin, must hold."""
    return max((text_width(plain_text(line), size, bold="<b>" in line) for line in _BREAK.split(str(markup or ""))), default=0.0)


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


NO_BREAK_HYPHEN = "\u2011"
NO_BREAK_SPACE = "\u00a0"
_DIGITS_HYPHENATED = re.compile(r"\b\d+(?:-\d+)+\b")
"""A date (2026-11-21), a EudraCT number (2009-018025-73), a page range: breaks at no hyphen."""
_CITED = re.compile(
    r"\b(?:[A-Z][a-z]* ){0,3}[A-Z][A-Za-z]* \d{4};\d+(?:\(\d+\))?:\d+"  # N Engl J Med 2007;357:2666
    r"|\b(?:BMJ|Cancer|Lancet|JAMA|Ann Oncol|J Clin Oncol) \d{4}\b"  # BMJ 1999, Cancer 2010
    r"|\b(?:EudraCT|NCT|ISRCTN) (?=\d)"  # a registry and its number
)
"""A reference a reader looks up as one piece: the journal, year, volume and page; a registry's
name and its number."""


def unbroken(text: str) -> str:
    """Text whose dates, registry numbers and journal references cannot be broken across lines:
    their hyphens made no-break hyphens (U+2011) and their spaces no-break spaces (U+00A0), both
    in Liberation Sans and Arial. LibreOffice (ICU line breaking, Unicode UAX #14) breaks after
    an ordinary hyphen: a deck's footnote ended a line with "exported 2026-11-" (issue 15).
    wrap_text keeps the pieces whole too, so the measured lines match the drawn ones."""
    text = _DIGITS_HYPHENATED.sub(lambda m: m.group(0).replace("-", NO_BREAK_HYPHEN), str(text))
    return _CITED.sub(lambda m: m.group(0).replace(" ", NO_BREAK_SPACE), text)
