/*
 * Keyboard access to the evidence behind a point (issue 16): plotly chooses points only with a
 * pointer, so every clickable graph (its figure wrapper marked data-points="keyboard",
 * components/layout.py) is made one tab stop that walks its points:
 *
 * - the graph is focusable (tabindex 0, role application, a label saying how);
 * - arrow keys move through the points that name a trial (customdata[0]), in reading order
 *   (top to bottom, then left to right); Home and End go to the first and last; the current
 *   point shows plotly's own hover (Plotly.Fx.hover) and its hover text is read out through one
 *   polite live region;
 * - Enter or Space clicks it: plotly's click event is emitted with the hovered point, exactly as
 *   plotly's own click does (fx/click.js: gd.emit('plotly_click', {points: gd._hoverdata})), so
 *   dcc.Graph turns it into clickData and the existing callbacks (highlight, Evidence box) run;
 * - Escape takes the hover away; leaving the graph does too.
 *
 * Text tables (a plotly table trace: baseline, fatal events, findings) have no points plotly can
 * click. Their cells name the curated row they show (customdata: per row and column an index into
 * layout.meta.evidence, [trial_id, source hover line]; evidence/figures/tabular.py). A click on a
 * cell, or Enter on the current cell, sets the graph's clickData to a point of the same shape
 * (customdata [trial_id], hovertext the source line) with dash_clientside.set_props.
 */
