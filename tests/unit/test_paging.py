"""Large selections are paged: per-trial views draw at most TRIALS_PER_PAGE trials, the pooled
hazard ratio still covers every selected trial, and the page travels in the URL like the rest."""

from __future__ import annotations

import pytest

from bench.synthetic import generate
from components import ids
from components.sync import next_state, state_to_controls
from evidence import views
from evidence.loading import load_dataset
from evidence.state import (
    TRIALS_PER_PAGE,
    ViewState,
    filter_tables,
    page_bounds,
    page_count,
    parse_query,
    restrict_to_known,
    selected_trial_ids,
    shown_trial_ids,
)


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """The bundled trials x3 (15 trials), generated and validated like the benchmark's sets."""
    out = tmp_path_factory.mktemp("x3")
    generate(3, out)
    return load_dataset(out)


def test_page_arithmetic():
    assert TRIALS_PER_PAGE == 10
    assert [page_count(n) for n in (0, 1, 10, 11, 25)] == [1, 1, 1, 2, 3]
    assert page_bounds(25, 1) == (0, 10) and page_bounds(25, 3) == (20, 25)
    assert page_bounds(25, 9) == (20, 25)  # past the end: the last page
    assert page_bounds(5, 2) == (0, 5)


def test_page_in_the_url_is_bounded():
    assert parse_query("?page=2").page == 2
    assert parse_query("").page == 1 and ViewState(page=3).to_query() == "?page=3"
    for bad in ("0", "-4", "abc", "inf", "1e400"):
        assert 1 <= parse_query(f"?page={bad}").page <= 100_000, bad


def test_a_page_past_the_last_is_clamped(large):
    state = restrict_to_known(ViewState(page=7), large.trials, [])
    assert state.page == 2  # 15 trials: pages 1-2
    assert restrict_to_known(ViewState(page=2, agent=("bevacizumab",)), large.trials, []).page == 1  # 3 trials


def test_a_facet_change_returns_to_the_first_page():
    controls = state_to_controls(ViewState(page=3, agent=("sorafenib",)))
    state, rewrite = next_state(ids.FILTERS["agent"], "", controls, {})
    assert (state.page, rewrite) == (1, True)
    state, rewrite = next_state(ids.FILTERS["grade"], "", controls, {})
    assert (state.page, rewrite) == (3, False)  # the grade band keeps the page


def test_per_trial_views_draw_one_page(large):
    assert len(large.trials) == 15
    first, second = ViewState(), ViewState(page=2)
    assert shown_trial_ids(large.trials, first) == list(large.trials.trial_id[:10])
    assert shown_trial_ids(large.trials, second) == list(large.trials.trial_id[10:])
    assert set(filter_tables(large.tables, second)["arms"].trial_id) == set(large.trials.trial_id[10:])
    assert len(filter_tables(large.tables, second, paged=False)["trials"]) == 15
    assert [r["trial_id"] for r in views.trial_grid_rows(large, second)] == list(large.trials.trial_id[10:])
    assert views.selection_summary(large, first) == (
        "Trials 1–10 of 15 selected shown (page 1 of 2; 15 trials in the data)"
    )
    for view in (views.forest_panel, views.medians_panel, views.rates_panel, views.toxicity_panel, views.design_panel):
        drawn = {c[0] for t in view(large, second).figure_object().data if t.customdata is not None for c in t.customdata
                 if c is not None and isinstance(c[0], str) and c[0] in set(large.trials.trial_id)}
        assert drawn and drawn <= set(large.trials.trial_id[10:]), view.__name__


def test_the_pooled_hazard_ratio_covers_every_selected_trial(large):
    """Same pooled estimate on each page, equal to pooling the unpaged rows."""
    from evidence.tables.forest import forest_rows
    from evidence.tables.pooling import pooled_hazard_ratio

    t = filter_tables(large.tables, ViewState(), paged=False)
    rows = forest_rows(t["comparisons"], t["arms"], t["trials"], "PFS", efficacy=t["efficacy"])
    expected = pooled_hazard_ratio(rows)
    assert expected is not None and len(set(rows.trial_id)) > TRIALS_PER_PAGE // 2
    assert expected.k == 3  # PASO and its two clones report the PFS HR with a CI
    for page in (1, 2):
        off = views.forest_panel(large, ViewState(page=page))  # pooling is off by default
        assert not any(t.fill == "toself" for t in off.figure_object().data) and "pooled estimate" not in off.caption
        panel = views.forest_panel(large, ViewState(page=page, pool=True))
        assert f"pooled estimate is over all {len(selected_trial_ids(large.trials, ViewState()))}" in panel.caption
        pooled = next(t for t in panel.figure_object().data if (t.name or "").startswith("Pooled"))
        assert min(pooled.x) == pytest.approx(expected.ci_low) and max(pooled.x) == pytest.approx(expected.ci_high)
        assert any(x == pytest.approx(expected.estimate) for x in pooled.x)


def test_exports_name_the_page(large):
    from evidence.export import filter_phrases
    from evidence.export_views import survival_trial

    assert filter_phrases(ViewState(page=2), large)["trials"] == "all 15 trials; page 2 of 2 (trials 11–15)"
    assert filter_phrases(ViewState(), large)["trials"].endswith("page 1 of 2 (trials 1–10)")
    assert survival_trial(large, ViewState(page=2)) in set(large.trials.trial_id[10:])
