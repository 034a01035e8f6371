"""The view route (components/view_requests.py): what the browser POSTs for a view's slice, and
the 4xx a request the page never sends gets (never a 500). Values checked against the documents
(PASO report Table 2: HR 1.80 [1.02-3.20], p 0.041; E2100 N Engl J Med 2007: PFS HR 0.60)."""

from __future__ import annotations

import json

import pytest

from components import ids, view_requests
from evidence.state import query_rules


@pytest.fixture(scope="module")
def client(data):
    from app import create_app
    from config import Settings

    return create_app(Settings(export_enabled=False), data).server.test_client()


def post(client, name: str, body) -> object:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(f"/_evidence/view/{name}", data=data, content_type="application/json")


def test_the_forest_answer_holds_the_published_hazard_ratios(client):
    answer = post(client, "forest", {"slice": {"endpoint": "PFS"}, "upload": None}).get_json()
    figure = dict(answer["props"])[ids.FOREST]["figure"]
    texts = json.dumps(figure, ensure_ascii=False)
    assert "1.80 [1.02–3.20]" in texts and "0.041" in texts and "0.60" in texts
    assert dict(answer["text"])[ids.caption(ids.FOREST)].startswith("Sources: PASO trial report")
    pool = dict(answer["props"])[ids.FILTERS["pool"]]["options"]
    assert pool[0]["value"] == "pool"


def test_a_slice_is_read_with_the_view_states_rules(client):
    """Unknown values fall back to defaults and text is cut, as for a link: the answer equals the
    default's; fields the view does not read are ignored."""
    default = post(client, "forest", {"slice": {}, "upload": None}).get_json()
    odd = post(client, "forest", {"slice": {"endpoint": ["<b>x</b>", 1], "grade": "all", "tox_top": 3, "nonsense": "y" * 5000},
                                  "upload": None}).get_json()
    assert odd == default
    long_trial = post(client, "answers", {"slice": {"trial": ["z" * (query_rules()["max_text"] + 50)]}, "upload": None}).get_json()
    cards = json.loads(dict((a[0], a[2]) for a in long_trial["attrs"])[ids.ANSWER_CARDS])
    assert cards["cards"] == [] and cards["empty"].startswith("No trial matches")


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"not json", "the body is not a JSON object"),
        ([1, 2], "the body is not a JSON object"),
        ({"upload": None}, "`slice` is missing or not an object"),
        ({"slice": [1], "upload": None}, "`slice` is missing or not an object"),
        ({"slice": {}, "upload": "abc"}, "`upload` is not an object or null"),
    ],
)
def test_a_malformed_body_is_a_400_naming_the_problem(client, body, reason):
    response = post(client, "forest", body)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def test_unknown_views_large_bodies_and_other_methods_are_refused(client):
    assert post(client, "no-such-view", {"slice": {}, "upload": None}).status_code == 404
    big = {"slice": {"trial": ["x" * 100] * 1000}, "upload": None}
    assert len(json.dumps(big)) > view_requests.MAX_BODY_BYTES
    assert post(client, "forest", big).status_code == 413
    assert client.get("/_evidence/view/forest").status_code == 404  # only POST is a view request


def test_a_view_reading_only_bundled_data_ignores_the_upload_reference(client):
    """The what-if reads no trial data: a (stale) upload reference changes nothing."""
    plain = post(client, "what_if", {"slice": {"ramp_start": 200}, "upload": None}).get_json()
    with_ref = post(client, "what_if", {"slice": {"ramp_start": 200}, "upload": {"upload": "gone", "session": "x"}}).get_json()
    assert plain == with_ref and dict(plain["text"])["what-if-note"]


def test_texts_are_plain_strings_and_data_attributes_json(client):
    """What the browser sets as text is a string (set as textContent, never markup), what it sets
    as a data attribute a JSON string (read by its own drawing code)."""
    for name in ("forest", "toxicity", "answers", "what_if", "survival"):
        answer = post(client, name, {"slice": {}, "upload": None}).get_json()
        assert all(isinstance(text, str) for _, text in answer["text"])
        assert all(name.startswith("data-") and json.loads(value) is not None for _, name, value in answer["attrs"])


def test_what_the_browser_sets_directly_dash_never_writes(data):
    """Texts and data attributes of the answers are set on the elements by the browser (no Dash
    prop): each element is in the layout with at most a first text as children and none of those
    attributes, and no callback writes it, so React never undoes what the browser set."""
    from app import create_app
    from config import Settings

    app = create_app(Settings(export_enabled=False), data)
    client = app.server.test_client()
    components = {c.id: c for c in app.layout._traverse() if getattr(c, "id", None)}
    written = {o.split("@")[0] for c in app._callback_list for o in c["output"].strip(".").split("...")}
    targets = set()
    for name in ("forest", "toxicity", "answers", "what_if", "medians", "survival"):
        answer = post(client, name, {"slice": {}, "upload": None}).get_json()
        for element, _text in answer["text"]:
            assert isinstance(getattr(components[element], "children", None), (str, type(None))), element
            assert f"{element}.children" not in written, element
            targets.add(element)
        for element, attribute, _value in answer["attrs"]:
            assert getattr(components[element], attribute, None) is None, (element, attribute)
            assert f"{element}.{attribute}" not in written, element
            targets.add(element)
    assert {ids.caption(ids.FOREST), ids.POOL_HINT, ids.SELECTION_TEXT, ids.PAGE_OF, ids.ANSWER_CARDS, ids.HEATMAP} <= targets
