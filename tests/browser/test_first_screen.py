"""Issue 13, the first screen: the answer strip, views in tabs (only the shown tab draws), the
filters drawer on tablets and phones, and keyboard/screen-reader use (dropdown names, skip links,
the grid as one tab stop, Enter on a grid row). Screenshots at 1920×1080, 1366×768, 768×1024 and
390×844 land in tests/artifacts/first-screen-*.png."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from components import ids
from tests.browser.conftest import ARTIFACTS
from tests.browser.figure_page import plotly_js_version
from tests.browser.test_dashboard import TAB_FIGURES, query, scroll_to, show, show_tab, wait_for_drawn, wait_for_tab

CARDS = "#answer-cards .answer-card"
GRID_ROWS = "#trial-grid .ag-pinned-left-cols-container .ag-row"
HIDDEN_FIGURES = {
    "design-figure", "flow-figure", "baseline-figure", "dose-figure", "dose-derived-figure", "exposure-figure", "what-if-figure",
    "survival-figure", "absolute-figure", "findings-figure",
}
DROPDOWN_LABELS = {
    "filter-disease": "Disease", "filter-agent": "Agent", "filter-trial": "Trial", "filter-phase": "Phase",
    "filter-setting": "Setting (line)", "filter-status": "Status", "filter-organ": "Organ class",
    "filter-highlight": "Highlight trial", "tox-sort": "Sort by", "surv-trial": "Trial", "export-view": "Figure",
}  # fmt: skip


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def view_requests(page, name: str | None = None) -> list:
    """Record the view requests the page sends (components/view_requests.py): the graph id of each
    view asked for (the answer strip is no view), or with `name`, the slices asked for that view."""
    asked: list = []

    def on_request(request):
        path = urlparse(request.url).path
        if "/_evidence/view/" not in path:
            return
        view = path.rsplit("/", 1)[1]
        if name is not None and view == name:
            asked.append(request.post_data_json["slice"])
        elif name is None and view in ids.GRAPHS:
            asked.append(ids.GRAPHS[view])

    page.on("request", on_request)
    return asked


def figure_requests(page):
    """Record the views (figures, the trials grid, the heatmap table) the page asks the server for."""
    return view_requests(page)


def undrawn(page, graph_ids) -> list[str]:
    """The graphs plotly has not drawn at all (no SVG), sorted."""
    return page.evaluate("(ids) => ids.filter(id => !document.querySelector('#' + id + ' .main-svg'))", sorted(graph_ids))


def wait_for_cards(page, count=5):
    page.wait_for_function(f"() => document.querySelectorAll('{CARDS}').length === {count}", timeout=30000)


def back_to_top(page):
    """Scrolled back to the first screen (wait_for_drawn scrolls to each figure it waits for), for
    a screenshot of what a user first sees."""
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_function("() => window.scrollY === 0", timeout=5000)
    page.wait_for_timeout(500)


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] + box["width"] <= size["width"]


def accessible_name(page, selector) -> str:
    """The name Chromium's accessibility tree gives an element (what a screen reader announces)."""
    client = page.context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("Accessibility.enable")
    root = client.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = client.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    tree = client.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"]
    client.detach()
    return next(n["name"]["value"] for n in tree if not n.get("ignored") and "name" in n)


