"""The real dashboard under gunicorn, driven in Debian Chromium: loading, filtering, linking,
URL state (the accessibility scan of each tab is in test_first_screen). Screenshots land in
tests/artifacts/."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest

SETTLE_MS = 8000

FIGURE_JS = """(id) => {
  const box = document.getElementById(id);
  const text = box && box.querySelector('table.tt-table');
  if (text) {
    // a text table the page builds (findings: assets/text_table.js): its header as the ticks,
    // the trials its cells name
    const cells = Array.from(text.querySelectorAll('tbody td[data-trial]'));
    return {
      title: text.querySelector('caption').textContent,
      annotations: Array.from(box.querySelectorAll('.tt-note')).map(e => e.textContent),
      ticktext: Array.from(text.querySelectorAll('thead th')).map(e => e.textContent),
      yticktext: [], xtype: null,
      trials: Array.from(new Set(cells.map(c => c.getAttribute('data-trial')))),
      traces: 1, highlighted: [],
    };
  }
  const table = box && box.querySelector('table.hm-table'), empty = box && box.querySelector('.hm-empty');
  if (table || empty) {
    // the toxicity heatmap, an HTML table (assets/heatmap_table.js), in the same summary: a
    // header's or a cell's lines are its text nodes, joined by <br> as the figure's ticks are
    const lines = (e) => Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join('<br>');
    const columns = table ? Array.from(table.querySelectorAll('thead .hm-column')) : [];
    return {
      title: table ? box.querySelector('.hm-title').textContent : null,
      annotations: empty ? [empty.textContent] : [],
      ticktext: columns.map(lines),
      yticktext: table ? Array.from(table.querySelectorAll('tbody .hm-term')).map(e => e.textContent) : [],
      xtype: null,
      trials: Array.from(new Set(columns.map(c => c.getAttribute('data-trial')))),
      traces: table ? 1 : 0,
      highlighted: Array.from(new Set(columns.filter(c => c.classList.contains('hm-mine')).map(c => c.getAttribute('data-trial')))),
    };
  }
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  const layout = gd._fullLayout;
  return {
    title: layout.title && layout.title.text,
    annotations: (layout.annotations || []).map(a => a.text),
    ticktext: layout.xaxis && layout.xaxis.ticktext ? Array.from(layout.xaxis.ticktext) : [],
    yticktext: layout.yaxis && layout.yaxis.ticktext ? Array.from(layout.yaxis.ticktext) : [],
    xtype: layout.xaxis && layout.xaxis.type,
    trials: Array.from(new Set(gd._fullData.flatMap(t => t.customdata ? Array.from(t.customdata).map(c => c && c[0]) : []))).filter(Boolean),
    traces: gd._fullData.length,
    // trials the highlight marks with layout shapes, each named "highlight: <trial>" (assets/highlight.js)
    highlighted: Array.from(new Set((gd.layout.shapes || []).map(s => String(s.name || ''))
      .filter(n => n.startsWith('highlight: ')).map(n => n.slice(11)))),
  };
}"""

POINT_JS = """([id, trial]) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  for (const t of gd._fullData) {
    if (!t.customdata || t.hoverinfo === 'skip' || t.type !== 'scatter') continue;
    const cd = Array.from(t.customdata);
    const i = cd.findIndex(c => c && c[0] === trial);
    if (i < 0) continue;
    const xa = gd._fullLayout[t.xaxis.replace('x', 'xaxis')], ya = gd._fullLayout[t.yaxis.replace('y', 'yaxis')];
    const x = t.x[i], y = t.y[i];
    const px = xa._offset + xa.l2p(xa.type === 'log' ? Math.log10(x) : xa.d2l(x));
    const py = ya._offset + ya.l2p(ya.d2l(y));
    const box = gd.getBoundingClientRect();
    return [box.left + px, box.top + py];
  }
  return null;
}"""


def figure(page, graph_id):
    return page.evaluate(FIGURE_JS, graph_id)


TAB_OF_JS = """(id) => { const el = document.getElementById(id); const p = el && el.closest('[data-tab]');
  return p ? p.getAttribute('data-tab') : null; }"""

# Figures drawn once their tab is shown (the views are in tabs; hidden figures draw nothing).
TAB_FIGURES = {
    "efficacy": ["forest-figure", "medians-figure", "rates-figure", "subgroups-figure", "heatmap-figure",
                 "fatal-events-figure"],
    "trials": ["design-figure", "flow-figure", "baseline-figure"],
    "dosing": ["dose-figure", "dose-derived-figure", "exposure-figure", "what-if-figure"],
    "survival": ["survival-figure", "absolute-figure"],
    "sources": ["findings-figure"],
}


def show_tab(page, tab):
    """Choose a view tab (a click on its label, as a user does) and wait until its panel shows."""
    page.wait_for_selector(f"#tab-{tab}", state="attached", timeout=30000)
    if page.evaluate("(t) => !document.getElementById('tab-' + t).hidden", tab):
        return
    page.locator(f"#view-tab label:has(input[value='{tab}'])").click()
    wait_for_tab(page, tab)


def wait_for_tab(page, tab):
    """Wait until a tab's panel shows and the URL names it. The panel is shown as soon as the tab
    is chosen (assets/state.js follows it); the URL is written after Dash's round, a few ms on."""
    page.wait_for_function(
        "(t) => !document.getElementById('tab-' + t).hidden && "
        "(new URLSearchParams(location.search).get('tab') || 'efficacy') === t",
        arg=tab,
        timeout=30000,
    )


