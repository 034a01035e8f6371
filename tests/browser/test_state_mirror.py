"""The browser's copy of the view-state rules (assets/state.js) agrees with the server's
(evidence/state.py, components/sync.py): the same queries, run in Chromium, give the same state,
the same canonical query, the same next state for a URL, reset, control or click, and the same
link notice. Driven by the same rules the app sends (components/state_sync.browser_rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from components import ids
from components.state_sync import browser_rules
from components.sync import controls_to_state, link_notice, next_state, state_to_controls
from evidence.state import ViewState, parse_query

STATE_JS = Path(__file__).resolve().parents[2] / "assets" / "state.js"

JUNK = "&".join(f"junk{i}=1" for i in range(199))

QUERIES = [
    "", None, "?", "??endpoint=OS", "?endpoint=OS&highlight=PASO", "?endpoint=DROP+TABLE", "?grade=5", "?grade=all",
    "?tox_top=100000", "?tox_top=abc", "?ramp_start=-50", "?ramp_horizon=0", "?tox_mode=<script>", "?tox_mode=difference",
    "?unknown=1&derived=0", "?tox_search=" + "x" * 500, "?trial=PASO&trial=E2100&trial=PASO", "?disease=breast+cancer",
    "?disease=breast%20cancer&agent=sorafenib&phase=3&setting=first-line&status=completed&organ=Made+up",
    "?highlight=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&endpoint=%3Cscript%3E&trial=NOPE",
    # percent-decoding: valid, invalid and truncated UTF-8, stray %, raw non-ASCII between escapes
    "?tox_search=%C3%A9t%C3%A9", "?tox_search=%C3%28", "?tox_search=%E2%82", "?tox_search=%F0%9F%98", "?tox_search=%FF%FE",
    "?tox_search=%ED%A0%80", "?tox_search=%zz%4", "?tox_search=%e2%82%ac", "?tox_search=caf%C3%A9%20%E2%82%AC",
    "?tox_search=é", "?tox_search=%C3é%A9", "?tox_search=a+b%2Bc", "?tox_search=%21%27%28%29%2A%7E+._-%26%3D%3F%23",
    "?tox_search=" + "%F0%9F%98%80" * 120, "?trial=" + "x" * 150 + "&trial=" + "y" * 3 + "&trial=" + "x" * 120,
    # whole numbers: int(float(text)) in Python
    "?tox_top=1e1", "?tox_top=+30", "?tox_top=%2030%20", "?tox_top=%0930%0A", "?tox_top=1_0", "?tox_top=1__0",
    "?tox_top=_10", "?tox_top=.9e2", "?tox_top=9.", "?tox_top=inf", "?tox_top=-Infinity", "?tox_top=nan",
    "?tox_top=1e400", "?tox_top=0x10", "?ramp_start=-0.5", "?tox_top=%EF%BC%93%EF%BC%90", "?tox_top=30.99",
    "?tox_top=%C2%A030", "?page=0", "?page=99999999999", "?page=3", "?ramp_step=1e1_0",
    "?ramp_horizon=24", "?ramp_horizon=25", "?ramp_horizon=12.7", "?ramp_cycles=5",
    # the shown tab: one of TABS, else the first
    "?tab=dosing", "?tab=sources&tab=survival", "?tab=Dosing", "?tab=nope", "?tab=",
    # booleans and repeated fields (the last of a single-valued field wins)
    "?derived=true", "?derived=True", "?derived=1", "?derived=yes", "?pool=1", "?pool=true&pool=0", "?endpoint=OS&endpoint=TTP",
    # malformed fields
    "?endpoint&grade=all", "?endpoint=&grade=all", "?=OS", "?endpoint==OS", "?a=1&&&grade=all", "?%65ndpoint=OS",
    "?endpoint=OS?grade=all", "?endpoint=os", "?ENDPOINT=OS", "?surv_trial=E2100&highlight=",
    # the 200-field limit
    "?" + JUNK + "&endpoint=OS", "?" + JUNK + "&junk=2&endpoint=OS", "?endpoint=OS&" + JUNK + "&grade=all&tox_top=9",
    "?" + "&" * 300 + "endpoint=OS",
]


@pytest.fixture(scope="module")
def js(chromium_browser):
    context = chromium_browser.new_context()
    page = context.new_page()
    page.goto("about:blank")
    page.add_script_tag(path=str(STATE_JS))
    yield lambda fn, *args: page.evaluate(f"(a) => window.dash_clientside.evidence_state.{fn}(...a)", list(args))
    context.close()


RULES = browser_rules()


def test_queries_parse_to_the_same_state_and_canonical_query(js):
    for query in QUERIES:
        expected = parse_query(query)
        state = js("parseQuery", query, RULES)
        assert state == expected.as_dict(), query
        assert js("toQuery", state, RULES) == expected.to_query(), query
        assert js("linkNotice", None, query, RULES) == link_notice(None, query), query


@pytest.mark.parametrize(
    "state",
    [
        ViewState(),
        ViewState(trial=("PASO", "E2100"), derived=False, highlight="E2100", grade="all", tox_top=40, pool=True),
        ViewState(disease=("breast cancer",), organ=("Gastrointestinal disorders",), tox_mode="difference",
                  tox_sort="soc", tox_search="neuro pathy & <b>'é'</b>", surv_trial="E2100", ramp_start=200,
                  ramp_step=100, ramp_horizon=24, page=2, endpoint="OS", tab="survival"),
    ],
)
def test_states_write_the_same_query_and_controls(js, state):
    assert js("toQuery", state.as_dict(), RULES) == state.to_query()
    assert js("parseQuery", state.to_query(), RULES) == state.as_dict()
    controls = state_to_controls(state)
    assert js("stateToControls", state.as_dict(), RULES) == controls
    assert js("controlsToState", controls, RULES) == controls_to_state(controls).as_dict()


FOREST_CLICK = {"points": [{"customdata": ["E2100", ""], "x": 0.6}]}
CLICKS = [
    None, {}, {"points": []}, {"points": [{"x": 1}]}, {"points": [{"customdata": "PASO"}]}, FOREST_CLICK,
    {"points": [{"customdata": [None]}]}, {"rowId": "PASO", "colId": "agent"}, {"rowId": ""},
]


@pytest.mark.parametrize(
    "trigger, search, state, clicks",
    [
        (None, "?endpoint=OS&highlight=PASO", ViewState(), {}),
        (ids.URL, "?grade=all&" + JUNK + "&x=1&y=2", ViewState(), {}),
        (ids.RESET, "?grade=all", ViewState(grade="all"), {}),
        (ids.FILTERS["grade"], "?grade=3", ViewState(grade="all"), {}),
        (ids.FILTERS["agent"], "", ViewState(agent=("sorafenib",), page=2), {}),
        (ids.FILTERS["endpoint"], "", ViewState(endpoint="OS", page=2), {}),
        (ids.FILTERS["pool"], "", ViewState(pool=True), {}),
        (ids.FILTERS["tab"], "", ViewState(tab="dosing", page=3), {}),
        (ids.FOREST, "", ViewState(), {ids.FOREST: FOREST_CLICK}),
        (ids.FOREST, "", ViewState(highlight="E2100"), {ids.FOREST: FOREST_CLICK}),
        *[(ids.TRIAL_GRID, "", ViewState(), {ids.TRIAL_GRID: click}) for click in CLICKS],
    ],
)
def test_the_next_state_agrees(js, trigger, search, state, clicks):
    controls = state_to_controls(state)
    expected, rewrite = next_state(trigger, search, controls, clicks)
    assert js("nextState", trigger, search, controls, clicks, RULES) == [expected.as_dict(), rewrite]
    assert js("linkNotice", trigger, search, RULES) == link_notice(trigger, search)
