"""Slide-ready exports (evidence.export, evidence.export_views, components.exports).

Tables, names, text and the PowerPoint structure are checked without a browser; images are drawn
by kaleido in Debian's Chromium (skipped when it is missing, failed under CI=true).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import re
import threading
import time
import zipfile
from dataclasses import replace
from datetime import date
from xml.etree import ElementTree

import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import no_update
from PIL import Image, ImageStat

from components import exports, ids
from components.layout import GRAPH_CONFIG
from config import Settings
from evidence import export, export_rows, export_views, views
from evidence.state import ViewState, parse_query

TODAY = date(2026, 11, 21)
SVG = "{http://www.w3.org/2000/svg}"


def _png(content: bytes) -> Image.Image:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def _svg_text(content: bytes) -> str:
    root = ElementTree.fromstring(content)  # parses, or the test fails
    assert root.tag == f"{SVG}svg"
    return " ".join(t for el in root.iter() if el.tag in (f"{SVG}text", f"{SVG}tspan") for t in [el.text or ""])


# ---------------------------------------------------------------- formula injection


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", '=HYPERLINK("http://x","y")', "  =1", "＝1", "-"],
)
def test_text_cells_that_could_start_a_formula_get_a_quote(text):
    out = export.neutralise_formulas(pd.DataFrame({"note": [text]}))
    assert out.loc[0, "note"] == "'" + text


@pytest.mark.parametrize("text", ["PASO_REPORT: Table 2", "grade 3-4", "a=b", "", "0.041", "<0.001"])
def test_ordinary_text_is_left_alone(text):
    assert export.neutralise_formulas(pd.DataFrame({"note": [text]})).loc[0, "note"] == text


def test_numbers_stay_numbers_negative_included():
    frame = pd.DataFrame({"diff": [-1.5, 2.0], "n": pd.array([-3, None], dtype="Int64"), "text": ["-1.5", None], "ok": [True, False]})
    out = export.neutralise_formulas(frame)
    assert out["diff"].tolist() == [-1.5, 2.0] and out["diff"].dtype == float
    assert out["n"].iloc[0] == -3
    assert out["text"].tolist() == ["'-1.5", None]
    assert out["ok"].tolist() == [True, False]


def test_column_names_are_neutralised_too():
    assert list(export.neutralise_formulas(pd.DataFrame({"=cmd": [1]})).columns) == ["'=cmd"]


def test_csv_keeps_injected_text_inert_and_numbers_numeric():
    frame = pd.DataFrame({"term": ["=2+5", "@x", "nausea"], "diff": [-4.0, 1.5, 0.0], "source": ["+1 ref", "-x", "PASO_REPORT: Table 3"]})
    content = export.table_csv(frame)
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read the UTF-8 correctly
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["term", "diff", "source"]
    assert [r[0] for r in rows[1:]] == ["'=2+5", "'@x", "nausea"]
    assert [r[1] for r in rows[1:]] == ["-4.0", "1.5", "0.0"]
    assert [r[2] for r in rows[1:]] == ["'+1 ref", "'-x", "PASO_REPORT: Table 3"]


def test_xlsx_never_holds_a_formula_and_keeps_numbers(tmp_path):
    from openpyxl import load_workbook

    frame = pd.DataFrame({"term": ["=1+1", "@A1", "-cmd", "ok\x01"], "value": [-2.5, 3, None, 0]})
    content = export.table_xlsx({"a/b:c*?": frame, "A/B:C*?": frame, "x" * 40: frame})
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["a-b-c--", "A-B-C-- (2)", "x" * 31]
    sheet = book.worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [sheet.cell(r, 1).value for r in range(2, 6)] == ["'=1+1", "'@A1", "'-cmd", "ok"]
    assert [sheet.cell(r, 2).value for r in range(2, 6)] == [-2.5, 3, None, 0]
    assert sheet.freeze_panes == "A2"


def test_data_export_neutralises_values_coming_from_the_curated_tables(data):
    efficacy = data.efficacy.copy()
    first = efficacy.index[(efficacy.trial_id == "PASO") & (efficacy.endpoint == "PFS") & (efficacy.statistic == "median")][0]
    efficacy.loc[first, "note"] = '=HYPERLINK("http://evil.example","click")'
    efficacy.loc[first, "source"] = "@PASO_REPORT: Table 2"
    hostile = replace(data, tables={**data.tables, "efficacy": efficacy})
    csv_file = export_views.build_export(hostile, ViewState(), "medians-by-arm", "csv", TODAY)
    rows = list(csv.DictReader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    notes = [r["note"] for r in rows]
    assert """'=HYPERLINK("http://evil.example","click")""" in notes
    assert "'@PASO_REPORT: Table 2" in [r["source"] for r in rows]
    assert not any(v[:1] in "=+-@" for r in rows for v in r.values() if v and not _is_number(v))

    from openpyxl import load_workbook

    xlsx = export_views.build_export(hostile, ViewState(), "medians-by-arm", "xlsx", TODAY)
    book = load_workbook(io.BytesIO(xlsx.content))
    values = [c.value for row in book["Medians by arm"].iter_rows() for c in row]
    assert """'=HYPERLINK("http://evil.example","click")""" in values
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_hostile_search_text_is_inert_in_the_about_sheet(data):
    from openpyxl import load_workbook

    state = ViewState(tox_search="=cmd|' /C calc'!A0")
    book = load_workbook(io.BytesIO(export_views.build_export(data, state, "toxicity-heatmap", "xlsx", TODAY).content))
    about = {r[0].value: r[1].value for r in book["About"].iter_rows(min_row=2)}
    assert "=cmd" in about["filter: toxicity"] and not about["filter: toxicity"].startswith("=")
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


