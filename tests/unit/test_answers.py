"""The answer strip's cards (evidence.answers.answer_cards): the primary hazard ratio in words,
medians, status, the largest grade 3–4 excesses, and a source for every number. Values are
checked against the documents (PASO report, E2100 N Engl J Med 2007), not the code's output."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from evidence.answers import answer_cards, answer_strip, source_text, toxicity_facts
from evidence.state import ViewState, filter_tables


@pytest.fixture(scope="module")
def cards(data):
    return {c.trial_id: c for c in answer_strip(data, ViewState())}


def test_one_card_per_selected_trial_comparisons_first(data, cards):
    assert [c.trial_id for c in answer_strip(data, ViewState())] == ["PASO", "E2100", "MRCC-SORAFENIB", "SOR", "NCT00573755"]
    assert [c.kind for c in cards.values()][:2] == ["comparison", "comparison"]
    assert [c.trial_id for c in answer_strip(data, ViewState(agent=("bevacizumab",)))] == ["E2100"]


def test_paso_reads_worse_on_pfs_with_its_published_hazard_ratio(cards):
    paso = cards["PASO"]
    # PASO report, Abstract and Results: "hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test P = 0.041"
    assert paso.headline == "Paclitaxel + sorafenib worse than paclitaxel on PFS"
    assert paso.hazard_ratio.text == "HR 1.80 (95% CI 1.02–3.20), p 0.041"
    assert paso.hazard_ratio.source.startswith("Source: PASO trial report [PASO_REPORT]: Table 2")
    # Table 2: median PFS 5.6 (3.8–6.5) months in Arm B, 6.6 (5.1–9.0) in Arm A
    assert [m.text for m in paso.medians] == ["5.6 mo (3.8–6.5) with paclitaxel + sorafenib", "6.6 mo (5.1–9.0) with paclitaxel"]
    assert all("PASO_REPORT" in m.source for m in paso.medians)
    # "It was decided to stop the trial early for futility"
    assert paso.status.text == "Stopped early: stopped for futility at the pre-planned interim analysis (60 patients)"
    assert "in favour of paclitaxel monotherapy" in paso.status.source


def test_e2100_reads_better_on_pfs_and_says_no_ci_was_printed(cards):
    e2100 = cards["E2100"]
    # N Engl J Med 2007, Abstract: "median, 11.8 vs. 5.9 months; hazard ratio for progression, 0.60; P<0.001"
    assert e2100.headline == "Paclitaxel + bevacizumab better than paclitaxel on PFS"
    assert e2100.hazard_ratio.text == "HR 0.60 (95% CI not reported), p < 0.001"
    assert [m.text for m in e2100.medians] == ["11.8 mo with paclitaxel + bevacizumab", "5.9 mo with paclitaxel"]
    assert e2100.status.text == "Completed"


def test_toxicity_lines_are_the_largest_grade_3_4_excesses_from_the_heatmap_rows(cards):
    paso, e2100 = cards["PASO"], cards["E2100"]
    assert paso.toxicity_heading == "Grade 3–4 events, paclitaxel + sorafenib vs paclitaxel (largest excess):"
    # PASO Table 3 (safety set 28 and 29): leukopenia 25.0% vs 3.4%, diarrhea 10.7% vs 0%, neuropathy 14.3% vs 6.9%
    assert [t.text.split(" (+")[0] for t in paso.toxicity] == [
        "Leukopenia (WBC decreased) 25.0% vs 3.4%", "Diarrhea 10.7% vs 0.0%", "Peripheral sensory neuropathy 14.3% vs 6.9%"]
    # E2100 Abstract: "Grade 3 or 4 hypertension (14.8% vs. 0.0%, P<0.001)"
    assert e2100.toxicity[0].text.startswith("Hypertension 14.8% vs 0.0% (+14.8 points, 95% CI ")
    assert all("Difference computed here: Newcombe hybrid score" in t.source for t in e2100.toxicity)
    assert all("E2100_NEJM2007" in t.source for t in e2100.toxicity)
    # a CI below zero is written with a true minus sign
    assert "95% CI −2.9 to 27.2" in paso.toxicity[1].text


def test_derived_values_off_leaves_out_the_differences_computed_here(data):
    paso = next(c for c in answer_strip(data, ViewState(derived=False)) if c.trial_id == "PASO")
    assert paso.toxicity[0].text == "Leukopenia (WBC decreased) 25.0% vs 3.4%"
    assert not any("computed here" in t.source for t in paso.toxicity)


def test_a_lower_bound_keeps_its_mark(data):
    """PASO reports hand-foot skin reaction at grade 3 only (7%, "grade 3 events"): with a control
    row the excess ranks by its bound and reads "≥ 7.0%"; no difference is computed."""
    events = data.tables["adverse_events"]
    hfs = events[(events.trial_id == "PASO") & (events.term == "Hand-foot skin reaction") & (events.grade == "3")]
    assert not hfs.empty
    control = hfs.iloc[[0]].assign(arm_id="A", grade="3-4", count=0, pct=0.0, n_at_risk=29, source="TEST: control row")
    with_control = pd.concat([events, control], ignore_index=True)
    facts = toxicity_facts(with_control, data.tables["arms"], data.tables["trials"], "PASO", {}, rows=10)
    line = next(f for f in facts if f.text.startswith("Hand-foot skin reaction"))
    assert line.text == "Hand-foot skin reaction ≥ 7.0% vs 0.0%"
    assert "at least this, grade 4 not reported" in line.source


def test_trials_without_a_comparison_say_so_in_one_line(cards):
    # MRCC abstract: tumour burden reduction rate 30% (95% CI 17–45), single arm
    assert cards["MRCC-SORAFENIB"].kind == "single-arm"
    assert cards["MRCC-SORAFENIB"].hazard_ratio.text == "Tumour burden reduction rate (TBRR) 30.0% (95% CI 17.0–45.0)"
    assert cards["SOR"].note == "Design only: no results reported."
    assert cards["NCT00573755"].note == "Terminated (lack of participant accrual): no results reported."


def test_markup_in_data_stays_data(data):
    """The core returns plain strings; the component renders them as text (never markup)."""
    arms = data.tables["arms"].copy()
    arms.loc[(arms.trial_id == "PASO") & (arms.arm_id == "B"), "label"] = "Arm B: <img src=x onerror=alert(1)>"
    tables = dict(filter_tables(data.tables, ViewState()), arms=arms)
    paso = next(c for c in answer_cards(tables, data.sources) if c.trial_id == "PASO")
    assert paso.headline.startswith("<img src=x onerror=alert(1)> worse than paclitaxel")


def test_source_text_names_document_and_locator():
    assert source_text("PASO_REPORT: Table 2", {"PASO_REPORT": "PASO trial report"}) == "Source: PASO trial report [PASO_REPORT]: Table 2"
    assert source_text(None, {}) == "Source not recorded"
    assert source_text("X", {}) == "Source: X"


def test_the_strip_does_not_read_view_options(data):
    base = answer_strip(data, ViewState())
    assert answer_strip(data, replace(ViewState(), endpoint="OS", grade="all", tab="dosing", tox_mode="difference")) is base


def test_a_facet_change_reuses_every_card_it_shows(data):
    """Each card is made once per trial and `derived` (evidence.answers.trial_card): after the
    default view, a facet change picks and orders cards already made and computes none; the cards
    are those answer_cards makes from the facet's filtered tables."""
    from evidence import cache
    from evidence.cache import ProcessCache

    saved = cache._backend
    cache.use(ProcessCache(cache.SIZES))
    try:
        answer_strip(data, ViewState())
        made = cache.stats()["answer-card"]
        assert made == (0, 5)  # the bundled data's five trials, each made once
        breast = ViewState(disease=("breast cancer",))
        strip = answer_strip(data, breast)
        assert cache.stats()["answer-card"] == (4, 5)  # four breast cancer trials, all hits
        assert strip == answer_cards(filter_tables(data.tables, breast), data.sources)
        assert [c.trial_id for c in strip] == ["PASO", "E2100", "SOR", "NCT00573755"]
    finally:
        cache.use(saved)
