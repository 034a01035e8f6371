"""Slides that read from the back of the room (issue 15), checked by measurement.

Every text size is read from what is exported: the SVG slide images (font sizes converted with
the SVG's width to points on a 13.333 in slide) and the PowerPoint deck (run sizes in the slide
XML; the embedded figure pictures measured by drawing the same figure as SVG and scaling its
text by the picture's placed width). The deck is also rendered by LibreOffice Impress to PNGs in
tests/artifacts/deck/ for a person to look at. Chromium (images) and LibreOffice (rendering) are
Debian packages: the tests skip without them, and fail under CI=true.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import plotly.graph_objects as go
import pytest
from PIL import Image, ImageStat

from evidence import export, export_views, slide_rules, views
from evidence.answers import trial_answers
from evidence.export import wording
from evidence.state import ViewState, filter_tables, parse_query
from svg_boxes import SvgMeasurer, crowded, cut

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT.parent / "shared" / "seeds"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
TODAY = date(2026, 11, 21)
SVG = "{http://www.w3.org/2000/svg}"
SLIDE_WIDTH_PT = 13.333 * 72
MANY_ROWS = "?grade=all&trial=E2100&trial=PASO&tox_top=100&highlight=PASO"
"""E2100 + PASO, all grades, every term: the bundled data's most heatmap rows (33: PASO's all-grade
terms and E2100's grade 3-4 figures shown as all-grade lower bounds)."""


def _slide_parts(r) -> list[tuple[go.Figure, str]]:
    """The slides of a view as export_views makes them (figure dicts), each checked against
    plotly's schema and read as a go.Figure."""
    return [(go.Figure(figure), title) for figure, title in export_views._slide_parts(r)]


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing (bash scripts/setup.sh --browser)")
        pytest.skip(f"{tool} is missing (bash scripts/setup.sh --browser)")


# ---------------------------------------------------------------- reading sizes


_TRANSFORM = re.compile(r"(matrix|scale|translate|rotate|skewX|skewY)\(([^)]*)\)")


def transform_scale(transform: str | None) -> float:
    """How much an SVG transform attribute enlarges lengths (the square root of its determinant):
    plotly's shrink-to-fit writes scale(k) on a text's group, rotations and translations keep 1."""
    factor = 1.0
    for kind, args in _TRANSFORM.findall(transform or ""):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip()) if v]
        if kind == "scale":
            factor *= abs(values[0] * (values[1] if len(values) > 1 else values[0])) ** 0.5
        elif kind == "matrix":
            a, b, c, d = values[:4]
            factor *= abs(a * d - b * c) ** 0.5
    return factor


def svg_text_sizes(content: bytes, slide_width_pt: float = SLIDE_WIDTH_PT) -> list[tuple[float, str, str]]:
    """(points on the slide, role, text) of every drawn text in an SVG: its effective font size
    (the font-size of the text, or of a tspan that sets its own, times the scale of every
    enclosing transform: plotly shrinks text to fit with a scale transform) in the SVG's user
    units, times slide width / SVG width. role is the plotly class of the text or its group
    (gtitle, xtitle, ytick, annotation-text, legendtext, ...)."""
    root = ElementTree.fromstring(content)
    view_box = root.get("viewBox")
    width = float(view_box.split()[2]) if view_box else float(re.sub(r"[^\d.]", "", root.get("width")))
    scale = slide_width_pt / width
    parents = {child: parent for parent in root.iter() for child in parent}
    found = []
    for element in root.iter(f"{SVG}text"):
        text = "".join(element.itertext()).strip()
        if not text:
            continue
        style = element.get("style", "")
        match = re.search(r"font-size:\s*([\d.]+)px", style) or re.search(r"([\d.]+)", element.get("font-size", ""))
        assert match, f"no font size on text {text!r}"
        sizes = [float(match.group(1))] + [float(m.group(1)) for t in element.iter(f"{SVG}tspan")
                                           if (m := re.search(r"font-size:\s*([\d.]+)px", t.get("style", "")))]
        role, node, factor = element.get("class", ""), element, transform_scale(element.get("transform"))
        while node in parents:
            node = parents[node]
            role = role or node.get("class", "")
            factor *= transform_scale(node.get("transform"))
        found.append((min(sizes) * factor * scale, role, text))
    return found


def _svgs(content: bytes, filename: str) -> dict[str, bytes]:
    if filename.endswith(".zip"):
        archive = zipfile.ZipFile(io.BytesIO(content))
        return {name: archive.read(name) for name in archive.namelist()}
    return {filename: content}


def _assert_slide_sizes(sizes: list[tuple[float, str, str]], where: str, titled: bool = True) -> float:
    """The issue's minimums; returns the smallest size found. titled=False: a deck picture,
    whose title is slide text (its plotly title slot holds the figure's key, at 18 pt)."""
    smallest = min(sizes)
    assert smallest[0] >= 14 - 0.01, f"{where}: {smallest[2]!r} ({smallest[1]}) is {smallest[0]:.1f} pt < 14 pt"
    for points, role, text in sizes:
        if role in ("xtitle", "ytitle") or role.startswith(("xtitle", "ytitle")):
            assert points >= 18 - 0.01, f"{where}: axis title {text!r} is {points:.1f} pt < 18 pt"
        if role == "gtitle":
            assert points >= (28 if titled else 18) - 0.01, f"{where}: title {text!r} is {points:.1f} pt < 28 pt"
    return smallest[0]


@pytest.fixture(scope="module")
def measurer(chromium):
    """A Chromium page that measures where each text of an SVG is drawn (svg_boxes.py)."""
    with SvgMeasurer() as m:
        yield m


# ---------------------------------------------------------------- reading sizes through transforms


