"""A change made through the URL (back/forward, a copied link) in the real app under gunicorn,
in Debian Chromium: the figure it changes is redrawn in place, not built anew, and its modebar
download still follows the new view (assets/lazy_draw.js: a new download name is not a new
config); the views it does not touch are left alone."""

from __future__ import annotations

from datetime import date

import pytest

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
    page.evaluate(MARK_JS, ["forest-figure", "heatmap-figure"])
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
    # the heatmap does not read the endpoint: neither redrawn nor renamed
    heatmap = page.evaluate(KEPT_JS, "heatmap-figure")
    assert heatmap["svg"] == "before" and "_OS_" not in heatmap["filename"]
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
