/*
 * Highlighting a trial restyles what is drawn, in the browser; the server draws nothing and Dash
 * carries no figure for it. The figure views do not read `highlight` (one of their `style_fields`,
 * evidence/view_registry.py), so selecting or clearing a trial sends no request and runs no
 * Dash callback. The graphs restyled are those whose wrapper carries `data-highlight`
 * (components/layout.py, ids.HIGHLIGHTED_GRAPHS).
 *
 * `window.evidenceHighlight.show(trial)` is called where the view state is made (assets/state.js
 * `sync`, assets/slices.js `slice`, assets/answers.js a card click) and restyles at once: every
 * restyled graph on screen through `window.evidenceDraw.now` on its plot div (Plotly.react as
 * assets/lazy_draw.js owns it; outside Dash's renderer: no figure prop, no dcc.Graph re-render), the trials grid's row (its rowClassRules read
 * `evidenceHighlighted`), the answer strip's card and the "; highlighted: <trial>" after the
 * selection summary. A figure the server sends later is restyled once drawn (assets/lazy_draw.js
 * calls `drawn`), new cards once built (assets/answer_cards.js calls `markCards`), the toxicity
 * table's columns once built (assets/heatmap_table.js calls `markTables`), new grid rows by
 * their row class rule: no Dash callback runs for it (each costs a renderer round, ~25-40 ms of
 * main thread, on every change).
 *
 * Every mark carries its trial in customdata[0] (or a trace-level meta.trial). Only style
 * attributes change, so Plotly restyles instead of recomputing the figure (a new data array or
 * tick text makes Plotly.react replot it all, 150-1500 ms a figure under load; a style change or
 * a shape costs 15-60 ms): other trials' traces are dimmed (trace opacity), the trial's lines drawn
 * wider, and layout shapes mark the trial: an orange ring under each of its markers (a circle
 * sized in pixels, anchored at the point), a glow along its confidence interval, and a band
 * across the row (or column) whose tick label names it, from the figure's left edge to its right.
 * A marker trace mixing trials is split (its other trials' part dimmed, the
 * trial's part in the empty slot the server left after it: evidence/figures/highlight_slots.py),
 * so its whiskers and labels dim with their markers; only these figures (not on the first screen)
 * are recomputed. A figure without the trial is left as it is.
 * What the restyle started from is kept on the plot div (gd._evidenceHighlight), so clearing
 * draws the figure exactly as the server sent it. Only graphs on screen are restyled at once; the
 * others when they are seen (assets/seen.js).
 */
