"""Empty traces kept for the browser's highlight restyle, so highlighting never changes the
number of traces.

assets/highlight.js highlights a trial with style attributes and layout shapes (rings under its
markers, bands across its rows), and splits a marker trace that mixes trials: the other trials'
part dimmed, the trial's part at full strength, so whiskers and labels dim with their markers.
Adding a trace would make Plotly.react redraw the whole figure as a new one; so each figure sent
to the browser carries, after every marker trace (without lines) naming several trials, an empty
*part* slot, which the restyle fills and clearing empties again. Exports draw the highlight on
the server (evidence/figures/marks.py halo_trace) and never see these slots.

Which traces name a trial mirrors highlight.js `trialsOf`: customdata rows whose first item is a
trial id, or a trace-level `meta.trial`.
"""

from __future__ import annotations

SLOT = "highlightSlot"
"""The key in a slot trace's `meta` ("part"), read by assets/highlight.js."""


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


def _slot(trace: dict) -> dict:
    """An empty scatter on the trace's axes: draws nothing, no legend, no hover."""
    slot = {"type": "scatter", "x": [], "y": [], "mode": "markers", "showlegend": False, "hoverinfo": "skip"}
    slot.update({axis: trace[axis] for axis in ("xaxis", "yaxis") if axis in trace})
    slot["meta"] = {SLOT: "part"}
    return slot


def with_highlight_slots(figure: dict) -> dict:
    """The figure with a part slot after each marker trace (without lines) naming several trials;
    the figure itself is not changed (returned as it is when it needs no slot)."""
    traces = figure.get("data") or []
    out = []
    for trace in traces:
        out.append(trace)
        if len(_trials(trace)) > 1 and _has_markers(trace) and "lines" not in (trace.get("mode") or ""):
            out.append(_slot(trace))
    return {**figure, "data": out} if len(out) > len(traces) else figure
