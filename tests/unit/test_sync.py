"""URL / controls / click synchronisation, called as plain functions (no browser)."""

from components import ids
from components.sync import clicked_trial, controls_to_state, link_notice, next_state, state_to_controls, unavailable_notice
from evidence.state import ViewState


def test_controls_and_state_round_trip():
    state = ViewState(trial=("PASO",), derived=False, highlight="E2100", grade="all", tox_top=40)
    assert controls_to_state(state_to_controls(state)) == state


def test_page_load_reads_the_url_and_rewrites_controls():
    state, rewrite = next_state(None, "?endpoint=OS&highlight=PASO", state_to_controls(ViewState()), {})
    assert (state.endpoint, state.highlight, rewrite) == ("OS", "PASO", True)


def test_control_change_reads_controls_without_rewriting_them():
    controls = state_to_controls(ViewState(grade="all"))
    state, rewrite = next_state(ids.FILTERS["grade"], "?grade=3", controls, {})
    assert state.grade == "all" and rewrite is False


def test_reset_returns_defaults():
    state, rewrite = next_state(ids.RESET, "?grade=all", state_to_controls(ViewState(grade="all")), {})
    assert state == ViewState() and rewrite


def test_click_on_forest_highlights_trial_and_second_click_clears_it():
    click = {"points": [{"customdata": ["E2100", ""], "x": 0.6}]}
    state, rewrite = next_state(ids.FOREST, "", state_to_controls(ViewState()), {ids.FOREST: click})
    assert state.highlight == "E2100" and rewrite
    again, _ = next_state(ids.FOREST, "", state_to_controls(state), {ids.FOREST: click})
    assert again.highlight == ""


def test_grid_row_click_highlights_trial():
    state, _ = next_state(ids.TRIAL_GRID, "", state_to_controls(ViewState()), {ids.TRIAL_GRID: {"rowId": "PASO", "colId": "agent"}})
    assert state.highlight == "PASO"


def test_clicked_trial_tolerates_odd_payloads():
    assert clicked_trial(None) == ""
    assert clicked_trial({"points": []}) == ""
    assert clicked_trial({"points": [{"x": 1}]}) == ""
    assert clicked_trial({"points": [{"customdata": "PASO"}]}) == "PASO"


def test_pool_checklist_round_trips_and_is_off_by_default():
    assert state_to_controls(ViewState())[list(ids.FILTERS).index("pool")] == []
    on = ViewState(pool=True)
    assert state_to_controls(on)[list(ids.FILTERS).index("pool")] == ["pool"]
    assert controls_to_state(state_to_controls(on)) == on
    state, rewrite = next_state(ids.FILTERS["pool"], "", state_to_controls(on), {})
    assert state.pool and not rewrite


def test_a_link_of_more_than_200_fields_is_read_up_to_200_and_says_so():
    # 300 fields (the first sets the endpoint, the last would set the grade): parse_qs alone
    # raised ValueError past 200 and the page stayed empty.
    search = "?endpoint=OS&" + "&".join(f"junk{i}=1" for i in range(298)) + "&grade=all"
    state, rewrite = next_state(None, search, state_to_controls(ViewState()), {})
    assert (state.endpoint, state.grade, rewrite) == ("OS", ViewState().grade, True)
    assert link_notice(None, search) == (
        "This link has 300 query fields; only the first 200 were read and the other 100 were ignored."
    )
    assert state.to_query() == "?endpoint=OS"  # the URL is rewritten without the excess
    assert link_notice(None, "?endpoint=OS") == "" and link_notice(ids.RESET, search) == ""


def test_the_notice_names_what_the_servers_check_took_out_and_repeats_no_markup():
    asked = ViewState(trial=("EXAMPLE-TRIAL", "PASO"), highlight="<img src=x onerror=alert(1)>", grade="serious", page=3)
    known = ViewState(trial=("PASO",))
    notice = unavailable_notice(asked, known)
    assert notice.startswith(
        "Not in the data you can see, so left out of the view: trial EXAMPLE-TRIAL; grade band serious; "
        "highlighted trial (1 value not repeated here)."
    )
    assert "private to them until they share it" in notice and "onerror" not in notice and "<" not in notice


def test_no_notice_when_only_the_page_was_brought_back_within_the_selection():
    assert unavailable_notice(ViewState(page=7), ViewState()) == ""
    assert unavailable_notice(ViewState(trial=("PASO",)), ViewState(trial=("PASO",))) == ""


def test_a_check_is_asked_for_a_value_no_control_offers_or_a_page_past_the_first():
    """What assets/state.js `unknown` sends; while it asks for a check the views wait for the
    server's answer, so check_state answers it even when every value is known."""
    from components.state_sync import _to_check

    nothing = {"disease": [], "trial": [], "page": 1}
    assert not _to_check(None) and not _to_check(nothing)
    assert _to_check({**nothing, "trial": ["NO-SUCH-TRIAL"]}) and _to_check({**nothing, "page": 3})
