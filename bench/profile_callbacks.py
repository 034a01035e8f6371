"""Profile callbacks (or start-up) with pyinstrument, in a process of its own.

    DATA_DIR=... .venv/bin/python bench/profile_callbacks.py callbacks OUT_DIR LABEL SCENARIO:CALLBACK... [--reps 5]
    .venv/bin/python bench/profile_callbacks.py import OUT_DIR

`callbacks`: imports app (on DATA_DIR), builds the bench scenario's request bodies (bench/scenarios.py)
and answers each chosen one once to warm up, then K times under pyinstrument through the whole
Flask + Dash stack (test client), so JSON encoding is included. `import`: profiles `import wsgi`
(imports, data loading + validation, layout). Writes OUT_DIR/profile-NAME.txt (call tree) and
OUT_DIR/profile-NAME.flat.txt (functions by own time); prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyinstrument import Profiler  # noqa: E402
from pyinstrument.renderers import ConsoleRenderer  # noqa: E402


def _write(profiler: Profiler, out_dir: Path, name: str) -> dict:
    session = profiler.last_session
    tree = ConsoleRenderer(unicode=False, color=False, show_all=False, short_mode=False).render(session)
    flat = ConsoleRenderer(unicode=False, color=False, flat=True, flat_time="self").render(session)
    (out_dir / f"profile-{name}.txt").write_text(tree)
    (out_dir / f"profile-{name}.flat.txt").write_text(flat)
    return {"name": name, "seconds": session.duration, "tree": f"profile-{name}.txt", "flat": f"profile-{name}.flat.txt"}


def profile_callbacks(out_dir: Path, label: str, picks: list[str], reps: int) -> list[dict]:
    import wsgi as dashboard
    from bench import scenarios

    client = dashboard.server.test_client()
    layout = scenarios.layout_values(client.get("/_dash-layout").get_json())
    facets = scenarios.facet_values(layout)
    items = []
    for scenario in dict.fromkeys(p.split(":")[0] for p in picks):
        items += [{"name": f"{label}-{scenario}-{name}", "view": name, "body": body} for name, body in scenarios.interaction(scenario)
                  if f"{scenario}:{name}" in picks]
    missing = set(picks) - {i["name"].split("-", 1)[1].replace("-", ":", 1) for i in items}
    if missing:
        raise SystemExit(f"no such scenario:callback pair(s): {sorted(missing)}")
    out = []
    for item in items:
        resp = client.post(scenarios.view_path(item["view"]), json=item["body"])  # warm-up
        if resp.status_code != 200:
            out.append({"name": item["name"], "error": f"HTTP {resp.status_code}"})
            continue
        # Each profiled request is a view-cache miss (a state not answered before; scenarios.bust).
        busted = [scenarios.bust(item["body"], k, facets) for k in range(reps)]
        profiler = Profiler(interval=0.001)
        started = time.perf_counter()
        profiler.start()
        for body in busted:
            client.post(scenarios.view_path(item["view"]), json=body)
        profiler.stop()
        result = _write(profiler, out_dir, item["name"])
        result["per_request_ms"] = 1000 * (time.perf_counter() - started) / reps
        out.append(result)
    return out


def profile_import(out_dir: Path) -> list[dict]:
    profiler = Profiler(interval=0.001)
    profiler.start()
    import wsgi  # noqa: F401

    profiler.stop()
    return [_write(profiler, out_dir, "startup-import-wsgi")]


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "callbacks":
        reps = 5
        if "--reps" in argv:
            at = argv.index("--reps")
            reps = int(argv[at + 1])
            argv = argv[:at] + argv[at + 2 :]
        out_dir = Path(argv[1])
        out_dir.mkdir(parents=True, exist_ok=True)
        print("BENCH_JSON " + json.dumps(profile_callbacks(out_dir, argv[2], argv[3:], reps)))
    elif mode == "import":
        out_dir = Path(argv[1])
        out_dir.mkdir(parents=True, exist_ok=True)
        print("BENCH_JSON " + json.dumps(profile_import(out_dir)))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
