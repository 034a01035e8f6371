"""Bench-only WSGI module: the real app plus two tiny Dash apps on the same Flask server.

    gunicorn --no-control-socket -c gunicorn.conf.py bench.floor_app:server

* `/`         the real dashboard (app.py, unchanged).
* `/floor/`   the floor: one Dash app whose callbacks have exactly the real callbacks' outputs
              and inputs (so the same request body can be POSTed to /floor/_dash-update-component)
              and return the real answer, precomputed: at import, every request of every bench
              scenario is run once through the real app (Flask test client) and kept. What is
              left per request is Dash's own dispatch and JSON encoding of the same figure JSON.
              A body that was not precomputed is forwarded once and then kept (per worker).
              Bodies made cache-missing by scenarios.bust() are mapped back (canonical()) to
              the precomputed answer of the state they mean.
* `/minimal/` a minimal one-graph Dash app (one Store -> one Graph callback returning the
              precomputed default forest figure), for page weight and first-render comparisons.

Imported once in the gunicorn master (preload_app), so the precomputed answers are shared by
the workers. Nothing here changes app.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dash import Dash, Input, Output, State, dcc, html, no_update  # noqa: E402
from flask import request  # noqa: E402

import wsgi as dashboard  # noqa: E402  (builds the real app on DATA_DIR)
from bench import scenarios  # noqa: E402
from components import slices  # noqa: E402
from evidence import cache  # noqa: E402

server = dashboard.server
# Both extra Dash apps register their routes on the Flask server when constructed, which Flask
# only allows before the server has answered a request: construct them first.
floor = Dash(
    "bench_floor", server=server, url_base_pathname="/floor/", serve_locally=True, update_title=None,
    assets_folder=str(ROOT / "bench" / "no-assets"),
)
minimal = Dash(
    "bench_minimal", server=server, url_base_pathname="/minimal/", serve_locally=True, update_title=None,
    title="minimal", assets_folder=str(ROOT / "bench" / "no-assets"),
)
floor.layout = html.Div(id="floor-root")
minimal.layout = html.Div([dcc.Store(id="go", data=1), dcc.Graph(id="graph")])
# The real app's callback list, as /_dash-dependencies serves it (read directly: the floor's
# callbacks must be registered before the server answers its first request).
# Clientside callbacks (the per-view state slices) run in the browser: the floor has none either.
# Pattern-matching callbacks (the upload card's Share / Remove buttons, one per uploaded trial)
# are left out: no scenario clicks them, and their ids (JSON objects) cannot be copied as strings.


def _timed(dep: dict) -> bool:
    """A server callback the floor copies: not clientside, no pattern-matching id."""
    ids = [dep["output"], *(i["id"] for i in dep["inputs"]), *(s["id"] for s in dep.get("state", []))]
    if dep["output"].endswith(".id"):  # Dash's own cancel callback of a background job (export
        return False  # Cancel), registered at the first request, which no scenario clicks
    return not dep.get("clientside_function") and not any(isinstance(i, dict) or str(i).startswith("{") for i in ids)


DEPENDENCIES: list[dict] = [
    {"output": d["output"], "inputs": d["inputs"], "state": d.get("state", [])}
    for d in dashboard.app._callback_list
    if _timed(d)
]
PRECOMPUTED: dict[str, dict] = {}
_client = server.test_client()


def _real(body: dict) -> dict:
    """The real app's answer to a callback body ({component: {prop: value}})."""
    resp = _client.post("/" + scenarios.UPDATE, json=body)
    if resp.status_code == 204:
        return {}
    if resp.status_code != 200:
        raise RuntimeError(f"real callback {body['output'][:60]} answered HTTP {resp.status_code}")
    return json.loads(resp.data)["response"]


def _post(body: dict) -> bytes:
    answer = _real(body)
    PRECOMPUTED[scenarios.body_key(body)] = answer
    return json.dumps({"multi": True, "response": answer}).encode()


def precompute() -> None:
    for name in scenarios.SCENARIOS:
        for _, body in scenarios.interaction(DEPENDENCIES, name, _post, layout=LAYOUT):
            if scenarios.body_key(body) not in PRECOMPUTED:
                _post(body)
    # the page's first load (default state) too
    first = scenarios.store_bodies(DEPENDENCIES, scenarios.ViewState().as_dict(), LAYOUT)
    for _, body in first:
        _post(body)


# ---------------------------------------------------------------- the floor


def _floor_callback(dep: dict) -> None:
    outputs = scenarios.split_output(dep["output"])

    def answer(*_args):
        body = scenarios.canonical(request.get_json(silent=True) or {}, FACETS)
        key = scenarios.body_key(body)
        found = PRECOMPUTED.get(key)
        if found is None:
            found = PRECOMPUTED[key] = _real(body)
        answers = [found.get(o["id"], {}).get(o["property"], no_update) for o in outputs]
        return answers if several else answers[0]

    # a callback of one output is registered as one (its requests name "id.prop", not "..id.prop..")
    several = dep["output"].startswith("..")
    declared = [Output(o["id"], o["property"]) for o in outputs]
    floor.callback(
        declared if several else declared[0],
        [Input(i["id"], i["property"]) for i in dep["inputs"]],
        [State(i["id"], i["property"]) for i in dep.get("state", [])],
    )(answer)


for _dep in DEPENDENCIES:
    _floor_callback(_dep)


@server.before_request
def _cold_caches():
    """`X-Bench-Cold: <graph id>` empties this worker's caches of that one view before the
    request: how run.py times a cold answer for a callback whose state cannot be varied without
    changing the answer (other views' caches are left alone)."""
    graph_id = request.headers.get("X-Bench-Cold")
    if graph_id in slices.SLICES:
        cache.clear({f"view:{slices.SLICES[graph_id]}", f"render:{graph_id}"})


# ---------------------------------------------------------------- a minimal one-graph app

_MINIMAL_FIGURE: dict = {}


@minimal.callback(Output("graph", "figure"), Input("go", "data"))
def _minimal_figure(_go):
    return _MINIMAL_FIGURE


_served = [d for d in _client.get("/_dash-dependencies").get_json() if _timed(d)]
assert [(d["output"], d["inputs"]) for d in _served] == [(d["output"], d["inputs"]) for d in DEPENDENCIES], (
    "the callback list read from the app differs from /_dash-dependencies"
)
LAYOUT = scenarios.layout_values(_client.get("/_dash-layout").get_json())
FACETS = scenarios.facet_values(LAYOUT)
precompute()
_default_forest = next(b for n, b in scenarios.store_bodies(DEPENDENCIES, scenarios.ViewState().as_dict(), LAYOUT)
                       if n == "forest-figure")
_MINIMAL_FIGURE.update(PRECOMPUTED[scenarios.body_key(_default_forest)]["forest-figure"]["figure"])
