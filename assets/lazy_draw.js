/*
 * The one owner of drawing a graph: every draw goes through `Plotly.react` as wrapped here,
 * dcc.Graph's own and the highlight's (`window.evidenceDraw.now`, assets/highlight.js); what is
 * drawn when is decided here and in assets/seen.js, nowhere else.
 *
 * A graph nobody can see is not drawn ("only what is visible is drawn"). dcc.Graph calls
 * Plotly.react as soon as it mounts, even with no figure yet, so every graph in a hidden tab and
 * every graph below the fold did an empty first draw at page load (13 graphs, ~50-150 ms each)
 * while the first screen's figures were being drawn, and kept the page busy. Here an empty draw
 * (no traces) of a graph never drawn and not seen (assets/seen.js) waits until it is seen: its tab
 * shown or the graph scrolled to. A figure with traces is drawn at once, and dcc.Graph's own
 * promise resolves only after the real draw, so its events are bound as before.
 *
 * Every graph's box is as high as its figure: each figure declares layout.height (its rows
 * decide it), and the plot div is given that height before the figure is drawn. dcc.Graph is
 * responsive, so plotly autosizes: a window resize (Plots.resize) deletes layout.height and sizes
 * the paper to 100% of the plot div, whose height was only its content's (0 px once the paper
 * is 100% of it): the graph collapsed to 0 px and the next one lay over it. With a definite box,
 * a resize, a highlight or a late first draw keeps the figure's height.
 *
 * Plotly is loaded on demand by dcc.Graph; the wrapper is put on when `window.Plotly` is set.
 *
 * A new download name is not a new config. Each figure view's answer sends the graph's config with
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
 *
 * A figure may declare the least width it reads at (layout.meta.min_width: the text tables,
 * whose columns must hold their widest words, figures/tabular.py): the plot div is given it as
 * its min-width before the draw, and its card scrolls sideways when narrower (assets/views.css).
 * A table's rows wrap to more lines the narrower it is drawn, so it names its height at a few
 * widths (layout.meta.heights) and is drawn as high as the narrowest of them needs at its width,
 * picked again when a window resize changes its width.
 *
 * After every draw the highlight is told (`evidenceHighlight.drawn`): a figure the server sent is
 * restyled for the highlighted trial as soon as it is on the page, with no Dash callback for it.
 */
