"""Browser section: page load and URL-driven changes in Chromium, against a one-graph Dash app.

Debian's Chromium through Playwright, viewport 1366x768. Two servers, both real gunicorn with the
project's gunicorn.conf.py on 127.0.0.1: the dashboard (`common.dashboard_wsgi()`) and the floor
(`bench/url_floor_app.py`: one dcc.Location, one callback, one forest-sized graph). Both are timed
in the same run, interleaved, and every result is given as a ratio to the floor.

What "drawn and quiet" means (INSTRUMENT, injected with add_init_script before the page's own
scripts): a MutationObserver on the document notes the time of every mutation inside a
`.js-plotly-plot` or a view the page draws as a table (`.table-view`: the toxicity heatmap,
built by assets/heatmap_table.js, drawn once its table is there); attributes set and set back
within one task (dcc.Graph's pending class around a resize check that finds nothing to resize)
change nothing and are not counted. A wrapper around `window.fetch` counts Dash requests
(`/_dash-...`) in flight, noting when each is sent and when its body has arrived (the page's own
read of it); while Dash's renderer has
callbacks queued or running (its redux store, `window.dash_stores`) the page counts as busy too,
since between one callback's answer and the requests it triggers nothing is in flight. A page or
change has settled when nothing of that has happened for QUIET_MS; its time is that of the last
activity (so the quiet window itself is not counted).

* Page load (fresh browser context per load: cold cache): from navigation start until every
  graph on the first screen (a `.dash-graph` whose box meets the 1366x768 viewport once the page
  has settled; a graph in a hidden tab panel is not on it) is drawn and the page has settled.
  Also reported: until every graph of the shown tab has drawn a figure with data (the dashboard
  computes a figure only once it is on screen, so below-the-fold graphs never do without
  scrolling: "–").
* URL-driven changes, as a copied link or back/forward makes them: `history.pushState` with the
  new query and a `popstate` event, which dcc.Location answers by reading the URL; from the
  pushState until settled. Each repetition changes from the default view to the new one (timed)
  and back (not timed); the first repetition of a change is the first time the servers see
  that state, later ones may be answered from the view cache, as in use.

Two modes, both in the report: *cold* (the dashboard's warm-up after fork off, WARM_CACHE_STATES=0,
so every change's first state is a cache miss: the server's worst case) and *warm* (the warm-up on
as deployed, components/warm.py, and timed only after every worker has finished it: the default
view's other endpoints and grade bands and each single facet are cache hits, what users meet).
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import CHROMIUM, CHROMIUM_ARGS, Server, median, percentile

VIEWPORT = {"width": 1366, "height": 768}
QUIET_MS = 300
LOAD_TIMEOUT_MS = 60_000
CHANGE_TIMEOUT_MS = 30_000

# name -> (dashboard query, floor query, what it is, target ratio to the floor's change)
CHANGES: dict[str, tuple[str, str, str, float]] = {
    "endpoint": ("?endpoint=OS", "?endpoint=OS", "endpoint PFS -> OS", 3.0),
    "highlight": ("?highlight=PASO", "?highlight=Trial+A", "highlight a trial (PASO)", 2.0),
    "grade": ("?grade=all", "?grade=all", "grade band 3-4 -> all grades", 3.0),
    "facet": ("?disease=breast+cancer", "?disease=breast+cancer", "facet: disease = breast cancer", 3.0),
    "tab": ("?tab=dosing", "?endpoint=OS", "tab: efficacy -> dose ramp, first open (a fresh page each time)", 3.0),
    "tab_trials": ("?tab=trials", "?endpoint=OS", "tab: efficacy -> trials & design, first open (a fresh page each time)", 3.0),
    "tab_survival": ("?tab=survival", "?endpoint=OS", "tab: efficacy -> survival, first open (a fresh page each time)", 3.0),
    "tab_sources": ("?tab=sources", "?endpoint=OS", "tab: efficacy -> sources, first open (a fresh page each time)", 3.0),
}
FIRST_OPEN = {"tab", "tab_trials", "tab_survival", "tab_sources"}
"""Changes timed on a freshly loaded page each time: once a tab has been shown its figures stay
drawn, so only its first opening draws them (from the default view, as every change)."""
LOAD_TARGET = 1.5  # issue 13: page load at most 1.5x the one-graph app

INSTRUMENT = """
(() => {
  const B = window.__bench = {pending: 0, sent: 0, done: 0, updates: 0, mutations: 0, last: 0,
                              lastAnswer: 0, outputs: [], firstUpdate: null, allDrawn: null, graphs: 0,
                              loaded: false};  // loaded: the page's first settle has answered
  const touch = () => { B.last = performance.now(); };
  const realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || String(input);
    // a view's data (components/view_requests.py) counts as a callback: it is one, fetched outside Dash
    const view = url.match(/\/_evidence\/view\/([\w-]+)/);
    if (!url.includes('/_dash-') && !view) return realFetch(input, init);
    const update = !!view || url.includes('_dash-update-component');
    if (update && B.firstUpdate === null) B.firstUpdate = performance.now();
    B.pending++; B.sent++; touch();
    if (view) B.outputs.push('view ' + view[1]);
    else if (update) { try { B.outputs.push(JSON.parse(init.body).output); } catch (e) { B.outputs.push('?'); } }
    let finished = false;
    const finish = () => { if (finished) return; finished = true;
      B.pending--; B.done++; if (update) B.updates++; touch(); B.lastAnswer = B.last; };
    // The answer has arrived when the page's own read of the body resolves (Dash's json()), or
    // else the bench's read of a copy (a body the page never reads). The copy's read alone
    // resolved late when the page drew a figure with the answer in the meantime: its callback
    // waited behind that draw, counting time after the page had the answer and was done.
    const ownRead = response => {
      ['json', 'text', 'arrayBuffer', 'blob'].forEach(name => {
        const read = response[name].bind(response);
        response[name] = () => { const body = read(); body.then(finish, finish); return body; };
      });
    };
    return realFetch(input, init).then(
      response => { response.clone().arrayBuffer().then(finish, finish); ownRead(response); return response; },
      error => { finish(); throw error; });
  };
  // a view drawn: a plotly graph, or a table the page builds itself (the toxicity heatmap,
  // assets/heatmap_table.js: a `.table-view` box); a change inside either is drawing
  const VIEW = '.js-plotly-plot, .table-view';
  const inPlot = node => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(el && el.closest && el.closest(VIEW));
  };
  // An attribute set and set back within one task changes nothing drawn: dcc.Graph marks a graph
  // pending around every resize check (its ResizeObserver asks 50 ms after a figure of another
  // height is drawn), the check finds the size drawn, and the mark is cleared in a promise
  // callback of the same task, after this observer has seen the first half. So attribute
  // changes are weighed once the task is over: counted (at the time they were seen) only if
  // an attribute is not back to its value before them. Any other change in a plot counts at once.
  const inPlotRecord = r => inPlot(r.target) || Array.from(r.addedNodes).some(n => n.nodeType === 1 &&
      (n.matches(VIEW) || n.querySelector(VIEW)));
  let attrsBefore = null, attrsSeen = 0; // element -> attribute -> value before the task's changes
  const weighAttributes = () => {
    const before = attrsBefore, seen = attrsSeen;
    attrsBefore = null;
    for (const [el, olds] of before) {
      for (const [name, old] of olds) {
        if (el.getAttribute(name) !== old) { B.mutations++; B.last = Math.max(B.last, seen); return; }
      }
    }
  };
  new MutationObserver(records => {
    let changed = false;
    for (const r of records) {
      if (!inPlotRecord(r)) continue;
      if (r.type !== 'attributes') { changed = true; continue; }
      if (!attrsBefore) { attrsBefore = new Map(); setTimeout(weighAttributes, 0); }
      attrsSeen = performance.now();
      const olds = attrsBefore.get(r.target) || new Map();
      attrsBefore.set(r.target, olds);
      if (!olds.has(r.attributeName)) olds.set(r.attributeName, r.oldValue);
    }
    if (changed) { B.mutations++; touch(); }
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeOldValue: true, characterData: true});

  const isTable = el => el.matches('.table-view');
  const drawn = el => { if (isTable(el)) return !!el.querySelector('table, .hm-empty');
    const g = el.querySelector('.js-plotly-plot');
    return !!(g && g._fullData && g.querySelector('.main-svg')); };
  const withData = el => { if (isTable(el)) return !!el.querySelector('table');
    const g = el.querySelector('.js-plotly-plot');
    return drawn(el) && g.data && g.data.length > 0; };
  // not display:none, not inside a hidden tab panel (kept laid out, height 0, visibility hidden)
  const shown = el => el.getClientRects().length > 0 && !el.closest('[hidden]');
  const sized = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const onScreen = el => { const r = el.getBoundingClientRect();
    return sized(el) && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth; };
  const graphs = () => Array.from(document.querySelectorAll('.dash-graph, .table-view'));
  // graphs the first screen shows, and graphs not laid out yet (a lazy dcc.Graph has no size
  // until its code has loaded): both must be drawn before the page counts as loaded
  B.firstScreen = () => graphs().filter(el => shown(el) && onScreen(el));
  B.mustDraw = () => graphs().filter(el => shown(el) && (!sized(el) || onScreen(el)));
  // Every graph of the shown tab showing data: looked at each frame until true, or until the
  // page's first settle has answered (nothing reads it later), or after 60 s. Its layout reads
  // (getClientRects on every graph) are the bench's own work: left running, a dashboard whose
  // graphs below the fold are never drawn paid them every frame of its changes, the floor not.
  (function tick() {
    if (B.loaded) return;
    const all = graphs().filter(shown);
    B.graphs = all.length;
    if (all.length && all.every(withData)) { B.allDrawn = performance.now(); return; }
    if (performance.now() < 60000) requestAnimationFrame(tick);
  })();

  // Dash's renderer has callbacks queued or running (its redux store, window.dash_stores):
  // between one callback's answer and the requests it triggers no fetch is in flight
  const QUEUES = ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed', 'stored'];
  // Redux actions that reach Dash's reducers (plain objects; a thunk counts by what it
  // dispatches): each one runs the selector of every mounted component, so their number per
  // change says how much of Dash's renderer a change costs (README "Session 18")
  B.dispatches = 0;
  B.hookStores = () => (window.dash_stores || []).forEach(store => {
    if (store.__benchCounted) return;
    const dispatch = store.dispatch;
    store.dispatch = function (action) { if (action && typeof action === 'object') B.dispatches++; return dispatch.apply(this, arguments); };
    store.__benchCounted = true;
  });
  B.busy = () => (B.hookStores(), window.dash_stores || []).some(store => { const st = store.getState();
    return st.isLoading || QUEUES.some(q => ((st.callbacks || {})[q] || []).length > 0); });

  // Resolves once no Dash request is pending and no callback is queued, every first-screen graph
  // is drawn, at least `minUpdates` callback requests have finished, and nothing has changed
  // (no plot mutation, request or queued callback) for `quiet` ms. The graphs' layout is read
  // only once the rest holds: read every 20 ms, it forced layouts while the page was still
  // drawing, more of them the more graphs a page has.
  B.settle = (quiet, timeout, minUpdates) => new Promise(resolve => {
    const started = performance.now();
    (function poll() {
      const now = performance.now();
      if (B.busy()) B.last = now;
      const ready = B.pending === 0 && B.updates >= minUpdates && now - B.last >= quiet &&
                    graphs().length > 0 && B.mustDraw().every(drawn);
      if (ready || now - started > timeout) {
        const screen = B.firstScreen();
        B.loaded = true;
        resolve({settled: B.last, timedOut: !ready, screenGraphs: screen.length,
                 screenIds: screen.map(el => el.id || (el.querySelector('[id]') || {}).id || '?')});
        return;
      }
      setTimeout(poll, 20);
    })();
  });
})();
"""

CHANGE_JS = r"""
async ([query, quiet, timeout]) => {
  const B = window.__bench;
  const since = performance.now();
  B.last = since;
  B.hookStores();
  const sent = B.sent, mutations = B.mutations, outputs = B.outputs.length, dispatches = B.dispatches;
  B.lastAnswer = since;
  history.pushState({}, '', location.pathname + query);
  window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));
  const out = await B.settle(quiet, timeout, 0);
  return {ms: out.settled - since, timedOut: out.timedOut, requests: B.sent - sent,
          mutations: B.mutations - mutations, search: location.search, answered: B.lastAnswer - since,
          dispatches: B.dispatches - dispatches,
          callbacks: B.outputs.slice(outputs).map(o => o.replace(/^\.\./, '').split('.')[0])};
}
"""


def _context(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INSTRUMENT)
    return context


def load_once(browser, url: str) -> dict:
    """One cold page load (fresh context): first screen drawn and quiet, every graph drawn."""
    context = _context(browser)
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
        out = page.evaluate("([q, t]) => window.__bench.settle(q, t, 1)", [QUIET_MS, LOAD_TIMEOUT_MS])
        marks = page.evaluate(
            "() => { const B = window.__bench, n = performance.getEntriesByType('navigation')[0]; "
            "return {all: B.allDrawn, graphs: B.graphs, requests: B.sent, first_update: B.firstUpdate, "
            "load_event: n.loadEventEnd}; }")
        return {"ms": out["settled"], "timed_out": out["timedOut"], "screen_graphs": out["screenGraphs"],
                "screen_ids": out["screenIds"], "all_drawn_ms": marks["all"], "graphs": marks["graphs"],
                "requests": marks["requests"], "first_update_ms": marks["first_update"],
                "load_event_ms": marks["load_event"]}
    finally:
        context.close()


def change_once(page, query: str) -> dict:
    page.bring_to_front()
    out = page.evaluate(CHANGE_JS, [query, QUIET_MS, CHANGE_TIMEOUT_MS])
    return {"ms": out["ms"], "timed_out": out["timedOut"], "requests": out["requests"],
            "mutations": out["mutations"], "search": out["search"], "answered_ms": out["answered"],
            "callbacks": out["callbacks"], "dispatches": out["dispatches"]}


def _open(browser, url: str):
    context = _context(browser)
    page = context.new_page()
    page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    page.evaluate("([q, t]) => window.__bench.settle(q, t, 1)", [QUIET_MS, LOAD_TIMEOUT_MS])
    return context, page


def _summary(runs: list[dict]) -> dict:
    ms = [r["ms"] for r in runs if not r["timed_out"]]
    return {"runs": runs, "median": median(ms), "p95": percentile(ms, 95), "first": runs[0]["ms"] if runs else None,
            "timed_out": sum(r["timed_out"] for r in runs),
            "requests": median([r["requests"] for r in runs]),
            "mutations": median([r["mutations"] for r in runs]) if runs and "mutations" in runs[0] else None,
            "answered_ms": median([r["answered_ms"] for r in runs if "answered_ms" in r]),
            "dispatches": median([r["dispatches"] for r in runs if "dispatches" in r]),
            "callbacks": runs[0].get("callbacks", []) if runs else []}


WARM_STATES = 16  # the deployed default (config.Settings.warm_cache_states)


def _wait_warmed(server: Server, workers: int = 2, timeout: float = 300.0) -> None:
    """Until every worker has logged the end of its cache warm-up (components/warm.py)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.log_path.read_text(errors="replace").count("cache warm-up done") >= workers:
            return
        time.sleep(0.5)
    raise TimeoutError(f"cache warm-up not done within {timeout:.0f} s\n{server.log_tail()}")


