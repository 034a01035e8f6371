"""How a view's slides differ from the plain case, declared with the view (evidence/view_registry.py,
`Export.slides`): named rules, never `if key == ...` in the export code (evidence/export_views.py).

A plain view's slides show its figure in row windows (split.by_rows) with its whole caption as
the footnote and every label its declaration gives. Kinds of view that need more name their rules
here, once: how the figure goes over slides, a shorter footnote (the rest in the speaker notes),
where the slide already says "model-based" (so the footnote does not say it again), when the
declared labels do not hold, and what the figure changes for a slide. Adding a view means picking
(or writing) its rules, not editing a chain of ifs. No Dash here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from evidence import export, views
from evidence.export import row_slide, split, wording
from evidence.export.split import SlideSplit
from evidence.export_rows import DERIVED_LABEL, HYPOTHETICAL_LABEL, MODEL_LABEL
from evidence.loading import CuratedData
from evidence.tables.survival import MODEL_NOTE

FootnoteRule = Callable[[views.Panel, CuratedData, pd.DataFrame, list, date, str], str]
"""(panel, data, rows, labels, today, subtitle) -> the slide footnote of a view that shows something."""
ModelWordsRule = Callable[[str, str, dict], str]
"""(footnote, slide title, figure dict) -> the footnote without the model words the slide says elsewhere."""
SlideFigureRule = Callable[[dict, str], dict]
"""(the slide's own copy of the figure dict, slide title) -> the figure as the slide draws it."""


def figure_dict(panel: views.Panel) -> dict:
    """The panel's figure as a plain dict (the view's, memoised and shared: read, never changed):
    the slides are made on dicts, building go.Figures for them took about a second of a deck."""
    figure = panel.figure
    return figure.to_dict() if isinstance(figure, go.Figure) else figure


# ---------------------------------------------------------------- footnotes


def footnote_text(rendered_caption: str, rows: pd.DataFrame, labels: list[str], data_version: str, today: date,
                  said: str = "") -> str:
    """The slide footnote: the caption, derived values counted, the labels the caption (or
    `said`: text the slide says elsewhere) does not already give, the data version."""
    caption = rendered_caption or "Nothing to show under the current filters."
    parts = [caption]
    derived = int(rows["derived"].sum()) if "derived" in rows.columns else 0
    if derived and HYPOTHETICAL_LABEL not in labels:
        # no examples: a fixed list ("confidence intervals from counts, grade sums, dose intensity")
        # named things the absolute-effects slide does not show; the caption says what this view derives
        parts.append(f"Computed here, not printed in the sources: {derived} of the {len(rows)} results shown.")
    keywords = {MODEL_LABEL: "model-based", HYPOTHETICAL_LABEL: "not trial data"}
    parts += [label for label in labels if label != DERIVED_LABEL and keywords.get(label, "\0") not in (caption + said).lower()]
    parts.append(f"Data version {data_version}; exported {today.isoformat()}.")
    return " ".join(parts)


def caption_footnote(panel: views.Panel, data: CuratedData, rows: pd.DataFrame, labels: list[str], today: date,
                     subtitle: str = "") -> str:
    """The whole caption as the footnote (footnote_text): a plain view's, and every view's when
    it shows nothing."""
    return footnote_text(wording.slide_caption(panel.caption, data.sources), rows, labels, data.version, today)


def short_footnote(panel: views.Panel, data: CuratedData, rows: pd.DataFrame, labels: list[str], today: date,
                   subtitle: str = "") -> str:
    """A short slide footnote (issue 15): the start of the notes under the figure (the key to
    its symbols, in audience words), the sources, the analysis population (who the numbers are
    about: an audience cannot read an effect without it), derived values and labels, the data
    version. A sentence the subtitle says ("HR < 1 favours the experimental arm") is not said
    again, nor the count of derived values when the key marks them ("Open diamond: CI
    derived"). The caption's other sentences and the rest of the notes are in the speaker notes
    (export_views._notes), so the rows keep the slide's height."""
    said = " ".join(export.figure_notes(figure_dict(panel)))
    key = wording.audience_notes(row_slide.short_notes(said, labels), subtitle)
    caption = " ".join(filter(None, [wording.slide_caption(panel.caption, data.sources, rest=False),
                                     wording.analysed_short(panel.caption)]))
    counted = rows if "derived" not in key.lower() else rows.drop(columns="derived", errors="ignore")
    return " ".join(filter(None, [key, footnote_text(caption, counted, labels, data.version, today,
                                                     said=panel.caption + " " + said)]))


def grid_footnote(panel: views.Panel, data: CuratedData, rows: pd.DataFrame, labels: list[str], today: date,
                  subtitle: str = "") -> str:
    """The toxicity grid's slide footnote, short (issue 15: seven lines of it left a slide four
    rows): the sources, what a lower bound's x is (wording.grid_notes; the key line under the
    grid says what grey NR cells, sand cells and the derived mark are, so the footnote does not
    say them again, nor count the derived values the mark shows), the safety population the
    percentages are of, the labels, the data version. The full caption is in the speaker notes.
    The note comes first, as the row slides' key to their symbols does (short_footnote). The
    subtitle is not read."""
    keyed = " ".join(str(t.get("name") or "") for t in figure_dict(panel).get("data", []) if t.get("showlegend") is not False)
    caption = " ".join(filter(None, [wording.slide_caption(panel.caption, data.sources, rest=False),
                                     wording.analysed_short(panel.caption, "Safety population", "Safety population")]))
    counted = rows.drop(columns="derived", errors="ignore") if "derived" in keyed else rows
    key = wording.grid_notes(panel.caption, keyed)
    return " ".join(filter(None, [key, footnote_text(caption, counted, labels, data.version, today, said=panel.caption)]))


# ---------------------------------------------------------------- "model-based", said once


MODEL_KEY = "Dashed: model-based, not patient data"
"""The survival figure's key (figures/survival.py) when it draws model curves: it says what the
footnote's first sentence said again."""


def said_in_footnote(footnote: str, title: str, figure: dict) -> str:
    """Nothing else on the slide says the curves or effects are model-based: the footnote keeps it."""
    return footnote


def said_by_key(footnote: str, title: str, figure: dict) -> str:
    """The survival figure's key above the plot says dashed curves are model-based (MODEL_KEY):
    the footnote's sentence saying it goes (wording.without_model_words)."""
    return wording.without_model_words(footnote) if MODEL_KEY in _figure_key(figure) else footnote


def said_by_title(footnote: str, title: str, figure: dict) -> str:
    """A title ending '(model-based)' says it: the footnote's label leaves its lead out
    (wording.model_words_once)."""
    return wording.model_words_once(footnote, title)


def _figure_key(figure: dict) -> str:
    """The key a figure writes in its title slot (survival: what dashed curves and dots are)."""
    title = (figure.get("layout") or {}).get("title") or {}
    if isinstance(title, str):
        return export.plain_text(title)
    return export.plain_text(f"{title.get('text') or ''} {(title.get('subtitle') or {}).get('text') or ''}")


# ---------------------------------------------------------------- labels


def labels_always_hold(caption: str) -> bool:
    return True


def model_curves_drawn(caption: str) -> bool:
    """The survival view's model-based label holds unless it draws patient-level Kaplan-Meier
    curves or no curve at all (its caption says which)."""
    caption = caption.lower()
    return not ("kaplan" in caption or "no model curve" in caption)


# ---------------------------------------------------------------- the figure on a slide


_BREAK = re.compile(r"<br\s*/?>", re.I)
SURVIVAL_BOTTOM_PX = 120
"""Bottom margin of a survival slide: tick labels, axis title and a one-row legend at slide sizes."""


def survival_slide_figure(spec: dict, title: str) -> dict:
    """The survival figure's text for a slide (issue 15). Medians without curves: on screen
    hover names the arms, on a slide the legend does. Lines wrapped for a phone joined again
    (the slide re-wraps them to its width; phone-width lines gave a subtitle of three lines and a
    legend of six, and left the plot 100 px), and each legend entry the arm's name alone: the
    title says once that the curves are model-based, the key that dashed curves are not patient
    data (with the method); the key and the entries said "model-based" again each."""
    if not any(t.get("showlegend") is not False for t in spec.get("data", [])):
        for trace in spec.get("data", []):
            if trace.get("mode") == "markers":
                trace["showlegend"] = True
    layout = spec.setdefault("layout", {})
    subtitle = ((layout.get("title") or {}).get("subtitle") or {})
    if subtitle.get("text"):
        subtitle["text"] = _BREAK.sub(" ", subtitle["text"])
        if export.plain_text((layout.get("title") or {}).get("text")).startswith("Model-based"):
            # the slide's title ("Model-based ... survival curves") says it: the key says what dashes are
            subtitle["text"] = subtitle["text"].replace(MODEL_KEY, "Dashed: not patient data", 1)
    for trace in spec.get("data", []):
        if trace.get("name"):
            name = _BREAK.sub(" ", trace["name"])
            trace["name"] = name.split(f" ({MODEL_NOTE}", 1)[0]
    # margins for the slide's text, not the phone's: the top keeps ~25 px once the slide's own
    # title band replaces the figure's (slide_style._title_room); the bottom holds 14 pt ticks,
    # the 18 pt axis title and a legend of one row
    margin = layout.setdefault("margin", {})
    margin.update(t=80, b=SURVIVAL_BOTTOM_PX)
    return spec


def names_without_model_words(spec: dict, title: str) -> dict:
    """Absolute effects: under a title saying '(model-based)' the legend entries say it no more."""
    if "(model-based)" in title:
        for trace in spec.get("data", []):
            if trace.get("name"):
                trace["name"] = trace["name"].replace(" (model-based)", "")
    return spec


# ---------------------------------------------------------------- the rules


@dataclass(frozen=True)
class SlideRules:
    """One view's slide layout and wording."""

    split: SlideSplit = split.by_rows
    """How its figure goes over slides (evidence/export/split.py)."""
    footnote: FootnoteRule = caption_footnote
    """Its footnote when it shows something (caption_footnote when it shows nothing)."""
    notes_in_footnote: bool = False
    """The notes under the figure start its footnote, cut short (short_footnote): the slide's
    figure drops them (row_slide.without_notes) and the speaker notes give them in full."""
    rows_in_speaker_notes: bool = False
    """The speaker notes list the rows as labelled on screen (the slide says them shorter)."""
    model_words: ModelWordsRule = said_in_footnote
    """Where the slide says "model-based" besides the footnote (the footnote says it no more)."""
    labels_hold: Callable[[str], bool] = labels_always_hold
    """caption -> whether the labels its declaration gives hold for what it draws."""
    slide_figure: SlideFigureRule | None = None
    """What the figure changes for a slide, on a copy (None: nothing)."""


PLAIN = SlideRules()
"""Row windows of the figure under its whole caption."""
ROW_SLIDES = SlideRules(split=split.row_pages, footnote=short_footnote, notes_in_footnote=True, rows_in_speaker_notes=True)
"""Labelled rows with text columns beside them (forest, subgroups, medians by arm)."""
ABSOLUTE_SLIDES = replace(ROW_SLIDES, model_words=said_by_title, slide_figure=names_without_model_words)
"""Absolute effects: row slides under a title that says "(model-based)"."""
RATE_SLIDES = SlideRules(split=split.rate_panels, footnote=short_footnote, notes_in_footnote=True)
"""Response rates: the key above the panel headings, facing labels apart, a short footnote."""
GRID_SLIDES = SlideRules(footnote=grid_footnote)
"""The toxicity grid: a short footnote, its key line under the grid."""
DESIGN_SLIDES = SlideRules(split=split.design_panels)
"""Design vs outcome: a stacked panel a slide, value labels of the slide's rows only."""
LINE_PANEL_SLIDES = SlideRules(split=split.line_panels)
"""Stacked line panels laid out by measurement (dose ramp, what-if ramp)."""
SURVIVAL_SLIDES = SlideRules(model_words=said_by_key, labels_hold=model_curves_drawn, slide_figure=survival_slide_figure)
"""Survival curves: the key says what is model-based; no model label over Kaplan-Meier curves."""
