"""The views' data, fetched by the browser outside Dash's callback chain: one plain JSON route.

Every view (each figure, the trials grid, the heatmap table, the answer strip) used to be a Dash
callback on its slice Store. A Dash callback costs the renderer a dozen store dispatches before its
request leaves and more when it answers, and each dispatch runs the selector of every mounted
component (~290): a facet change (three views) spent ~40 ms of main thread between the state and
the requests (issue 13). Now the state callback cuts each view's slice (assets/slices.js) and the
browser POSTs it here, `<prefix>_evidence/view/<name>` with ``{"slice": {...}, "upload": <the
upload Store's reference>}``; the answer says what to set where (`_answer`: texts, data
attributes, Dash props), and assets/slices.js sets it, so the page shows it as if a callback had.

Served behind the same before_request hooks as every route (authentication, headers, gzip). A
slice is read with the view state's own rules (`ViewState.from_dict`: enumerations, limits, text
cut), restricted to the view's declared fields. A body that is not that shape, or too large, is a
4xx with one log line, never a 500. The answers are the views' cached renderings
(components/render.py), so the cache warm-up serves them too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import plotly.io.json as plotly_json
from dash import Dash
from flask import Response, request

from components import ids, paging
from components.answer_strip import CARDS_DATA, cards_data
from components.render import rendered
from components.slices import ANSWERS, FIELDS, READS_UPLOADS
from evidence import view_registry
from evidence.answers import answer_strip
from evidence.loading import CuratedData
from evidence.state import ViewState
from evidence.view_registry import VIEWS, View
from evidence.views import selection_summary
from security import MALFORMED_INPUT, bad_request, client_address, not_found

log = logging.getLogger(__name__)

ROUTE = "_evidence/view/"
"""Appended to the app's routes prefix, then the name of a slice (components/slices.py)."""
MAX_BODY_BYTES = 64 * 1024
"""A slice is under 2 KB and an upload reference under 200 bytes."""

TABLE_DATA = "data-table"
"""The attribute of a browser-drawn view's box holding its data (assets/heatmap_table.js reads it)."""


@dataclass(frozen=True)
class Answerer:
    """What one name answers: the state fields its slice holds, whether it reads this user's data
    (uploads) or only the bundled data, and (data, state) -> the props to set."""

    fields: tuple[str, ...]
    reads_data: bool
    answer: Callable[[CuratedData, ViewState], dict]


def _answer(pairs: list[tuple[str, str]], values) -> dict:
    """[(component, prop)] and their values -> what the browser sets, and how (assets/slices.js):

    - "text": [[element id, text]]: a text's `children` (captions, notes, hints), set as the
      element's textContent (never markup), not through Dash: each Dash prop set costs the
      renderer three store dispatches, each running every mounted component's selector;
    - "attrs": [[element id, attribute, value]]: a `data-*` attribute read by the browser's own
      drawing (the heatmap table, the answer cards), set on the element;
    - "props": [[component id, {prop: value}]]: what Dash's components must know (a figure and
      its config, a control's options or maximum), set with dash_clientside.set_props.

    Dash never gives the elements set as text other children than a first text in the layout, nor
    sets those attributes, and no callback writes them (components/layout.py;
    tests/unit/test_view_requests.py), so React never undoes what the browser set."""
    answer: dict[str, list] = {"text": [], "attrs": [], "props": []}
    props: dict[str, dict] = {}
    for (component, prop), value in zip(pairs, values):
        if prop == "children" and isinstance(value, str):
            answer["text"].append([component, value])
        elif prop.startswith("data-"):
            answer["attrs"].append([component, prop, value])
        else:
            props.setdefault(component, {})[prop] = value
    answer["props"] = [[component, values] for component, values in props.items()]
    return answer