def measure(loads: int, reps: int, log=print, warm: bool = False, changes: list[str] | None = None) -> dict:
    """Start both servers, time `loads` cold page loads and `reps` of each change per app.
    warm: the dashboard warms its cache after fork (as deployed) and is timed once it has.
    changes: the names of CHANGES to time (default: all); loads=0 skips the page loads."""
    changes = list(changes or CHANGES)
    from playwright.sync_api import sync_playwright

    app_env = {"WARM_CACHE_STATES": str(WARM_STATES)} if warm else None
    servers = {"app": Server(tag="browser-app-warm" if warm else "browser-app", env=app_env),
               "floor": Server("bench.url_floor_app:server", tag="browser-floor")}
    raw: dict = {"load": {"app": [], "floor": []}, "changes": {n: {"app": [], "floor": []} for n in changes}}
    try:
        for server in servers.values():
            server.start()
        ready = {name: server.wait_ready() for name, server in servers.items()}
        if warm:
            _wait_warmed(servers["app"])
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for name in servers:  # warm each server's static files and first callbacks (not timed)
                    load_once(browser, servers[name].url + "/")
                for rep in range(loads):
                    for name in (("app", "floor") if rep % 2 == 0 else ("floor", "app")):
                        raw["load"][name].append(load_once(browser, servers[name].url + "/"))
                log(f"browser: {loads} page loads each timed")
                pages = {name: _open(browser, server.url + "/") for name, server in servers.items()}
                try:
                    for rep in range(reps):
                        for change in changes:
                            app_query, floor_query, _about, _target = CHANGES[change]
                            order = ("app", "floor") if rep % 2 == 0 else ("floor", "app")
                            for name in order:
                                query = app_query if name == "app" else floor_query
                                if change in FIRST_OPEN:
                                    context, page = _open(browser, servers[name].url + "/")
                                    raw["changes"][change][name].append(change_once(page, query))
                                    context.close()
                                    continue
                                page = pages[name][1]
                                raw["changes"][change][name].append(change_once(page, query))
                                change_once(page, "")  # back to the default view, not timed
                    log(f"browser: {reps} repetitions of {len(changes)} changes timed")
                finally:
                    for context, _page in pages.values():
                        context.close()
            finally:
                browser.close()
    finally:
        for server in servers.values():
            server.stop()
    return summarise(raw, ready, warm)


