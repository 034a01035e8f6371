"""Warm timing of the deck of every view (issue 15: under 10 s warm on this machine).

    .venv/bin/python -m bench.deck_export [--runs 3] [--profile] [--picture-widths 3840 2560]

Builds the PowerPoint of every view that shows data after one warm-up (Chromium started,
figures and tables cached) and prints, per run:

- the seconds of the whole export (pictures drawn in one batch on the shared Chromium);
- the floor, timed in the same run just before: as many pictures as the deck has, of the same
  sizes, of a figure with three bars, drawn in one batch (what Chromium costs for the pictures
  alone), and the deck's ratio to it;
- the same export with drawing replaced by a stored tiny PNG (styling, splitting, python-pptx:
  the part that is not Chromium);
- CPU seconds of the deck (this process and its Chromium, read from /proc), which a loaded
  machine inflates far less than wall time: on two idle cores the deck cannot take less than
  half of it;
- the load average (1 minute) at the end of the run.

--picture-widths draws the same deck with its pictures that many pixels wide, one width after
the other in the same process (the deck's own width, export.deck.PICTURE_PX_WIDTH, otherwise),
so that widths are compared under the same load.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from datetime import date
from pathlib import Path

from PIL import Image

from evidence import export, export_views
from evidence.export import deck
from evidence.loading import load_dataset
from evidence.state import parse_query

ROOT = Path(__file__).resolve().parents[1]
QUERY = "?grade=all&highlight=PASO"
FLOOR_FIGURE = {"data": [{"type": "bar", "x": ["a", "b", "c"], "y": [1, 3, 2]}], "layout": {"title": {"text": "Floor"}}}


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _descendants(pid: int) -> list[int]:
    """Every process below pid (Chromium and its renderers, started by kaleido)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cpu_seconds() -> tuple[float, float]:
    """(this process, its descendants) CPU seconds, user + system, so far."""
    tick = os.sysconf("SC_CLK_TCK")
    others = 0.0
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            others += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            continue  # a renderer that ended in between
    return time.process_time(), others


def run(runs: int = 3, profile: bool = False) -> list[dict]:
    data = load_dataset(ROOT / "data")
    state = parse_query(QUERY)
    tiny = _tiny_png()
    sizes = []

    def record(fig, fmt, **size):
        sizes.append(size)
        return tiny

    export_views.build_export(data, state, "all", "pptx", date.today(), render=record)
    floor_jobs = [(FLOOR_FIGURE, "png", s["width"], s["height"], s["scale"]) for s in sizes]
    export_views.build_export(data, state, "all", "pptx", date.today())  # warm-up: Chromium, caches
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        export.figure_images(floor_jobs)
        floor = time.perf_counter() - started
        pictures = []
        own_before, chromium_before = _cpu_seconds()
        started = time.perf_counter()
        if profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        export_views.build_export(data, state, "all", "pptx", date.today(),
                                  progress=lambda done, total, title: pictures.append(done))
        if profile:
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        total = time.perf_counter() - started
        own_after, chromium_after = _cpu_seconds()
        started = time.perf_counter()
        export_views.build_export(data, state, "all", "pptx", date.today(), render=lambda *a, **k: tiny)
        rest = time.perf_counter() - started
        result = dict(deck_s=total, floor_s=floor, ratio=total / floor, pictures=max(pictures), without_drawing_s=rest,
                      cpu_python_s=own_after - own_before, cpu_chromium_s=chromium_after - chromium_before,
                      load=os.getloadavg()[0])
        results.append(result)
        print(f"deck of every view: {total:.2f} s warm ({result['pictures']} pictures); floor ({len(floor_jobs)} "
              f"three-bar pictures of the same sizes) {floor:.2f} s: {result['ratio']:.2f}x; without drawing "
              f"{rest:.2f} s; CPU {result['cpu_python_s']:.1f} s python + {result['cpu_chromium_s']:.1f} s Chromium; "
              f"load average {result['load']:.1f}", flush=True)
    export.stop_engine()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--picture-widths", type=int, nargs="+", default=[deck.PICTURE_PX_WIDTH])
    args = parser.parse_args()
    for width in args.picture_widths:
        deck.PICTURE_PX_WIDTH = width
        print(f"pictures {width} px wide", flush=True)
        run(args.runs, args.profile)
