/*
 * Per-view slices of the view state (components/slices.py), and each view's data fetched from
 * the server outside Dash's callback chain (components/view_requests.py).
 *
 * For each new state (`cut`, called by the state callback itself: assets/state.js `sync` and
 * `applyFix`), every view's slice is the state's fields it reads; a view whose slice (or whose
 * upload reference, for a view showing uploads) changed is asked for at once with one POST, and
 * its answer sets the props it names with `dash_clientside.set_props`, as a callback's outputs
 * would be set. A Dash callback per view cost the renderer a dozen store dispatches before its
 * request left and more when it answered, each running every mounted component's selector.
 *
 * Only what is visible is drawn: a view off screen (below the fold, or in a tab panel that is
 * not the state's tab) is not asked for; its new slice waits (assets/seen.js) and is asked for
 * once the view is scrolled to or its tab is shown. (The element seen for a view carries
 * `data-view` = the view's graph id: the figure's wrapper, or for the what-if the box holding its
 * controls, note and figure, for the trials grid the box around it. components/layout.py.) The
 * answer strip is asked for on every change: its answer also brings the filter panel's selection
 * summary and page position. The highlight is not sliced: every state change hands it to
 * assets/highlight.js, which restyles what is drawn.
 *
 * An answer to an older slice is dropped (a newer one is on its way). While a view's request is
 * out its box is `aria-busy` (assets/views.css shows a spinner after 300 ms); a refused or failed
 * request says so in the view's caption, and the next change asks again.
 */
window.evidenceSlices = (function () {
  var ROUTE = "_evidence/view/", routePath = null; // after Dash's requests prefix: route()
  var asked = {}; // name -> the request body last sent for it
  var wanted = {}; // name -> the request body for its newest slice (sent, or waiting to be seen)
  var slices = null; // name -> {view, caption, fields, uploads}: the state rules' `slices`
  var lastState = null, lastUpload = null; // the newest state cut and upload reference
  var setProps = {}; // component id -> JSON of the props last set on it

  function box(name) {
    var view = slices[name].view;
    return view ? document.querySelector('[data-view="' + view + '"]') : null;
  }

  function busy(name, on) {
    var el = box(name);
    if (el) el.toggleAttribute("aria-busy", on);
  }

  function failed(name, status) {
    // the view's caption says so (a text the browser sets: components/view_requests.py); status:
    // the HTTP status of a refused request, else none (no answer, or it could not be read)
    var caption = slices[name].caption && document.getElementById(slices[name].caption);
    if (caption) {
      caption.textContent = "This view could not be loaded (" +
        (typeof status === "number" ? "the server answered " + status : "no answer arrived") + "). " +
        "Change a filter or reload the page to try again.";
    }
  }

  function route() {
    // Dash's requests prefix (the page's _dash-config, fixed for the page's life) + the route
    if (routePath === null) {
      var prefix = "/";
      try {
        prefix = JSON.parse(document.getElementById("_dash-config").textContent).requests_pathname_prefix || "/";
      } catch (e) { /* no config: the app is at the root */ }
      routePath = prefix + ROUTE;
    }
    return routePath;
  }

  function ask(name, body) {
    // POST one view's slice; set what its answer names unless a newer slice was asked for since
    busy(name, true);
    fetch(route() + name, { method: "POST", headers: { "Content-Type": "application/json" }, body: body, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw response.status;
        return response.json();
      })
      .then(function (answer) {
        if (asked[name] !== body) return;
        apply(answer);
        done(name);
      })
      .catch(function (status) {
        if (asked[name] !== body) return;
        done(name);
        delete asked[name]; // asked again on the next change
        failed(name, status);
      });
  }

  function done(name) {
    // the view's request is over: not busy; a graph of it still held for these data is drawn
    // (assets/lazy_draw.js: with the figure the answer brought, or empty if none came)
    busy(name, false);
    window.evidenceDraw.release(box(name));
  }

  function apply(answer) {
    // what a view's answer sets (components/view_requests.py `_answer`): texts and data
    // attributes on elements Dash never gives children or those attributes; Dash props (a figure,
    // a control's options) with set_props, only when they differ from what was last set (each
    // costs the renderer three store dispatches)
    answer.text.forEach(function (item) {
      var el = document.getElementById(item[0]);
      if (el && el.textContent !== item[1]) el.textContent = item[1];
    });
    answer.attrs.forEach(function (item) {
      var el = document.getElementById(item[0]);
      if (el && el.getAttribute(item[1]) !== item[2]) el.setAttribute(item[1], item[2]);
    });
    answer.props.forEach(function (item) {
      var text = JSON.stringify(item[1]);
      if (setProps[item[0]] === text) return;
      setProps[item[0]] = text;
      window.evidenceDraw.arrived(item[0], item[1]);
      window.dash_clientside.set_props(item[0], item[1]);
    });
  }

  function sliceOne(name, state, upload) {
    // ask for `name` if its slice changed: now when seen, else once it is
    var spec = slices[name], seen = window.evidenceSeen;
    var next = {};
    spec.fields.forEach(function (field) { next[field] = field in state ? state[field] : null; });
    var body = JSON.stringify({ slice: next, upload: spec.uploads ? upload : null });
    var el = box(name);
    wanted[name] = body;
    if (asked[name] === body) {
      if (el) seen.forget(el, "slice");
      return;
    }
    if (el && !seen.visible(el)) {
      seen.whenSeen(el, "slice", function () {
        if (asked[name] === body) return;
        asked[name] = body;
        ask(name, body);
      });
      return;
    }
    if (el) seen.forget(el, "slice");
    asked[name] = body;
    ask(name, body);
  }

  return {
    // Ask for every view whose slice of `state` changed. `rules`: the state rules
    // (components/state_sync.py browser_rules, its `slices`); `upload`: the upload Store's
    // reference (the views showing uploads are asked for again when it changes). The tab and the
    // highlight follow the state here too (neither is a view).
    cut: function (state, rules, upload) {
      if (!state) return;
      slices = rules.slices;
      lastState = state;
      lastUpload = upload === undefined ? null : upload;
      if (state.tab) window.evidenceSeen.setTab(state.tab);
      window.evidenceHighlight.show(state.highlight || ""); // drawn in the browser: no request
      Object.keys(slices).forEach(function (name) { sliceOne(name, state, lastUpload); });
    },
    // Whether element `el` (a graph) is in a view whose data are asked for or about to be: its
    // first draw waits for them (assets/lazy_draw.js).
    expects: function (el) {
      return Object.keys(slices || {}).some(function (name) {
        var b = box(name);
        return !!b && b.contains(el) && (b.hasAttribute("aria-busy") || wanted[name] !== asked[name]);
      });
    },
    // The upload Store changed (an upload, a removal): the views showing uploads are asked again.
    uploaded: function (upload) {
      if (!slices || !lastState) return;
      lastUpload = upload === undefined ? null : upload;
      Object.keys(slices).forEach(function (name) { sliceOne(name, lastState, lastUpload); });
    },
  };
})();
