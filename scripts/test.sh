#!/usr/bin/env bash
# Run the whole test suite (unit + real-Chromium browser tests).
#   bash scripts/test.sh [pytest args...]     e.g. -m "not browser", -k name, -x
# Sets up .venv (+dev deps), Debian chromium and nginx first. Exit code is pytest's,
# except that "no tests collected" (pytest exit 5) is turned into a failure.
# Tests run in TEST_WORKERS processes (pytest-xdist, default 2; 0 = one process, no xdist):
# most tests wait on Chromium, gunicorn, PostgreSQL or LibreOffice, so two processes overlap
# those waits on 2 cores. --dist loadfile keeps each test file in one process, so a module's
# fixtures (its servers, decks, pictures) are still built once. Every server takes a free port
# and its own temp dir, so the processes do not share anything but the default STATE_DIR,
# which the app shares between processes by design.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --dev --browser --hosting

rc=0
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "test.sh: pytest collected no tests (exit 5); treating as failure" >&2
  exit 1
fi
exit "$rc"
