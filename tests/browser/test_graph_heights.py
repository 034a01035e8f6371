"""Every drawn graph keeps its figure's height whatever redraws it (issue 13). dcc.Graph is
responsive: a window resize makes plotly delete the figure's layout.height and size the paper to
its plot div, which had no height of its own, so drawn graphs on the dosing and efficacy tabs
collapsed to 0 px at 1366 -> 1200 px and the next figure lay over them. The plot div is now as
high as its figure (assets/lazy_draw.js). A text table is as high as its rows at the width it is
drawn, picked again on a resize: at 1366 -> 1200 px the baseline table's last row went 11 px below
the table, out of sight behind its own scroll. Screenshots: tests/artifacts/graph-heights-*.png."""

from __future__ import annotations

import time

import pytest

from components import ids
from evidence.loading import load_dataset
from evidence.view_registry import figure_heights
from tests.browser.conftest import ARTIFACTS, REPO_ROOT
from tests.browser.test_dashboard import TAB_FIGURES, show_tab, wait_for_drawn, wait_for_figures
from tests.browser.test_responsive import ROWS_BELOW_JS

# Per graph: its box (the plot div), its paper (the first svg) and its visible rectangle (clipped
# by a scroll box it sits in), in page coordinates.
GEOMETRY_JS = """(ids) => {""" + ROWS_BELOW_JS + """ return ids.map(id => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd) return {id: id, drawn: false};
  const svg = gd.querySelector('.main-svg');
  const r = (e) => { const b = e.getBoundingClientRect();
    return {top: b.top + scrollY, bottom: b.bottom + scrollY, left: b.left + scrollX, right: b.right + scrollX}; };
  const box = r(gd), clip = gd.closest('.scroll-box'), shown = Object.assign({}, box);
  if (clip) { const c = r(clip); shown.top = Math.max(box.top, c.top); shown.bottom = Math.min(box.bottom, c.bottom);
    shown.left = Math.max(box.left, c.left); shown.right = Math.min(box.right, c.right); }
  return {id: id, drawn: Boolean(gd._fullLayout), box: box.bottom - box.top,
          svg: svg ? svg.getBoundingClientRect().height : 0, shown: shown, unseen: svg ? rowsBelow(gd) : null};
}); }"""


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


@pytest.fixture(scope="module")
def declared_heights():
    """Each graph's height as its view declares it for the page's state (the bundled data, no
    query): the figure's layout.height, decided by its rows on the server."""
    return figure_heights(load_dataset(REPO_ROOT / "data"))


def _overlap(a, b) -> float:
    """Area (px²) two rectangles share."""
    w = min(a["right"], b["right"]) - max(a["left"], b["left"])
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return max(w, 0) * max(h, 0)


def _graphs(tab) -> list[str]:
    """The tab's plotly graphs (the toxicity table, assets/heatmap_table.js, is as high as its rows)."""
    return [g for g in TAB_FIGURES[tab] if g not in ids.BROWSER_DRAWN]


def _problems(page, tab, heights) -> list[str]:
    shapes = page.evaluate(GEOMETRY_JS, _graphs(tab))
    found = []
    for s in shapes:
        if s.get("unseen") is not None:  # a text table: as high as its rows at its width, which vary
            if s["unseen"] > 1 or abs(s["box"] - s["svg"]) > 1:
                found.append(f"{s['id']}: rows {s['unseen']} px below the table, box {s['box']} px, svg {s['svg']} px")
            continue
        n = heights[s["id"]]
        if not s["drawn"] or s["box"] < n - 1 or s["svg"] < n - 1:
            found.append(f"{s['id']}: box {s.get('box')} px, svg {s.get('svg')} px, declared {n} px")
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            if a["drawn"] and b["drawn"] and _overlap(a["shown"], b["shown"]) > 1:
                found.append(f"{a['id']} overlaps {b['id']}")
    return found


def test_a_window_resize_keeps_every_drawn_graph_as_high_as_its_figure(page, base_url, declared_heights):
    assert all(h >= 300 for h in declared_heights.values()), declared_heights
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_figures(page)  # every tab shown in turn: each graph drawn at 1366 px
    show_tab(page, "sources")
    wait_for_drawn(page, TAB_FIGURES["sources"])
    for width in (1200, 1920):
        page.set_viewport_size({"width": width, "height": 768})  # resized with another tab shown
        for tab in ("efficacy", "trials", "dosing", "survival", "sources"):
            show_tab(page, tab)
            deadline = time.monotonic() + 10
            while (found := _problems(page, tab, declared_heights)) and time.monotonic() < deadline:
                page.wait_for_timeout(200)  # plotly's resize is debounced
            assert found == [], (width, tab, found)
        page.screenshot(path=str(ARTIFACTS / f"graph-heights-{width}.png"), full_page=True)
    assert page.console_errors == []


BOXES_JS = """(ids) => ids.map(id => { const g = document.getElementById(id), bar = document.getElementById('card-export');
  return {id: id, drawn: Boolean(g.querySelector('.main-svg')), height: g.getBoundingClientRect().height,
          wrapper: g.closest('.figure').getBoundingClientRect().height, bar: bar.getBoundingClientRect().top + scrollY}; })"""


def test_a_graph_keeps_its_figures_room_before_it_is_drawn(page, base_url, declared_heights):
    """Graphs below the first screen are drawn only once seen; until then each keeps the height its
    figure declares, so what lies below them (the export bar) moves only by the captions that
    come with the figures, not by the figures themselves."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, [ids.FOREST])
    graphs = _graphs("efficacy")
    before = page.evaluate(BOXES_JS, graphs)
    undrawn = [g for g, b in zip(graphs, before) if not b["drawn"]]
    assert {ids.MEDIANS, ids.SUBGROUPS, ids.FATAL_EVENTS} <= set(undrawn)  # below the first screen: not drawn yet
    assert [round(b["height"]) for b in before] == [declared_heights[g] for g in graphs]
    wait_for_drawn(page, graphs)
    after = page.evaluate(BOXES_JS, graphs)
    assert [round(a["height"]) for a in after] == [declared_heights[g] for g in graphs]
    captions = sum(a["wrapper"] - b["wrapper"] for a, b in zip(after, before))  # sources, notes, Evidence boxes
    assert abs((after[0]["bar"] - before[0]["bar"]) - captions) <= 1