def test_a_label_plotly_shrinks_to_fit_is_measured_at_its_drawn_size(chromium):
    """plotly draws text too long for its bar smaller with a scale transform on the text, and
    keeps the font-size attribute: reading the attribute alone said 14 pt for text drawn at 7."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["a", "b"], y=[3, 4], text=["a label far too long for its bar", "another label far too long for it"],
                           textposition="inside", textfont=dict(size=19)))
    fig.update_layout(width=400, height=300, font=dict(size=19), margin=dict(l=40, r=10, t=10, b=40))
    svg = export.figure_image(fig, "svg", width=400, height=300, scale=1)
    shrunk = [(points, text) for points, role, text in svg_text_sizes(svg, slide_width_pt=300) if "label" in text]
    assert len(shrunk) == 2
    assert b"font-size: 19px" in svg or b"font-size:19px" in svg  # the attribute still says 19 px = 14.25 pt
    assert all(points < 14 for points, _ in shrunk), shrunk
    with pytest.raises(AssertionError, match="< 14 pt"):
        _assert_slide_sizes(svg_text_sizes(svg, slide_width_pt=300), "shrunk bar labels")


def test_transform_scale_reads_plotly_transforms():
    assert transform_scale("translate(10,20)") == 1
    assert transform_scale("translate(80, 40) scale(0.5)") == pytest.approx(0.5)
    assert transform_scale("rotate(-90,12,30) scale(0.6,0.6)") == pytest.approx(0.6)
    assert transform_scale("matrix(0.5 0 0 0.5 3 4)") == pytest.approx(0.5)


# ---------------------------------------------------------------- SVG slide images


@pytest.mark.parametrize("query", ["", MANY_ROWS])
def test_every_exported_svg_has_no_text_below_14_pt_and_titles_of_28_pt(data, chromium, query):
    state = parse_query(query)
    report = {}
    for key in export_views.VIEWS:
        f = export_views.build_export(data, state, key, "svg", TODAY)
        for name, content in _svgs(f.content, f.filename).items():
            sizes = svg_text_sizes(content)
            report[name] = _assert_slide_sizes(sizes, name)
            titles = [p for p, role, _ in sizes if role == "gtitle"]
            assert titles and min(titles) >= 28 - 0.01, name
            if key in ("toxicity-heatmap", "forest-plot"):  # row labels are body text
                rows = [p for p, role, _ in sizes if role == "ytick"]
                assert rows and min(rows) >= 18 - 0.01, name
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"svg-font-minimums{'-many-rows' if query else ''}.txt").write_text(
        "".join(f"{name}\t{points:.1f} pt\n" for name, points in report.items()))


# ---------------------------------------------------------------- dense figures split


def test_a_heatmap_with_more_rows_than_fit_continues_on_further_slides(data):
    from evidence.export import cell_grid, slide_text_sizes

    state = parse_query(MANY_ROWS)
    rendered = export_views.render_view(data, state, "toxicity-heatmap", TODAY)
    figure = rendered.panel.figure_object()
    full = figure.layout.yaxis
    parts = _slide_parts(rendered)
    # rows a slide holds, measured on the slide styling (headers, key line, organ classes)
    spec = figure.to_dict()
    room = export.figure_room(spec, rendered.title, rendered.subtitle, rendered.footnote)
    slide_text_sizes(spec)
    fit = cell_grid.rows_fitting(spec, *room)
    assert len(full.tickvals) == 33 and 3 <= fit <= 7
    assert len(parts) == -(-33 // fit)
    assert [title for _, title in parts] == [f"{rendered.title} ({k} of {len(parts)})" for k in range(1, len(parts) + 1)]
    shown, counts = [], []
    for part, _ in parts:
        bottom, top = part.layout.yaxis.range  # reversed: first row at the top
        rows = [v for v in full.tickvals if top < v < bottom]
        shown += rows
        counts.append(len(rows))
    assert sorted(shown) == sorted(full.tickvals)  # every row once, none twice
    assert max(counts) <= fit and max(counts) - min(counts) <= 1  # balanced: no slide of one row
    # the top-N choice still applies: 3 terms fit on one slide
    few = export_views.render_view(data, parse_query(MANY_ROWS.replace("tox_top=100", "tox_top=3")), "toxicity-heatmap", TODAY)
    assert len(_slide_parts(few)) == 1


def test_the_all_grade_heatmap_footnote_is_short_so_each_slide_holds_more_rows(data):
    """issue 15: the all-grade heatmap's footnote ran to 7 lines (every caption note, the count of
    derived values) and left 7 slides of 4 rows. The key line under the grid says what grey NR
    cells, sand cells and the derived mark are, so the footnote says only what a lower bound's x
    is, the documents and the safety population: 5 slides of 5 rows. Nothing the audience needs
    left the slide: the grade band and what % is of (title, subtitle, population), what NR means
    and what ≥ marks (key line on every picture), what x is (footnote); the rest is in the notes."""
    state = parse_query("?grade=all&highlight=PASO")
    r = export_views.render_view(data, state, "toxicity-heatmap", TODAY)
    parts = _slide_parts(r)
    ticks = parts[0][0].layout.yaxis.tickvals
    counts = [sum(1 for v in ticks if part.layout.yaxis.range[1] < v < part.layout.yaxis.range[0]) for part, _ in parts]
    assert len(ticks) == 25 and sum(counts) == 25
    assert len(parts) == 5 and min(counts) == 5, counts  # was 7 slides of 3-4 rows
    lines = export.figure_slide_layout(parts[0][1], r.subtitle, r.footnote).footnote_lines
    assert len(lines) <= 4, lines  # was 7
    # grade band and what the percentages are
    assert "all grades" in r.title and "% of patients" in r.title and "% of patients" in r.subtitle
    # who the percentages are of (PASO report: safety set 57 of 61; E2100 NEJM 2007: 711 of 722 treated)
    assert "Safety population: PASO safety set, 57 of 61 randomised; E2100 all treated patients, 711 of 722." in r.footnote
    # what a lower bound's number is
    assert r.footnote.startswith("≥ x: no all-grades figure reported; at least x% had the event "
                                 "(x: the highest grade 3, 4 or 3–4 figure).")
    assert "Sources: PASO trial report (EudraCT 2009-018025-73; NCT01320111); E2100 trial report, N Engl J Med 2007;357:2666" in r.footnote
    # said once, by the key line of every slide picture, not again in the footnote
    assert "Grey NR cells" not in r.footnote and "Reported, no figures" not in r.footnote and "Computed here" not in r.footnote
    for part, title in parts:
        styled = export.presentation_spec(part.to_dict(), "", width=1203, height=439, notes=False)
        key = " ".join(export.plain_text(a.get("text")) for a in styled["layout"]["annotations"])
        for entry in ("NR = not reported (≠ 0%)", "≥ = lower bound (all grades NR)", "derived (computed here)",
                      "no figures = named in words only"):
            assert entry in key, (title, entry)
    notes = export_views._notes(r, state, "")
    assert "Grey NR cells: not reported for that arm and grade (not the same as 0%)" in notes
    assert "Reported, no figures: the document names the event without a count" in notes
    # without a key entry the footnote keeps the note (the difference grid has no sand key)
    assert wording.grid_notes("Sources: x. Grey NR cells: not reported (not 0%). Reported, no figures: named only.", "") == (
        "Grey NR cells: not reported (not 0%). Reported, no figures: named only.")
    assert wording.grid_notes("Grey NR cells: a. Reported, no figures: b.", "NR = not reported (≠ 0%) reported, no figures") == ""


def test_a_split_reads_the_figure_as_a_dict_not_through_plotly_properties(data, monkeypatch):
    """Reading each window's shapes and annotations through go.Figure properties (validated on
    every access) took 12 of a deck's 33 s without drawing (cProfile, load 13); the windows are
    made on the plain dict, dicts in and out (split.py has no go.Figure path). Counted: no
    shape's y0 is read through plotly while splitting, and the figure given is not changed."""
    import copy

    import plotly.graph_objects as go

    rendered = export_views.render_view(data, parse_query(MANY_ROWS), "toxicity-heatmap", TODAY)
    spec = slide_rules.figure_dict(rendered.panel)
    before = copy.deepcopy(spec)
    reads = []
    original = go.layout.Shape.y0
    monkeypatch.setattr(go.layout.Shape, "y0", property(lambda self: reads.append(1) or original.fget(self), original.fset))
    parts = export.split_rows(spec)
    assert len(parts) > 1 and not reads
    assert all(type(part) is dict for part in parts) and spec == before
    # the organ-class labels still move into each window (the run's middle on that slide)
    for part in parts:
        bottom, top = part["layout"]["yaxis"]["range"]
        labels = [a for a in part["layout"]["annotations"] if a.get("xref") == "paper" and a.get("yref") == "y" and (a.get("x") or 0) >= 1]
        assert any(top < a["y"] < bottom for a in labels)
        go.Figure(part)  # still a valid figure (plotly's schema)


