"""Every view of the dashboard, declared once: `VIEWS`, view key -> `View`.

A view is its key, title, the state fields it reads, the function that draws it for a state
(evidence/views.py), the rows behind it for CSV/XLSX exports (evidence/export_rows.py), how its
exports are named, worded and laid out on slides (evidence/slide_rules.py), and the id of the
component that shows it. Everything else is derived from here: component ids and clickable
graphs (components/ids.py), the per-view state slices (components/slices.py), the view
requests (components/view_requests.py), the export choices (components/exports.py,
evidence/export_views.py) and the cache keys. Adding a view means adding
its record here and writing its own functions; tests/unit/test_view_registry.py checks that every
derived list follows.

This module attaches the functions: evidence/views.py and evidence/export_rows.py do not import
it, so there is no import cycle. Each attached function runs on a state holding only the view's
declared fields (evidence/view_memo.py), so reading an undeclared field raises in tests instead of
silently drawing its default. No Dash here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evidence import coverage_views as coverage
from evidence import export_rows, views
from evidence import slide_rules
from evidence.export import wording
from evidence.export_rows import HYPOTHETICAL_LABEL, MODEL_LABEL
from evidence.figures import heatmap_table, tabular
from evidence.loading import CuratedData
from evidence.state import SELECTION_FIELDS, ViewState
from evidence.view_memo import declared, memoised

ViewFunction = Callable[[CuratedData, ViewState], Any]


def _no_tag(state: ViewState) -> str:
    return ""


@dataclass(frozen=True)
class Export:
    """How a view's exports are named and labelled."""

    key: str
    """File-name stem and the export bar's choice, e.g. 'forest-plot'."""
    topics: tuple[str, ...]
    """Which filter phrases (evidence.export.filter_phrases) the export states."""
    file_tag: Callable[[ViewState], str] = _no_tag
    """Extra file-name part, e.g. the endpoint."""
    labels: tuple[str, ...] = ()
    """Labels every export of this view carries (model-based, hypothetical)."""
    per_trial: bool = True
    """Whether the view shows trials (their ids go in file names)."""
    slide_title: str = ""
    """Slide title when the figure has no title of its own."""
    shows: Callable[[ViewState], str] = wording.says_nothing
    """What it shows, in an audience's words: its slides' subtitle (evidence/export/wording.py)."""
    slides: slide_rules.SlideRules = slide_rules.PLAIN
    """How its slides are laid out and worded (evidence/slide_rules.py)."""
    drawn_trial: Callable[[CuratedData, ViewState], str] | None = None
    """The one trial the view draws, named in its file names ('' for none); None: the trials its
    figure's points carry (export_views.figure_trial_ids)."""


@dataclass(frozen=True)
class View:
    """One view. `panel` and `table` are the declared functions, already restricted to
    `fields + style_fields`; `panel` is memoised on (data version, those fields)."""

    key: str
    title: str
    graph_id: str
    """The graph (for the trials overview, the grid) showing the view; caption: ids.caption(graph_id)."""
    fields: tuple[str, ...]
    """State fields the view reads: its slice of the state in the browser and its cache key."""
    panel: ViewFunction
    """(data, state) -> views.Panel; the trials overview gives the grid's rows."""
    table: ViewFunction | None = None
    """(data, state) -> DataFrame: the rows behind the view for CSV/XLSX exports."""
    export: Export | None = None
    style_fields: tuple[str, ...] = ()
    """Fields drawn only as styling: the browser never sends them and restyles what is drawn
    (assets/highlight.js), so the request path draws them at their default; exports draw them."""
    click: str = ""
    """The component event whose trial (customdata[0] or row id) becomes the highlight:
    'clickData' for a graph whose marks carry their trial, CELL_CLICK for a view the browser draws
    as a table (`drawn_in_browser`), 'cellClicked' for the grid."""
    note_id: str = ""
    """Component showing the panel's note, if the view has one."""
    reads_data: bool = True
    """False for a view of its inputs alone (the what-if ramp): uploads never redraw it."""
    is_figure: bool = True
    """A plotly graph (figure, caption, config); False for the trials grid."""
    drawn_in_browser: Callable[[dict], dict] | None = None
    """For a view the browser draws itself instead of plotly: figure JSON -> the plain data it
    draws from (the toxicity heatmap as an HTML table: evidence/figures/heatmap_table.py,
    assets/heatmap_table.js). Exports still lay out the figure."""

    @property
    def key_fields(self) -> tuple[str, ...]:
        """Every field the view's answer depends on (its cache key)."""
        return self.fields + self.style_fields


