"""The image engine's reused tabs (evidence/export/engine.py): kaleido reloads its page after
every picture; the engine skips that reload for PNG and SVG batches. Drawn in Debian's Chromium
(skipped when it is missing, failed under CI=true)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import kaleido
import pytest

from evidence import export, export_views
from evidence.loading import load_dataset
from evidence.state import parse_query

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 21)
VIEWS = ("forest-plot", "toxicity-heatmap", "dose-ramp", "survival-curves")



@pytest.fixture(scope="module")
def slide_jobs():
    """One styled slide picture (PNG, 1280 x 720 at scale 1) of each of four unlike views."""
    data = load_dataset(REPO_ROOT / "data")
    state = parse_query("?grade=all&highlight=PASO")
    jobs = []
    for key in VIEWS:
        r = export_views.render_view(data, state, key, TODAY)
        figure, title = export_views._slide_parts(r)[0]
        styled, _, width, height, _ = export.slide_job(figure, "png", title, r.subtitle, r.footnote)
        jobs.append((styled, "png", width, height, 1))
    return jobs


def test_pictures_drawn_on_reused_tabs_equal_pictures_drawn_after_a_page_reload(chromium, slide_jobs):
    """The same four pictures, twice over in one batch, on tabs reused without reloading (a PNG
    batch) and on tabs reloaded after every picture (a batch with a PDF in it, kaleido's own
    way): byte for byte the same, and each picture its own."""
    reused = export.figure_images(slide_jobs * 2)
    reloaded = export.figure_images(slide_jobs * 2 + [({"data": [], "layout": {}}, "pdf", 200, 100, 1)])
    assert reloaded[-1][:5] == b"%PDF-"
    assert reused == reloaded[:-1]
    assert reused[:4] == reused[4:] and len(set(reused[:4])) == 4


def test_the_engine_overrides_the_kaleido_method_it_relies_on():
    """kaleido 1.5's private tab hand-back is what the engine replaces: an upgrade that renames
    it would silently bring the reload back (and the deck's time with it)."""
    assert "_return_kaleido_tab" in vars(kaleido.Kaleido)
    assert "_return_kaleido_tab" in vars(export.engine._kaleido_class())
