"""Page layout: skip links, header, the filter panel (a drawer on tablets and phones), the answer
strip, and the views in tabs (efficacy and toxicity side by side on wide screens)."""

from __future__ import annotations

from html import escape

import dash_ag_grid as dag
from dash import dcc, html
from dash.development.base_component import Component

from components import answer_strip, evidence_box, exports, ids, state_sync
from components.tabs import tab_panel, tab_strip
from components.uploads import upload_card
from evidence.contract import ENDPOINT_LABELS, TIME_TO_EVENT_ENDPOINTS
from evidence.state import MAX_PAGE, MAX_RAMP_HORIZON, TRIALS_PER_PAGE
from evidence.views import POOL_LABEL

# Modebar: slide-sized PNG (16:9) by default.
GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    # what a clinician uses: download, zoom by dragging, pan, reset; the rest (zoom +/-, autoscale,
    # box/lasso select: nothing reads a selection; spike lines, hover modes) only widened the
    # modebar over titles and keys at 1366 and 768
    "modeBarButtonsToRemove": [
        "zoomIn2d", "zoomOut2d", "autoScale2d", "select2d", "lasso2d",
        "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian",
    ],
    "toImageButtonOptions": {"format": "png", "width": 1920, "height": 1080, "scale": 2},
}


def label_id(control_id: str) -> str:
    return f"{control_id}-label"


def _labelled(label: str, control, control_id: str) -> html.Div:
    """A control under its label; the label's id names a dropdown's button (assets/a11y.js)."""
    return html.Div(
        [html.Label(label, htmlFor=control_id, id=label_id(control_id), className="control-label"), control],
        className="control",
    )


def _multi(field: str, label: str, options: list[dict], placeholder: str = "All") -> html.Div:
    control_id = ids.FILTERS[field]
    return _labelled(
        label,
        dcc.Dropdown(id=control_id, options=options, multi=True, placeholder=placeholder, clearable=True),
        control_id,
    )


def filter_panel(options: dict[str, list[dict]]) -> html.Aside:
    f = ids.FILTERS
    return html.Aside(
        [
            html.Div(
                [
                    html.H2("Filters", className="panel-title"),
                    html.Button("Close", className="filters-close", type="button", **{"aria-label": "Close filters"}),
                ],
                className="panel-head",
            ),
            _multi("disease", "Disease", options["disease"]),
            _multi("agent", "Agent", options["agent"]),
            _multi("trial", "Trial", options["trial"]),
            _multi("phase", "Phase", options["phase"]),
            _multi("setting", "Setting (line)", options["setting"]),
            _multi("status", "Status", options["status"]),
            _labelled(
                f"Page of trials ({TRIALS_PER_PAGE} per page)",
                # max: Dash 4's + button computes min(value + 1, max) and empties a field without a
                # max; the page count replaces it once the selection is known (components/paging.py).
                dcc.Input(id=f["page"], type="number", min=1, max=MAX_PAGE, step=1, debounce=True, className="page-input"),
                f["page"],
            ),
            html.P(id=ids.PAGE_OF, className="hint", **{"aria-live": "polite"}),
            html.P(id=ids.PAGE_REFUSAL, className="refusal", role="alert"),
            html.Fieldset(
                [
                    html.Legend("Endpoint", className="control-label"),
                    dcc.RadioItems(
                        id=f["endpoint"],
                        options=[{"label": f"{e} – {ENDPOINT_LABELS[e]}", "value": e} for e in TIME_TO_EVENT_ENDPOINTS],
                        className="radio-list",
                    ),
                ],
                className="control",
            ),
            html.Fieldset(
                [
                    html.Legend("Toxicity grade band", className="control-label"),
                    dcc.RadioItems(
                        id=f["grade"],
                        options=options["grade"],
                        className="radio-list",
                    ),
                ],
                className="control",
            ),
            _multi("organ", "Organ class", options["organ"]),
            html.Fieldset(
                [
                    html.Legend("Derived values", className="control-label"),
                    dcc.Checklist(
                        id=f["derived"],
                        options=[{"label": "Show values computed here (CIs from counts, grade sums)", "value": "show"}],
                    ),
                ],
                className="control",
            ),
            html.Fieldset(
                [
                    html.Legend("Pooling", className="control-label"),
                    dcc.Checklist(id=f["pool"], options=[{"label": POOL_LABEL, "value": "pool"}]),
                    html.P(
                        "Forest plot only: two or more trials with the same endpoint and kind of analysis; "
                        "no estimate when I² > 75%.",
                        id=ids.POOL_HINT,
                        className="hint",
                        **{"aria-live": "polite"},
                    ),
                ],
                className="control",
            ),
            _labelled(
                "Highlight trial",
                dcc.Dropdown(id=f["highlight"], options=options["highlight"], placeholder="None", clearable=True),
                f["highlight"],
            ),
            html.Button("Reset all", id=ids.RESET, n_clicks=0, className="reset-button"),
            html.P(
                # the server writes the first part; the browser adds "; highlighted: <trial>" (assets/highlight.js)
                [html.Span(id=ids.SELECTION_TEXT), html.Span(id=ids.SELECTION_HIGHLIGHT)],
                id=ids.SELECTION_SUMMARY, className="selection-summary", **{"aria-live": "polite"},
            ),
        ],
        className="filter-panel",
        id=ids.FILTER_PANEL,
        tabIndex="-1",
        **{"aria-label": "Filters"},
    )


