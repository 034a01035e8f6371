"""What each view exports: its panel (figure + caption), the curated rows behind it, and how
its files are named and labelled. `build_export` turns a view state into a finished file.

No Dash here; components/exports.py calls `build_export` and sends the bytes.
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from evidence import export, views
from evidence.answers import trial_answers
from evidence.coverage_views import ABSOLUTE_LABEL
from evidence.export import row_slide, wording
from evidence.export_rows import DERIVED_LABEL, HYPOTHETICAL_LABEL, MODEL_LABEL
from evidence.loading import CuratedData
from evidence import slide_rules
from evidence.slide_rules import PLAIN, SlideRules, figure_dict
from evidence.state import ViewState, filter_tables, shown_trial_ids
from evidence.view_registry import View, exported_views

APP_TITLE = "Sorafenib & anti-VEGF trial evidence"
ALL = "all"
FORMATS = ("png", "svg", "pdf", "pptx", "csv", "xlsx")
NEEDS_CHROMIUM = ("png", "svg", "pdf", "pptx")
FORMAT_LABELS = {"png": "PNG", "svg": "SVG", "pdf": "PDF", "pptx": "PowerPoint", "csv": "CSV", "xlsx": "XLSX"}

@dataclass(frozen=True)
class ExportView:
    """A view as exports see it, derived from its declaration (evidence/view_registry.py)."""

    key: str
    label: str
    panel: Callable[[CuratedData, ViewState], views.Panel]
    rows: Callable[[CuratedData, ViewState], pd.DataFrame]
    topics: tuple[str, ...]
    """Which filter phrases (export.filter_phrases) matter for this view."""
    file_tag: Callable[[ViewState], str]
    """Extra file-name part, e.g. the endpoint."""
    labels: tuple[str, ...] = ()
    """Labels every export of this view carries (model-based, hypothetical)."""
    per_trial: bool = True
    """Whether the view shows trials (their ids go in file names)."""
    slide_title: str = ""
    """Slide title when the figure has none of its own."""
    shows: Callable[[ViewState], str] = wording.says_nothing
    """What it shows, in an audience's words (its slides' subtitle)."""
    slides: SlideRules = PLAIN
    """How its slides are laid out and worded (evidence/slide_rules.py)."""
    drawn_trial: Callable[[CuratedData, ViewState], str] | None = None
    """The one trial the view draws (file names), if it draws one whatever its points carry."""

    @classmethod
    def of(cls, view: View) -> ExportView:
        e = view.export
        return cls(e.key, view.title, view.panel, view.table, e.topics, e.file_tag, e.labels, e.per_trial, e.slide_title,
                   shows=e.shows, slides=e.slides, drawn_trial=e.drawn_trial)


VIEWS: dict[str, ExportView] = {view.export.key: ExportView.of(view) for view in exported_views()}
"""Export key (file stem) -> the view, in the export bar's order."""

survival_trial = views.survival_trial  # the trial the survival view draws


# ---------------------------------------------------------------- what one view's export says


@dataclass(frozen=True)
class Rendered:
    """One view, evaluated for a state: everything an export of it needs."""

    view: ExportView
    panel: views.Panel
    rows: pd.DataFrame
    title: str
    subtitle: str
    footnote: str
    trial_ids: tuple[str, ...]
    filters: str = ""
    """The active filters in the dashboard's words (speaker notes; the subtitle is for the audience)."""

    @property
    def visible(self) -> bool:
        """Shows something under the filters (empty views carry no caption)."""
        return bool(self.panel.caption)

    @property
    def labels(self) -> list[str]:
        """The labels its declaration gives, where they hold for what it draws, after DERIVED_LABEL
        when it shows derived values."""
        found = list(self.view.labels) if self.view.slides.labels_hold(self.panel.caption) else []
        if self.derived_count:
            found.insert(0, DERIVED_LABEL)
        return found

    @property
    def derived_count(self) -> int:
        return int(self.rows["derived"].sum()) if "derived" in self.rows.columns else 0


