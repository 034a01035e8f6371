"""Choosing a point's evidence with the keyboard (assets/keyboard_points.js, issue 16): every
clickable graph is a tab stop; arrow keys walk its points with plotly's hover; Enter or Space acts
as a click, so the Evidence box shows the point's passage and its trial is highlighted; Escape
takes the hover away. Text tables (fatal events, baseline, findings) open a row's evidence by
click and by keyboard.

Passages as the documents print them: PASO report, Results ('hazard ratio 1.80, 95% CI: 1.02 to
3.20; log-rank test P = 0.041'); E2100 NEJM 2007, Table 2 footnote (grade 5 'erosion in an area of
bowel-wall involvement'). Screenshots at 1366×768 and 768×1024 in tests/artifacts/keyboard-*.png.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard import TAB_FIGURES, show_tab, wait_for_drawn

STATUS_JS = "() => (document.getElementById('keyboard-point-status') || {}).textContent || ''"
HOVERS_JS = "(id) => document.querySelectorAll('#' + id + ' .hoverlayer .hovertext').length"
"""Hover labels plotly shows in a graph."""


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def evidence(page, graph_id) -> str:
    return page.locator(f"#{graph_id}-evidence").inner_text()


def wait_for_evidence(page, graph_id):
    page.wait_for_function(
        "(id) => document.getElementById(id + '-evidence').textContent.startsWith('Evidence')", arg=graph_id,
        timeout=15000,
    )


def tab_to(page, element_id, limit=150):
    """Press Tab until `element_id` has focus (as a keyboard user reaches it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"{element_id} not reached with Tab")


def test_tab_arrows_and_enter_show_a_points_passage_and_highlight_its_trial(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    page.wait_for_timeout(500)
    graph = page.locator("#forest-figure")
    assert graph.get_attribute("role") == "application"
    assert "Arrow keys move through its points" in graph.get_attribute("aria-label")
    assert graph.get_attribute("aria-label").startswith("Hazard ratios")  # named by the figure's title

    tab_to(page, "forest-figure")
    page.keyboard.press("ArrowDown")  # reading order: the PASO row is the forest's first
    page.wait_for_function(HOVERS_JS + " > 0", arg="forest-figure")
    said = page.evaluate(STATUS_JS)
    assert said.startswith("PASO: paclitaxel + sorafenib vs paclitaxel") and "HR 1.80" in said and "(1 of " in said
    page.screenshot(path=str(ARTIFACTS / "keyboard-forest-hover-1366x768.png"))

    page.keyboard.press("Enter")
    wait_for_evidence(page, "forest-figure")
    text = evidence(page, "forest-figure")
    assert text.startswith("Evidence — PASO_REPORT: Table 2; Results, Efficacy — “")
    assert "hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test P = 0.041" in text
    page.wait_for_function("() => window.location.search.includes('highlight=PASO')", timeout=15000)
    page.wait_for_function(  # the trial ringed in the forest as a mouse click would (assets/highlight.js)
        "() => (document.querySelector('#forest-figure .js-plotly-plot').layout.shapes || [])"
        ".some(s => s.name === 'highlight: PASO')",
        timeout=15000,
    )
    assert page.evaluate("() => document.activeElement.id") == "forest-figure"  # focus stays on the graph

    page.keyboard.press("ArrowDown")
    assert page.evaluate(STATUS_JS).startswith("E2100")
    page.keyboard.press("Escape")
    assert page.evaluate(HOVERS_JS, "forest-figure") == 0
    assert page.console_errors == []


def test_a_heatmap_cell_by_keyboard(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    # the table's cells are one tab stop (assets/heatmap_table.js): Tab from the control before it
    page.locator("#tox-search").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('#heatmap-figure .hm-cell[data-row=\"0\"][data-col=\"0\"]')")
    page.keyboard.press("ArrowRight")  # the top row's second cell: PASO arm B
    focused = page.evaluate("() => [document.activeElement.getAttribute('data-col'), document.activeElement.getAttribute('tabindex')]")
    assert focused == ["1", "0"]
    tip = page.locator("#heatmap-tip")  # the cell's hover, describing it for a screen reader
    assert tip.is_visible() and "PASO" in tip.text_content()
    assert page.evaluate("() => document.activeElement.getAttribute('aria-describedby')") == "heatmap-tip"
    page.keyboard.press(" ")
    wait_for_evidence(page, "heatmap-figure")
    assert evidence(page, "heatmap-figure").startswith("Evidence — PASO_REPORT")  # top row: a PASO arm
    page.wait_for_function("() => window.location.search.includes('highlight=PASO')", timeout=15000)
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    page.keyboard.press("Enter")  # a second choice of the highlighted trial clears it, as a click does
    page.wait_for_function("() => !window.location.search.includes('highlight=')", timeout=15000)
    assert page.console_errors == []


def test_a_table_row_opens_its_evidence_by_click_and_by_keyboard(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    box = "fatal-events-figure"
    page.locator(f"#{box}").scroll_into_view_if_needed()
    page.locator(f"#{box} .column-cell", has_text="left ventricular dysfunction").first.click()
    wait_for_evidence(page, box)
    assert evidence(page, box).startswith("Evidence — E2100_NEJM2007: Table 2, footnote — “")
    page.wait_for_function("() => window.location.search.includes('highlight=E2100')", timeout=15000)

    page.locator(f"#{box}").focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(STATUS_JS).startswith("E2100, Paclitaxel + bevacizumab, erosion in an area of bowel-wall")
    assert page.locator(f"#{box} .keyboard-current").count() == 7  # the whole row outlined
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(id) => document.getElementById(id + '-evidence').textContent.includes('bowel-wall involvement')", arg=box,
        timeout=15000,
    )
    said = evidence(page, box)
    assert "one in the paclitaxel-plus-bevacizumab group with erosion in an area of bowel-wall involvement" in said
    page.locator("#card-fatal-events").screenshot(path=str(ARTIFACTS / "keyboard-table-row-1366x768.png"))

    show_tab(page, "trials")
    wait_for_drawn(page, ["baseline-figure"])
    page.locator("#baseline-figure").scroll_into_view_if_needed()
    page.locator("#baseline-figure .column-cell", has_text="P = 0.009").first.click()
    page.wait_for_function(
        "() => document.getElementById('baseline-figure-evidence').textContent.includes('visceral involvement')",
        timeout=15000,
    )
    assert evidence(page, "baseline-figure").startswith("Evidence — E2100_NEJM2007: Table 1, footnote †")
    assert page.console_errors == []


def test_at_768_the_keyboard_hover_and_box(page, base_url):
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(base_url)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    page.locator("#medians-figure").scroll_into_view_if_needed()
    page.locator("#medians-figure").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_evidence(page, "medians-figure")
    assert "Median PFS was 6.6 months" in evidence(page, "medians-figure")
    page.keyboard.press("ArrowDown")
    page.screenshot(path=str(ARTIFACTS / "keyboard-medians-768x1024.png"))
    assert page.console_errors == []


def test_axe_with_a_graph_focused_and_a_point_chosen(page, base_url):
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    page.locator("#forest-figure").focus()
    page.keyboard.press("ArrowDown")
    found = [(v["id"], v["nodes"][0]["target"]) for v in Axe().run(page).response["violations"]
             if v["impact"] in ("serious", "critical")]
    assert found == []