# ---------------------------------------------------------------- rows behind each figure


@pytest.mark.parametrize("key", list(export_views.VIEWS))
def test_every_view_exports_its_rows_with_source_and_derived_columns(data, key):
    rows = export_views.VIEWS[key].rows(data, ViewState())
    assert not rows.empty
    assert {"source", "derived"} <= set(rows.columns)
    assert rows["derived"].dtype == bool
    assert not any(c.startswith("_") for c in rows.columns)
    if key != "what-if-ramp":
        assert rows["source"].fillna("").str.contains(r"^[A-Z0-9_]+:", regex=True).any()


def test_rows_follow_the_filters(data):
    state = parse_query("?agent=bevacizumab")
    assert set(export_rows.forest_rows(data, state).trial_id) == {"E2100"}
    assert export_rows.dosing_rows(data, state).empty
    assert set(export_rows.toxicity_rows(data, state).trial_id) == {"E2100"}
    hidden = export_rows.toxicity_rows(data, ViewState(derived=False))
    assert not hidden["derived"].any()


def test_toxicity_rows_mark_lower_bounds_in_csv_and_xlsx(data):
    # PASO Results: hand-foot syndrome grade 3 in 7% of Arm B, grade 4 not given (issue 11).
    rows = export_rows.toxicity_rows(data, ViewState())
    hand_foot = rows[(rows.term == "Hand-foot skin reaction") & (rows.arm_id == "B")].iloc[0]
    assert hand_foot["shown"] == "≥ 7.0, grade 4 not reported" and bool(hand_foot["lower_bound"])
    assert hand_foot["bound_note"] == "grade 4 not reported" and hand_foot["source"] == "PASO_REPORT: Results, Safety results"
    text = export_views.build_export(data, ViewState(), "toxicity-heatmap", "csv", TODAY).content
    text = text.decode("utf-8-sig") if isinstance(text, bytes) else text
    assert "≥ 7.0, grade 4 not reported" in text and "≥ 4.0, grade 3 not reported" in text


def test_xlsx_has_a_sheet_per_view_plus_about_with_filters_and_citations(data):
    from openpyxl import load_workbook

    f = export_views.build_export(data, parse_query("?agent=sorafenib&endpoint=OS"), "all", "xlsx", TODAY)
    assert f.filename == "trial-evidence_4-trials_2026-11-21.xlsx"
    book = load_workbook(io.BytesIO(f.content))
    assert book.sheetnames[-1] == "About" and "Forest plot (hazard ratios)" in book.sheetnames
    assert "Sorafenib dose ramp" in book.sheetnames
    forest = book["Forest plot (hazard ratios)"]
    header = [c.value for c in forest[1]]
    assert {"source", "derived", "source_citation"} <= set(header)
    about = {r[0].value: r[1].value for r in book["About"].iter_rows(min_row=2)}
    assert about["filter: trials"].startswith("4 of 5 trials") and "agent sorafenib" in about["filter: trials"]
    assert about["filter: endpoint"] == "endpoint overall survival (OS)"
    assert about["data version"] == data.version


