"""Uploading a trial in the browser: every problem shown, nothing half-loaded; the fixed upload
joins the forest plot and heatmap for this browser only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence.upload import example_files
from tests.browser.conftest import ARTIFACTS, REPO_ROOT
from tests.browser.test_dashboard import TAB_FIGURES, figure, show_tab, wait_for_drawn, wait_for_figure

CTGOV_FIXTURES = Path(os.environ.get("FIXTURES_DIR", REPO_ROOT / ".." / "shared" / "fixtures")) / "ctgov"


def _write(tmp_path, files, break_it=False):
    paths = []
    for name, content in files.items():
        if break_it and name == "efficacy":
            # A CI that does not contain the estimate: 4.0 outside [4.5, 5.2].
            content = content.replace(b"4.0,months,3.1,5.2", b"4.0,months,4.5,5.2")
        if break_it and name == "arms":
            content = content.replace(b"EXAMPLE-TRIAL,B,", b"EXAMPLE-TRIAL,B,", 1)
        path = tmp_path / f"{name}.csv"
        path.write_bytes(content)
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def base_url(live_server, tmp_path_factory):
    return live_server(env={"STATE_DIR": tmp_path_factory.mktemp("state")})


def _callback_bodies(page) -> list[str]:
    """Bodies of the callback and view requests the page sends from now on."""
    bodies: list[str] = []
    page.on("request", lambda r: bodies.append(r.post_data or "") if "_dash-update-component" in r.url or "/_evidence/view/" in r.url else None)
    return bodies


def test_upload_with_an_error_then_fixed_joins_every_view_for_this_browser_only(page, base_url, chromium_browser, tmp_path):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(base_url)
    wait_for_drawn(page, TAB_FIGURES["efficacy"])
    files = {k: v for k, v in example_files().items() if k != "survival_ipd"}
    upload = page.locator("#upload-tables input[type=file]")
    show_tab(page, "uploads")

    upload.set_input_files(_write(tmp_path, files, break_it=True))
    status = page.locator("#upload-status")
    status.get_by_text("Nothing was loaded").wait_for(timeout=30000)
    text = status.inner_text()
    assert "efficacy.csv, line 2, column ci_low" in text and "4.5" in text
    assert "EXAMPLE-TRIAL" not in str(figure(page, "forest-figure")["trials"])

    fixed = tmp_path / "fixed"
    fixed.mkdir()
    upload.set_input_files(_write(fixed, files))
    show_tab(page, "uploads")
    status.get_by_text("Private to you until you share them").wait_for(timeout=30000)
    bodies = _callback_bodies(page)  # every callback after the upload
    forest = wait_for_figure(page, "forest-figure", lambda f: "EXAMPLE-TRIAL" in f["trials"])
    assert {"PASO", "E2100", "EXAMPLE-TRIAL"} <= set(forest["trials"])
    heatmap = wait_for_figure(page, "heatmap-figure", lambda f: any("EXAMPLE-TRIAL" in t for t in f["ticktext"]))
    assert any("[uploaded]" in t for t in heatmap["ticktext"])
    grid = page.locator("#trial-grid .ag-center-cols-container")
    show_tab(page, "trials")  # the grid asks for its rows once shown
    grid.get_by_text("uploaded").first.wait_for(timeout=30000)
    assert page.console_errors == []

    # A second browser context (another user) sees only the curated trials.
    other = chromium_browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        other_page = other.new_page()
        other_page.goto(base_url)
        wait_for_drawn(other_page, ["forest-figure"])
        assert "EXAMPLE-TRIAL" not in figure(other_page, "forest-figure")["trials"]
    finally:
        other.close()

    # Removing the upload returns this browser to the curated data.
    show_tab(page, "uploads")
    page.locator("#upload-clear").click()
    wait_for_figure(page, "forest-figure", lambda f: "EXAMPLE-TRIAL" not in f["trials"])

    # The uploaded rows stay on the server: no request after the upload carries them (the
    # browser holds two ids, and the file input is emptied once read).
    assert bodies and all("Illustrative example" not in b and "EXAMPLE_SOURCE" not in b for b in bodies)
    assert max(len(b) for b in bodies) < 16_000, sorted(len(b) for b in bodies)[-3:]
    # the views did read the store's ids (a view request carries them as "upload")
    assert sum('"upload-store"' in b or '"upload":{' in b for b in bodies) >= 8


def test_share_then_remove_in_the_card_reaches_another_browser(page, base_url, chromium_browser, tmp_path):
    """Private until "Share with the team"; then another browser (another anonymous owner) sees the
    trial marked with who added it, without a Remove button; the owner's Remove takes it away."""
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    files = {k: v for k, v in example_files().items() if k != "survival_ipd"}
    show_tab(page, "uploads")
    page.locator("#upload-tables input[type=file]").set_input_files(_write(tmp_path, files))
    trials = page.locator("#uploaded-trial-list")
    trials.get_by_text("EXAMPLE-TRIAL").wait_for(timeout=30000)
    assert "added by you; private to you" in trials.inner_text()
    other = chromium_browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        other_page = other.new_page()
        other_page.goto(base_url)
        wait_for_drawn(other_page, ["forest-figure"])
        show_tab(other_page, "efficacy")
        assert "EXAMPLE-TRIAL" not in figure(other_page, "forest-figure")["trials"]
        show_tab(other_page, "uploads")
        assert "EXAMPLE-TRIAL" not in other_page.locator("#uploaded-trial-list").inner_text()

        trials.get_by_role("button", name="Share with the team").click()
        trials.get_by_text("shared with the team").wait_for(timeout=30000)
        other_page.reload()
        show_tab(other_page, "efficacy")
        wait_for_figure(other_page, "forest-figure", lambda f: "EXAMPLE-TRIAL" in f["trials"])
        show_tab(other_page, "uploads")
        theirs = other_page.locator("#uploaded-trial-list")
        theirs.get_by_text("added by anonymous; shared with the team").wait_for(timeout=30000)
        assert theirs.get_by_role("button").count() == 0  # neither share nor remove: not theirs

        trials.get_by_role("button", name="Remove EXAMPLE-TRIAL").click()
        show_tab(page, "efficacy")
        wait_for_figure(page, "forest-figure", lambda f: "EXAMPLE-TRIAL" not in f["trials"])
        other_page.reload()
        wait_for_drawn(other_page, ["forest-figure"])
        show_tab(other_page, "efficacy")
        assert "EXAMPLE-TRIAL" not in figure(other_page, "forest-figure")["trials"]
    finally:
        other.close()
    assert page.console_errors == []


