"""Colours computed rather than chosen: a point of a plotly colour scale, and readable text on a
colour (WCAG 2 contrast). Pure; used by the toxicity table the browser draws
(evidence/figures/heatmap_table.py)."""

from __future__ import annotations

import math

DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"
"""Text on a light and on a dark colour: whichever contrasts more (`text_colour`)."""


def _rgb(colour: str) -> tuple[float, float, float]:
    """'#RRGGBB' or 'rgb(r, g, b)' as floats 0-255."""
    colour = colour.strip()
    if colour.startswith("#"):
        return tuple(int(colour[k:k + 2], 16) for k in (1, 3, 5))  # type: ignore[return-value]
    return tuple(float(v) for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])  # type: ignore[return-value]


def _hex(rgb) -> str:
    """Channels rounded half up, as JavaScript's Math.round (Python's round() halves to even)."""
    return "#" + "".join(f"{max(0, min(255, math.floor(v + 0.5))):02x}" for v in rgb)


def scale_colour(scale: list, fraction: float) -> str:
    """The colour at `fraction` (0-1) of a plotly colour scale, interpolated in RGB between its
    stops as plotly.js does."""
    fraction = min(1.0, max(0.0, fraction))
    for (lo, lo_colour), (hi, hi_colour) in zip(scale, scale[1:]):
        if fraction <= hi:
            t = 0.0 if hi == lo else (fraction - lo) / (hi - lo)
            a, b = _rgb(lo_colour), _rgb(hi_colour)
            return _hex([x + (y - x) * t for x, y in zip(a, b)])
    return _hex(_rgb(scale[-1][1]))


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    def linear(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1-21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour(background: str) -> str:
    """Black or white text, whichever contrasts more with the cell: at least 4.58:1 on any colour,
    above WCAG AA's 4.5 for the cells' 12 px text (plotly.js's brightness rule put #444 on the scale's
    middle blues at ~3.4:1)."""
    return DARK_TEXT if contrast(background, DARK_TEXT) >= contrast(background, LIGHT_TEXT) else LIGHT_TEXT