window.evidenceHighlight = (function () {
  var DIM = 0.3;
  var ORANGE = "#E69F00"; // theme.HIGHLIGHT_COLOUR (Okabe-Ito orange)
  var HALO_FILL = "rgba(230,159,0,0.30)";
  var GLOW = "rgba(230,159,0,0.45)";
  var BAND = "rgba(230,159,0,0.16)";
  var KEY = "_evidenceHighlight";
  var SHAPE = "highlight: "; // every shape the highlight adds is named "highlight: <trial>" (tests read it)
  var GRID = "trial-grid"; // ids.TRIAL_GRID
  var CARDS = "answer-cards"; // ids.ANSWER_CARDS
  var SUMMARY = "selection-highlight"; // ids.SELECTION_HIGHLIGHT
  var MARK = "answer-highlighted";
  var TYPED = {
    f8: Float64Array, f4: Float32Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array,
    u2: Uint16Array, i4: Int32Array, u4: Uint32Array,
  };
  // Per-point attributes a split trace keeps for its own points.
  var POINT_PATHS = [
    ["x"], ["y"], ["text"], ["hovertext"], ["customdata"], ["ids"], ["textposition"],
    ["marker", "size"], ["marker", "color"], ["marker", "opacity"], ["marker", "symbol"],
    ["marker", "line", "color"], ["marker", "line", "width"], ["textfont", "color"], ["textfont", "size"],
    ["error_x", "array"], ["error_x", "arrayminus"], ["error_y", "array"], ["error_y", "arrayminus"],
  ];

  var trial = ""; // the highlighted trial ("" = none)

  function values(a) {
    // plotly's typed-array form ({dtype, bdata}) or an array -> a plain array
    if (a && typeof a === "object" && !Array.isArray(a) && typeof a.bdata === "string" && TYPED[a.dtype]) {
      var bytes = Uint8Array.from(atob(a.bdata), function (c) { return c.charCodeAt(0); });
      return Array.from(new TYPED[a.dtype](bytes.buffer));
    }
    return Array.isArray(a) || ArrayBuffer.isView(a) ? Array.from(a) : a;
  }

  function get(obj, path) {
    return path.reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }

  function set(obj, path, value) {
    var o = obj;
    path.slice(0, -1).forEach(function (k) {
      o[k] = Object.assign({}, o[k]);
      o = o[k];
    });
    o[path[path.length - 1]] = value;
  }

  function escapeText(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function trialsOf(trace) {
    // one trial id (or null) per point, or null when the trace names no trial
    var cd = values(trace.customdata);
    if (Array.isArray(cd)) {
      var ids = cd.map(function (c) { return Array.isArray(c) && typeof c[0] === "string" && c[0] ? c[0] : null; });
      if (ids.some(function (id) { return id !== null; })) return ids;
    }
    var named = trace.meta && trace.meta.trial;
    if (typeof named === "string" && named) {
      var n = (values(trace.x) || values(trace.y) || [named]).length;
      return Array(n).fill(named);
    }
    return null;
  }

  function part(trace, keep, n) {
    var out = Object.assign({}, trace);
    POINT_PATHS.forEach(function (path) {
      var v = values(get(trace, path));
      if (Array.isArray(v) && v.length === n) set(out, path, v.filter(function (_, i) { return keep[i]; }));
    });
    return out;
  }

  function dimmed(trace) {
    var base = trace.opacity == null ? 1 : trace.opacity;
    return Object.assign({}, trace, { opacity: base * DIM });
  }

  function hasMarkers(trace) {
    return (trace.type || "scatter") === "scatter" && (trace.mode == null || trace.mode.indexOf("markers") >= 0);
  }

  function emphasised(trace) {
    if (!trace.mode || trace.mode.indexOf("lines") < 0) return trace;
    var width = get(trace, ["line", "width"]);
    return Object.assign({}, trace, { line: Object.assign({}, trace.line, { width: (width == null ? 2 : width) * 1.6 }) });
  }

  function slotOf(trace) {
    // the empty trace the server left after a trace mixing trials (evidence/figures/highlight_slots.py)
    return Boolean(trace && trace.meta && trace.meta.highlightSlot === "part");
  }

  function restyleTrace(trace, want) {
    // {main, part, ringed}: the trace as drawn (dimmed, emphasised, or the other trials' part of
    // it), the trial's own part split off (or null), the trace whose points get rings (or null)
    var ids = trialsOf(trace), none = { main: trace, part: null, ringed: null };
    if (!ids) return none;
    var mine = ids.map(function (id) { return id === want; });
    var others = ids.map(function (id) { return id !== null && id !== want; });
    if (!mine.some(Boolean)) return others.some(Boolean) ? { main: dimmed(trace), part: null, ringed: null } : none;
    var lines = Boolean(trace.mode && trace.mode.indexOf("lines") >= 0);
    var out = { main: emphasised(trace), part: null, ringed: trace };
    if (others.some(Boolean) && lines) {
      // a line through several trials cannot be split: dim the other trials' markers only
      var op = values(get(trace, ["marker", "opacity"]));
      set((out.main = Object.assign({}, trace)), ["marker", "opacity"], ids.map(function (_, i) {
        var base = Array.isArray(op) ? op[i] : op == null ? 1 : op;
        return others[i] ? base * DIM : base;
      }));
      out.ringed = part(trace, mine, ids.length);
    } else if (others.some(Boolean)) {
      out.main = dimmed(part(trace, mine.map(function (m) { return !m; }), ids.length));
      out.part = out.ringed = Object.assign(part(trace, mine, ids.length), { showlegend: false });
    }
    return out;
  }

  function axisOf(gd, ref) {
    // trace axis reference ("x", "y2") -> the drawn axis (gd._fullLayout.xaxis, .yaxis2)
    return gd._fullLayout[ref.charAt(0) + "axis" + ref.slice(1)];
  }

  function coordinate(axis, v) {
    // a shape's position on an axis, in data units (plotly 3+ reads them so on a log axis too);
    // null where it cannot be drawn
    if (typeof v !== "number" || !isFinite(v)) return null;
    return axis && axis.type === "log" && v <= 0 ? null : v;
  }

  function across(axis, letter, v, r) {
    // a ring's extent on one axis: r pixels either side of v. A linear axis sizes it in pixels
    // around an anchor; plotly misplaces pixel-sized shapes on a log axis, so there it is in data
    // units, from the axis's pixels per decade (axis._m) as drawn now
    var out = {};
    if (axis && axis.type === "log" && axis._m) {
      var d = r / Math.abs(axis._m), l = Math.log10(v);
      out[letter + "0"] = Math.pow(10, l - d);
      out[letter + "1"] = Math.pow(10, l + d);
      return out;
    }
    out[letter + "sizemode"] = "pixel";
    out[letter + "anchor"] = v;
    out[letter + "0"] = -r;
    out[letter + "1"] = r;
    return out;
  }

  function rings(trace, gd, want) {
    // an orange ring under each marker of `trace` and a glow along its error bars (layout shapes:
    // drawn without recomputing the figure)
    var xref = trace.xaxis || "x", yref = trace.yaxis || "y";
    var xa = axisOf(gd, xref), ya = axisOf(gd, yref);
    var xs = values(trace.x) || [], ys = values(trace.y) || [], size = values(get(trace, ["marker", "size"]));
    var shapes = [];
    function bars(spec, i) {
      if (!spec || spec.visible === false || spec.array == null) return null;
      var plus = values(spec.array), minus = spec.arrayminus == null ? plus : values(spec.arrayminus);
      return [Array.isArray(minus) ? minus[i] : minus, Array.isArray(plus) ? plus[i] : plus];
    }
    xs.forEach(function (x, i) {
      var y = ys[i], cx = coordinate(xa, x), cy = coordinate(ya, y);
      if (cx === null || cy === null) return;
      var ex = bars(trace.error_x, i), ey = bars(trace.error_y, i);
      var glow = { type: "line", xref: xref, yref: yref, layer: "below", name: SHAPE + want, line: { color: GLOW, width: 7 } };
      if (ex && ex[0] != null && ex[1] != null) {
        shapes.push(Object.assign({ x0: coordinate(xa, x - ex[0]), x1: coordinate(xa, x + ex[1]), y0: cy, y1: cy }, glow));
      }
      if (ey && ey[0] != null && ey[1] != null) {
        shapes.push(Object.assign({ x0: cx, x1: cx, y0: coordinate(ya, y - ey[0]), y1: coordinate(ya, y + ey[1]) }, glow));
      }
      var r = ((Array.isArray(size) ? size[i] : size == null ? 6 : size) + 12) / 2;
      shapes.push(Object.assign({
        type: "circle", xref: xref, yref: yref, layer: "below", name: SHAPE + want,
        fillcolor: HALO_FILL, line: { color: ORANGE, width: 3 },
      }, across(xa, "x", cx, r), across(ya, "y", cy, r)));
    });
    return shapes;
  }

  function restyleData(data, want, ringsWanted, gd) {
    // every trace restyled; a split part goes into the empty slot after its trace, so the trace
    // count stays the same; [data, ring shapes]
    var out = [], shapes = [];
    data.forEach(function (trace, i) {
      if (slotOf(trace) && i > 0) return; // filled by its trace
      var r = restyleTrace(trace, want);
      out.push(r.main);
      if (slotOf(data[i + 1])) out.push(r.part || data[i + 1]);
      else if (r.part) out.push(r.part);
      if (ringsWanted && r.ringed && hasMarkers(trace)) shapes = shapes.concat(rings(r.ringed, gd, want));
    });
    return [out, shapes];
  }

  function names(text, want) {
    // a tick label names the trial when it starts with its id followed by a word break
    var s = String(text), id = escapeText(want);
    return s.indexOf(id) === 0 && /^(?:$|[\s<:·(†,])/.test(s.slice(id.length));
  }

  function bands(layout, gd, want) {
    // a band across each row (column) whose tick label names the trial, over the whole figure
    // width (height), labels included; the tick labels themselves are left as they are
    var size = gd._fullLayout._size, shapes = [];
    Object.keys(layout).forEach(function (key) {
      var a = layout[key];
      if (!/^[xy]axis\d*$/.test(key) || !a || a.overlaying || !Array.isArray(a.ticktext) || !Array.isArray(a.tickvals)) return;
      var vals = a.tickvals.map(Number), ref = key.charAt(0) + key.slice(5);
      var sorted = vals.filter(isFinite).sort(function (p, q) { return p - q; });
      var gap = sorted.slice(1).reduce(function (g, v, k) { return Math.min(g, v - sorted[k]); }, Infinity);
      var half = isFinite(gap) && gap > 0 ? gap / 2 : 0.5;
      a.ticktext.forEach(function (text, k) {
        if (!names(text, want) || !isFinite(vals[k])) return;
        var band = { type: "rect", layer: "below", name: SHAPE + want, fillcolor: BAND, line: { width: 0 } };
        if (key.charAt(0) === "y") {
          shapes.push(Object.assign(band, { xref: "paper", x0: -size.l / size.w, x1: 1 + size.r / size.w,
            yref: ref, y0: vals[k] - half, y1: vals[k] + half }));
        } else {
          shapes.push(Object.assign(band, { yref: "paper", y0: -size.b / size.h, y1: 1 + size.t / size.h,
            xref: ref, x0: vals[k] - half, x1: vals[k] + half }));
        }
      });
    });
    return shapes;
  }

  function shows(trace, want) {
    var ids = trialsOf(trace);
    return Boolean(ids) && ids.indexOf(want) >= 0;
  }

  function restyle(plain, want, gd) {
    // {data, layout} drawing `want` highlighted, or null when the figure does not show it
    if (!plain.data.some(function (trace) { return shows(trace, want); })) return null;
    var restyled = restyleData(plain.data, want, true, gd);
    var added = bands(plain.layout, gd, want).concat(restyled[1]);
    var layout = Object.assign({}, plain.layout, { shapes: (plain.layout.shapes || []).concat(added) });
    return { data: restyled[0], layout: layout };
  }

  function apply(gd, want) {
    // draw `want` ("" = none) on plot div `gd`, from the figure the server sent
    var kept = gd[KEY];
    var ours = Boolean(kept) && gd.data === kept.drawn; // else dcc.Graph has drawn a new figure since
    var plain = ours ? kept.plain : { data: gd.data, layout: gd.layout };
    if ((ours ? kept.trial : "") === want) return;
    var next = want ? restyle(plain, want, gd) : null;
    if (!next && !ours) return; // not in this figure, drawn as sent
    gd[KEY] = next ? { trial: want, plain: plain, drawn: next.data } : null;
    window.evidenceDraw.now(gd, next || plain); // its box keeps the figure's height (lazy_draw.js)
  }

  function plotOf(graphId) {
    var graph = document.getElementById(graphId);
    var gd = graph && graph.querySelector(".js-plotly-plot");
    return gd && gd._fullLayout && Array.isArray(gd.data) ? gd : null;
  }

  function draw(gd) {
    apply(gd, trial);
  }

  function showIn(ids) {
    // restyle the graphs seen now, the others once seen (a redraw off screen is wasted work);
    // every graph's visibility is read before any is drawn (a read after a draw forces a layout)
    var seen = window.evidenceSeen;
    var plots = ids.map(function (id) {
      var gd = plotOf(id), box = gd && (gd.closest(".figure") || gd);
      return gd && { id: id, gd: gd, box: box, now: !seen || seen.visible(box) };
    }).filter(Boolean);
    plots.forEach(function (p) {
      if (p.now) {
        if (seen) seen.forget(p.box, "highlight");
        draw(p.gd);
      } else {
        seen.whenSeen(p.box, "highlight", function () { showIn([p.id]); });
      }
    });
  }

  function markCards() {
    // the highlighted trial's answer card: its class, its title button's aria-pressed and title
    // (every card is built plain: assets/answer_cards.js, which calls this once it has built them)
    var box = document.getElementById(CARDS);
    if (!box) return;
    box.querySelectorAll(".answer-card[data-trial]").forEach(function (card) {
      var id = card.getAttribute("data-trial");
      var on = id === trial, button = card.querySelector(".answer-trial");
      if (card.classList.contains(MARK) !== on) card.classList.toggle(MARK, on);
      if (!button) return;
      var pressed = on ? "true" : "false";
      var title = (on ? "Clear the highlight of " : "Highlight ") + id + " in every view";
      if (button.getAttribute("aria-pressed") !== pressed) button.setAttribute("aria-pressed", pressed);
      if (button.getAttribute("title") !== title) button.setAttribute("title", title);
    });
  }

  function markTables() {
    // the toxicity table (assets/heatmap_table.js, which calls this once it has built one): the
    // trial's column headers and cells outlined (hm-mine), the other trials' veiled (hm-veiled),
    // when the table shows the trial at all
    document.querySelectorAll(".hm-table").forEach(function (table) {
      var marked = table.querySelectorAll("[data-trial]");
      var shown = Boolean(trial) && Array.prototype.some.call(marked, function (node) {
        return node.getAttribute("data-trial") === trial;
      });
      marked.forEach(function (node) {
        var mine = shown && node.getAttribute("data-trial") === trial;
        if (node.classList.contains("hm-mine") !== mine) node.classList.toggle("hm-mine", mine);
        if (node.classList.contains("hm-veiled") !== (shown && !mine)) node.classList.toggle("hm-veiled", shown && !mine);
      });
    });
  }

  function markGrid() {
    // the grid's rowClassRules read `evidenceHighlighted`; its rows are redrawn to apply them
    var api = null;
    try { api = window.dash_ag_grid && window.dash_ag_grid.getApi(GRID); } catch (e) { api = null; }
    if (api && !api.isDestroyed()) api.redrawRows();
  }

  function markSummary() {
    var span = document.getElementById(SUMMARY);
    var text = trial ? "; highlighted: " + trial : "";
    if (span && span.textContent !== text) span.textContent = text;
  }

  function show(next) {
    // highlight `next` ("" = none) in every view
    next = next || "";
    if (next === trial) return;
    trial = next;
    showIn(Array.prototype.map.call(document.querySelectorAll("[data-highlight]"), function (box) {
      return box.getAttribute("data-highlight");
    }));
    markGrid();
    markCards();
    markTables();
    markSummary();
  }

  function drawn(gd) {
    // a figure the server sent has just been drawn on plot div `gd` (assets/lazy_draw.js tells):
    // restyle it if it is one the highlight marks (its wrapper's data-highlight, components/layout.py);
    // the highlight's own redraw finds itself already drawn (`apply` returns at once)
    var box = trial && gd && gd.closest && gd.closest("[data-highlight]");
    if (box) showIn([box.getAttribute("data-highlight")]);
  }

  return { show: show, drawn: drawn, markCards: markCards, markTables: markTables, current: function () { return trial; }, restyle: restyle };
})();

// The trials grid's row class rule (components/layout.py rowClassRules): the highlighted trial's row.
window.dashAgGridFunctions = Object.assign({}, window.dashAgGridFunctions, {
  evidenceHighlighted: function (params) {
    return Boolean(params && params.data) && params.data.trial_id === window.evidenceHighlight.current();
  },
});

