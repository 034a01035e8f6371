"""The Content-Security-Policy in a real Chromium: the dashboard runs with no violations, the policy
is enforced, and data text (trial titles, notes, citations) is shown as text, never run as HTML."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from tests.browser.test_dashboard import show_tab
from tests.browser.test_dashboard import wait_for_figures as every_tab_drawn

REPO_ROOT = Path(__file__).resolve().parents[2]

# Records every violation the page reports, before any page script runs.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
  [e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber, e.sample].join(' | ')));
"""


def watch_csp(page) -> list[str]:
    """Console messages about the Content Security Policy (any level), collected as they come."""
    messages: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and messages.append(f"{msg.type}: {msg.text}"))
    page.add_init_script(RECORD_VIOLATIONS)
    return messages


def wait_for_figures(page):
    """Every figure drawn (each view tab shown in turn: hidden tabs draw nothing)."""
    every_tab_drawn(page)
    page.wait_for_timeout(1000)


def test_the_dashboard_runs_under_the_csp_without_violations(page, live_server):
    messages = watch_csp(page)
    response = page.goto(live_server())
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    wait_for_figures(page)
    # Exercise the views: a filter, a click on the grid, the toxicity mode, a figure hover, reset.
    page.locator("#filter-agent").click()
    page.get_by_role("option", name="sorafenib", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => window.location.search.includes('agent=sorafenib')", timeout=15000)
    show_tab(page, "trials")
    page.locator("#trial-grid .ag-pinned-left-cols-container .ag-row").first.click()
    show_tab(page, "efficacy")
    page.locator("#tox-mode input[value='difference']").check()
    page.locator("#forest-figure .js-plotly-plot").hover()
    page.wait_for_timeout(1500)
    page.locator("#reset").click()
    page.wait_for_function("() => window.location.search === ''", timeout=15000)
    page.wait_for_timeout(1000)
    assert page.evaluate("window.__cspViolations") == []
    assert messages == []
    assert page.console_errors == []


def test_the_policy_is_enforced(page, live_server):
    """Control for the test above: an injected inline script is blocked and reported."""
    messages = watch_csp(page)
    page.goto(live_server())
    page.wait_for_selector("#answer-strip")
    try:
        page.add_script_tag(content="window.__injected = true;")
    except Exception:  # Playwright may report the blocked script as an error
        pass
    page.wait_for_timeout(500)
    assert page.evaluate("window.__injected === undefined")
    assert any("script-src" in v for v in page.evaluate("window.__cspViolations"))
    assert messages


HOSTILE = '<script>window.__pwned = 1</script><img src="x-hostile" onerror="window.__pwned = 2"><b>bold</b>'


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    """A copy of data/ whose PASO title, design, stop reason and notes, arm labels, and its
    citation, hold markup."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    for name, key, columns in [("trials.csv", "trial_id", ("title", "design", "stop_reason", "notes")),
                               ("arms.csv", "trial_id", ("label",)),
                               ("sources.csv", "source_id", ("citation",))]:
        path = data / name
        rows = list(csv.DictReader(io.StringIO(path.read_text(), newline="")))
        for row in rows:
            if row[key].startswith("PASO"):
                for column in columns:
                    row[column] = f"{HOSTILE} {row[column]}"
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue())
    return data


def test_markup_in_data_is_shown_as_text(page, live_server, hostile_data):
    messages = watch_csp(page)
    page.set_viewport_size({"width": 3600, "height": 1000})  # every grid column rendered
    page.goto(live_server(data_dir=hostile_data))
    wait_for_figures(page)
    row = page.locator("#trial-grid .ag-center-cols-container .ag-row[row-id='PASO']")
    show_tab(page, "trials")
    design = row.locator("[col-id='design']").inner_text()
    assert design.startswith("<script>window.__pwned = 1</script><img")
    assert row.locator("[col-id='stop_reason']").inner_text().startswith("<script>")
    show_tab(page, "sources")
    assert "<script>window.__pwned = 1</script>" in page.locator("#sources-list").inner_text()
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("img[src='x-hostile']").count() == 0
    assert page.locator("#trial-grid b, #sources-list b").count() == 0
    # the answer cards, built in the browser from data (assets/answer_cards.js): the stop reason and
    # the citation as text in PASO's status and hover titles
    status = page.locator("#answer-cards .answer-card", has_text="PASO").first.locator(".answer-status-text")
    assert "<script>window.__pwned = 1</script><img" in status.text_content()
    assert "<script>window.__pwned = 1</script><img" in status.get_attribute("title")
    assert "<script>" in page.locator("#answer-cards .answer-card", has_text="PASO").first.locator(".answer-hr").get_attribute("title")
    assert page.locator("#answer-cards b, #answer-cards script, #answer-cards img").count() == 0
    # the toxicity table, built in the browser from data (assets/heatmap_table.js): PASO's arm
    # labels as text in its column headers and in a cell's tooltip
    show_tab(page, "efficacy")
    page.locator("#heatmap-figure .hm-cell[data-trial='PASO']").first.hover()
    assert "<script>window.__pwned = 1</script><img" in page.locator("#heatmap-tip").text_content()
    headers = " ".join(page.locator("#heatmap-figure thead .hm-column[data-trial='PASO']").all_text_contents())
    assert "<script>" in headers
    assert page.locator("#heatmap-figure b, #heatmap-figure script, #heatmap-figure img, #heatmap-tip b").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    assert page.evaluate("window.__cspViolations") == [] and messages == []
    assert page.console_errors == []