def show(page, element_id):
    """Show the tab holding an element (no-op outside the tabs) and scroll it into view: a figure
    is computed and restyled only once it is on screen (assets/seen.js)."""
    page.wait_for_selector(f"#{element_id}", state="attached", timeout=30000)  # its tab is known once it is there
    tab = page.evaluate(TAB_OF_JS, element_id)
    if tab:
        show_tab(page, tab)
    scroll_to(page, element_id)


def scroll_to(page, element_id):
    """Scroll an element into view (by script: a graph's element is replaced while it loads)."""
    page.wait_for_selector(f"#{element_id}", state="attached", timeout=30000)
    page.evaluate("(id) => document.getElementById(id).scrollIntoView({block: 'nearest'})", element_id)
    page.wait_for_timeout(50)


def drawn_by_server(summary) -> bool:
    """A figure summary (`figure`) of the server's figure: traces, or an empty selection's message
    (the empty first draw dcc.Graph makes on mount has neither)."""
    return summary["traces"] > 0 or bool(summary["annotations"])


def wait_for_drawn(page, graph_ids, timeout_s=30.0):
    """Each graph scrolled to (a figure off screen is not computed) and drawn with the server's
    figure, one at a time, as a reader would look at each: a graph the page moved while it
    loaded (a tall figure drawn above it) is still computed (assets/seen.js looks again; before it
    did not, seen in CI: flow-figure under 15 trials' design figure, 1 run in 5). The next graph is
    scrolled to only once this one has its figure: when the empty first draw was enough, the flow
    figure grew by ~650 px after the scroll to the baseline figure below it, which left the screen
    before it was seen and was rightly never computed (3 tests in one CI run). A graph in a hidden
    tab has its tab shown first.

    A test that needs a few figures waits for those: every figure of every tab (`wait_for_figures`)
    costs ~8 s of Chromium's CPU. The figures above a graph may then be drawn after it was scrolled
    to (one partly on screen gains its caption, or grows from its placeholder when the state's
    rows differ from the first state's) and push it off screen before it
    is seen: `wait_for_figure` scrolls to a graph again every 5 s, as a reader would look for it."""
    for graph_id in graph_ids:
        wait_for_figure(page, graph_id, drawn_by_server, timeout_s=timeout_s)


