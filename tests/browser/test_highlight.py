"""Highlighting a trial restyles the figures already drawn (assets/highlight.js): no figure is
recomputed on the server, other trials' marks are dimmed, the trial's are ringed; clearing restores
the figure as the server sent it; a figure the server redraws while a trial is highlighted arrives
restyled."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.test_dashboard import POINT_JS, choose, wait_for_figures

RESTYLED = ("design-figure", "forest-figure", "medians-figure", "rates-figure", "heatmap-figure", "dose-figure")

MARKS_JS = """(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const layout = gd.layout;
  return {
    marks: gd.data.filter(t => t.type !== 'heatmap' && t.customdata && t.hoverinfo !== 'skip').map(t => ({
      trials: Array.from(new Set(Array.from(t.customdata).map(c => Array.isArray(c) ? c[0] : null))).filter(Boolean),
      opacity: t.opacity == null ? 1 : t.opacity,
    })),
    rings: gd.data.filter(t => t.name === 'highlighted trial').map(t =>
      Array.from(new Set(Array.from(t.customdata || []).map(c => c && c[0])))),
    columns: gd.data.filter(t => t.type === 'heatmap' && t.customdata).flatMap(t => Array.from(t.customdata[0]).map(c => typeof c === 'string' ? c : c[0])),
    veils: (layout.shapes || []).filter(s => s.fillcolor === 'rgba(255,255,255,0.62)').length,
    // row labels only: the numeric columns (y axes overlaying another, issue 13) have bold headers
    bold: Object.keys(layout).filter(k => /^[xy]axis\\d*$/.test(k) && layout[k].ticktext && !layout[k].overlaying)
      .flatMap(k => layout[k].ticktext.filter(t => String(t).startsWith('<b>'))),
  };
}"""

# Install draw and click timers: time from the click until the last figure redraw.
TIMERS_JS = """() => {
  window.__draws = [];
  document.querySelectorAll('.js-plotly-plot').forEach(gd =>
    gd.on('plotly_afterplot', () => window.__draws.push(performance.now())));
  document.addEventListener('mousedown', () => { window.__t0 = performance.now(); window.__draws = []; }, true);
}"""


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def marks(page, graph_id):
    return page.evaluate(MARKS_JS, graph_id)


def figure_requests(page, action) -> list[str]:
    """Outputs of every callback request sent while `action` runs and the page settles that
    include a figure."""
    sent: list[str] = []

    def on_request(request):
        if urlparse(request.url).path.endswith("/_dash-update-component"):
            sent.append(request.post_data_json["output"])

    page.on("request", on_request)
    action()
    settle(page)
    page.remove_listener("request", on_request)
    return [o for o in sent if ".figure" in o]


def settle(page, quiet_ms: int = 1500) -> float:
    """Wait until no figure has redrawn for `quiet_ms`; ms from the last click to the last redraw."""
    while True:
        before = page.evaluate("() => window.__draws.length")
        page.wait_for_timeout(quiet_ms)
        if page.evaluate("() => window.__draws.length") == before:
            return page.evaluate("() => window.__draws.length ? Math.max(...window.__draws) - window.__t0 : 0")


def assert_highlighted(page, trial, graphs=RESTYLED):
    for graph_id in graphs:
        drawn = marks(page, graph_id)
        present = [m for m in drawn["marks"] if trial in m["trials"]] or trial in drawn["columns"]
        if not present:
            assert all(m["opacity"] == 1 for m in drawn["marks"]), graph_id  # not in this figure: as drawn
            continue
        for m in drawn["marks"]:
            if trial in m["trials"]:
                assert m["trials"] == [trial] and m["opacity"] == 1, (graph_id, m)
            elif m["trials"]:  # marks naming no trial (reference lines) stay as drawn
                assert m["opacity"] <= 0.3, (graph_id, m)
        if graph_id == "heatmap-figure":
            assert drawn["veils"] > 0
        assert all(ring == [trial] for ring in drawn["rings"]), graph_id
        assert drawn["rings"] or graph_id == "heatmap-figure", graph_id  # a heatmap column has no marker
        assert all(b.startswith(f"<b>{trial} ★</b>") for b in drawn["bold"]), (graph_id, drawn["bold"])
        assert drawn["bold"] or graph_id == "dose-figure", graph_id  # the dose figure has no trial ticks


def assert_plain(page):
    for graph_id in RESTYLED:
        drawn = marks(page, graph_id)
        assert all(m["opacity"] == 1 for m in drawn["marks"]), graph_id
        assert not drawn["rings"] and not drawn["veils"] and not [b for b in drawn["bold"] if "★" in b], graph_id


def click_trial(page, trial):
    page.locator("#forest-figure").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    x, y = page.evaluate(POINT_JS, ["forest-figure", trial])
    page.mouse.click(x, y)


def test_highlighting_restyles_without_recomputing_a_figure(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_figures(page)
    page.evaluate(TIMERS_JS)
    assert_plain(page)

    def select():
        click_trial(page, "E2100")
        page.wait_for_function("() => window.location.search.includes('highlight=E2100')", timeout=30000)

    assert figure_requests(page, select) == []
    print(f"\nclick to every figure quiet, select: {settle(page, 100):.0f} ms")
    assert_highlighted(page, "E2100")
    page.wait_for_function("() => document.querySelector('#trial-grid .ag-row.row-highlighted')", timeout=30000)
    assert "highlighted: E2100" in page.locator("#selection-summary").inner_text()

    # The highlight dropdown moves it to PASO, restyling from the figure as the server sent it.
    assert figure_requests(page, lambda: choose(page, "filter-highlight", "PASO")) == []
    assert_highlighted(page, "PASO")

    # A second click on the highlighted trial clears it: every figure as the server sent it.
    def clear():
        click_trial(page, "PASO")
        page.wait_for_function("() => !window.location.search.includes('highlight')", timeout=30000)

    assert figure_requests(page, clear) == []
    print(f"click to every figure quiet, clear: {settle(page, 100):.0f} ms")
    assert_plain(page)
    assert page.console_errors == []


def test_a_figure_redrawn_while_a_trial_is_highlighted_arrives_restyled(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url + "/?highlight=E2100")  # a copied link: figures arrive, then are restyled
    wait_for_figures(page)
    page.evaluate(TIMERS_JS)
    settle(page)
    assert_highlighted(page, "E2100")
    page.locator("#filter-endpoint input[value='OS']").check()  # forest and medians redrawn by the server
    page.wait_for_function("() => window.location.search.includes('endpoint=OS')", timeout=30000)
    settle(page)
    assert_highlighted(page, "E2100")
    assert page.console_errors == []
