"""Grade-band rows computed once per data version and band (evidence/tables/toxicity.py `data_band_rows`), then
cut to the selected trials inside toxicity_matrix: the same rows and the same heatmap table as
computing them from the selected trials' events, for every band and selection on the bundled data."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence import cache, views
from evidence.cache import ProcessCache
from evidence.state import ViewState, filter_tables
from evidence.tables.toxicity import GRADES, REGISTRY_GRADES, _of_trials, grade_band_rows, toxicity_matrix


def _selections(data) -> list[ViewState]:
    trials = data.tables["trials"]
    return (
        [ViewState()]
        + [ViewState(trial=(t,)) for t in trials["trial_id"]]
        + [ViewState(agent=(a,)) for a in sorted(set(trials["agent"]))]
        + [ViewState(disease=(d,)) for d in sorted(set(trials["disease_group"]))]
    )


@pytest.mark.parametrize("grade", GRADES + REGISTRY_GRADES)
def test_cached_band_rows_cut_to_the_selection_equal_the_uncached_rows(data, grade):
    events = data.tables["adverse_events"]
    whole = grade_band_rows(events[events["level"] == "term"], grade)
    assert not whole.empty or grade in REGISTRY_GRADES
    for state in _selections(data):
        t = filter_tables(data.tables, state)
        term_rows = t["adverse_events"][t["adverse_events"]["level"] == "term"]
        pd.testing.assert_frame_equal(_of_trials(whole, term_rows["trial_id"]), grade_band_rows(term_rows, grade))
        for derived in (True, False):
            args = (t["adverse_events"], t["arms"], t["trials"], grade)
            kwargs = dict(top_n=None, include_derived=derived)
            pd.testing.assert_frame_equal(
                toxicity_matrix(*args, **kwargs, band_rows=whole), toxicity_matrix(*args, **kwargs)
            )


def test_the_heatmap_computes_a_band_once_per_data_version(data):
    saved = cache._backend
    cache.use(ProcessCache(cache.SIZES))
    try:
        for state in _selections(data)[:4]:
            views.toxicity_panel(data, state)
        hits, misses = cache.stats()["grade-band-rows"]
        assert (hits, misses) == (3, 1)
    finally:
        cache.use(saved)
