"""The answer strip as plain data (components/answer_strip.py `cards_data`): what the browser builds
the cards from (assets/answer_cards.js), so the cards are no Dash components. Values are checked
against the documents (PASO report, E2100 N Engl J Med 2007, MRCC abstract), not the code's output."""

from __future__ import annotations

import json

import pytest
from dash import html

from components import answer_strip, ids
from evidence.answers import answer_strip as strip_of
from evidence.state import ViewState


@pytest.fixture(scope="module")
def strip(data):
    """The data as it travels: the callback's JSON, read back."""
    return json.loads(json.dumps(answer_strip.cards_data(strip_of(data, ViewState())), ensure_ascii=False))


def _card(strip, trial):
    return next(c for c in strip["cards"] if c["trial"] == trial)


def test_one_card_per_selected_trial_in_the_cores_order(strip):
    assert [c["trial"] for c in strip["cards"]] == ["PASO", "E2100", "MRCC-SORAFENIB", "SOR", "NCT00573755"]
    assert [c["kind"] for c in strip["cards"]] == ["comparison", "comparison", "single-arm", "no-results", "no-results"]
    assert strip["empty"] == ""


def test_paso_carries_every_fact_with_its_source_and_class(strip):
    paso = _card(strip, "PASO")
    # PASO report, Abstract and Results: "hazard ratio 1.80, 95% CI: 1.02 to 3.20; log-rank test P = 0.041"
    assert paso["headline"] == "Paclitaxel + sorafenib worse than paclitaxel on PFS"
    assert paso["hazardRatio"]["text"] == "HR 1.80 (95% CI 1.02–3.20), p 0.041"
    assert paso["hazardRatio"]["source"].startswith("Source: PASO trial report [PASO_REPORT]: Table 2")
    assert paso["hazardRatio"]["class"] == "answer-hr"
    # Table 2: median PFS 5.6 (3.8–6.5) months in Arm B, 6.6 (5.1–9.0) in Arm A
    assert paso["medians"]["heading"] == "Median PFS:"
    assert [m["text"] for m in paso["medians"]["facts"]] == ["5.6 mo (3.8–6.5) with paclitaxel + sorafenib", "6.6 mo (5.1–9.0) with paclitaxel"]
    assert {m["class"] for m in paso["medians"]["facts"]} == {"answer-median"}
    assert all("PASO_REPORT" in m["source"] for m in paso["medians"]["facts"])
    # Table 3: leukopenia 25.0% vs 3.4% first
    assert paso["toxicity"]["heading"] == "Grade 3–4 events, paclitaxel + sorafenib vs paclitaxel (largest excess):"
    assert paso["toxicity"]["items"][0]["text"].startswith("Leukopenia (WBC decreased) 25.0% vs 3.4%")
    assert {t["class"] for t in paso["toxicity"]["items"]} == {"answer-tox-item"}
    assert paso["status"] == {
        "text": "Stopped early: stopped for futility at the pre-planned interim analysis (60 patients)",
        "source": paso["status"]["source"], "class": "answer-status-text"}
    assert "in favour of paclitaxel monotherapy" in paso["status"]["source"]
    assert paso["more"] == "Medians and grade 3–4 events" and paso["note"] == ""


def test_trials_without_a_comparison(strip):
    mrcc, sor = _card(strip, "MRCC-SORAFENIB"), _card(strip, "SOR")
    # MRCC abstract: tumour burden reduction rate 30% (95% CI 17–45), single arm
    assert mrcc["hazardRatio"]["text"] == "Tumour burden reduction rate (TBRR) 30.0% (95% CI 17.0–45.0)"
    assert mrcc["medians"] is None and mrcc["toxicity"] is None and mrcc["more"] == ""
    assert sor["note"] == "Design only: no results reported."
    assert sor["hazardRatio"] is None and sor["headline"] == ""


def test_no_trial_selected_says_how_to_widen(data):
    empty = answer_strip.cards_data(strip_of(data, ViewState(agent=("bevacizumab",), disease=("renal cell carcinoma",))))
    assert empty == {"cards": [], "empty": "No trial matches the filters. Widen them, or press Reset."}


def test_the_strip_is_no_dash_component_per_card(data):
    """The strip's answer (components/view_requests.py) sets the container's data-cards attribute,
    never its children: the browser builds the cards (a Dash component rendered from a callback
    costs the renderer a dispatch)."""
    from app import create_app
    from config import Settings

    app = create_app(Settings(export_enabled=False), data)
    answer = app.server.test_client().post("/_evidence/view/answers", json={"slice": {}, "upload": None}).get_json()
    (element, attribute, cards), = [a for a in answer["attrs"] if a[0] == ids.ANSWER_CARDS]
    assert attribute == answer_strip.CARDS_DATA and json.loads(cards)["cards"][0]["trial"] == "PASO"
    assert not [p for p in answer["props"] if p[0] == ids.ANSWER_CARDS] and ids.ANSWER_CARDS not in dict(answer["text"])
    outputs = [o for c in app._callback_list for o in c["output"].strip(".").split("...")]  # "..a.p...b.q.." when several
    assert not [o for o in outputs if o.startswith(ids.ANSWER_CARDS + ".")]
    box = answer_strip.strip().children[1]
    assert isinstance(box, html.Div) and box.id == ids.ANSWER_CARDS and box.children is None
