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
