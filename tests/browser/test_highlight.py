"""Highlighting a trial restyles the figures already drawn and marks the grid row and the answer card
(assets/highlight.js, assets/answers.js):
no callback request at all (the state is parsed in the browser too, assets/state.js), other trials' marks are dimmed, the trial's are ringed; clearing restores
the figure as the server sent it; a figure the server redraws while a trial is highlighted arrives
restyled."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from components.evidence_box import evidence_id
from tests.browser.test_dashboard import POINT_JS, choose, wait_for_figures

EVIDENCE = f"{evidence_id('forest-figure')}.children"
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


POPSTATE_JS = """(query) => {
  history.pushState({}, '', location.pathname + query);
  window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));
}"""


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def grid_highlight(page) -> tuple[list[str], str]:
    """(trial ids of the grid rows marked highlighted, the summary's "highlighted: ..." part); the
    answer strip's cards are checked to mark the same trial (class, pressed title button). The grid
    sits in a hidden tab: its rows are read by their row-id (a hidden panel renders no text)."""
    rows = page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row.row-highlighted").evaluate_all(
        "rows => rows.map(r => r.getAttribute('row-id'))")
    cards = page.locator("#answer-cards .answer-card.answer-highlighted .answer-trial[aria-pressed='true']").all_inner_texts()
    assert cards == rows and page.locator("#answer-cards .answer-trial[aria-pressed='true']").count() == len(rows)
    summary = page.locator("#selection-summary").inner_text()
    return rows, summary[summary.index("highlighted:"):] if "highlighted:" in summary else ""


def marks(page, graph_id):
    return page.evaluate(MARKS_JS, graph_id)


def callback_requests(page, action) -> list[str]:
    """Outputs of every callback request (/_dash-update-component) sent while `action` runs and
    the page settles."""
    sent: list[str] = []

    def on_request(request):
        if urlparse(request.url).path.endswith("/_dash-update-component"):
            sent.append(request.post_data_json["output"])

    page.on("request", on_request)
    action()
    settle(page)
    page.remove_listener("request", on_request)
    return sent


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


def test_highlighting_restyles_without_a_single_request(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_figures(page)
    page.evaluate(TIMERS_JS)
    assert_plain(page)

    def select():
        click_trial(page, "E2100")
        page.wait_for_function("() => window.location.search.includes('highlight=E2100')", timeout=30000)

    # the click's only request is the forest's Evidence box (the clicked passage, read from the
    # data: components/evidence_box.py); the highlight itself sends none
    assert callback_requests(page, select) == [EVIDENCE]
    print(f"\nclick to every figure quiet, select: {settle(page, 100):.0f} ms")
    assert_highlighted(page, "E2100")
    assert grid_highlight(page) == (["E2100"], "highlighted: E2100")

    # The highlight dropdown moves it to PASO, restyling from the figure as the server sent it.
    assert callback_requests(page, lambda: choose(page, "filter-highlight", "PASO")) == []
    assert_highlighted(page, "PASO")
    assert grid_highlight(page) == (["PASO"], "highlighted: PASO")

    # A second click on the highlighted trial clears it: every figure as the server sent it.
    def clear():
        click_trial(page, "PASO")
        page.wait_for_function("() => !window.location.search.includes('highlight')", timeout=30000)

    assert callback_requests(page, clear) == [EVIDENCE]
    print(f"click to every figure quiet, clear: {settle(page, 100):.0f} ms")
    assert_plain(page)
    assert grid_highlight(page) == ([], "")
    assert page.console_errors == []


def test_a_highlight_by_link_or_back_button_sends_no_request(page, base_url):
    """As a copied link or back/forward changes the URL (pushState + popstate, what dcc.Location
    reads): the highlight moves with no request, and back to no highlight with none either."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_figures(page)
    page.evaluate(TIMERS_JS)
    for query, trial in (("?highlight=PASO", "PASO"), ("?highlight=E2100&highlight=PASO", "PASO"), ("", "")):
        assert callback_requests(page, lambda: page.evaluate(POPSTATE_JS, query)) == [], query
        assert page.evaluate("() => window.location.search") == (f"?highlight={trial}" if trial else "")
        if trial:
            assert_highlighted(page, trial)
        else:
            assert_plain(page)
        assert grid_highlight(page) == (([trial], f"highlighted: {trial}") if trial else ([], ""))
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