def _graph(graph_id: str, view_box: bool = True) -> html.Div:
    """A figure, its caption (sources) and, where a click can name a passage, its Evidence box.
    The wrapper carries `data-view` (the box whose visibility decides when the view is computed,
    assets/slices.js) unless `view_box` is False: a view whose controls sit above its figure puts
    it on the element holding both (one element names each view)."""
    evidence = [evidence_box.box(graph_id)] if graph_id in evidence_box.GRAPHS else []
    # assets/keyboard_points.js: a clickable graph's points (or table cells) chosen with the keyboard
    keyboard = {"data-points": "keyboard"} if graph_id in ids.CLICKABLE_GRAPHS else {}
    # assets/highlight.js: the graphs a highlighted trial is marked in
    highlight = {"data-highlight": graph_id} if graph_id in ids.HIGHLIGHTED_GRAPHS else {}
    # a view the browser draws as a table (assets/heatmap_table.js): a box Dash never gives children
    if graph_id in ids.BROWSER_DRAWN:
        shown = html.Div(id=graph_id, className="table-view")
    else:
        shown = dcc.Graph(id=graph_id, config=GRAPH_CONFIG)
    return html.Div(
        [
            shown,  # while its data is asked for, the box is aria-busy: a spinner after 300 ms (assets/slices.js)
            html.P(id=ids.caption(graph_id), className="caption"),
            *evidence,
        ],
        className="figure",
        **({"data-view": graph_id} if view_box else {}),
        **keyboard,
        **highlight,
    )


def keep_room(layout: Component, heights: dict[str, int]) -> Component:
    """Each figure's wrapper keeps the room its graph will take (`heights`: graph id -> px, the
    figures' declared heights for the page's first state, and the trials grid's `grid_height`
    for its first rows) until plotly has drawn it (the grid: until it has rows): the CSS
    custom property --graph-height (assets/views.css; 450 px where unknown). Graphs are drawn
    only once seen, so with one height for all, whatever lay below a figure (the export bar under
    the efficacy tab) moved as each drew. In place; returns `layout`."""
    for node in layout._traverse():
        if isinstance(node, html.Div) and getattr(node, "className", None) in ("figure", "grid-view"):
            graph = next((c for c in node._traverse() if isinstance(c, (dcc.Graph, dag.AgGrid))), None)
            if graph is not None and graph.id in heights:
                node.style = {**(getattr(node, "style", None) or {}), "--graph-height": f"{heights[graph.id]}px"}
    return layout


def _card(title: str, children, card_id: str, wide: bool = False) -> html.Section:
    return html.Section(
        [html.H2(title, className="card-title"), *children],
        className="card card-wide" if wide else "card",
        id=card_id,
        tabIndex="-1",  # a skip link's target
        **{"aria-label": title},
    )


def _section(title: str, graph_id: str, section_id: str) -> html.Section:
    """A view inside a card, under its own heading (a skip link's target)."""
    return html.Section(
        [html.H3(title, className="subhead"), _graph(graph_id)],
        id=section_id,
        className="subsection",
        tabIndex="-1",
        **{"aria-label": title},
    )


GRID_ROW_PX, GRID_HEADER_PX = 42, 48
"""The trials grid's row and header heights (AG Grid's quartz theme at our font size, declared so
the room the grid keeps before its rows arrive is known: `grid_height`)."""