def test_an_expired_upload_id_says_so_in_the_uploads_card(page, base_url):
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    unknown = {"session": "s" * 43, "upload": "u" * 43}
    page.evaluate("ref => sessionStorage.setItem('upload-store', JSON.stringify(ref))", unknown)
    page.reload()
    show_tab(page, "uploads")
    status = page.locator("#upload-status")
    status.get_by_text("no longer kept on the server").wait_for(timeout=30000)
    forest = wait_for_figure(page, "forest-figure", lambda f: "PASO" in f["trials"])  # the curated data
    assert "EXAMPLE-TRIAL" not in forest["trials"]
    assert page.console_errors == []


@pytest.mark.skipif(not CTGOV_FIXTURES.is_dir(), reason=f"registry fixtures not found at {CTGOV_FIXTURES}")
def test_a_registry_record_joins_the_trials_grid_with_its_import_report(page, base_url):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(base_url)
    wait_for_drawn(page, ["forest-figure"])
    show_tab(page, "uploads")
    page.locator("#upload-tables input[type=file]").set_input_files(str(CTGOV_FIXTURES / "NCT02552212.json"))
    status = page.locator("#upload-status")
    status.get_by_text("Loaded: NCT02552212").wait_for(timeout=30000)
    # The import report in the card: what was not mapped or assumed, each with its JSON path.
    report = status.locator(".import-report")
    assert "Import report (ClinicalTrials.gov):" in status.inner_text()
    assert "resultsSection.outcomeMeasuresModule.outcomeMeasures[0]" in report.inner_text()
    show_tab(page, "trials")
    page.locator("#trial-grid").get_by_text("NCT02552212").first.wait_for(timeout=30000)
    # The registry's grade bands join the toxicity filter; 'serious' draws the serious events.
    page.get_by_label("Serious (registry)", exact=True).check()
    heatmap = wait_for_figure(page, "heatmap-figure", lambda f: "Glaucoma" in f["yticktext"])
    assert "serious (registry)" in (heatmap["title"] or "").lower()
    show_tab(page, "uploads")
    status.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#card-uploads").screenshot(path=str(ARTIFACTS / "registry-record-upload-card.png"))
    assert page.console_errors == []
