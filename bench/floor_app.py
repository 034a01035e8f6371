"""Bench-only WSGI module: the real app plus two tiny Dash apps on the same Flask server.

    gunicorn --no-control-socket -c gunicorn.conf.py bench.floor_app:server

* `/`         the real dashboard (app.py, unchanged).
* `/floor/`   the floor: the view route at /floor/_evidence/view/<name>, answering the real
              answer, precomputed: at import, every view request of every bench scenario is run
              once through the real app (Flask test client) and kept. What is left per request
              is Flask's own dispatch, reading the body and JSON encoding of the same answer.
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

from dash import Dash, Input, Output, dcc, html  # noqa: E402
from flask import Response, request  # noqa: E402

import wsgi as dashboard  # noqa: E402  (builds the real app on DATA_DIR)
from bench import scenarios  # noqa: E402
from evidence import cache  # noqa: E402
from evidence.view_registry import VIEWS  # noqa: E402

server = dashboard.server
# The extra Dash app registers its routes on the Flask server when constructed, which Flask
# only allows before the server has answered a request: construct it first.
minimal = Dash(
    "bench_minimal", server=server, url_base_pathname="/minimal/", serve_locally=True, update_title=None,
    title="minimal", assets_folder=str(ROOT / "bench" / "no-assets"),
)
minimal.layout = html.Div([dcc.Store(id="go", data=1), dcc.Graph(id="graph")])
PRECOMPUTED: dict[str, bytes] = {}
_client = server.test_client()


def _real(name: str, body: dict) -> bytes:
    """The real app's answer to a view request (its JSON text)."""
    resp = _client.post(scenarios.view_path(name), json=body)
    if resp.status_code != 200:
        raise RuntimeError(f"real view {name} answered HTTP {resp.status_code}")
    return resp.get_data()


def precompute() -> None:
    # the page's first load (default state), then every interaction's changed views
    requests = scenarios.view_bodies(scenarios.ViewState().as_dict())
    requests += [item for name in scenarios.SCENARIOS for item in scenarios.interaction(name)]
    for name, body in requests:
        key = scenarios.body_key(name, body)
        if key not in PRECOMPUTED:
            PRECOMPUTED[key] = _real(name, body)


# ---------------------------------------------------------------- the floor


@server.post(scenarios.view_path("<name>", "/floor/"))
def _floor_view(name: str) -> Response:
    body = scenarios.canonical(request.get_json(silent=True, force=True) or {}, FACETS)
    key = scenarios.body_key(name, body)
    found = PRECOMPUTED.get(key)
    if found is None:
        found = PRECOMPUTED[key] = _real(name, body)
    return Response(found, mimetype="application/json")


@server.before_request
def _cold_caches():
    """`X-Bench-Cold: <view name>` empties this worker's caches of that one view before the
    request: how run.py times a cold answer for a view whose state cannot be varied without
    changing the answer (other views' caches are left alone)."""
    name = request.headers.get("X-Bench-Cold")
    if name in VIEWS:
        cache.clear({f"view:{name}", f"render:{VIEWS[name].graph_id}"})


# ---------------------------------------------------------------- a minimal one-graph app

_MINIMAL_FIGURE: dict = {}


@minimal.callback(Output("graph", "figure"), Input("go", "data"))
def _minimal_figure(_go):
    return _MINIMAL_FIGURE


LAYOUT = scenarios.layout_values(_client.get("/_dash-layout").get_json())
FACETS = scenarios.facet_values(LAYOUT)
precompute()
_default_forest = json.loads(PRECOMPUTED[scenarios.body_key(*next(
    item for item in scenarios.view_bodies(scenarios.ViewState().as_dict()) if item[0] == "forest"))])
_MINIMAL_FIGURE.update(dict(_default_forest["props"])["forest-figure"]["figure"])
