"""Benchmarks of the dashboard: one command, one table.

    .venv/bin/python bench/run.py [--quick] [--only latency,growth,startup,page,export,concurrency,profile,browser,memory]

Prints a Markdown report and writes it to bench/results/latest.md (raw numbers in latest.json,
server logs and profiles beside them). Every section compares the app with a floor measured in
the same run, because the machine is shared and noisy: read the ratios, not the milliseconds.
Sections: 1 callback latency vs a precomputed-figure Dash floor; 2 growth with synthetic data
(10x/100x/1000x); 3 start-up vs bare imports; 4 page weight and first render vs a one-graph Dash
app; 5 PNG export; 6 concurrency; 7 pyinstrument profiles of the worst ratios; 8 page load and
URL-driven changes in Chromium vs a one-graph Dash app (bench/browser.py); 9 worker memory after
many varied requests (bench/memory.py).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import browser as browser_section  # noqa: E402
from bench import memory as memory_section  # noqa: E402
from bench import scenarios  # noqa: E402
from components.ids import ANSWER_CARDS  # noqa: E402
from evidence.view_registry import VIEWS  # noqa: E402
from bench.common import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, PY, RESULTS, Client, Server, gzip_size, median, percentile, run_quiet,
)

SECTIONS = ("latency", "growth", "startup", "page", "export", "concurrency", "profile", "browser", "memory")
# floor server first; the browser section before the heavier ones warm the machine up
RUN_ORDER = ("latency", "concurrency", "page", "browser", "memory", "growth", "startup", "export", "profile")
NEEDS_FLOOR = {"latency", "concurrency", "page"}
# Every server callback a view-state change can send (assets/state.js turns the URL, a control or
# a click into the state in the browser; there is no sync_state request any more): one per view
# of the registry, in its order, and the answer strip.
FIGURE_CALLBACKS = (*(view.graph_id for view in VIEWS.values()), ANSWER_CARDS)
# The callback each interaction is about, timed 100 times (None = every callback whose answer the
# interaction changes); other callbacks 25 times.
FOCUS = {"filter": None, "select": "forest", "grade": "toxicity", "ramp": "what_if"}


@dataclass
class Config:
    quick: bool
    latency_n: int = 100  # requests per callback the interaction is about
    latency_other_n: int = 25  # ... per callback that only re-runs because the Store changed
    latency_budget_s: float = 480.0
    latency_warmup: int = 2
    growth_factors: tuple[int, ...] = (1, 10, 100, 1000)
    growth_n: int = 30
    growth_cb_budget_s: dict = field(default_factory=lambda: {1: 8.0, 10: 8.0, 100: 12.0, 1000: 10.0})
    growth_timeout_s: float = 20.0
    startup_reps: int = 3
    startup_import_app: bool = True
    page_reps: int = 2
    page_warm: bool = True
    export_reps: int = 2
    export_figures: tuple[str, ...] = ("forest", "heatmap", "dose")
    export_module_cold: bool = True
    conc_levels: tuple[int, ...] = (1, 4, 8)
    conc_requests: int = 200
    conc_seconds: float = 30.0
    profile_reps: int = 5
    profile_growth: bool = True
    profile_startup: bool = True
    profile_picks: int = 3
    browser_loads: int = 7  # cold page loads per app (page load varies with load on the machine)
    browser_reps: int = 10  # repetitions of each URL-driven change per app
    memory_checkpoints: tuple[int, ...] = (100, 500, 1000, 2000)

    @classmethod
    def make(cls, quick: bool) -> "Config":
        if not quick:
            return cls(quick=False)
        return cls(
            quick=True, latency_n=8, latency_other_n=3, latency_budget_s=30.0, latency_warmup=1,
            growth_factors=(1, 10), growth_n=5, growth_cb_budget_s={1: 2.0, 10: 2.0}, growth_timeout_s=10.0,
            startup_reps=1, startup_import_app=False, page_reps=1, page_warm=False, export_reps=1,
            export_figures=("forest",), export_module_cold=False, conc_levels=(1, 4), conc_requests=30,
            conc_seconds=5.0, profile_reps=2, profile_growth=False, profile_startup=False, profile_picks=1,
            browser_loads=3, browser_reps=3, memory_checkpoints=(100, 500),
        )


_FLOOR: list[Server] = []


@contextlib.contextmanager
def floor_server():
    """The one bench.floor_app server (app + floor + minimal app, 2 workers x 4 threads) that the
    latency, page and concurrency sections share; started on first use, stopped by main()."""
    if _FLOOR and _FLOOR[0].proc.poll() is not None:
        _FLOOR.pop().stop()
    if not _FLOOR:
        server = Server("bench.floor_app:server", tag="floor", workers=2, threads=4).start()
        _FLOOR.append(server)
        server.ready_s = server.wait_ready()
    yield _FLOOR[0]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- machine


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    versions = {}
    for package in ("dash", "plotly", "pandas", "numpy", "lifelines", "scipy", "pandera", "flask", "gunicorn",
                    "kaleido", "choreographer", "playwright", "pyinstrument"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        chromium = "not found"
    try:  # git, not .git/HEAD: in a worktree .git is a file
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(), "kernel": platform.release(), "chromium": chromium,
        "versions": versions, "commit": commit[:12], "loadavg_start": os.getloadavg(),
    }


# ---------------------------------------------------------------- 1. callback latency


def _stats_ms(us: list[int]) -> dict:
    ms = [u / 1000 for u in us]
    return {"n": len(ms), "p50": median(ms), "p95": percentile(ms, 95)}


def latency(cfg: Config) -> dict:
    """Every callback of the four interactions, three ways, interleaved, server-side time:
    `miss` = a state the app has not seen (scenarios.bust: the work a real change costs),
    `hit` = the same body again (what the per-process view cache answers), `floor`."""
    with floor_server() as server:
        ready = server.ready_s
        client = Client(server.port)
        layout = scenarios.layout_values(client.get_json("/_dash-layout"))
        facets = scenarios.facet_values(layout)

        def post(name, body):
            status, data, _ = client.post_json(scenarios.view_path(name), body)
            assert status == 200, f"{name}: HTTP {status}"
            return data

        # Every interaction starts from the default state: a view whose answer differs from its
        # default-state answer must be computed (miss); the others can come from the view cache.
        before = {name: json.loads(post(name, body)) for name, body in scenarios.view_bodies(scenarios.ViewState().as_dict())}
        items = []
        for name in scenarios.SCENARIOS:
            for callback, body in scenarios.interaction(name):
                changed = json.loads(post(callback, body)) != before.get(callback)
                primary = changed and (FOCUS[name] is None or callback == FOCUS[name])
                # a view whose slice has no facet to vary (the what-if ramp) is timed cold instead:
                # its worker empties the view caches first (bench/floor_app.py, X-Bench-Cold)
                cold = scenarios.bust(body, 1, facets) == body
                items.append({"scenario": name, "callback": callback, "body": body, "primary": primary,
                              "changed": changed, "cold": cold,
                              "target_n": cfg.latency_n if primary else cfg.latency_other_n})
        paths = {"app": "/", "floor": "/floor/"}
        answers = {}
        for index, item in enumerate(items):  # warm-up, and the answers to compare
            raw = json.dumps(item["body"]).encode()
            for _ in range(cfg.latency_warmup):
                for kind, prefix in paths.items():
                    status, data, _ = client.request("POST", scenarios.view_path(item["callback"], prefix) + "?i=w", raw)
                    assert status == 200, f"{item['callback']} {kind}: HTTP {status}"
                    answers[(index, kind)] = (data, client.last_wire_bytes)
            status, data, _ = client.request("POST", scenarios.view_path(item["callback"]) + "?i=w",
                                             json.dumps(scenarios.bust(item["body"], 10_000, facets)).encode(),
                                             {"X-Bench-Cold": item["callback"]} if item["cold"] else None)
            answers[(index, "miss")] = (data, 0)
        for index, item in enumerate(items):
            (app_body, wire), (floor_body, _), (miss_body, _) = (answers[(index, k)] for k in ("app", "floor", "miss"))
            item["bytes"] = len(app_body)
            item["gzip_bytes"] = wire  # as sent to a client that accepts gzip
            item["same_as_floor"] = json.loads(app_body) == json.loads(floor_body)
            item["miss_same"] = json.loads(miss_body) == json.loads(app_body)
        deadline = time.monotonic() + cfg.latency_budget_s
        done = 0
        kinds = ("miss", "hit", "floor")
        for rep in range(cfg.latency_n):
            if time.monotonic() > deadline:
                break
            for index, item in enumerate(items):
                if rep >= item["target_n"]:
                    continue
                # a key no other request of this run has used lately (two scenarios' states can differ
                # only in fields a view does not read, so the index must differ per item too)
                busted = json.dumps(scenarios.bust(item["body"], rep * len(items) + index, facets)).encode()
                bodies = {"miss": busted, "hit": json.dumps(item["body"]).encode(), "floor": busted}
                shift = (rep + index) % 3
                for kind in kinds[shift:] + kinds[:shift]:
                    if kind == "hit" and rep >= cfg.latency_other_n:
                        continue
                    path = scenarios.view_path(item["callback"], paths["floor" if kind == "floor" else "app"])
                    cold = {"X-Bench-Cold": item["callback"]} if kind == "miss" and item["cold"] else None
                    status, _, _ = client.request("POST", f"{path}?i={kind}-{index}-{rep}", bodies[kind], cold)
                    assert status == 200, f"{item['callback']} {kind}: HTTP {status}"
            done = rep + 1
        client.close()
        time.sleep(0.5)
        log_lines = server.access_log()
    rows = []
    for index, item in enumerate(items):
        row = {k: v for k, v in item.items() if k != "body"}
        for kind in kinds:
            us = [log_lines[f"{kind}-{index}-{rep}"]["us"] for rep in range(done) if f"{kind}-{index}-{rep}" in log_lines]
            row[kind] = _stats_ms(us)
        row["app"] = row["miss"]
        row["ratio_p95"] = row["miss"]["p95"] / row["floor"]["p95"]
        row["ratio_p50"] = row["miss"]["p50"] / row["floor"]["p50"]
        row["hit_ratio_p95"] = row["hit"]["p95"] / row["floor"]["p95"]
        rows.append(row)
    return {"rows": rows, "reps": done, "ready_s": ready, "other_n": cfg.latency_other_n,
            "bust_orders": scenarios.bust_count(facets)}


# ---------------------------------------------------------------- 2. growth


def _inputs_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "data").glob("*.csv")) + [ROOT / "bench" / "synthetic.py"] + [
        ROOT / "evidence" / f for f in ("contract.py", "loading.py", "relations.py")
    ]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def dataset(factor: int, fresh: bool) -> dict:
    """Data directory at factor x the bundled size, generated and validated with the CLI.

    Synthetic sets are kept in bench/results/synthetic/xN with a stamp; a later run reuses one
    whose inputs (data/, synthetic.py, the validator) are unchanged and reports its validation as
    cached."""
    if factor == 1:
        directory = ROOT / "data"
        code, seconds, out = run_quiet([PY, "-m", "evidence", "validate", str(directory)], timeout=600)
        return {"dir": str(directory), "validate_s": seconds, "valid": code == 0, "cached": False,
                "generate_s": 0.0, "last_line": out.strip().splitlines()[-1]}
    directory = RESULTS / "synthetic" / f"x{factor}"
    stamp = directory / "stamp.json"
    digest = _inputs_digest()
    if not fresh and stamp.is_file():
        saved = json.loads(stamp.read_text())
        if saved.get("inputs") == digest and saved.get("valid"):
            return {**saved, "dir": str(directory), "cached": True}
    if directory.exists():
        shutil.rmtree(directory)
    code, generate_s, out = run_quiet([PY, "bench/synthetic.py", str(factor), str(directory)], timeout=900)
    if code != 0:
        raise RuntimeError(f"synthetic.py {factor}: {out[-2000:]}")
    code, validate_s, vout = run_quiet([PY, "-m", "evidence", "validate", str(directory)], timeout=1200)
    result = {"inputs": digest, "generate_s": generate_s, "validate_s": validate_s, "valid": code == 0,
              "rows": out.strip().splitlines()[-1], "last_line": vout.strip().splitlines()[-1]}
    stamp.write_text(json.dumps(result))
    return {**result, "dir": str(directory), "cached": False}


def _growth_server(factor: int, fresh: bool, cfg: Config) -> dict:
    """Data at factor x, validated; a gunicorn serving it; the filter interaction's bodies."""
    log(f"growth: data at {factor}x")
    data = dataset(factor, fresh)
    row = {"factor": factor, "data": {k: v for k, v in data.items() if k != "dir"}, "callbacks": {}}
    if not data["valid"]:
        row["error"] = f"invalid data: {data['last_line']}"
        return row
    server = Server(data_dir=data["dir"], tag=f"growth-x{factor}").start()
    row["server"] = server
    row["start_s"] = server.wait_ready(timeout=1200)
    row["memory_idle"] = server.memory()
    client = Client(server.port, timeout=cfg.growth_timeout_s * 3)
    layout = scenarios.layout_values(client.get_json("/_dash-layout"))
    row["counts"] = client.get_json("/readyz")["counts"]
    row["bodies"] = dict(scenarios.interaction("filter"))
    row["facets"] = scenarios.facet_values(layout)
    client.close()
    log(f"growth {factor}x: ready in {row['start_s']:.1f} s, {row['counts']['trials']} trials")
    return row