def _plot_area(root, subplot: str = "xy") -> tuple[float, float, float, float]:
    """(left, top, width, height) of the plot area of a plotly SVG: the subplot's clip rect
    and the translate of the group it clips."""
    clip = next(c for c in root.iter(f"{SVG}clipPath") if c.get("id", "").endswith(f"{subplot}plot"))
    rect = clip.find(f"{SVG}rect")
    group = next(g for g in root.iter(f"{SVG}g") if g.get("clip-path", "").endswith(f"#{clip.get('id')})"))
    left, top = map(float, re.search(r"translate\(([\d.]+),\s*([\d.]+)\)", group.get("transform")).groups())
    return left, top, float(rect.get("width")), float(rect.get("height"))


def _lines_of(text_element) -> list[str]:
    lines = [("".join(t.itertext())).strip() for t in text_element.iter(f"{SVG}tspan") if "line" in (t.get("class") or "")]
    return lines or ["".join(text_element.itertext()).strip()]


def _font_px(element) -> float:
    return float(re.search(r"font-size:\s*([\d.]+)px", element.get("style", "")).group(1))


def _toxicity_slide_svgs(data, query):
    """(name, SVG, placed width in pt, styled figure) of every toxicity heatmap picture as the
    deck draws it and as the 1280 x 720 image export draws it."""
    from evidence.export.deck import SlideSpec, _planned

    r = export_views.render_view(data, parse_query(query), "toxicity-heatmap", TODAY)
    for k, (figure, title) in enumerate(_slide_parts(r), start=1):
        _, layout, styled, (width, height, _) = _planned(SlideSpec(title, r.subtitle, figure, r.footnote))
        svg = export.figure_image(styled, "svg", width=width, height=height, scale=1)
        yield f"deck {query} part {k}", svg, layout.picture_box[2] * 72, styled
        styled, _, width, height, _ = export.slide_job(figure, "svg", title, r.subtitle, r.footnote)
        svg = export.figure_image(styled, "svg", width=width, height=height, scale=1)
        yield f"image {query} part {k}", svg, SLIDE_WIDTH_PT, styled


@pytest.mark.parametrize("query", ["?grade=3-4&highlight=PASO", "?grade=all&highlight=PASO", MANY_ROWS])
def test_toxicity_slides_give_every_row_its_height_and_every_cell_text_its_cell(data, chromium, query):
    """Measured in the drawn SVG: the plot area (clip rect) over the rows and columns the axes
    show gives each row and cell; every cell text (in Liberation Sans, text_measure) fits its
    cell, rows are at least the 18 pt label budget (split.ROW_PT), headers lie flat and fit their
    column and the header band, the key line fits under the plot, nothing is below 14 pt."""
    from evidence.export.split import ROW_PT
    from evidence.text_measure import text_width

    report = []
    for name, svg, placed_pt, styled in _toxicity_slide_svgs(data, query):
        root = ElementTree.fromstring(svg)
        svg_width, svg_height = float(root.get("width")), float(root.get("height"))
        pt_per_px = placed_pt / svg_width
        _assert_slide_sizes(svg_text_sizes(svg, placed_pt), name, titled=name.startswith("image"))
        left, top, width, height = _plot_area(root)
        x_low, x_high = styled["layout"]["xaxis"]["range"]  # the styled figure is a dict
        y_high, y_low = styled["layout"]["yaxis"]["range"]  # reversed
        cell_px, row_px = width / abs(x_high - x_low), height / abs(y_high - y_low)
        assert row_px * pt_per_px >= ROW_PT - 0.05, f"{name}: rows {row_px * pt_per_px:.1f} pt"
        cells = [t for g in root.iter(f"{SVG}g") if g.get("class") == "heatmap-label" for t in g.iter(f"{SVG}text")]
        assert cells, name
        for cell in cells:
            size = _font_px(cell)
            lines = _lines_of(cell)
            assert size * pt_per_px >= 14 - 0.01
            for line in lines:
                assert text_width(line, size) <= cell_px - 6, f"{name}: {line!r} {text_width(line, size):.0f} px in a {cell_px:.0f} px cell"
            assert len(lines) * size * 1.3 <= row_px, f"{name}: {lines} taller than the row"
            assert not re.search(r"\(all grades NR\)", " ".join(lines)), "said once in the key line"
        ticks = [t for g in root.iter(f"{SVG}g") if g.get("class") == "xtick" for t in g.iter(f"{SVG}text")]
        for tick in ticks:
            assert "rotate" not in (tick.get("transform") or ""), f"{name}: header {_lines_of(tick)} is turned"
            size = _font_px(tick)
            for line in _lines_of(tick):
                bold = tick.find(f".//{SVG}tspan[@style]") is not None and line.startswith(("PASO", "E2100"))
                assert text_width(line, size, bold) <= cell_px - 4, f"{name}: header line {line!r}"
            assert len(_lines_of(tick)) * size * 1.3 <= top, f"{name}: header {_lines_of(tick)} above the picture"
        key = [t for t in root.iter(f"{SVG}text") if "NR = not reported" in "".join(t.itertext())]
        assert key and all(len(_lines_of(t)) <= 2 for t in key), name
        key_lines = max(len(_lines_of(t)) for t in key)
        assert top + height + key_lines * _font_px(key[0]) * 1.3 <= svg_height, f"{name}: the key line runs off the picture"
        report.append(f"{name}\trows {row_px * pt_per_px:.1f} pt\tcells {cell_px:.0f} px\tkey {key_lines} line(s)")
    ARTIFACTS.mkdir(exist_ok=True)
    tag = re.sub(r"\W+", "-", query).strip("-")
    (ARTIFACTS / f"toxicity-slide-geometry-{tag}.txt").write_text("\n".join(report) + "\n")


def test_an_organ_class_longer_than_its_rows_is_drawn_whole_on_its_slide(data, measurer):
    """issue 15: beside a single row the screen figure cuts "General disorders and administration
    site conditions" to "General disorders and administration site…" (two lines of 22 characters
    a row); the slide wraps the whole name to its measured organ-class column and gives each row
    room for its lines. Measured in Chromium on every deck picture: no organ class ends in "…",
    none touches another text or is cut, and the MedDRA names are drawn whole."""
    r = export_views.render_view(data, parse_query("?grade=all&highlight=PASO"), "toxicity-heatmap", TODAY)
    cut_on_screen = [a for a in r.panel.figure_object().layout.annotations if (a.text or "").endswith("…")]
    assert cut_on_screen and all(a.hovertext and not a.hovertext.endswith("…") for a in cut_on_screen)
    names = set()
    for name, svg, _, styled in _toxicity_slide_svgs(data, "?grade=all&highlight=PASO"):
        if not name.startswith("deck"):
            continue
        drawn = measurer.measure(svg)
        assert not crowded(drawn) and not cut(drawn), f"{name}: " + "; ".join(crowded(drawn) + cut(drawn))
        root = ElementTree.fromstring(svg)
        labels = [" ".join(_lines_of(t)) for g in root.iter(f"{SVG}g") if g.get("class") == "annotation"
                  for t in g.iter(f"{SVG}text") if "NR = not reported" not in "".join(t.itertext())]
        assert not any(label.endswith("…") for label in labels), name
        names.update(labels)
    assert {"General disorders and administration site conditions", "Respiratory, thoracic and mediastinal disorders",
            "Musculoskeletal and connective tissue disorders"} <= names