def _figure_answer(view: View) -> Callable[[CuratedData, ViewState], dict]:
    """A figure view: its figure, caption and config (modebar download named for view and
    filters), its note if it has one; a view the browser draws itself: its data and caption. The
    forest also sets the 'Pool trials' control, which reads the forest's fields: one request."""
    if view.drawn_in_browser:  # a table the browser builds from its data (assets/heatmap_table.js)
        pairs = [(view.graph_id, TABLE_DATA), (ids.caption(view.graph_id), "children")]
    else:
        pairs = [(view.graph_id, "figure"), (ids.caption(view.graph_id), "children"), (view.graph_id, "config")]
    pairs += [(view.note_id, "children")] if view.note_id else []
    pool = view.key == "forest"
    pairs += [(ids.FILTERS["pool"], "options"), (ids.POOL_HINT, "children")] if pool else []

    def answer(data: CuratedData, state: ViewState) -> dict:
        values = rendered(view, data, state) + (tuple(view_registry.pool_control(data, state)) if pool else ())
        return _answer(pairs, values)

    return answer


def _grid_answer(data: CuratedData, state: ViewState) -> dict:
    """The trials grid's rows (the selection summary and page position come with the strip)."""
    return _answer([(ids.TRIAL_GRID, "rowData")], [VIEWS["overview"].panel(data, state)])


def _strip_answer(data: CuratedData, state: ViewState) -> dict:
    """The answer strip's cards (assets/answer_cards.js draws them), and what the filter panel
    shows on every tab: the selection summary and the page field's maximum and position
    (components/paging.py)."""
    cards = json.dumps(cards_data(answer_strip(data, state)), ensure_ascii=False, separators=(",", ":"))
    pages, position = paging.page_position(data, state)
    pairs = [(ids.ANSWER_CARDS, CARDS_DATA), (ids.SELECTION_TEXT, "children"), (ids.FILTERS["page"], "max"), (ids.PAGE_OF, "children")]
    return _answer(pairs, [cards, selection_summary(data, state), pages, position])


def answerers() -> dict[str, Answerer]:
    """Name -> what it answers: every view of the registry, and the answer strip."""
    answers = {key: _grid_answer if key == "overview" else _figure_answer(view) for key, view in VIEWS.items()}
    answers[ANSWERS] = _strip_answer
    return {name: Answerer(FIELDS[name], READS_UPLOADS[name], answer) for name, answer in answers.items()}


def slice_problem(body) -> str | None:
    """What is wrong with a view request's body (None: the shape assets/slices.js sends)."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if not isinstance(body.get("slice"), dict):
        return "`slice` is missing or not an object"
    if not isinstance(body.get("upload"), (dict, type(None))):
        return "`upload` is not an object or null"
    return None


def register_view_requests(app: Dash, bundled: CuratedData, session_data) -> None:
    """session_data: upload reference -> (this user's data, message), components.uploads.session_reader."""
    named = answerers()

    @app.server.post(app.config.routes_pathname_prefix + ROUTE + "<name>")
    def view_request(name: str) -> Response:
        answerer = named.get(name)
        if answerer is None:
            return not_found()
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return Response(f"Request too large: a view request is at most {MAX_BODY_BYTES} bytes.\n", 413, mimetype="text/plain")
        body = request.get_json(silent=True, force=True)  # whatever its content type says
        problem = slice_problem(body)
        try:
            if problem:
                raise ValueError(problem)
            state = ViewState.from_dict({f: body["slice"][f] for f in answerer.fields if f in body["slice"]})
            data = session_data(body["upload"])[0] if answerer.reads_data else bundled
        except MALFORMED_INPUT as err:
            log.warning("malformed view request from %s for %s: %s: %s", client_address(), name, type(err).__name__, str(err)[:200])
            return bad_request(f"malformed view request: {problem or 'the slice is not what the page sends'}.")
        answer = answerer.answer(data, state)  # a valid state: whatever raises here is a bug (500, logged)
        return Response(plotly_json.to_json_plotly(answer), mimetype="application/json")
