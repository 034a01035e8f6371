"""Draw a figure dict with the plotly.js the dashboard serves (its own bundle,
assets/plotly-evidence.min.js), in a bare page of a given width, and
measure what plotly drew: the boxes of text elements, the plot area, and the figure's own box.

Figure-level layout defects (overlapping columns, labels past the edge) depend only on the figure
and the graph's width, so these tests draw the figure alone at the widths the dashboard gives it
(a 1366, 768 or 390 px wide screen) rather than finding it in a page whose layout may change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

PLOTLY_JS = Path(__file__).resolve().parents[2] / "assets" / "plotly-evidence.min.js"


def plotly_js_version() -> str:
    """The plotly.js version of the dashboard's bundle (its first line says it)."""
    return re.search(r"plotly\.js v(\S+) ", PLOTLY_JS.read_text(encoding="utf-8")[:200]).group(1)


MEASURE_JS = """(selector) => {
  const gd = document.getElementById('graph');
  const root = gd.getBoundingClientRect();
  const box = (e) => { const r = e.getBoundingClientRect();
    return {text: e.textContent, left: r.left - root.left, right: r.right - root.left,
            top: r.top - root.top, bottom: r.bottom - root.top, width: r.width, height: r.height}; };
  return Array.from(gd.querySelectorAll(selector)).map(box).filter(b => b.width > 0 && b.height > 0);
}"""


def draw(page, figure: dict, width: int, height: int | None = None) -> dict:
    """Draw `figure` in a div `width` px wide (its own height unless `height`); returns the
    figure's full layout size and plot area (plotly's _size: l, r, t, b, w, h)."""
    page.set_content("<html><body style='margin:0;font-family:sans-serif'><div id='graph'></div></body></html>")
    page.add_script_tag(path=str(PLOTLY_JS))
    style = f"width:{width}px" + (f";height:{height}px" if height else "")
    page.evaluate(
        """([fig, style]) => { const gd = document.getElementById('graph'); gd.setAttribute('style', style);
           return Plotly.newPlot(gd, fig.data, fig.layout, {responsive: false}); }""",
        [json.loads(json.dumps(figure)), style],
    )
    return page.evaluate(
        "() => { const l = document.getElementById('graph')._fullLayout;"
        " return {width: l.width, height: l.height, size: l._size}; }"
    )


def boxes(page, selector: str) -> list[dict]:
    """Boxes (relative to the graph's top left) of the drawn elements matching `selector`."""
    return page.evaluate(MEASURE_JS, selector)


def overlaps(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (
        a["left"] < b["right"] - slack and b["left"] < a["right"] - slack
        and a["top"] < b["bottom"] - slack and b["top"] < a["bottom"] - slack
    )


def overlapping_pairs(items: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(items)
        for b in items[i + 1 :]
        if overlaps(a, b)
    ]


def outside(items: list[dict], width: float, height: float | None = None) -> list[dict]:
    """Items reaching past the figure's left or right edge (or top/bottom when height is given)."""
    bad = [b for b in items if b["left"] < -0.5 or b["right"] > width + 0.5]
    if height is not None:
        bad += [b for b in items if b["top"] < -0.5 or b["bottom"] > height + 0.5]
    return bad
