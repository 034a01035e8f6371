/*
 * Per-view slices of the view state (components/slices.py): copy the fields a view reads from
 * the `view-state` Store into that view's Store; when they are unchanged, leave the Store alone
 * (no_update), so the view sends no request and does not redraw.
 */
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence = Object.assign({}, window.dash_clientside.evidence, {
  slice: function (state, fields, current) {
    if (!state || !fields) {
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