def test_at_1366_the_first_screen_answers_without_scrolling(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    drawn = figure_requests(page)
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(urlparse(request.url).path) if request.resource_type == "script" else None)
    page.goto(base_url)
    wait_for_cards(page)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])  # scrolls to each
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(1500)
    # PASO report: PFS HR 1.80 (95% CI 1.02 to 3.20), P = 0.041; E2100 (NEJM 2007): HR 0.60, P<0.001, no CI printed
    paso = page.locator(CARDS, has_text="PASO").first
    e2100 = page.locator(CARDS, has_text="E2100").first
    paso_hr = paso.locator(".answer-hr")
    e2100_hr = e2100.locator(".answer-hr")
    assert paso_hr.inner_text() == "HR 1.80 (95% CI 1.02–3.20), p 0.041"
    assert e2100_hr.inner_text() == "HR 0.60 (95% CI not reported), p < 0.001"
    assert paso.locator(".answer-headline strong").inner_text() == "Paclitaxel + sorafenib worse than paclitaxel on PFS"
    assert e2100.locator(".answer-headline strong").inner_text() == "Paclitaxel + bevacizumab better than paclitaxel on PFS"
    assert in_viewport(page, paso_hr) and in_viewport(page, e2100_hr)
    assert page.evaluate("() => window.scrollY") == 0
    # every number names its source on hover
    assert paso_hr.get_attribute("title").startswith("Source: PASO trial report [PASO_REPORT]: Table 2")
    assert "Newcombe" in paso.locator(".answer-tox-item").first.get_attribute("title")
    assert page.locator(CARDS, has_text="SOR").locator(".answer-note").inner_text() == "Design only: no results reported."
    # efficacy and toxicity side by side, both starting on the first screen
    efficacy, toxicity = page.locator("#card-efficacy").bounding_box(), page.locator("#card-toxicity").bounding_box()
    assert efficacy["y"] < 768 - 150 and toxicity["y"] < 768 - 150
    assert abs(efficacy["y"] - toxicity["y"]) < 2 and toxicity["x"] > efficacy["x"] + efficacy["width"] - 1
    # only the shown tab drew: no hidden figure was computed
    assert not HIDDEN_FIGURES & set(drawn), drawn
    # the figures are drawn by the dashboard's own plotly.js (scripts/plotly_bundle): dcc.Graph
    # never fetched the full one (4.8 MB, 1.2-1.7 s of parsing before the first figure)
    assert "/assets/plotly-evidence.min.js" in scripts and not [s for s in scripts if s.endswith("plotly.min.js")]
    assert page.evaluate("() => [window.Plotly.version, window.Plotly.react.evidenceLazy]") == [plotly_js_version(), True]
    page.screenshot(path=str(ARTIFACTS / "first-screen-1366x768.png"))
    assert page.console_errors == []


def test_a_link_naming_a_trial_the_data_lack_sends_the_views_only_the_checked_state(page, base_url):
    """The server checks a link's values the controls do not offer (components/state_sync.py
    check_state) and the views wait for its answer: no figure is asked for the unchecked state
    (the forest used to be, and drew an empty plot until the corrected state arrived)."""
    slices = view_requests(page, "forest")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url + "?trial=PASO&trial=NO-SUCH-TRIAL")
    page.locator("#unavailable-notice").get_by_text("trial NO-SUCH-TRIAL").wait_for(timeout=30000)
    wait_for_drawn(page, ["forest-figure"])
    page.wait_for_function("() => document.querySelector('#forest-figure .js-plotly-plot')._fullData.length > 0", timeout=30000)
    page.wait_for_timeout(500)
    assert [s["trial"] for s in slices] == [["PASO"]]
    assert "NO-SUCH-TRIAL" not in page.evaluate("() => location.search")
    assert page.console_errors == []


BELOW_THE_FOLD = ("medians-figure", "rates-figure", "subgroups-figure", "fatal-events-figure")