def grid_height(rows: int) -> int:
    """px of the trials grid showing `rows` rows (autoHeight: the header and the 1 px line under
    it, the rows, a 1 px border above and below)."""
    return GRID_HEADER_PX + 1 + rows * GRID_ROW_PX + 2


TRIAL_COLUMNS = [
    # Wide enough for the longest curated name ("MRCC-SORAFENIB") beside the sort and filter icons;
    # a longer uploaded name shows whole on hover.
    {"field": "trial_id", "headerName": "Trial", "pinned": "left", "width": 200, "tooltipField": "trial_id"},
    {"field": "agent", "headerName": "Agent", "width": 120},
    {"field": "disease", "headerName": "Disease", "width": 260, "tooltipField": "disease"},
    {"field": "setting", "headerName": "Setting", "width": 150},
    {"field": "phase", "headerName": "Phase", "width": 105},
    {"field": "blinding", "headerName": "Blinding", "width": 150},
    {"field": "status", "headerName": "Status", "width": 130},
    {"field": "stop_reason", "headerName": "Stop reason", "width": 260, "tooltipField": "stop_reason"},
    {"field": "n_planned", "headerName": "Planned n", "type": "numericColumn", "width": 110},
    {"field": "n_enrolled", "headerName": "Enrolled n", "type": "numericColumn", "width": 115},
    {"field": "arms", "headerName": "Arms", "width": 320, "tooltipField": "arms"},
    {"field": "design", "headerName": "Design", "width": 320, "tooltipField": "design"},
    {"field": "source", "headerName": "Source", "width": 300, "tooltipField": "source"},
    {"field": "origin", "headerName": "Origin", "width": 110},
]


def trials_card() -> html.Section:
    grid = dag.AgGrid(
        id=ids.TRIAL_GRID,
        columnDefs=TRIAL_COLUMNS,
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        getRowId="params.data.trial_id",
        # the highlighted trial's row, as the browser knows it (assets/highlight.js: no request)
        rowClassRules={"row-highlighted": "evidenceHighlighted(params)"},
        # Tab leaves the grid (one tab stop, not one per cell); arrow keys move inside it, and Enter
        # on a row highlights its trial (assets/a11y.js).
        dashGridOptions={"domLayout": "autoHeight", "rowHeight": GRID_ROW_PX, "headerHeight": GRID_HEADER_PX, "tooltipShowDelay": 300, "tabToNextCell": {"function": "false"}},
        style={"width": "100%"},
        className="ag-theme-quartz",
    )
    return _card(
        "Trials overview",
        [
            html.P(
                "Click a trial (or press Enter on its row) to highlight it in every view. "
                "Sort and filter from the column headers.",
                className="hint",
            ),
            html.A("Skip past the trial grid", href=f"#{ids.DESIGN}", className="skip-inline"),
            # seen like a figure's wrapper: the grid's rows are asked for only while it is shown
            # and keeps the room its first rows take (`keep_room`): empty, it was 60 px shorter, which
            # put the design figure on the first screen at 1366x768 (asked for, then pushed off)
            html.Div(grid, className="grid-view", **{"data-view": ids.TRIAL_GRID}),
            _graph(ids.DESIGN),
        ],
        "card-trials",
        wide=True,
    )


def efficacy_card() -> html.Section:
    return _card(
        "Efficacy",
        [
            _graph(ids.FOREST),
            _graph(ids.MEDIANS),
            _graph(ids.RATES),
        ],
        "card-efficacy",
        wide=True,
    )


def toxicity_card() -> html.Section:
    f = ids.FILTERS
    controls = html.Div(
        [
            _labelled(
                "Show",
                dcc.RadioItems(
                    id=f["tox_mode"],
                    options=[
                        {"label": "% of patients", "value": "rate"},
                        {"label": "Experimental − control (95% CI)", "value": "difference"},
                    ],
                    inline=True,
                ),
                f["tox_mode"],
            ),
            _labelled(
                "Sort by",
                dcc.Dropdown(
                    id=f["tox_sort"],
                    options=[
                        {"label": "Highest rate", "value": "rate"},
                        {"label": "Largest difference", "value": "difference"},
                        {"label": "Organ class", "value": "soc"},
                    ],
                    clearable=False,
                ),
                f["tox_sort"],
            ),
            _labelled("Top rows", dcc.Input(id=f["tox_top"], type="number", min=5, max=200, step=5, debounce=True), f["tox_top"]),
            _labelled(
                "Search term",
                dcc.Input(id=f["tox_search"], type="search", placeholder="e.g. neuropathy", debounce=True, maxLength=100),
                f["tox_search"],
            ),
        ],
        className="inline-controls",
    )
    return _card(
        "Toxicity by arm and grade",
        # not a tab stop itself: its cells are (one stop, arrow keys between them)
        [controls, html.Div(_graph(ids.HEATMAP), className="scroll-box", role="region",
                            **{"aria-label": "Toxicity heatmap (scrolls)"})],
        "card-toxicity",
        wide=True,
    )


