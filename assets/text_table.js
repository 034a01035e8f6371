/*
 * A text table on screen (findings in words): an HTML table built in the browser from the data the
 * server sends (evidence/figures/tabular.py `table_data`), in place of plotly's table trace, which
 * took ~280 ms to draw the findings' 2,000 px table as the sources tab opened (issue 13). Slides
 * and image exports keep the plotly figure.
 *
 * assets/heatmap_table.js reads the view box's data and, for `kind: "text"`, asks this file for
 * the nodes; its box listeners serve these cells as the heatmap's: each cell is an `.hm-cell`
 * naming the trial of the curated row it shows (data-trial), its source line shown on hover or
 * keyboard focus, a click or Enter showing the passage in the Evidence box (and highlighting the
 * trial); the cells are one tab stop, arrow keys move between them. Data text goes in through
 * textContent only (heatmap_table.js's `el` and `linesInto`), never as markup.
 */
(function () {
  function build(data, dom) {
    // dom: heatmap_table.js's text-only node makers ({el, linesInto}), shared, not copied
    var el = dom.el, linesInto = dom.linesInto;
    if (data.empty) return [el("p", "hm-empty", data.empty)];
    var table = el("table", "tt-table");
    if (data.min_width) table.style.minWidth = Number(data.min_width) + "px";
    table.appendChild(el("caption", "tt-title", data.title));
    var cols = el("colgroup");
    data.widths.forEach(function (w) {
      var col = el("col");
      col.style.width = Number(w) + "%";
      cols.appendChild(col);
    });
    table.appendChild(cols);
    var head = el("tr");
    data.header.forEach(function (lines) {
      var th = linesInto(el("th", "tt-head"), lines);
      th.setAttribute("scope", "col");
      head.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var tbody = el("tbody");
    data.rows.forEach(function (r, i) {
      var tr = el("tr");
      if (r.fill && r.fill !== "white") tr.style.backgroundColor = String(r.fill);
      r.cells.forEach(function (c, j) {
        var td = linesInto(el("td", "hm-cell tt-cell"), c.lines);
        td.setAttribute("data-row", String(i));
        td.setAttribute("data-col", String(j));
        td.setAttribute("tabindex", i === 0 && j === 0 ? "0" : "-1");
        if (c.trial) td.setAttribute("data-trial", String(c.trial));
        td._hover = c.hover;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    var out = [table];
    if (data.footnote) out.push(el("p", "tt-note", data.footnote));
    return out;
  }

  window.evidenceTextTable = { build: build };
})();
