/*
 * The toxicity heatmap on screen: an HTML table built in the browser from the data the server
 * sends (evidence/figures/heatmap_table.py `table_data`, in the `data-table` attribute of the
 * view's `.table-view` box, #heatmap-figure, set by its callback: components/callbacks.py). Every
 * `.table-view` box is watched here: one whose data say `kind: "text"` (findings in words) is
 * built by assets/text_table.js, and its cells use the listeners below. No
 * Dash component per cell, no plotly drawing: a change that redraws the heatmap costs a few ms
 * instead of plotly's ~80-100 (issue 13). Slides and image exports keep the plotly figure.
 *
 * What it draws: the title, the key (NR, derived, lower bound, reported without figures) and the
 * colour scale above the table, sticky with the column headers while the rows scroll in their box
 * (assets/views.css); one row per term (a row header), one cell per trial arm coloured as the
 * figure colours it, with its text lines and the derived-value diamond; the organ class of each
 * run of rows in a last column. Data text goes in through textContent and setAttribute only, never
 * as markup.
 *
 * Each cell names its trial (data-trial). Hover or keyboard focus shows the cell's hover lines (the
 * figure's hover: value, counts, source and passage) in a tooltip that describes the focused cell
 * (aria-describedby). A click, or Enter / Space on the focused cell, sets the box's `data-click` to
 * a JSON point as plotly's clickData has it ({points: [{customdata: trial, hovertext}]}, with a
 * count so a second click on the same cell is a new event): the state callback highlights the
 * trial (assets/state.js clickedTrial) and the Evidence box shows the passage
 * (components/evidence_box.py), as for every graph. The cells are one tab stop: arrow keys move the
 * focus between them, Home / End to the row's ends, Escape hides the tooltip. The highlighted
 * trial's columns are outlined and the others veiled by assets/highlight.js (`markTables`), called
 * here once a table is built.
 */
