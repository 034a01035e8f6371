"""The requests of the bench's interactions: view requests (components/view_requests.py) and,
for the callbacks left in Dash, callback bodies for /_dash-update-component.

An interaction is a control change or click that the browser turns into the new view state
itself (assets/state.js, whose Python original is components/sync.next_state: no request),
followed by one request per view whose slice of the state changed (assets/slices.js, mirrored
here by `view_bodies`): POST `view_path(name)` with ``{"slice": ..., "upload": null}``. Callback
bodies have the exact shape the Dash 4 renderer sends (checked once against a Playwright capture:
output, outputs, inputs, changedPropIds, parsedChangedPropsIds; inputs without a value carry no
"value" key).
"""

from __future__ import annotations

import json

from components import ids
from components.slices import FIELDS, slice_state
from components.view_requests import ROUTE
from components.sync import next_state, state_to_controls
from evidence.state import ViewState, parse_query

# name -> (changed prop id, {control id: new value} or a click, description)
SCENARIOS: dict[str, dict] = {
    "filter": {
        "changed": f"{ids.FILTERS['agent']}.value",
        "controls": {ids.FILTERS["agent"]: ["sorafenib"]},
        "about": "filter change: agent = sorafenib",
    },
    "select": {
        "changed": f"{ids.FOREST}.clickData",
        "click": {ids.FOREST: {"points": [{"curveNumber": 0, "pointNumber": 0, "customdata": ["PASO", "B"]}]}},
        "about": "trial selection: click PASO on the forest plot",
    },
    "grade": {
        "changed": f"{ids.FILTERS['grade']}.value",
        "controls": {ids.FILTERS["grade"]: "all"},
        "about": "grade band: 3-4 -> all grades",
    },
    "ramp": {
        "changed": f"{ids.FILTERS['ramp_start']}.value",
        "controls": {ids.FILTERS["ramp_start"]: 200},
        "about": "what-if ramp: start dose 400 -> 200 mg",
    },
}


def split_output(output: str) -> list[dict]:
    """'..a.b...c.d..' -> [{'id': 'a', 'property': 'b'}, ...]; a single 'a.b' works too."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        out.append({"id": component, "property": prop})
    return out


def renderer_outputs(output: str) -> list[dict] | dict:
    """The `outputs` field Dash's renderer sends for a callback's `output` string: a list for
    several outputs, an object for one (security.py refuses the other shape)."""
    outputs = split_output(output)
    return outputs if output.startswith("..") else outputs[0]


def layout_values(layout) -> dict[str, object]:
    """{'component-id.prop': value} for every prop set on a component with an id in the layout
    (/_dash-layout JSON): what the renderer sends for an input nothing has changed yet."""
    found: dict[str, object] = {}

    def walk(node) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props") if "namespace" in node and "type" in node else None
            if isinstance(props, dict):
                if isinstance(props.get("id"), str):
                    for prop, value in props.items():
                        found.setdefault(f"{props['id']}.{prop}", value)
                    if node["type"] == "Store":  # the renderer sends a Store's unset data as null
                        found.setdefault(f"{props['id']}.data", None)
                for value in props.values():
                    walk(value)

    walk(layout)
    return found


def view_path(name: str, prefix: str = "/") -> str:
    """The path of view `name`'s requests under an app's prefix ("/floor/" for the floor)."""
    return prefix + ROUTE + name


def view_bodies(state: dict, before: dict | None = None) -> list[tuple[str, dict]]:
    """(view name, body) for every view (and the answer strip), its slice of `state`; with
    `before` (the previous state), only the views whose slice changed, as in the browser."""
    out = []
    for name, fields in FIELDS.items():
        sliced = slice_state(state, fields)
        if before is not None and slice_state(before, fields) == sliced:
            continue
        out.append((name, {"slice": sliced, "upload": None}))
    return out


def scenario_state(scenario: str, state: ViewState | None = None) -> dict:
    """The view state the browser writes for a scenario's control change or click (assets/state.js
    computes what components/sync.next_state does)."""
    spec = SCENARIOS[scenario]
    controls = {**dict(zip(ids.FILTERS.values(), state_to_controls(state or ViewState()))), **spec.get("controls", {})}
    trigger = spec["changed"].rsplit(".", 1)[0]
    return next_state(trigger, "", list(controls.values()), spec.get("click", {}))[0].as_dict()


def url_state(search: str) -> dict:
    """The view state the browser writes when the URL changes (page load, back/forward, a copied
    link): assets/state.js parses it as evidence.state.parse_query does."""
    return parse_query(search).as_dict()


def interaction(scenario: str, state: ViewState | None = None) -> list[tuple[str, dict]]:
    """[(view name, body)] for one interaction: each view whose slice the new state (computed in
    the browser, `scenario_state`) changed."""
    before = (state or ViewState()).as_dict()
    return view_bodies(scenario_state(scenario, state), before)


def body_key(name: str, body: dict) -> str:
    """Identity of a view request (what its answer depends on)."""
    return json.dumps([name, body], sort_keys=True)


# ---------------------------------------------------------------- cache misses on purpose
#
# The views are memoised per process on (data version, the state fields each view reads), so a
# body sent twice is answered from the cache the second time. To time the work a new state costs
# (what a user's filter change costs), `bust(body, k)` rewrites the Store value so that each k is
# a new cache key with the same meaning: facets that are empty ("all") in the state are set to
# every known value of that facet, in the k-th order (4! x 3! x 2! = 288 orders on the bundled
# data). Those facets are required columns, so "every value" selects exactly what "all" does;
# run.py checks that the answers are identical. `canonical()` undoes it (for the floor).

BUST_FACETS = ("status", "phase", "disease")


def facet_values(layout: dict[str, object]) -> dict[str, list[str]]:
    """Every value of the bust facets, from the filter dropdowns' options in the layout."""
    out = {}
    for facet in BUST_FACETS:
        options = layout.get(f"{ids.FILTERS[facet]}.options") or []
        out[facet] = [o["value"] if isinstance(o, dict) else o for o in options]
    return out


def _orders(facets: dict[str, list[str]]) -> list[dict[str, list[str]]]:
    import itertools

    per_facet = [list(itertools.permutations(values)) for values in facets.values() if len(values) > 1]
    names = [name for name, values in facets.items() if len(values) > 1]
    return [dict(zip(names, map(list, combo))) for combo in itertools.product(*per_facet)]


_ORDER_CACHE: dict[str, list] = {}


def bust_count(facets: dict[str, list[str]]) -> int:
    return len(_bust_orders(facets))


def _bust_orders(facets: dict[str, list[str]]) -> list[dict[str, list[str]]]:
    key = json.dumps(facets, sort_keys=True)
    if key not in _ORDER_CACHE:
        _ORDER_CACHE[key] = _orders(facets)
    return _ORDER_CACHE[key]


def bust(body: dict, k: int, facets: dict[str, list[str]]) -> dict:
    """A copy of a view request's body whose slice is a new cache key meaning the same (see above)."""
    orders = _bust_orders(facets)
    state = dict(body.get("slice") or {})
    changed = {facet: values for facet, values in (orders[k % len(orders)] if orders else {}).items()
               if facet in state and not state.get(facet)}
    return {**body, "slice": {**state, **changed}} if changed else body


def canonical(body: dict, facets: dict[str, list[str]]) -> dict:
    """Undo bust(): a facet listing every known value is 'all' (empty)."""
    state = body.get("slice") or {}
    changed = {f: [] for f, values in facets.items() if values and sorted(state.get(f) or []) == sorted(values)}
    return {**body, "slice": {**state, **changed}} if changed else body