def test_csv_of_all_views_is_a_zip_of_one_table_per_figure(data):
    f = export_views.build_export(data, ViewState(), "all", "csv", TODAY)
    names = zipfile.ZipFile(io.BytesIO(f.content)).namelist()
    assert f.filename.endswith("_csv.zip") and "about.csv" in names
    assert "forest-plot_PASO-E2100_PFS_2026-11-21.csv" in names and len(names) == len(export_views.VIEWS) + 1


# ---------------------------------------------------------------- names and words


def test_file_names_carry_view_trials_endpoint_and_date(data):
    state = ViewState()
    assert export_views.build_export(data, state, "forest-plot", "csv", TODAY).filename == "forest-plot_PASO-E2100_PFS_2026-11-21.csv"
    names = {k: export_views.file_name(k, state, export_views.render_view(data, state, k, TODAY).trial_ids, 5, TODAY, "png")
             for k in export_views.VIEWS}
    # MRCC-SORAFENIB has a column since its abstract's adverse events are shown ("reported, no figures").
    assert names["toxicity-heatmap"] == "toxicity-heatmap_PASO-E2100-MRCC-SORAFENIB_grade-3-4_2026-11-21.png"
    assert names["survival-curves"] == "survival-curves_PASO_PFS_2026-11-21.png"
    assert names["what-if-ramp"] == "what-if-ramp_start400-step200-6cycles_2026-11-21.png"
    assert names["design-vs-outcome"] == "design-vs-outcome_4-trials_2026-11-21.png"
    for name in names.values():
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name)


def test_safe_name_strips_everything_but_safe_characters():
    assert export.safe_name("../../etc/passwd", "<script>", "a b", ext="PNG") == "etc-passwd_script_a-b.png"
    assert export.safe_name("", "", ext="csv") == "export.csv"


def test_modebar_config_names_the_download_and_keeps_the_slide_size(data):
    panel = views.forest_panel(data, ViewState())
    config = exports.panel_config(ids.FOREST, ViewState(), panel.figure, data)
    options = config["toImageButtonOptions"]
    assert options["filename"] == f"forest-plot_PASO-E2100_PFS_{date.today().isoformat()}"
    assert (options["width"], options["height"], options["scale"], options["format"]) == (1920, 1080, 2, "png")
    assert config["displaylogo"] is False and GRAPH_CONFIG["toImageButtonOptions"].get("filename") is None
    state = parse_query("?agent=bevacizumab&endpoint=OS")
    panel = views.medians_panel(data, state)
    stem = exports.panel_config(ids.MEDIANS, state, panel.figure, data)["toImageButtonOptions"]["filename"]
    assert stem == f"medians-by-arm_E2100_OS_{date.today().isoformat()}"
    assert set(exports.GRAPH_VIEWS.values()) == set(export_views.VIEWS)


def test_filters_text_describes_the_active_filters(data):
    assert export.filters_text(ViewState(), data) == (
        "All 5 trials; endpoint progression-free survival (PFS); adverse events grade 3–4; derived values shown"
    )
    text = export.filters_text(parse_query("?agent=sorafenib&phase=2&derived=0&highlight=PASO&grade=all"), data)
    assert text.startswith("3 of 5 trials (PASO, NCT00573755, MRCC-SORAFENIB), filtered by agent sorafenib; phase 2")
    assert "adverse events all grades" in text and "derived values hidden" in text and text.endswith("PASO highlighted")


