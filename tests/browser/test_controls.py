"""Controls that work (issue 13), in the real dashboard under gunicorn: the page-of-trials field,
the what-if ramp's fields, and the trial grid's columns. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard import TAB_FIGURES, query, show, show_tab, wait_for_drawn, wait_for_figure, wait_for_trial_rows

WHAT_IF_JS = """() => { const gd = document.querySelector('#what-if-figure .js-plotly-plot');
  return gd && gd._fullData ? {title: gd._fullLayout.title.text, cycles: gd._fullData.map(t => t.x ? t.x.length : 0)} : null; }"""


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def _enter(page, field_id, value):
    field = page.locator(f"#{field_id}")
    field.fill(str(value))
    field.press("Enter")


def test_page_of_trials_says_page_1_of_1_and_plus_never_empties_the_field(page, base_url):
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    page_of = page.locator("#trial-page-of")
    page_of.get_by_text("page 1 of 1").wait_for()
    field = page.locator("#trial-page")
    assert field.input_value() == "1" and field.get_attribute("max") == "1"
    plus = page.locator("#trial-page ~ button.dash-stepper-increment")
    plus.click()  # before the fix: the field emptied (Dash 4's stepper without a max gives NaN)
    page.wait_for_timeout(800)
    assert field.input_value() == "1" and page.locator("#trial-page-refusal").inner_text() == ""
    _enter(page, "trial-page", 5)
    refusal = page.locator("#trial-page-refusal")
    refusal.get_by_text("5 refused").wait_for()
    assert "Still using 1" in refusal.inner_text() and "page" not in query(page)


def test_what_if_refuses_out_of_range_and_follows_start_step_and_horizon(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, TAB_FIGURES["dosing"])  # the figures above it too: drawn, they move it
    show_tab(page, "dosing")
    note = page.locator("#what-if-note")
    note.get_by_text("reaches full dose (800 mg/day) at cycle 3").wait_for()
    _enter(page, "ramp-start", 1000)  # the example: shown in red, the chart silently at 400
    refusal = page.locator("#what-if-refusal")
    refusal.get_by_text("Start dose (mg/day): 1000 refused").wait_for()
    assert "800" in refusal.inner_text() and "Still using 400" in refusal.inner_text()
    assert "ramp_start" not in query(page) and "at cycle 3" in note.inner_text()
    page.locator("#card-dosing").screenshot(path=str(ARTIFACTS / "what-if-refused-1366x768.png"))

    _enter(page, "ramp-start", 200)
    page.wait_for_function("() => document.querySelector('#what-if-refusal').textContent === ''")
    _enter(page, "ramp-step", 100)
    _enter(page, "ramp-horizon", 9)
    note.get_by_text("at cycle 7").wait_for()  # 200, 300, ..., 800: from start and step
    page.wait_for_function("() => document.querySelector('#what-if-note').textContent.includes('After 9 cycles')")  # the horizon answers after the step
    assert query(page)["ramp_horizon"] == ["9"] and query(page)["ramp_start"] == ["200"]
    page.wait_for_function(f"() => ({WHAT_IF_JS})() && ({WHAT_IF_JS})().title.includes('after 9 cycles')")
    page.locator("#card-dosing").screenshot(path=str(ARTIFACTS / "what-if-horizon-1366x768.png"))
    page.reload()  # the horizon travels in the URL
    show(page, "what-if-note")  # below the fold: the what-if is computed once it is seen
    note.get_by_text("After 9 cycles").wait_for()
    assert page.locator("#ramp-horizon").input_value() == "9"


def test_trial_grid_shows_whole_trial_names(page, base_url):
    for width, height in ((1366, 768), (768, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(base_url)
        show_tab(page, "trials")
        wait_for_trial_rows(page)
        cells = page.locator("#trial-grid .ag-pinned-left-cols-container .ag-cell")
        names = cells.all_inner_texts()
        assert "MRCC-SORAFENIB" in names and "NCT00573755" in names
        clipped = page.evaluate(
            """() => Array.from(document.querySelectorAll('#trial-grid .ag-pinned-left-cols-container .ag-cell-value, #trial-grid .ag-header-cell-text'))
                 .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
        )
        assert clipped == [], f"cut short at {width}: {clipped}"
        page.locator("#trial-grid").screenshot(path=str(ARTIFACTS / f"trial-grid-{width}x{height}.png"))


@pytest.mark.parametrize("width, height", ((1366, 768), (768, 1024)))
def test_screenshots_of_the_changed_figures(page, base_url, width, height):
    """After-screenshots of the figures issue 13 changed, in the dashboard (tests/artifacts/after-*)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure", "medians-figure", "heatmap-figure", "what-if-figure", "survival-figure"])
    wait_for_figure(page, "forest-figure", lambda f: "HR [95% CI]" not in " ".join(f["annotations"]))
    for graph in ("forest-figure", "medians-figure", "heatmap-figure", "what-if-figure", "survival-figure"):
        show(page, graph)
        locator = page.locator(f"#{graph}")
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(ARTIFACTS / f"after-{graph}-{width}x{height}.png"))
    show(page, "card-toxicity")
    page.locator("#card-toxicity").screenshot(path=str(ARTIFACTS / f"after-toxicity-card-{width}x{height}.png"))
