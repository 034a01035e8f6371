/*
 * The answer strip (components/answer_strip.py): a click on a trial's card (or its title button,
 * by keyboard) sets the "Highlight trial" control to that trial, or clears it when it is already
 * highlighted; the URL/state sync reads the control like any other. The highlight is drawn at once
 * (assets/highlight.js, which also marks the highlighted trial's card: the cards are built
 * without it, so a highlight sends no request), before the control, URL and state follow.
 */
(function () {
  var HIGHLIGHT_CONTROL = "filter-highlight"; // ids.FILTERS["highlight"]

  // Not a Dash callback: a pattern-matching callback on the cards' n_clicks ran (a renderer round,
  // ~40 ms of main thread) every time new cards arrived, on every selection change.
  document.addEventListener("click", function (event) {
    var card = event.target instanceof Element && event.target.closest(".answer-card[data-trial]");
    if (!card || !window.dash_clientside || !window.dash_clientside.set_props) return;
    var trial = card.getAttribute("data-trial"); // assets/answer_cards.js
    if (!trial) return;
    var next = trial === window.evidenceHighlight.current() ? null : trial;
    window.evidenceHighlight.show(next || "");
    window.dash_clientside.set_props(HIGHLIGHT_CONTROL, { value: next });
  });
})();

// A click on an answer card's "Medians and grade 3–4 events" disclosure opens it and nothing else:
// stopped before the listener above sees it, so it does not count as a click on the card (a highlight).
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest(".answer-card summary")) event.stopPropagation();
}, true);