def _trial_ids(data: CuratedData, state: ViewState, rows: pd.DataFrame) -> tuple[str, ...]:
    order = list(data.trials.trial_id)
    present = set(rows["trial_id"].dropna().astype(str)) if "trial_id" in rows.columns else set()
    if not present:
        present = set(shown_trial_ids(data.trials, state))
    return tuple(t for t in order if t in present)


def render_view(data: CuratedData, state: ViewState, key: str, today: date) -> Rendered:
    """The view evaluated for a state, worded for a slide by its declared rules (view.slides)."""
    view = VIEWS[key]
    panel = view.panel(data, state)
    rows = view.rows(data, state)
    title = export.figure_title(figure_dict(panel)) or view.slide_title or view.label
    if not panel.caption:
        title = f"{view.label}: nothing to show"
    subtitle = wording.audience_subtitle(view.shows(state), state, data)
    filters = export.filters_text(state, data, view.topics)
    draft = Rendered(view, panel, rows, title, subtitle, "", _trial_ids(data, state, rows), filters)
    footnote_rule = view.slides.footnote if panel.caption else slide_rules.caption_footnote
    footnote = footnote_rule(panel, data, rows, draft.labels, today, subtitle)
    footnote = view.slides.model_words(footnote, title, figure_dict(panel))
    return Rendered(view, panel, rows, title, subtitle, footnote, draft.trial_ids, filters)


# ---------------------------------------------------------------- file names


def trials_tag(trial_ids: tuple[str, ...] | list[str], total: int) -> str:
    """'PASO-E2100', '4-trials', 'all-trials', 'no-trials' ('' when the trials are unknown)."""
    if not trial_ids:
        return "no-trials" if total else ""
    if len(trial_ids) == total and total > 3:
        return "all-trials"
    if len(trial_ids) > 3:
        return f"{len(trial_ids)}-trials"
    return "-".join(trial_ids)


def file_stem(key: str, state: ViewState, trial_ids, total: int, today: date) -> str:
    """'forest-plot_PASO-E2100_PFS_2026-11-21' (no extension; safe characters only)."""
    view = VIEWS.get(key)
    tag = view.file_tag(state) if view else ""
    trials = trials_tag(trial_ids, total) if view is None or view.per_trial else ""
    return export.safe_name(key, trials, tag, today.isoformat(), ext="x")[:-2]


def file_name(key: str, state: ViewState, trial_ids, total: int, today: date, ext: str) -> str:
    return f"{file_stem(key, state, trial_ids, total, today)}.{ext}"


def figure_trial_ids(data: CuratedData, state: ViewState, key: str, figure) -> tuple[str, ...]:
    """Trials a drawn figure shows (for file names): its points' trial ids (customdata[0], or a
    heatmap cell's customdata itself), the one trial a view declares it draws (drawn_trial: the
    survival view's), or the selected trials when a figure carries none."""
    drawn_trial = VIEWS[key].drawn_trial
    if drawn_trial:
        trial = drawn_trial(data, state)
        return (trial,) if trial else ()
    known = list(data.trials.trial_id)
    found: set[str] = set()
    traces = figure.get("data", ()) if isinstance(figure, dict) else getattr(figure, "data", ())
    for trace in traces:
        customdata = trace.get("customdata") if isinstance(trace, dict) else trace.customdata
        if (trace.get("type") if isinstance(trace, dict) else trace.type) == "heatmap" and customdata is not None:
            customdata = [cell for row in customdata for cell in row]  # a grid: one trial id per cell
        for item in customdata if customdata is not None else ():
            try:
                head = item if isinstance(item, str) else item[0]
            except (TypeError, IndexError, KeyError):
                continue
            if isinstance(head, str) and head in known:
                found.add(head)
    if not found:
        found = set(shown_trial_ids(data.trials, state))
    return tuple(t for t in known if t in found)


