"""The answer strip: one card per trial in the selection, above the tabs.

The cards' words and numbers come from the pure core (evidence.answers.answer_strip); this
module only renders them, as text (Dash escapes children and attributes: data is never markup),
with each number's source in its title (hover). A click on a card highlights its trial (a second
click clears it), through the same `highlight` state field as every view: the card sets the
"Highlight trial" control, which the URL/state sync reads (assets/answers.js: a plain click
listener, not a Dash callback). The card's title
button is the keyboard way to the same click.

The server draws the cards without the highlight (it does not read `highlight`, so a highlight
sends it no request, as for every view: evidence/view_registry.py style_fields); the browser marks the
highlighted trial's card (its class, its button's aria-pressed and title: assets/highlight.js).
"""

from __future__ import annotations

from dash import Dash, Input, Output, dcc, html
from dash.exceptions import PreventUpdate

from components import ids
from evidence.answers import AnswerCard, Fact, answer_strip
from evidence.state import ViewState

EMPTY = "No trial matches the filters. Widen them, or press Reset."


def strip() -> html.Section:
    return html.Section(
        [
            html.H2("Answers per trial", className="visually-hidden"),
            html.Div(id=ids.ANSWER_CARDS, className="answer-cards", **{"aria-live": "polite"}),
        ],
        id=ids.ANSWER_STRIP,
        className="answer-strip",
        tabIndex="-1",
        **{"aria-label": "Answers per trial"},
    )


def stores() -> list[dcc.Store]:
    return [dcc.Store(id=ids.ANSWER_STATE)]  # its fields (evidence.answers.STRIP_FIELDS): components/slices.py FIELDS


def _fact(fact: Fact, class_name: str) -> html.Span:
    return html.Span(fact.text, title=fact.source, className=class_name)


def card(answer: AnswerCard, highlighted: bool) -> html.Article:
    """One trial's card; `highlighted` marks the highlighted trial (aria-pressed on its button)."""
    title = html.H3(
        html.Button(
            answer.trial_id,
            className="answer-trial",
            title=f"{'Clear the highlight of' if highlighted else 'Highlight'} {answer.trial_id} in every view",
            **{"aria-pressed": "true" if highlighted else "false"},
        ),
        className="answer-title",
    )
    status = html.P(_fact(answer.status, "answer-status-text"), className="answer-status")
    body: list = []
    if answer.kind == "no-results":
        body.append(html.P(answer.note, className="answer-note"))
    else:
        body.append(html.P([html.Strong(answer.headline), html.Br(), _fact(answer.hazard_ratio, "answer-hr")],
                           className="answer-headline"))
    details: list = []
    if answer.medians:
        parts: list = [answer.medians_heading, " "]
        for k, median in enumerate(answer.medians):
            parts += ([" vs "] if k else []) + [_fact(median, "answer-median")]
        details.append(html.P(parts, className="answer-medians"))
    if answer.toxicity:
        details.append(html.P(answer.toxicity_heading, className="answer-tox-heading"))
        details.append(html.Ul([html.Li(_fact(t, "answer-tox-item")) for t in answer.toxicity], className="answer-tox"))
    if details:
        # Always shown on wide screens; behind a disclosure on phones, so the strip is short before
        # the tabs (assets/views.css; assets/answers.js keeps its click from highlighting the trial).
        summary = "Medians and grade 3–4 events" if answer.medians and answer.toxicity else "Medians" if answer.medians else "Grade 3–4 events"
        body.append(html.Details([html.Summary(summary, className="answer-more"), *details], className="answer-details"))
    return html.Article(
        [title, status, *body],
        id={"type": ids.ANSWER_CARD, "trial": answer.trial_id},
        n_clicks=0,
        className=f"answer-card answer-{answer.kind}" + (" answer-highlighted" if highlighted else ""),
    )


def cards(answers: list[AnswerCard], highlight: str) -> list:
    if not answers:
        return [html.P(EMPTY, className="answer-empty")]
    return [card(a, a.trial_id == highlight) for a in answers]


def register_answer_callbacks(app: Dash, session_data) -> None:
    """session_data: store -> (CuratedData, message), as components.uploads.session_reader returns."""
    # ANSWER_STATE is filled by the slice callback (components/slices.py)
    @app.callback(
        Output(ids.ANSWER_CARDS, "children"),
        Input(ids.ANSWER_STATE, "data"), Input(ids.UPLOAD_STORE, "data"),
        prevent_initial_call=True,
    )  # fmt: skip
    def answer_cards(sliced, store):
        if sliced is None:
            raise PreventUpdate
        return cards(answer_strip(session_data(store)[0], ViewState.from_dict(sliced)), "")
