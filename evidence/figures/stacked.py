"""Some of a stacked-panel figure's panels as a figure of their own, drawn at the same scale.

A figure of vertically stacked panels (one x/y axis pair each, as make_subplots lays them out)
is cut so the screen can draw each part when it is seen: the parts keep every panel's height in
px, their traces, labels and lines, and the bottom panel's axis title. Axis names are renumbered
from the top ("y2", "y3" kept become "y", "y2"); a note under the plot (paper y <= 0) goes with
every part. Plain figure dicts in and out; the figure given is not changed.
"""

from __future__ import annotations

import copy
import re

_AXIS_KEY = re.compile(r"^([xy])axis(\d*)$")


def _key_of(ref: str) -> str:
    """'y2' -> 'yaxis2'."""
    return ref[0] + "axis" + ref[1:]


def _renamed(ref: str | None, names: dict[str, str], default: str) -> str | None:
    """An xref/yref in the new numbering ('y2 domain' -> 'y domain'); None when it names an axis
    the part does not keep; a paper ref unchanged."""
    ref = ref or default
    if ref == "paper":
        return ref
    axis, _, suffix = ref.partition(" ")
    if axis not in names:
        return None
    return names[axis] + (" " + suffix if suffix else "")


def panels_figure(spec: dict, y_refs: list[str], top_margin: int | None = None) -> dict:
    """The panels of `spec` on the y axes `y_refs` (e.g. ["y2", "y3"]) as one figure of their own.
    `top_margin`: px above the first kept panel (default: the figure's own, for its first panel
    whose key sits there)."""
    layout = spec["layout"]
    kept = sorted(y_refs, key=lambda ref: -layout[_key_of(ref)]["domain"][1])
    names: dict[str, str] = {}
    for n, y_ref in enumerate(kept):
        suffix = "" if n == 0 else str(n + 1)
        names[y_ref] = "y" + suffix
        names[layout[_key_of(y_ref)].get("anchor") or "x"] = "x" + suffix
    low = layout[_key_of(kept[-1])]["domain"][0]
    high = layout[_key_of(kept[0])]["domain"][1]
    margin = dict(layout.get("margin") or {})
    plot_px = (layout["height"] - margin["t"] - margin["b"]) * (high - low)

    def paper_y(y: float) -> float:
        return round((y - low) / (high - low), 4)

    def moved(item: dict) -> dict | None:
        """An annotation or shape in the new numbering; None when it is not in the part."""
        out = copy.deepcopy(item)
        for field, default in (("xref", "x"), ("yref", "y")):
            ref = _renamed(item.get(field), names, default)
            if ref is None:
                return None
            out[field] = ref
        if out["yref"] == "paper" and "y" in out:
            if out["y"] <= 0 and out.get("yanchor") == "top":
                return out  # a note under the plot
            if not low - 1e-9 <= out["y"] <= high + 1e-9:
                return None
            out["y"] = paper_y(out["y"])
        return out

    traces = [t for t in (_trace(t, names) for t in spec.get("data", [])) if t is not None]
    part = {k: copy.deepcopy(v) for k, v in layout.items() if not _AXIS_KEY.match(k)}
    part["annotations"] = [a for a in map(moved, layout.get("annotations") or []) if a is not None]
    part["shapes"] = [s for s in map(moved, layout.get("shapes") or []) if s is not None]
    lowest_y = min((k for k in layout if _AXIS_KEY.match(k) and k[0] == "y"), key=lambda k: layout[k]["domain"][0])
    bottom_x = layout.get(_key_of(layout[lowest_y].get("anchor") or "x")) or {}
    for old, new in names.items():
        axis = copy.deepcopy(layout[_key_of(old)])
        if "anchor" in axis:
            axis["anchor"] = names.get(axis["anchor"], axis["anchor"])
        if "matches" in axis:
            if axis["matches"] in names:
                axis["matches"] = names[axis["matches"]]
            else:
                del axis["matches"]
        if new[0] == "y":
            axis["domain"] = [paper_y(axis["domain"][0]), paper_y(axis["domain"][1])]
        part[_key_of(new)] = axis
    last_x = _key_of(names[layout[_key_of(kept[-1])].get("anchor") or "x"])
    part[last_x]["showticklabels"] = True
    if bottom_x.get("title"):
        part[last_x]["title"] = copy.deepcopy(bottom_x["title"])
    if top_margin is not None:
        margin["t"] = top_margin
    part["margin"] = margin
    part["height"] = round(plot_px + margin["t"] + margin["b"])
    return {**{k: v for k, v in spec.items() if k not in ("data", "layout")}, "data": traces, "layout": part}


def _trace(trace: dict, names: dict[str, str]) -> dict | None:
    """A trace in the new numbering, None when it is drawn on a panel the part does not keep."""
    x_ref = _renamed(trace.get("xaxis"), names, "x")
    y_ref = _renamed(trace.get("yaxis"), names, "y")
    if x_ref is None or y_ref is None:
        return None
    out = copy.deepcopy(trace)
    for field, ref, default in (("xaxis", x_ref, "x"), ("yaxis", y_ref, "y")):
        if ref == default:
            out.pop(field, None)
        else:
            out[field] = ref
    return out