def test_footnotes_name_sources_and_label_derived_and_model_based_figures(data):
    r = {k: export_views.render_view(data, ViewState(), k, TODAY) for k in export_views.VIEWS}
    for rendered in r.values():
        assert f"Data version {data.version}" in rendered.footnote
    for key in ("forest-plot", "toxicity-heatmap", "survival-curves", "dose-ramp", "design-vs-outcome"):
        assert "Sources:" in r[key].footnote and "PASO trial report (EudraCT 2009-018025-73; NCT01320111)" in r[key].footnote
        assert "[" not in r[key].footnote and "_REPORT" not in r[key].footnote  # no source ids or file names
    # 28 derived cells among the default top 25 terms x 5 arms (issue 11: PASO hand-foot skin reaction,
    # a printed lower bound, is among the 25 and pushed out one E2100 derived sum row; the MRCC arm's
    # words-only column adds 25 rows, none derived). The slide's key line marks them ("◇ derived
    # (computed here)"): the count is in the speaker notes, not again in the footnote (issue 15).
    assert "Rows behind the figure: 125 (28 with derived values)." in export_views._notes(r["toxicity-heatmap"], ViewState(), "")
    assert "Computed here" not in r["toxicity-heatmap"].footnote
    assert "data rows" not in r["toxicity-heatmap"].footnote  # audience words, not the export's
    assert "Computed here, not printed in the sources: 17 of the 24 results shown" in r["dose-ramp"].footnote
    # the survival slide says model-based once: in its title ("Model-based ... survival curves"),
    # drawn on every slide and image of it, not again in its key or footnote (issue 15)
    survival = go.Figure(export_views._slide_figure(r["survival-curves"])).layout.title
    assert "model-based" in f"{survival.text} {survival.subtitle.text} {r['survival-curves'].footnote}".lower()
    assert "not trial data" in r["what-if-ramp"].footnote
    assert "Computed here" not in r["forest-plot"].footnote  # nothing derived there


# ---------------------------------------------------------------- presentation figure (no browser)


def test_presentation_figure_is_white_sized_titled_and_escapes_text(data):
    panel = views.forest_panel(data, ViewState())
    fig = export.presentation_figure(panel.figure_object(), "Title <b>x</b> & y", "Filters: <img src=x>", "Sources: A & B " * 40)
    layout = fig.layout
    assert (layout.width, layout.height, layout.paper_bgcolor, layout.plot_bgcolor) == (1280, 720, "white", "white")
    assert layout.title.text == "<b>Title x &amp; y</b>"  # figure markup dropped, the rest escaped
    assert layout.title.subtitle.text == "Filters: &lt;img src=x&gt;"
    foot = layout.annotations[-1]
    assert foot.text.count("<br>") >= 2 and "&amp;" in foot.text and foot.width == 1280 - 2 * export.PAD_PX
    assert all(export.text_width(export.plain_text(line), export.FOOTNOTE_PX) <= foot.width
               for line in foot.text.split("<br>"))
    original = panel.figure_object().layout
    assert layout.margin.t > original.margin.t and layout.margin.b > original.margin.b
    assert layout.font.size >= export.BASE_FONT_PX
    assert original.width is None and "width" not in panel.figure["layout"]  # the original is untouched


def test_slide_canvases_all_render_to_3840_by_2160():
    for needed in (300, 720, 900, 1100, 1400, 5000):
        width, height, scale = export.slide_canvas(needed)
        assert width * 9 == height * 16 and (width * scale, height * scale) == export.SLIDE_PX


# ---------------------------------------------------------------- images (Chromium)


@pytest.fixture(scope="module")
def forest_png(data, chromium):
    return export_views.build_export(data, ViewState(), "forest-plot", "png", TODAY)


def test_png_is_slide_sized_and_not_blank(forest_png):
    assert forest_png.filename == "forest-plot_PASO-E2100_PFS_2026-11-21.png"
    image = _png(forest_png.content).convert("L")
    assert image.size == (3840, 2160)
    assert ImageStat.Stat(image).stddev[0] > 20  # a blank or flat image has ~0
    title_band = image.crop((0, 0, 3840, 200))
    assert title_band.getextrema()[0] < 60  # dark title text at the top
    assert image.getpixel((3839, 2159)) > 240 and image.getpixel((0, 0)) > 240  # white page


def test_svg_parses_and_carries_title_filters_and_sources(data, chromium):
    f = export_views.build_export(data, ViewState(), "forest-plot", "svg", TODAY)
    assert f.filename.endswith(".svg")
    text = _svg_text(f.content)
    assert "Hazard ratios: Progression-free survival" in text
    assert "hazard ratio < 1 favours the experimental arm" in text
    assert "Sources: PASO trial report (EudraCT 2009-018025-73; NCT01320111)" in text and f"Data version {data.version}" in text