def test_a_figure_below_the_fold_is_computed_when_scrolled_to(page, base_url):
    """At 1366x768 the first screen shows the forest plot and the heatmap's top: the efficacy
    tab's other figures send no request until the reader scrolls to them (assets/seen.js)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    drawn = figure_requests(page)
    page.goto(base_url)
    wait_for_cards(page)
    page.wait_for_function("() => { const g = document.querySelector('#forest-figure .js-plotly-plot');"
                           " return g && g.data && g.data.length > 0"
                           " && document.querySelector('#heatmap-figure table.hm-table'); }", timeout=30000)
    page.wait_for_timeout(1500)
    assert {"forest-figure", "heatmap-figure"} <= set(drawn)
    assert not set(BELOW_THE_FOLD) & set(drawn), drawn
    assert undrawn(page, BELOW_THE_FOLD) == sorted(BELOW_THE_FOLD)  # no empty first draw either
    for graph_id in BELOW_THE_FOLD:
        scroll_to(page, graph_id)
        page.wait_for_function(
            "(id) => { const g = document.querySelector('#' + id + ' .js-plotly-plot'); return g && g.data && g.data.length > 0; }",
            arg=graph_id, timeout=30000)
        assert graph_id in drawn
    # a change reaches a figure already drawn but scrolled away only when it is seen again
    page.evaluate("() => window.scrollTo(0, 0)")
    before = len(drawn)
    page.locator("#filter-endpoint input[value='OS']").check()
    page.wait_for_function("() => window.location.search.includes('endpoint=OS')", timeout=15000)
    page.wait_for_timeout(1500)
    assert "forest-figure" in drawn[before:] and "medians-figure" not in drawn[before:], drawn[before:]
    scroll_to(page, "medians-figure")
    for _ in range(100):
        if "medians-figure" in drawn[before:]:
            break
        page.wait_for_timeout(100)
    assert "medians-figure" in drawn[before:]
    assert page.console_errors == []


def test_a_hidden_tab_draws_when_shown_and_the_tab_is_in_the_url(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    drawn = figure_requests(page)
    page.goto(base_url)
    wait_for_cards(page)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    page.wait_for_timeout(1000)
    assert not HIDDEN_FIGURES & set(drawn)
    # not even dcc.Graph's empty first draw happens in a hidden tab (assets/lazy_draw.js)
    assert undrawn(page, HIDDEN_FIGURES) == sorted(HIDDEN_FIGURES)
    show_tab(page, "dosing")
    wait_for_drawn(page, TAB_FIGURES["dosing"])
    assert query(page)["tab"] == ["dosing"]
    assert {"dose-figure", "what-if-figure"} <= set(drawn) and "survival-figure" not in drawn
    assert page.locator("#tab-efficacy").is_hidden() and page.locator("#card-dosing").is_visible()
    # a filter changed on another tab redraws the efficacy views only when they are shown again
    before = len(drawn)
    page.locator("#filter-endpoint input[value='OS']").check()
    page.wait_for_function("() => window.location.search.includes('endpoint=OS')", timeout=15000)
    page.wait_for_timeout(1500)
    assert drawn[before:] == []  # forest, medians and survival read the endpoint; none is shown
    show_tab(page, "efficacy")
    page.wait_for_function("() => !window.location.search.includes('tab=')", timeout=15000)
    wait_for_drawn(page, ["forest-figure", "medians-figure"])  # scrolled to: a figure off screen waits
    page.wait_for_timeout(2000)
    assert {"forest-figure", "medians-figure"} <= set(drawn[before:]) and "survival-figure" not in drawn[before:]
    # back: the URL brings the dosing tab back
    page.go_back()
    page.wait_for_function("() => !document.getElementById('tab-dosing').hidden", timeout=15000)
    # a link opens on its tab; an unknown tab falls back to the first
    page.goto(base_url + "/?tab=survival")
    wait_for_drawn(page, TAB_FIGURES["survival"])
    assert page.locator("#tab-survival").is_visible() and page.locator("#tab-efficacy").is_hidden()
    page.goto(base_url + "/?tab=%3Cscript%3E")
    page.wait_for_function("() => window.location.search === ''", timeout=15000)
    assert page.locator("#tab-efficacy").is_visible()
    assert page.console_errors == []


def test_the_trials_grid_asks_for_its_rows_only_while_its_tab_is_shown(page, base_url):
    """Like a figure: a selection changed on the first tab costs the hidden grid no request; the
    filter panel's summary and page position still follow (they come with the answer strip)."""
    from tests.browser.test_highlight import POPSTATE_JS

    page.set_viewport_size({"width": 1366, "height": 768})
    asked = figure_requests(page)
    page.goto(base_url)
    wait_for_cards(page)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    page.evaluate(POPSTATE_JS, "?disease=breast+cancer")
    page.locator("#selection-summary").get_by_text("4 of 5 trials shown").wait_for(timeout=15000)
    wait_for_drawn(page, ["forest-figure"])
    page.wait_for_timeout(1000)
    assert "trial-grid" not in asked and page.locator(GRID_ROWS).count() == 0
    assert page.locator("#trial-page-of").inner_text() == "page 1 of 1"
    show_tab(page, "trials")
    page.wait_for_function(f"() => document.querySelectorAll('{GRID_ROWS}').length === 4", timeout=15000)
    assert asked.count("trial-grid") == 1
    assert page.console_errors == []


