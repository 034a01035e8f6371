/*
 * Highlighting a trial restyles what is drawn (components/highlight.py); the server draws nothing.
 *
 * Every mark carries its trial in customdata[0] (or a trace-level meta.trial). With a trial
 * highlighted, other trials' marks are dimmed (trace opacity; a trace mixing trials is split in
 * two, so whiskers and labels dim with their markers), the highlighted trial's markers get the
 * orange ring and whisker glow the figure builders draw for exports (evidence/figures/efficacy.py
 * _halo_trace), its lines are drawn wider, and the tick labels naming it bold. A figure without
 * the trial is left as it is. A heatmap cannot dim single
 * columns, so its other columns are veiled with translucent white and the highlighted ones outlined.
 * What the restyle replaced is kept in figure._evidenceHighlight (beside data and layout, so plotly
 * never sees it), so clearing restores the figure
 * exactly as the server sent it; a new figure from the server arrives unstyled and is restyled.
 * Only graphs on screen are restyled at once; the others when they are seen (assets/seen.js).
 */
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence = Object.assign({}, window.dash_clientside.evidence, {
  highlight: (function () {
    var DIM = 0.3;
    var ORANGE = "#E69F00"; // theme.HIGHLIGHT_COLOUR (Okabe-Ito orange)
    var HALO_FILL = "rgba(230,159,0,0.30)";
    var GLOW = "rgba(230,159,0,0.45)";
    var VEIL = "rgba(255,255,255,0.62)";
    var KEY = "_evidenceHighlight";
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
      if (trace.type === "heatmap") return null;
      var cd = values(trace.customdata);
      if (Array.isArray(cd)) {
        var ids = cd.map(function (c) { return Array.isArray(c) && typeof c[0] === "string" && c[0] ? c[0] : null; });
        if (ids.some(function (id) { return id !== null; })) return ids;
      }
      var trial = trace.meta && trace.meta.trial;
      if (typeof trial === "string" && trial) {
        var n = (values(trace.x) || values(trace.y) || [trial]).length;
        return Array(n).fill(trial);
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

    function glow(bars) {
      if (!bars || bars.visible === false || bars.array == null) return undefined;
      var array = values(bars.array);
      return {
        type: "data", symmetric: false, color: GLOW, thickness: 7, width: 0,
        array: array, arrayminus: bars.arrayminus == null ? array : values(bars.arrayminus),
      };
    }

    function halo(trace) {
      var xs = values(trace.x) || [], size = values(get(trace, ["marker", "size"]));
      var sizes = xs.map(function (_, i) { return (Array.isArray(size) ? size[i] : size == null ? 6 : size) + 12; });
      return {
        type: "scatter", x: xs, y: values(trace.y), xaxis: trace.xaxis, yaxis: trace.yaxis, mode: "markers",
        name: "highlighted trial", showlegend: false, hoverinfo: "skip", customdata: values(trace.customdata),
        marker: { symbol: "circle", size: sizes, color: HALO_FILL, line: { color: ORANGE, width: 3 } },
        error_x: glow(trace.error_x), error_y: glow(trace.error_y),
      };
    }

    function emphasised(trace) {
      if (!trace.mode || trace.mode.indexOf("lines") < 0) return trace;
      var width = get(trace, ["line", "width"]);
      return Object.assign({}, trace, { line: Object.assign({}, trace.line, { width: (width == null ? 2 : width) * 1.6 }) });
    }

    function restyleTrace(trace, trial, rings) {
      // {ring, main, part}: the orange ring under the trial's markers (or null), the trace as drawn
      // (dimmed, emphasised, or the other trials' part of it), the trial's own part split off (or null)
      var ids = trialsOf(trace), none = { ring: null, main: trace, part: null };
      if (!ids) return none;
      var mine = ids.map(function (id) { return id === trial; });
      var others = ids.map(function (id) { return id !== null && id !== trial; });
      if (!mine.some(Boolean)) return others.some(Boolean) ? { ring: null, main: dimmed(trace), part: null } : none;
      var lines = Boolean(trace.mode && trace.mode.indexOf("lines") >= 0);
      var out = { ring: null, main: emphasised(trace), part: null }, ringed = trace;
      if (others.some(Boolean) && lines) {
        // a line through several trials cannot be split: dim the other trials' markers only
        var op = values(get(trace, ["marker", "opacity"]));
        set((out.main = Object.assign({}, trace)), ["marker", "opacity"], ids.map(function (_, i) {
          var base = Array.isArray(op) ? op[i] : op == null ? 1 : op;
          return others[i] ? base * DIM : base;
        }));
        ringed = part(trace, mine, ids.length);
      } else if (others.some(Boolean)) {
        out.main = dimmed(part(trace, mine.map(function (m) { return !m; }), ids.length));
        out.part = ringed = Object.assign(part(trace, mine, ids.length), { showlegend: false });
      }
      if (rings && hasMarkers(trace)) out.ring = halo(ringed);
      return out;
    }

    function slotOf(trace, kind) {
      // an empty trace the server left for the restyle (evidence/figures/highlight_slots.py)
      return Boolean(trace && trace.meta && trace.meta.highlightSlot === kind);
    }

    function restyleData(data, trial, rings) {
      // every trace restyled; a ring or split part goes into the empty slot beside its trace, so
      // the trace count stays the same (Plotly.react then restyles instead of replotting); a
      // figure without slots gets them inserted
      var out = [];
      data.forEach(function (trace, i) {
        if ((slotOf(trace, "ring") && i + 1 < data.length) || (slotOf(trace, "part") && i > 0)) return; // filled by its trace
        var r = restyleTrace(trace, trial, rings);
        var ringSlot = i > 0 && slotOf(data[i - 1], "ring") ? data[i - 1] : null;
        var partSlot = slotOf(data[i + 1], "part") ? data[i + 1] : null;
        if (ringSlot) out.push(r.ring || ringSlot);
        else if (r.ring) out.push(r.ring);
        out.push(r.main);
        if (partSlot) out.push(r.part || partSlot);
        else if (r.part) out.push(r.part);
      });
      return out;
    }

    function heatmapShapes(trace, trial) {
      var cd = values(trace.customdata);
      if (!Array.isArray(cd) || !Array.isArray(cd[0])) return [];
      var cols = cd[0].map(cellTrial);
      var xs = values(trace.x) || cols.map(function (_, j) { return j; });
      var xref = trace.xaxis || "x", yref = trace.yaxis || "y", y1 = cd.length - 0.5;
      var shapes = [];
      var j = 0;
      while (j < cols.length) {
        var mine = cols[j] === trial, k = j;
        while (k + 1 < cols.length && (cols[k + 1] === trial) === mine) k++;
        shapes.push({
          type: "rect", xref: xref, yref: yref, x0: xs[j] - 0.5, x1: xs[k] + 0.5, y0: -0.5, y1: y1, layer: "above",
          fillcolor: mine ? "rgba(0,0,0,0)" : VEIL, line: mine ? { color: ORANGE, width: 3 } : { width: 0 },
        });
        j = k + 1;
      }
      return shapes;
    }

    function cellTrial(c) {
      // a heatmap cell's trial: its customdata is the trial id (Dash passes no list customdata
      // of a heatmap point on to clickData), or [trial, arm]
      return typeof c === "string" ? c : Array.isArray(c) ? c[0] : null;
    }

    function names(text, trial) {
      // a tick label names the trial when it starts with its id followed by a word break
      var s = String(text), id = escapeText(trial);
      return s.indexOf(id) === 0 && /^(?:$|[\s<:·(†,])/.test(s.slice(id.length));
    }

    function boldTicks(layout, axes, trial) {
      Object.keys(layout).forEach(function (axis) {
        var a = layout[axis];
        if (!/^[xy]axis\d*$/.test(axis) || !a || !Array.isArray(a.ticktext)) return;
        var id = escapeText(trial);
        var text = a.ticktext.map(function (t) {
          return names(t, trial) ? "<b>" + id + " ★</b>" + String(t).slice(id.length) : t;
        });
        if (text.some(function (t, k) { return t !== a.ticktext[k]; })) {
          axes[axis] = a.ticktext;
          layout[axis] = Object.assign({}, a, { ticktext: text });
        }
      });
    }

    function shows(trace, trial) {
      if (trace.type === "heatmap") {
        var cd = values(trace.customdata);
        return Array.isArray(cd) && Array.isArray(cd[0]) && cd[0].some(function (c) { return cellTrial(c) === trial; });
      }
      var ids = trialsOf(trace);
      return Boolean(ids) && ids.indexOf(trial) >= 0;
    }

    function restore(figure) {
      var kept = figure[KEY];
      if (!kept) return figure;
      var layout = Object.assign({}, figure.layout);
      if (kept.shapes === undefined) delete layout.shapes;
      else layout.shapes = kept.shapes;
      Object.keys(kept.axes).forEach(function (axis) {
        layout[axis] = Object.assign({}, layout[axis], { ticktext: kept.axes[axis] });
      });
      var plain = Object.assign({}, figure, { data: kept.data, layout: layout });
      delete plain[KEY];
      return plain;
    }

    function restyle(figure, trial) {
      var data = [], veils = [], axes = {};
      var layout = Object.assign({}, figure.layout);
      var kept = { trial: trial, data: figure.data, shapes: figure.layout.shapes, axes: axes };
      var out = Object.assign({}, figure, { layout: layout });
      out[KEY] = kept;
      if (!figure.data.some(function (trace) { return shows(trace, trial); })) return out; // not in this figure
      figure.data.forEach(function (trace) {
        if (trace.type === "heatmap" && !veils.length) veils = heatmapShapes(trace, trial);
      });
      data = restyleData(figure.data, trial, !veils.length); // a heatmap's outline is its ring
      boldTicks(layout, axes, trial);
      if (veils.length) layout.shapes = (figure.layout.shapes || []).concat(veils);
      out.data = data;
      return out;
    }

    function restyled(figure, trial) {
      // the figure to draw for `trial` ("" = none), or null when what is drawn is right already
      if (!figure || !Array.isArray(figure.data)) return null;
      var kept = figure[KEY];
      if ((kept ? kept.trial : "") === trial) return null;
      if (!kept && !figure.data.some(function (trace) { return shows(trace, trial); })) return null; // not in it
      var plain = restore(figure);
      return trial ? restyle(plain, trial) : plain;
    }

    // A graph off screen (below the fold, or in a hidden tab) is not restyled: each restyle is a
    // full Plotly redraw (halo traces, split traces). Its last figure and the highlight wait, and
    // the restyle is drawn once the graph is seen (assets/seen.js).
    var latest = {}; // graph id -> {figure, trial}

    function graphFigure(graphId, figure, trial) {
      // what to set as graph `graphId`'s figure for `trial`: the restyle, or no_update (right
      // already, or off screen: then restyled once seen)
      var no = window.dash_clientside.no_update;
      var graph = document.getElementById(graphId);
      var box = graph && (graph.closest(".figure") || graph);
      var seen = window.evidenceSeen;
      if (!box || !seen || seen.visible(box)) {
        if (box && seen) seen.forget(box, "highlight");
        return restyled(figure, trial) || no;
      }
      latest[graphId] = { figure: figure, trial: trial };
      if (restyled(figure, trial)) {
        seen.whenSeen(box, "highlight", function () {
          var last = latest[graphId];
          var next = last && restyled(last.figure, last.trial);
          if (next) window.dash_clientside.set_props(graphId, { figure: next });
        });
      } else {
        seen.forget(box, "highlight");
      }
      return no;
    }

    // One callback for every restyled graph (components/highlight.py): a highlight change is one
    // clientside call, not one per graph; a figure from the server leaves the other graphs as
    // they are (their restyle is already drawn, so graphFigure gives no_update).
    return function (sliced) {
      var trial = (sliced && sliced.highlight) || "";
      var figures = Array.prototype.slice.call(arguments, 1);
      var outs = window.dash_clientside.callback_context.outputs_list;
      return figures.map(function (figure, k) { return graphFigure(outs[k].id, figure, trial); });
    };
  })(),
  gridHighlight: (function () {
    // The trials grid and the selection summary (components/highlight.py): the row of the
    // highlighted trial flagged (rowClassRules: row-highlighted), "; highlighted: <trial>" after
    // the summary the server wrote (which never names the highlight itself).
    var MARK = "; highlighted: ";
    return function (sliced, rows, summary) {
      var no = window.dash_clientside.no_update;
      var trial = (sliced && sliced.highlight) || "";
      var outRows = no, outSummary = no;
      var stale = function (row) { return Boolean(row.highlighted) !== (row.trial_id === trial); };
      if (Array.isArray(rows) && rows.some(stale)) {
        outRows = rows.map(function (row) { return Object.assign({}, row, { highlighted: row.trial_id === trial }); });
      }
      if (typeof summary === "string") {
        var at = summary.indexOf(MARK), base = at < 0 ? summary : summary.slice(0, at);
        var text = trial ? base + MARK + trial : base;
        if (text !== summary) outSummary = text;
      }
      return [outRows, outSummary];
    };
  })(),
});
