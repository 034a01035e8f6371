"""Pooling in the browser: no pooled diamond on the forest plot until 'Pool trials' is switched
on, and the switch is offered only when two trials' hazard ratios of one kind can be pooled."""

from __future__ import annotations

import re

import pytest

from evidence.upload import example_files
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard import query, show_tab, wait_for_drawn, wait_for_figure

DIAMONDS_JS = """() => {
  const gd = document.querySelector('#forest-figure .js-plotly-plot');
  return gd && gd._fullData ? gd._fullData.filter(t => t.fill === 'toself').length : -1;
}"""
POOL = "#filter-pool input[type=checkbox]"


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def _upload_agreeing_example(page, tmp_path):
    """The template's made-up EXAMPLE-TRIAL, its PFS HR edited to 1.50 [1.00-2.25] (close to
    PASO's 1.80 [1.02-3.20], so the two pool with I² 0%)."""
    paths = []
    for name, content in example_files().items():
        if name == "survival_ipd":
            continue
        if name == "comparisons":
            content = content.replace(b"0.65,0.42,0.99", b"1.50,1.00,2.25")
        path = tmp_path / f"{name}.csv"
        path.write_bytes(content)
        paths.append(str(path))
    show_tab(page, "uploads")
    page.locator("#upload-tables input[type=file]").set_input_files(paths)
    page.locator("#upload-status").get_by_text("Private to you until you share them").wait_for(timeout=30000)


def test_no_pooled_diamond_until_pooling_is_switched_on(page, base_url, tmp_path):
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    assert page.evaluate(DIAMONDS_JS) == 0
    # The bundled data: only PASO reports a PFS hazard ratio with a CI, so nothing to pool.
    page.wait_for_function(f"() => document.querySelector('{POOL}').disabled", timeout=30000)
    assert "Pooling not offered" in page.locator("#pool-hint").inner_text()
    control = page.locator("fieldset", has=page.locator("#filter-pool"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    control.screenshot(path=str(ARTIFACTS / "pooling-control-not-offered.png"))

    _upload_agreeing_example(page, tmp_path)
    wait_for_figure(page, "forest-figure", lambda f: "EXAMPLE-TRIAL" in f["trials"])
    page.wait_for_function(f"() => !document.querySelector('{POOL}').disabled", timeout=30000)
    assert "Offered: the primary hazard ratios of PASO, EXAMPLE-TRIAL" in page.locator("#pool-hint").inner_text()
    assert page.evaluate(DIAMONDS_JS) == 0 and not page.locator(POOL).is_checked()
    assert "pool" not in query(page)

    page.get_by_label("Pool trials (random effects)").check()
    page.wait_for_function(f"() => ({DIAMONDS_JS})() === 1", timeout=30000)
    assert query(page)["pool"] == ["1"]
    forest = wait_for_figure(page, "forest-figure", lambda f: any("Pooled" in t for t in f["yticktext"]))
    rows = [re.sub(r"<[^>]+>", "", t.replace("<br>", " ")) for t in forest["yticktext"]]  # wrapped, styled per line
    assert "Pooled, random effects (k = 2, primary analyses; mixes curated and uploaded trials)" in rows
    hr_column = page.evaluate("() => Array.from(document.querySelector('#forest-figure .js-plotly-plot')._fullLayout.yaxis2.ticktext)")
    assert any(t.startswith("not defined (k") for t in hr_column)
    assert "I² 0%" in page.locator("#forest-figure-caption").inner_text()
    control.screenshot(path=str(ARTIFACTS / "pooling-control-on.png"))
    page.locator("#forest-figure").screenshot(path=str(ARTIFACTS / "pooling-forest-on.png"))

    page.get_by_label("Pool trials (random effects)").uncheck()
    page.wait_for_function(f"() => ({DIAMONDS_JS})() === 0", timeout=30000)
    assert "pool" not in query(page)
    assert page.console_errors == []
