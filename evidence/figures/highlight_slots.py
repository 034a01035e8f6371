"""Empty traces kept for the browser's highlight restyle, so highlighting never changes the
number of traces.

assets/highlight.js highlights a trial by drawing an orange ring under its markers and, when a
trace mixes trials, by splitting it (the other trials' part dimmed, the trial's part at full
strength). Adding traces makes Plotly.react redraw the whole figure (a changed trace count is a
full replot); restyling traces in place is only a style and data update. So each figure sent to
the browser carries, beside every trace whose marks name a trial, an empty *ring* slot before it
(markers only) and an empty *part* slot after it (a marker trace mixing several trials), which
the restyle fills and clearing empties again. Exports draw the highlight on the server
(evidence/figures/marks.py halo_trace) and never see these slots.

Which traces name a trial mirrors highlight.js `trialsOf`: customdata rows whose first item is a
trial id, or a trace-level `meta.trial`.
"""

from __future__ import annotations

SLOT = "highlightSlot"
"""The key in a slot trace's `meta` ("ring" or "part"), read by assets/highlight.js."""


def _trials(trace: dict) -> set[str]:
    """The trial ids a trace's marks name (empty when none)."""
    if trace.get("type") == "heatmap":
        return set()
    rows = trace.get("customdata")
    if isinstance(rows, list):
        found = {r[0] for r in rows if isinstance(r, list | tuple) and r and isinstance(r[0], str) and r[0]}
        if found:
            return found
    meta = trace.get("meta")
    trial = meta.get("trial") if isinstance(meta, dict) else None
    return {trial} if isinstance(trial, str) and trial else set()


def _has_markers(trace: dict) -> bool:
    mode = trace.get("mode")
    return trace.get("type", "scatter") == "scatter" and (mode is None or "markers" in mode)


def _slot(trace: dict, kind: str) -> dict:
    """An empty scatter on the trace's axes: draws nothing, no legend, no hover."""
    slot = {"type": "scatter", "x": [], "y": [], "mode": "markers", "showlegend": False, "hoverinfo": "skip"}
    slot.update({axis: trace[axis] for axis in ("xaxis", "yaxis") if axis in trace})
    slot["meta"] = {SLOT: kind}
    return slot


def with_highlight_slots(figure: dict) -> dict:
    """The figure with a ring slot before each marker trace naming a trial and a part slot after
    each marker trace (without lines) naming several; the figure itself is not changed. A figure
    with a heatmap gets none (its highlight is an outline in the layout, no ring)."""
    traces = figure.get("data") or []
    if any(t.get("type") == "heatmap" for t in traces):
        return figure
    out = []
    for trace in traces:
        trials = _trials(trace)
        markers = bool(trials) and _has_markers(trace)
        if markers:
            out.append(_slot(trace, "ring"))
        out.append(trace)
        if markers and len(trials) > 1 and "lines" not in (trace.get("mode") or ""):
            out.append(_slot(trace, "part"))
    return {**figure, "data": out}