def _panel_slide_svgs(data, key, query):
    """(name, SVG, styled figure) of every slide picture of a panel view, as the deck draws it
    and as the 1280 x 720 image export draws it."""
    from evidence.export.deck import SlideSpec, _planned

    r = export_views.render_view(data, parse_query(query), key, TODAY)
    jobs, names = [], []
    for k, (figure, title) in enumerate(_slide_parts(r), start=1):
        _, _, styled, (width, height, _) = _planned(SlideSpec(title, r.subtitle, figure, r.footnote))
        jobs.append((styled, "svg", width, height, 1))
        names.append(f"{key} deck part {k}")
        styled, _, width, height, _ = export.slide_job(figure, "svg", title, r.subtitle, r.footnote)
        jobs.append((styled, "svg", width, height, 1))
        names.append(f"{key} image part {k}")
    return list(zip(names, export.figure_images(jobs), [job[0] for job in jobs]))


PLOT_SHARE = {"deck": (0.45, 0.57), "image": (0.25, 0.33)}
"""Least share of the picture's height the plot area takes (a panel with a key line, without):
measured 47-56% / 60-63% on the deck pictures (432-470 px) and 27-34% / 35-39% on the
1280 x 720 images (whose own title, subtitle and six-line footnote take about 300 px). Before
the measured layout the deck's dose-ramp plots took 27% of their pictures (118 of 432 px)."""


@pytest.mark.parametrize("key", ["dose-ramp", "dose-derived", "what-if-ramp"])
def test_dose_ramp_slides_use_the_slide_and_no_label_touches_another_or_is_cut(data, chromium, measurer, key):
    """Measured in the drawn SVG (Chromium's boxes): no two texts touch or overlap, none runs off
    the picture or out of its plot area or ends in "…", the end labels stand right of the plot,
    and the plot area takes most of the picture's height."""
    report = []
    for name, svg, styled in _panel_slide_svgs(data, key, "?grade=all&highlight=PASO"):
        drawn = measurer.measure(svg)
        assert not crowded(drawn), f"{name}: " + "; ".join(crowded(drawn))
        assert not cut(drawn), f"{name}: " + "; ".join(cut(drawn))
        _assert_slide_sizes(svg_text_sizes(svg, SLIDE_WIDTH_PT * drawn.width / 1280), name, titled=False)
        layout = go.Figure(styled).layout  # the styled figure is a dict
        y_name = next(k for k in layout if k.startswith("yaxis") and layout[k].visible is not False)
        subplot = (layout[y_name].anchor or "x") + "y" + y_name[5:]
        left, top, width, height = _plot_area(ElementTree.fromstring(svg), subplot)
        share = height / drawn.height
        keyed = any("——" in t.text or "●" in t.text for t in drawn.texts)
        least = PLOT_SHARE["deck" if " deck " in name else "image"][0 if keyed else 1]
        assert share >= least, f"{name}: plot area {share:.0%} of the picture's height < {least:.0%}"
        ends = [t for t in drawn.texts if t.role == "annotation-text" and t.left >= left + width]
        if key in ("dose-ramp", "dose-derived") and "image" not in name:
            assert ends, f"{name}: the lines' end labels are right of the plot"
        report.append(f"{name}\tplot {height:.0f} of {drawn.height:.0f} px ({share:.0%})\t{len(drawn.texts)} texts, none touching")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{key}-slide-geometry.txt").write_text("\n".join(report) + "\n")


def test_design_slides_label_the_rows_they_show_clear_of_the_notes(data, chromium, measurer):
    """issue 15: on the design slides a value label belonged to a trace clipped to the plot, so
    labels above the top row were cut by the plot's edge and the labels of rows on the other
    slide of the panel were laid out under the clip (over the axis and the key); the "not
    reported" notes started where a number ended. Measured in Chromium: no text touches another
    or is cut, and each slide of "Patients and events" writes the numbers of its own rows only
    (curated design rows: PASO planned 140 patients and 110 events, 61 enrolled, 50 events summed
    over arms; SOR planned 220 and 120; E2100 planned 685 and 546 events, 722 enrolled; MRCC 48)."""
    numbers = []
    for name, svg, styled in _panel_slide_svgs(data, "design-vs-outcome", "?grade=all&highlight=PASO"):
        drawn = measurer.measure(svg)
        assert not crowded(drawn), f"{name}: " + "; ".join(crowded(drawn))
        assert not cut(drawn), f"{name}: " + "; ".join(cut(drawn))
        _assert_slide_sizes(svg_text_sizes(svg, SLIDE_WIDTH_PT * drawn.width / 1280), name, titled=False)
        if " deck " in name and any(t.text == "Number of patients or events" for t in drawn.texts):
            numbers.append(sorted(t.text for t in drawn.texts if t.role == "textpoint"))
        notes = [t for t in drawn.texts if "not reported" in t.text and t.role == "annotation-text"]
        for note in notes:  # a note never starts inside a number's width of its mark
            assert all(note.gap(t) >= 4 for t in drawn.texts if t.role == "textpoint"), (name, str(note))
    assert numbers == [sorted(["61", "140", "50", "110", "220", "120"]), sorted(["685", "722", "546", "48"])]


def test_response_rate_slides_keep_the_key_headings_and_rate_labels_apart(data, chromium, measurer):
    """issue 15: the key ("Arm role: ...") stood 17 px above the panels, under the 18 pt panel
    headings, and PASO's control 43.3% (written right of its marker) overlapped E2100's
    experimental 36.9% (written left of its own) in the gap between the two trials. Measured in
    Chromium on the deck picture and the slide image: no text touches another or is cut, the key
    is above every heading, every rate is written (PASO report: 40.0% / 43.3% response, 70.0% /
    93.3% disease control; E2100: 36.9% / 21.2% response, 81.2% / 73.4% at one year; MRCC: 30.0%),
    and the response panel (two trials) is wider than a panel of one."""
    for name, svg, styled in _panel_slide_svgs(data, "response-rates", "?grade=all&highlight=PASO"):
        drawn = measurer.measure(svg)
        assert not crowded(drawn), f"{name}: " + "; ".join(crowded(drawn))
        assert not cut(drawn), f"{name}: " + "; ".join(cut(drawn))
        _assert_slide_sizes(svg_text_sizes(svg, SLIDE_WIDTH_PT * drawn.width / 1280), name, titled=" image " in name)
        key = [t for t in drawn.texts if t.role.startswith("legend")]
        headings = [t for t in drawn.texts if t.text.replace(" ", "") in
                    ("Overallresponserate", "Clinicalcontrolrate", "Tumourburdenreductionrate", "1-yearsurvival")]
        assert key and len(headings) == 4, name
        assert max(t.bottom for t in key) + 2 <= min(t.top for t in headings), name
        rates = sorted(t.text for t in drawn.texts if t.role == "textpoint")
        assert rates == sorted(["40.0%", "43.3%", "70.0%", "93.3%", "36.9%", "21.2%", "81.2%", "73.4%", "30.0%"]), name
        domains = [styled["layout"][k]["domain"] for k in ("xaxis", "xaxis2", "xaxis3")]
        assert domains[0][1] - domains[0][0] > 1.3 * (domains[1][1] - domains[1][0]), name


def test_design_figure_goes_one_panel_per_slide_and_keeps_a_trials_rows_together(data):
    rendered = export_views.render_view(data, ViewState(), "design-vs-outcome", TODAY)
    parts = [go.Figure(p) for p in export.split_for_slides(slide_rules.figure_dict(rendered.panel), None, rendered.view.slides.split)]
    assert len(parts) >= 3
    for part in parts:
        shown = [k for k in part.layout if k.startswith("yaxis") and part.layout[k].visible is not False]
        assert len(shown) == 1
        axis = part.layout[shown[0]]
        low, high = axis.range
        labels = [t for v, t in zip(axis.tickvals, axis.ticktext) if low < v < high]
        trials = {label.split(" · ")[0] for label in labels}
        for trial in trials:  # a trial's assumed and observed rows are on the same slide
            assert len([t for t in axis.ticktext if t.startswith(trial + " · ")]) == len([t for t in labels if t.startswith(trial + " · ")])