def wait_for_trial_rows(page, count=None):
    """The trial grid's rows: any, or exactly `count`. The grid is in the trials tab and, like a
    figure, asks for its rows only while shown: its tab is shown first."""
    show(page, "trial-grid")
    check = "n > 0" if count is None else f"n === {int(count)}"
    page.wait_for_function(
        f"() => {{ const n = document.querySelectorAll('#trial-grid .ag-pinned-left-cols-container .ag-row').length; return {check}; }}",
        timeout=30000,
    )


def wait_for_figures(page):
    """Every figure drawn: each tab shown in turn, back to the first (the default, not in the URL).
    A graph in a hidden tab is not drawn at all (assets/lazy_draw.js), so the page's own tab (a
    link or reload may name another) counts for nothing: each tab is shown, the first too."""
    for tab in ("efficacy", "trials", "dosing", "survival"):
        show_tab(page, tab)
        wait_for_drawn(page, TAB_FIGURES[tab])
        if tab == "trials":
            wait_for_trial_rows(page)
    show_tab(page, "efficacy")
    page.wait_for_timeout(500)


def wait_for_figure(page, graph_id, condition, timeout_s=30.0):
    """Poll the figure summary until `condition(summary)` holds (the page's CSP forbids eval). The
    graph is scrolled to again every 5 s: a figure drawn above it may push it off screen before it
    is seen (see `wait_for_drawn`)."""
    deadline = time.monotonic() + timeout_s
    summary, shown_at = None, float("-inf")
    while time.monotonic() < deadline:
        if time.monotonic() - shown_at >= 5.0:
            show(page, graph_id)
            shown_at = time.monotonic()
        summary = figure(page, graph_id)
        if summary and condition(summary):
            return summary
        page.wait_for_timeout(200)
    raise AssertionError(f"{graph_id} never met the condition; last summary: {summary}")


def query(page):
    return parse_qs(urlparse(page.url).query)


def choose(page, control_id, option):
    page.locator(f"#{control_id}").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def test_page_loads_every_view_without_console_errors(page, base_url):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(base_url)
    wait_for_figures(page)
    assert page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row").count() == 5
    forest = figure(page, "forest-figure")
    assert forest["xtype"] == "log"
    assert set(forest["trials"]) == {"PASO", "E2100"}
    assert "Progression-free survival" in forest["title"]
    heatmap = figure(page, "heatmap-figure")
    assert any(t.startswith("PASO") for t in heatmap["ticktext"]) and any(t.startswith("E2100") for t in heatmap["ticktext"])
    assert "PASO" in figure(page, "dose-figure")["trials"]
    show(page, "survival-figure-caption")
    assert "model-based" in page.locator("#survival-figure-caption").inner_text().lower()
    show_tab(page, "efficacy")
    assert "PASO_REPORT" in page.locator("#forest-figure-caption").inner_text()
    assert page.console_errors == []


