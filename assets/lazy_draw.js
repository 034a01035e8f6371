/*
 * A graph nobody can see is not drawn (issue 13: "only what is visible is drawn").
 * dcc.Graph calls Plotly.react as soon as it mounts, even with no figure yet, so every graph in a
 * hidden tab and every graph below the fold did an empty first draw at page load (13 graphs,
 * ~50-150 ms each) while the first screen's figures were being drawn, and kept the page busy.
 * Here an empty draw (no traces) of a graph never drawn and not seen (assets/seen.js) waits until
 * it is seen: its tab shown or the graph scrolled to. A figure with traces is drawn at once, and
 * dcc.Graph's own promise resolves only after the real draw, so its events are bound as before.
 * Plotly is loaded on demand by dcc.Graph; the wrapper is put on when `window.Plotly` is set.
 *
 * A new download name is not a new config. Each figure callback sends the graph's config with
 * the modebar download named for the view, trials, endpoint and date (components/exports.py
 * graph_config), so a filter, endpoint or grade change changes the config, and Plotly.react
 * treats any config change as a new plot: newPlot, then react again (the whole graph built
 * twice, its modebar too). When only `toImageButtonOptions` differs, it is set on the drawn
 * graph's context first, so react sees the same config and redraws what changed, once; the
 * download button reads the context when clicked, so it saves under the new name.
 *
 * A resize to the size already drawn is skipped. dcc.Graph watches its box (ResizeObserver) and
 * calls Plotly.Plots.resize when it changes; a new figure of another height (the forest after an
 * endpoint or facet change) changes the box itself, so each such redraw was followed, 150 ms
 * later, by a relayout to the same size (Plots.resize waits 100 ms, then relayouts with
 * autosize, ~100 ms more). When the graph's box already has the drawn width and height (Plotly's
 * own test: within 1 px of the computed style), resize resolves at once; any real change of size
 * is drawn as before.
 */
(function () {
  var pending = new Map(); // graph div -> {args, box, waiting: [[resolve, reject], ...]}

  function traces(args) {
    var figure = args[1];
    var data = Array.isArray(figure) ? figure : figure && figure.data;
    return data ? data.length : 0;
  }

  function keepDownloadName(el, figure) {
    var config = figure && !Array.isArray(figure) && figure.config;
    var context = el && el._context;
    if (!config || !config.toImageButtonOptions || !context || !context.toImageButtonOptions) return;
    context.toImageButtonOptions = Object.assign({}, config.toImageButtonOptions);
  }

  function sameSize(el) {
    var full = el && el._fullLayout;
    if (!full || !el.isConnected) return false;
    var style = window.getComputedStyle(el);
    var width = parseFloat(style.width), height = parseFloat(style.height);
    return Math.abs(full.width - width) <= 1 && Math.abs(full.height - height) <= 1;
  }

  function wrapResize(plotly) {
    var plots = plotly.Plots;
    if (!plots || typeof plots.resize !== "function" || plots.resize.evidenceSameSize) return;
    var resize = plots.resize;
    plots.resize = function (gd) {
      var el = typeof gd === "string" ? document.getElementById(gd) : gd;
      if (sameSize(el) && !el._redrawTimer) return Promise.resolve(el);
      return resize.apply(plots, arguments);
    };
    plots.resize.evidenceSameSize = true;
  }

  function settle(job, promise) {
    Promise.resolve(promise).then(
      function (value) { job.waiting.forEach(function (w) { w[0](value); }); },
      function (error) { job.waiting.forEach(function (w) { w[1](error); }); });
  }

  function wrap(plotly) {
    if (plotly) wrapResize(plotly);
    if (!plotly || typeof plotly.react !== "function" || plotly.react.evidenceLazy) return;
    var react = plotly.react;

    function drawNow(gd) {
      var job = pending.get(gd);
      if (!job) return;
      pending.delete(gd);
      settle(job, react.apply(plotly, job.args));
    }

    plotly.react = function (gd) {
      var args = Array.prototype.slice.call(arguments);
      var el = typeof gd === "string" ? document.getElementById(gd) : gd;
      var seen = window.evidenceSeen;
      var box = el && el.closest && (el.closest(".figure") || el);
      var job = el && pending.get(el);
      if (box && seen && !el._fullLayout && traces(args) === 0 && !seen.visible(box)) {
        if (!job) pending.set(el, job = { waiting: [], box: box });
        job.args = args;
        seen.whenSeen(box, "draw", function () { drawNow(el); });
        return new Promise(function (resolve, reject) { job.waiting.push([resolve, reject]); });
      }
      keepDownloadName(el, args[1]);
      var drawn = react.apply(plotly, args);
      if (job) { // a figure arrived (or the graph came into view) before the waiting empty draw
        pending.delete(el);
        seen.forget(job.box, "draw");
        settle(job, drawn);
      }
      return drawn;
    };
    plotly.react.evidenceLazy = true;
  }

  if (window.Plotly) { wrap(window.Plotly); return; }
  var current;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    enumerable: true,
    get: function () { return current; },
    set: function (value) { current = value; wrap(value); },
  });
})();