def _view(key: str, title: str, graph_id: str, fields: tuple[str, ...], draw: ViewFunction,
          rows: ViewFunction | None = None, style_fields: tuple[str, ...] = (), **options) -> View:
    """A View whose functions read only its declared fields; its panel memoised ("view:<key>")."""
    allowed = fields + style_fields
    table = declared(key, allowed, rows) if rows else None
    panel = memoised(f"view:{key}", key, allowed, draw)
    return View(key, title, graph_id, fields, panel, table, style_fields=style_fields, **options)


def _endpoint_tag(state: ViewState) -> str:
    return state.endpoint


def _forest_tag(state: ViewState) -> str:
    return state.endpoint + ("-pooled" if state.pool else "")


def _grade_tag(state: ViewState) -> str:
    return f"grade-{state.grade}" + ("_difference" if state.tox_mode == "difference" else "")


def _ramp_tag(state: ViewState) -> str:
    return f"start{state.ramp_start}-step{state.ramp_step}-{state.ramp_horizon}cycles"


SELECTION = SELECTION_FIELDS
"""State fields every data view reads (trial selection and its page, derived on/off)."""
HIGHLIGHT = ("highlight",)
CELL_CLICK = "data-click"
"""The event of a view drawn as a table in the browser: its box's `data-click`, a JSON string of
a plotly-like click ({points: [{customdata: trial, hovertext}]}: assets/heatmap_table.js)."""

