/*
 * Number fields that refuse a value out of range say so (components/refusals.py). The inputs of
 * the callback are each field's value, n_blur and n_submit; the field's own constraint validity
 * (min, max, step) decides, and the message names the field (its label), what was typed, why it
 * was refused (the browser's own validation message) and the value still in use.
 */
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence = Object.assign({}, window.dash_clientside.evidence, {
  refusals: function () {
    var ctx = window.dash_clientside.callback_context;
    var used = {}, order = [];
    (ctx.inputs_list || []).forEach(function (input) {
      if (!(input.id in used)) order.push(input.id);
      if (input.property === "value") used[input.id] = input.value;
      else if (!(input.id in used)) used[input.id] = undefined;
    });
    var lines = [];
    order.forEach(function (id) {
      var field = document.getElementById(id);
      if (!field || field.validity.valid) return;
      var label = document.querySelector("label[for='" + id + "']");
      var name = label ? label.textContent : id;
      var kept = used[id] == null ? "the default" : String(used[id]);
      lines.push(name + ": " + (field.value === "" ? "that entry" : field.value) + " refused. " +
        field.validationMessage + " Still using " + kept + ".");
    });
    return lines.join(" ");
  },
});
