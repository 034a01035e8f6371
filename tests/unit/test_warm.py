"""The cache warm-up after fork (components/warm.py): which states, bounded, and that the figure
callbacks' answers for them are cache hits afterwards."""

from __future__ import annotations

import pytest

from components import warm
from components.render import rendered
from components.slices import slice_state
from config import Settings
from evidence import cache
from evidence.cache import ProcessCache
from evidence.state import ViewState
from evidence.view_registry import VIEWS


@pytest.fixture
def fresh_cache():
    saved = cache._backend
    cache.use(ProcessCache(cache.SIZES))
    yield
    cache.use(saved)


def test_warm_states_are_the_default_its_endpoints_and_grade_bands_then_each_facet_value_alone(data):
    states = warm.warm_states(data, 100)
    assert states[0] == ViewState()
    # the default's other endpoints (contract: PFS, OS, TTP, TTT) and grade bands (the bundled
    # data offer all, 3-4, 3, 4; no registry bands), then trials.csv: 2 disease groups, 2 agents,
    # 5 trials, 3 phases, 4 settings, 4 statuses
    assert states[1:7] == [ViewState(endpoint="OS"), ViewState(endpoint="TTP"), ViewState(endpoint="TTT"),
                           ViewState(grade="all"), ViewState(grade="3"), ViewState(grade="4")]
    assert len(states) == 7 + 2 + 2 + 5 + 3 + 4 + 4
    assert states[7:11] == [ViewState(disease=("breast cancer",)), ViewState(disease=("renal cell carcinoma",)),
                            ViewState(agent=("sorafenib",)), ViewState(agent=("bevacizumab",))]
    assert ViewState(trial=("PASO",)) in states and ViewState(agent=("sorafenib",)) in states
    assert all(sum(1 for f in ("disease", "agent", "trial", "phase", "setting", "status") if getattr(s, f)) == 1
               for s in states[7:])
    assert warm.warm_states(data, 3) == states[:3] and warm.warm_states(data, 0) == []


def _callback_answer(view, data, state):
    """What the view route answers: the state as the browser's slice carries it."""
    return rendered(view, data, ViewState.from_dict(slice_state(state.as_dict(), list(view.fields))))


def test_warmed_states_are_cache_hits_for_the_figure_callbacks(data, fresh_cache):
    states = warm.warm_states(data, 3)
    assert warm.warm(data, states, seconds=600) == 3
    before = cache.stats()
    for state in states:
        for view in VIEWS.values():
            if view.is_figure:
                _callback_answer(view, data, state)
    after = cache.stats()
    for view in VIEWS.values():
        if view.is_figure:
            name = f"render:{view.graph_id}"
            assert after[name][0] - before[name][0] == 3, name  # every state a hit
            assert after[name][1] == before[name][1], name  # and no miss


def test_the_warm_up_makes_the_answer_strip_a_cache_hit(data, fresh_cache):
    """A facet change asks for the answer cards too (components/answer_strip.py): warmed states'
    strips are hits, and so is every card a warmed facet's strip shows."""
    from evidence.answers import answer_strip

    states = warm.warm_states(data, 8)  # the default, its endpoints and grade bands, disease = breast cancer
    warm.warm(data, states, seconds=600)
    before = cache.stats()
    answer_strip(data, ViewState(disease=("breast cancer",)))
    after = cache.stats()
    assert after["answers"][0] - before["answers"][0] == 1 and after["answers"][1] == before["answers"][1]
    assert after["answer-card"] == before["answer-card"]  # nothing made again
    assert before["answer-card"][1] == 5  # each of the five trials' cards made once


def test_the_warm_up_is_bounded_and_can_be_off(data, fresh_cache):
    assert warm.warm(data, warm.warm_states(data, 10), seconds=1e-9) <= 1  # the deadline passes at once
    assert warm.start(data, Settings(warm_cache_states=0)) is None
    thread = warm.start(data, Settings(warm_cache_states=100, warm_cache_seconds=600))
    thread.join(timeout=600)
    assert not thread.is_alive()
    hits, misses = cache.stats()["render:forest-figure"]
    assert hits + misses == cache.DEFAULT_SIZE  # capped at what the cache holds
    assert hits == 3  # the three grade-band states: the forest does not read the grade