def _ratio(app: float, floor: float) -> float:
    """app / floor; nan when either is missing (no runs, e.g. page loads skipped)."""
    return app / floor if app == app and floor == floor and floor else float("nan")


def summarise(raw: dict, ready: dict, warm: bool = False) -> dict:
    out: dict = {"ready_s": ready, "load": {}, "changes": {}, "warm": warm}
    for name, runs in raw["load"].items():
        s = _summary(runs)
        for mark in ("all_drawn_ms", "first_update_ms", "load_event_ms"):
            s[mark] = median([r[mark] for r in runs if r.get(mark) is not None])
        s["screen_graphs"] = runs[-1]["screen_graphs"] if runs else 0
        s["screen_ids"] = runs[-1]["screen_ids"] if runs else []
        s["graphs"] = runs[-1]["graphs"] if runs else 0
        out["load"][name] = s
    out["load"]["ratio"] = _ratio(out["load"]["app"]["median"], out["load"]["floor"]["median"])
    out["load"]["ratio_all"] = _ratio(out["load"]["app"]["all_drawn_ms"], out["load"]["floor"]["all_drawn_ms"])
    for change, sides in raw["changes"].items():
        row = {name: _summary(runs) for name, runs in sides.items()}
        row["ratio"] = row["app"]["median"] / row["floor"]["median"]
        row["ratio_p95"] = row["app"]["p95"] / row["floor"]["p95"]
        row["target"] = CHANGES[change][3]
        row["about"] = CHANGES[change][2]
        out["changes"][change] = row
    return out