# ---------------------------------------------------------------- building a download


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    media_type: str
    message: str


def reopen_link(link: str, state: ViewState) -> str:
    """The link back to the view written into notes and the About sheet: the absolute link
    the page made (components/exports.view_link), else the view's query string."""
    return link or state.to_query() or "(default view)"


def _about(data: CuratedData, state: ViewState, today: date, link: str) -> pd.DataFrame:
    phrases = export.filter_phrases(state, data)
    rows = [("dashboard", APP_TITLE), ("data version", data.version), ("exported", today.isoformat())]
    rows += [(f"filter: {k}", v) for k, v in phrases.items()]
    rows += [("view link", reopen_link(link, state))]
    rows += [("label: derived", DERIVED_LABEL), ("label: model-based", MODEL_LABEL), ("label: hypothetical", HYPOTHETICAL_LABEL),
             ("label: absolute effects", ABSOLUTE_LABEL)]
    rows += [(f"source {s.source_id}", s.citation) for s in data.sources.itertuples()]
    return pd.DataFrame(rows, columns=["field", "value"])


def _with_citations(rows: pd.DataFrame, data: CuratedData) -> pd.DataFrame:
    """Add `source_citation` (the document each row's source id names) after `source`."""
    if rows.empty or "source" not in rows.columns:
        return rows
    citations = dict(zip(data.sources.source_id, data.sources.citation))
    ids = rows["source"].fillna("").astype(str).str.partition(":")[0].str.strip()
    return rows.assign(source_citation=ids.map(citations).fillna(""))


def _sources(data: CuratedData, rendered: list[Rendered]) -> list[export.SourceLine]:
    used: list[str] = []
    for r in rendered:
        if "source" in r.rows.columns:
            for text in r.rows["source"].dropna().astype(str):
                source_id = text.partition(":")[0].strip()
                if source_id and source_id not in used:
                    used.append(source_id)
    return [export.SourceLine(s.source_id, wording.full_citation(s)) for s in data.sources.itertuples() if s.source_id in used]


def _figure(panel: views.Panel) -> go.Figure:
    """The panel's figure as a go.Figure for slides, not validated again: the builders' dicts
    are checked against plotly's schema by the tests, and validating every slide's copy cost
    about 70 ms each (a deck of every view: over a second)."""
    figure = panel.figure
    return figure if isinstance(figure, go.Figure) else go.Figure(figure, _validate=False)




def _said_in_caption(annotation: dict, caption: str) -> bool:
    """A sentence box drawn in the plot that the caption (the slide's footnote) also says."""
    text = " ".join(export.plain_text(annotation.get("text")).split())
    return len(text) > 60 and text in " ".join(caption.split())


def _slide_figure(r: Rendered) -> dict:
    """The view's figure for slides (a dict of its own when anything is changed), without text
    boxes the footnote also carries (E2100's no-curve reason and caveats covered its medians and
    were said twice), without the notes its footnote starts with, changed as its rules say."""
    spec = figure_dict(r.panel)
    rules = r.view.slides
    annotations = (spec.get("layout") or {}).get("annotations") or []
    kept = [a for a in annotations if not _said_in_caption(a, r.panel.caption)]
    notes_moved = rules.notes_in_footnote and r.visible
    if len(kept) == len(annotations) and not (rules.slide_figure or notes_moved):
        return spec
    spec = copy.deepcopy(spec)  # the view's figure is shared
    layout = spec.setdefault("layout", {})
    if len(kept) != len(annotations):
        layout["annotations"] = [a for a in layout["annotations"] if not _said_in_caption(a, r.panel.caption)]
    if notes_moved:  # its notes are in the footnote, shortened (slide_rules.short_footnote)
        row_slide.without_notes(spec)
    if rules.slide_figure:
        spec = rules.slide_figure(spec, r.title)
    return spec


