"""View state: URL round trip, hostile query strings, and table filtering on the bundled data."""

import pytest

from evidence.state import ViewState, filter_tables, parse_query, restrict_to_known, selected_trial_ids


def test_default_state_has_empty_query():
    assert ViewState().to_query() == ""
    assert parse_query("") == ViewState()
    assert parse_query(None) == ViewState()


def test_query_round_trip_keeps_every_field():
    state = ViewState(
        disease=("breast cancer",), trial=("PASO", "E2100"), endpoint="OS", grade="all", organ=("Gastrointestinal disorders",),
        derived=False, highlight="PASO", tox_mode="difference", tox_sort="soc", tox_top=10, tox_search="neuro pathy",
        surv_trial="E2100", ramp_start=200, ramp_step=100, ramp_horizon=9,
    )
    query = state.to_query()
    assert query.startswith("?") and "trial=PASO&trial=E2100" in query
    assert parse_query(query) == state


@pytest.mark.parametrize(
    "query, field, expected",
    [
        ("?endpoint=DROP+TABLE", "endpoint", "PFS"),
        ("?grade=5", "grade", "3-4"),
        ("?tox_top=100000", "tox_top", 200),
        ("?tox_top=abc", "tox_top", 25),
        ("?ramp_start=-50", "ramp_start", 0),
        ("?ramp_horizon=0", "ramp_horizon", 1),
        ("?ramp_horizon=99", "ramp_horizon", 24),
        ("?tox_mode=<script>", "tox_mode", "rate"),
        ("?unknown=1&derived=0", "derived", False),
        ("?tox_search=" + "x" * 500, "tox_search", "x" * 100),
    ],
)
def test_hostile_or_malformed_queries_fall_back_safely(query, field, expected):
    assert getattr(parse_query(query), field) == expected


def test_unknown_facet_values_from_a_stale_link_are_dropped(data):
    state = parse_query("?trial=PASO&trial=NOPE&highlight=NOPE&disease=breast+cancer&organ=Made+up")
    clean = restrict_to_known(state, data.trials, ["Gastrointestinal disorders"])
    assert clean.trial == ("PASO",)
    assert clean.highlight == ""
    assert clean.disease == ("breast cancer",)
    assert clean.organ == ()


def test_facets_select_trials(data):
    assert selected_trial_ids(data.trials, ViewState()) == ["PASO", "SOR", "NCT00573755", "E2100", "MRCC-SORAFENIB"]
    assert selected_trial_ids(data.trials, ViewState(disease=("renal cell carcinoma",))) == ["MRCC-SORAFENIB"]
    assert selected_trial_ids(data.trials, ViewState(agent=("bevacizumab",))) == ["E2100"]
    assert selected_trial_ids(data.trials, ViewState(status=("terminated", "stopped early"))) == ["PASO", "NCT00573755"]
    assert selected_trial_ids(data.trials, ViewState(phase=("3",), agent=("sorafenib",))) == []


def test_filter_tables_restricts_every_table_and_hides_derived_rows(data):
    tables = filter_tables(data.tables, ViewState(trial=("E2100",), derived=False))
    assert set(tables["efficacy"].trial_id) == {"E2100"}
    assert set(tables["adverse_events"].trial_id) == {"E2100"}
    assert not tables["adverse_events"].derived.any()
    # E2100 reports grade 3-4 for 7 terms in its text; the other 16 terms' 3-4 rows are derived sums.
    three_four = tables["adverse_events"][tables["adverse_events"].grade == "3-4"]
    assert len(three_four) == 14  # 7 terms x 2 arms
    assert len(tables["sources"]) == 5  # tables without trial_id are untouched


def test_pooling_is_off_by_default_and_travels_in_the_url():
    assert ViewState().pool is False and "pool" not in ViewState().to_query()
    assert ViewState(pool=True).to_query() == "?pool=1"
    assert parse_query("?pool=1").pool is True
    assert parse_query("?pool=0").pool is False
    assert parse_query("?pool=yes&pool=<script>").pool is False  # anything but 1 is off


def test_the_tab_travels_in_the_url_and_only_known_tabs_are_read():
    from evidence.state import TABS

    assert ViewState().tab == "efficacy" and "tab" not in ViewState().to_query()
    assert ViewState(tab="dosing").to_query() == "?tab=dosing"
    assert parse_query("?tab=survival&agent=sorafenib") == ViewState(tab="survival", agent=("sorafenib",))
    for hostile in ("?tab=%3Cscript%3E", "?tab=", "?tab=Efficacy", "?tab=dosing%00"):
        assert parse_query(hostile).tab == "efficacy"
    assert ViewState.from_dict({"tab": None}).tab == "efficacy"
    assert all(parse_query(f"?tab={t}").tab == t for t in TABS)


def test_no_view_reads_the_tab():
    from evidence.view_registry import VIEWS

    assert not any("tab" in view.key_fields for view in VIEWS.values())