# ---------------------------------------------------------------- report


def _ms(value) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.0f}"


def render(s: dict) -> list[str]:
    load = s["load"]
    a, f = load["app"], load["floor"]
    lines = [
        "## 8. Browser: page load and URL-driven changes (Chromium, 1366x768)", "",
        "Dashboard and a one-graph Dash app whose figure follows the URL (`bench/url_floor_app.py`), each on its "
        "own gunicorn (project config, 127.0.0.1), in the same browser, interleaved. Settled = no Dash request "
        f"pending or callback queued and no mutation inside any `.js-plotly-plot` or the heatmap table for {QUIET_MS} ms "
        "(the time is that of the last "
        "activity); a change is `history.pushState` + `popstate` (what back/forward and dcc.Location do), from the "
        "default view, timed until settled. Ratio = dashboard median / floor median (p95 ratio in brackets).", "",
        "| measure | dashboard median ms | p95 | first | one-graph app median ms | p95 | ratio | target | requests (dashboard / floor) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    lines += [] if not a["runs"] else [  # page loads skipped (python -m bench.browser 0 ...)
        f"| page load: first screen drawn and quiet ({len(a['runs'])} cold loads) | {_ms(a['median'])} | {_ms(a['p95'])} | "
        f"{_ms(a['first'])} | {_ms(f['median'])} | {_ms(f['p95'])} | **{load['ratio']:.2f}x** | "
        f"{LOAD_TARGET}x: {'met' if load['ratio'] <= LOAD_TARGET else '**missed**'} | {a['requests']:.0f} / {f['requests']:.0f} |",
        f"| page load: every graph of the shown tab drawn with data | {_ms(a['all_drawn_ms'])} | | | {_ms(f['all_drawn_ms'])} | | "
        f"{load['ratio_all']:.2f}x | – | |",
        f"| page load: scripts loaded (load event) | {_ms(a['load_event_ms'])} | | | {_ms(f['load_event_ms'])} | | "
        f"{a['load_event_ms'] / f['load_event_ms']:.2f}x | – | |",
        f"| page load: first callback request sent | {_ms(a['first_update_ms'])} | | | {_ms(f['first_update_ms'])} | | "
        f"{a['first_update_ms'] / f['first_update_ms']:.2f}x | – | |",
    ]
    for change, row in s["changes"].items():
        a, f = row["app"], row["floor"]
        ok = row["ratio"] <= row["target"]
        lines.append(
            f"| {row['about']} ({len(a['runs'])}x) | {_ms(a['median'])} | {_ms(a['p95'])} | {_ms(a['first'])} | "
            f"{_ms(f['median'])} | {_ms(f['p95'])} | **{row['ratio']:.1f}x** ({row['ratio_p95']:.1f}x) | "
            f"{row['target']:.0f}x: {'met' if ok else '**missed**'} | {a['requests']:.0f} / {f['requests']:.0f} |")
    lines += ["", "Where a dashboard change spends its time (medians): the last Dash answer arrived after / "
              "settled after; the callbacks it requested; Dash's redux actions (each runs every mounted "
              "component's selector), dashboard / one-graph app:", ""]
    for change, row in s["changes"].items():
        a, f = row["app"], row["floor"]
        lines.append(f"- {row['about']}: {_ms(a['answered_ms'])} / {_ms(a['median'])} ms; "
                     f"{', '.join(a['callbacks']) or 'none'}; {_ms(a['dispatches'])} / {_ms(f['dispatches'])} actions")
    timed_out = sum(x["timed_out"] for x in (s["load"]["app"], s["load"]["floor"])) + sum(
        row[n]["timed_out"] for row in s["changes"].values() for n in ("app", "floor"))
    lines += ["",
              f"First screen of the dashboard: {load['app']['screen_graphs']} of {load['app']['graphs']} graphs "
              f"({', '.join(load['app']['screen_ids']) or 'none'}). Runs that did not settle within the timeout: "
              f"{timed_out}. Server start-up to /readyz: dashboard {s['ready_s']['app']:.1f} s, floor "
              f"{s['ready_s']['floor']:.1f} s.", ""]
    return lines