def _slide_parts(r: Rendered) -> list[tuple]:
    """(figure, slide title) per slide a view needs: dense figures continue on further slides,
    titled 'Toxicity ... (2 of 3)'."""
    figure = _slide_figure(r)
    room = export.figure_room(figure, r.title, r.subtitle, r.footnote)
    figures = export.split_for_slides(figure, room, r.view.slides.split) if r.visible else [figure_dict(r.panel)]
    if len(figures) == 1:
        return [(figures[0], r.title)]
    return [(figure, f"{r.title} ({k} of {len(figures)})") for k, figure in enumerate(figures, start=1)]


def _part_name(name: str, title: str, whole: str) -> str:
    """'toxicity-heatmap_..._2026-11-21_2-of-3.png' for a continued slide."""
    found = re.search(r"\((\d+) of (\d+)\)$", title) if title != whole else None
    if not found:
        return name
    stem, _, ext = name.rpartition(".")
    return f"{stem}_{found.group(1)}-of-{found.group(2)}.{ext}"


def summary_lines(data: CuratedData, state: ViewState, trial_ids) -> list[tuple[str, str]]:
    """(trial and status, answer sentence) per shown trial with a primary hazard ratio: the
    deck's summary slide (evidence.answers, the same tables the views filter)."""
    shown = set(trial_ids) or set(shown_trial_ids(data.trials, state))
    return [(f"{a.trial_id} ({a.status}): ", a.sentence())
            for a in trial_answers(filter_tables(data.tables, state)) if a.trial_id in shown]


def _notes(r: Rendered, state: ViewState, link: str) -> str:
    lines = [
        f"Filters: {r.filters}.",
        f"Reopen this view: {reopen_link(link, state)}",
        f"Rows behind the figure: {len(r.rows)} ({r.derived_count} with derived values).",
        f"Caption: {r.panel.caption}",
    ]
    if r.view.slides.notes_in_footnote and r.visible:  # what the slide shortened, in full
        spec = figure_dict(r.panel)
        lines.append(f"Notes under the figure: {' '.join(export.figure_notes(spec))}")
        if r.view.slides.rows_in_speaker_notes:
            rows = [export.plain_text(t) for t in (spec["layout"].get("yaxis") or {}).get("ticktext") or []]
            lines.append("Rows, as labelled on screen: " + "; ".join(rows) + ".")
    return "\n".join(lines)


def _stem(key: str, state: ViewState, trial_ids: tuple[str, ...], total: int, today: date) -> str:
    if key != ALL:
        return file_stem(key, state, trial_ids, total, today)
    return export.safe_name("trial-evidence", trials_tag(trial_ids, total), today.isoformat(), ext="x")[:-2]


def _union(data: CuratedData, groups) -> tuple[str, ...]:
    return tuple(t for t in data.trials.trial_id if any(t in g for g in groups))


