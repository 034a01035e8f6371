/*
 * What the reader can see: only a figure on screen is computed and restyled (issue 13: "only what
 * is visible is drawn"). A figure counts as seen when its box meets the viewport, its tab panel
 * is the shown tab and no ancestor is `hidden`. Work for a figure not seen yet waits in
 * `whenSeen` (one job per key, the latest wins) and runs once an IntersectionObserver reports
 * the figure on screen: scrolled to, or its tab shown. Used by assets/slices.js (a view's slice
 * of the state, hence its server request) and assets/highlight.js (the highlight restyle).
 */
window.evidenceSeen = (function () {
  var shownTab = null; // the state's tab, kept by slices.js (the DOM's `hidden` follows a moment later)
  var jobs = new Map(); // element -> {key: function}
  var intersecting = new Set(); // waiting elements the observer last reported on screen
  var retrying = new Set(); // elements with a look again scheduled
  var observer = typeof IntersectionObserver === "function"
    ? new IntersectionObserver(changed, { threshold: [0, 0.01] })
    : null;

  function inShownTab(el) {
    var panel = el.closest("[data-tab]");
    return !panel || shownTab === null || panel.getAttribute("data-tab") === shownTab;
  }

  function visible(el) {
    if (!el || !el.isConnected || el.closest("[hidden]") || !inShownTab(el)) return false;
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
      r.top < window.innerHeight && r.left < window.innerWidth;
  }

  function run(el) {
    var waiting = jobs.get(el);
    if (!waiting) return;
    if (!visible(el)) {
      // reported on screen but not seen yet (its tab's `hidden` not cleared, or moved by a
      // figure drawn above it): the observer may not report it again, so look again shortly
      if (intersecting.has(el)) lookAgain(el);
      return;
    }
    jobs.delete(el);
    intersecting.delete(el);
    if (observer) observer.unobserve(el);
    Object.keys(waiting).forEach(function (key) { waiting[key](); });
  }

  function lookAgain(el) {
    if (retrying.has(el)) return;
    retrying.add(el);
    window.setTimeout(function () {
      retrying.delete(el);
      run(el);
    }, 100);
  }

  function changed(entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        intersecting.add(entry.target);
        run(entry.target);
      } else {
        intersecting.delete(entry.target);
      }
    });
  }

  return {
    visible: visible,
    setTab: function (tab) {
      if (tab === shownTab) return;
      shownTab = tab;
      // the state's tab is shown at once, by the page (assets/tabs.js evidenceTabs.show)
      if (window.evidenceTabs) window.evidenceTabs.show(tab);
      // a panel just shown: its figures meet the viewport once laid out (the observer reports it)
      window.requestAnimationFrame(function () { jobs.forEach(function (_, el) { run(el); }); });
    },
    whenSeen: function (el, key, job) {
      if (!observer) return job(); // no observer: nothing is held back
      var waiting = jobs.get(el) || {};
      waiting[key] = job;
      if (!jobs.has(el)) observer.observe(el);
      jobs.set(el, waiting);
    },
    forget: function (el, key) {
      var waiting = el && jobs.get(el);
      if (!waiting) return;
      delete waiting[key];
      if (!Object.keys(waiting).length) {
        jobs.delete(el);
        intersecting.delete(el);
        observer.unobserve(el);
      }
    },
  };
})();
