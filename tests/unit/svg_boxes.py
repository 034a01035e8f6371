"""Where every text of an exported SVG is drawn, measured by Chromium (not estimated).

A slide picture is opened in a headless Chromium page (Playwright, Debian's chromium) and each
visible <text> reports its box (getBoundingClientRect: the glyph cells after every enclosing
transform, plotly's shrink-to-fit scale included), its effective font size (computed font size x
the scale of its screen transform), and the clip rectangle it is drawn inside, if any (plotly
clips trace text to the plot area). The checks below turn those boxes into failures a person can
act on: which texts touch or overlap, which are cut by the picture's edge or by their clip.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

CHROMIUM_PATH = os.environ.get("CHROMIUM", "/usr/bin/chromium")
GAP_PX = 2.0
"""Least gap (layout px, 1.5 pt on a 1280 px slide) between two texts' boxes: closer, they read as
one label ("14" and "12" of adjacent bars touching read as "1412")."""

_MEASURE = """
(svgText) => {
  document.body.innerHTML = svgText;
  const svg = document.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const out = [];
  const visible = (el) => {
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden' || parseFloat(style.opacity) === 0) return false;
      const fill = style.fill;
      if (node === el && (fill === 'none' || /rgba\\(.*,\\s*0\\)$/.test(fill))) return false;
    }
    return true;
  };
  const clipOf = (el) => {
    for (let node = el; node && node !== svg; node = node.parentElement) {
      const ref = node.getAttribute('clip-path');
      if (!ref) continue;
      const id = (ref.match(/#([^)"']+)/) || [])[1];
      const rect = id && svg.querySelector(`[id="${id}"] rect`);
      if (!rect) return null;
      const m = node.getScreenCTM();
      const x = parseFloat(rect.getAttribute('x') || 0), y = parseFloat(rect.getAttribute('y') || 0);
      const a = new DOMPoint(x, y).matrixTransform(m);
      const b = new DOMPoint(x + parseFloat(rect.getAttribute('width')), y + parseFloat(rect.getAttribute('height'))).matrixTransform(m);
      return [Math.min(a.x, b.x) - box.left, Math.min(a.y, b.y) - box.top, Math.max(a.x, b.x) - box.left, Math.max(a.y, b.y) - box.top];
    }
    return null;
  };
  for (const el of svg.querySelectorAll('text')) {
    const text = el.textContent.trim();
    if (!text || !visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const m = el.getScreenCTM();
    let role = '';
    for (let node = el; node && node !== svg && !role; node = node.parentElement) role = node.getAttribute('class') || '';
    out.push({text, role, left: r.left - box.left, top: r.top - box.top, right: r.right - box.left,
              bottom: r.bottom - box.top, size: parseFloat(getComputedStyle(el).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)),
              clip: clipOf(el)});
  }
  return {width: box.width, height: box.height, texts: out};
}
"""


@dataclass(frozen=True)
class TextBox:
    text: str
    role: str
    left: float
    top: float
    right: float
    bottom: float
    size_px: float
    """Effective font size in the SVG's px (font size x the scale of every enclosing transform)."""
    clip: tuple[float, float, float, float] | None

    def gap(self, other: TextBox) -> float:
        """Distance between the two boxes (negative when they overlap)."""
        dx = max(other.left - self.right, self.left - other.right)
        dy = max(other.top - self.bottom, self.top - other.bottom)
        return max(dx, dy)

    def __str__(self) -> str:
        return f"{self.text!r} ({self.role}) at {self.left:.0f},{self.top:.0f}-{self.right:.0f},{self.bottom:.0f}"


@dataclass(frozen=True)
class Drawn:
    width: float
    height: float
    texts: list[TextBox]


class SvgMeasurer:
    """One Chromium page that measures SVGs; use as a context manager."""

    def __enter__(self) -> SvgMeasurer:
        from playwright.sync_api import sync_playwright

        from tests.browser_session import RUNNING

        # In a whole-suite run the browser tests' Chromium is still running (session scope), and
        # Playwright's sync API allows one instance per thread: measure in a page of that one.
        self._pw = None
        self._browser = RUNNING.get("browser")
        if self._browser is None:
            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM_PATH, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        self._page = self._browser.new_page(viewport={"width": 1400, "height": 800}, device_scale_factor=1)
        self._page.set_content("<html><body style='margin:0'></body></html>")
        return self

    def __exit__(self, *exc) -> None:
        self._page.close()
        if self._pw is not None:  # launched here
            self._browser.close()
            self._pw.stop()

    def measure(self, svg: bytes) -> Drawn:
        text = re.sub(r"^<\?xml[^>]*>", "", svg.decode("utf-8")).strip()
        found = self._page.evaluate(_MEASURE, text)
        return Drawn(found["width"], found["height"], [
            TextBox(t["text"], t["role"], t["left"], t["top"], t["right"], t["bottom"], t["size"],
                    tuple(t["clip"]) if t["clip"] else None)
            for t in found["texts"]])


def crowded(drawn: Drawn, gap: float = GAP_PX) -> list[str]:
    """Pairs of texts closer than `gap` px (touching or overlapping), one line each."""
    boxes = drawn.texts
    return [f"{a} and {b}: gap {a.gap(b):.1f} px"
            for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.gap(b) < gap and not _same(a, b)]


def _same(a: TextBox, b: TextBox) -> bool:
    """The same text drawn twice on the same spot (a heatmap's cell values under its highlight
    overlay): one label to the eye."""
    return a.text == b.text and max(abs(a.left - b.left), abs(a.top - b.top)) < 0.5


def cut(drawn: Drawn, tolerance: float = 0.5) -> list[str]:
    """Texts cut off: beyond the picture's edge, outside the clip they are drawn in, or ending in
    an ellipsis (a label shortened to fit)."""
    out = []
    for t in drawn.texts:
        if t.left < -tolerance or t.top < -tolerance or t.right > drawn.width + tolerance or t.bottom > drawn.height + tolerance:
            out.append(f"{t} runs off the {drawn.width:.0f} x {drawn.height:.0f} picture")
        elif t.clip and (t.left < t.clip[0] - tolerance or t.top < t.clip[1] - tolerance
                         or t.right > t.clip[2] + tolerance or t.bottom > t.clip[3] + tolerance):
            out.append(f"{t} is clipped by its plot area {tuple(round(v) for v in t.clip)}")
        if t.text.endswith(("…", "...")):
            out.append(f"{t} ends in an ellipsis")
    return out
