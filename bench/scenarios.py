"""Callback request bodies for /_dash-update-component, built from /_dash-dependencies.

Bodies have the exact shape the Dash 4 renderer sends (checked once against a Playwright capture:
output, outputs, inputs, changedPropIds, parsedChangedPropsIds; inputs without a value carry no
"value" key). An interaction is a control change or click that the browser turns into the new
view state itself (assets/state.js, whose Python original is components/sync.next_state: no
request), followed by the view callbacks whose slice of the state changed: each view reads its
own Store holding the state fields it uses, which a clientside function (assets/slices.js,
mirrored here by `slice_of`) fills from the `view-state` Store only when that slice changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from components import ids
from components.slices import slice_state
from components.sync import next_state, state_to_controls
from evidence.state import ViewState, parse_query

UPDATE = "_dash-update-component"

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


def callback_name(dep: dict) -> str:
    """A callback by its first output's component (a figure callback: the graph's id)."""
    return split_output(dep["output"])[0]["id"]


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


def _entries(items: list[dict], values: dict[str, object], layout: dict[str, object]) -> list[dict]:
    out = []
    for item in items:
        entry = {"id": item["id"], "property": item["property"]}
        key = f"{item['id']}.{item['property']}"
        if key in values and (values[key] is not None or item["property"] == "value"):
            entry["value"] = values[key]
        elif key not in values and key in layout:
            entry["value"] = layout[key]
        out.append(entry)
    return out


def _body(dep: dict, values: dict[str, object], changed: list[str], layout: dict[str, object] | None = None) -> dict:
    layout = layout or {}
    body = {
        "output": dep["output"],
        "outputs": renderer_outputs(dep["output"]),
        "inputs": _entries(dep["inputs"], values, layout),
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }
    if dep.get("state"):
        body["state"] = _entries(dep["state"], values, layout)
    return body


SLICE_SUFFIX = ids.view_state("")


def _slice_input(dep: dict) -> str | None:
    """The per-view state Store a callback reads, if any."""
    return next((i["id"] for i in dep["inputs"] if i["id"].endswith(SLICE_SUFFIX) and i["property"] == "data"), None)


def store_deps(deps: list[dict]) -> list[dict]:
    """Callbacks driven by the view state (through their slice Store), in dependency order."""
    return [d for d in deps if _slice_input(d)]


def slice_of(dep: dict, state: dict, layout: dict[str, object]) -> dict:
    """The slice of `state` that assets/slices.js gives this callback (fields from the layout)."""
    panel = _slice_input(dep)[: -len(SLICE_SUFFIX)]
    return slice_state(state, layout[f"{ids.VIEW_FIELDS}.data"][panel + SLICE_SUFFIX])


def default_values(state: ViewState | None = None) -> dict[str, object]:
    """Control values as the page holds them for a state (URL, reset, controls)."""
    state = state or ViewState()
    values: dict[str, object] = {f"{ids.URL}.search": state.to_query(), f"{ids.RESET}.n_clicks": 0}
    for component, value in zip(ids.FILTERS.values(), state_to_controls(state)):
        values[f"{component}.value"] = value
    return values


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


def store_bodies(deps: list[dict], state: dict, layout: dict[str, object],
                 before: dict | None = None) -> list[tuple[str, dict]]:
    """(callback name, body) for every state-driven callback, its slice of `state` as input
    (other inputs as the layout holds them); with `before` (the previous state), only the
    callbacks whose slice changed, as in the browser."""
    out = []
    for dep in store_deps(deps):
        sliced = slice_of(dep, state, layout)
        if before is not None and slice_of(dep, before, layout) == sliced:
            continue
        key = f"{_slice_input(dep)}.data"
        out.append((callback_name(dep), _body(dep, {key: sliced}, [key], layout)))
    return out


def interaction(deps: list[dict], scenario: str, post: Callable[[dict], bytes] | None = None,
                state: ViewState | None = None, layout: dict[str, object] | None = None) -> list[tuple[str, dict]]:
    """[(callback name, body)] for one interaction: each Store callback whose slice the new state
    (computed in the browser, `scenario_state`) changed. `post` is not called any more (the state
    used to come from a server callback). `layout`: layout_values() of /_dash-layout, for inputs
    and states the interaction leaves alone."""
    before = (state or ViewState()).as_dict()
    return store_bodies(deps, scenario_state(scenario, state), layout or {}, before)


def body_key(body: dict) -> str:
    """Identity of a callback request (what its answer depends on)."""
    return json.dumps([body["output"], body["inputs"], body.get("changedPropIds")], sort_keys=True)


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


def _store_index(body: dict) -> int | None:
    for index, item in enumerate(body["inputs"]):
        if item["id"].endswith(SLICE_SUFFIX) and item["property"] == "data":
            return index
    return None


def bust(body: dict, k: int, facets: dict[str, list[str]]) -> dict:
    """A copy of a Store-driven body whose state is a new cache key meaning the same (see above)."""
    index = _store_index(body)
    orders = _bust_orders(facets)
    if index is None or not orders:
        return body
    state = dict(body["inputs"][index].get("value") or {})
    for facet, values in orders[k % len(orders)].items():
        if facet in state and not state.get(facet):
            state[facet] = values
    out = json.loads(json.dumps(body))
    out["inputs"][index]["value"] = state
    return out


def canonical(body: dict, facets: dict[str, list[str]]) -> dict:
    """Undo bust(): a facet listing every known value is 'all' (empty)."""
    index = _store_index(body)
    if index is None:
        return body
    state = body["inputs"][index].get("value") or {}
    changed = {f: [] for f, values in facets.items() if values and sorted(state.get(f) or []) == sorted(values)}
    if not changed:
        return body
    out = json.loads(json.dumps(body))
    out["inputs"][index]["value"] = {**state, **changed}
    return out
