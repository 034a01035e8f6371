"""Every component id, in one place. The views' own ids (graph or grid, caption, note) are
declared with the views (evidence/view_registry.py) and named here from there."""

from evidence.view_registry import CELL_CLICK, VIEWS

URL = "url"
STATE = "view-state"
# Keeping URL, controls and state in step in the browser (components/state_sync.py).
STATE_RULES = "view-state-rules"  # the parsing rules (evidence.state.query_rules) and control ids
STATE_UNKNOWN = "view-state-unknown"  # what the server must check against the data
STATE_FIX = "view-state-fix"  # the server's correction of a state
RESET = "reset"
SELECTION_SUMMARY = "selection-summary"
DATA_VERSION = "data-version"
POOL_HINT = "pool-hint"

# Filter panel: state field -> component id (value property).
FILTERS = {
    "disease": "filter-disease",
    "agent": "filter-agent",
    "trial": "filter-trial",
    "phase": "filter-phase",
    "setting": "filter-setting",
    "status": "filter-status",
    "endpoint": "filter-endpoint",
    "grade": "filter-grade",
    "organ": "filter-organ",
    "derived": "filter-derived",
    "pool": "filter-pool",
    "highlight": "filter-highlight",
    "tox_mode": "tox-mode",
    "tox_sort": "tox-sort",
    "tox_top": "tox-top",
    "tox_search": "tox-search",
    "surv_trial": "surv-trial",
    "ramp_start": "ramp-start",
    "ramp_step": "ramp-step",
    "ramp_horizon": "ramp-horizon",
    "page": "trial-page",
    "tab": "view-tab",  # the tab strip (components/tabs.py): a control whose value is state.tab
}

GRAPHS = {key: view.graph_id for key, view in VIEWS.items()}
"""View key -> the graph (or grid) showing it."""
TRIAL_GRID = GRAPHS["overview"]
DESIGN = GRAPHS["design"]
FOREST = GRAPHS["forest"]
MEDIANS = GRAPHS["medians"]
RATES = GRAPHS["rates"]
HEATMAP = GRAPHS["toxicity"]
DOSE = GRAPHS["dosing"]
DOSE_DERIVED = GRAPHS["dose_derived"]
WHAT_IF = GRAPHS["what_if"]
WHAT_IF_NOTE = VIEWS["what_if"].note_id
SURVIVAL = GRAPHS["survival"]
FLOW = GRAPHS["flow"]
BASELINE = GRAPHS["baseline"]
SUBGROUPS = GRAPHS["subgroups"]
FATAL_EVENTS = GRAPHS["fatal_events"]
EXPOSURE = GRAPHS["exposure"]
ABSOLUTE = GRAPHS["absolute"]
FINDINGS = GRAPHS["findings"]
# Number fields refuse a value out of range (the browser keeps it out of the state) and say so.
WHAT_IF_REFUSAL = "what-if-refusal"
PAGE_REFUSAL = "trial-page-refusal"
PAGE_OF = "trial-page-of"  # "page 1 of 1" beside the page field
SOURCES = "sources-list"

# After the selection summary: "; highlighted: <trial>", written by the browser (assets/highlight.js).
SELECTION_HIGHLIGHT = "selection-highlight"
SELECTION_TEXT = "selection-summary-text"  # the server's part of the summary

# Components whose clicks select a trial: id -> the event carrying it.
CLICKS = {view.graph_id: view.click for view in VIEWS.values() if view.click}
# Graphs whose clicks select a trial (customdata[0] = trial_id).
CLICKABLE_GRAPHS = tuple(graph for graph, event in CLICKS.items() if event == "clickData")
# Views the browser draws itself from their data (the toxicity heatmap as a table:
# assets/heatmap_table.js): a plain box, not a dcc.Graph.
BROWSER_DRAWN = tuple(view.graph_id for view in VIEWS.values() if view.drawn_in_browser)
# Of those, the ones whose cells name their trial: a click sets the box's CELL_CLICK to a point
# shaped like a graph's clickData.
CLICKABLE_TABLES = tuple(graph for graph, event in CLICKS.items() if event == CELL_CLICK)
# Graphs the browser restyles for a highlight (assets/highlight.js) and whose figures carry the
# highlight's empty slots (components/render.py): their marks name a trial; the clickable text
# tables (baseline, fatal events, findings) draw no highlight; the toxicity table is marked by
# class (assets/highlight.js markTables).
HIGHLIGHTED_GRAPHS = tuple(
    view.graph_id for view in VIEWS.values() if view.click == "clickData" and "highlight" in view.style_fields
)

# Export bar (components/exports.py): format -> button id.
EXPORT_BAR = "card-export"
EXPORT_VIEW = "export-view"
EXPORT_BUTTONS = {
    "png": "export-png",
    "svg": "export-svg",
    "pdf": "export-pdf",
    "pptx": "export-pptx",
    "csv": "export-csv",
    "xlsx": "export-xlsx",
}
EXPORT_DOWNLOAD = "export-download"
EXPORT_STATUS = "export-status"
EXPORT_NOTE = "export-note"
EXPORT_BUSY = "export-busy"
EXPORT_JOB = "export-job"  # dcc.Store: the signed request of a background export (deck, all figures)
EXPORT_PROGRESS = "export-progress"  # html.Progress of the job
EXPORT_PROGRESS_TEXT = "export-progress-text"  # the slide being drawn
EXPORT_PROGRESS_BOX = "export-progress-box"
EXPORT_CANCEL = "export-cancel"


def caption(graph_id: str) -> str:
    return f"{graph_id}-caption"

# Uploads ("Your own trials"): kept in a session Store in the browser.
UPLOAD_STORE = "upload-store"
UPLOAD_TABLES = "upload-tables"
UPLOAD_SURVIVAL = "upload-survival"
SURVIVAL_UNIT = "survival-unit"
UPLOAD_TEMPLATE = "upload-template"
UPLOAD_BUNDLE = "upload-bundle"
UPLOAD_CLEAR = "upload-clear"
UPLOAD_STATUS = "upload-status"
UPLOAD_DOWNLOAD = "upload-download"
UPLOAD_NOTICE = "upload-notice"
LINK_NOTICE = "link-notice"
UNAVAILABLE_NOTICE = "unavailable-notice"  # values the server's check took out (components/state_sync.py)

# Filter dropdowns whose options follow the session's data (bundled + uploads).
OPTION_FIELDS = ("disease", "agent", "trial", "phase", "setting", "status", "organ", "grade", "highlight", "surv_trial")


# First screen (components/answer_strip.py, components/tabs.py).
ANSWER_STRIP = "answer-strip"
ANSWER_CARDS = "answer-cards"
FILTER_PANEL = "filter-panel"
FILTERS_TOGGLE = "filters-toggle"
SKIP_LINKS = "skip-links"


def tab_panel(tab: str) -> str:
    return f"tab-{tab}"