def test_a_forest_plot_of_many_rows_is_split_and_keeps_its_column_headers():
    n = 18
    fig = {"data": [{"type": "scatter", "x": [1.0] * n, "y": list(range(n)), "mode": "markers"}],
           "layout": {"height": 900, "margin": {"t": 70, "b": 120},
                      "annotations": [{"text": "HR [95% CI]", "xref": "paper", "x": 0.8, "yref": "y", "y": n - 0.45, "showarrow": False}],
                      "yaxis": {"tickvals": list(range(n)), "ticktext": [f"trial {i}" for i in range(n)], "range": [-0.7, n - 0.1]}}}
    go.Figure(fig)  # a valid figure
    parts = export.split_rows(fig)
    # 5 in of figure less 190 px of margins leaves 217.5 pt: 7 rows of 28.8 pt (18 pt, 1.6 lines)
    assert export.split.rows_per_slide(fig) == 7 and len(parts) == 3
    assert fig["layout"]["yaxis"]["range"] == [-0.7, n - 0.1]  # the figure given is not changed
    for part in parts:
        low, high = part["layout"]["yaxis"]["range"]
        header = part["layout"]["annotations"][0]
        assert high - 1 < header["y"] < high  # the header moved to the top of each window


def test_the_split_reads_margins_as_the_slide_styling_does():
    """One source of truth for a figure's margins (review): split.py fell back to 60 px where
    slide_style falls back to the template's margins, else 80 / 100. A figure with the app's
    template (theme.TEMPLATE: t 60, b 60) keeps 5 in less 120 px = 270 pt: 9 rows of 28.8 pt;
    one without margins or template gets slide_style's t 100, b 80: 225 pt, 7 rows."""
    from evidence import theme
    from evidence.export import slide_style, split

    assert split._margin is slide_style._margin
    templated = {"data": [], "layout": {"template": theme.TEMPLATE}}
    assert [slide_style._margin(templated, side) for side in "tb"] == [60, 60]
    assert split.rows_per_slide(templated) == 9
    assert split.rows_per_slide({"data": [], "layout": {}}) == 7  # was 9 (split's own 60 px)
    assert split.rows_per_slide({"data": [], "layout": {"margin": {"t": 30, "b": 30}}}) == 10


# ---------------------------------------------------------------- words for the audience


def test_subtitles_say_what_is_shown_not_how_the_dashboard_is_set(data):
    state = parse_query("?highlight=PASO&grade=3-4")
    subtitles = {k: export_views.render_view(data, state, k, TODAY).subtitle for k in export_views.VIEWS}
    assert subtitles["toxicity-heatmap"].startswith("Grade 3–4 adverse events, % of patients")
    every_grade = export_views.render_view(data, parse_query("?grade=all"), "toxicity-heatmap", TODAY)
    assert every_grade.subtitle.startswith("Adverse events of any grade, % of patients")
    # the what-if title's two screen lines read as one sentence on the slide. Default ramp 400 mg/day
    # + 200 per 28-day cycle: short by 28 x 400 + 28 x 200 = 16.8 g of 6 x 28 x 800 = 134.4 g (12.5%)
    what_if = export_views.render_view(data, state, "what-if-ramp", TODAY)
    assert what_if.title.startswith("What-if ramp (hypothetical, not trial data): cumulative deficit after 6 "
                                    "cycles: 16.8 g (12.5%)"), what_if.title
    assert "hazard ratio < 1 favours the experimental arm" in subtitles["forest-plot"]
    for key, text in subtitles.items():
        assert "highlighted" not in text and "derived values" not in text, key
    # the highlighted trial is shown: bold and starred on the heatmap's columns
    heatmap = views.toxicity_panel(data, state).figure_object()
    assert any("<b>PASO ★</b>" in t for t in heatmap.layout.xaxis.ticktext)


def test_citations_are_what_a_reader_looks_up_and_match_the_documents(data):
    seeds = {s.source_id: (SEEDS / s.document).read_text(errors="replace") for s in data.sources.itertuples()}
    short = {s.source_id: wording.short_citation(s) for s in data.sources.itertuples()}
    assert short["E2100_NEJM2007"] == "E2100 trial report, N Engl J Med 2007;357:2666 (NCT00028990)"
    assert short["PASO_REPORT"] == "PASO trial report (EudraCT 2009-018025-73; NCT01320111)"
    assert "Cancer 2010" in short["MRCC_CANCER2010"]
    assert short["NCT00573755_CTGOV"] == "ClinicalTrials.gov record NCT00573755"
    # every number in a citation is printed in its document
    assert "NCT00028990" in seeds["E2100_NEJM2007"] and "n engl j med 357;26" in seeds["E2100_NEJM2007"]
    assert "december 27, 2007" in seeds["E2100_NEJM2007"]
    assert "2009–018025-73" in seeds["PASO_REPORT"] and "NCT01320111" in seeds["PASO_REPORT"]
    assert "Cancer 2010" in seeds["MRCC_CANCER2010"]
    assert "NCT00573755" in seeds["NCT00573755_CTGOV"]
    assert not re.search(r"ISRCTN\d|NCT\d{8}", seeds["SOR_REGISTRY"])  # hence "no registry number given"
    for s in data.sources.itertuples():
        assert s.document not in wording.full_citation(s) and s.source_id not in wording.full_citation(s)


# ---------------------------------------------------------------- the answer (summary slide)


def test_trial_answers_read_the_primary_hazard_ratio_and_medians_as_published(data):
    answers = {a.trial_id: a for a in trial_answers(filter_tables(data.tables, ViewState()))}
    assert set(answers) == {"PASO", "E2100"}  # the trials with a primary HR
    paso, e2100 = answers["PASO"], answers["E2100"]
    # PASO report: PFS HR 1.80 (95% CI 1.02-3.20), p = 0.041; medians 6.6 (A) vs 5.6 (B) months
    assert (paso.hr, paso.ci_low, paso.ci_high, paso.status) == (1.80, 1.02, 3.20, "stopped early")
    assert paso.reading == "favours paclitaxel over paclitaxel + sorafenib"
    assert [(m.arm, m.months) for m in paso.medians] == [("paclitaxel + sorafenib", 5.6), ("paclitaxel", 6.6)]
    # E2100 (N Engl J Med 2007): PFS HR 0.60, P<0.001, no CI printed; medians 11.8 vs 5.9 months
    assert (e2100.hr, e2100.ci_low, e2100.status) == (0.60, None, "completed")
    assert e2100.reading.startswith("lower hazard with Paclitaxel + bevacizumab") and "no CI printed" in e2100.reading
    assert [m.months for m in e2100.medians] == [11.8, 5.9]
    assert "HR 0.60 (95% CI not reported)" in e2100.sentence()


# ---------------------------------------------------------------- the deck


@pytest.fixture(scope="module")
def deck(data, chromium):
    drawn = []

    def render(fig, fmt, **size):
        drawn.append((fig, size))
        return export.figure_image(fig, fmt, **size)

    state = parse_query("?grade=all&highlight=PASO")
    f = export_views.build_export(data, state, "all", "pptx", TODAY, link="http://dash.example/?grade=all&highlight=PASO", render=render)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f.filename).write_bytes(f.content)
    return f, drawn