def test_pdf_is_a_16_by_9_page(data, chromium):
    f = export_views.build_export(data, ViewState(), "survival-curves", "pdf", TODAY)
    content = f.content
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF") and b"startxref" in content
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", content)
    assert len(boxes) >= 1
    x0, y0, x1, y1 = (float(v) for v in boxes[0])
    assert abs((x1 - x0) / (y1 - y0) - 16 / 9) < 0.01
    assert len(re.findall(rb"/Type\s*/Page[^s]", content)) == 1


def test_all_figures_as_png_come_zipped_one_per_visible_figure(data, chromium):
    f = export_views.build_export(data, parse_query("?agent=bevacizumab"), "all", "png", TODAY)
    archive = zipfile.ZipFile(io.BytesIO(f.content))
    names = archive.namelist()
    assert f.filename == "trial-evidence_E2100_2026-11-21_png.zip"
    assert not any(n.startswith("dose-ramp") for n in names)  # nothing to show for bevacizumab
    assert "forest-plot_E2100_PFS_2026-11-21.png" in names
    assert all(_png(archive.read(n)).size == (3840, 2160) for n in names)


def test_concurrent_exports_do_not_mix_up_their_figures(data, chromium):
    base = views.forest_panel(data, ViewState()).figure_object()
    titles = [f"Concurrent export number {i}" for i in range(6)]

    def draw(title):
        return export.figure_image(export.presentation_figure(base, title), "svg", width=1280, height=720, scale=1)

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(draw, titles))
    for title, content in zip(titles, results):
        text = _svg_text(content)
        assert title in text and all(other not in text for other in titles if other != title)


def test_the_engine_restarts_after_it_was_stopped(data, chromium):
    fig = views.forest_panel(data, ViewState()).figure
    export.figure_image(fig, "svg", scale=1)
    export.stop_engine()
    assert not export._ENGINE.running
    assert _svg_text(export.figure_image(fig, "svg", scale=1))
    assert export._ENGINE.running


# ---------------------------------------------------------------- PowerPoint


@pytest.fixture(scope="module")
def deck(data, chromium):
    state = parse_query("?agent=bevacizumab&highlight=E2100")
    f = export_views.build_export(data, state, "all", "pptx", TODAY, link="http://dash.example/?agent=bevacizumab&highlight=E2100")
    from pptx import Presentation

    rendered = [export_views.render_view(data, state, k, TODAY) for k in export_views.VIEWS]
    return f, Presentation(io.BytesIO(f.content)), [r for r in rendered if r.visible]


def _read(text: str) -> str:
    """Deck text as a reader reads it: the no-break hyphens and spaces that keep dates and
    references on one line (text_measure.unbroken) as ordinary ones."""
    return text.replace("\u2011", "-").replace("\u00a0", " ")


def _figure_slides(prs) -> list:
    """The slides with a figure picture (between the summary and the Sources slides)."""
    return [s for s in prs.slides if any(shape.shape_type == 13 for shape in s.shapes)]


def test_deck_has_title_figure_and_sources_slides(deck, data):
    f, prs, visible = deck
    assert f.filename == "trial-evidence_E2100_2026-11-21.pptx"
    # no dose slide for bevacizumab; issue 16: flow, baseline, subgroups, fatal events, exposure, findings
    # (no absolute effects: E2100 reports non-proportional PFS hazards)
    assert len(visible) == 13
    parts = [title for r in visible for _, title in export_views._slide_parts(r)]
    sources = sum(s.shapes.title.text_frame.text.startswith("Sources") for s in prs.slides)
    assert len(prs.slides) == 1 + 1 + len(parts) + sources  # title, summary, figure slides, sources
    assert prs.slide_width * 9 == pytest.approx(prs.slide_height * 16, rel=1e-3)
    title = prs.slides[0]
    text = _read(" ".join(s.text_frame.text for s in title.shapes if s.has_text_frame))
    assert "Sorafenib & anti-VEGF trial evidence" in text
    assert "1 of 5 trials (E2100), filtered by agent bevacizumab" in text
    assert "highlighted" not in text and "derived values" not in text  # dashboard settings: in the notes
    assert "E2100 highlighted" in title.notes_slide.notes_text_frame.text
    assert f"Data version {data.version}" in text and "2026-11-21" in text and f"{len(parts)} figures" in text
    assert [s.shapes.title.text_frame.text for s in list(prs.slides)[2:2 + len(parts)]] == parts
    summary = _read(" ".join(s.text_frame.text for s in prs.slides[1].shapes if s.has_text_frame))
    assert "E2100 (completed): Progression-free survival: HR 0.60" in summary and "PASO" not in summary
    sources = [s for s in prs.slides if s.shapes.title.text_frame.text.startswith("Sources")]
    assert sources == list(prs.slides)[-len(sources):]
    body = _read(" ".join(s.text_frame.text for slide in sources for s in slide.shapes if s.has_text_frame))
    assert "N Engl J Med 2007;357:2666" in body and "NCT00028990" in body and "PASO" not in body
    assert "E2100_NEJM2007" not in body and not re.search(r"\d{3}_[0-9a-f]{16}\.txt", body)
    # E2100's survival slide draws no model curve (hazards not proportional): nothing model-based.
    assert "Derived:" in body and "Model-based:" not in body


