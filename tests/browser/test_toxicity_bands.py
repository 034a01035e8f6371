"""Grade bands in the real dashboard (issue 11): the default grade 3-4 heatmap keeps PASO's hand-foot
skin reaction (grade 3 in 7% of Arm B, grade 4 not reported) as a marked lower bound, a search finds
it, and the renal abstract's adverse events show as "reported, no figures". Screenshots of the
heatmap land in tests/artifacts/. A click on a heatmap cell highlights its trial (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_dashboard import figure, wait_for_drawn, wait_for_figure

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"
HAND_FOOT = "Hand-foot skin reaction"

CELL_JS = """([term, trial, arm]) => {
  // the heatmap is an HTML table (assets/heatmap_table.js): the row whose header is the term, the
  // cell of the trial's column whose header's second line names the arm
  const table = document.querySelector('#heatmap-figure table.hm-table');
  if (!table) return null;
  const lines = (e) => Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.data);
  const row = Array.from(table.querySelectorAll('tbody tr')).find(r => r.querySelector('.hm-term').textContent === term);
  if (!row) return null;
  const headers = Array.from(table.querySelectorAll('thead .hm-column'));
  const j = headers.findIndex(h => h.getAttribute('data-trial') === trial && (lines(h)[1] || '').startsWith(arm + ':'));
  if (j < 0) return null;
  const cell = row.querySelectorAll('.hm-cell')[j];
  const r = cell.getBoundingClientRect();
  return {text: lines(cell).join(' '), hover: (cell._hover || []).join('<br>'),
          x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2};
}"""


def heat_cell(page, term, trial, arm):
    return page.evaluate(CELL_JS, [term, trial, arm])


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def test_default_heatmap_shows_hand_foot_reaction_as_a_lower_bound(page, base_url):
    page.set_viewport_size({"width": 1600, "height": 1400})
    page.goto(base_url)
    wait_for_drawn(page, ["heatmap-figure"])
    heatmap = figure(page, "heatmap-figure")
    assert "grade 3–4" in heatmap["title"]  # the default band
    cell = heat_cell(page, HAND_FOOT, "PASO", "B")
    assert cell is not None, heatmap["yticktext"]
    assert cell["text"] == "≥ 7.0 (G4 NR)"
    assert "≥ 7.0% (lower bound, grade 4 not reported)" in cell["hover"]
    thrombocytopenia = heat_cell(page, "Thrombocytopenia", "PASO", "B")
    assert thrombocytopenia["text"] == "≥ 4.0 (G3 NR)"

    # The hover a reader sees on that cell says what the bound means.
    page.evaluate("() => document.querySelector('#heatmap-figure table').scrollIntoView({block: 'nearest'})")
    page.locator("#heatmap-figure .hm-cell", has_text="≥ 7.0").first.scroll_into_view_if_needed()
    cell = heat_cell(page, HAND_FOOT, "PASO", "B")
    page.mouse.move(cell["x"], cell["y"])
    hover = page.locator("#heatmap-tip")
    hover.wait_for(state="visible")
    assert "lower bound, grade 4 not reported" in hover.text_content()
    legend = page.locator("#heatmap-figure .hm-key").all_text_contents()
    assert any(t.startswith("≥ = lower bound") for t in legend)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#heatmap-figure").screenshot(path=str(ARTIFACTS / "heatmap-hand-foot-lower-bound.png"))
    assert page.console_errors == []


def test_searching_hand_finds_the_reaction_and_an_empty_search_says_why(page, base_url):
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(base_url + "/?tox_search=hand")
    wait_for_drawn(page, ["heatmap-figure"])
    summary = wait_for_figure(page, "heatmap-figure", lambda f: len(f["yticktext"]) == 1)
    assert [t.replace("<br>", " ") for t in summary["yticktext"]] == [HAND_FOOT]
    assert heat_cell(page, HAND_FOOT, "PASO", "B")["text"] == "≥ 7.0 (G4 NR)"
    assert heat_cell(page, HAND_FOOT, "MRCC-SORAFENIB", "SOR")["text"] == "reported, no figures"

    page.goto(base_url + "/?tox_search=alopecia&grade=4")
    wait_for_drawn(page, ["heatmap-figure"])
    empty = wait_for_figure(page, "heatmap-figure", lambda f: any("No adverse events" in a for a in f["annotations"]))
    assert "No adverse events match 'alopecia' in grade 4; 1 match in all grades; 1 match in grade 3–4" in empty["annotations"]


def test_renal_abstract_events_read_reported_no_figures(page, base_url):
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(base_url + "/?trial=MRCC-SORAFENIB")
    wait_for_drawn(page, ["heatmap-figure"])
    wait_for_figure(page, "heatmap-figure", lambda f: f["ticktext"] and all(t.startswith("MRCC") for t in f["ticktext"]))
    for term in ("Fatigue", "Hypertension", "Diarrhea", HAND_FOOT):
        cell = heat_cell(page, term, "MRCC-SORAFENIB", "SOR")
        assert cell["text"] == "reported, no figures", term
        assert "named in words only" in cell["hover"]
    page.locator("#heatmap-figure").screenshot(path=str(ARTIFACTS / "heatmap-renal-no-figures.png"))
    assert page.console_errors == []


def test_clicking_a_heatmap_cell_highlights_its_trial(page, base_url):
    page.set_viewport_size({"width": 1600, "height": 1400})
    page.goto(base_url + "/?tox_search=hand")
    wait_for_drawn(page, ["forest-figure", "heatmap-figure"])
    wait_for_figure(page, "heatmap-figure", lambda f: len(f["yticktext"]) == 1)
    page.locator("#heatmap-figure .hm-cell").first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    cell = heat_cell(page, HAND_FOOT, "PASO", "B")  # "≥ 7.0 (G4 NR)"
    page.mouse.click(cell["x"], cell["y"])
    page.wait_for_function("() => window.location.search.includes('highlight=PASO')", timeout=30000)
    # The highlight is drawn in the browser (highlight.js markTables): PASO's columns outlined, the others veiled.
    wait_for_figure(page, "heatmap-figure", lambda f: f["highlighted"] == ["PASO"])
    assert "highlighted: PASO" in page.locator("#selection-summary").inner_text()
    # A grey "not reported" cell of another trial is clickable too: E2100 has no hand-foot figure.
    cell = heat_cell(page, HAND_FOOT, "E2100", "PB")
    assert cell["text"] == "NR"
    page.mouse.click(cell["x"], cell["y"])
    page.wait_for_function("() => window.location.search.includes('highlight=E2100')", timeout=30000)
    wait_for_figure(page, "heatmap-figure", lambda f: f["highlighted"] == ["E2100"])
    veiled = page.evaluate("() => Array.from(document.querySelectorAll('#heatmap-figure .hm-cell.hm-veiled'))"
                           ".map(c => c.getAttribute('data-trial'))")
    assert veiled and "E2100" not in veiled and "PASO" in veiled
    assert page.console_errors == []
