"""Exports in the real app under gunicorn, clicked in Debian Chromium: every export control
delivers a file, the modebar download is slide-sized and named for the view, and without a
Chromium on the server the export bar says so while data downloads keep working."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from xml.etree import ElementTree

import pytest
from PIL import Image

from tests.browser.test_dashboard import choose, wait_for_figures

DOWNLOAD_MS = 120_000  # a cold Chromium start plus a full deck
TODAY = date.today().isoformat()


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server()


def _download(page, button_id, tmp_path):
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        page.locator(f"#{button_id}").click()
    download = info.value
    assert download.failure() is None
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    page.wait_for_function(
        "(name) => document.querySelector('#export-status').textContent.startsWith(name)",
        arg=download.suggested_filename, timeout=15_000,
    )
    return download.suggested_filename, target.read_bytes()


def _check(fmt, content):
    if fmt == "png":
        image = Image.open(io.BytesIO(content))
        assert image.size == (3840, 2160)
    elif fmt == "svg":
        assert ElementTree.fromstring(content).tag.endswith("svg")
        assert b"Hazard ratios: Overall survival" in content
    elif fmt == "pdf":
        assert content.startswith(b"%PDF-") and b"%%EOF" in content[-64:]
    elif fmt == "pptx":
        from pptx import Presentation

        assert len(Presentation(io.BytesIO(content)).slides) == 4  # title, summary, the figure, sources
    elif fmt == "csv":
        header = content.decode("utf-8-sig").splitlines()[0].split(",")
        assert header[0] == "trial_id" and {"source", "derived"} <= set(header)
    elif fmt == "xlsx":
        assert zipfile.ZipFile(io.BytesIO(content)).namelist()


def test_each_export_control_downloads_a_file(page, base_url, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(base_url + "/?agent=sorafenib&endpoint=OS")
    wait_for_figures(page)
    assert page.locator("#export-note").is_hidden()
    choose(page, "export-view", "Forest plot (hazard ratios)")
    for fmt in ("png", "svg", "pdf", "pptx", "csv", "xlsx"):
        name, content = _download(page, f"export-{fmt}", tmp_path)
        assert name == f"forest-plot_PASO_OS_{TODAY}.{fmt}", name
        _check(fmt, content)
    assert page.console_errors == []


def test_the_whole_filtered_view_becomes_a_deck(page, base_url, tmp_path):
    from pptx import Presentation

    page.goto(base_url + "/?agent=bevacizumab")
    wait_for_figures(page)
    name, content = _download(page, "export-pptx", tmp_path)  # "All figures that show data" by default
    assert name == f"trial-evidence_E2100_{TODAY}.pptx"
    deck = Presentation(io.BytesIO(content))
    titles = [s.shapes.title.text_frame.text for s in deck.slides]
    assert titles[0] == "Sorafenib & anti-VEGF trial evidence" and titles[-1] == "Sources"
    assert titles[1] == "Summary: primary hazard ratio by trial"
    # 7 views, 12 slides: design in 2 panels, the heatmap's 25 rows over 4, the what-if ramp in 2
    assert len(titles) == 15 and not any("dose ramp" in t.lower() for t in titles)  # nothing to show there
    assert "Adverse events, grade 3–4: % of patients per arm (2 of 4)" in titles
    assert "agent=bevacizumab" in deck.slides[1].notes_slide.notes_text_frame.text
    assert "ready in" in page.locator("#export-status").inner_text()
    assert page.console_errors == []


def test_modebar_download_is_a_named_slide_sized_png(page, base_url, tmp_path):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(base_url + "/?endpoint=OS")
    wait_for_figures(page)
    graph = page.locator("#forest-figure")
    graph.scroll_into_view_if_needed()
    graph.hover()
    with page.expect_download(timeout=60_000) as info:
        page.locator("#forest-figure .modebar-btn[data-title^='Download plot']").click()
    download = info.value
    assert download.suggested_filename == f"forest-plot_PASO-E2100_OS_{TODAY}.png"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with Image.open(target) as image:
        assert image.size == (3840, 2160)
    assert page.console_errors == []


def test_without_chromium_the_export_bar_says_so_and_data_still_downloads(page, live_server, tmp_path):
    url = live_server(env={"BROWSER_PATH": "/nonexistent/chromium"})
    page.goto(url)
    wait_for_figures(page)  # every view still draws
    note = page.locator("#export-note")
    assert note.is_visible() and "need Chromium" in note.inner_text() and "CSV and XLSX downloads work" in note.inner_text()
    for fmt in ("png", "svg", "pdf", "pptx"):
        assert page.locator(f"#export-{fmt}").is_disabled()
    name, content = _download(page, "export-csv", tmp_path)
    assert name == f"trial-evidence_all-trials_{TODAY}_csv.zip"
    assert "about.csv" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    name, _ = _download(page, "export-xlsx", tmp_path)
    assert name == f"trial-evidence_all-trials_{TODAY}.xlsx"
    assert page.console_errors == []