def dosing_card() -> html.Section:
    f = ids.FILTERS
    what_if_controls = html.Div(
        [
            _labelled("Start dose (mg/day)", dcc.Input(id=f["ramp_start"], type="number", min=0, max=800, step=100, debounce=True), f["ramp_start"]),
            _labelled("Step per cycle (mg/day)", dcc.Input(id=f["ramp_step"], type="number", min=0, max=800, step=100, debounce=True), f["ramp_step"]),
            _labelled("Cycles drawn", dcc.Input(id=f["ramp_horizon"], type="number", min=1, max=MAX_RAMP_HORIZON, step=1, debounce=True), f["ramp_horizon"]),
        ],
        className="inline-controls",
    )
    return _card(
        "Sorafenib dose ramp",
        [
            _graph(ids.DOSE),
            _section("Cumulative dose and dose intensity (derived)", ids.DOSE_DERIVED, "section-dose-derived"),
            _section("Exposure and stopping: the treatment delivered", ids.EXPOSURE, "section-exposure"),
            html.Div(
                [
                    html.H3("What-if ramp", className="subhead"),
                    what_if_controls,
                    html.P(id=ids.WHAT_IF_REFUSAL, className="refusal", role="alert"),
                    html.P(id=ids.WHAT_IF_NOTE, className="what-if-note", **{"aria-live": "polite"}),
                    _graph(ids.WHAT_IF, view_box=False),
                ],
                # assets/slices.js: the what-if answers as soon as its controls or note are on
                # screen, not only once its figure is (its note sits beside the controls)
                **{"data-view": ids.WHAT_IF},
            ),
        ],
        "card-dosing",
        wide=True,
    )


def survival_card(options: list[dict]) -> html.Section:
    f = ids.FILTERS
    return _card(
        "Survival curves",
        [
            _labelled(
                "Trial",
                dcc.Dropdown(id=f["surv_trial"], options=options, placeholder="First selected trial", clearable=True),
                f["surv_trial"],
            ),
            _graph(ids.SURVIVAL),
        ],
        "card-survival",
        wide=True,
    )


def spanning_card(title: str, graph_id: str, card_id: str) -> html.Section:
    """A card under both columns of the side-by-side efficacy tab (assets/views.css .card-span):
    the subgroup forest and the fatal-events table need the width (their text columns overlap,
    their rows wrap, in half of a 1366 px screen)."""
    card = _card(title, [_graph(graph_id)], card_id, wide=True)
    card.className += " card-span"
    return card


def flow_card() -> html.Section:
    return _card("Patient flow and analysis populations", [_graph(ids.FLOW)], "card-flow", wide=True)


def baseline_card() -> html.Section:
    return _card("Baseline characteristics by arm", [_graph(ids.BASELINE)], "card-baseline", wide=True)


def absolute_card() -> html.Section:
    """Absolute effects beside the survival curves: the same model (S_e(t) = S_c(t)^HR, and the
    RMST up to the curves' horizon), for every shown trial."""
    return _card("Absolute effects (model-based)", [_graph(ids.ABSOLUTE)], "card-absolute", wide=True)


def findings_card() -> html.Section:
    return _card("Findings in words", [_graph(ids.FINDINGS)], "card-findings", wide=True)


def sources_card(sources: list[dict]) -> html.Section:
    items = [
        html.Li([html.Strong(s["source_id"]), f" — {s['citation']} ({s['kind']}; document {s['document']}"
                 + (f"; {s['registry_ids']}" if s["registry_ids"] else "") + ")"])
        for s in sources
    ]
    return _card("Sources", [html.Ul(items, id=ids.SOURCES, className="sources")], "card-sources", wide=True)


