"""Worker memory under varied use: a gunicorn worker's RSS after many figure-callback requests.

Issue 12's target: after 2,000 varied figure-callback requests a worker's RSS is within 1.2x of
its RSS after 100. One gunicorn worker (the project's config, 4 threads) serves the dashboard;
a client replays what browsers send when links with varied view states are opened: for each
state, every callback driven by a view's state slice (the figures, the trial grid, the what-if
ramp) with the state the browser parses from the URL's query (assets/state.js, as
evidence.state.parse_query; no request of its own). States vary facets (disease, agent, trial, phase, setting, status, organ
class), endpoint, grade band, highlight, page, the toxicity view's mode, sort and row count, and
the what-if ramp, from a seeded random generator: most are states the worker has not seen, so
each view computes and caches a new answer, which is what could make memory grow.

RSS is VmRSS from /proc/<worker pid>/status (PSS from smaps_rollup beside it), read when the
count of figure-callback requests reaches each checkpoint. The worker
pid must stay the same through the run (a replaced worker would start small again).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from urllib.parse import urlencode

from bench import scenarios
from bench.common import Client, memory_kib
from components import ids

TARGET = 1.2
FACET_FIELDS = ("disease", "agent", "trial", "phase", "setting", "status", "organ")
CHOICE_FIELDS = ("endpoint", "grade", "tox_mode", "tox_sort")


def options(layout: dict[str, object]) -> dict[str, list]:
    """The values each varied field can take, from the filter controls in /_dash-layout."""
    out = {}
    for name in FACET_FIELDS + CHOICE_FIELDS:
        raw = layout.get(f"{ids.FILTERS[name]}.options") or []
        out[name] = [o["value"] if isinstance(o, dict) else o for o in raw]
    return out


def varied_query(rng: random.Random, opts: dict[str, list]) -> str:
    """A URL query for a random view state (most fields left at their default)."""
    pairs: list[tuple[str, str]] = []
    for name in FACET_FIELDS:
        values = opts.get(name) or []
        if values and rng.random() < 0.4:
            pairs += [(name, v) for v in rng.sample(values, rng.randint(1, len(values)))]
    for name in CHOICE_FIELDS:
        if opts.get(name) and rng.random() < 0.5:
            pairs.append((name, rng.choice(opts[name])))
    if opts.get("trial") and rng.random() < 0.3:
        pairs.append(("highlight", rng.choice(opts["trial"])))
    if rng.random() < 0.2:
        pairs.append(("page", str(rng.randint(1, 3))))
    if rng.random() < 0.3:
        pairs.append(("tox_top", str(rng.choice((5, 10, 15, 25, 40)))))
    if rng.random() < 0.2:
        pairs += [("ramp_start", str(rng.choice((200, 400, 600)))), ("ramp_step", str(rng.choice((100, 200))))]
    return "?" + urlencode(pairs) if pairs else ""


def drive(port: int, worker_pid: Callable[[], int], checkpoints: tuple[int, ...], seed: int = 12,
          budget_s: float = 900.0) -> dict:
    """Send varied states' requests to the server on `port` until the view request
    count passes each checkpoint; RSS/PSS of the worker at each. Bounded by `budget_s`."""
    client = Client(port, timeout=120)
    layout = scenarios.layout_values(client.get_json("/_dash-layout"))
    opts = options(layout)
    rng = random.Random(seed)
    pid = worker_pid()
    count, states, errors, readings = 0, 0, 0, {}
    pending = sorted(checkpoints)
    started = time.perf_counter()
    readings[0] = memory_kib(pid)
    try:
        while pending and time.perf_counter() - started < budget_s:
            states += 1  # the browser parses the URL itself (assets/state.js): no request
            for name, body in scenarios.view_bodies(scenarios.url_state(varied_query(rng, opts))):
                status, _data, _ = client.request("POST", scenarios.view_path(name), json.dumps(body).encode())
                errors += status not in (200, 204)
                count += 1
                if pending and count >= pending[0]:
                    readings[pending.pop(0)] = memory_kib(pid)
    finally:
        client.close()
    return {"worker_pid": pid, "same_worker": worker_pid() == pid, "requests": count, "states": states,
            "errors": errors, "seconds": time.perf_counter() - started, "complete": not pending,
            "rss_kib": {n: r["rss"] for n, r in readings.items()}, "pss_kib": {n: r["pss"] for n, r in readings.items()}}


def measure(checkpoints: tuple[int, ...] = (100, 500, 1000, 2000), log=print) -> dict:
    """One gunicorn worker (4 threads) serving the dashboard, driven to each checkpoint."""
    from bench.common import Server

    with Server(tag="memory", workers=1, threads=4) as server:
        ready = server.wait_ready()

        def worker() -> int:
            pids = server.workers()
            assert len(pids) == 1, f"expected one worker, found {pids}"
            return pids[0]

        out = drive(server.port, worker, checkpoints)
    out["ready_s"] = ready
    out["checkpoints"] = list(checkpoints)
    low, high = min(checkpoints), max(checkpoints)
    rss = out["rss_kib"]
    out["ratio"] = rss[high] / rss[low] if high in rss and low in rss else float("nan")
    log(f"memory: {out['requests']} requests, {out['states']} states in {out['seconds']:.0f} s, ratio {out['ratio']:.2f}")
    return out


def render(s: dict) -> list[str]:
    cps = [0] + s["checkpoints"]
    rss, pss = s["rss_kib"], s["pss_kib"]
    cell = lambda d, n: f"{d[n] / 1024:.0f}" if n in d else "–"  # noqa: E731
    low, high = min(s["checkpoints"]), max(s["checkpoints"])
    lines = [
        "## 9. Worker memory under varied requests", "",
        f"One gunicorn worker (project config, 4 threads); {s['states']} varied view states opened by URL "
        f"(`bench/memory.py`: facets, endpoint, grade band, highlight, page, toxicity mode/sort/rows, what-if ramp), "
        f"each parsed in the browser and then every figure callback; {s['requests']} figure-callback "
        f"requests in {s['seconds']:.0f} s, {s['errors']} errors; same worker pid throughout: "
        f"{'yes' if s['same_worker'] else '**no**'}.", "",
        "| figure-callback requests | " + " | ".join(str(n) for n in cps) + " |",
        "|---|" + "---:|" * len(cps),
        "| worker RSS MiB | " + " | ".join(cell(rss, n) for n in cps) + " |",
        "| worker PSS MiB | " + " | ".join(cell(pss, n) for n in cps) + " |",
        "",
        f"RSS after {high} / after {low}: **{s['ratio']:.2f}x** (target {TARGET}x: "
        f"{'met' if s['ratio'] <= TARGET else '**missed**'}).", "",
    ]
    return lines


def target_row(s: dict) -> str:
    low, high = min(s["checkpoints"]), max(s["checkpoints"])
    return (f"| worker RSS after {high} varied requests <= {TARGET}x after {low} | {s['ratio']:.2f}x | "
            f"{'met' if s['ratio'] <= TARGET else '**missed**'} |")


if __name__ == "__main__":  # python -m bench.memory [checkpoint ...]
    import sys

    result = measure(tuple(int(a) for a in sys.argv[1:]) or (100, 500, 1000, 2000))
    print("\n".join(render(result)))
