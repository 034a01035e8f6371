"""A shared link naming an uploaded trial in a facet (the Trial filter): its owner opening it in a
new tab gets the trial chosen and drawn, even when the uploads' options reach the page late; another
person opening it is told the trial is not in the data they can see, and the curated views draw."""

from __future__ import annotations

import pytest

from evidence.upload import example_files
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard import figure, query, show_tab, wait_for_figure, wait_for_trial_rows

SLOW_OPTIONS_JS = """(() => { const original = window.fetch;
  window.fetch = function (url, init) {
    const call = original.apply(this, arguments);
    const body = init && typeof init.body === 'string' ? init.body : '';
    if (!body.includes('filter-trial.options')) return call;
    return call.then(r => new Promise(done => setTimeout(() => done(r), 3000)));
  }; })()"""
"""The filter options' answer held back 3 s in the page (a loaded server): the link's trial must
not depend on the options arriving before the Trial filter is set."""


@pytest.fixture(scope="module")
def base_url(live_server, tmp_path_factory):
    return live_server(env={"STATE_DIR": tmp_path_factory.mktemp("state")})


def _upload_example(page, tmp_path):
    paths = []
    for name, content in example_files().items():
        if name != "survival_ipd":
            (tmp_path / f"{name}.csv").write_bytes(content)
            paths.append(str(tmp_path / f"{name}.csv"))
    show_tab(page, "uploads")
    page.locator("#upload-tables input[type=file]").set_input_files(paths)
    page.locator("#upload-status").get_by_text("Private to you until you share them").wait_for(timeout=30000)


def _link_choosing_the_uploaded_trial(page, base_url, tmp_path) -> str:
    """Upload the template's example trial, choose it in the Trial filter; the page's URL."""
    page.goto(base_url)
    wait_for_figure(page, "forest-figure", lambda f: "PASO" in f["trials"])
    _upload_example(page, tmp_path)
    show_tab(page, "efficacy")
    wait_for_figure(page, "forest-figure", lambda f: "EXAMPLE-TRIAL" in f["trials"])
    page.locator("#filter-trial").click()
    page.get_by_role("option", name="EXAMPLE-TRIAL (example drug, phase 2)", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search === '?trial=EXAMPLE-TRIAL'", timeout=30000)
    return page.url


def test_the_owner_opening_a_link_to_an_uploaded_trial_gets_it_chosen_and_drawn(page, base_url, tmp_path):
    link = _link_choosing_the_uploaded_trial(page, base_url, tmp_path)
    opened = page.context.new_page()  # same browser, same anonymous cookie; a new tab's session
    opened.console_errors = []
    opened.on("console", lambda m: opened.console_errors.append(m.text) if m.type == "error" else None)
    opened.add_init_script(SLOW_OPTIONS_JS)
    opened.goto(link)
    forest = wait_for_figure(opened, "forest-figure", lambda f: f["trials"] == ["EXAMPLE-TRIAL"])
    assert forest["trials"] == ["EXAMPLE-TRIAL"]
    opened.locator("#filter-trial").get_by_text("EXAMPLE-TRIAL (example drug, phase 2)").wait_for(timeout=30000)
    opened.wait_for_timeout(1000)  # nothing takes it out afterwards
    assert query(opened) == {"trial": ["EXAMPLE-TRIAL"]}
    assert opened.locator("#unavailable-notice").inner_text() == ""
    assert figure(opened, "forest-figure")["trials"] == ["EXAMPLE-TRIAL"]
    wait_for_trial_rows(opened, 1)  # the grid, in its tab: the one uploaded trial
    assert opened.console_errors == [] and page.console_errors == []


def test_a_link_to_a_trial_this_user_cannot_see_says_so_and_the_curated_views_draw(page, base_url, chromium_browser, tmp_path):
    link = _link_choosing_the_uploaded_trial(page, base_url, tmp_path)
    other = chromium_browser.new_context(viewport={"width": 1366, "height": 768})  # another person
    try:
        theirs = other.new_page()
        theirs.goto(link)
        notice = theirs.locator("#unavailable-notice")
        notice.get_by_text("Not in the data you can see").wait_for(timeout=30000)
        assert "left out of the view: trial EXAMPLE-TRIAL." in notice.inner_text()
        assert "private to them until they share it" in notice.inner_text()
        theirs.wait_for_function("() => location.search === ''", timeout=30000)
        forest = wait_for_figure(theirs, "forest-figure", lambda f: "PASO" in f["trials"])
        assert "EXAMPLE-TRIAL" not in forest["trials"]
        assert "EXAMPLE-TRIAL" not in theirs.locator("#filter-trial").inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        theirs.screenshot(path=str(ARTIFACTS / "link-to-unavailable-trial-1366x768.png"))
        wait_for_trial_rows(theirs, 5)  # the grid, in its tab: the five curated trials
    finally:
        other.close()


def test_a_control_that_dropped_the_states_value_shows_it_again_when_its_options_offer_it(page, base_url):
    """assets/state.js restoreControls, on the rules the app sends: the Trial filter emptied by
    Dash 4's dropdown (its options lacked the trial) gets the state's trial back once offered; a
    control already showing the state, or whose options still lack it, is left alone."""
    page.goto(base_url)
    page.wait_for_function("() => window.dash_clientside && window.dash_clientside.evidence_state", timeout=30000)
    from components import ids
    from components.state_sync import browser_rules
    from evidence.state import ViewState

    rules = browser_rules()
    n = len(ids.OPTION_FIELDS)
    at = ids.OPTION_FIELDS.index("trial")
    offered = [[] for _ in range(n)]
    offered[at] = [{"label": "EXAMPLE-TRIAL (example drug, phase 2)", "value": "EXAMPLE-TRIAL"}]
    state = ViewState(trial=("EXAMPLE-TRIAL",)).as_dict()
    call = "(a) => window.dash_clientside.evidence_state.restoreControls(...a).map(v => v === window.dash_clientside.no_update ? 'no' : v)"
    values = [[] if f in ("trial", "disease", "agent", "phase", "setting", "status", "organ") else None for f in ids.OPTION_FIELDS]
    restored = page.evaluate(call, [*offered, *values, state, rules])
    assert restored[at] == ["EXAMPLE-TRIAL"] and [v for i, v in enumerate(restored) if i != at] == ["no"] * (n - 1)
    values[at] = ["EXAMPLE-TRIAL"]
    assert page.evaluate(call, [*offered, *values, state, rules]) == ["no"] * n
    values[at] = []
    assert page.evaluate(call, [*[[] for _ in range(n)], *values, state, rules]) == ["no"] * n