SKIP_TARGETS = (
    ("Answers", ids.ANSWER_STRIP),
    ("Filters", ids.FILTER_PANEL),
    ("Efficacy", "card-efficacy"),
    ("Toxicity", "card-toxicity"),
    ("Subgroups", "card-subgroups"),
    ("Fatal events", "card-fatal-events"),
    ("Trials", "card-trials"),
    ("Patient flow", "card-flow"),
    ("Baseline", "card-baseline"),
    ("Dose ramp", "card-dosing"),
    ("Dose delivered", "section-dose-derived"),
    ("Exposure", "section-exposure"),
    ("Survival", "card-survival"),
    ("Absolute effects", "card-absolute"),
    ("Your own trials", ids.tab_panel("uploads")),
    ("Findings", "card-findings"),
    ("Sources", "card-sources"),
    ("Export", ids.EXPORT_BAR),
)


def skip_links() -> str:
    """Links to each view, shown when focused (the first Tab stops); a view in a hidden tab is
    shown first (assets/tabs.js, which listens on the document).

    Plain HTML in the page's template (app.py INDEX_TEMPLATE), before Dash's root, not Dash
    components: they never change, and every mounted component costs Dash's renderer work on
    every change (these were 36 of the page's 327, issue 13). Their text is ours, escaped."""
    items = "".join(
        f'<li><a href="#{escape(target)}">Skip to {escape(name.lower() if name != "Your own trials" else name)}</a></li>'
        for name, target in SKIP_TARGETS
    )
    return f'<nav id="{ids.SKIP_LINKS}" class="skip-links" aria-label="Skip to a view"><ul>{items}</ul></nav>'


def page(
    options: dict[str, list[dict]], sources: list[dict], data_version: str, warnings: int,
    export_flags: tuple[bool, bool] | None = None,
    max_upload_mb: float = 5.0,
    graph_heights: dict[str, int] | None = None,
) -> html.Div:
    """export_flags: (exports enabled, Chromium installed); default: from the environment.
    graph_heights: graph id -> the room it keeps before it is drawn (`keep_room`)."""
    header = html.Header(
        [
            html.Div(
                [
                    html.H1("Sorafenib & anti-VEGF trial evidence"),
                    html.P(
                        "Curated from five trial documents: breast and renal cancer. Every number links to its source"
                        " (hover).",
                        className="subtitle",
                    ),
                ]
            ),
            html.P(
                f"Data version {data_version}"
                + (f" · {warnings} documented source discrepancies" if warnings else ""),
                id=ids.DATA_VERSION,
                className="data-version",
            ),
            html.Button(
                "Filters", id=ids.FILTERS_TOGGLE, type="button", className="filters-toggle",
                **{"aria-expanded": "false", "aria-controls": ids.FILTER_PANEL},
            ),
        ],
        className="page-header",
    )
    main = html.Main(
        [
            answer_strip.strip(),
            tab_strip(),
            tab_panel("efficacy", [
                efficacy_card(), toxicity_card(),
                spanning_card("Subgroups and model terms", ids.SUBGROUPS, "card-subgroups"),
                spanning_card("Fatal and treatment-limiting events", ids.FATAL_EVENTS, "card-fatal-events"),
            ]),
            tab_panel("trials", [trials_card(), flow_card(), baseline_card()]),
            tab_panel("dosing", [dosing_card()]),
            tab_panel("survival", [survival_card(options["surv_trial"]), absolute_card()]),
            tab_panel("uploads", [upload_card(max_upload_mb)]),
            tab_panel("sources", [findings_card(), sources_card(sources)]),
            exports.export_bar(*(export_flags or exports.export_flags())),
        ],
        className="views",
        id="main",
    )
    return keep_room(html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.STATE),
            dcc.Store(id=ids.UPLOAD_STORE, storage_type="session", data=None),  # explicit: else the Store sets null on mount, redrawing every view
            *state_sync.stores(),
            header,
            html.P(id=ids.UPLOAD_NOTICE, className="upload-notice", role="status"),
            html.P(id=ids.LINK_NOTICE, className="upload-notice", role="status"),
            html.P(id=ids.UNAVAILABLE_NOTICE, className="upload-notice", role="status"),
            html.Div([filter_panel(options), main], className="body"),
        ],
        className="page",
    ), graph_heights or {})
