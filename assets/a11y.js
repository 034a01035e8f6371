/*
 * Accessibility repairs for Dash 4 core components (dash 4.4.1), applied after every render:
 * - RadioItems/Checklist render role="listbox"/"option" around native inputs (nested
 *   interactive controls, no accessible name): give them radiogroup/group semantics named by
 *   their fieldset legend, and let the native inputs speak for themselves.
 * - Dropdown keeps a focusable aria-hidden proxy input that forwards focus to its button:
 *   make the button itself the tab stop and take the proxy out of the tab order.
 * - Upload's hidden file input has no label: name it after its drop zone's text.
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
    });
  }

  function nameFileInputs(root) {
    root.querySelectorAll('input[type="file"]').forEach(function (input) {
      var zone = input.parentElement;
      var text = zone ? zone.textContent.trim() : '';
      if (text) setAttr(input, 'aria-label', text);
    });
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      repair(document);
      nameFileInputs(document);
    });
  }

  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['role', 'tabindex', 'aria-selected'],
  });
  document.addEventListener('DOMContentLoaded', schedule);
})();
