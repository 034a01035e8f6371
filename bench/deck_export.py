"""Warm timing of the deck of every view (issue 15: under 10 s warm on this machine).

    .venv/bin/python -m bench.deck_export [--runs 3] [--profile]

Builds the PowerPoint of every view that shows data after one warm-up (Chromium started,
figures and tables cached) and prints, per run, the seconds of the whole export (pictures drawn
in one batch on the shared Chromium) and of the same export with drawing replaced by a stored
tiny PNG (styling, splitting, python-pptx: the part that is not Chromium).
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
from evidence.loading import load_dataset
from evidence.state import parse_query

ROOT = Path(__file__).resolve().parents[1]
QUERY = "?grade=all&highlight=PASO"


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), "white").save(buffer, "PNG")
    return buffer.getvalue()


def run(runs: int = 3, profile: bool = False) -> list[float]:
    data = load_dataset(ROOT / "data")
    state = parse_query(QUERY)
    tiny = _tiny_png()
    pictures = []
    export_views.build_export(data, state, "all", "pptx", date.today())  # warm-up: Chromium, caches
    times = []
    for _ in range(runs):
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
        started = time.perf_counter()
        export_views.build_export(data, state, "all", "pptx", date.today(), render=lambda *a, **k: tiny)
        rest = time.perf_counter() - started
        times.append(total)
        print(f"deck of every view: {total:.2f} s warm ({max(pictures)} pictures); without drawing {rest:.2f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        pictures.clear()
    export.stop_engine()
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    run(args.runs, args.profile)