def test_tabs_work_by_keyboard(page, base_url):
    page.goto(base_url)
    wait_for_cards(page)
    page.locator("#view-tab input[value='efficacy']").focus()
    page.keyboard.press("ArrowRight")
    wait_for_tab(page, "trials")
    assert query(page)["tab"] == ["trials"]
    assert accessible_name(page, "#view-tab") == "Views"
    assert page.console_errors == []


def test_a_click_on_a_card_highlights_its_trial_and_a_second_click_clears_it(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_cards(page)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    page.locator(CARDS, has_text="E2100").first.locator(".answer-medians").click()
    page.wait_for_function("() => window.location.search.includes('highlight=E2100')", timeout=15000)
    card = page.locator("#answer-cards .answer-highlighted")
    card.wait_for(timeout=15000)
    assert card.locator(".answer-trial").inner_text() == "E2100"
    assert card.locator(".answer-trial").get_attribute("aria-pressed") == "true"
    page.wait_for_function(
        "() => { const g = document.querySelector('#forest-figure .js-plotly-plot');"
        " return g && (g.layout.shapes || []).some(s => s.name === 'highlight: E2100'); }", timeout=15000)
    assert "highlighted: E2100" in page.locator("#selection-summary").inner_text()
    # keyboard: the card's title button is the same click; on the highlighted trial it clears it
    page.locator(CARDS, has_text="E2100").first.locator(".answer-trial").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !window.location.search.includes('highlight')", timeout=15000)
    page.wait_for_function("() => !document.querySelector('#answer-cards .answer-highlighted')", timeout=15000)
    assert page.console_errors == []


LAYOUT_NODES = """(wanted) => {
  // Dash's redux layout (what the renderer mounts): the #answer-cards node's children, and how
  // many layout components carry an answer-card id
  const state = window.dash_stores[window.dash_stores.length - 1].getState();
  let box = null, cards = 0;
  (function walk(n) {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    if (n.type && n.namespace && n.props) {
      if (n.props.id === wanted) box = n;
      if (n.props.id && typeof n.props.id === 'object' && n.props.id.type === 'answer-card') cards++;
      return Object.values(n.props).forEach(walk);
    }
    Object.values(n).forEach(walk);
  })(state.layout);
  return {found: box !== null, children: box ? (box.props.children ?? null) : 'missing', cards};
}"""


def test_the_answer_cards_are_built_in_the_browser_from_the_servers_data(page, base_url):
    """No Dash component per card (issue 13: each one rendered from a callback costs the renderer a
    dispatch): the redux layout holds #answer-cards without children, and the cards assets/answer_cards.js
    builds say what evidence.answers says for the bundled data, with the same ids, titles and aria."""
    from evidence.answers import answer_strip
    from evidence.loading import load_dataset
    from evidence.state import ViewState
    from tests.browser.conftest import REPO_ROOT
    from tests.browser.test_highlight import POPSTATE_JS

    paso = next(c for c in answer_strip(load_dataset(REPO_ROOT / "data"), ViewState()) if c.trial_id == "PASO")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_cards(page)
    assert page.evaluate(LAYOUT_NODES, "answer-cards") == {"found": True, "children": None, "cards": 0}
    card = page.locator(CARDS, has_text="PASO").first
    # its trial as plain data (assets/answers.js and assets/highlight.js read it back); no id
    assert card.get_attribute("data-trial") == "PASO" and card.get_attribute("id") is None
    assert card.get_attribute("class") == f"answer-card answer-{paso.kind}"
    button = card.locator("h3.answer-title > button.answer-trial")
    assert button.inner_text() == "PASO"
    assert button.get_attribute("title") == "Highlight PASO in every view"
    assert button.get_attribute("aria-pressed") == "false"
    status = card.locator("p.answer-status > span.answer-status-text")
    assert (status.text_content(), status.get_attribute("title")) == (paso.status.text, paso.status.source)
    assert card.locator("p.answer-headline > strong").text_content() == paso.headline
    hr = card.locator("p.answer-headline > span.answer-hr")
    assert (hr.text_content(), hr.get_attribute("title")) == (paso.hazard_ratio.text, paso.hazard_ratio.source)
    medians = card.locator("details.answer-details > p.answer-medians")
    assert medians.text_content() == paso.medians_heading + " " + " vs ".join(m.text for m in paso.medians)
    spans = medians.locator("span.answer-median")
    assert [(spans.nth(k).text_content(), spans.nth(k).get_attribute("title")) for k in range(spans.count())] == [
        (m.text, m.source) for m in paso.medians]
    assert card.locator("details.answer-details > p.answer-tox-heading").text_content() == paso.toxicity_heading
    items = card.locator("details.answer-details > ul.answer-tox > li > span.answer-tox-item")
    assert [(items.nth(k).text_content(), items.nth(k).get_attribute("title")) for k in range(items.count())] == [
        (t.text, t.source) for t in paso.toxicity]
    assert card.locator("details > summary.answer-more").text_content() == "Medians and grade 3–4 events"
    # keyboard: Space on the title button highlights the trial (assets/answers.js), the card is marked
    button.focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => window.location.search.includes('highlight=PASO')", timeout=15000)
    assert button.get_attribute("aria-pressed") == "true" and button.get_attribute("title") == "Clear the highlight of PASO in every view"
    assert "answer-highlighted" in card.get_attribute("class")
    # a selection change rebuilds the cards (still no Dash children), the highlighted one marked again
    page.evaluate(POPSTATE_JS, "?disease=breast+cancer&highlight=PASO")
    wait_for_cards(page, 4)
    page.wait_for_function("() => document.querySelector('#answer-cards .answer-highlighted .answer-trial[aria-pressed=\"true\"]')", timeout=15000)
    assert page.locator("#answer-cards .answer-highlighted .answer-trial").inner_text() == "PASO"
    assert page.evaluate(LAYOUT_NODES, "answer-cards") == {"found": True, "children": None, "cards": 0}
    assert page.console_errors == []


def test_every_dropdown_is_named_by_its_label(page, base_url):
    page.goto(base_url)
    wait_for_cards(page)
    page.wait_for_timeout(500)
    for control_id, label in DROPDOWN_LABELS.items():
        show(page, control_id)  # a control in a hidden tab is not announced at all
        name = accessible_name(page, f"button#{control_id}")
        assert name.startswith(label), (control_id, name)
    # the value follows the label: "Agent All", then "Agent sorafenib"
    show_tab(page, "efficacy")
    assert accessible_name(page, "button#filter-agent") == "Agent All"
    page.locator("#filter-agent").click()
    page.get_by_role("option", name="sorafenib", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => window.location.search.includes('agent=sorafenib')", timeout=15000)
    page.wait_for_timeout(300)
    assert accessible_name(page, "button#filter-agent").startswith("Agent")
    assert "sorafenib" in accessible_name(page, "button#filter-agent")
    assert page.console_errors == []


def test_the_grid_is_one_tab_stop_and_enter_on_a_row_highlights_its_trial(page, base_url):
    page.goto(base_url + "/?tab=trials")
    page.wait_for_function(f"() => document.querySelectorAll('{GRID_ROWS}').length === 5", timeout=30000)
    wait_for_drawn(page, TAB_FIGURES["trials"])
    page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row[row-id='PASO'] .ag-cell").first.click()
    page.wait_for_function("() => window.location.search.includes('highlight=PASO')", timeout=15000)
    page.keyboard.press("ArrowDown")  # to the next row (SOR), then Enter highlights it
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('highlight=SOR')", timeout=15000)
    page.wait_for_function(f"() => document.querySelector('{GRID_ROWS}.row-highlighted[row-id=\"SOR\"]')", timeout=15000)
    # Tab leaves the grid at once (not one stop per cell)
    stops = []
    for _ in range(4):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => !!(document.activeElement && document.activeElement.closest('#trial-grid'))"))
    assert stops.count(True) <= 1, stops
    assert page.console_errors == []


def test_skip_links_reach_every_view_and_show_its_tab(page, base_url):
    page.goto(base_url)
    wait_for_cards(page)
    page.keyboard.press("Tab")
    first = page.evaluate("() => document.activeElement.textContent")
    assert first == "Skip to answers"
    assert page.locator("#skip-links a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "#answer-strip", "#filter-panel", "#card-efficacy", "#card-toxicity", "#card-subgroups",
        "#card-fatal-events", "#card-trials", "#card-flow", "#card-baseline", "#card-dosing", "#section-dose-derived",
        "#section-exposure",
        "#card-survival", "#card-absolute", "#tab-uploads", "#card-findings", "#card-sources", "#card-export"]
    page.locator("#skip-links a[href='#card-survival']").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'card-survival'", timeout=15000)
    assert page.locator("#tab-survival").is_visible()
    assert query(page)["tab"] == ["survival"]
    # the grid's own skip link goes past it, to the design figure
    show_tab(page, "trials")
    assert page.locator("#card-trials .skip-inline").get_attribute("href") == "#design-figure"
    assert page.console_errors == []


@pytest.mark.parametrize("width,height", [(768, 1024), (390, 844)])
def test_filters_collapse_into_a_drawer_on_tablets_and_phones(page, base_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    wait_for_cards(page)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    toggle = page.locator("#filters-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("#filter-panel").is_hidden()
    back_to_top(page)
    page.screenshot(path=str(ARTIFACTS / f"first-screen-{width}x{height}.png"))
    # every tab in view, none behind a sideways scroll (the strip hid Sources at 768, three tabs at 390)
    strip = page.locator("#view-tab")
    assert strip.evaluate("(e) => e.scrollWidth <= e.clientWidth")
    tabs = strip.locator("label").evaluate_all(
        "ls => ls.map(l => { const r = l.getBoundingClientRect(); return [l.innerText, r.left, r.right]; })")
    assert len(tabs) == 6 and all(0 <= left and right <= width for _, left, right in tabs), tabs
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and page.locator("#filter-panel").is_visible()
    page.locator("#filter-endpoint input[value='OS']").check()
    page.wait_for_function("() => window.location.search.includes('endpoint=OS')", timeout=15000)
    page.screenshot(path=str(ARTIFACTS / f"first-screen-{width}x{height}-filters-open.png"))
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and page.locator("#filter-panel").is_hidden()
    assert page.evaluate("() => document.activeElement.id") == "filters-toggle"
    # the page is no wider than the screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


def test_at_1920_everything_on_one_row(page, base_url):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(base_url)
    wait_for_cards(page)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    page.wait_for_timeout(1000)
    tops = page.locator(CARDS).evaluate_all("cards => cards.map(c => Math.round(c.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, tops  # five cards side by side
    assert page.locator("#filters-toggle").is_hidden() and page.locator("#filter-panel").is_visible()
    back_to_top(page)
    page.screenshot(path=str(ARTIFACTS / "first-screen-1920x1080.png"))
    assert page.console_errors == []


def test_axe_finds_no_serious_violations_on_each_tab_and_in_the_drawer(page, base_url):
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_cards(page)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    found = []
    for tab in ("efficacy", "trials", "dosing", "survival", "uploads", "sources"):
        show_tab(page, tab)
        page.wait_for_timeout(800)
        # the whole page once; then what a tab changes: its panel and the tab strip
        context = None if tab == "efficacy" else {"include": [f"#tab-{tab}", "#view-tab"]}
        found += [(tab, v["id"], v["nodes"][0]["target"]) for v in Axe().run(page, context).response["violations"]
                  if v["impact"] in ("serious", "critical")]
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#filters-toggle").click()
    found += [("drawer", v["id"], v["nodes"][0]["target"]) for v in Axe().run(page).response["violations"]
              if v["impact"] in ("serious", "critical")]
    assert found == []