def test_each_figure_slide_has_a_sharp_undistorted_picture_and_a_sourced_footnote(deck, data):
    f, prs, visible = deck
    figure_slides = _figure_slides(prs)
    expanded = [r for r in visible for _ in export_views._slide_parts(r)]
    for slide, rendered in zip(figure_slides, expanded):
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1
        picture = pictures[0]
        assert 0 <= picture.left and picture.left + picture.width <= prs.slide_width
        assert 0 <= picture.top and picture.top + picture.height <= prs.slide_height
        # At least half the slide's height: E2100's PFS slide carries its paper's model caveats
        # (treatment x time and age interactions) in a footnote of several lines.
        assert picture.width > 0.9 * prs.slide_width and picture.height > 0.5 * prs.slide_height
        image = _png(picture.image.blob)
        # a 1920 px projector's pixels or more across the slide (issue 15: 2560 px pictures, not 3840)
        assert image.size[0] * prs.slide_width / picture.width >= 1920
        assert image.size[0] / image.size[1] == pytest.approx(picture.width / picture.height, rel=0.01)
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 10
        foot = next(s for s in slide.shapes if s.name == "Footnote")
        assert foot.top >= picture.top + picture.height
        assert foot.top + foot.height <= prs.slide_height
        written = _read(foot.text_frame.text)
        assert written.endswith(rendered.footnote)  # after the figure's own notes
        assert f"Data version {data.version}" in written
        if rendered.view.key != "what-if-ramp":
            assert "Sources:" in written and "E2100 trial report, N Engl J Med 2007;357:2666" in written
        shapes = sorted(slide.shapes, key=lambda s: s.top)
        for upper, lower in zip(shapes, shapes[1:]):
            assert upper.top + upper.height <= lower.top + 5000  # stacked, not overlapping (EMU)


def test_speaker_notes_hold_the_filter_state_and_link(deck):
    f, prs, visible = deck
    for slide in prs.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.startswith("Filters: ")
    for slide in list(prs.slides)[1:2] + _figure_slides(prs):
        notes = slide.notes_slide.notes_text_frame.text
        assert "Reopen this view: http://dash.example/?agent=bevacizumab&highlight=E2100" in notes
    for slide in _figure_slides(prs):
        assert "Caption: " in slide.notes_slide.notes_text_frame.text
    assert "E2100 highlighted" in list(prs.slides)[2].notes_slide.notes_text_frame.text


def test_deck_layout_is_computed_not_guessed():
    layout = export.figure_slide_layout("Short title", "filters", "Sources: x. " * 60)
    long = export.figure_slide_layout("Short title", "filters", "Sources: x.")
    assert len(layout.footnote_lines) > len(long.footnote_lines)
    assert layout.picture_box[3] < long.picture_box[3]  # a longer footnote leaves less room
    for box in (layout.title, layout.subtitle, layout.picture_box, layout.footnote):
        assert box[0] >= 0 and box[0] + box[2] <= export.SLIDE_IN[0] and box[1] + box[3] <= export.SLIDE_IN[1]


# ---------------------------------------------------------------- without Chromium, and timeouts


