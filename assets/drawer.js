/*
 * Filters drawer on tablets and phones (assets/style.css: below 1024 px the filter panel is
 * hidden until the "Filters" button opens it). The button says whether the drawer is open
 * (aria-expanded); Escape or the button closes it and returns focus to the button.
 */
(function () {
  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.body.classList.toggle("filters-open", open);
    if (open) {
      var panel = document.getElementById(button.getAttribute("aria-controls"));
      if (panel) panel.focus({ preventScroll: true });
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#filters-toggle, .filters-close");
    if (!button) return;
    var toggle = document.getElementById("filters-toggle");
    if (!toggle) return;
    var open = button.id === "filters-toggle" ? toggle.getAttribute("aria-expanded") !== "true" : false;
    setOpen(toggle, open);
    if (!open) toggle.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !document.body.classList.contains("filters-open")) return;
    if (document.querySelector('.dash-dropdown[aria-expanded="true"]')) return; // an open dropdown closes first
    var toggle = document.getElementById("filters-toggle");
    if (toggle) {
      setOpen(toggle, false);
      toggle.focus();
    }
  });
})();