def test_changing_a_filter_updates_every_view(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_figures(page)
    choose(page, "filter-agent", "bevacizumab")
    wait_for_trial_rows(page, 1)
    for graph_id in ("forest-figure", "medians-figure"):
        wait_for_figure(page, graph_id, lambda f: f["trials"] == ["E2100"])
    wait_for_figure(page, "heatmap-figure", lambda f: f["ticktext"] and all(t.startswith("E2100") for t in f["ticktext"]))
    wait_for_figure(page, "dose-figure", lambda f: f["trials"] == [])
    wait_for_figure(page, "survival-figure", lambda f: "E2100" in (f["title"] or ""))
    assert query(page)["agent"] == ["bevacizumab"]
    show_tab(page, "trials")
    assert page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row").first.inner_text().startswith("E2100")
    assert figure(page, "forest-figure")["trials"] == ["E2100"]
    assert figure(page, "medians-figure")["trials"] == ["E2100"]
    assert all(t.startswith("E2100") for t in figure(page, "heatmap-figure")["ticktext"])
    dose = figure(page, "dose-figure")
    assert dose["trials"] == [] and any("sorafenib" in (a or "").lower() or "no " in (a or "").lower() for a in dose["annotations"])
    assert "E2100" in figure(page, "survival-figure")["title"]
    assert page.locator("#selection-summary").inner_text().startswith("1 of 5 trials")
    assert page.console_errors == []


def test_clicking_a_trial_on_the_forest_plot_highlights_it_everywhere(page, base_url):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    page.locator("#forest-figure").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    x, y = page.evaluate(POINT_JS, ["forest-figure", "E2100"])
    page.mouse.click(x, y)
    page.wait_for_function("() => window.location.search.includes('highlight=E2100')", timeout=30000)
    wait_for_figure(page, "heatmap-figure", lambda f: f["highlighted"] == ["E2100"])
    wait_for_trial_rows(page)  # the grid, in its tab, marks the same trial
    page.wait_for_function(
        "() => document.querySelector('#trial-grid .ag-pinned-left-cols-container .ag-row.row-highlighted')", timeout=30000
    )
    assert figure(page, "forest-figure")["highlighted"] == ["E2100"]  # ring and row band; PASO not marked
    show_tab(page, "trials")
    assert page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row.row-highlighted").inner_text().startswith("E2100")
    assert "highlighted: E2100" in page.locator("#selection-summary").inner_text()
    # Reset clears the highlight and the URL.
    page.locator("#reset").click()
    page.wait_for_function("() => window.location.search === ''", timeout=30000)
    assert page.console_errors == []


def test_a_copied_url_restores_the_view(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    link = base_url + "/?agent=sorafenib&endpoint=OS&grade=all&highlight=PASO&tox_mode=difference&ramp_start=200"
    page.goto(link)
    wait_for_drawn(page, ["forest-figure"])
    wait_for_figure(page, "forest-figure", lambda f: "Overall survival" in (f["title"] or ""))
    wait_for_trial_rows(page, 4)
    assert page.locator("#filter-endpoint input[value='OS']").is_checked()
    assert page.locator("#filter-grade input[value='all']").is_checked()
    assert page.locator("#tox-mode input[value='difference']").is_checked()
    assert page.locator("#ramp-start").input_value() == "200"
    assert "bevacizumab" not in page.locator("#filter-agent").inner_text()
    assert "sorafenib" in page.locator("#filter-agent").inner_text()
    assert "Overall survival" in figure(page, "forest-figure")["title"]
    assert figure(page, "forest-figure")["trials"] == ["PASO"]
    assert page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row").count() == 4
    show_tab(page, "trials")
    assert page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row.row-highlighted").inner_text().startswith("PASO")
    restored = query(page)
    assert restored["endpoint"] == ["OS"] and restored["highlight"] == ["PASO"]
    assert page.console_errors == []


def test_a_hostile_url_is_ignored_not_rendered(page, base_url):
    page.goto(base_url + "/?highlight=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&endpoint=%3Cscript%3E&trial=NOPE")
    wait_for_figures(page)
    page.wait_for_function("() => window.location.search === ''", timeout=30000)
    assert "onerror" not in page.content()
    assert query(page) == {}
    wait_for_trial_rows(page, 5)
    assert page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row").count() == 5


def test_a_link_of_300_fields_is_read_up_to_200_and_its_unknown_trial_dropped(page, base_url):
    """The browser reads the link (assets/state.js) and says what it ignored; the server drops the
    trial the data do not hold in the background, and the notice stays."""
    search = "?endpoint=OS&trial=NOPE&" + "&".join(f"junk{i}=1" for i in range(297)) + "&grade=all"
    page.goto(base_url + "/" + search)
    wait_for_drawn(page, ["forest-figure"])
    page.wait_for_function("() => window.location.search === '?endpoint=OS'", timeout=30000)
    wait_for_trial_rows(page, 5)
    wait_for_figure(page, "forest-figure", lambda f: "Overall survival" in (f["title"] or "") and len(f["trials"]) > 1)
    assert page.locator("#link-notice").inner_text() == (
        "This link has 300 query fields; only the first 200 were read and the other 100 were ignored."
    )
    assert page.locator("#filter-grade input[value='3-4']").is_checked()
    assert page.console_errors == []


def _view_requests(page, action) -> list[str]:
    """What the page's requests set while `action` runs and the page settles: a callback's
    outputs ("..id.prop...id.prop.."), a view request's answer (components/view_requests.py) as
    the ids it sets."""
    sent: list[str] = []

    def on_response(response):
        path = urlparse(response.url).path
        if path.endswith("/_dash-update-component"):
            sent.append(response.request.post_data_json["output"])
        elif "/_evidence/view/" in path:
            answer = response.json()
            ids_set = [t[0] for t in answer["text"]] + [a[0] for a in answer["attrs"]] + [p[0] for p in answer["props"]]
            sent.append("..." + "...".join(f"{i}.set" for i in ids_set) + "...")

    page.on("response", on_response)
    action()
    page.wait_for_timeout(3000)
    page.remove_listener("response", on_response)
    return sent


def _ids_in(outputs: list[str]) -> set[str]:
    return {part.rsplit(".", 1)[0] for out in outputs for part in out.strip(".").split("...") if part}


def test_a_change_redraws_only_the_views_that_read_it(page, base_url):
    page.goto(base_url)
    wait_for_figures(page)
    forest_before = figure(page, "forest-figure")

    def ramp():
        page.locator("#ramp-start").fill("200")
        page.locator("#ramp-start").press("Enter")

    show(page, "ramp-start")
    outputs = _view_requests(page, ramp)
    touched = _ids_in(outputs)
    # the URL and the state are written in the browser (assets/state.js): the view's is the only request
    assert touched == {"what-if-figure", "what-if-figure-caption", "what-if-note"}
    assert query(page)["ramp_start"] == ["200"]
    assert not touched & {"forest-figure", "heatmap-figure", "dose-figure", "design-figure", "trial-grid"}
    assert "200" in page.locator("#what-if-note").inner_text() or "deficit" in page.locator("#what-if-note").inner_text()

    show(page, "heatmap-figure")  # a figure off screen is computed once it is seen (assets/seen.js)
    outputs = _view_requests(page, lambda: page.get_by_label("All grades").check())
    touched = _ids_in(outputs)
    assert "heatmap-figure" in touched
    assert not touched & {"forest-figure", "what-if-figure", "dose-figure", "medians-figure", "trial-grid"}
    assert figure(page, "forest-figure") == forest_before
    assert query(page)["grade"] == ["all"] and query(page)["ramp_start"] == ["200"]
    assert page.console_errors == []


def test_a_large_selection_is_paged(page, live_server, tmp_path_factory):
    """15 trials (the bundled ones x3, generated like the benchmark's sets): 10 per page, the page
    in the URL, and a filter change returns to page 1."""
    from bench.synthetic import generate

    data_dir = tmp_path_factory.mktemp("x3")
    generate(3, data_dir)
    url = live_server(data_dir=data_dir)
    page.goto(url + "/?pool=1")  # pooling on: the pooled estimate covers every selected trial
    wait_for_drawn(page, ["forest-figure"])
    wait_for_trial_rows(page, 10)
    rows = "#trial-grid .ag-pinned-left-cols-container .ag-row"
    assert page.locator(rows).count() == 10
    assert page.locator("#selection-summary").inner_text().startswith("Trials 1–10 of 15 selected shown")
    page.locator("#trial-page").fill("2")
    page.locator("#trial-page").press("Enter")
    wait_for_trial_rows(page, 5)
    assert query(page)["page"] == ["2"]
    wait_for_figure(page, "forest-figure", lambda f: set(f["trials"]) <= {"PASO-X0002", "E2100-X0002"} and f["trials"])
    assert "pooled estimate is over all 15" in page.locator("#forest-figure-caption").inner_text()
    choose(page, "filter-agent", "sorafenib")
    wait_for_trial_rows(page, 10)
    assert page.locator("#selection-summary").inner_text().startswith("Trials 1–10 of 12 selected shown")
    assert "page" not in query(page) and page.locator("#trial-page").input_value() == "1"
    assert page.console_errors == []
