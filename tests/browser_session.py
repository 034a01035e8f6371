"""The one Chromium of a test session, shared by every copy of the `chromium_browser` fixture.

tests/browser/conftest.py defines the fixture; hosting tests that drive a browser import it
(`from tests.browser.conftest import chromium_browser`), which gives pytest a second definition
in a second module object. Playwright's sync API allows one running instance per thread, so the
copy that starts second reuses the browser the first launched (kept here, a module both copies
import under one name) instead of starting another.
"""

from __future__ import annotations

RUNNING: dict = {}
