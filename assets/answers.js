/*
 * The answer strip (components/answer_strip.py): a click on a trial's card (or its title button,
 * by keyboard) sets the "Highlight trial" control to that trial, or clears it when it is already
 * highlighted; the URL/state sync reads the control like any other.
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
});