@pytest.fixture(scope="module")
def deck_svgs(deck):
    """Every figure picture of the deck drawn again as SVG (one batch), in slide order."""
    _, drawn = deck
    return export.figure_images([(fig, "svg", size["width"], size["height"], 1) for fig, size in drawn])


def test_no_text_on_any_deck_picture_touches_another_or_is_cut(data, deck, deck_svgs, measurer):
    """Every figure picture of the deck of every view, measured in Chromium (svg_boxes.py): no
    two texts closer than 2 px, none beyond the picture's edge or its plot area, none ending in
    "…", in every view (issue 15: the last crowded views came clean in session 6)."""
    from pptx import Presentation

    f, _ = deck
    state = parse_query("?grade=all&highlight=PASO")
    titles = {export_views.render_view(data, state, k, TODAY).title: k for k in export_views.VIEWS}
    pictures = [s for slide in Presentation(io.BytesIO(f.content)).slides for s in slide.shapes if s.shape_type == 13]
    found: dict[str, list[str]] = {}
    for picture, svg in zip(pictures, deck_svgs):
        title = re.sub(r" \(\d+ of \d+\)$", "", picture._element.nvPicPr.cNvPr.get("descr").split(". ")[0])
        key = next(k for t, k in titles.items() if title.startswith(t) or t.startswith(title))
        drawn = measurer.measure(svg)
        found.setdefault(key, []).extend(crowded(drawn) + cut(drawn))
    (ARTIFACTS / "deck-crowded-text.txt").write_text(
        "".join(f"{key}\t{problem}\n" for key, problems in found.items() for problem in problems))
    bad = {key for key, problems in found.items() if problems}
    assert "dose-ramp" in found and "patient-flow" in found
    assert not bad, "; ".join(p for k in bad for p in found[k][:5])


def _drawn_table_rows(drawn) -> list[dict[int, str]]:
    """The body rows of a table picture as Chromium drew them: cell texts in columns by the
    column's clip, in rows by their top (cells of a row start within a few px of each other,
    rows are 30 px or more apart); the first row, the header, left out. Text without spaces
    (plotly draws a cell's lines as separate tspans)."""
    cells = [t for t in drawn.texts if t.role == "cell-text"]
    lefts = sorted({round(t.clip[0]) for t in cells})
    rows: list[tuple[float, dict[int, str]]] = []
    for t in sorted(cells, key=lambda t: t.top):
        if not rows or t.top - rows[-1][0] > 10:
            rows.append((t.top, {}))
        rows[-1][1][lefts.index(round(t.clip[0]))] = re.sub(r"\s+", "", t.text)
    return [row for _, row in rows[1:]]


@pytest.mark.parametrize("key", ["baseline", "findings"])
def test_every_table_row_is_drawn_whole_on_exactly_one_slide(data, deck, deck_svgs, measurer, key):
    """issue 15: the baseline and findings slides dropped rows (one slide ended on a half-drawn
    row, the next began rows later). Read from the drawn pictures, in slide order, the rows are
    the view's rows, each once, none cut or touching another text; a page that starts inside a
    group may repeat the group's name (marked "(cont.)")."""
    import html

    from pptx import Presentation

    f, _ = deck
    state = parse_query("?grade=all&highlight=PASO")
    r = export_views.render_view(data, state, key, TODAY)
    values = export_views._figure(r.panel).data[0].cells.values
    wanted = [[re.sub(r"\s+", "", html.unescape(str(c))) for c in row] for row in zip(*values)]
    pictures = [s for slide in Presentation(io.BytesIO(f.content)).slides for s in slide.shapes if s.shape_type == 13]
    drawn_rows, pages = [], 0
    for picture, svg in zip(pictures, deck_svgs):
        if not picture._element.nvPicPr.cNvPr.get("descr").startswith(r.title):
            continue
        drawn = measurer.measure(svg)
        assert not crowded(drawn) and not cut(drawn), (crowded(drawn) + cut(drawn))[:5]
        rows = _drawn_table_rows(drawn)
        assert rows, f"page {pages + 1} of {key} shows no row"
        drawn_rows += [(row, i == 0 and pages > 0) for i, row in enumerate(rows)]
        pages += 1
    assert pages >= 2  # the bundled tables need more than one slide at 14 pt
    assert len(drawn_rows) == len(wanted), f"{key}: {len(wanted)} rows, {len(drawn_rows)} drawn"
    group = ""
    for n, ((row, opens_page), want) in enumerate(zip(drawn_rows, wanted)):
        if opens_page and not want[0] and 0 in row:
            assert row[0] in (group, group + "(cont.)"), (n, row, group)
            row = {k: v for k, v in row.items() if k}
        assert row == {k: v for k, v in enumerate(want) if v}, (n, row, want)
        group = want[0] or group


def test_deck_text_and_figure_pictures_are_at_least_14_pt(deck, deck_svgs):
    from pptx import Presentation

    f, drawn = deck
    prs = Presentation(io.BytesIO(f.content))
    assert (prs.slide_width, prs.slide_height) == (int(13.333 * 914400), int(7.5 * 914400))
    archive = zipfile.ZipFile(io.BytesIO(f.content))
    for name in archive.namelist():
        if re.fullmatch(r"ppt/slides/slide\d+\.xml", name):
            sizes = [int(v) / 100 for v in re.findall(rb'<a:rPr[^>]* sz="(\d+)"', archive.read(name))]
            assert sizes and min(sizes) >= 14, name
    for slide in list(prs.slides)[1:]:
        assert slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size.pt >= 28
    pictures = [s for slide in prs.slides for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == len(drawn)
    report = []
    for picture, svg in zip(pictures, deck_svgs):
        placed_pt = picture.width / 914400 * 72
        found = svg_text_sizes(svg, slide_width_pt=placed_pt)
        report.append(f"{picture._element.nvPicPr.cNvPr.get('descr')[:60]}\t{min(found)[0]:.1f} pt")
        _assert_slide_sizes(found, picture._element.nvPicPr.cNvPr.get("descr")[:60], titled=False)
    (ARTIFACTS / "deck-font-minimums.txt").write_text("\n".join(report) + "\n")


def test_every_deck_picture_has_a_projectors_pixels_at_16_by_9(deck):
    """issue 15: deck pictures are drawn PICTURE_PX_WIDTH (2560) px wide, not 3840, to save
    Chromium's drawing and encoding; each still holds at least a 1920 x 1080 projector's pixels
    for the part of the 16:9 slide it covers (its PNG width scaled to the slide's width), and its
    pixels keep the placed box's shape (not stretched)."""
    from pptx import Presentation

    f, drawn = deck
    prs = Presentation(io.BytesIO(f.content))
    pictures = [s for slide in prs.slides for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == len(drawn) >= 40
    for picture in pictures:
        width_px, height_px = Image.open(io.BytesIO(picture.image.blob)).size
        assert width_px == export.PICTURE_PX_WIDTH == 2560
        assert width_px * prs.slide_width / picture.width >= 1920, picture.name
        assert width_px / height_px == pytest.approx(picture.width / picture.height, rel=0.01)


def test_deck_renders_in_libreoffice_one_16_by_9_page_per_slide(deck):
    _need("soffice")
    _need("pdftoppm")
    from pptx import Presentation

    f, _ = deck
    out = ARTIFACTS / "deck"  # the PowerPoint and its PDF; the pages go to tests/artifacts/deck-NN.png
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for old in ARTIFACTS.glob("deck-[0-9]*.png"):
        old.unlink()
    (out / "deck.pptx").write_bytes(f.content)
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{out / 'profile'}",
                    "--convert-to", "pdf", "--outdir", str(out), str(out / "deck.pptx")],
                   check=True, capture_output=True, timeout=300)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(out / "deck.pdf"), str(ARTIFACTS / "deck")], check=True, timeout=300)
    shutil.rmtree(out / "profile", ignore_errors=True)
    pages = sorted(ARTIFACTS.glob("deck-[0-9]*.png"))
    assert len(pages) == len(Presentation(io.BytesIO(f.content)).slides)
    # as LibreOffice broke the lines: no date, registry number or journal reference split over two
    # (the forest and dose-ramp footnotes ended a line with "exported 2026-11-" / "2026-", issue 15)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(out / "deck.pdf"), "-"], check=True, capture_output=True,
                              text=True, timeout=120).stdout
        lines = [line.rstrip() for line in text.splitlines()]
        assert sum("2026\u201111\u201121" in line for line in lines) >= 30  # the stamp of every slide, whole
        split = [line for line in lines if re.search(r"\d[-\u2011]$|(?:^|\s)(?:EudraCT|N|N Engl|N Engl J|N Engl J Med|BMJ|Cancer)$", line)]
        assert not split, split
    for page in pages:
        image = Image.open(page)
        assert image.size[0] * 7.5 == pytest.approx(image.size[1] * 13.333, rel=0.01)
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 5, page.name  # not blank


