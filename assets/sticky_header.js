/*
 * The toxicity heatmap's column headers and key (NR, ◇, ≥) stay in view while its rows scroll
 * (issue 13). Plotly draws the figure as one image, so the header cannot be made sticky itself:
 * after every draw, a copy of the drawn figure cut to its top margin (title, key, column headers:
 * figures/toxicity.py puts all three there) is laid over the figure's top inside the scroll box,
 * `position: sticky` (assets/views.css .sticky-figure-head). Being a copy of the same drawing at
 * the same width, its columns line up with the cells below at any width and horizontal scroll.
 * The copy is hidden from assistive technology (aria-hidden): the figure itself is still read.
 */
(function () {
  var GRAPH = "heatmap-figure";
  var HEAD_CLASS = "sticky-figure-head";
  // not copied: what lies below the top margin (cells, marks, row labels, organ classes, shapes)
  // or does nothing in a picture (modebar, hover, drag layers)
  var DROP = ".modebar-container, .hoverlayer, .draglayer, .heatmaplayer, .scatterlayer, .shapelayer, .colorbar, " +
    ".yaxislayer-above, .annotation";
  var EVENTS = ["plotly_afterplot", "plotly_restyle", "plotly_relayout", "plotly_update", "plotly_legendclick"];

  function graphDiv() {
    return document.querySelector("#" + GRAPH + " .js-plotly-plot");
  }

  function copied(node) {
    // a deep copy of `node` without the DROP parts: they are never cloned (the whole drawing, its
    // ~300 cells and their texts, was cloned and then cut down after every heatmap draw)
    var copy = node.cloneNode(false);
    for (var child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType !== 1 || !child.matches(DROP)) copy.appendChild(copied(child));
    }
    return copy;
  }

  function refresh(gd) {
    var box = gd.closest(".scroll-box");
    var drawn = gd.querySelector(".svg-container");
    var size = gd._fullLayout && gd._fullLayout._size;
    var head = box && box.querySelector(":scope > ." + HEAD_CLASS);
    if (!box || !drawn || !size || !gd.data || !gd.data.length) {
      if (head) head.remove();
      return;
    }
    if (!head) {
      head = document.createElement("div");
      head.className = HEAD_CLASS;
      head.setAttribute("aria-hidden", "true");
      box.insertBefore(head, box.firstChild);
    }
    // over the figure's own top: start where the drawing starts and take no room in the flow
    // (margins of minus its height), so the figure sits where it would without it
    var offset = Math.max(0, drawn.getBoundingClientRect().top - head.getBoundingClientRect().top + (parseFloat(head.style.marginTop) || 0));
    var height = Math.round(size.t);
    var copy = copied(drawn);
    copy.querySelectorAll("[id]").forEach(function (node) { node.removeAttribute("id"); });
    // plotly's stylesheet stacks its layers only inside .js-plotly-plot: stack the copy's here
    copy.querySelectorAll(".main-svg").forEach(function (svg) { svg.style.position = "absolute"; svg.style.top = "0"; svg.style.left = "0"; });
    head.replaceChildren(copy);
    head.style.width = drawn.getBoundingClientRect().width + "px";
    head.style.height = height + "px";
    head.style.marginTop = offset + "px";
    head.style.marginBottom = -(offset + height) + "px";
  }

  function attach(gd) {
    if (gd.__stickyHead) return;
    gd.__stickyHead = true;
    var pending = false;
    var schedule = function () {
      // a highlight's restyle leaves the header band as it is (assets/highlight.js)
      if (pending || gd._evidenceHighlightDraw) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; refresh(gd); });
    };
    EVENTS.forEach(function (name) { gd.on(name, schedule); });
    if (gd._fullLayout) schedule();
  }

  function watch() {
    var gd = graphDiv();
    if (gd && typeof gd.on === "function") attach(gd);
  }

  // a new heatmap graph after a render (assets/dom_changes.js: one observer for every script)
  document.addEventListener("DOMContentLoaded", function () {
    window.evidenceDomChanges.subscribe(watch);
  });
})();
