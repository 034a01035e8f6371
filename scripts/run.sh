#!/usr/bin/env bash
# Run the dashboard locally (dev server, http://127.0.0.1:8050 by default).
#   bash scripts/run.sh [app.py args...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
