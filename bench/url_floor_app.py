"""Bench-only WSGI module: the browser floor, a one-graph Dash app whose figure follows the URL.

    gunicorn --no-control-socket -c gunicorn.conf.py bench.url_floor_app:server

What any Dash app pays when the URL changes (a copied link, back/forward): dcc.Location reads
the new query, one callback answers with a figure, plotly.js redraws one graph. The browser
section (bench/browser.py) times the dashboard's page load and URL-driven changes against this
app's, in the same run and the same browser, and reports the ratio.

The figure is forest-plot sized (eight rows with 95% CI whiskers, a log axis, labels, hover text
and a reference line) and built as a plain dict from the query: `endpoint` and `grade` move the
estimates, `disease` drops rows, `highlight` rings one row and dims the others (the floor has no
clientside restyle: it redraws, as a plain Dash app would). The numbers are made up and
deterministic; nothing here imports the dashboard, so this app starts in a second and does not
change when the dashboard does.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path
from urllib.parse import parse_qs

from dash import Dash, Input, Output, dcc, html
from flask import jsonify

ROWS = [  # (label, disease)
    ("Trial A", "breast cancer"), ("Trial B", "breast cancer"), ("Trial C", "breast cancer"),
    ("Trial D", "breast cancer"), ("Trial E", "renal cell carcinoma"), ("Trial F", "breast cancer"),
    ("Trial G", "renal cell carcinoma"), ("Trial H", "breast cancer"),
]

app = Dash(
    "bench_url_floor", serve_locally=True, update_title=None, title="one-graph floor",
    assets_folder=str(Path(__file__).resolve().parent / "no-assets"),
)
server = app.server
app.layout = html.Div([
    dcc.Location(id="url", refresh=False),
    html.H1("One graph that follows the URL", style={"fontSize": "20px"}),
    dcc.Graph(id="graph", style={"height": "460px"}),
])


def _unit(*parts: str) -> float:
    """A deterministic number in [0, 1) from the parts (crc32)."""
    return zlib.crc32("|".join(parts).encode()) / 2**32


def floor_figure(search: str | None) -> dict:
    """The floor's figure for a query string ('?endpoint=OS&highlight=Trial+B')."""
    query = parse_qs((search or "").lstrip("?"))
    endpoint = (query.get("endpoint") or ["PFS"])[-1]
    grade = (query.get("grade") or ["3-4"])[-1]
    diseases = set(query.get("disease") or [])
    highlight = (query.get("highlight") or [""])[-1]
    rows = [(label, disease) for label, disease in ROWS if not diseases or disease in diseases]
    hr = [math.exp(1.2 * _unit(label, endpoint, grade) - 0.6) for label, _ in rows]
    low = [h * math.exp(-0.2 - 0.4 * _unit(label, "low")) for h, (label, _) in zip(hr, rows)]
    high = [h * math.exp(0.2 + 0.4 * _unit(label, "high")) for h, (label, _) in zip(hr, rows)]
    labels = [label for label, _ in rows]
    chosen = [label == highlight for label in labels]
    point = {
        "type": "scatter", "mode": "markers+text", "x": hr, "y": labels,
        "text": [f"{h:.2f} [{lo:.2f}-{hi:.2f}]" for h, lo, hi in zip(hr, low, high)],
        "textposition": "middle right",
        "error_x": {"type": "data", "symmetric": False, "array": [hi - h for h, hi in zip(hr, high)],
                    "arrayminus": [h - lo for h, lo in zip(hr, low)]},
        "customdata": [[label, disease] for label, disease in rows],
        "hovertemplate": "%{customdata[0]} (%{customdata[1]})<br>HR %{x:.2f}<extra></extra>",
        "marker": {
            "size": [16 if c else 10 for c in chosen], "symbol": "square",
            "color": ["#E69F00" if c else "#0072B2" for c in chosen],
            "opacity": [1.0 if c or not highlight else 0.3 for c in chosen],
            "line": {"width": [3 if c else 0 for c in chosen], "color": "#E69F00"},
        },
        "name": f"{endpoint} hazard ratio",
    }
    return {
        "data": [point],
        "layout": {
            "title": {"text": f"{endpoint}: hazard ratio (95% CI), grade band {grade}"},
            "xaxis": {"type": "log", "title": {"text": "hazard ratio"}, "range": [-0.9, 0.9]},
            "yaxis": {"autorange": "reversed"},
            "shapes": [{"type": "line", "x0": 1, "x1": 1, "y0": 0, "y1": 1, "yref": "paper",
                        "line": {"dash": "dot", "color": "#555"}}],
            "margin": {"l": 90, "r": 30, "t": 50, "b": 50},
            "showlegend": False,
        },
    }


@app.callback(Output("graph", "figure"), Input("url", "search"))
def _follow_url(search):
    return floor_figure(search)


@server.get("/healthz")
@server.get("/readyz")
def _ready():
    return jsonify(status="ready")
