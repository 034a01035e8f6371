"""The answer strip: one card per trial in the selection, above the tabs.

The cards' words and numbers come from the pure core (evidence.answers.answer_strip); this
module only serialises them as plain data (`cards_data`), and the browser builds the cards
(assets/answer_cards.js), as text (textContent and setAttribute: data is never markup), with
each number's source in its title (hover). The cards are no Dash components: every Dash
component newly rendered from a callback costs the renderer a dispatch (RESET_COMPONENT_STATE),
and every dispatch runs every mounted component's selector, so ~65 card components cost ~65
dispatches and their React rendering on every selection change and at page load (issue 13).

How the data reaches the browser: the strip's answer (components/view_requests.py, fetched like
a view's) sets the strip container's `data-cards` attribute (a JSON string, as React sets any
attribute: never parsed as markup), which a MutationObserver reads (assets/answer_cards.js). Not
a dcc.Store with a clientside callback: that callback would run a renderer round (~25-40 ms of
main thread) on every change. The container gets no Dash children, so React never touches the
cards the browser puts in it.

A click on a card highlights its trial (a second click clears it), through the same `highlight`
state field as every view: the card sets the "Highlight trial" control, which the URL/state
sync reads (assets/answers.js: a plain click listener, not a Dash callback). The card's title
button is the keyboard way to the same click.

The server sends the cards without the highlight (it does not read `highlight`, so a highlight
sends it no request, as for every view: evidence/view_registry.py style_fields); the browser marks the
highlighted trial's card (its class, its button's aria-pressed and title: assets/highlight.js).
"""

from __future__ import annotations

from dash import html

from components import ids
from evidence.answers import AnswerCard, Fact

EMPTY = "No trial matches the filters. Widen them, or press Reset."

CARDS_DATA = "data-cards"
"""The strip container's attribute holding the cards' data (JSON; assets/answer_cards.js reads it)."""


def strip() -> html.Section:
    return html.Section(
        [
            html.H2("Answers per trial", className="visually-hidden"),
            # no children from Dash, ever: the browser builds the cards in it (assets/answer_cards.js)
            html.Div(id=ids.ANSWER_CARDS, className="answer-cards", **{"aria-live": "polite"}),
        ],
        id=ids.ANSWER_STRIP,
        className="answer-strip",
        tabIndex="-1",
        **{"aria-label": "Answers per trial"},
    )


def _fact(fact: Fact, class_name: str) -> dict:
    """A number in words, its source (the element's title) and its class."""
    return {"text": fact.text, "source": fact.source, "class": class_name}


def _summary(answer: AnswerCard) -> str:
    """The phone disclosure's label (assets/views.css hides it on wide screens)."""
    if answer.medians and answer.toxicity:
        return "Medians and grade 3–4 events"
    return "Medians" if answer.medians else "Grade 3–4 events" if answer.toxicity else ""


def card_data(answer: AnswerCard) -> dict:
    """One trial's card as plain data: what assets/answer_cards.js draws, in the order drawn.

    kind "no-results" shows `note`; the others `headline` and `hazardRatio`. `medians` and
    `toxicity` are None when the card has none; `more` labels the disclosure holding them."""
    return {
        "trial": answer.trial_id,
        "kind": answer.kind,
        "status": _fact(answer.status, "answer-status-text"),
        "note": answer.note if answer.kind == "no-results" else "",
        "headline": answer.headline if answer.kind != "no-results" else "",
        "hazardRatio": _fact(answer.hazard_ratio, "answer-hr") if answer.kind != "no-results" else None,
        "medians": {"heading": answer.medians_heading, "facts": [_fact(m, "answer-median") for m in answer.medians]}
        if answer.medians else None,
        "toxicity": {"heading": answer.toxicity_heading, "items": [_fact(t, "answer-tox-item") for t in answer.toxicity]}
        if answer.toxicity else None,
        "more": _summary(answer),
    }


def cards_data(answers: list[AnswerCard]) -> dict:
    """The strip as plain data: the cards, or the message shown when no trial is selected."""
    return {"cards": [card_data(a) for a in answers], "empty": "" if answers else EMPTY}