_DECLARED = (
    _view("design", "Design assumptions vs observed", "design-figure", SELECTION, views.design_panel,
          export_rows.design_rows, HIGHLIGHT, click="clickData",
          export=Export("design-vs-outcome", ("trials", "derived", "highlight"), slides=slide_rules.DESIGN_SLIDES,
                        shows=wording.design_shows)),
    _view("flow", "Patient flow", "flow-figure", SELECTION, coverage.flow_panel, coverage.flow_rows, HIGHLIGHT,
          click="clickData", export=Export("patient-flow", ("trials", "derived", "highlight"),
                                           slide_title="Patient flow: randomised, excluded and analysed")),
    _view("baseline", "Baseline characteristics", "baseline-figure", SELECTION, coverage.baseline_panel,
          coverage.baseline_rows, click="clickData",
          export=Export("baseline", ("trials",), slide_title="Baseline characteristics by arm")),
    _view("forest", "Forest plot (hazard ratios)", "forest-figure", SELECTION + ("endpoint", "pool"),
          views.forest_panel, export_rows.forest_rows, HIGHLIGHT, click="clickData",
          export=Export("forest-plot", ("trials", "endpoint", "pooling", "derived", "highlight"), _forest_tag,
                        slides=slide_rules.ROW_SLIDES, shows=wording.forest_shows)),
    _view("medians", "Medians by arm", "medians-figure", SELECTION + ("endpoint",), views.medians_panel,
          export_rows.medians_rows, HIGHLIGHT, click="clickData",
          export=Export("medians-by-arm", ("trials", "endpoint", "derived", "highlight"), _endpoint_tag,
                        slides=slide_rules.ROW_SLIDES, shows=wording.medians_shows)),
    _view("rates", "Response and landmark rates", "rates-figure", SELECTION, views.rates_panel,
          export_rows.rates_rows, HIGHLIGHT, click="clickData",
          export=Export("response-rates", ("trials", "derived", "highlight"), slides=slide_rules.RATE_SLIDES,
                        shows=wording.rates_shows)),
    _view("subgroups", "Subgroups and model terms", "subgroups-figure", SELECTION + ("endpoint",),
          coverage.subgroups_panel, coverage.subgroups_rows, HIGHLIGHT, click="clickData",
          export=Export("subgroups", ("trials", "endpoint", "highlight"), _endpoint_tag, slides=slide_rules.ROW_SLIDES,
                        shows=wording.subgroups_shows)),
    _view("toxicity", "Toxicity heatmap", "heatmap-figure",
          SELECTION + ("grade", "organ", "tox_mode", "tox_sort", "tox_top", "tox_search"),
          views.toxicity_panel, export_rows.toxicity_rows, HIGHLIGHT, click=CELL_CLICK,
          drawn_in_browser=heatmap_table.table_data,
          export=Export("toxicity-heatmap", ("trials", "grade", "toxicity", "derived", "highlight"), _grade_tag,
                        slides=slide_rules.GRID_SLIDES, shows=wording.toxicity_shows)),
    _view("fatal_events", "Fatal and treatment-limiting events", "fatal-events-figure", SELECTION,
          coverage.fatal_events_panel, coverage.fatal_events_rows, click="clickData",
          export=Export("fatal-events", ("trials",), slide_title="Fatal and treatment-limiting adverse events")),
    _view("dosing", "Sorafenib dose ramp", "dose-figure", SELECTION, views.dosing_panel,
          export_rows.dosing_rows, HIGHLIGHT, click="clickData",
          export=Export("dose-ramp", ("trials", "derived", "highlight"),
                        slide_title="Sorafenib dose ramp: planned vs delivered dose per cycle",
                        slides=slide_rules.LINE_PANEL_SLIDES, shows=wording.dose_ramp_shows)),
    _view("dose_derived", "Cumulative dose and dose intensity (derived)", "dose-derived-figure", SELECTION,
          views.dose_derived_panel, export_rows.dosing_rows, HIGHLIGHT, click="clickData",
          export=Export("dose-derived", ("trials", "derived", "highlight"),
                        slide_title="Sorafenib cumulative dose and dose intensity (derived)",
                        slides=slide_rules.LINE_PANEL_SLIDES, shows=wording.dose_derived_shows)),
    _view("exposure", "Exposure and stopping", "exposure-figure", SELECTION, coverage.exposure_panel,
          coverage.exposure_rows, HIGHLIGHT, click="clickData",
          export=Export("exposure-stopping", ("trials", "derived", "highlight"),
                        slide_title="Treatment delivered: exposure and stopping")),
    _view("what_if", "What-if ramp", "what-if-figure", ("ramp_start", "ramp_step", "ramp_horizon"),
          views.what_if_panel, export_rows.what_if_rows, note_id="what-if-note", reads_data=False,
          export=Export("what-if-ramp", ("ramp",), _ramp_tag, labels=(HYPOTHETICAL_LABEL,), per_trial=False,
                        slides=slide_rules.LINE_PANEL_SLIDES, shows=wording.what_if_shows)),
    _view("survival", "Survival curves", "survival-figure", SELECTION + ("endpoint", "surv_trial"),
          views.survival_panel, export_rows.survival_rows,
          export=Export("survival-curves", ("trials", "survival", "endpoint", "derived"), _endpoint_tag, (MODEL_LABEL,),
                        slides=slide_rules.SURVIVAL_SLIDES, drawn_trial=views.survival_trial,
                        shows=wording.survival_shows)),
    _view("absolute", "Absolute effects (model-based)", "absolute-figure", coverage.ABSOLUTE_FIELDS,
          coverage.absolute_panel, coverage.absolute_rows, HIGHLIGHT, click="clickData",
          export=Export("absolute-effects", ("trials", "endpoint", "derived", "highlight"), _endpoint_tag,
                        (coverage.ABSOLUTE_LABEL,), slides=slide_rules.ABSOLUTE_SLIDES)),
    _view("findings", "Findings in words", "findings-figure", SELECTION, coverage.findings_panel,
          coverage.findings_rows, click=CELL_CLICK, drawn_in_browser=tabular.table_data,
          export=Export("findings", ("trials",), slide_title="What the documents say in words")),
    _view("overview", "Trials overview", "trial-grid", SELECTION, views.trial_grid_rows, style_fields=HIGHLIGHT,
          click="cellClicked", is_figure=False),
)

VIEWS: dict[str, View] = {view.key: view for view in _DECLARED}
"""View key -> View, in the order exports list them."""

pool_control = memoised("pool-control", "forest", VIEWS["forest"].fields, views.pool_control)
"""The forest's 'Pool trials' control (options, hint), from the forest's fields only."""


def figure_views() -> list[View]:
    """The views with a plotly figure (the toxicity heatmap's is drawn on screen as a table:
    `View.drawn_in_browser`)."""
    return [view for view in VIEWS.values() if view.is_figure]


def figure_heights(data: CuratedData, state: ViewState | None = None) -> dict[str, int]:
    """Graph id -> the height (px) its figure declares for `state` (default: the page's first
    state, no query): the room each graph keeps before it is drawn (components/layout.py)."""
    state = state or ViewState()
    heights = {view.graph_id: view.panel(data, state).figure_json()["layout"].get("height")
               for view in figure_views() if not view.drawn_in_browser}  # a table is as high as its rows
    return {graph_id: int(h) for graph_id, h in heights.items() if h}


def exported_views() -> list[View]:
    """The views the export bar offers, in its order."""
    return [view for view in VIEWS.values() if view.export]


def declared_fields() -> dict[str, tuple[str, ...]]:
    """View key -> the state fields it reads (what the browser sends it)."""
    return {key: view.fields for key, view in VIEWS.items()}
