/*
 * One watcher of the page's DOM for every script that repairs or decorates what Dash renders
 * (assets/a11y.js, assets/keyboard_points.js). Each used to keep its
 * own MutationObserver on the whole document with its own animation-frame debounce, so every
 * mutation woke three observers. Here one observer schedules one frame, and the frame runs every
 * subscriber once.
 *
 * Dash adds assets in file-name order, all before DOMContentLoaded: subscribers call
 * window.evidenceDomChanges.subscribe(fn) from a DOMContentLoaded listener, so the order of the
 * files does not matter. The attributes watched are the ones a11y.js repairs (Dash re-renders
 * can put them back).
 */
window.evidenceDomChanges = (function () {
  var subscribers = [];
  var pending = false;

  function flush() {
    pending = false;
    subscribers.forEach(function (fn) { fn(); });
  }

  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(flush);
  }

  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["role", "tabindex", "aria-selected", "aria-labelledby"],
  });

  return {
    /** Run fn after every batch of DOM changes (at most once per animation frame), and now. */
    subscribe: function (fn) {
      subscribers.push(fn);
      schedule();
    },
  };
})();
