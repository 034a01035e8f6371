/*
 * The answer strip (components/answer_strip.py): a click on a trial's card (or its title button,
 * by keyboard) sets the "Highlight trial" control to that trial, or clears it when it is already
 * highlighted; the URL/state sync reads the control like any other. The highlight is drawn at once
 * (assets/highlight.js, which also marks the highlighted trial's card: the server draws the cards
 * without it, so a highlight sends no request), before the control, URL and state follow.
 */
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence = Object.assign({}, window.dash_clientside.evidence, {
  answerClick: function (clicks, highlight) {
    var no = window.dash_clientside.no_update;
    var ctx = window.dash_clientside.callback_context;
    var fired = ctx.triggered && ctx.triggered[0];
    if (!fired || !fired.value || !ctx.triggered_id || typeof ctx.triggered_id.trial !== "string") return no;
    var trial = ctx.triggered_id.trial, next = trial === highlight ? null : trial;
    window.evidenceHighlight.show(next || "");
    return next;
  },
});

// A click on an answer card's "Medians and grade 3–4 events" disclosure opens it and nothing else:
// stopped before Dash sees it, so it does not count as a click on the card (a highlight).
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest(".answer-card summary")) event.stopPropagation();
}, true);
