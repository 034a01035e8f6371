"""The dashboard's own plotly.js (assets/plotly-evidence.min.js, built by scripts/plotly_bundle).

dcc.Graph uses `window.Plotly` when an asset has set it, so this bundle replaces the full plotly.js
(4.8 MB) that Dash would load on demand. It must be the version Dash would serve, and hold every
trace type a view draws: a missing one would leave that figure blank in the browser while the
slides (kaleido, its own plotly.js) still show it.
"""

from __future__ import annotations

import re
from pathlib import Path

import plotly
import pytest

from components.render import rendered
from evidence.state import ViewState
from evidence.view_registry import figure_views

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLE = REPO_ROOT / "assets" / "plotly-evidence.min.js"
ENTRY = REPO_ROOT / "scripts" / "plotly_bundle" / "entry.cjs"
DASH_PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# States that between them reach every kind of figure: the default, another endpoint and grade
# band with pooling, arm differences on the heatmap, one trial's survival, a what-if ramp, and nothing selected.
STATES = [
    ViewState(),
    ViewState(endpoint="OS", grade="all", pool=True, tox_mode="difference"),
    ViewState(trial=("PASO",), surv_trial="PASO", ramp_start=200, ramp_step=100, ramp_horizon=8),
    ViewState(disease=("no such disease",)),
]


def _registered() -> list[str]:
    """The trace modules entry.cjs registers, after plotly.js's core (which brings scatter)."""
    return re.findall(r"plotly\.js/lib/(\w+)'\)", ENTRY.read_text(encoding="utf-8"))


def _banner() -> str:
    return BUNDLE.read_text(encoding="utf-8").split("\n", 1)[0]


def test_the_bundle_is_the_plotly_js_version_dash_would_serve():
    served = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", DASH_PLOTLY.read_text(encoding="utf-8")[:300]).group(1)
    assert f"plotly.js v{served} " in _banner(), "rebuild it: cd scripts/plotly_bundle && npm ci && node build.mjs"
    assert f'"plotly.js": "{served}"' in (ENTRY.parent / "package.json").read_text(encoding="utf-8")


def test_the_bundle_holds_the_traces_its_entry_registers():
    registered = _registered()
    assert registered[0] == "core"
    assert f"(traces: {', '.join(['scatter', *registered[1:]])})" in _banner()


@pytest.mark.parametrize("state", STATES, ids=["default", "os-all-pooled-difference", "paso-ramp", "empty"])
def test_every_view_draws_only_trace_types_the_bundle_holds(data, state):
    bundled = {"scatter", *_registered()} - {"core"}
    drawn = {
        view.key: {trace.get("type", "scatter") for trace in rendered(view, data, state)[0].get("data", [])}
        for view in figure_views()
        if not view.drawn_in_browser  # the toxicity table: no plotly on screen (assets/heatmap_table.js)
    }
    assert {key: types - bundled for key, types in drawn.items() if types - bundled} == {}
    if state == STATES[0]:  # the default view draws each of them somewhere
        assert set().union(*drawn.values()) == bundled
