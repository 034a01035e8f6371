"""A view as the browser receives it: figure JSON, caption, graph config (and note), cached.

The view route (components/view_requests.py) and the cache warm-up (components/warm.py) both
ask here, so a warmed state is a cache hit for the browser's request.
"""

from __future__ import annotations

import json
from datetime import date

from components import ids
from components.exports import panel_config
from evidence import cache
from evidence.figures.highlight_slots import with_highlight_slots
from evidence.loading import CuratedData
from evidence.state import ViewState
from evidence.view_memo import state_key
from evidence.view_registry import View


def rendered(view: View, data: CuratedData, state: ViewState) -> tuple:
    """(figure as plotly JSON, caption, config[, note]) for a figure view, cached like the view
    itself (evidence.cache, "render:<graph id>", keyed on data version, the view's fields and
    today: the config's download name carries the date); for a view the browser draws itself
    (`View.drawn_in_browser`), (its data as a JSON string, caption). A figure the highlight
    restyles carries empty slots for the parts it splits off (evidence/figures/highlight_slots.py),
    so its trace count never changes."""
    today = date.today()

    def compute() -> tuple:
        panel = view.panel(data, state)
        figure = panel.figure_json()
        if view.drawn_in_browser:  # its plain data as one JSON attribute (assets/heatmap_table.js)
            return (json.dumps(view.drawn_in_browser(figure), ensure_ascii=False, separators=(",", ":")), panel.caption)
        if view.graph_id in ids.HIGHLIGHTED_GRAPHS:  # restyled by a highlight: room for its split parts
            figure = with_highlight_slots(figure)
        out = (figure, panel.caption, panel_config(view.graph_id, state, panel.figure, data, today))
        return out + (panel.note,) if view.note_id else out

    key = (data.content_key, state_key(state, view.key_fields), today)
    # a tuple again: a shared cache (Redis) stores JSON and hands back a list
    return tuple(cache.get_or_compute(f"render:{view.graph_id}", key, compute))