(function () {
  var BOX = "table-view"; // the class of a browser-drawn view's box (components/layout.py _graph)
  var ATTRIBUTE = "data-table"; // components/callbacks.py: the view's browser data
  var CLICK = "data-click"; // evidence/view_registry.py CELL_CLICK
  var TIP_ID = "heatmap-tip";
  var clicks = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function linesInto(node, lines) {
    // the lines as text nodes with a <br> between them: text only, never markup
    (lines || []).forEach(function (line, k) {
      if (k) node.appendChild(document.createElement("br"));
      node.appendChild(document.createTextNode(String(line)));
    });
    return node;
  }

  function key(k) {
    var item = el("li", "hm-key");
    var swatch = el("span", "hm-swatch" + (k.symbol === "diamond" ? " hm-swatch-diamond" : ""));
    swatch.setAttribute("aria-hidden", "true");
    if (k.symbol !== "diamond") swatch.style.backgroundColor = String(k.colour);
    swatch.style.borderColor = String(k.border);
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(String(k.label)));
    return item;
  }

  function scale(s) {
    var box = el("div", "hm-scale");
    box.setAttribute("aria-hidden", "true"); // the cells say their values; the scale is for the eye
    box.appendChild(linesInto(el("span", "hm-scale-title"), s.title));
    var bar = el("span", "hm-scale-bar");
    bar.style.backgroundImage = "linear-gradient(to right, " + s.stops.map(function (stop) {
      return String(stop[1]) + " " + Number(stop[0]) * 100 + "%";
    }).join(", ") + ")";
    var ticks = el("span", "hm-scale-ticks");
    s.ticks.forEach(function (t) {
      var tick = el("span", "hm-tick", t.label);
      tick.style.left = Number(t.at) * 100 + "%";
      ticks.appendChild(tick);
    });
    bar.appendChild(ticks);
    box.appendChild(bar);
    return box;
  }

  function head(data) {
    var top = el("div", "hm-head");
    top.appendChild(el("p", "hm-title", data.title));
    var keys = el("ul", "hm-keys");
    data.keys.forEach(function (k) { keys.appendChild(key(k)); });
    top.appendChild(keys);
    top.appendChild(scale(data.scale));
    return top;
  }

  function headerRow(data) {
    var row = el("tr");
    var corner = el("th", "hm-corner", "Adverse event");
    corner.setAttribute("scope", "col");
    row.appendChild(corner);
    data.columns.forEach(function (c) {
      var th = linesInto(el("th", "hm-column"), c.lines);
      // after the trial id, shown while the trial is highlighted (assets/views.css th.hm-mine)
      var star = el("span", "hm-star", " ★");
      star.setAttribute("aria-hidden", "true");
      th.insertBefore(star, th.firstChild ? th.firstChild.nextSibling : null);
      th.setAttribute("scope", "col");
      th.setAttribute("data-trial", String(c.trial));
      row.appendChild(th);
    });
    var organ = el("th", "hm-organ-head", "Organ class");
    organ.setAttribute("scope", "col");
    row.appendChild(organ);
    var thead = el("thead");
    thead.appendChild(row);
    return thead;
  }

  function cell(c, trial, i, j) {
    var td = linesInto(el("td", "hm-cell hm-" + c.kind), c.text);
    td.style.backgroundColor = String(c.bg);
    td.style.color = String(c.fg);
    td.setAttribute("data-trial", String(trial));
    td.setAttribute("data-row", String(i));
    td.setAttribute("data-col", String(j));
    td.setAttribute("tabindex", i === 0 && j === 0 ? "0" : "-1");
    if (c.derived) {
      // the diamond for the eye, the word for a screen reader ("0.3 derived")
      var mark = el("span", "hm-derived", "◇");
      mark.setAttribute("aria-hidden", "true");
      td.appendChild(mark);
      td.appendChild(el("span", "visually-hidden", " derived"));
    }
    td._hover = c.hover;
    return td;
  }

  function body(data) {
    var starts = {}, rules = {};
    data.groups.forEach(function (g) { starts[g.start] = g; });
    data.separated.forEach(function (r) { rules[r] = true; });
    var tbody = el("tbody");
    data.rows.forEach(function (r, i) {
      var tr = el("tr", rules[i] ? "hm-rule" : "");
      var th = el("th", "hm-term", r.term);
      th.setAttribute("scope", "row");
      tr.appendChild(th);
      r.cells.forEach(function (c, j) { tr.appendChild(cell(c, data.columns[j].trial, i, j)); });
      var g = starts[i];
      if (g) {
        var organ = el("td", "hm-organ", g.label);
        organ.setAttribute("rowspan", String(g.rows));
        tr.appendChild(organ);
      }
      tbody.appendChild(tr);
    });
    return tbody;
  }

  function tip() {
    var node = document.getElementById(TIP_ID);
    if (!node) {
      node = el("div", "hm-tip");
      node.id = TIP_ID;
      node.setAttribute("role", "tooltip");
      node.hidden = true;
      document.body.appendChild(node);
    }
    return node;
  }

  function showTip(td) {
    if (!(td._hover || []).length) return hideTip();
    var node = tip();
    node.replaceChildren();
    (td._hover || []).forEach(function (line, k) {
      node.appendChild(el(k ? "span" : "strong", "hm-tip-line", line));
    });
    node.hidden = false;
    var cellBox = td.getBoundingClientRect(), own = node.getBoundingClientRect();
    var left = cellBox.right + 8, top = cellBox.top;
    if (left + own.width > window.innerWidth - 4) left = Math.max(4, cellBox.left - own.width - 8);
    if (top + own.height > window.innerHeight - 4) top = Math.max(4, window.innerHeight - own.height - 4);
    node.style.left = left + "px";
    node.style.top = top + "px";
    td.setAttribute("aria-describedby", TIP_ID);
  }

  function hideTip() {
    var node = document.getElementById(TIP_ID);
    if (node) node.hidden = true;
  }

  function escaped(line) {
    return String(line).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function choose(td) {
    // the same point a plotly click gives: the Evidence box reads its hover's source line
    if (!td.hasAttribute("data-trial")) return; // a text table's cell showing no curated row
    clicks += 1;
    var point = { customdata: td.getAttribute("data-trial"), hovertext: (td._hover || []).map(escaped).join("<br>") };
    var value = JSON.stringify({ n: clicks, points: [point] });
    if (window.dash_clientside && window.dash_clientside.set_props) {
      var props = {};
      props[CLICK] = value;
      window.dash_clientside.set_props(td.closest("." + BOX).id, props);
    }
  }

  function move(td, key) {
    var i = Number(td.getAttribute("data-row")), j = Number(td.getAttribute("data-col"));
    var table = td.closest("table");
    var last = table.querySelectorAll("tbody tr:first-child .hm-cell").length - 1;
    var rows = table.querySelectorAll("tbody tr").length - 1;
    if (key === "ArrowRight") j = Math.min(last, j + 1);
    else if (key === "ArrowLeft") j = Math.max(0, j - 1);
    else if (key === "ArrowDown") i = Math.min(rows, i + 1);
    else if (key === "ArrowUp") i = Math.max(0, i - 1);
    else if (key === "Home") j = 0;
    else if (key === "End") j = last;
    else return null;
    return table.querySelector('.hm-cell[data-row="' + i + '"][data-col="' + j + '"]');
  }

  function focusCell(from, to) {
    if (!to || to === from) return;
    from.setAttribute("tabindex", "-1");
    from.removeAttribute("aria-describedby");
    to.setAttribute("tabindex", "0");
    to.focus();
  }

  function listen(box) {
    box.addEventListener("click", function (e) {
      var td = e.target.closest && e.target.closest(".hm-cell");
      if (td && box.contains(td)) choose(td);
    });
    box.addEventListener("keydown", function (e) {
      var td = e.target.closest && e.target.closest(".hm-cell");
      if (!td) return;
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        choose(td);
      } else if (e.key === "Escape") {
        hideTip();
      } else {
        var next = move(td, e.key);
        if (next) {
          e.preventDefault();
          focusCell(td, next);
        }
      }
    });
    box.addEventListener("mouseover", function (e) {
      var td = e.target.closest && e.target.closest(".hm-cell");
      if (td) showTip(td);
    });
    box.addEventListener("mouseleave", hideTip);
    box.addEventListener("focusin", function (e) {
      if (e.target.classList && e.target.classList.contains("hm-cell")) showTip(e.target);
    });
    box.addEventListener("focusout", hideTip);
  }

  function render(box) {
    var text = box.getAttribute(ATTRIBUTE);
    if (text === null) return;
    var data;
    try { data = JSON.parse(text); } catch (e) { return; }
    hideTip();
    if (data.kind === "text" && window.evidenceTextTable) {
      // a text table (assets/text_table.js): these listeners serve its cells too
      box.replaceChildren.apply(box, window.evidenceTextTable.build(data, { el: el, linesInto: linesInto }));
      return;
    }
    if (data.empty) {
      box.replaceChildren(el("p", "hm-empty", data.empty));
      return;
    }
    var table = el("table", "hm-table");
    var caption = el("caption", "visually-hidden", data.title);
    table.appendChild(caption);
    table.appendChild(headerRow(data));
    table.appendChild(body(data));
    var top = head(data);
    box.replaceChildren(top, table);
    if (shownHead) sizes.unobserve(shownHead);
    sizes.observe((shownHead = top)); // its height, once laid out (see `fit`)
    if (window.evidenceHighlight && window.evidenceHighlight.markTables) window.evidenceHighlight.markTables();
  }

  function fit(entries) {
    // The title, key and scale are as wide as the scroll box shows (sticky at its left while the
    // table scrolls sideways under them), and the column headers stick below them (their height
    // depends on that width). Read from a ResizeObserver, after the browser's own layout: reading
    // sizes right after building the table forced a layout of the whole page (~9 ms a change).
    entries.forEach(function (entry) {
      var el = entry.target, size = entry.borderBoxSize && entry.borderBoxSize[0];
      var box = el.classList.contains("scroll-box") ? el.querySelector("." + BOX) : el.parentElement;
      if (!box) return;
      if (el.classList.contains("scroll-box")) box.style.setProperty("--hm-view", el.clientWidth + "px");
      else box.style.setProperty("--hm-head", (size ? size.blockSize : el.offsetHeight) + "px");
    });
  }

  var sizes = typeof ResizeObserver === "function" ? new ResizeObserver(fit) : { observe: function () {}, unobserve: function () {} };
  var shownHead = null;

  function watch() {
    // the boxes come with Dash's first render of the layout, after this script has run
    var boxes = document.querySelectorAll("." + BOX);
    if (!boxes.length || typeof MutationObserver !== "function") return void window.setTimeout(watch, 50);
    boxes.forEach(function (box) {
      listen(box);
      new MutationObserver(function () { render(box); }).observe(box, { attributes: true, attributeFilter: [ATTRIBUTE] });
      if (box.closest(".scroll-box")) sizes.observe(box.closest(".scroll-box"));
      render(box);
    });
  }
  watch();
})();
