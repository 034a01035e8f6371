"""Fixtures shared by the unit tests that draw pictures."""

from __future__ import annotations

import os

import pytest

from evidence import export


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium for image export (kaleido): a failure in CI, where setup installs it;
    a skip on a machine without it."""
    if not export.chromium_available():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing; image export tests need it (bash scripts/setup.sh --browser)")
        pytest.skip("Chromium is missing (bash scripts/setup.sh --browser)")
    return export.chromium_path()
