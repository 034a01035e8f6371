/*
 * Accessibility repairs for Dash 4 core components (dash 4.4.1), applied after every render:
 * - RadioItems/Checklist render role="listbox"/"option" around native inputs (nested
 *   interactive controls, no accessible name): give them radiogroup/group semantics named by
 *   their fieldset legend, and let the native inputs speak for themselves.
 * - Dropdown keeps a focusable aria-hidden proxy input that forwards focus to its button:
 *   make the button itself the tab stop and take the proxy out of the tab order.
 * - Dropdown's button is named by its value alone (aria-labelledby = the value's ids), so every
 *   dropdown read "All" or "None": name it by its <label for=...> first, then its value.
 * - Upload's hidden file input has no label: name it after its drop zone's text.
 * - AG Grid: Enter on a row of the trial grid clicks its cell, so it highlights the trial like a
 *   click does (the grid itself is one tab stop: tabToNextCell returns false, components/layout.py).
 */
(function () {
  function setAttr(el, name, value) {
    if (value === null) {
      if (el.hasAttribute(name)) el.removeAttribute(name);
    } else if (el.getAttribute(name) !== value) {
      el.setAttribute(name, value);
    }
  }

  function repair(root) {
    root.querySelectorAll('.dash-radioitems, .dash-checklist').forEach(function (group) {
      setAttr(group, 'role', group.classList.contains('dash-radioitems') ? 'radiogroup' : 'group');
      var fieldset = group.closest('fieldset');
      var legend = fieldset && fieldset.querySelector('legend');
      var control = group.closest('.control');
      var label = legend || (control && control.querySelector('.control-label'));
      if (label) setAttr(group, 'aria-label', label.textContent.trim());
      group.querySelectorAll('.dash-options-list-option').forEach(function (option) {
        setAttr(option, 'role', null);
        setAttr(option, 'aria-selected', null);
      });
    });
    root.querySelectorAll('.dash-dropdown-wrapper').forEach(function (wrapper) {
      var proxy = wrapper.querySelector('input.dash-dropdown-focus-target');
      var button = wrapper.querySelector('button.dash-dropdown');
      if (proxy && button) {
        setAttr(proxy, 'tabindex', '-1');
        setAttr(button, 'tabindex', '0');
      }
      if (button && button.id) nameByLabel(button);
    });
  }

  function nameByLabel(button) {
    var label = document.querySelector('label[for="' + button.id + '"]');
    if (!label) return;
    if (!label.id) label.id = button.id + '-label';
    var current = (button.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    var rest = current.filter(function (id) { return id !== label.id; });
    setAttr(button, 'aria-labelledby', [label.id].concat(rest).join(' '));
  }

  function nameFileInputs(root) {
    root.querySelectorAll('input[type="file"]').forEach(function (input) {
      var zone = input.parentElement;
      var text = zone ? zone.textContent.trim() : '';
      if (text) setAttr(input, 'aria-label', text);
    });
  }

  // after every render (assets/dom_changes.js: one observer for every repairing script)
  document.addEventListener('DOMContentLoaded', function () {
    window.evidenceDomChanges.subscribe(function () {
      repair(document);
      nameFileInputs(document);
    });
  });

  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter' || event.defaultPrevented) return;
    var cell = event.target.closest && event.target.closest('#trial-grid .ag-cell');
    if (!cell) return;
    event.preventDefault();
    cell.click();
  }, true);
})();