_ITEM_BYTES = {"i1": 1, "u1": 1, "i2": 2, "u2": 2, "i4": 4, "u4": 4, "f4": 4, "i8": 8, "u8": 8, "f8": 8}


def _array_shape(value) -> tuple[int, ...] | None:
    """Shape of a plotly array: a list (of lists), or a typed array {dtype, bdata[, shape]}."""
    import base64

    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            return (len(value), max(len(v) for v in value))
        return (len(value),)
    if isinstance(value, dict) and "bdata" in value:
        if value.get("shape"):
            return tuple(int(part) for part in str(value["shape"]).split(","))
        size = _ITEM_BYTES.get(str(value.get("dtype")), 8)
        return (len(base64.b64decode(value["bdata"])) // size,)
    return None


def figure_shape(body: bytes) -> dict | None:
    """Traces, plotted points (heatmap cells count), the largest heatmap grid (rows x columns) and
    the height (px) of the figure in a callback response: how much a reader is shown (for the
    heatmap table: its cells and grid, no traces or height)."""
    if not body:
        return None
    response = json.loads(body).get("response", {})
    table = next((props["data-table"] for props in response.values() if isinstance(props, dict) and "data-table" in props), None)
    if isinstance(table, str):  # the toxicity heatmap, a table the browser builds (assets/heatmap_table.js)
        data = json.loads(table)
        rows, columns = len(data.get("rows", [])), len(data.get("columns", []))
        return {"traces": 0, "points": rows * columns, "grid": (rows, columns) if rows else None, "height": None}
    figure = next((props["figure"] for props in response.values() if isinstance(props, dict) and "figure" in props), None)
    if not isinstance(figure, dict):
        return None
    points, grid = 0, None
    for trace in figure.get("data", []):
        if trace.get("type") == "heatmap" and (shape := _array_shape(trace.get("z"))) and len(shape) == 2:
            points += shape[0] * shape[1]
            if grid is None or shape[0] * shape[1] > grid[0] * grid[1]:
                grid = shape
            continue
        for key in ("x", "y"):
            shape = _array_shape(trace.get(key))
            if shape:
                points += shape[0]
                break
    return {"traces": len(figure.get("data", [])), "points": points, "grid": grid,
            "height": (figure.get("layout") or {}).get("height")}


def _server_gone(server: Server, err: OSError) -> str:
    """Describe a failed request (a server that stopped answering), for the report."""
    code = server.proc.poll()
    text = f"{type(err).__name__}; gunicorn {'exited ' + str(code) if code is not None else 'still running'}"
    log(f"growth: {server.url}: {text}\n{server.log_tail(15)}")
    return text


def growth(cfg: Config, fresh: bool = False) -> dict:
    """All sizes served at once (one gunicorn each, started one after another), then every
    callback measured on all sizes interleaved request by request, so that machine noise hits
    every size alike. Per (callback, size): a warm-up request, then up to n within a time budget;
    a request slower than the limit is abandoned and that server's workers restarted, and larger
    sizes are not tried for that callback."""
    rows = []
    try:
        for factor in cfg.growth_factors:
            rows.append(_growth_server(factor, fresh, cfg))
        live = [r for r in rows if "server" in r]
        names = list(live[0]["bodies"]) if live else []
        for callback in names:
            state = {}
            for r in live:  # warm-up, smallest size first
                if any(state[f]["timed_out"] for f in state):
                    state[r["factor"]] = {"ids": [], "timed_out": True, "skipped": True, "body": b"", "first_ms": None}
                    continue
                client = Client(r["server"].port, timeout=cfg.growth_timeout_s)
                entry = {"ids": [], "timed_out": False, "skipped": False, "body": b"", "first_ms": None, "client": client,
                         "deadline": 0.0}
                try:
                    status, body, seconds = client.request("POST", scenarios.view_path(callback) + "?i=w",
                                                           json.dumps(r["bodies"][callback]).encode())
                    assert status == 200, f"{r['factor']}x {callback}: HTTP {status}"
                    entry.update(body=body, first_ms=seconds * 1000, wire=client.last_wire_bytes)
                except TimeoutError:
                    entry["timed_out"] = True
                    client.close()
                    r["server"].restart_workers()
                except OSError as err:
                    entry["error"] = _server_gone(r["server"], err)
                    client.close()
                state[r["factor"]] = entry
            for r in live:
                state[r["factor"]]["deadline"] = time.monotonic() + cfg.growth_cb_budget_s.get(r["factor"], 10.0)
            for i in range(1, cfg.growth_n + 1):
                active = [r for r in live if not state[r["factor"]]["timed_out"] and not state[r["factor"]].get("error")
                          and (i <= 2 or time.monotonic() < state[r["factor"]]["deadline"])]
                if not active:
                    break
                for r in active:
                    entry = state[r["factor"]]
                    tag = f"x{r['factor']}-{callback}-{i}"
                    try:
                        busted = scenarios.bust(r["bodies"][callback], i, r["facets"])  # a cache miss each time
                        status, _, _ = entry["client"].request("POST", scenarios.view_path(callback) + f"?i={tag}",
                                                               json.dumps(busted).encode())
                        assert status == 200, f"{tag}: HTTP {status}"
                        entry["ids"].append(tag)
                    except TimeoutError:
                        entry["timed_out"] = True
                        entry["client"].close()
                        r["server"].restart_workers()
                    except OSError as err:
                        entry["error"] = _server_gone(r["server"], err)
                        entry["client"].close()
            time.sleep(0.2)
            for r in live:
                entry = state[r["factor"]]
                if entry.get("client"):
                    entry["client"].close()
                lines = r["server"].access_log()
                us = [lines[t]["us"] for t in entry["ids"] if t in lines]
                r["callbacks"][callback] = {
                    **_stats_ms(us), "timed_out": entry["timed_out"], "skipped": entry["skipped"],
                    "first_ms": entry["first_ms"], "bytes": len(entry["body"]),
                    "gzip_bytes": entry.get("wire", 0), "shape": figure_shape(entry["body"]),
                    "error": entry.get("error"),
                }
            log(f"growth {callback}: " + ", ".join(
                f"{r['factor']}x " + ("timeout" if r["callbacks"][callback]["timed_out"] and not r["callbacks"][callback]["n"]
                                      else f"p95 {r['callbacks'][callback]['p95']:.0f} ms n={r['callbacks'][callback]['n']}")
                for r in live))
        for r in live:
            r["memory_loaded"] = r["server"].memory()
    finally:
        for r in rows:
            if "server" in r:
                r.pop("server").stop()
            r.pop("bodies", None)
            r.pop("facets", None)
    return {"sizes": rows}


# ---------------------------------------------------------------- 3. start-up


def startup(cfg: Config) -> dict:
    bare = [PY, "-c", "import dash, plotly, pandas, lifelines"]
    import_app = [PY, "-c", "import wsgi"]
    runs = {"imports": [], "import_app": [], "gunicorn_ready": []}
    for rep in range(cfg.startup_reps):
        code, seconds, out = run_quiet(bare, timeout=300)
        assert code == 0, out
        runs["imports"].append(seconds)
        with Server(tag="startup") as server:
            runs["gunicorn_ready"].append(server.wait_ready(timeout=300))
        if cfg.startup_import_app:
            code, seconds, out = run_quiet(import_app, timeout=300)
            assert code == 0, out
            runs["import_app"].append(seconds)
    result = {k: {"runs": v, "median": median(v)} for k, v in runs.items()}
    result["ratio"] = result["gunicorn_ready"]["median"] / result["imports"]["median"]
    return result


# ---------------------------------------------------------------- 4. page weight and first render

FIRST_RENDER_JS = """
window.__bench = {first: null, all: null, graphs: 0, drawn: 0};
(function tick() {
  // every dcc.Graph (div.dash-graph, present from the first render) and those showing data
  const graphs = Array.from(document.querySelectorAll('.dash-graph'));
  const drawn = graphs.filter(d => { const g = d.querySelector('.js-plotly-plot');
    return g && g._fullData && g.data && g.data.length > 0 && g.querySelector('.main-svg'); });
  const b = window.__bench;
  b.graphs = graphs.length; b.drawn = drawn.length;
  if (drawn.length && b.first === null) b.first = performance.now();
  if (graphs.length && drawn.length === graphs.length && b.all === null) b.all = performance.now();
  if (b.all === null) requestAnimationFrame(tick);
})();
"""


def _kind(url: str, resource: str) -> str:
    if "_dash-update-component" in url:
        return "callbacks"
    if "_dash-layout" in url or "_dash-dependencies" in url:
        return "layout+deps"
    if resource in ("script",) or url.split("?")[0].endswith(".js"):
        return "js"
    if resource == "stylesheet" or url.split("?")[0].endswith(".css"):
        return "css"
    if resource == "document":
        return "html"
    return "other"


def _load_once(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.add_init_script(FIRST_RENDER_JS)
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    started = time.perf_counter()
    page.goto(url, wait_until="load", timeout=60_000)
    try:
        page.wait_for_function("() => window.__bench && window.__bench.all !== null", timeout=45_000)
    except Exception:  # noqa: BLE001 - report what was drawn
        pass
    page.wait_for_load_state("networkidle", timeout=30_000)
    wall = time.perf_counter() - started
    marks = page.evaluate("() => window.__bench")
    nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; "
                        "return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }")
    by_kind: dict[str, dict] = {}
    total = {"requests": 0, "transferred": 0, "body": 0, "gzip": 0}
    failed = []
    for request in finished:
        if request.response() and request.response().status >= 400:
            failed.append(f"{request.response().status} {request.url.split('?')[0][-80:]}")
        sizes = request.sizes()
        response = request.response()
        body = b""
        try:
            body = response.body() if response else b""
        except Exception:  # noqa: BLE001
            pass
        kind = _kind(request.url, request.resource_type)
        entry = by_kind.setdefault(kind, {"requests": 0, "transferred": 0, "body": 0, "gzip": 0})
        transferred = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        for target in (entry, total):
            target["requests"] += 1
            target["transferred"] += transferred
            target["body"] += len(body)
            target["gzip"] += gzip_size(body) if body else 0
    encodings = sorted({(r.response().headers.get("content-encoding") or "none") for r in finished if r.response()})
    context.close()
    return {"url": url, "wall_s": wall, "first_ms": marks["first"], "all_ms": marks["all"], "graphs": marks["graphs"],
            "drawn": marks["drawn"], "dcl_ms": nav["dcl"], "load_ms": nav["load"], "total": total,
            "by_kind": by_kind, "content_encodings": encodings, "failed": failed}


def page(cfg: Config) -> dict:
    from playwright.sync_api import sync_playwright

    loads = {"app": [], "minimal": []}
    with floor_server() as server:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                if cfg.page_warm:  # warm the server's static-file and gzip caches once
                    _load_once(browser, server.url + "/minimal/")
                    _load_once(browser, server.url + "/")
                for rep in range(cfg.page_reps):
                    order = (("app", "/"), ("minimal", "/minimal/"))
                    for name, path in order if rep % 2 == 0 else order[::-1]:
                        loads[name].append(_load_once(browser, server.url + path))
            finally:
                browser.close()
    out = {}
    for name, runs in loads.items():
        out[name] = {
            "runs": runs,
            "first_ms": median([r["first_ms"] for r in runs if r["first_ms"] is not None]),
            "all_ms": median([r["all_ms"] for r in runs if r["all_ms"] is not None]),
            "total": runs[-1]["total"], "by_kind": runs[-1]["by_kind"], "graphs": runs[-1]["graphs"],
            "drawn": runs[-1]["drawn"], "content_encodings": runs[-1]["content_encodings"],
            "failed": [f for r in runs for f in r["failed"]],
        }
    out["ratio_first"] = out["app"]["first_ms"] / out["minimal"]["first_ms"]
    out["ratio_bytes"] = out["app"]["total"]["transferred"] / out["minimal"]["total"]["transferred"]
    return out


# ---------------------------------------------------------------- 8-9. browser, memory


def browser(cfg: Config) -> dict:
    """Cold (warm-up off: every change a cache miss), then warm (the warm-up on, as deployed)."""
    cold = browser_section.measure(cfg.browser_loads, cfg.browser_reps, log=log)
    try:
        cold["warm_run"] = browser_section.measure(cfg.browser_loads, cfg.browser_reps, log=log, warm=True)
    except Exception as err:  # noqa: BLE001 - keep the cold numbers; say why the warm run is missing
        log(f"browser (warm-up on) failed: {err!r}")
        cold["warm_run_error"] = repr(err)
    return cold


def memory(cfg: Config) -> dict:
    return memory_section.measure(cfg.memory_checkpoints, log=log)


# ---------------------------------------------------------------- 5. export

EXPORT_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import plotly.io as pio
mode, reps = sys.argv[1], int(sys.argv[2])
figs = json.load(open(sys.argv[3]))
OPTS = dict(format="png", width=1920, height=1080, scale=2)
out = {"import_s": time.perf_counter() - t0, "figures": {}}

def timed(call):
    t = time.perf_counter(); data = call(); return time.perf_counter() - t, len(data)

def raw(fig):
    return timed(lambda: pio.to_image(fig, **OPTS))

def mine(fig):
    from evidence import export
    return timed(lambda: export.figure_image(fig, "png", OPTS["width"], OPTS["height"], OPTS["scale"]))

if mode == "cold":  # one export in a fresh process
    name, which = sys.argv[4], sys.argv[5]
    s, n = (raw if which == "raw" else mine)(figs[name])
    out["figures"][name] = {"cold_s": s, "png_bytes": n}
else:
    for name, fig in figs.items():  # kaleido's default: a Chromium per call
        first, n = raw(fig)
        out["figures"][name] = {"first_in_process_s": first, "oneshot_s": [raw(fig)[0] for _ in range(reps)], "png_bytes": n}
    import kaleido
    t = time.perf_counter(); kaleido.start_sync_server(silence_warnings=True); out["sync_server_start_s"] = time.perf_counter() - t
    try:
        for name, fig in figs.items():
            raw(fig)
            out["figures"][name]["sync_s"] = [raw(fig)[0] for _ in range(reps)]
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    try:
        from evidence import export
    except ImportError:
        export = None
    if export is None or not hasattr(export, "figure_image"):
        out["export_module"] = None
    else:
        out["export_module"] = {"api": [n for n in ("figure_image", "deck_pptx") if hasattr(export, n)]}
        try:
            for name, fig in figs.items():
                first, _ = mine(fig)
                out["figures"][name]["figure_image_first_s"] = first
                out["figures"][name]["figure_image_s"] = [mine(fig)[0] for _ in range(reps)]
            if hasattr(export, "deck_pptx"):
                import datetime
                import plotly.graph_objects as go
                slides = [export.SlideSpec(title=name, subtitle="bench", figure=go.Figure(fig), footnote="bench")
                          for name, fig in figs.items()]
                deck = lambda: export.deck_pptx(slides, "bench deck", "all trials", "bench", datetime.date.today())
                out["export_module"]["deck_s"] = [timed(deck)[0] for _ in range(max(1, reps // 2))]
                out["export_module"]["deck_slides"] = len(slides)
        except Exception as err:
            out["export_module"]["error"] = repr(err)[:500]
print("BENCH_JSON " + json.dumps(out))
"""


def _child_json(output: str):
    """The one `BENCH_JSON {...}` line a child process printed."""
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError("no result from child process:\n" + output[-3000:])


def export(cfg: Config) -> dict:
    """PNG export per figure (1920x1080 at scale 2): cold (new process) vs warm (one-shot Chromium
    per call, kaleido's default) vs warm with kaleido.start_sync_server() (Chromium kept open),
    and evidence/export.py's figure_image()/deck_pptx() when present."""
    import plotly.io as pio

    from config import Settings
    from evidence import views
    from evidence.loading import load_dataset
    from evidence.state import ViewState

    data = load_dataset(Settings.from_env().data_dir)
    state = ViewState()
    builders = {"forest": views.forest_panel, "heatmap": views.toxicity_panel, "dose": views.dosing_panel}
    figures = {name: builders[name](data, state).figure for name in cfg.export_figures}
    has_module = (ROOT / "evidence" / "export.py").is_file() or (ROOT / "evidence" / "export" / "__init__.py").is_file()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        fig_file = Path(tmp) / "figures.json"
        fig_file.write_text("{" + ",".join(f'"{k}": {pio.to_json(v)}' for k, v in figures.items()) + "}")
        child = Path(tmp) / "child.py"
        child.write_text(EXPORT_CHILD)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        cold: dict[str, dict] = {}
        for name in figures:
            for which in ("raw", "module") if has_module and cfg.export_module_cold else ("raw",):
                runs = []
                for _ in range(cfg.export_reps):
                    code, wall, out = run_quiet([PY, str(child), "cold", "1", str(fig_file), name, which], timeout=300, env=env)
                    if code != 0:
                        raise RuntimeError(out[-2000:])
                    result = _child_json(out)
                    runs.append({"process_s": wall, "call_s": result["figures"][name]["cold_s"]})
                cold.setdefault(name, {})[which] = {"process_s": median([r["process_s"] for r in runs]),
                                                    "call_s": median([r["call_s"] for r in runs])}
        code, wall, out = run_quiet([PY, str(child), "warm", str(cfg.export_reps), str(fig_file)], timeout=900, env=env)
        if code != 0:
            raise RuntimeError(out[-2000:])
        warm = _child_json(out)
    rows = {}
    for name in figures:
        w = warm["figures"][name]
        rows[name] = {
            "cold_process_s": cold[name]["raw"]["process_s"], "cold_to_image_s": cold[name]["raw"]["call_s"],
            "oneshot_s": median(w["oneshot_s"]), "sync_s": median(w["sync_s"]), "png_bytes": w["png_bytes"],
            "module_cold_s": cold[name].get("module", {}).get("call_s"),
            "figure_image_s": median(w["figure_image_s"]) if w.get("figure_image_s") else None,
        }
    return {"rows": rows, "sync_server_start_s": warm.get("sync_server_start_s"),
            "export_module": warm.get("export_module"), "import_s": warm["import_s"]}


# ---------------------------------------------------------------- 6. concurrency


def _load(port: int, requests: list[tuple[str, bytes]], clients: int, total: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = [0]
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        client = Client(port, timeout=120)
        i = offset
        while time.monotonic() < deadline:
            with lock:
                if counter[0] >= total:
                    break
                counter[0] += 1
            try:
                status, _, elapsed = client.request("POST", *requests[i % len(requests)])
            except OSError:
                with lock:
                    errors[0] += 1
                client.close()
                continue
            with lock:
                if status == 200:
                    latencies.append(elapsed * 1000)
                else:
                    errors[0] += 1
            i += 1
        client.close()

    # each client walks its own stretch of the body list: no two requests share a state
    threads = [threading.Thread(target=worker, args=(k * len(requests) // clients,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 180)
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "errors": errors[0], "wall_s": wall,
            "rps": len(latencies) / wall if wall else 0.0, "p50": median(latencies), "p95": percentile(latencies, 95)}


def concurrency(cfg: Config) -> dict:
    """The filter-change mix (every view callback whose slice the filter changes, round-robin) from 1, 4, 8 clients
    against gunicorn's 2 workers x 4 threads; the floor with the same mix for comparison."""
    with floor_server() as server:  # gunicorn.conf.py defaults: 2 workers x 4 threads
        client = Client(server.port)
        layout = scenarios.layout_values(client.get_json("/_dash-layout"))
        facets = scenarios.facet_values(layout)
        base = scenarios.interaction("filter")
        # 40 distinct states x 10 views = 400 requests, at most 200 sent per level: every request a view-cache miss
        def bodies_for(level: int) -> list[tuple[str, bytes]]:  # keys 1-40, 101-140, 201-240: not shared between levels
            return [(name, json.dumps(scenarios.bust(b, 100 * level + k, facets)).encode()) for k in range(1, 41) for name, b in base]
        for name, body in [(n, json.dumps(scenarios.bust(b, 260 + k, facets)).encode()) for k in range(2) for n, b in base]:  # warm-up
            client.request("POST", scenarios.view_path(name), body)
            client.request("POST", scenarios.view_path(name, "/floor/"), body)
        client.close()
        rows = []
        for level, clients in enumerate(cfg.conc_levels):
            requests = bodies_for(level)
            app_result = _load(server.port, [(scenarios.view_path(n), b) for n, b in requests], clients, cfg.conc_requests,
                               cfg.conc_seconds)
            floor_result = _load(server.port, [(scenarios.view_path(n, "/floor/"), b) for n, b in requests], clients,
                                 cfg.conc_requests, cfg.conc_seconds / 3)
            rows.append({"clients": clients, "app": app_result, "floor": floor_result})
            log(f"concurrency {clients}: {app_result['rps']:.1f} rps p95 {app_result['p95']:.0f} ms")
    return {"rows": rows, "mix": len(base)}


# ---------------------------------------------------------------- profiles


def profile(cfg: Config, results: dict) -> dict:
    """pyinstrument on the worst ratios: the three slowest-vs-floor callbacks at the bundled size,
    the callback with the steepest growth (profiled at 10x), and start-up (import wsgi)."""
    import importlib.util

    if importlib.util.find_spec("pyinstrument") is None:
        raise RuntimeError("pyinstrument is not installed: .venv/bin/pip install -r bench/requirements.txt")
    out_dir = RESULTS / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    picks, notes = [], []
    rows = (results.get("latency") or {}).get("rows") or []
    worst = sorted(rows, key=lambda r: -r["ratio_p50"])
    seen = set()
    for r in worst:
        if r["callback"] in seen:
            continue
        seen.add(r["callback"])
        picks.append((r["scenario"], r["callback"]))
        if len(picks) == cfg.profile_picks:
            break
    if not picks:
        picks = [("filter", "dose-figure"), ("filter", "design-figure"), ("filter", "heatmap-figure")]
    jobs = [("x1", ROOT / "data", picks, cfg.profile_reps)]
    sizes = (results.get("growth") or {}).get("sizes") or []
    base = next((s for s in sizes if s.get("factor") == 1 and "error" not in s), None)
    ten = next((s for s in sizes if s.get("factor") == 10 and "error" not in s), None)
    if base and ten and cfg.profile_growth:
        def growth_of(c):
            r = ten["callbacks"].get(c) or {}
            return r["p95"] / base["callbacks"][c]["p95"] if r.get("n") else 0.0
        steepest = sorted(FIGURE_CALLBACKS, key=growth_of, reverse=True)[:2]
        jobs.append(("x10", Path(dataset(10, False)["dir"]), [("filter", c) for c in steepest], 1))
        notes.append("steepest growth 1x->10x: " + ", ".join(f"{c} ({growth_of(c):.1f}x)" for c in steepest))
    summary = []
    for label, data_dir, chosen, reps in jobs:
        env = dict(os.environ, DATA_DIR=str(data_dir), LOG_LEVEL="warning")
        code, seconds, out = run_quiet([PY, "bench/profile_callbacks.py", "callbacks", str(out_dir), label,
                                        *[f"{s}:{c}" for s, c in chosen], "--reps", str(reps)], timeout=900, env=env)
        if code != 0:
            summary.append({"name": label, "error": out[-1500:]})
            continue
        summary += _child_json(out)
    if cfg.profile_startup:
        code, seconds, out = run_quiet([PY, "bench/profile_callbacks.py", "import", str(out_dir)], timeout=600,
                                       env=dict(os.environ, LOG_LEVEL="warning"))
        summary += _child_json(out) if code == 0 else [{"name": "startup", "error": out[-1500:]}]
    for item in summary:
        if "tree" in item:
            item["top"] = _tree_summary(out_dir / item["tree"])
    return {"profiles": summary, "notes": notes, "dir": str(out_dir.relative_to(ROOT))}


def _tree_summary(path: Path, share: float = 0.04, n: int = 24) -> list[str]:
    """The call-tree lines of a pyinstrument text profile that hold at least `share` of the time."""
    import re

    lines = path.read_text().splitlines()
    timed = [(float(m.group(1)), line.rstrip()) for line in lines
             if (m := re.match(r"^[\s|`-]*(\d+\.\d+) ", line))]
    if not timed:
        return []
    total = timed[0][0]
    return [line for seconds, line in timed if seconds >= share * total][:n]


# ---------------------------------------------------------------- report


def _ms(value) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _kb(value: int) -> str:
    return f"{value / 1024:.1f}" if value < 10 * 1024 else f"{value / 1024:.0f}"


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(results: dict, cfg: Config, elapsed: float) -> str:
    m = results["machine"]
    lines = [
        f"# Benchmark results ({'quick' if cfg.quick else 'full'} run)",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, Linux {m['kernel']}, Python {m['python']}; "
        f"{m['chromium']}. Commit {m['commit']}. Load average at start {m['loadavg_start'][0]:.2f}, "
        f"at end {results.get('loadavg_end', (0,))[0]:.2f}. Run took {elapsed / 60:.1f} min.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        "",
        "Times are server-side (gunicorn's request time, `%(D)s`) unless marked client-side; "
        "ratios compare numbers taken in the same run, interleaved.",
        "",
    ]
    lines += _render_latency(results.get("latency"))
    lines += _render_growth(results.get("growth"))
    lines += _render_startup(results.get("startup"))
    lines += _render_page(results.get("page"))
    lines += _render_export(results.get("export"))
    lines += _render_concurrency(results.get("concurrency"))
    lines += _render_profile(results.get("profile"))
    for key, title, draw in (("browser", "8. Browser: page load and URL-driven changes", _render_browser),
                             ("memory", "9. Worker memory under varied requests", memory_section.render)):
        lines += _error(results.get(key), title) or draw(results[key])
    lines += _render_targets(results)
    return "\n".join(lines) + "\n"


def _render_browser(section: dict) -> list[str]:
    lines = browser_section.render(section)
    if "warm_run" in section:
        lines += browser_section.render_warm(section["warm_run"])
    elif "warm_run_error" in section:
        lines += ["### With the warm-up after fork on", "", f"not measured: {section['warm_run_error']}", ""]
    return lines


def _error(section: dict | None, title: str) -> list[str] | None:
    if section is None:
        return [f"## {title}", "", "not run", ""]
    if "error" in section:
        return [f"## {title}", "", "```", section["error"][-3000:], "```", ""]
    return None


def _render_latency(s) -> list[str]:
    title = "1. View request latency vs floor (bundled data)"
    if (err := _error(s, title)) is not None:
        return err
    lines = [
        f"## {title}",
        "",
        "Server-side ms (gunicorn's request time), one keep-alive client, gunicorn.conf.py (2 workers x 4 threads), "
        "miss / hit / floor interleaved request by request. **miss** = a state the app has not answered before "
        f"(each request a new cache key with the same meaning, {s.get('bust_orders', '?')} keys in rotation; see "
        "`scenarios.bust`): the work a real change costs. **hit** = the identical request again, answered by the "
        "per-process view cache (`evidence/view_memo.py`). **floor** = `bench/floor_app.py`, the same route "
        "(`/floor/_evidence/view/<name>`) on the same server returning the same answer precomputed: Flask's own "
        "dispatch and the JSON of the answer. Target: p95 <= 1.5x floor.",
        "",
        "| interaction | view | n | miss p50 | miss p95 | hit p50 | hit p95 | floor p50 | floor p95 | miss p95 / floor | hit p95 / floor | KiB (sent gzip) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in scenarios.SCENARIOS:
        rows = [r for r in s["rows"] if r["scenario"] == name]
        if not rows:  # e.g. highlighting a trial: restyled in the browser, nothing asked of the server
            lines.append(f"| **{name}** | no server request (done in the browser) | | | | | | | | | | |")
            continue
        for r in rows:
            focus = (" ←" if r["primary"] else " *") if r["changed"] else ""
            focus += " °" if r.get("cold") else ""
            lines.append(
                f"| {name} | {r['callback']}{focus} | {r['miss']['n']} | {_ms(r['miss']['p50'])} | {_ms(r['miss']['p95'])} | "
                f"{_ms(r['hit']['p50'])} | {_ms(r['hit']['p95'])} | {_ms(r['floor']['p50'])} | {_ms(r['floor']['p95'])} | "
                f"{r['ratio_p95']:.1f}x | {r['hit_ratio_p95']:.1f}x | {_kb(r['bytes'])} ({_kb(r['gzip_bytes'])}) |"
            )
        # What the browser waits for: callbacks whose answer the interaction changes are computed
        # (miss), the others can be answered by the view cache (hit).
        def seen(r, q):
            return r["miss"][q] if r["changed"] else r["hit"][q]
        a50, a95 = sum(seen(r, "p50") for r in rows), sum(seen(r, "p95") for r in rows)
        f50, f95 = sum(r["floor"]["p50"] for r in rows), sum(r["floor"]["p95"] for r in rows)
        total = sum(r["bytes"] for r in rows)
        lines.append(
            f"| **{name}** | **sum of {len(rows)}** (←/* miss, rest hit) | | **{_ms(a50)}** | **{_ms(a95)}** | | | {_ms(f50)} | "
            f"{_ms(f95)} | **{a95 / f95:.1f}x** | | {_kb(total)} ({_kb(sum(r['gzip_bytes'] for r in rows))}) |"
        )
    same = all(r["same_as_floor"] for r in s["rows"])
    miss_same = [f"{r['scenario']}/{r['callback']}" for r in s["rows"] if not r["miss_same"]]
    lines += ["", "`←` the views an interaction is about (n as above; `*` = also changed by it, n = "
              f"{s.get('other_n', '?')}): their answer differs from the default state's, so they are computed (miss). "
              "Only views whose slice of the state changed are requested (assets/slices.js: the browser "
              "cuts each view's fields out of the state and asks nothing for an unchanged slice); a listed "
              "view that returns what it returned before is answered by the view cache (hit). The sum row adds "
              "miss for ←/* and hit for the rest: what one interaction costs the server. Views marked cold "
              "(`°`) have no facet to vary, so their miss is timed with the worker's view caches emptied first "
              "(`X-Bench-Cold`). "
              f"Every app answer equals its floor answer: {same}. A cache-missing request answers exactly what the "
              f"plain one does: {'yes' if not miss_same else 'no, for ' + ', '.join(miss_same)}.", ""]
    return lines


def _render_growth(s) -> list[str]:
    title = "2. Growth with data (synthetic, filter-change interaction)"
    if (err := _error(s, title)) is not None:
        return err
    sizes = [z for z in s["sizes"] if "error" not in z]
    lines = [f"## {title}", "",
             "Synthetic tables from `bench/synthetic.py` (clones of the bundled trials, jittered, validated with "
             "`python -m evidence validate`). Per callback up to a time budget (first request = warm-up, not "
             "counted; n = timed requests, each a view-cache miss, see section 1). `timeout` = no answer within the "
             "request limit (workers restarted).", "",
             "| size | trials | arms | AE rows | validate s | start-up s | worker RSS idle / after MiB | PSS after MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for z in s["sizes"]:
        if "error" in z:
            lines.append(f"| {z['factor']}x | {z['error']} | | | | | | |")
            continue
        c = z["counts"]
        cached = " (cached)" if z["data"].get("cached") else ""
        lines.append(
            f"| {z['factor']}x | {c['trials']} | {c['arms']} | {c['adverse_events']} | {z['data']['validate_s']:.1f}{cached} | "
            f"{z['start_s']:.1f} | {z['memory_idle']['max_worker_rss_mib']:.0f} / {z['memory_loaded']['max_worker_rss_mib']:.0f} | "
            f"{z['memory_loaded']['max_worker_pss_mib']:.0f} |"
        )
    if not sizes:
        return lines + [""]
    head = "| callback | " + " | ".join(f"{z['factor']}x p95 ms (n)" for z in sizes) + " | " + " | ".join(
        f"{z['factor']}x KiB (sent gzip)" for z in sizes) + " |"
    lines += ["", head, "|---|" + "---:|" * (2 * len(sizes))]
    for callback in FIGURE_CALLBACKS:
        cells, bytes_cells = [], []
        for z in sizes:
            r = z["callbacks"].get(callback)
            if r is None:
                cells.append("–")
                bytes_cells.append("–")
                continue
            if r.get("error") and not r["n"]:
                cells.append(f"error ({r['error']})")
                bytes_cells.append("–")
                continue
            cells.append("not run (timed out at a smaller size)" if r.get("skipped") else
                         f"timeout (>{s.get('timeout_s', 0):.0f} s)" if r["timed_out"] and not r["n"] else
                         f"{_ms(r['p95'])} ({r['n']}){' +timeout' if r['timed_out'] else ''}")
            bytes_cells.append(f"{_kb(r['bytes'])} ({_kb(r['gzip_bytes'])})" if r["bytes"] else "–")
        lines.append(f"| {callback} | " + " | ".join(cells) + " | " + " | ".join(bytes_cells) + " |")
    lines += ["", "What the browser is asked to draw (traces / points or heatmap rows x columns / figure height px):", "",
              "| figure | " + " | ".join(f"{z['factor']}x" for z in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for callback in FIGURE_CALLBACKS:
        if callback == "trial-grid":
            continue
        cells = []
        for z in sizes:
            shape = (z["callbacks"].get(callback) or {}).get("shape")
            if not shape:
                cells.append("–")
                continue
            grid = f"{shape['grid'][0]}x{shape['grid'][1]}" if shape["grid"] else f"{shape['points']} pts"
            cells.append(f"{shape['traces']} / {grid} / {shape['height'] or 'auto'}")
        lines.append(f"| {callback} | " + " | ".join(cells) + " |")
    lines += ["", "Growth of p95 (and p50) relative to 1x (target: 100x data under 5x time):", "",
              "| callback | " + " | ".join(f"{z['factor']}x" for z in sizes[1:]) + " |",
              "|---|" + "---:|" * len(sizes[1:])]
    base = sizes[0]["callbacks"]
    for callback in FIGURE_CALLBACKS:
        cells = []
        for z in sizes[1:]:
            r = z["callbacks"].get(callback)
            if r is None:
                cells.append("–")
            elif r["timed_out"] and not r["n"]:
                cells.append(f">{s.get('timeout_s', 0) * 1000 / base[callback]['p95']:.0f}x")
            elif not r["n"]:
                cells.append("–")
            else:
                cells.append(f"{r['p95'] / base[callback]['p95']:.1f}x ({r['p50'] / base[callback]['p50']:.1f}x)")
        lines.append(f"| {callback} | " + " | ".join(cells) + " |")
    return lines + [""]


def _render_startup(s) -> list[str]:
    title = "3. Start-up"
    if (err := _error(s, title)) is not None:
        return err
    return [
        f"## {title}", "",
        f"Median of {len(s['imports']['runs'])} run(s), each measured from process start. Target: ready <= 1.3x imports.", "",
        "| what | seconds | vs imports |", "|---|---:|---:|",
        f"| `python -c 'import dash, plotly, pandas, lifelines'` | {s['imports']['median']:.2f} | 1.0x |",
        *([f"| `python -c 'import wsgi'` (imports + load/validate data + layout) | {s['import_app']['median']:.2f} | "
           f"{s['import_app']['median'] / s['imports']['median']:.2f}x |"] if s["import_app"]["runs"] else []),
        f"| gunicorn (2 workers) until `/readyz` answers 200 | {s['gunicorn_ready']['median']:.2f} | **{s['ratio']:.2f}x** |",
        "",
    ]


def _render_page(s) -> list[str]:
    title = "4. Page weight and first render (headless Chromium)"
    if (err := _error(s, title)) is not None:
        return err
    a, m = s["app"], s["minimal"]
    lines = [
        f"## {title}", "",
        f"Cold cache, fresh browser context per load, median of {len(a['runs'])} load(s); sizes from Playwright "
        "`request.sizes()` (as transferred: body + headers; content-encodings seen: "
        f"{', '.join(a['content_encodings'])}); uncompressed = the decoded bodies.", "",
        "| page | requests | transferred KiB | uncompressed KiB | first figure drawn ms | all figures drawn ms | figures |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in (("dashboard `/`", a), ("minimal one-graph Dash app", m)):
        lines.append(f"| {name} | {r['total']['requests']} | {_kb(r['total']['transferred'])} | {_kb(r['total']['body'])} | "
                     f"{_ms(r['first_ms'])} | {_ms(r['all_ms'])} | {r['drawn']}/{r['graphs']} |")
    failed = a["failed"] + m["failed"]
    lines += [f"| ratio | | **{s['ratio_bytes']:.2f}x** | | **{s['ratio_first']:.2f}x** | | |", "",
              f"Failed requests during the measured loads: {len(failed)}" + (f" ({'; '.join(failed[:5])})" if failed else "") + ".",
              "",
              "Dashboard bytes by kind: " + ", ".join(
                  f"{k} {v['requests']} req / {_kb(v['transferred'])} KiB ({_kb(v['body'])} KiB uncompressed)"
                  for k, v in sorted(a["by_kind"].items(), key=lambda kv: -kv[1]["transferred"])) + ".", ""]
    return lines


def _render_export(s) -> list[str]:
    title = "5. PNG export (1920x1080 at scale 2)"
    if (err := _error(s, title)) is not None:
        return err
    mod = s.get("export_module")
    lines = [f"## {title}", "",
             "Seconds per PNG. cold = one export in a new Python process (the call alone; the process's wall time "
             "including imports in brackets); warm one-shot = later `plotly.io.to_image` calls in the same process "
             "(kaleido's default starts a Chromium per call); warm kept-open = after `kaleido.start_sync_server()`; "
             "`figure_image()` = evidence/export.py (its own Chromium, started on first use and kept).", "",
             "| figure | to_image cold s | to_image warm one-shot s | to_image warm kept-open s | "
             "figure_image() cold s | figure_image() warm s | PNG KiB |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in s["rows"].items():
        mc = f"{r['module_cold_s']:.2f}" if r.get("module_cold_s") else "–"
        fi = f"{r['figure_image_s']:.2f}" if r.get("figure_image_s") else "–"
        lines.append(f"| {name} | {r['cold_to_image_s']:.2f} ({r['cold_process_s']:.1f}) | {r['oneshot_s']:.2f} | "
                     f"{r['sync_s']:.2f} | {mc} | {fi} | {_kb(r['png_bytes'])} |")
    if mod is None:
        lines += ["", "`evidence/export.py` (figure_image/deck_pptx) not present: raw `plotly.io.to_image` only."]
    else:
        if mod.get("deck_s"):
            lines += ["", f"`deck_pptx()` of {mod['deck_slides']} figure slides (title + sources slides too), warm: "
                      f"{median(mod['deck_s']):.2f} s."]
        if mod.get("error"):
            lines += ["", f"Measuring evidence/export.py failed: `{mod['error']}`."]
    return lines + [""]


def _render_concurrency(s) -> list[str]:
    title = "6. Concurrency (filter-change mix, 2 workers x 4 threads)"
    if (err := _error(s, title)) is not None:
        return err
    lines = [f"## {title}", "",
             f"Client-side latency; each client loops over the {s['mix']} requests of a filter change, each request a "
             "state not seen before (view-cache miss; many users filtering differently); bounded in requests and "
             "seconds. Floor = the same mix against the precomputed floor.", "",
             "| clients | app req/s | app p50 ms | app p95 ms | interactions/s | floor req/s | floor p95 ms | errors |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in s["rows"]:
        a, f = r["app"], r["floor"]
        lines.append(f"| {r['clients']} | {a['rps']:.1f} | {_ms(a['p50'])} | {_ms(a['p95'])} | {a['rps'] / s['mix']:.2f} | "
                     f"{f['rps']:.0f} | {_ms(f['p95'])} | {a['errors'] + f['errors']} |")
    return lines + [""]


def _render_profile(s) -> list[str]:
    title = "7. Profiles of the worst ratios (pyinstrument)"
    if (err := _error(s, title)) is not None:
        return err
    lines = [f"## {title}", "", f"Full call trees (and flat own-time lists) in `{s['dir']}/`. "
             + "; ".join(s["notes"]), ""]
    for p in s["profiles"]:
        if "error" in p:
            lines += [f"- {p['name']}: error {p['error'][-300:]}"]
            continue
        per = f", {p['per_request_ms']:.0f} ms per request" if "per_request_ms" in p else ""
        lines += [f"**{p['name']}** ({p['seconds']:.2f} s profiled{per}); call tree, frames with >= 4% of the time:",
                  "", "```"]
        lines += p.get("top", [])
        lines += ["```", ""]
    return lines


def _render_targets(results: dict) -> list[str]:
    lines = ["## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    lat = results.get("latency") or {}
    if lat.get("rows"):
        worst = max(lat["rows"], key=lambda r: r["ratio_p95"])
        ok = all(r["ratio_p95"] <= 1.5 for r in lat["rows"])
        lines.append(f"| view request p95 <= 1.5x floor | worst {worst['callback']} ({worst['scenario']}) "
                     f"{worst['ratio_p95']:.1f}x | {_mark(ok)} |")
    growth_ = results.get("growth") or {}
    sizes = {z["factor"]: z for z in growth_.get("sizes", []) if "error" not in z}
    if 1 in sizes and 100 in sizes:
        worst_ratio, worst_cb = 0.0, ""
        for callback, r in sizes[100]["callbacks"].items():
            base = sizes[1]["callbacks"][callback]["p95"]
            ratio = (growth_.get("timeout_s", 0) * 1000 / base) if (r["timed_out"] and not r["n"]) else r["p95"] / base
            if ratio > worst_ratio:
                worst_ratio, worst_cb = ratio, callback
        lines.append(f"| 100x data: p95 under 5x | worst {worst_cb} {worst_ratio:.0f}x | {_mark(worst_ratio < 5)} |")
        grown = [(cb, r["bytes"] / sizes[1]["callbacks"][cb]["bytes"]) for cb, r in sizes[100]["callbacks"].items()
                 if r["bytes"] and sizes[1]["callbacks"].get(cb, {}).get("bytes")]
        if grown:
            cb, ratio = max(grown, key=lambda kv: kv[1])
            unknown = [c for c, r in sizes[100]["callbacks"].items() if not r["bytes"]]
            note = f"; unknown (timed out): {', '.join(unknown)}" if unknown else ""
            lines.append(f"| payload bounded at 100x (response bytes under 5x) | worst {cb} {ratio:.0f}x "
                         f"({_kb(sizes[100]['callbacks'][cb]['bytes'])} KiB){note} | {_mark(ratio < 5 and not unknown)} |")
    elif sizes:
        lines.append("| 100x data: p95 under 5x | not measured in this run (quick) | – |")
    st = results.get("startup") or {}
    if "ratio" in st:
        lines.append(f"| start-up <= 1.3x bare imports | {st['ratio']:.2f}x | {_mark(st['ratio'] <= 1.3)} |")
    pg = results.get("page") or {}
    if "ratio_first" in pg:
        lines.append(f"| page weight / first figure vs one-graph app (no target) | {pg['ratio_bytes']:.2f}x bytes, "
                     f"{pg['ratio_first']:.2f}x time | report |")
    if "load" in (results.get("browser") or {}):
        lines += browser_section.target_rows(results["browser"])
        if "warm_run" in results["browser"]:
            lines += browser_section.target_rows(results["browser"]["warm_run"])
    if "ratio" in (results.get("memory") or {}):
        lines.append(memory_section.target_row(results["memory"]))
    return lines + [""]


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and sizes (about 3 minutes)")
    parser.add_argument("--only", default="", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--fresh-data", action="store_true", help="regenerate and revalidate synthetic data")
    args = parser.parse_args(argv)
    cfg = Config.make(args.quick)
    chosen = [s for s in (args.only.split(",") if args.only else SECTIONS) if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict = {"machine": machine(), "config": asdict(cfg)}
    order = [s for s in RUN_ORDER if s in chosen]
    try:
        for position, section in enumerate(order):
            log(f"section {section}")
            t = time.perf_counter()
            try:
                if section == "growth":
                    results[section] = growth(cfg, args.fresh_data)
                    results[section]["timeout_s"] = cfg.growth_timeout_s
                elif section == "profile":
                    results[section] = profile(cfg, results)
                else:
                    results[section] = globals()[section](cfg)
            except Exception:  # noqa: BLE001 - one broken section must not hide the others
                results[section] = {"error": traceback.format_exc()}
                log(f"section {section} failed:\n{results[section]['error']}")
            results[section]["elapsed_s"] = time.perf_counter() - t
            log(f"section {section} took {results[section]['elapsed_s']:.0f} s")
            if not NEEDS_FLOOR & set(order[position + 1 :]):
                while _FLOOR:
                    _FLOOR.pop().stop()
    finally:
        while _FLOOR:
            _FLOOR.pop().stop()
    results["loadavg_end"] = os.getloadavg()
    elapsed = time.perf_counter() - started
    report = render(results, cfg, elapsed)
    print(report)
    (RESULTS / "latest.md").write_text(report)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1, default=str))
    log(f"wrote {RESULTS / 'latest.md'} ({elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
