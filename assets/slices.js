/*
 * Per-view slices of the view state (components/slices.py): copy the fields a view reads from
 * each new state into that view's Store; when they are unchanged, leave the Store alone
 * (no_update), so the view sends no request and does not redraw. Called by the state callback
 * itself (assets/state.js `sync` and `applyFix`), so the slices are set in the same renderer
 * round as the state: one round from a change to the figure requests.
 *
 * Only what is visible is drawn: a figure off screen (below the fold, or in a tab panel that is
 * not the state's tab) keeps its Store as it is; its new slice waits (assets/seen.js) and is set
 * once the figure is scrolled to or its tab is shown, so an unseen figure sends no request and
 * draws nothing. (The Store's id is the figure's id + "-view-state"; the element seen for it,
 * rendered before the graph itself, carries `data-view` = the figure's id: the figure's wrapper,
 * or for the what-if the box holding its controls, note and figure, for the trials grid the box
 * around it. components/layout.py.) The answer strip has none: it is sliced at once on every
 * change, and its answer also brings the filter panel's selection summary and page position. The
 * highlight has no Store: every state change hands it to assets/highlight.js, which restyles what
 * is drawn.
 */
window.evidenceSlices = (function () {
  var delivered = {}; // Store id -> JSON of the slice last given to it

  function deliver(storeId, text) {
    if (delivered[storeId] === text) return;
    delivered[storeId] = text;
    window.dash_clientside.set_props(storeId, { data: JSON.parse(text) });
  }

  function sliceOne(storeId, state, fields, current) {
    // the Store's new slice, or no_update (unchanged, or its figure unseen: delivered once seen)
    var no = window.dash_clientside.no_update;
    if (!fields) return no;
    var seen = window.evidenceSeen;
    var next = {};
    fields.forEach(function (field) {
      next[field] = field in state ? state[field] : null;
    });
    var text = JSON.stringify(next);
    var figure = document.querySelector('[data-view="' + storeId.replace(/-view-state$/, "") + '"]');
    if (current && JSON.stringify(current) === text) {
      delivered[storeId] = text;
      if (figure) seen.forget(figure, "slice");
      return no;
    }
    if (figure && !seen.visible(figure)) {
      seen.whenSeen(figure, "slice", function () { deliver(storeId, text); });
      return no;
    }
    if (figure) seen.forget(figure, "slice");
    delivered[storeId] = text;
    return next;
  }

  return {
    // Each Store's new slice of `state` (or no_update), in the order of `storeIds`: `fields` maps a
    // Store id to the state fields it holds (the view-fields Store), `currents` are the Stores'
    // slices now. The tab and the highlight follow the state here too (neither has a Store).
    cut: function (state, fields, storeIds, currents) {
      var no = window.dash_clientside.no_update;
      if (!state) return storeIds.map(function () { return no; });
      if (state.tab) window.evidenceSeen.setTab(state.tab);
      window.evidenceHighlight.show(state.highlight || ""); // drawn in the browser: no Store, no request
      return storeIds.map(function (id, k) { return sliceOne(id, state, (fields || {})[id], currents[k]); });
    },
  };
})();
