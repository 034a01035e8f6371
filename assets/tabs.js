/*
 * Views in tabs (components/tabs.py).
 * - tabPanels: show the chosen tab's panel, hide the others (a panel's `data-tab` names its tab);
 *   `evidenceTabs.show` does the same at once in the DOM (one rule: `evidenceTabs.hidden`).
 * - Skip links (and any in-page link) to a view in a hidden tab choose that tab first, then move
 *   focus to the view once its panel is shown.
 */
window.evidenceTabs = {
  // whether the panel of tab `name` is hidden when `tab` is chosen (none chosen: the first shows)
  hidden: function (name, tab, first) { return tab ? name !== tab : !first; },
  // show the chosen tab's panel now, in the DOM (assets/seen.js, for a tab in a new state);
  // tabPanels below sets the same values through Dash a renderer round later
  show: function (tab) {
    document.querySelectorAll(".tab-panel[data-tab]").forEach(function (panel, i) {
      panel.hidden = window.evidenceTabs.hidden(panel.getAttribute("data-tab"), tab, i === 0);
    });
  },
};

window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence = Object.assign({}, window.dash_clientside.evidence, {
  tabPanels: function (tab) {
    var panels = window.dash_clientside.callback_context.outputs_list;
    return panels.map(function (out, i) {
      var panel = document.getElementById(out.id);
      var name = panel ? panel.getAttribute("data-tab") : out.id.replace(/^tab-/, "");
      return window.evidenceTabs.hidden(name, tab, i === 0);
    });
  },
});

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
