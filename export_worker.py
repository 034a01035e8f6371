"""The Celery worker for deck and all-figure exports, when CELERY_BROKER_URL is set.

    CELERY_BROKER_URL=redis://localhost:6379/0 .venv/bin/celery -A export_worker worker --concurrency 2

It builds the app exactly as the web workers do (same settings, same data), which registers the
export's background callback with the app's CeleryManager; `celery_app` is that manager's Celery
application. The worker needs Chromium (image export) and the same STATE_DIR as the web workers
(uploads and job slots). Without CELERY_BROKER_URL the exports run under Diskcache and no worker
is needed.
"""

from __future__ import annotations

import wsgi  # builds the app from the environment, as gunicorn does (app.py alone builds nothing)

celery = getattr(wsgi.app.export_jobs_manager, "handle", None)
"""The Celery application `celery -A export_worker worker` finds (as `export_worker.celery`)."""
if celery is None or not hasattr(celery, "worker_main"):
    raise SystemExit("export_worker: set CELERY_BROKER_URL (a Redis URL); without it exports run under Diskcache.")