def _figure_file(data, state, key, fmt, today, link, render, progress=None) -> tuple[bytes, str, str, int]:
    """Images (one, or a ZIP) or a deck, for one view or every view that shows something; the
    pictures are drawn in one batch, progress(done, total, slide title) after each."""
    rendered = [render_view(data, state, k, today) for k in (list(VIEWS) if key == ALL else [key])]
    if key == ALL:
        rendered = [r for r in rendered if r.visible] or rendered[:1]
    total = len(data.trials)
    shown = _union(data, [r.trial_ids for r in rendered if r.view.per_trial])
    stem = _stem(key, state, rendered[0].trial_ids if key != ALL else shown, total, today)
    parts = [(r, figure, title) for r in rendered for figure, title in _slide_parts(r)]
    if fmt == "pptx":
        slides = [export.SlideSpec(title, r.subtitle, figure, r.footnote, _notes(r, state, link)) for r, figure, title in parts]
        order = [DERIVED_LABEL, MODEL_LABEL, HYPOTHETICAL_LABEL]
        content = export.deck_pptx(
            slides, APP_TITLE, export.filters_text(state, data), data.version, today,
            sources=_sources(data, rendered), labels=sorted({x for r in rendered for x in r.labels}, key=lambda x: (order.index(x) if x in order else len(order), x)),
            notes=f"Reopen this view: {reopen_link(link, state)}", render=render,
            # One figure's deck is about that figure: the summary of every trial's answer opens
            # only the deck of all figures (the title slide stays: date, data version, link).
            summary=summary_lines(data, state, shown) if key == ALL else None, audience=export.filters_text(state, data, ("trials", "endpoint", "grade")),
            progress=progress,
        )
        return content, f"{stem}.pptx", export.MEDIA_TYPES["pptx"], len(rendered)
    jobs = [export.slide_job(figure, fmt, title, r.subtitle, r.footnote) for r, figure, title in parts]
    images = export.draw_all(jobs, [title for _, _, title in parts], render, progress)
    files = {
        _part_name(file_name(r.view.key, state, r.trial_ids, total, today, fmt), title, r.title): image
        for (r, _, title), image in zip(parts, images)
    }
    if len(files) == 1:
        (name, content), = files.items()
        return content, name, export.MEDIA_TYPES[fmt], 1
    return export.zip_files(files), f"{stem}_{fmt}.zip", export.MEDIA_TYPES["zip"], len(files)


def _data_file(data, state, key, fmt, today, link) -> tuple[bytes, str, str, int]:
    """CSV (one, or a ZIP with about.csv) or an XLSX workbook of the rows behind the figures;
    no figure is drawn."""
    frames = {k: VIEWS[k].rows(data, state) for k in (list(VIEWS) if key == ALL else [key])}
    if key == ALL:
        frames = {k: f for k, f in frames.items() if not f.empty} or dict(list(frames.items())[:1])
    trial_ids = {k: _trial_ids(data, state, f) for k, f in frames.items()}
    total = len(data.trials)
    shown = _union(data, [ids for k, ids in trial_ids.items() if VIEWS[k].per_trial])
    stem = _stem(key, state, trial_ids[key] if key != ALL else shown, total, today)
    frames = {k: _with_citations(f, data) for k, f in frames.items()}
    if fmt == "xlsx":
        sheets = {VIEWS[k].label: f for k, f in frames.items()} | {"About": _about(data, state, today, link)}
        return export.table_xlsx(sheets), f"{stem}.xlsx", export.MEDIA_TYPES["xlsx"], len(frames)
    if key != ALL:
        return export.table_csv(frames[key]), f"{stem}.csv", export.MEDIA_TYPES["csv"], 1
    files = {file_name(k, state, trial_ids[k], total, today, "csv"): export.table_csv(f) for k, f in frames.items()}
    files["about.csv"] = export.table_csv(_about(data, state, today, link))
    return export.zip_files(files), f"{stem}_csv.zip", export.MEDIA_TYPES["zip"], len(frames)


def build_export(data: CuratedData, state: ViewState, key: str, fmt: str, today: date, link: str = "",
                 render=None, progress: export.Progress | None = None) -> ExportFile:
    """The file for one view (key) or all views that show something (key 'all') in a format.
    progress(done, total, slide title) as each picture is drawn (background jobs show it).

    Raises export.ExportError (message for the user) when an image cannot be drawn.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if key != ALL and key not in VIEWS:
        raise ValueError(f"unknown view {key!r}")
    started = time.monotonic()
    if fmt in NEEDS_CHROMIUM:
        content, name, media_type, count = _figure_file(data, state, key, fmt, today, link, render, progress)
    else:
        content, name, media_type, count = _data_file(data, state, key, fmt, today, link)
    what = f"all {count} figures that show data" if key == ALL else VIEWS[key].label.lower()
    message = f"{name}: {FORMAT_LABELS[fmt]} of {what}, ready in {time.monotonic() - started:.1f} s."
    return ExportFile(content, name, media_type, message)
