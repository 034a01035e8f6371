"""Every component id, in one place."""

URL = "url"
STATE = "view-state"
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
}

TRIAL_GRID = "trial-grid"
DESIGN = "design-figure"
FOREST = "forest-figure"
MEDIANS = "medians-figure"
RATES = "rates-figure"
HEATMAP = "heatmap-figure"
DOSE = "dose-figure"
WHAT_IF = "what-if-figure"
WHAT_IF_NOTE = "what-if-note"
# Number fields refuse a value out of range (the browser keeps it out of the state) and say so.
WHAT_IF_REFUSAL = "what-if-refusal"
PAGE_REFUSAL = "trial-page-refusal"
PAGE_OF = "trial-page-of"  # "page 1 of 1" beside the page field
SURVIVAL = "survival-figure"
SOURCES = "sources-list"

# The highlighted trial alone, cut from view-state (components/highlight.py).
HIGHLIGHT_STATE = "highlight-state"

# Graphs whose clicks select a trial (customdata[0] = trial_id).
CLICKABLE_GRAPHS = (FOREST, MEDIANS, RATES, HEATMAP, DOSE, DESIGN)

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

# Filter dropdowns whose options follow the session's data (bundled + uploads).
OPTION_FIELDS = ("disease", "agent", "trial", "phase", "setting", "status", "organ", "grade", "highlight", "surv_trial")


# Per-view slices of the view state (components/slices.py).
def view_state(panel_id: str) -> str:
    return f"{panel_id}-view-state"


def view_fields(panel_id: str) -> str:
    return f"{panel_id}-view-fields"
