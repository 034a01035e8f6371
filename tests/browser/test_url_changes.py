"""A change made through the URL (back/forward, a copied link) in the real app under gunicorn,
in Debian Chromium: the figure it changes is redrawn in place, not built anew, and its modebar
download still follows the new view (assets/lazy_draw.js: a new download name is not a new
config); the views it does not touch are left alone."""

from __future__ import annotations

from datetime import date

import pytest

from components import ids
from tests.browser.test_dashboard import figure, wait_for_drawn, wait_for_figure

TODAY = date.today().isoformat()

GO_JS = """(query) => {
  history.pushState({}, '', location.pathname + query);
  window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));
}"""

MARK_JS = """(ids) => ids.forEach(id => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  gd.querySelector('.main-svg').dataset.testMark = 'before';
  gd.querySelector('.modebar').dataset.testMark = 'before';
})"""

KEPT_JS = """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  return {svg: gd.querySelector('.main-svg').dataset.testMark || null,
          modebar: (gd.querySelector('.modebar') || {dataset: {}}).dataset.testMark || null,
          filename: gd._context.toImageButtonOptions.filename}; }"""


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def test_an_endpoint_change_redraws_the_forest_in_place_and_its_download_follows(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url + "/")
    wait_for_drawn(page, ["forest-figure", "heatmap-figure"])
    for graph_id in ("forest-figure", "heatmap-figure"):  # the server's figures, not the empty first draws
        wait_for_figure(page, graph_id, lambda f: f["traces"] > 0)
    page.evaluate(MARK_JS, ["forest-figure"])
    page.evaluate("() => { document.querySelector('#heatmap-figure table').dataset.testMark = 'before'; }")
    assert page.evaluate(KEPT_JS, "forest-figure")["filename"] == f"forest-plot_PASO-E2100_PFS_{TODAY}"

    page.evaluate(GO_JS, "?endpoint=OS")
    wait_for_figure(page, "forest-figure", lambda s: s["title"] == "Hazard ratios: Overall survival")
    page.wait_for_function(
        "(id) => document.querySelector('#' + id + ' .js-plotly-plot')._context.toImageButtonOptions.filename.includes('_OS_')",
        arg="forest-figure", timeout=30000,
    )
    forest = page.evaluate(KEPT_JS, "forest-figure")
    # Plotly.react on the same plot: the SVG and the modebar are the ones drawn before (a config
    # change would have made Plotly build a new plot: newPlot, then react again)
    assert forest == {"svg": "before", "modebar": "before", "filename": f"forest-plot_PASO-E2100_OS_{TODAY}"}
    # the heatmap (a table built in the browser) does not read the endpoint: not built again
    assert page.evaluate("() => document.querySelector('#heatmap-figure table').dataset.testMark") == "before"
    assert figure(page, "heatmap-figure")["traces"] > 0

    page.locator("#forest-figure").hover()
    with page.expect_download(timeout=60_000) as info:
        page.locator("#forest-figure .modebar-btn[data-title^='Download plot']").click()
    assert info.value.suggested_filename == f"forest-plot_PASO-E2100_OS_{TODAY}.png"
    assert page.console_errors == []


RELAYOUTS_JS = """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  window.__relayouts = [];
  gd.on('plotly_relayout', e => window.__relayouts.push(Object.keys(e).join(','))); }"""

SIZE_JS = """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const box = gd.getBoundingClientRect();
  return {drawn: [gd._fullLayout.width, gd._fullLayout.height], box: [Math.round(box.width), Math.round(box.height)],
          asked: gd.layout.height || null}; }"""