window.evidenceDraw = (function () {
  var pending = new Map(); // graph div -> {args, box, waiting: [[resolve, reject], ...]}
  var react = null; // plotly's own Plotly.react

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
      if (el && el.layout) refitTable(el);
      if (sameSize(el) && !el._redrawTimer) return Promise.resolve(el);
      return resize.apply(plots, arguments);
    };
    plots.resize.evidenceSameSize = true;
  }

  function declaredHeight(args) {
    // the figure's layout.height (Plotly.react(gd, figure) or (gd, data, layout)), or null
    var layout = Array.isArray(args[1]) ? args[2] : args[1] && args[1].layout;
    var h = layout && layout.height;
    return typeof h === "number" && isFinite(h) && h > 0 ? Math.round(h) : null;
  }

  function declaredMinWidth(args) {
    // the figure's layout.meta.min_width (a text table: figures/tabular.py), "" if it names
    // none, or null for a draw without a layout
    var layout = Array.isArray(args[1]) ? args[2] : args[1] && args[1].layout;
    if (!layout) return null;
    var w = layout.meta && layout.meta.min_width;
    return typeof w === "number" && isFinite(w) && w > 0 ? Math.round(w) + "px" : "";
  }

  function heightAtWidth(el, args) {
    // a text table's height for the width it is drawn at (layout.meta.heights: [width, height]
    // pairs, figures/tabular.py): the pair of the widest width not wider than the plot div, so
    // its rows, wrapped at least as much as measured, all show. It becomes the figure's
    // layout.height. Other figures: their declared height.
    var layout = Array.isArray(args[1]) ? args[2] : args[1] && args[1].layout;
    var pairs = layout && layout.meta && layout.meta.heights;
    if (!Array.isArray(pairs) || !pairs.length) return declaredHeight(args);
    var width = el.getBoundingClientRect().width, chosen = pairs[0][1];
    pairs.forEach(function (pair) { if (pair[0] <= width + 1) chosen = pair[1]; });
    layout.height = chosen;
    return Math.round(chosen);
  }

  function refitTable(el) {
    // a drawn text table resized: the height for its new width (its rows wrap anew), set on the
    // plot div, whose height plotly's resize gives the paper
    if (!el.layout.meta || !el.layout.meta.heights) return;
    var h = heightAtWidth(el, [el, { layout: el.layout }]);
    if (h !== null && el.style.height !== h + "px") el.style.height = h + "px";
  }

  function sizeBox(el, args) {
    // the plot div as high as the figure it is about to draw; a draw naming no height (the
    // highlight's after a resize deleted it, an empty draw) keeps the box as it is. A table too
    // wide for its card is drawn at its least width and scrolls sideways (assets/views.css)
    var w = declaredMinWidth(args);
    if (w !== null && el.style.minWidth !== w) {
      el.style.minWidth = w;
      if (w) el.setAttribute("data-min-width", w); else el.removeAttribute("data-min-width");
    }
    var h = heightAtWidth(el, args);
    if (h !== null && el.style.height !== h + "px") el.style.height = h + "px";
  }

  function settle(job, promise) {
    Promise.resolve(promise).then(
      function (value) { job.waiting.forEach(function (w) { w[0](value); }); },
      function (error) { job.waiting.forEach(function (w) { w[1](error); }); });
  }

  function told(el, promise) {
    // once drawn, the highlight restyles the new figure if it marks that graph (assets/highlight.js)
    Promise.resolve(promise).then(function () {
      if (window.evidenceHighlight && el) window.evidenceHighlight.drawn(el);
    }, function () {});
    return promise;
  }

  function drawNow(gd) {
    var job = pending.get(gd);
    if (!job) return;
    pending.delete(gd);
    if (job.drawnData) gd._evidenceDrawnData = job.drawnData;
    sizeBox(gd, job.args);
    settle(job, told(gd, react.apply(window.Plotly, job.args)));
  }

  function drawWhenSeen(el, mayWait) {
    // a held graph came into view: drawn now, unless `mayWait` and its view's data are on their
    // way (assets/slices.js): then the figure they bring is its first draw (`arrived`), not an
    // empty draw followed by the real one
    var job = pending.get(el);
    if (!job) return;
    if (mayWait && window.evidenceSlices && window.evidenceSlices.expects(el)) return;
    drawNow(el);
  }

  function drawOnceSeen(el, job) {
    if (window.evidenceSeen.visible(job.box)) drawNow(el);
    else window.evidenceSeen.whenSeen(job.box, "draw", function () { drawWhenSeen(el, false); });
  }

  function draw(args) {
    // Plotly.react's arguments -> its promise: drawn now, or (an empty first draw off screen)
    // once seen
    var gd = args[0];
    var el = typeof gd === "string" ? document.getElementById(gd) : gd;
    var seen = window.evidenceSeen;
    var box = el && el.closest && (el.closest(".figure") || el);
    var job = el && pending.get(el);
    if (el && el._evidenceDrawnData && args[1] && args[1].data === el._evidenceDrawnData) {
      // dcc.Graph drawing the figure `arrived` drew first, from the same prop: nothing to do
      el._evidenceDrawnData = null;
      return Promise.resolve(el);
    }
    if (box && seen && !el._fullLayout && traces(args) === 0 && !seen.visible(box)) {
      if (!job) pending.set(el, job = { waiting: [], box: box });
      job.args = args;
      seen.whenSeen(box, "draw", function () { drawWhenSeen(el, true); });
      return new Promise(function (resolve, reject) { job.waiting.push([resolve, reject]); });
    }
    if (el && el.style) sizeBox(el, args);
    keepDownloadName(el, args[1]);
    var drawn = told(el, react.apply(window.Plotly, args));
    if (job) { // a figure arrived (or the graph came into view) before the waiting empty draw
      pending.delete(el);
      seen.forget(job.box, "draw");
      settle(job, drawn);
    }
    return drawn;
  }

  function wrap(plotly) {
    if (plotly) wrapResize(plotly);
    if (!plotly || typeof plotly.react !== "function" || plotly.react.evidenceLazy) return;
    react = plotly.react;
    plotly.react = function () { return draw(Array.prototype.slice.call(arguments)); };
    plotly.react.evidenceLazy = true;
  }

  if (window.Plotly) {
    wrap(window.Plotly);
  } else {
    var current;
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      enumerable: true,
      get: function () { return current; },
      set: function (value) { current = value; wrap(value); },
    });
  }

  return {
    // draw `figure` ({data, layout}) on plot div `gd` now: the highlight's redraw of a graph
    // dcc.Graph has drawn (assets/highlight.js); the box keeps its height if the figure names none
    now: function (gd, figure) { return react ? draw([gd, figure]) : Promise.resolve(gd); },
    // A view's answer brings `props` ({figure, config}) for graph `id` (assets/slices.js, before
    // it sets them on the graph): a graph still held empty is drawn with that figure, as
    // dcc.Graph would draw it, when seen; dcc.Graph's own draw of the same prop then does nothing.
    arrived: function (id, props) {
      var outer = document.getElementById(id), figure = props.figure;
      if (!outer || !figure || !react) return;
      pending.forEach(function (job, el) {
        if (!outer.contains(el)) return;
        var held = job.args[1] || {}, copy = JSON.parse(JSON.stringify(figure));
        var config = props.config
          ? Object.assign({}, props.config, { typesetMath: held.config && held.config.typesetMath })
          : held.config;
        job.args = [el, { data: copy.data, layout: copy.layout, frames: copy.frames, config: config }];
        job.drawnData = figure.data;
        drawOnceSeen(el, job);
      });
    },
    // A view's request is over (answered or failed): a graph in `box` still held for its data is
    // drawn with what it holds (empty, if no figure came), when seen.
    release: function (box) {
      pending.forEach(function (job, el) { if (box && box.contains(el)) drawOnceSeen(el, job); });
    },
  };
})();
