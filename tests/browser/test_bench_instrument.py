"""The browser bench's idea of activity (bench/browser.py INSTRUMENT), in Chromium: what it counts
as a change inside a plot, and what it lets pass as changing nothing."""

from __future__ import annotations

import pytest

from bench.browser import INSTRUMENT

PAGE = "<html><body><div id='graph' class='js-plotly-plot'><svg class='main-svg'><g id='cell'></g></svg></div></body></html>"


@pytest.fixture
def bench_page(chromium_browser):
    context = chromium_browser.new_context()
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    page.set_content(PAGE)
    yield page
    context.close()


def mutations_after(page, script: str) -> int:
    """How many changes the instrument counted for `script`, run as one task."""
    return page.evaluate(
        "async (script) => { const before = window.__bench.mutations; (new Function(script))();"
        " await new Promise(r => setTimeout(r, 50)); return window.__bench.mutations - before; }",
        script,
    )


def test_a_class_set_and_cleared_in_one_task_is_not_activity(bench_page):
    # dcc.Graph's resize check: classList.add('dash-graph--pending') ... remove, one task
    toggle = "const g = document.getElementById('graph'); g.classList.add('dash-graph--pending');" \
             " g.classList.remove('dash-graph--pending');"
    assert mutations_after(bench_page, toggle) == 0
    # as dcc.Graph does it: cleared in a promise callback, after the observer saw the class set
    later = "const g = document.getElementById('graph'); g.classList.add('dash-graph--pending');" \
            " Promise.resolve().then(() => {}).finally(() => g.classList.remove('dash-graph--pending'));"
    assert mutations_after(bench_page, later) == 0


def test_a_change_that_stays_is_activity(bench_page):
    assert mutations_after(bench_page, "document.getElementById('graph').classList.add('dash-graph--pending');") == 1
    assert mutations_after(bench_page, "document.getElementById('cell').setAttribute('fill', 'red');") == 1
    added = "document.getElementById('cell').appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'rect'));"
    assert mutations_after(bench_page, added) == 1
    set_back_later = "const g = document.getElementById('graph'); g.classList.add('x');" \
                     " setTimeout(() => g.classList.remove('x'), 20);"  # set back 20 ms later: both count
    assert mutations_after(bench_page, set_back_later) == 2
    # set back, but with another attribute changed in the same task: still activity
    both = "const g = document.getElementById('graph'); g.classList.add('x'); g.classList.remove('x');" \
           " document.getElementById('cell').setAttribute('opacity', '0.5');"
    assert mutations_after(bench_page, both) == 1


def test_changes_outside_plots_are_not_counted(bench_page):
    outside = "const p = document.createElement('p'); p.textContent = 'caption'; document.body.appendChild(p);"
    assert mutations_after(bench_page, outside) == 0


def test_an_answer_arrives_when_the_page_reads_it_not_after_what_the_page_draws_with_it(bench_page):
    """Dash reads the body (json()) and draws with it in the same task; the bench's own copy of the
    body is read later, behind that draw, and counted the answer as arriving after it."""
    bench_page.route("http://bench.test/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    bench_page.route("**/_dash-update-component", lambda route: route.fulfill(json={"response": {}}))
    bench_page.goto("http://bench.test/")
    timing = bench_page.evaluate(
        "async () => { const B = window.__bench;"
        " const response = await fetch('/_dash-update-component', {method: 'POST', body: JSON.stringify({output: 'g.figure'})});"
        " const body = await response.json(); const read = performance.now();"
        " while (performance.now() - read < 150) {}"  # the draw, 150 ms on the main thread
        " await new Promise(r => setTimeout(r, 50));"
        " return {read, answered: B.lastAnswer, pending: B.pending, updates: B.updates}; }"
    )
    assert timing["pending"] == 0 and timing["updates"] == 1
    assert timing["answered"] <= timing["read"] + 1  # not 150 ms later


def test_redux_actions_are_counted_once_each_and_a_thunk_by_what_it_dispatches(bench_page):
    """Each plain action runs every mounted component's selector: the bench reports how many a
    change sends through Dash's store (README "Session 18")."""
    counted = bench_page.evaluate(
        "() => { const seen = []; const store = {getState: () => ({callbacks: {}}),"
        " dispatch(action) { if (typeof action === 'function') return action(store.dispatch); seen.push(action.type); }};"
        " window.dash_stores = [store]; const B = window.__bench; B.hookStores(); B.hookStores();"
        " const before = B.dispatches;"
        " store.dispatch({type: 'ON_PROP_CHANGE'});"
        " store.dispatch(dispatch => { dispatch({type: 'A'}); dispatch({type: 'B'}); });"
        " return {counted: B.dispatches - before, reached: seen.length}; }"
    )
    assert counted == {"counted": 3, "reached": 3}


def test_a_view_request_counts_as_a_callback_named_by_its_view(bench_page):
    """The views' data come from the view route (components/view_requests.py), outside Dash's
    callback chain: the bench counts each such request as pending until read, and names it."""
    bench_page.route("http://bench.test/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    bench_page.route("**/_evidence/view/*", lambda route: route.fulfill(json={"text": [], "attrs": [], "props": []}))
    bench_page.goto("http://bench.test/")
    seen = bench_page.evaluate(
        "async () => { const B = window.__bench; const sent = B.sent;"
        " const answer = fetch('/_evidence/view/forest', {method: 'POST', body: '{}'});"
        " const pending = B.pending; await (await answer).json();"
        " return {pending, after: B.pending, sent: B.sent - sent, updates: B.updates, outputs: B.outputs}; }"
    )
    assert seen == {"pending": 1, "after": 0, "sent": 1, "updates": 1, "outputs": ["view forest"]}
