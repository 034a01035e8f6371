"""Highlighting a trial restyles the figures already drawn and marks the grid row and the answer card
(assets/highlight.js, assets/answers.js):
no callback request at all (the state is parsed in the browser too, assets/state.js), other trials' marks are dimmed, the trial's are ringed; clearing restores
the figure as the server sent it; a figure the server redraws while a trial is highlighted arrives
restyled."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

from components.evidence_box import evidence_id
from tests.browser.test_coverage_tabs import open_tab
from tests.browser.test_dashboard import POINT_JS, TAB_FIGURES, choose, show, show_tab, wait_for_drawn, wait_for_trial_rows

EVIDENCE = f"{evidence_id('forest-figure')}.children"
RESTYLED = ("design-figure", "forest-figure", "medians-figure", "rates-figure", "heatmap-figure", "dose-figure",
            "dose-derived-figure")

MARKS_JS = """(id) => {
  const table = document.querySelector('#' + id + ' table.hm-table');
  if (table) {  // the toxicity heatmap, a table (assets/heatmap_table.js): marked by class (highlight.js markTables)
    const cells = Array.from(table.querySelectorAll('.hm-cell'));
    return {traces: 1, marks: [], rings: [], bands: [], ticks: [],
            columns: Array.from(table.querySelectorAll('thead .hm-column')).map(c => c.getAttribute('data-trial')),
            veils: cells.filter(c => c.classList.contains('hm-veiled')).length,
            mine: Array.from(new Set(cells.filter(c => c.classList.contains('hm-mine')).map(c => c.getAttribute('data-trial'))))};
  }
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const layout = gd.layout;
  return {
    traces: gd.data.length,
    marks: gd.data.filter(t => t.customdata && t.hoverinfo !== 'skip').map(t => ({
      trials: Array.from(new Set(Array.from(t.customdata).map(c => Array.isArray(c) ? c[0] : null))).filter(Boolean),
      opacity: t.opacity == null ? 1 : t.opacity,
    })),
    // the highlight's layout shapes, each named "highlight: <trial>" (assets/highlight.js)
    rings: (layout.shapes || []).filter(s => s.type === 'circle' && String(s.name).startsWith('highlight: '))
      .map(s => [s.name.slice(11)]),
    bands: (layout.shapes || []).filter(s => s.type === 'rect' && String(s.name).startsWith('highlight: ') &&
      (s.xref === 'paper' || s.yref === 'paper')).map(s => s.name.slice(11)),
    columns: [], veils: 0,
    // tick labels are never changed by a highlight (a change would make Plotly redraw everything)
    ticks: Object.keys(layout).filter(k => /^[xy]axis\\d*$/.test(k) && layout[k].ticktext)
      .flatMap(k => layout[k].ticktext.map(String)),
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
    """Outputs of every callback request (/_dash-update-component), and "view <name>" for every
    view request, sent while `action` runs and the page settles."""
    sent: list[str] = []

    def on_request(request):
        path = urlparse(request.url).path
        if path.endswith("/_dash-update-component"):
            sent.append(request.post_data_json["output"])
        elif "/_evidence/view/" in path:  # a view's data (components/view_requests.py)
            sent.append("view " + path.rsplit("/", 1)[1])

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


def highlighted_problem(drawn, graph_id, trial):
    """What is wrong with a drawn figure for `trial` highlighted, or None."""
    present = [m for m in drawn["marks"] if trial in m["trials"]] or trial in drawn["columns"]
    if not present:
        # not in this figure: as drawn
        return None if all(m["opacity"] == 1 for m in drawn["marks"]) else f"{graph_id} dimmed without {trial}"
    for m in drawn["marks"]:
        if trial in m["trials"] and not (m["trials"] == [trial] and m["opacity"] == 1):
            return f"{graph_id}: {m}"
        if trial not in m["trials"] and m["trials"] and m["opacity"] > 0.3:  # marks naming no trial stay
            return f"{graph_id} not dimmed: {m}"
    if graph_id == "heatmap-figure":  # its columns outlined, the other trials' veiled
        return None if drawn["veils"] and drawn["mine"] == [trial] else f"heatmap veils {drawn['veils']}, outlined {drawn['mine']}"
    if not all(ring == [trial] for ring in drawn["rings"]) or not drawn["rings"]:
        return f"{graph_id} rings {drawn['rings']}"
    if not all(b == trial for b in drawn["bands"]) or not (drawn["bands"] or graph_id in ("dose-figure", "dose-derived-figure")):
        return f"{graph_id} bands {drawn['bands']}"  # no trial ticks in the dose figures
    return None


def plain_problem(drawn, graph_id, _trial=None):
    if not all(m["opacity"] == 1 for m in drawn["marks"]):
        return f"{graph_id} dimmed"
    if drawn["rings"] or drawn["veils"] or drawn["bands"] or drawn.get("mine") or [t for t in drawn["ticks"] if "★" in t]:
        return f"{graph_id} still marked"
    return None


def wait_for_restyled(page):
    """Every graph a highlight restyles drawn once (its tab shown, scrolled to) and the trials grid's
    rows there: the tabs' other figures (subgroups, fatal events, flow, baseline, exposure, what-if,
    survival) are not waited for, ~8 s of Chromium's CPU each time every figure was."""
    for tab in ("efficacy", "trials", "dosing"):
        show_tab(page, tab)
        wait_for_drawn(page, [g for g in TAB_FIGURES[tab] if g in RESTYLED])
        if tab == "trials":
            wait_for_trial_rows(page)
    show_tab(page, "efficacy")
    page.wait_for_timeout(300)


def assert_seen_as(page, problem, trial=None, graphs=RESTYLED, timeout_s=15.0):
    """Each graph brought on screen (its tab shown, scrolled to: a graph off screen is restyled
    once seen, assets/seen.js) and drawn as `problem` accepts."""
    for graph_id in graphs:
        show(page, graph_id)
        deadline = time.monotonic() + timeout_s
        while (found := problem(marks(page, graph_id), graph_id, trial)) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert found is None, found


def assert_highlighted(page, trial, graphs=RESTYLED):
    assert_seen_as(page, highlighted_problem, trial, graphs)


def assert_plain(page, graphs=RESTYLED):
    assert_seen_as(page, plain_problem, None, graphs)


def trace_counts(page, graphs=RESTYLED) -> dict[str, int]:
    """Traces drawn per graph: a highlight fills the empty slots the server sent
    (evidence/figures/highlight_slots.py), never adds a trace (which would make Plotly replot)."""
    return {graph_id: marks(page, graph_id)["traces"] for graph_id in graphs}


def click_trial(page, trial):
    show(page, "forest-figure")
    page.wait_for_timeout(300)
    x, y = page.evaluate(POINT_JS, ["forest-figure", trial])
    page.mouse.click(x, y)


def test_highlighting_restyles_without_a_single_request(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_restyled(page)
    page.evaluate(TIMERS_JS)
    assert_plain(page)
    plain_counts = trace_counts(page)

    def select():
        click_trial(page, "E2100")
        page.wait_for_function("() => window.location.search.includes('highlight=E2100')", timeout=30000)

    # the click's only request is the forest's Evidence box (the clicked passage, read from the
    # data: components/evidence_box.py); the highlight itself sends none
    assert callback_requests(page, select) == [EVIDENCE]
    print(f"\nclick to every figure quiet, select: {settle(page, 100):.0f} ms")
    assert_highlighted(page, "E2100")
    assert trace_counts(page) == plain_counts
    assert grid_highlight(page) == (["E2100"], "highlighted: E2100")

    # The highlight dropdown moves it to PASO, restyling from the figure as the server sent it.
    assert callback_requests(page, lambda: choose(page, "filter-highlight", "PASO")) == []
    assert_highlighted(page, "PASO")
    assert trace_counts(page) == plain_counts
    assert grid_highlight(page) == (["PASO"], "highlighted: PASO")

    # A second click on the highlighted trial clears it: every figure as the server sent it.
    def clear():
        click_trial(page, "PASO")
        page.wait_for_function("() => !window.location.search.includes('highlight')", timeout=30000)

    assert callback_requests(page, clear) == [EVIDENCE]
    print(f"click to every figure quiet, clear: {settle(page, 100):.0f} ms")
    assert_plain(page)
    assert trace_counts(page) == plain_counts
    assert grid_highlight(page) == ([], "")
    assert page.console_errors == []


def test_a_highlight_by_link_or_back_button_sends_no_request(page, base_url):
    """As a copied link or back/forward changes the URL (pushState + popstate, what dcc.Location
    reads): the highlight moves with no request, and back to no highlight with none either."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_restyled(page)
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
    wait_for_restyled(page)
    page.evaluate(TIMERS_JS)
    settle(page)
    assert_highlighted(page, "E2100")
    page.locator("#filter-endpoint input[value='OS']").check()  # forest and medians redrawn by the server
    page.wait_for_function("() => window.location.search.includes('endpoint=OS')", timeout=30000)
    settle(page)
    assert_highlighted(page, "E2100")
    assert page.console_errors == []


def test_a_graph_off_screen_is_restyled_only_when_seen(page, base_url):
    """A highlight restyles the graphs on screen at once; a graph in a hidden tab (the design
    figure) or below the fold (medians) keeps its figure until it is shown, then is restyled
    (assets/highlight.js + assets/seen.js); no request either way."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_restyled(page)  # each graph drawn once (each tab shown, each graph scrolled to)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    page.evaluate(TIMERS_JS)
    assert callback_requests(page, lambda: page.evaluate(POPSTATE_JS, "?highlight=PASO")) == []
    assert highlighted_problem(marks(page, "forest-figure"), "forest-figure", "PASO") is None
    for graph_id in ("design-figure", "medians-figure"):  # hidden tab; below the fold
        assert plain_problem(marks(page, graph_id), graph_id) is None, graph_id
    assert_highlighted(page, "PASO", ("medians-figure", "design-figure"))  # scrolled to; tab shown
    assert page.console_errors == []


BOX_JS = """(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const bar = gd.querySelector('.bars .point').getBoundingClientRect();
  const hit = document.elementFromPoint(bar.left + bar.width / 2, bar.top + bar.height / 2);
  return {box: gd.getBoundingClientRect().height, figure: gd._fullLayout.height,
    bar_in_graph: Boolean(hit && hit.closest('#' + id)),
    highlighted: (gd.layout.shapes || []).some(s => String(s.name).startsWith('highlight: '))};
}"""


def test_a_highlight_redrawn_in_full_keeps_the_graph_as_high_as_its_figure(page, base_url):
    """A responsive graph without a layout height sits in a box with no height of its own: plotly
    sizes its paper to 100% of that box (0 px) whenever it redraws the whole figure with the
    plot context dcc.Graph's last draw left. The highlight's redraw must keep the height drawn, or
    the graph collapses, the next figure lies over it and a click on its bars reaches nothing
    (the revert of highlight3: exposure bars dead after a highlight on another tab). Plotly
    redraws in full when the graph's width changed since its last draw without a window resize
    (here: its box narrowed in the frame of the highlight)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    open_tab(page, "dosing")  # the exposure bars drawn with the server's figure
    page.locator("#exposure-figure").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    # the box narrows and a trial is highlighted in the same frame (before any resize observer)
    page.evaluate(
        "() => { document.querySelector('.figure[data-view=\"exposure-figure\"]').style.width = '900px';"
        " window.evidenceHighlight.show('PASO'); }"
    )
    page.wait_for_function(
        "() => { const gd = document.querySelector('#exposure-figure .js-plotly-plot');"
        " return (gd.layout.shapes || []).some(s => String(s.name).startsWith('highlight: PASO')); }", timeout=15000
    )
    page.wait_for_timeout(500)
    drawn = page.evaluate(BOX_JS, "exposure-figure")
    assert drawn["highlighted"]
    assert abs(drawn["box"] - drawn["figure"]) <= 1, drawn
    assert drawn["bar_in_graph"], drawn
    assert page.console_errors == []