def test_without_chromium_images_say_so_and_data_downloads_still_work(data, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert not export.chromium_available()
    with pytest.raises(export.ChromiumMissing, match="Chromium"):
        export.figure_image(views.forest_panel(data, ViewState()).figure, "png")
    settings = Settings()
    for fmt in ("png", "svg", "pdf", "pptx"):
        sent, message = exports.export_download(data, settings, fmt, "forest-plot", {}, TODAY)
        assert sent is no_update and "need Chromium" in message and "CSV and XLSX downloads work" in message
    sent, message = exports.export_download(data, settings, "csv", "forest-plot", {}, TODAY)
    assert sent["filename"] == "forest-plot_PASO-E2100_PFS_2026-11-21.csv" and message.startswith(sent["filename"])
    bar = exports.export_bar(True, export.chromium_available())
    found = {c.id: c for c in _walk(bar) if getattr(c, "id", None)}
    assert all(found[ids.EXPORT_BUTTONS[f]].disabled for f in ("png", "svg", "pdf", "pptx"))
    assert not any(found[ids.EXPORT_BUTTONS[f]].disabled for f in ("csv", "xlsx"))
    assert "Chromium" in found[ids.EXPORT_NOTE].children and not found[ids.EXPORT_NOTE].hidden


def test_switched_off_exports_refuse_images_but_not_data(data):
    settings = Settings(export_enabled=False)
    sent, message = exports.export_download(data, settings, "pptx", "all", {}, TODAY)
    assert sent is no_update and "EXPORT_ENABLED=false" in message
    sent, _ = exports.export_download(data, settings, "xlsx", "all", {}, TODAY)
    assert sent["filename"].endswith(".xlsx")


def test_export_download_ignores_unknown_views_and_hostile_state(data):
    state = {"trial": ["NOPE"], "highlight": "<script>", "endpoint": "=cmd", "tox_top": "1e9"}
    sent, message = exports.export_download(data, Settings(), "csv", "../../etc", state, TODAY)
    assert sent["filename"] == "trial-evidence_all-trials_2026-11-21_csv.zip"


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


class _SlowKaleido:
    """Stands in for kaleido.Kaleido: a render that never finishes."""

    closed = False

    async def calc_fig(self, figure, opts=None):
        await asyncio.sleep(30)

    async def close(self):
        _SlowKaleido.closed = True


def test_a_hung_render_times_out_and_the_browser_is_replaced(monkeypatch):
    engine = export._Engine()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    engine._loop, engine._thread, engine._kaleido = loop, thread, _SlowKaleido()
    monkeypatch.setattr(export.engine, "chromium_path", lambda: "/usr/bin/chromium")
    started = time.monotonic()
    with pytest.raises(export.ExportError, match="did not draw the image within 1 s"):
        engine.render({"data": []}, {"format": "png"}, timeout=1.0)
    assert time.monotonic() - started < 20
    assert _SlowKaleido.closed and not engine.running
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_busy_engine_gives_up_waiting_with_a_message():
    engine = export._Engine()
    engine._lock.acquire()
    try:
        with pytest.raises(export.ExportError, match="busy"):
            engine.render({"data": []}, {"format": "png"}, timeout=0.2)
    finally:
        engine._lock.release()


@pytest.mark.parametrize("query", ["", "endpoint=OS", "disease=renal+cell+carcinoma", "derived=0"])
def test_an_export_reuses_what_its_views_computed(data, query):
    """A deck asks each view for its figure and its rows: the toxicity rows cut the heatmap's cached
    grade-band rows, and the absolute effects are computed once for the figure and the rows. The
    rows equal those computed with nothing cached."""
    from evidence import cache, coverage_views
    from evidence.cache import ProcessCache

    state = parse_query(query)
    saved = cache._backend
    cache.use(ProcessCache(cache.SIZES))
    try:
        uncached = (export_rows.toxicity_rows(data, state), coverage_views.absolute_rows(data, state))
        cache.use(ProcessCache(cache.SIZES))
        views.toxicity_panel(data, state)
        pd.testing.assert_frame_equal(export_rows.toxicity_rows(data, state), uncached[0])
        assert cache.stats()["grade-band-rows"] == (1, 1)
        coverage_views.absolute_panel(data, state)
        pd.testing.assert_frame_equal(coverage_views.absolute_rows(data, state), uncached[1])
        if state.derived:  # with derived values off the view computes nothing
            assert cache.stats()["absolute-effects"] == (1, 1)
    finally:
        cache.use(saved)
