"""PowerPoint decks: title slide, one slide per figure, sources slide, speaker notes."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import plotly.graph_objects as go

from evidence.export.engine import figure_image, figure_images
from evidence.export.slide_style import (
    BODY_PT, HEADING_PT, MIN_PT, PX_PER_IN, figure_notes, presentation_spec,
)
from evidence.text_measure import unbroken, wrap_text

EMU_PER_INCH = 914400
SLIDE_IN = (13.333, 7.5)
MARGIN_IN = 0.4
TITLE_PT = HEADING_PT
SUBTITLE_PT = BODY_PT
FOOTNOTE_PT = MIN_PT
BODY_TEXT_PT = BODY_PT
PICTURE_PX_WIDTH = 2560
"""Pixels across a deck picture (12.53 in placed: about 204 per inch, 2725 across the slide's
13.33 in). A projector shows 1920 x 1080 and a 4K screen 3840: 3840 px pictures (SLIDE_PX, still
the single slide image's width) cost Chromium about 2.25 times the pixels to draw and encode
for no detail a room sees; the deck of every view has 44 of them (issue 15: under 10 s warm)."""
MIN_PICTURE_PX_PER_SLIDE = 1920
"""Least a deck picture's pixels, scaled to the whole slide width: a 1920 px projector's."""


@dataclass(frozen=True)
class SlideSpec:
    """One figure slide: title, filters line, figure, footnote (sources, labels), speaker notes."""

    title: str
    subtitle: str
    figure: go.Figure | dict
    footnote: str
    notes: str = ""


@dataclass(frozen=True)
class SourceLine:
    source_id: str
    text: str


@dataclass
class DeckLayout:
    """Where things go on a figure slide (inches), worked out from the text lengths."""

    title: tuple[float, float, float, float]
    subtitle: tuple[float, float, float, float]
    picture_box: tuple[float, float, float, float]
    footnote: tuple[float, float, float, float]
    subtitle_lines: list[str] = field(default_factory=list)
    footnote_lines: list[str] = field(default_factory=list)


def _text_height_in(lines: int, size_pt: float, spacing: float = 1.2) -> float:
    return lines * size_pt * spacing / 72 + 0.1


def figure_slide_layout(title: str, subtitle: str, footnote: str) -> DeckLayout:
    width = SLIDE_IN[0] - 2 * MARGIN_IN
    text_pt = (width - 0.2) * 72  # text frame insets: 0.1 in each side
    # measured as written (_write): dates and references kept whole
    title, subtitle, footnote = unbroken(title), unbroken(subtitle), unbroken(footnote)
    title_lines = wrap_text(title, text_pt, TITLE_PT, bold=True)[:2]
    title_h = _text_height_in(len(title_lines), TITLE_PT, 1.1)
    sub_lines = wrap_text(subtitle, text_pt, SUBTITLE_PT) if subtitle else []
    sub_h = _text_height_in(len(sub_lines), SUBTITLE_PT) if sub_lines else 0.0
    foot_lines = wrap_text(footnote, text_pt, FOOTNOTE_PT) if footnote else []
    foot_h = _text_height_in(len(foot_lines), FOOTNOTE_PT, 1.15) if foot_lines else 0.0
    top = 0.3
    title_box = (MARGIN_IN, top, width, title_h)
    sub_box = (MARGIN_IN, top + title_h, width, sub_h)
    picture_top = top + title_h + sub_h + 0.08
    foot_top = SLIDE_IN[1] - 0.2 - foot_h
    picture_box = (MARGIN_IN, picture_top, width, max(foot_top - 0.05 - picture_top, 2.0))
    return DeckLayout(title_box, sub_box, picture_box, (MARGIN_IN, foot_top, width, foot_h), sub_lines, foot_lines)


def picture_canvas(fig: go.Figure | dict, box: tuple[float, float, float, float]) -> tuple[int, int, float]:
    """(width, height, scale) to draw a figure for a picture box: PX_PER_IN layout px per inch
    of the box (so the slide styling's point sizes hold on the slide), PICTURE_PX_WIDTH pixels
    wide. A figure too dense for the box is split before it gets here."""
    width, height = int(round(box[2] * PX_PER_IN)), int(round(box[3] * PX_PER_IN))
    return width, height, PICTURE_PX_WIDTH / width


def slide_footnote(spec: "SlideSpec") -> str:
    """The footnote a figure slide shows: the figure's own notes, then the spec's footnote."""
    return " ".join(filter(None, [*figure_notes(spec.figure), spec.footnote]))


def _paragraph_height_in(item, width_in: float, size_pt: float, after_pt: float) -> float:
    text = unbroken("".join(item) if isinstance(item, tuple) else item)
    return len(wrap_text(text, width_in * 72, size_pt)) * size_pt * 1.2 / 72 + after_pt / 72


def _fill_pages(paragraphs: list, width_in: float, height_in: float, size_pt: float, after_pt: float) -> list[list]:
    """Paragraphs grouped into text boxes no taller than height_in (measured wrapping; the
    frame's insets once per box). When they need more than one box the boxes are balanced, so
    no slide carries a line or two of runover."""
    heights = [_paragraph_height_in(p, width_in, size_pt, after_pt) for p in paragraphs]
    room = height_in - 0.1

    def fill(limit: float) -> list[list]:
        pages: list[list] = [[]]
        used = 0.0
        for item, height in zip(paragraphs, heights):
            if pages[-1] and used + height > limit:
                pages.append([])
                used = 0.0
            pages[-1].append(item)
            used += height
        return pages

    pages = fill(room)
    if len(pages) > 1:  # the lowest page height that still needs no more boxes: even pages
        low, high = max(heights), room
        for _ in range(20):
            middle = (low + high) / 2
            low, high = (low, middle) if len(fill(middle)) == len(pages) else (middle, high)
        pages = fill(high)
    return pages


def _planned(spec: SlideSpec) -> tuple:
    """(footnote, layout, styled figure dict, (width, height, scale)) of one figure slide. The
    figure is read as a dict once (plotly's property objects are slow to walk)."""
    figure = spec.figure.to_dict() if isinstance(spec.figure, go.Figure) else spec.figure
    footnote = " ".join(filter(None, [*figure_notes(figure), spec.footnote]))
    layout = figure_slide_layout(spec.title, spec.subtitle, footnote)
    canvas = picture_canvas(spec.figure, layout.picture_box)
    styled = presentation_spec(figure, "", width=canvas[0], height=canvas[1], notes=False,
                               owned=figure is not spec.figure)
    return footnote, layout, styled, canvas


Progress = Callable[[int, int, str], None]
"""progress(pictures finished, pictures in all, title of the slide just drawn)."""


def draw_all(jobs: list[tuple], titles: list[str], render: Callable[..., bytes] | None = None,
             progress: Progress | None = None) -> list[bytes]:
    """Images of (figure, format, width, height, scale) jobs, in order: one batch on the shared
    Chromium (figure_images), or one render() call each when a caller passes its own renderer
    (tests record what is drawn). progress() after each picture, naming its slide."""
    finished = [0]

    def done(index: int) -> None:
        finished[0] += 1
        if progress is not None:
            progress(finished[0], len(jobs), titles[index])

    if render is None or render is figure_image:
        return figure_images(jobs, done)
    out = []
    for index, (figure, fmt, width, height, scale) in enumerate(jobs):
        out.append(render(figure, fmt, width=width, height=height, scale=scale))
        done(index)
    return out


def _inches(value: float) -> int:
    return int(round(value * EMU_PER_INCH))


def _place(shape, box) -> None:
    shape.left, shape.top, shape.width, shape.height = (_inches(v) for v in box)


def _write(frame, lines_or_text, size_pt: float, colour=(0x1A, 0x1A, 0x1A), bold: bool = False,
           space_after_pt: float = 0) -> None:
    """Paragraphs into a text frame; a paragraph given as (lead, rest) gets a bold lead. Dates,
    registry numbers and journal references are written unbroken (text_measure.unbroken): a
    renderer that breaks after a hyphen split "2026-11-" from "21"."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    paragraphs = lines_or_text if isinstance(lines_or_text, list) else [lines_or_text]
    frame.clear()
    frame.word_wrap = True
    for index, item in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        if space_after_pt:
            paragraph.space_after = Pt(space_after_pt)
        pieces = [(item[0], True), (item[1], bold)] if isinstance(item, tuple) else [(item, bold)]
        for text, strong in pieces:
            run = paragraph.add_run()
            run.text = unbroken(text)
            run.font.size = Pt(size_pt)
            run.font.bold = strong
            run.font.name = "Arial"  # metric twin of Liberation Sans (the wrap estimates); present everywhere
            run.font.color.rgb = RGBColor(*colour)


def _textbox(slide, box, text, size_pt, colour=(0x44, 0x44, 0x44), bold=False, space_after_pt: float = 0):
    from pptx.util import Inches

    shape = slide.shapes.add_textbox(Inches(box[0]), Inches(box[1]), Inches(box[2]), Inches(box[3]))
    frame = shape.text_frame
    frame.margin_left = frame.margin_right = Inches(0.1)
    frame.margin_top = frame.margin_bottom = Inches(0.03)
    _write(frame, text, size_pt, colour, bold, space_after_pt)
    return shape


def _title(slide, box, text: str, size_pt: float = TITLE_PT) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches

    shape = slide.shapes.title
    _place(shape, box)
    frame = shape.text_frame
    _write(frame, text, size_pt, bold=True)
    frame.margin_left = frame.margin_right = Inches(0.1)
    frame.vertical_anchor = MSO_ANCHOR.TOP
    frame.paragraphs[0].alignment = PP_ALIGN.LEFT


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def deck_pptx(slides: list[SlideSpec], title: str, filters_text: str, data_version: str, today: date,
              sources: list[SourceLine] | None = None, labels: list[str] | None = None,
              notes: str = "", render: Callable[..., bytes] | None = None,
              summary: list[tuple[str, str]] | None = None, audience: str = "",
              progress: Progress | None = None) -> bytes:
    """A 16:9 deck: title slide (filters, data version, date), a summary slide (one
    (lead, sentence) paragraph per trial, when given), one slide per figure (title, what it
    shows, picture PICTURE_PX_WIDTH px wide, footnote citing sources and labels), then the sources.
    Filter state and the link back go in every slide's speaker notes. The pictures are drawn in
    one batch; progress(done, total, slide title) as each is finished."""
    from pptx import Presentation
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_IN[0]), Inches(SLIDE_IN[1])
    deck.core_properties.title = title
    deck.core_properties.subject = filters_text
    deck.core_properties.author = "Trial evidence dashboard"
    deck.core_properties.keywords = f"data version {data_version}"
    title_layout, title_only = deck.slide_layouts[0], deck.slide_layouts[5]
    width = SLIDE_IN[0] - 2 * MARGIN_IN
    stamp = f"Data version {data_version} · exported {today.isoformat()}"

    first = deck.slides.add_slide(title_layout)
    _title(first, (MARGIN_IN, 2.1, width, 1.1), title, 36)
    subtitle = first.placeholders[1]
    _place(subtitle, (MARGIN_IN, 3.3, width, 2.8))
    count = f"{len(slides)} figure{'s' if len(slides) != 1 else ''}"
    # On the slide, what is shown (audience words); the dashboard's full filter state goes in the notes.
    _write(subtitle.text_frame, [audience or filters_text, f"{stamp} · {count}"], 18, (0x44, 0x44, 0x44), space_after_pt=6)
    for paragraph in subtitle.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
    _notes(first, "\n".join(filter(None, [f"Filters: {filters_text}", stamp, notes])))

    if summary:
        slide = deck.slides.add_slide(title_only)
        _title(slide, (MARGIN_IN, 0.3, width, 0.7), "Summary: primary hazard ratio by trial")
        body = _textbox(slide, (MARGIN_IN, 1.15, width, SLIDE_IN[1] - 1.5), list(summary), BODY_TEXT_PT,
                        (0x1A, 0x1A, 0x1A), space_after_pt=14)
        body.name = "Summary"
        _notes(slide, "\n".join(filter(None, [f"Filters: {filters_text}", notes,
                                               "Hazard ratios are experimental versus control, as printed in each report."])))

    planned = [_planned(spec) for spec in slides]
    pngs = draw_all([(styled, "png", fw, fh, scale) for _, _, styled, (fw, fh, scale) in planned],
                    [spec.title for spec in slides], render, progress)
    for spec, (footnote, layout, _, _), png in zip(slides, planned, pngs):
        slide = deck.slides.add_slide(title_only)
        _title(slide, layout.title, spec.title)
        if layout.subtitle_lines:
            _textbox(slide, layout.subtitle, spec.subtitle, SUBTITLE_PT, (0x44, 0x44, 0x44))
        box = layout.picture_box
        picture = slide.shapes.add_picture(io.BytesIO(png), Inches(box[0]), Inches(box[1]), Inches(box[2]), Inches(box[3]))
        picture.name = "Figure"
        picture._element.nvPicPr.cNvPr.set("descr", f"{spec.title}. {footnote}"[:2000])
        if layout.footnote_lines:
            foot = _textbox(slide, layout.footnote, footnote, FOOTNOTE_PT)
            foot.name = "Footnote"
        _notes(slide, spec.notes or f"Filters: {spec.subtitle}")

    paragraphs: list = [s.text for s in (sources or [])] or ["No source is shown under these filters."]
    paragraphs += [(f"{label.split(':')[0]}:", label.partition(":")[2]) for label in labels or []]
    pages = _fill_pages(paragraphs, width - 0.2, SLIDE_IN[1] - 1.75, BODY_TEXT_PT, 8)
    for number, page in enumerate(pages, start=1):
        closing = deck.slides.add_slide(title_only)
        heading = "Sources" if len(pages) == 1 else f"Sources ({number} of {len(pages)})"
        _title(closing, (MARGIN_IN, 0.3, width, 0.7), heading)
        body = _textbox(closing, (MARGIN_IN, 1.15, width, SLIDE_IN[1] - 1.75), page, BODY_TEXT_PT, (0x1A, 0x1A, 0x1A), space_after_pt=8)
        body.name = "Sources"
        stamp_box = _textbox(closing, (MARGIN_IN, SLIDE_IN[1] - 0.55, width, 0.4), stamp, FOOTNOTE_PT)
        stamp_box.name = "Stamp"
        _notes(closing, "\n".join(filter(None, [f"Filters: {filters_text}", stamp])))

    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
