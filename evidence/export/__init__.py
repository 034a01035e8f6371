"""Slide-ready exports: presentation restyling, static images, PowerPoint decks, data tables.

Pure Python (no Dash). One module per concern:

- engine.py        kaleido in one headless Chromium per process (figure_image)
- slide_style.py   figures restyled as 16:9 slides (presentation_figure, slide_image)
- cell_grid.py     heatmap slides laid out by measurement
- key_line.py      a slide figure's legend as one measured key line of coloured glyphs (row and panel slides)
- figure_parts.py  small readers of a figure dict the slide layouts share (visible y axes, axis refs, text lines)
- panel_slide.py   dose-ramp / what-if panel slides laid out by measurement (margins, key line, end labels)
- row_slide.py     forest, subgroups, medians and absolute-effects slides: audience row labels, rows placed
                   and paged by measurement, short footnote (the rest in the speaker notes)
- design_slide.py  design-vs-outcome slides: value labels of the slide's rows, clear of the notes
- rates_slide.py   response-rate slides: key above the headings, panels by trial count, labels apart
- phrases.py       the view state in words (filter_phrases, filters_text)
- files.py         file names, media types, ZIP archives
- tables.py        CSV and XLSX with formula neutralising
- deck.py          PowerPoint decks (deck_pptx)

The names below are re-exported so callers keep writing `export.figure_image(...)`.
"""

from evidence.export.deck import (
    EMU_PER_INCH, FOOTNOTE_PT, MARGIN_IN, PICTURE_PX_WIDTH, SLIDE_IN, SUBTITLE_PT,
    TITLE_PT, DeckLayout, Progress, SlideSpec, SourceLine, deck_pptx, draw_all, figure_slide_layout, picture_canvas,
)
from evidence.export.engine import (
    _ENGINE, CHROMIUM_MISSING_TEXT, IMAGE_FORMATS, RENDER_TIMEOUT_S, START_TIMEOUT_S, ChromiumMissing, ExportError,
    _Engine, chromium_available, chromium_path, figure_image, figure_images, stop_engine,
)
from evidence.export.files import MEDIA_TYPES, safe_name, zip_files
from evidence.export.phrases import DEFAULT_TOPICS, GRADE_WORDS, TOX_SORT_WORDS, filter_phrases, filters_text
from evidence.export.slide_style import (
    BASE_FONT_PX, BODY_PT, CANVASES, FONT_FAMILY, FOOTNOTE_PX, HEADING_PT, INK, MIN_PT, MUTED, PAD_PX, PX_PER_IN, SLIDE_PX,
    SQUEEZE, SUBTITLE_PX, TITLE_PX, figure_notes, slide_text_sizes,
    figure_title, presentation_figure, presentation_height, presentation_spec, slide_canvas, slide_image, slide_job,
)
from evidence.export.tables import FORMULA_PREFIXES, neutralise_formulas, table_csv, table_xlsx
from evidence.text_measure import plain_text, text_width, wrap_text
from evidence.export.split import figure_room, split_for_slides, split_panels, split_rows
