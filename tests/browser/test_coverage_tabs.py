"""Issue 16's views in the real dashboard (gunicorn + Chromium): each drawn in its tab with the
documents' numbers, every efficacy and safety figure's caption naming its analysis population,
and a click on a data point showing its locator and passage in the Evidence box (text only).
Screenshots of each new view at 1366×768 land in tests/artifacts/coverage-*.png.

Values as the documents print them: PASO report (61 randomised, 60 analysed, 57 in the safety
set; paclitaxel stopped for adverse events 11 (38%) vs 14 (50%)); E2100 NEJM 2007 (Figure 1:
ineligible 21 vs 28; Table 2 footnote: grade 5 events 2 vs 1; Table 1: visceral disease P = 0.009);
absolute effects by hand (PASO PFS at 6 months: S_c = 0.5^(6/6.6) = 53.3%, S_e = S_c^1.80 =
32.2%, NNH 5; tests/unit/test_coverage_views.py).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard import POINT_JS, TAB_FIGURES, show_tab, wait_for_drawn

TRACES_JS = """(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const plain = a => a == null ? null : Array.from(a);
  return {
    traces: gd.data.map(t => ({type: t.type, name: t.name, x: plain(t.x), text: plain(t.text),
      header: t.header ? plain(t.header.values) : null,
      cells: t.cells ? Array.from(t.cells.values).map(plain) : null})),
    yticks: gd.layout.yaxis && gd.layout.yaxis.ticktext ? Array.from(gd.layout.yaxis.ticktext) : [],
    annotations: (gd.layout.annotations || []).map(a => a.text),
    columns: Object.keys(gd.layout).filter(k => k.startsWith('yaxis') && gd.layout[k].side === 'right')
      .flatMap(k => Array.from(gd.layout[k].ticktext || [])),  // numeric columns right of the plot
  };
}"""

NEW_VIEWS = {  # tab -> (section or card holding the view, its graph)
    "trials": [("card-flow", "flow-figure"), ("card-baseline", "baseline-figure")],
    "efficacy": [("card-subgroups", "subgroups-figure"), ("card-fatal-events", "fatal-events-figure")],
    "dosing": [("section-dose-derived", "dose-derived-figure"), ("section-exposure", "exposure-figure")],
    "survival": [("card-absolute", "absolute-figure")],
    "sources": [("card-findings", "findings-figure")],
}


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def drawn(page, graph_id) -> dict:
    return page.evaluate(TRACES_JS, graph_id)


def trace(figure: dict, name: str) -> dict:
    return next(t for t in figure["traces"] if t["name"] == name)


def caption(page, graph_id) -> str:
    return page.locator(f"#{graph_id}-caption").inner_text()


def open_tab(page, tab):
    """Show a tab and wait until its new views hold the server's figures (a graph is drawn empty
    before its first answer)."""
    show_tab(page, tab)
    wait_for_drawn(page, TAB_FIGURES[tab])
    page.wait_for_function(
        "(ids) => ids.every(id => { const g = document.querySelector('#' + id + ' .js-plotly-plot');"
        " return g && g.data && g.data.length > 0 || !!document.querySelector('#' + id + ' table'); })",
        arg=[graph for _, graph in NEW_VIEWS[tab]], timeout=30000,
    )
    page.wait_for_timeout(300)


def shoot(page, tab):
    for section, _ in NEW_VIEWS[tab]:
        locator = page.locator(f"#{section}")
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(ARTIFACTS / f"coverage-{section.removeprefix('card-').removeprefix('section-')}-1366x768.png"))


def test_each_new_view_shows_the_documents_numbers_in_its_tab(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # Efficacy tab: subgroups and fatal events under the efficacy and toxicity columns, full width
    open_tab(page, "efficacy")
    subgroups = drawn(page, "subgroups-figure")
    assert any("E2100" in tick for tick in subgroups["yticks"])
    assert "measurable disease P = 0.03" in caption(page, "subgroups-figure")
    fatal = drawn(page, "fatal-events-figure")["traces"][0]
    arms, grades, patients = fatal["cells"][1], fatal["cells"][3], fatal["cells"][6]
    deaths = [(arm, n) for arm, grade, n in zip(arms, grades, patients) if grade == "grade 5"]
    assert sum(1 for arm, _ in deaths if arm == "Paclitaxel + bevacizumab") == 2  # E2100: 2 vs 1
    assert sum(1 for arm, _ in deaths if arm == "Paclitaxel") == 1
    assert "Safety population: E2100: all treated patients, 711 of 722 randomised" in caption(page, "fatal-events-figure")
    for graph in ("forest-figure", "medians-figure", "rates-figure"):
        assert "Analysis population: PASO: full analysis set (ITT set), 60 of 61 randomised" in caption(page, graph), graph
    assert "Safety population: PASO: safety set, 57 of 61 randomised" in caption(page, "heatmap-figure")
    shoot(page, "efficacy")

    # Trials tab: patient flow and baseline
    open_tab(page, "trials")
    flow = drawn(page, "flow-figure")
    whole = dict(zip(flow["yticks"], trace(flow, "whole trial")["text"]))
    assert (whole["PASO · randomised"], whole["PASO · efficacy set"], whole["PASO · safety set"]) == ("61", "60", "57")
    ineligible = page.evaluate(
        """() => { const gd = document.querySelector('#flow-figure .js-plotly-plot');
           const ticks = Array.from(gd.layout.yaxis.ticktext), vals = Array.from(gd.layout.yaxis.tickvals);
           const y = vals[ticks.indexOf('E2100 · ineligible')];
           return gd.data.filter(t => t.name === 'experimental' || t.name === 'control')
             .map(t => Array.from(t.x)[Array.from(t.y).indexOf(y)]); }"""
    )
    assert ineligible == [21, 28]  # E2100 Figure 1: 21 (bevacizumab arm) vs 28 ineligible
    baseline = drawn(page, "baseline-figure")["traces"][0]
    assert "P = 0.009" in baseline["cells"][-1] and "P = 0.007" in baseline["cells"][-1]
    assert "Sources: " in caption(page, "baseline-figure")
    shoot(page, "trials")

    # Dosing tab: exposure and stopping beside the dose ramp
    open_tab(page, "dosing")
    derived = drawn(page, "dose-derived-figure")
    assert trace(derived, "PASO % of 800 mg (derived)")["text"] == ["50.9%", "68.1%", "78.6%"]  # 407/800, 545/800, 629/800
    assert "derived from the reported mean daily doses" in caption(page, "dose-derived-figure")
    exposure = drawn(page, "exposure-figure")
    assert "11/29 (38%)" in trace(exposure, "control")["text"]
    assert "14/28 (50%)" in trace(exposure, "experimental")["text"]
    assert "Safety population: PASO: safety set, 57 of 61 randomised" in caption(page, "exposure-figure")
    shoot(page, "dosing")

    # Survival tab: absolute effects under the survival curves
    open_tab(page, "survival")
    absolute = drawn(page, "absolute-figure")
    assert absolute["yticks"][0] == "PASO · 6 months"
    assert round(trace(absolute, "control (model-based)")["x"][0], 1) == 53.3
    assert round(trace(absolute, "experimental (model-based)")["x"][0], 1) == 32.2
    assert "NNH 5 (NNH 3 to 150)" in absolute["columns"]
    assert "Analysis population: PASO: full analysis set (ITT set), 60 of 61 randomised" in caption(page, "absolute-figure")
    shoot(page, "survival")

    # Sources tab: findings in words
    open_tab(page, "sources")
    # an HTML table the page builds (assets/text_table.js), no plotly table: E2100's FACT-B counts
    numbers = page.locator("#findings-figure table.tt-table tbody tr td:nth-child(5)").all_inner_texts()
    assert {"631", "488", "368"} <= set(numbers)
    assert page.locator("#findings-figure th.tt-head").all_inner_texts() == ["Trial", "Topic", "Finding", "When", "Numbers", "Source"]
    assert page.locator("#findings-figure .js-plotly-plot").count() == 0
    shoot(page, "sources")
    # a cell's source on hover, and a click shows its passage and highlights its trial
    cell = page.locator("#findings-figure td.tt-cell", has_text="No effect of the covariates on PFS")
    cell.hover()
    page.locator("#heatmap-tip").get_by_text("source: PASO_REPORT: Results, Efficacy", exact=False).wait_for(timeout=5000)
    cell.click()
    page.wait_for_function("() => window.location.search.includes('highlight=PASO')", timeout=15000)
    page.locator("#findings-figure-evidence").get_by_text("There was no effect of the covariates", exact=False).wait_for(timeout=15000)
    assert page.console_errors == []


def test_a_click_on_a_point_shows_its_passage_as_text(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    open_tab(page, "efficacy")
    box = page.locator("#forest-figure-evidence")
    assert box.inner_text().startswith("Click a point")
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "status"  # role status: polite live region
    page.locator("#forest-figure").scroll_into_view_if_needed()
    point = page.evaluate(POINT_JS, ["forest-figure", "PASO"])
    assert point, "no PASO point in the forest plot"
    page.mouse.click(*point)
    page.wait_for_function(
        "() => document.getElementById('forest-figure-evidence').textContent.startsWith('Evidence')", timeout=15000
    )
    text = box.inner_text()
    # PASO report, Results: 'hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test P = 0.041'
    assert text.startswith("Evidence — PASO_REPORT: Table 2; Results, Efficacy — “")
    assert "hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test P = 0.041" in text
    assert box.evaluate("b => b.children.length") == 0  # text, never markup
    box.focus()
    assert page.evaluate("() => document.activeElement.id") == "forest-figure-evidence"
    box.screenshot(path=str(ARTIFACTS / "coverage-evidence-box-1366x768.png"))

    # a view of issue 16 too: the exposure bars name their passage
    open_tab(page, "dosing")
    page.locator("#exposure-figure").scroll_into_view_if_needed()
    bar = page.locator("#exposure-figure .bars .point").first
    bar.click(force=True)
    page.wait_for_function(
        "() => document.getElementById('exposure-figure-evidence').textContent.startsWith('Evidence')", timeout=15000
    )
    said = page.locator("#exposure-figure-evidence").inner_text()
    assert said.split(": ")[0] in ("Evidence — PASO_REPORT", "Evidence — E2100_NEJM2007") and "”" in said
    assert page.console_errors == []
