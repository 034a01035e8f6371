/*
 * Per-view slices of the view state (components/slices.py): copy the fields a view reads from
 * the `view-state` Store into that view's Store; when they are unchanged, leave the Store alone
 * (no_update), so the view sends no request and does not redraw.
 *
 * Only what is visible is drawn: a figure in a tab panel (components/tabs.py, `data-tab`) that
 * is not the state's tab keeps its Store as it is until its tab is shown, so a hidden figure
 * sends no request. (The Store's id is the figure's id + "-view-state"; the figure's wrapper,
 * rendered before the graph itself, carries `data-view` = the figure's id.)
 */
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence = Object.assign({}, window.dash_clientside.evidence, {
  slice: function (state, fields, current) {
    if (!state || !fields) {
      return window.dash_clientside.no_update;
    }
    if (inHiddenTab(state)) {
      return window.dash_clientside.no_update;
    }
    var next = {};
    fields.forEach(function (field) {
      next[field] = field in state ? state[field] : null;
    });
    if (current && JSON.stringify(current) === JSON.stringify(next)) {
      return window.dash_clientside.no_update;
    }
    return next;
  },
});

function inHiddenTab(state) {
  // the figure this slice feeds, when it sits in a tab panel other than the state's tab
  var ctx = window.dash_clientside.callback_context;
  var out = ctx && ctx.outputs_list;
  out = Array.isArray(out) ? out[0] : out;
  if (!out || typeof out.id !== "string" || !state.tab) return false;
  var view = out.id.replace(/-view-state$/, "");
  var figure = document.querySelector('.figure[data-view="' + view + '"]');
  var panel = figure && figure.closest("[data-tab]");
  return Boolean(panel) && panel.getAttribute("data-tab") !== state.tab;
}
