/*
 * Views in tabs (components/tabs.py).
 * - `evidenceTabs.show`: show the chosen tab's panel, hide the others (a panel's `data-tab` names
 *   its tab), in the DOM, as each new state is known (assets/seen.js setTab). The only owner of a
 *   panel's `hidden` after the first render: no Dash callback writes it, so React, which set it
 *   from the layout, never touches it again.
 * - Skip links (and any in-page link) to a view in a hidden tab choose that tab first, then move
 *   focus to the view once its panel is shown.
 */
window.evidenceTabs = {
  // whether the panel of tab `name` is hidden when `tab` is chosen (none chosen: the first shows)
  hidden: function (name, tab, first) { return tab ? name !== tab : !first; },
  // show the chosen tab's panel now, in the DOM (assets/seen.js, for a tab in a new state)
  show: function (tab) {
    document.querySelectorAll(".tab-panel[data-tab]").forEach(function (panel, i) {
      panel.hidden = window.evidenceTabs.hidden(panel.getAttribute("data-tab"), tab, i === 0);
    });
  },
};

(function () {
  function chooseTab(tab) {
    var radio = document.querySelector('#view-tab input[value="' + tab + '"]');
    if (radio && !radio.checked) radio.click();
  }

  function focusWhenShown(target, tries) {
    var panel = target.closest("[data-tab]");
    if (panel && panel.hidden && tries > 0) {
      window.setTimeout(function () { focusWhenShown(target, tries - 1); }, 50);
      return;
    }
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    var panel = target.closest("[data-tab]");
    if (panel && panel.hidden) chooseTab(panel.getAttribute("data-tab"));
    focusWhenShown(target, 40);
  });
})();
