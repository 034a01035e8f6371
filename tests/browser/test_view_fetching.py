"""How the page gets a view's data (assets/slices.js, components/view_requests.py), in Chromium:
its box is busy while the request is out (a spinner after 300 ms), a failed request says so in
the view's caption and is asked again at the next change, texts are never read as markup, and an
answer to an older slice never overwrites a newer one."""

from __future__ import annotations

import json
import time

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard import query, scroll_to, show_tab, wait_for_drawn

FOREST_BOX = '[data-view="forest-figure"]'
CAPTION = "#forest-figure-caption"


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def forest_title(page) -> str:
    return page.evaluate("() => document.querySelector('#forest-figure .js-plotly-plot').layout.title.text")


def test_a_slow_view_is_busy_with_a_spinner_until_its_answer(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    held = []
    page.route("**/_evidence/view/forest", lambda route: held.append(route))
    page.goto(base_url + "/?endpoint=OS")
    page.wait_for_function("() => { const el = document.querySelector('[data-view=\"forest-figure\"]'); return el && el.hasAttribute('aria-busy'); }")
    page.wait_for_timeout(600)  # past the spinner's 300 ms delay
    spinner = page.evaluate(
        "(s) => { const st = getComputedStyle(document.querySelector(s), '::after'); return {content: st.content, opacity: st.opacity}; }",
        FOREST_BOX,
    )
    assert spinner == {"content": '""', "opacity": "1"}
    page.locator(FOREST_BOX).screenshot(path=str(ARTIFACTS / "view-busy-spinner.png"))
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/_evidence/view/forest")
    wait_for_drawn(page, ["forest-figure"])
    page.wait_for_function("() => !document.querySelector('[data-view=\"forest-figure\"]').hasAttribute('aria-busy')")
    assert "Overall survival" in forest_title(page)
    assert page.console_errors == []


def test_a_failed_view_says_so_and_is_asked_again_at_the_next_change(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.route("**/_evidence/view/forest", lambda route: route.fulfill(status=500, body="boom"))
    page.goto(base_url)
    page.locator(CAPTION).get_by_text("This view could not be loaded (the server answered 500).").wait_for()
    assert not page.locator(FOREST_BOX).evaluate("el => el.hasAttribute('aria-busy')")
    page.unroute("**/_evidence/view/forest")
    page.get_by_label("OS – Overall survival").check()
    page.wait_for_function("() => (document.querySelector('#forest-figure .js-plotly-plot') || {}).data")
    page.wait_for_function(f"() => document.querySelector('{CAPTION}').textContent.startsWith('Sources:')")
    assert "Overall survival" in forest_title(page) and query(page)["endpoint"] == ["OS"]
    page.console_errors.clear()  # the refused request's own console line


def test_texts_from_an_answer_are_text_never_markup(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    markup = '<img src=x onerror="window.__owned = 1"><b>bold</b>'

    def answer(route):
        real = route.fetch()
        body = real.json()
        body["text"] = [[c, markup if c.endswith("-caption") else t] for c, t in body["text"]]
        route.fulfill(response=real, body=json.dumps(body))

    page.route("**/_evidence/view/forest", answer)
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    page.wait_for_function(f"() => document.querySelector('{CAPTION}').textContent.includes('<b>bold</b>')")
    assert page.locator(CAPTION).inner_text() == markup
    assert page.locator(f"{CAPTION} img, {CAPTION} b").count() == 0
    assert page.evaluate("() => window.__owned") is None
    page.unroute("**/_evidence/view/forest")


def test_an_answer_to_an_older_slice_never_replaces_a_newer_one(page, base_url):
    """PFS is answered late, after OS was asked for and drawn: the forest stays on OS."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    held = []

    def hold_pfs(route):
        if json.loads(route.request.post_data)["slice"]["endpoint"] == "TTP":
            held.append(route)
        else:
            route.continue_()

    page.route("**/_evidence/view/forest", hold_pfs)
    page.get_by_label("TTP – Time to progression").check()
    deadline = time.monotonic() + 15
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the TTP request was not sent"
    page.get_by_label("OS – Overall survival").check()
    page.wait_for_function("() => document.querySelector('#forest-figure .js-plotly-plot').layout.title.text.includes('Overall')")
    held[0].continue_()
    page.wait_for_timeout(1500)
    assert "Overall survival" in forest_title(page)
    assert not page.locator(FOREST_BOX).evaluate("el => el.hasAttribute('aria-busy')")
    page.unroute("**/_evidence/view/forest")
    assert page.console_errors == []


def test_a_tab_shown_asks_only_for_the_views_on_its_first_screen(page, base_url):
    """The tab's panel is shown with the state (assets/seen.js), and a graph plotly drew empty
    keeps its room while its data are asked for (assets/views.css): the views below it stay
    below the fold and are asked for only once scrolled to (they used to be asked for while the
    first graph had collapsed, then pushed off screen by its draw)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    page.evaluate("() => window.scrollTo(0, 0)")  # the first screen, as the page opens
    page.wait_for_timeout(500)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.rsplit("/", 1)[1]) if "/_evidence/view/" in r.url else None)
    show_tab(page, "dosing")
    # drawn where it is, not scrolled to: the derived dose panels below it are off this screen
    page.wait_for_function(
        "() => { const gd = document.querySelector('#dose-figure .js-plotly-plot');"
        " return gd && gd.data && gd.data.length > 0 && gd.querySelector('.main-svg'); }", timeout=30000)
    page.wait_for_timeout(1000)
    assert asked == ["dosing"] and query(page)["tab"] == ["dosing"]
    scroll_to(page, "exposure-figure")
    wait_for_drawn(page, ["exposure-figure"])
    assert asked[0] == "dosing" and "exposure" in asked
    assert page.console_errors == []


def test_the_trials_grid_keeps_the_room_of_its_rows_so_the_figure_below_is_not_asked_for(page, base_url):
    """Empty, the grid was 60 px shorter than with its rows: the design figure came onto the first
    screen at 1366x768 as the tab opened, was asked for and drawn (~120 ms), then pushed off by
    the rows. It keeps the room of the first state's rows now (components/layout.py grid_height)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.rsplit("/", 1)[1]) if "/_evidence/view/" in r.url else None)
    box = "() => Math.round(document.querySelector('[data-view=trial-grid]').getBoundingClientRect().height)"
    empty = page.evaluate(box)
    show_tab(page, "trials")
    page.wait_for_function("() => document.querySelectorAll('#trial-grid .ag-center-cols-container .ag-row').length === 5",
                           timeout=30000)
    page.wait_for_timeout(1000)
    # five trials in the bundled data: a 48 px header and its 1 px line, five 42 px rows, borders
    assert empty == page.evaluate(box) == 48 + 1 + 5 * 42 + 2
    assert asked == ["overview"]
    scroll_to(page, "design-figure")
    wait_for_drawn(page, ["design-figure"])
    assert asked[:2] == ["overview", "design"]
    assert page.console_errors == []


def test_a_graph_shown_while_its_data_are_asked_for_is_first_drawn_with_them(page, base_url):
    """Opening a tab: the dose-ramp graph's first plotly draw is its figure, not an empty draw
    followed by the real one (assets/lazy_draw.js holds the empty draw while assets/slices.js
    expects data for the view); the panel is shown by the page
    itself, for a tab chosen by the radio as for a link followed (popstate)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    page.evaluate("""() => { window.__firstDraw = null;
        const box = document.getElementById('dose-figure');
        new MutationObserver(() => { const svg = box.querySelector('.main-svg');
            if (window.__firstDraw === null && svg) window.__firstDraw = (svg.closest('.js-plotly-plot').data || []).length;
        }).observe(box, {childList: true, subtree: true}); }""")
    page.evaluate("() => { history.pushState({}, '', location.pathname + '?tab=dosing'); "
                  "window.dispatchEvent(new PopStateEvent('popstate', {state: {}})); }")
    wait_for_drawn(page, ["dose-figure"])
    page.wait_for_timeout(800)
    assert page.evaluate("() => !document.querySelector('[data-tab=\"dosing\"]').hidden")
    assert page.evaluate("() => document.querySelector('[data-tab=\"efficacy\"]').hidden")
    # the reported panel's 8 traces, drawn first: the full-dose line, planned steps (solid and carried
    # forward) of PASO, SOR and MRCC-SORAFENIB, and PASO's delivered mean
    assert page.evaluate("() => window.__firstDraw") == 8
    assert page.evaluate("() => document.querySelector('#view-tab input[value=\"dosing\"]').checked")
    assert page.console_errors == []
