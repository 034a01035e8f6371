"""Fixtures shared by the unit tests: the bundled data set, and Chromium for drawing pictures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence import export
from evidence.loading import load_dataset

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def data():
    """The bundled data set (data/), loaded and validated once per test process: loading takes
    1-2 s and every module that reads it used to load its own copy. Tests only read it (views
    copy what they change; tests/unit/test_views.py checks that they leave the tables untouched)."""
    return load_dataset(REPO_ROOT / "data")


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium for image export (kaleido): a failure in CI, where setup installs it;
    a skip on a machine without it."""
    if not export.chromium_available():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing; image export tests need it (bash scripts/setup.sh --browser)")
        pytest.skip("Chromium is missing (bash scripts/setup.sh --browser)")
    return export.chromium_path()