(function () {
  var LABEL = ": chart. Arrow keys move through its points, Enter or Space shows the evidence for a point, Escape stops.";
  var TABLE_LABEL = ": table. Arrow keys move through its rows, Enter or Space shows the evidence for a row, Escape stops.";
  var STATUS_ID = "keyboard-point-status";
  var CURRENT = "keyboard-current"; // class of the table cell chosen (assets/views.css)
  var chosen = new WeakMap(); // graph element -> the current point {key}

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function plotOf(graph) {
    return graph.querySelector(".js-plotly-plot");
  }

  function isTable(gd) {
    return Boolean(gd && gd._fullData && gd._fullData.some(function (t) { return t.type === "table"; }));
  }

  function repair() {
    document.querySelectorAll('.figure[data-points="keyboard"]').forEach(function (wrapper) {
      var graph = document.getElementById(wrapper.getAttribute("data-view"));
      if (!graph) return;
      var gd = plotOf(graph), section = wrapper.closest("[aria-label]");
      var title = gd && gd._fullLayout && gd._fullLayout.title ? plain(gd._fullLayout.title.text) : "";
      var name = title || (section ? section.getAttribute("aria-label") : "Figure");
      setAttr(graph, "tabindex", "0");
      setAttr(graph, "role", "application");
      setAttr(graph, "aria-label", name + (isTable(gd) ? TABLE_LABEL : LABEL));
      graph.setAttribute("data-keyboard-points", "");
    });
  }

  function status(text) {
    var el = document.getElementById(STATUS_ID);
    if (!el) {
      el = document.createElement("p");
      el.id = STATUS_ID;
      el.className = "visually-hidden";
      el.setAttribute("aria-live", "polite");
      document.body.appendChild(el);
    }
    el.textContent = text;
  }

  var inert = null; // an element of a document without a window: nothing put in it loads or runs

  function plain(html) {
    // a hover's words, parsed in that inert document (markup set on an element of the page's own
    // document would fetch an image and fire its handlers), never put on the page; one document
    // for every call (a DOMParser makes a new one each time, ~1 ms)
    if (!inert) inert = document.implementation.createHTMLDocument("").createElement("div");
    inert.innerHTML = String(html || "").replace(/<br\s*\/?>/gi, " ");
    return (inert.textContent || "").replace(/\s+/g, " ").trim();
  }

  function trialOf(c) {
    if (typeof c === "string") return c || null;
    return Array.isArray(c) && typeof c[0] === "string" && c[0] ? c[0] : null;
  }

  function axisOf(gd, id) {
    return gd._fullLayout[id.replace(/^([xy])/, "$1axis")];
  }

  function markPoints(gd, trace, c, out) {
    var custom = trace.customdata;
    var cd = gd.calcdata && gd.calcdata[c];
    if (!Array.isArray(custom) && !ArrayBuffer.isView(custom)) return;
    if (!cd || !trace.xaxis) return;
    var xa = axisOf(gd, trace.xaxis), ya = axisOf(gd, trace.yaxis);
    cd.forEach(function (di, k) {
      var i = typeof di.i === "number" ? di.i : k;
      if (!trialOf(custom[i])) return;
      var px = xa._offset + xa.c2p(di.x), py = ya._offset + ya.c2p(di.y);
      if (isFinite(px) && isFinite(py)) out.push({ curve: c, point: i, px: px, py: py });
    });
  }

  function tableCells(gd, trace, c, out) {
    var custom = trace.customdata || [];
    custom.forEach(function (row, i) {
      (row || []).forEach(function (entry, j) {
        if (entry == null || (j > 0 && row[j - 1] === entry)) return; // a row's cells naming one row of data: once
        out.push({ curve: c, point: i, column: j, entry: entry, px: j, py: i });
      });
    });
  }

  function points(gd) {
    var out = [];
    (gd._fullData || []).forEach(function (trace, c) {
      if (trace.visible !== true || trace.hoverinfo === "skip") return;
      if (trace.type === "table") tableCells(gd, trace, c, out);
      else markPoints(gd, trace, c, out);
    });
    out.forEach(function (p) { p.key = [Math.round(p.py), Math.round(p.px), String(p.point), p.column].join(":"); });
    return out.sort(function (a, b) { return Math.round(a.py) - Math.round(b.py) || a.px - b.px; });
  }

  function subplotOf(trace) {
    return (trace.xaxis || "x") + (trace.yaxis || "y");
  }

  function entryOf(gd, p) {
    var evidence = ((gd.layout || {}).meta || {}).evidence || [];
    return evidence[p.entry] || null;
  }

  function markCell(gd, p) {
    gd.querySelectorAll("." + CURRENT).forEach(function (el) { el.classList.remove(CURRENT); });
    if (!p) return;
    var row = (gd._fullData[p.curve].customdata || [])[p.point] || [];
    gd.querySelectorAll(".column-cell").forEach(function (el) {
      var d = el.__data__; // plotly's table cell: its row and column
      if (d && d.column && d.column.type === "cells" && d.rowNumber === p.point && row[d.column.specIndex] === p.entry) {
        el.classList.add(CURRENT); // every cell of the row showing the same curated row
      }
    });
  }

  function show(graph, gd, list, index) {
    var p = list[index];
    chosen.set(graph, p.key);
    var where = " (" + (index + 1) + " of " + list.length + ")";
    if (p.column !== undefined) {
      markCell(gd, p);
      var cells = gd._fullData[p.curve].cells.values;
      var row = cells.map(function (column) { return plain(column[p.point]); }).filter(Boolean).join(", ");
      status(row + where);
      return;
    }
    var target = Object.assign({ curveNumber: p.curve }, p.at || { pointNumber: p.point });
    window.Plotly.Fx.hover(gd, [target], subplotOf(gd._fullData[p.curve]));
    var hovered = (gd._hoverdata || [])[0];
    status(plain(hovered && (hovered.hovertext || hovered.text)) + where);
  }

  function tableClick(graph, gd, row, column) {
    var custom = (gd._fullData[0].customdata || [])[row] || [];
    var entry = entryOf(gd, { entry: custom[column] });
    if (!entry) return;
    var point = { curveNumber: 0, pointNumber: row, customdata: [entry[0]], hovertext: entry[1] };
    window.dash_clientside.set_props(graph.id, { clickData: { points: [point], timestamp: Date.now() } });
  }

  function click(graph, gd, p) {
    if (p.column !== undefined) return tableClick(graph, gd, p.point, p.column);
    var same = function (h) { return h.curveNumber === gd._fullData[p.curve].index && String(h.pointNumber) === String(p.point); };
    var hovered = (gd._hoverdata || []).filter(same);
    if (!hovered.length) return;
    gd.emit("plotly_click", { points: hovered, event: new MouseEvent("click") });
  }

  function leave(graph) {
    var gd = plotOf(graph);
    chosen.delete(graph);
    if (!gd) return;
    markCell(gd, null);
    if (window.Plotly && gd._fullLayout) window.Plotly.Fx.unhover(gd);
  }

  var MOVES = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

  document.addEventListener("keydown", function (event) {
    var graph = event.target;
    if (!graph || !graph.hasAttribute || !graph.hasAttribute("data-keyboard-points")) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var gd = plotOf(graph);
    if (event.key === "Escape") {
      if (chosen.has(graph)) event.preventDefault();
      return leave(graph);
    }
    var acts = event.key === "Enter" || event.key === " ";
    if (!(event.key in MOVES) && event.key !== "Home" && event.key !== "End" && !acts) return;
    event.preventDefault();
    if (!gd || !gd._fullData || !window.Plotly) return;
    var list = points(gd);
    if (!list.length) return status("No points with evidence in this figure.");
    var key = chosen.get(graph);
    var at = list.findIndex(function (p) { return p.key === key; });
    var next = at;
    if (event.key === "Home") next = 0;
    else if (event.key === "End") next = list.length - 1;
    else if (event.key in MOVES) next = at < 0 ? 0 : Math.min(list.length - 1, Math.max(0, at + MOVES[event.key]));
    else if (at < 0) next = 0;
    show(graph, gd, list, next);
    if (acts) click(graph, gd, list[next]);
  });

  document.addEventListener("focusout", function (event) {
    var graph = event.target;
    if (graph && graph.hasAttribute && graph.hasAttribute("data-keyboard-points")) leave(graph);
  });

  document.addEventListener("click", function (event) {
    // a click on a table cell: the evidence of the row (or cell) it shows
    var cell = event.target.closest && event.target.closest(".column-cell");
    var graph = cell && cell.closest("[data-keyboard-points]");
    var d = cell && cell.__data__;
    if (!graph || !d || !d.column || d.column.type !== "cells") return;
    var gd = plotOf(graph);
    if (gd) tableClick(graph, gd, d.rowNumber, d.column.specIndex);
  });

  // after every render (assets/dom_changes.js: one observer for every repairing script)
  document.addEventListener("DOMContentLoaded", function () {
    window.evidenceDomChanges.subscribe(repair);
  });
})();
