/*
 * The answer strip (components/answer_strip.py): a click on a trial's card (or its title button,
 * by keyboard) sets the "Highlight trial" control to that trial, or clears it when it is already
 * highlighted; the URL/state sync reads the control like any other. answerHighlight marks the
 * highlighted trial's card (the server draws the cards without it, so a highlight sends no request).
 */
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence = Object.assign({}, window.dash_clientside.evidence, {
  answerClick: function (clicks, highlight) {
    var no = window.dash_clientside.no_update;
    var ctx = window.dash_clientside.callback_context;
    var fired = ctx.triggered && ctx.triggered[0];
    if (!fired || !fired.value || !ctx.triggered_id || typeof ctx.triggered_id.trial !== "string") return no;
    var trial = ctx.triggered_id.trial;
    return trial === highlight ? null : trial;
  },
  answerHighlight: (function () {
    // The highlighted trial's card marked in the browser (the server draws the cards without
    // the highlight, components/answer_strip.py): the card's class, its title button's
    // aria-pressed and title, as answer_strip.card writes them.
    var MARK = " answer-highlighted";
    function marked(card, trial) {
      var on = card.props.id.trial === trial;
      var base = String(card.props.className || "").replace(MARK, "");
      var title = card.props.children && card.props.children[0];
      var button = title && title.props && title.props.children;
      if (!button || !button.props) return null;
      var props = { className: on ? base + MARK : base };
      var buttonProps = {
        "aria-pressed": on ? "true" : "false",
        title: (on ? "Clear the highlight of " : "Highlight ") + card.props.id.trial + " in every view",
      };
      if (props.className === card.props.className && buttonProps["aria-pressed"] === button.props["aria-pressed"] &&
          buttonProps.title === button.props.title) return null;
      var newButton = Object.assign({}, button, { props: Object.assign({}, button.props, buttonProps) });
      var newTitle = Object.assign({}, title, { props: Object.assign({}, title.props, { children: newButton }) });
      var children = [newTitle].concat(card.props.children.slice(1));
      return Object.assign({}, card, { props: Object.assign({}, card.props, props, { children: children }) });
    }
    return function (sliced, cards) {
      var no = window.dash_clientside.no_update;
      if (!Array.isArray(cards)) return no;
      var trial = (sliced && sliced.highlight) || "", changed = false;
      var next = cards.map(function (card) {
        var isCard = card && card.props && card.props.id && typeof card.props.id === "object";
        var fresh = isCard ? marked(card, trial) : null;
        changed = changed || Boolean(fresh);
        return fresh || card;
      });
      return changed ? next : no;
    };
  })(),
});

// A click on an answer card's "Medians and grade 3–4 events" disclosure opens it and nothing else:
// stopped before Dash sees it, so it does not count as a click on the card (a highlight).
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest(".answer-card summary")) event.stopPropagation();
}, true);