def render_warm(s: dict) -> list[str]:
    """The same measures with the dashboard's cache warm-up on (as deployed), in one table."""
    load = s["load"]
    lines = [
        "### With the warm-up after fork on (as deployed)", "",
        f"The dashboard warms each worker's cache after fork (WARM_CACHE_STATES={WARM_STATES}, components/warm.py) "
        "and is timed once every worker has finished: the default view's other endpoints and grade bands and each "
        "single facet are cache hits. The floor is the same app as above, in this run.", "",
        "| measure | dashboard median ms | one-graph app median ms | ratio | target |", "|---|---:|---:|---:|---|",
        f"| page load: first screen drawn and quiet | {_ms(load['app']['median'])} | {_ms(load['floor']['median'])} | "
        f"**{load['ratio']:.2f}x** | {LOAD_TARGET}x: {'met' if load['ratio'] <= LOAD_TARGET else '**missed**'} |",
    ]
    for row in s["changes"].values():
        ok = row["ratio"] <= row["target"]
        lines.append(f"| {row['about']} | {_ms(row['app']['median'])} | {_ms(row['floor']['median'])} | "
                     f"**{row['ratio']:.1f}x** | {row['target']:.0f}x: {'met' if ok else '**missed**'} |")
    return lines + [""]


def target_rows(s: dict) -> list[str]:
    load = s["load"]
    mode = " (warm-up on)" if s.get("warm") else ""
    rows = [f"| browser page load{mode} <= {LOAD_TARGET}x one-graph app | {load['ratio']:.2f}x | "
            f"{'met' if load['ratio'] <= LOAD_TARGET else '**missed**'} |"]
    for change, row in s["changes"].items():
        rows.append(f"| browser {change} change{mode} <= {row['target']:.0f}x one-graph app | {row['ratio']:.1f}x | "
                    f"{'met' if row['ratio'] <= row['target'] else '**missed**'} |")
    return rows


def main(argv: list[str] | None = None) -> None:
    """A quick look: python -m bench.browser [loads] [reps] [--changes endpoint,grade,facet] [--warm]
    (loads 0: changes only; e.g. `python -m bench.browser 0 3 --changes endpoint,grade,facet`)."""
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("loads", type=int, nargs="?", default=3)
    parser.add_argument("reps", type=int, nargs="?", default=3)
    parser.add_argument("--changes", default=",".join(CHANGES), help="comma-separated names of CHANGES")
    parser.add_argument("--warm", action="store_true", help="the dashboard's warm-up after fork on")
    parser.add_argument("--json", help="write the summary here too")
    args = parser.parse_args(argv)
    names = [n for n in args.changes.split(",") if n]
    unknown = set(names) - set(CHANGES)
    if unknown:
        parser.error(f"unknown changes {sorted(unknown)}; known: {', '.join(CHANGES)}")
    started = time.perf_counter()
    print(f"load average at start: {os.getloadavg()}")
    result = measure(args.loads, args.reps, warm=args.warm, changes=names)
    print("\n".join(render(result)))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    print(f"load average at end: {os.getloadavg()}; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