# ---------------------------------------------------------------- defects seen on rendered decks


def _tiny_png(*args, **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_deck_text_keeps_dates_and_references_on_one_line(data):
    """issue 15: LibreOffice (ICU line breaking) breaks after an ordinary hyphen, and the forest
    slide's footnote ended a line with "exported 2026-11-" over "21.". Deck text is written with
    no-break hyphens in dates and registry numbers and no-break spaces inside a journal reference
    and between a registry and its number (text_measure.unbroken); the deck's measured wrapping
    keeps them whole too. test_deck_renders_in_libreoffice_one_16_by_9_page_per_slide reads the
    lines LibreOffice drew."""
    from pptx import Presentation

    from evidence.text_measure import unbroken, wrap_text

    assert unbroken("exported 2026-11-21.") == "exported 2026\u201111\u201121."
    assert unbroken("PASO trial report (EudraCT 2009-018025-73; NCT01320111)") == (
        "PASO trial report (EudraCT\u00a02009\u2011018025\u201173; NCT01320111)")
    assert unbroken("E2100 trial report, N Engl J Med 2007;357:2666 (NCT00028990)") == (
        "E2100 trial report, N\u00a0Engl\u00a0J\u00a0Med\u00a02007;357:2666 (NCT00028990)")
    assert unbroken("(Altman & Andersen, BMJ 1999); Cancer 2010") == "(Altman & Andersen, BMJ\u00a01999); Cancer\u00a02010"
    assert unbroken("grade 3–4, a well-known e-mail") == "grade 3–4, a well-known e-mail"  # words break as before
    assert wrap_text("x N\u00a0Engl\u00a0J\u00a0Med", 60, 19) == ["x", "N\u00a0Engl\u00a0J\u00a0Med"]  # measured whole

    f = export_views.build_export(data, parse_query("?grade=all&highlight=PASO"), "forest-plot", "pptx", TODAY, render=_tiny_png)
    slide = Presentation(io.BytesIO(f.content)).slides[1]
    foot = next(s for s in slide.shapes if s.name == "Footnote").text_frame.text
    assert "exported 2026\u201111\u201121." in foot and "2026-11-21" not in foot
    assert "EudraCT\u00a02009\u2011018025\u201173" in foot and "N\u00a0Engl\u00a0J\u00a0Med\u00a02007;357:2666" in foot
    assert not re.search(r"\d-\d", foot)  # no digit hyphen a renderer may break after
    stamp = next(s for s in Presentation(io.BytesIO(f.content)).slides[-1].shapes if s.name == "Stamp").text_frame.text
    assert "2026\u201111\u201121" in stamp


def test_a_one_figure_deck_has_no_summary_slide(data):
    from pptx import Presentation

    state = parse_query("?highlight=PASO")
    one = export_views.build_export(data, state, "forest-plot", "pptx", TODAY, render=_tiny_png)
    every = export_views.build_export(data, state, "all", "pptx", TODAY, render=_tiny_png)
    titles = [s.shapes.title.text_frame.text for s in Presentation(io.BytesIO(one.content)).slides]
    assert titles[0] == export_views.APP_TITLE and titles[-1] == "Sources" and len(titles) == 3
    assert not any(t.startswith("Summary") for t in titles)
    assert [s.shapes.title.text_frame.text for s in Presentation(io.BytesIO(every.content)).slides][1].startswith("Summary")


def test_e2100_pfs_slide_cites_the_paper_says_each_caveat_once_and_draws_no_caveat_box(data):
    state = parse_query("?surv_trial=E2100")
    r = export_views.render_view(data, state, "survival-curves", TODAY)
    assert "no model curve" in r.title
    assert "E2100_NEJM2007" not in r.footnote  # a citation, not the source id
    assert "(treatment × time interaction P < 0.001; N Engl J Med 2007;357:2666)" in r.footnote
    assert r.footnote.count("treatment × time interaction P < 0.001") == 1
    assert "treatment × age interaction P = 0.04" in r.footnote  # E2100 Results (multivariate analysis)
    assert "Model-based" not in r.footnote and MODEL_LABEL_WORDS not in " ".join(r.labels)
    (figure, _), = _slide_parts(r)
    assert not any("Caveat" in (a.text or "") for a in figure.layout.annotations)  # said in the footnote
    assert [t.name for t in figure.data if t.showlegend] == ["Paclitaxel: published median", "Paclitaxel + bevacizumab: published median"]
    layout = export.figure_slide_layout(r.title, r.subtitle, " ".join(export.figure_notes(figure) + [r.footnote]))
    # was 54% with the caveats said twice; the analysis population line (issue 16) takes about 1%
    assert layout.picture_box[3] / export.SLIDE_IN[1] > 0.56


MODEL_LABEL_WORDS = "survival curves fitted to the published medians"


def test_footnotes_count_derived_values_in_audience_words(data):
    r = export_views.render_view(data, parse_query("?grade=all"), "dose-ramp", TODAY)
    assert "Computed here, not printed in the sources:" in r.footnote
    assert "data rows" not in r.footnote and "Derived values:" not in r.footnote


def test_sources_run_over_onto_balanced_slides_not_a_near_empty_one(data):
    from pptx import Presentation

    f = export_views.build_export(data, parse_query("?grade=all&highlight=PASO"), "all", "pptx", TODAY, render=_tiny_png)
    pages = [slide for slide in Presentation(io.BytesIO(f.content)).slides if slide.shapes.title.text_frame.text.startswith("Sources")]
    counts = [len(next(s for s in slide.shapes if s.name == "Sources").text_frame.paragraphs) for slide in pages]
    assert sum(counts) == 5 + 4  # five documents; derived, model-based, hypothetical, absolute effects
    assert max(counts) - min(counts) <= 2, counts  # was 7 and 1
    for slide in pages:
        assert next(s for s in slide.shapes if s.name == "Stamp").text_frame.text.startswith("Data version")


def test_text_columns_beside_a_dot_plot_are_axes_plotly_keeps_apart_at_slide_sizes(data):
    """Median [95% CI] and Events / n (and the forest's HR and p) are the tick labels of y axes
    on the right (figures/marks.side_columns): plotly shifts each clear of the one before and
    widens the margin for them, so they cannot overlap at any width (their headers overlapped
    as annotations at slide sizes). On the slide their text is at least 14 pt."""
    for panel in (views.medians_panel(data, parse_query("?highlight=PASO")), views.forest_panel(data, parse_query(""))):
        styled = export.presentation_figure(panel.figure_object(), "", width=1203, height=475, notes=False).to_dict()
        columns = [v for k, v in styled["layout"].items() if k.startswith("yaxis") and v.get("side") == "right"]
        assert len(columns) == 2
        for axis in columns:
            assert axis["overlaying"] == "y" and axis["automargin"] is True and axis.get("autoshift") is True
            assert axis["tickfont"]["size"] >= 19  # 14 pt at 96 px per inch
        heads = [axis["ticktext"][-1] for axis in columns]
        assert any("Median" in h or "HR" in h for h in heads)


def test_the_survival_slide_says_model_based_once_and_keeps_its_legend_under_the_plot(data):
    """issue 15: the slide's legend repeated "model-based, not patient data" in each entry and,
    wrapped for a phone, took six lines; the picture's subtitle says it once, entries name arms."""
    r = export_views.render_view(data, parse_query("?grade=all&highlight=PASO"), "survival-curves", TODAY)
    fig = go.Figure(export_views._slide_figure(r))
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert names == ["Arm A: paclitaxel", "Arm B: paclitaxel + sorafenib"]  # PASO report's arm labels
    subtitle = fig.layout.title.subtitle.text
    assert subtitle.count("not patient data") == 1 and "<br>" not in subtitle
    assert fig.layout.margin.b == slide_rules.SURVIVAL_BOTTOM_PX and fig.layout.legend.y == 0


def test_the_survival_footnote_says_model_based_once(data):
    """issue 15: the survival slide's footnote (the screen caption) said "model-based, not patient
    data" in the dashed-curves sentence and again before the implied hazard ratio. PASO report:
    medians 6.6 (paclitaxel) and 5.6 months, HR 1.80; the exponential curves imply 6.6 / 5.6 = 1.18."""
    r = export_views.render_view(data, parse_query("?grade=all&highlight=PASO"), "survival-curves", TODAY)
    (figure, _), = _slide_parts(r)
    key = export.plain_text(figure.layout.title.subtitle.text)
    # the title says the curves are model-based, the key what dashes are; the footnote neither
    # (the footnote, then the key, said "model-based" again: three times on one slide)
    assert r.title == "Model-based progression-free survival curves — PASO"
    assert key.startswith("Dashed: not patient data (exponential per arm")
    said = " ".join([r.title, key, r.footnote, *(t.name or "" for t in figure.data if t.showlegend is not False)])
    assert said.lower().count("model-based") == 1 and said.count("not patient data") == 1
    assert "Away from the published medians the curves' shape is an assumption." in r.footnote
    assert "The two curves imply a constant HR 1.18 (derived: ratio of medians) vs published 1.80." in r.footnote
    # the other model notes lose the words the same way (tables/survival.py writes three forms)
    assert views._said_once(["Model-based curves, not patient data. Shape 1.2 (published medians 5 and 8 months).",
                             "Model-based curve, not patient data: exponential (constant hazard) from the published median."]) == [
        "Shape 1.2 (published medians 5 and 8 months).", "Exponential (constant hazard) from the published median."]


def _table_pictures(data, key):
    """(deck picture SVG, its width x height, slide image SVG, slide image styled figure) of every
    page of a table view, as the deck and the 1280 x 720 image export draw them."""
    from evidence.export.deck import SlideSpec, _planned

    r = export_views.render_view(data, parse_query("?grade=all&highlight=PASO"), key, TODAY)
    jobs = []
    for figure, title in _slide_parts(r):
        _, _, styled, (width, height, _) = _planned(SlideSpec(title, r.subtitle, figure, r.footnote))
        jobs.append((styled, "svg", width, height, 1))
        styled, _, width, height, _ = export.slide_job(figure, "svg", title, r.subtitle, r.footnote)
        jobs.append((styled, "svg", width, height, 1))
    svgs = export.figure_images(jobs)
    return list(zip(svgs[::2], svgs[1::2]))


@pytest.mark.parametrize("key", ["baseline", "findings"])
def test_a_table_page_starts_right_under_the_slide_bands(data, chromium, measurer, key):
    """issue 15: a table page kept a 30 px top margin plus the 36 px band of an untitled picture:
    0.7 in of white between the slide's subtitle and the table (header text 74 px down the deck
    picture). Measured in Chromium: the header's text is one cell padding (8 px) and TOP_PX under
    the picture's top on the deck, and as close under the subtitle on the slide image."""
    from evidence.export.table_slide import CELL_PAD_PX, TOP_PX

    for deck_svg, image_svg in _table_pictures(data, key):
        deck_drawn = measurer.measure(deck_svg)
        header_top = min(t.top for t in deck_drawn.texts if t.role == "cell-text")
        assert header_top <= TOP_PX + CELL_PAD_PX + 4, f"{key}: table text starts {header_top:.0f} px down the picture"
        image_drawn = measurer.measure(image_svg)
        cells = [t for t in image_drawn.texts if t.role == "cell-text"]
        above = [t for t in image_drawn.texts if t.role != "cell-text" and t.bottom <= min(c.top for c in cells)]
        gap = min(c.top for c in cells) - max(t.bottom for t in above)
        # the image's subtitle band ends 16 px under its last line (slide_style._blocks), then TOP_PX and the
        # cell padding: 41 px measured (was 67)
        assert gap <= 45, f"{key}: {gap:.0f} px between the subtitle and the table's text"


@pytest.mark.parametrize("key", ["baseline", "findings"])
def test_table_cells_never_break_inside_a_date_or_number(data, key):
    """issue 15: narrow columns broke dates mid-token ("2014-" over "03-26" in the findings' When
    column, ClinicalTrials.gov NCT00573755 "Results First Posted"). Every word with a digit of
    every cell (dates, numbers, ranges, registry ids) is whole on one line of its page's cell (its
    column widened to hold it; test_every_table_row_is_drawn_whole_on_exactly_one_slide measures
    in Chromium that no cell text runs out of its column)."""
    from evidence.export.table_slide import _wrap

    assert _wrap("2007-03-15", 40, 19) == ["2007-03-15"]  # wider than its line, kept whole
    assert _wrap("a-very-long-hyphenated-word", 60, 19)[0].endswith("-")  # a word without digits still breaks
    r = export_views.render_view(data, parse_query("?grade=all&highlight=PASO"), key, TODAY)
    values = export_views._figure(r.panel).data[0].cells.values
    parts = _slide_parts(r)
    drawn_lines, checked = [], 0
    for figure, _ in parts:
        for c, column in enumerate(figure.data[0].cells.values):
            for cell in column:
                drawn_lines += [(c, export.plain_text(line)) for line in str(cell).split("<br>")]
    for c, column in enumerate(values):
        for cell in column:
            for word in export.plain_text(str(cell)).split():
                if any(ch.isdigit() for ch in word):
                    assert any(col == c and word in line.split() for col, line in drawn_lines), (key, word)
                    checked += 1
    assert checked > 20
    if key == "findings":
        assert (3, "2014-03-26") in drawn_lines
