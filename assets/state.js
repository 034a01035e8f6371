/*
 * URL, filter controls and view state kept in step in the browser (components/state_sync.py).
 *
 * A copy of evidence/state.py's `parse_query`, `to_query` and `ViewState.from_dict`, and of
 * components/sync.py's `next_state`, `link_notice` and the control conversions, so a change made
 * through the URL (a copied link, back/forward), a control or a click reaches the view-state Store
 * with no server round trip: the view requests (assets/slices.js) are the first and only requests. The rules
 * (fields, kinds, defaults, allowed values, limits, the 200-field limit) are not written here: they
 * come from the server in the view-state-rules Store (evidence.state.query_rules), so the two copies
 * cannot drift apart field by field; tests/browser/test_state_mirror.py compares them on a set of
 * queries. What needs the data (facet values, trials and organs the data hold, the page count) the
 * server checks in the background (`unknown` below cuts what it must check; its answer, a corrected
 * state, comes back through the view-state-fix Store to `applyFix`). Until then the state keeps
 * what the link gave, even when a dropdown drops a value its options lack (`droppedUnoffered`).
 *
 * Python's parsing is followed to the letter: fields split on "&" only, a field without "=" or
 * with an empty value skipped, "+" read as a space, %XX decoded as UTF-8 with invalid bytes
 * replaced (U+FFFD), text cut to 100 code points, whole numbers read as int(float(text)) (ASCII
 * text only, on both sides), unknown names and values dropped.
 */
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.evidence_state = (function () {
  var SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g; // what Python's float() strips (ASCII)
  var DIGITS = "\\d(?:_?\\d)*";
  var FLOAT = new RegExp("^[+-]?(?:" + DIGITS + "(?:\\.(?:" + DIGITS + ")?)?|\\.(?:" + DIGITS + "))(?:[eE][+-]?" + DIGITS + ")?$");
  var SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

  function pyStr(v) {
    // Python's str() of a JSON value, where it differs from String()
    return v === null || v === undefined ? "None" : v === true ? "True" : v === false ? "False" : String(v);
  }

  function cut(text, max) {
    // text[:max] in code points, as Python slices
    var points = Array.from(text);
    return points.length > max ? points.slice(0, max).join("") : text;
  }

  function unquote(text) {
    // urllib.parse.unquote: ASCII runs are percent-decoded to bytes and read as UTF-8 (invalid
    // bytes -> U+FFFD); other characters pass through
    if (text.indexOf("%") < 0) return text;
    return text.replace(/[\x00-\x7f]+/g, function (run) {
      var bytes = [];
      for (var i = 0; i < run.length; i++) {
        var hex = run.slice(i + 1, i + 3);
        if (run[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(run.charCodeAt(i));
        }
      }
      return new TextDecoder("utf-8").decode(new Uint8Array(bytes));
    });
  }

  function quotePlus(text) {
    // urllib.parse.quote_plus: everything but letters, digits and _.-~ percent-encoded, space as +
    return encodeURIComponent(text)
      .replace(/[!'()*]/g, function (c) { return "%" + c.charCodeAt(0).toString(16).toUpperCase(); })
      .replace(/%20/g, "+");
  }

  function wholeNumber(raw) {
    // int(float(raw)); null when Python raises (TypeError, ValueError, OverflowError)
    var value;
    if (typeof raw === "number") value = raw;
    else if (typeof raw === "boolean") value = raw ? 1 : 0;
    else if (typeof raw === "string") {
      if (/[^\x00-\x7f]/.test(raw)) return null;
      var t = raw.replace(SPACE, "");
      if (SPECIAL.test(t)) return null;
      if (!FLOAT.test(t)) return null;
      value = Number(t.replace(/_/g, ""));
    } else return null;
    return isFinite(value) ? Math.trunc(value) + 0 : null;
  }

  function defaults(rules) {
    var state = {};
    rules.fields.forEach(function (f) { state[f.name] = Array.isArray(f.default) ? f.default.slice() : f.default; });
    return state;
  }

  function coerce(values, rules) {
    // ViewState.from_dict: every field from `values` it can read, the rest at their defaults;
    // then enumerations and limits (_within_bounds)
    var state = defaults(rules);
    rules.fields.forEach(function (f) {
      if (!Object.prototype.hasOwnProperty.call(values, f.name)) return;
      var raw = values[f.name];
      if (f.kind === "list") {
        var items = Array.isArray(raw) ? raw : raw === null || raw === undefined || raw === "" ? [] : [raw];
        var seen = [];
        items.forEach(function (v) {
          if (v === null || v === undefined || v === "") return;
          var text = cut(pyStr(v), rules.max_text);
          if (seen.indexOf(text) < 0) seen.push(text);
        });
        state[f.name] = seen;
      } else if (f.kind === "bool") {
        state[f.name] = raw === true || raw === "1" || raw === "true" || raw === 1 ||
          (Array.isArray(raw) && raw.length === 1 && (raw[0] === "1" || raw[0] === true || raw[0] === 1));
      } else if (f.kind === "int") {
        var n = wholeNumber(raw);
        if (n !== null) state[f.name] = n;
      } else {
        state[f.name] = raw === null || raw === undefined ? "" : cut(pyStr(raw), rules.max_text);
      }
      if (f.choices && f.choices.indexOf(state[f.name]) < 0) state[f.name] = f.default;
    });
    rules.fields.forEach(function (f) {
      if (f.limits) state[f.name] = Math.min(Math.max(state[f.name], f.limits[0]), f.limits[1]);
    });
    return state;
  }

  function pieces(search) {
    return String(search || "").replace(/^\?+/, "").split("&").filter(Boolean);
  }

  function parseQuery(search, rules) {
    // parse_query: the first max_fields fields; unknown names, empty values dropped
    var values = {}, kinds = {};
    rules.fields.forEach(function (f) { kinds[f.name] = f.kind; });
    pieces(search).slice(0, rules.max_fields).forEach(function (piece) {
      var at = piece.indexOf("=");
      if (at < 0 || at === piece.length - 1) return;
      var name = unquote(piece.slice(0, at).replace(/\+/g, " "));
      var value = unquote(piece.slice(at + 1).replace(/\+/g, " "));
      if (!Object.prototype.hasOwnProperty.call(kinds, name)) return;
      if (kinds[name] === "list") (values[name] = values[name] || []).push(value);
      else values[name] = value;
    });
    return coerce(values, rules);
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function toQuery(state, rules) {
    // ViewState.to_query: the fields that differ from their defaults, in canonical order
    var pairs = [];
    rules.fields.forEach(function (f) {
      var value = state[f.name];
      if (value === undefined || same(value, f.default)) return;
      if (Array.isArray(value)) value.forEach(function (v) { pairs.push([f.name, v]); });
      else if (typeof value === "boolean") pairs.push([f.name, value ? "1" : "0"]);
      else pairs.push([f.name, pyStr(value)]);
    });
    return pairs.length ? "?" + pairs.map(function (p) { return quotePlus(p[0]) + "=" + quotePlus(String(p[1])); }).join("&") : "";
  }

  function dropped(search, rules) {
    return Math.max(pieces(search).length - rules.max_fields, 0);
  }

  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function linkNotice(trigger, search, rules) {
    // components/sync.py link_notice
    if (trigger !== null && trigger !== undefined && trigger !== rules.url) return "";
    var n = dropped(search, rules);
    if (!n) return "";
    return "This link has " + thousands(rules.max_fields + n) + " query fields; only the first " + rules.max_fields +
      " were read and the other " + thousands(n) + " were ignored.";
  }

  function has(list, value) {
    return Array.isArray(list) ? list.indexOf(value) >= 0 : typeof list === "string" && list.indexOf(value) >= 0;
  }

  function controlsToState(values, rules) {
    // components/sync.py controls_to_state
    var raw = {};
    rules.controls.forEach(function (field, i) { raw[field] = values[i]; });
    raw.derived = has(raw.derived || [], "show");
    raw.pool = has(raw.pool || [], "pool");
    raw.highlight = raw.highlight || "";
    raw.surv_trial = raw.surv_trial || "";
    return coerce(raw, rules);
  }

  function stateToControls(state, rules) {
    // components/sync.py state_to_controls
    var values = Object.assign({}, state, {
      derived: state.derived ? ["show"] : [], pool: state.pool ? ["pool"] : [],
      highlight: state.highlight || null, surv_trial: state.surv_trial || null,
    });
    return rules.controls.map(function (field) { return values[field]; });
  }

  function clickedTrial(click) {
    // components/sync.py clicked_trial; a table drawn in the browser sends its click as JSON text
    if (typeof click === "string") {
      try { click = JSON.parse(click); } catch (e) { return ""; }
    }
    if (!click || (typeof click === "object" && !Object.keys(click).length)) return "";
    if ("points" in click) {
      var points = click.points && click.points.length ? click.points : [{}];
      var custom = (points[0] || {}).customdata;
      if (Array.isArray(custom) && custom.length) return pyStr(custom[0]);
      return typeof custom === "string" ? custom : "";
    }
    return click.rowId ? pyStr(click.rowId) : "";
  }

  function nextState(trigger, search, controls, clicks, rules) {
    // components/sync.py next_state: [state, whether the controls must be rewritten]
    if (trigger === null || trigger === undefined || trigger === rules.url) return [parseQuery(search, rules), true];
    if (trigger === rules.reset) return [defaults(rules), true];
    var current = controlsToState(controls, rules);
    if (rules.facet_controls.indexOf(trigger) >= 0 && current.page !== 1) return [Object.assign(current, { page: 1 }), true];
    if (Object.prototype.hasOwnProperty.call(clicks, trigger)) {
      var trial = clickedTrial(clicks[trigger]);
      if (!trial) return [current, false];
      return [Object.assign(current, { highlight: trial === current.highlight ? "" : trial }), true];
    }
    return [current, false];
  }

  function offeredValues(options) {
    return (options || []).map(function (o) { return o && typeof o === "object" ? o.value : o; });
  }

  function droppedUnoffered(trigger, controls, options, current, rules) {
    // Whether a control change only takes out of the state values its options lack: Dash 4's
    // dropdown does that on its own (a link naming a trial whose options have not arrived, or
    // that this user cannot see). The state keeps them: the server's check decides (check_state).
    var field = rules.controls[rules.control_ids.indexOf(trigger)];
    var at = rules.option_fields.indexOf(field);
    if (at < 0 || !current) return false;
    var before = [].concat(current[field] || []), after = [].concat(controlsToState(controls, rules)[field] || []);
    var offered = offeredValues(options[at]);
    var gone = before.filter(function (v) { return after.indexOf(v) < 0; });
    return gone.length > 0 && after.every(function (v) { return before.indexOf(v) >= 0; }) &&
      gone.every(function (v) { return offered.indexOf(v) < 0; });
  }

  function written(search, current, state, controls, rewrite, rules) {
    // [search, state, *controls] to write: what changes (each written control re-renders)
    var no = window.dash_clientside.no_update, query = toQuery(state, rules);
    var values = rewrite ? stateToControls(state, rules) : [];
    return [query === (search || "") ? no : query, current && same(current, state) ? no : state]
      .concat(controls.map(function (value, i) { return i < values.length && !same(value, values[i]) ? values[i] : no; }));
  }

  function tail(a, rules) {
    // The arguments sync and applyFix share at their end: (... *options, state, unknown, upload,
    // rules) -> {options, current, unknown, upload}; options in rules.option_fields order
    var end = a.length - 1, no = rules.option_fields.length;
    return { upload: a[end - 1], unknown: a[end - 2], current: a[end - 3], options: a.slice(end - 3 - no, end - 3) };
  }

  var followed = null; // {state, rules, upload}: the state whose views were last asked for

  function follow(state, rules, upload) {
    followed = { state: state, rules: rules, upload: upload };
    window.evidenceSlices.cut(state, rules, upload);
  }

  function ahead(next) {
    // A new state known before Dash's round: a link followed (back/forward) or a tab chosen. If
    // the server has nothing new to check in it (the option fields and page of the state last
    // followed), its views are asked for now, ~25 ms before the state callback runs, and drawn
    // while Dash updates the controls; `sync`'s own cut of the same state then asks for nothing.
    if (!followed || !next) return;
    var last = followed.state, rules = followed.rules;
    var unchecked = next.page === last.page && rules.option_fields.every(function (field) {
      return same(next[field], last[field]);
    });
    if (unchecked) follow(next, rules, followed.upload);
  }

  window.addEventListener("popstate", function () {
    if (followed) ahead(parseQuery(window.location.search, followed.rules));
  });
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!followed || !radio.matches || !radio.matches("#" + followed.rules.tab_control + " input")) return;
    ahead(Object.assign({}, followed.state, { tab: radio.value }));
  });

  function followers(state, t, rules) {
    // [what the server must check] for the state about to be written (its Store keeps
    // `t.current` when the state is not rewritten); the views whose slices changed are asked for
    // (assets/slices.js). While a new check is due the views wait: the server's answer
    // (check_state, always given to a check) cuts the slices of the checked state in `applyFix`,
    // so no view is asked for values the data may not hold (a link naming a trial private to
    // someone else drew an empty forest first).
    var unknownNow = unknown.apply(null, [state, rules, t.unknown].concat(t.options));
    if (unknownNow === window.dash_clientside.no_update || !toCheck(unknownNow, rules)) {
      follow(state, rules, t.upload);
    }
    return [unknownNow];
  }

  function sync() {
    // The callback: (search, reset, *controls, *clicks | *options, state, unknown, upload, rules)
    // -> [search, state, link notice, *controls, unknown]; the views are asked for on the way
    var a = Array.prototype.slice.call(arguments);
    var rules = a[a.length - 1], t = tail(a, rules), current = t.current, options = t.options;
    var nc = rules.controls.length;
    var search = a[0], controls = a.slice(2, 2 + nc);
    var no = window.dash_clientside.no_update;
    var trigger = (window.dash_clientside.callback_context || {}).triggered_id;
    if (droppedUnoffered(trigger, controls, options, current, rules)) return Array(4 + nc).fill(no);
    var clicks = {};
    rules.clicks.forEach(function (id, i) { clicks[id] = a[2 + nc + i]; });
    var next = nextState(trigger, search, controls, clicks, rules);
    // the highlight is drawn and the tab shown at once, before the state, URL and controls follow
    // (assets/highlight.js, assets/seen.js), even while the views wait for a check
    window.evidenceHighlight.show(next[0].highlight || "");
    if (next[0].tab) window.evidenceSeen.setTab(next[0].tab);
    // the notice about the link opened stays until another link or Reset: a control change
    // may be a dropdown dropping a value its options lack (Dash 4 does that on its own)
    var link = trigger === null || trigger === undefined || trigger === rules.url || trigger === rules.reset;
    var out = written(search, current, next[0], controls, next[1], rules);
    return out.slice(0, 2).concat([link ? linkNotice(trigger, search, rules) : no], out.slice(2), followers(next[0], t, rules));
  }

  function applyFix() {
    // The server's correction of a state (check_state): (fix, search, *controls | *options, state,
    // unknown, upload, rules) -> [search, state, *controls, unknown]. Its own
    // callback, not a branch of `sync`: Dash prunes a callback its own chain triggers again (sync
    // -> unknown -> check_state -> fix), so `sync` never saw the fix.
    //
    // The answer is about the state that was checked (`fix.from`); the user may have moved on
    // while it was out. It is applied on top of the newest state, never instead of it:
    // - a control changed: `sync` has already run, so the state holds it; only the controls of the
    //   fields the server corrected are set, and only if the user has not changed them meanwhile;
    // - a link opened (back/forward, a pasted link): Dash may run `sync` only after this callback
    //   (its inputs are this callback's outputs), so the URL is newer than the state; the link
    //   gets the correction and is written whole.
    // What the newest state still leaves to check is asked again (askAgain).
    var a = Array.prototype.slice.call(arguments);
    var rules = a[a.length - 1], t = tail(a, rules), current = t.current, fix = a[0], search = a[1];
    var controls = a.slice(2, 2 + rules.controls.length), no = window.dash_clientside.no_update;
    if (!fix || !fix.from || !fix.state || !current) {
      return Array(3 + controls.length).fill(no);
    }
    var currentQuery = toQuery(current, rules), linked = parseQuery(search, rules);
    var newerLink = toQuery(linked, rules) !== currentQuery;
    var stale = newerLink || toQuery(fix.from, rules) !== currentQuery;
    var state = corrected(newerLink ? linked : current, fix, rules);
    var out = written(search, current, state, controls, true, rules);
    if (!newerLink) {
      var shown = stateToControls(current, rules);
      rules.controls.forEach(function (field, i) {
        if (same(fix.from[field], fix.state[field]) || !same(controls[i], shown[i])) out[2 + i] = no;
      });
    }
    return out.concat(stale ? askAgain(state, t, rules) : followers(state, t, rules));
  }

  function askAgain(state, t, rules) {
    // After an answer about an older state: what the newest still holds that no control offers
    // (or a page past the first) is asked again, and the views keep waiting for that answer.
    // Dash does not run check_state again within its own answer's chain (check_state -> fix ->
    // applyFix -> unknown was dropped), so the question goes out as a change of its own, once
    // this callback is done.
    var no = window.dash_clientside.no_update, setProps = window.dash_clientside.set_props;
    var next = unknown.apply(null, [state, rules, null].concat(t.options));
    if (next === no || !toCheck(next, rules) || typeof setProps !== "function") return followers(state, t, rules);
    window.setTimeout(function () { setProps(rules.unknown, { data: next }); }, 0);
    return [no];
  }

  function corrected(state, fix, rules) {
    // `state` less what the server's check took out of the state it checked (`fix.from` ->
    // `fix.state`): values the data lack, and the page it moved if `state` still asks for it
    var out = Object.assign({}, state);
    rules.option_fields.forEach(function (field) {
      var was = fix.from[field], now = fix.state[field];
      if (same(was, now)) return;
      if (Array.isArray(out[field])) {
        var kept = [].concat(now || []);
        var gone = [].concat(was || []).filter(function (v) { return kept.indexOf(v) < 0; });
        out[field] = out[field].filter(function (v) { return gone.indexOf(v) < 0; });
      } else if (same(out[field], was)) {
        out[field] = now;
      }
    });
    if (out.page === fix.from.page) out.page = fix.state.page;
    return out;
  }

  function restoreControls() {
    // The filter options of this user's data arrived (components/callbacks.py filter_options):
    // (*options, *values | state, rules) -> *values, per rules.option_fields. A control that
    // dropped a state's value its earlier options lacked (Dash 4's dropdown does) shows it again
    // now that it is offered; the state kept it meanwhile (`droppedUnoffered`).
    var a = Array.prototype.slice.call(arguments);
    var rules = a[a.length - 1], state = a[a.length - 2], no = window.dash_clientside.no_update;
    var n = rules.option_fields.length;
    if (!state) return Array(n).fill(no);
    var wanted = stateToControls(state, rules);
    return rules.option_fields.map(function (field, i) {
      var offered = offeredValues(a[i]), value = a[n + i], target = wanted[rules.controls.indexOf(field)];
      var shown = [].concat(value === null || value === undefined ? [] : value);
      var missing = [].concat(target === null || target === undefined ? [] : target)
        .filter(function (v) { return shown.indexOf(v) < 0 && offered.indexOf(v) >= 0; });
      return missing.length ? target : no;
    });
  }

  function toCheck(unknownValues, rules) {
    // whether `unknown`'s answer holds anything for the server to check
    return unknownValues.page > 1 || rules.option_fields.some(function (field) { return unknownValues[field].length > 0; });
  }

  function unknown(state, rules, current) {
    // What the server must check against the data (components/state_sync.py): per option field,
    // the values its control does not offer (the options follow `current` in the arguments, in
    // rules.option_fields order); the page when past the first. Unchanged: no request.
    var no = window.dash_clientside.no_update;
    if (!state || !rules) return no;
    var lists = Array.prototype.slice.call(arguments, 3), next = {}, any = false;
    rules.option_fields.forEach(function (field, i) {
      var offered = offeredValues(lists[i]);
      var values = Array.isArray(state[field]) ? state[field] : state[field] ? [state[field]] : [];
      next[field] = values.filter(function (v) { return offered.indexOf(v) < 0; });
      any = any || next[field].length > 0;
    });
    next.page = state.page > 1 ? state.page : 1;
    any = any || next.page > 1;
    if (current ? same(current, next) : !any) return no;
    return next;
  }

  function uploaded(upload) {
    // The upload Store changed: the views showing uploads are asked for again (assets/slices.js)
    window.evidenceSlices.uploaded(upload);
  }

  return {
    sync: sync, applyFix: applyFix, restoreControls: restoreControls, uploaded: uploaded, unknown: unknown, parseQuery: parseQuery, toQuery: toQuery, coerce: coerce,
    nextState: nextState, linkNotice: linkNotice, controlsToState: controlsToState,
    stateToControls: stateToControls, clickedTrial: clickedTrial, unquote: unquote,
  };
})();
