#!/usr/bin/env bash
# Run the whole test suite (unit + real-Chromium browser tests).
#   bash scripts/test.sh [pytest args...]     e.g. -m "not browser", -k name, -x
# Sets up .venv (+dev deps), Debian chromium and nginx first. Exit code is pytest's,
# except that "no tests collected" (pytest exit 5) is turned into a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --dev --browser --hosting

rc=0
.venv/bin/python -m pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "test.sh: pytest collected no tests (exit 5); treating as failure" >&2
  exit 1
fi
exit "$rc"