def test_a_new_figure_height_is_not_followed_by_a_resize_to_the_same_size(page, base_url):
    """The forest is 674 px tall for PFS and 411 px for OS (its own layout height): its box
    changes with the new figure, and dcc.Graph's resize to the size just drawn is skipped
    (assets/lazy_draw.js); a real change of width still resizes the graph."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url + "/")
    wait_for_drawn(page, ["forest-figure"])
    page.wait_for_timeout(500)
    page.evaluate(RELAYOUTS_JS, "forest-figure")
    before = page.evaluate(SIZE_JS, "forest-figure")
    assert before["drawn"][1] == 674

    page.evaluate(GO_JS, "?endpoint=OS")
    wait_for_figure(page, "forest-figure", lambda s: s["title"] == "Hazard ratios: Overall survival")
    page.wait_for_timeout(1000)  # dcc.Graph's resize (50 ms) and Plotly's (100 ms) would have run
    after = page.evaluate(SIZE_JS, "forest-figure")
    assert after["drawn"] == [before["drawn"][0], 411] and after["box"] == [round(before["drawn"][0]), 411]
    assert after["asked"] == 411  # the figure's own height kept (Plotly's resize deletes it)
    assert page.evaluate("() => window.__relayouts") == []

    page.set_viewport_size({"width": 1100, "height": 768})  # one column below 1360 px: a real resize
    page.wait_for_function(
        "(w) => Math.abs(document.querySelector('#forest-figure .js-plotly-plot')._fullLayout.width - w) > 50",
        arg=before["drawn"][0], timeout=15000,
    )
    assert "autosize" in ",".join(page.evaluate("() => window.__relayouts"))
    page.wait_for_timeout(500)
    other = page.evaluate(SIZE_JS, "forest-figure")
    assert abs(other["drawn"][0] - other["box"][0]) <= 1
    assert page.console_errors == []


def _hold_checks(page, every=False):
    """Hold the server's checks of a state (check_state, answered through the view-state-fix Store)
    until the test lets them go: the first one only, or `every` one until `holding[0]` is set
    False. Returns (held routes, holding)."""
    held, holding = [], [True]

    def hold(route, request):
        if ids.STATE_FIX in (request.post_data or "") and holding[0] and (every or not held):
            held.append(route)
            return
        route.continue_()

    page.route("**/_dash-update-component*", hold)  # Dash adds ?endId=... to the path
    return held, holding


def _wait_until_asked(page, held):
    for _ in range(300):
        if held:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the link's check was never asked")


def _search(page, name):
    return page.evaluate("(name) => new URLSearchParams(location.search).getAll(name)", name)


def test_a_link_opened_while_another_is_checked_keeps_its_own_values(page, base_url):
    """A link names a trial the data lack; before the server's check answers, another link is
    opened (back/forward, a pasted link) that changes the grade band. Dash runs the URL's callback
    only after the check's answer, so the answer used to rewrite the URL from the state it checked:
    the grade band the user asked for was lost. Now the answer is applied to the newer link: the
    unknown trial leaves it and its grade band stays (assets/state.js applyFix)."""
    held, _ = _hold_checks(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url + "/?trial=PASO&trial=NO-SUCH-TRIAL")
    _wait_until_asked(page, held)
    page.evaluate(GO_JS, "?trial=PASO&trial=NO-SUCH-TRIAL&grade=all")
    held[0].continue_()
    page.wait_for_function("() => !location.search.includes('NO-SUCH-TRIAL')", timeout=30000)
    page.locator("#unavailable-notice").get_by_text("trial NO-SUCH-TRIAL").wait_for(timeout=30000)
    page.wait_for_timeout(500)  # anything still to come would have come
    assert _search(page, "trial") == ["PASO"] and _search(page, "grade") == ["all"]
    assert page.locator("#filter-grade input[value='all']").is_checked()
    wait_for_figure(page, "heatmap-figure", lambda f: "all grades" in (f["title"] or "").lower())
    assert page.console_errors == []


def test_a_control_changed_while_a_link_is_checked_keeps_its_value(page, base_url):
    """The same with a control: a link asks for page 9 of the trials grid (the server moves it to
    the last page); before that answer the user picks another grade band. The answer used to set
    every control back to the state it checked; now it sets only the controls of the fields it
    corrected, so the grade band chosen stays and the page is the last one."""
    held, _ = _hold_checks(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url + "/?page=9")
    _wait_until_asked(page, held)
    page.locator("#filter-grade input[value='all']").check()
    held[0].continue_()
    page.wait_for_function("() => !location.search.includes('page=')", timeout=30000)
    page.wait_for_timeout(500)
    assert _search(page, "grade") == ["all"] and _search(page, "page") == []
    assert page.locator("#filter-grade input[value='all']").is_checked()
    wait_for_figure(page, "heatmap-figure", lambda f: "all grades" in (f["title"] or "").lower())
    assert page.console_errors == []


def test_a_newer_link_naming_another_missing_trial_is_checked_too(page, base_url):
    """The answer about the first link takes out the trial it checked; the newer link names a
    second trial the data lack, which that answer could not know of. Every check is held until
    the first answer has been applied, so whichever order Dash runs the callbacks in, that answer
    is about an older state: the second trial is asked about again (assets/state.js askAgain),
    leaves the URL too, and the notice names both.

    If Dash runs the newer link's `sync` at once instead, that link's own check is asked while the
    first is out, and Dash drops the first answer (a callback asked again supersedes the one
    executing): the newer check answers for both. Both orders end in the same state."""
    held, holding = _hold_checks(page, every=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url + "/?trial=PASO&trial=NO-SUCH-TRIAL")
    _wait_until_asked(page, held)
    page.evaluate(GO_JS, "?trial=PASO&trial=NO-SUCH-TRIAL&trial=ANOTHER-MISSING")
    page.wait_for_timeout(500)  # the newer link's own check (if Dash runs it now) is held too
    holding[0] = False
    held[0].continue_()
    page.wait_for_timeout(500)  # the first answer, if Dash kept it, is applied before the newer one
    for route in held[1:]:
        route.continue_()
    page.wait_for_function("() => !/NO-SUCH-TRIAL|ANOTHER-MISSING/.test(location.search)", timeout=30000)
    page.locator("#unavailable-notice").get_by_text("ANOTHER-MISSING").wait_for(timeout=30000)
    page.wait_for_timeout(500)
    assert _search(page, "trial") == ["PASO"]
    wait_for_figure(page, "forest-figure", lambda f: f["traces"] > 0)
    assert page.console_errors == []
