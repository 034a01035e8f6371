"""gunicorn settings: serves app:server with data loaded and validated once, before workers fork."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("THREADS", "4"))
preload_app = True  # load + validate the data once; invalid data stops start-up
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
control_socket_disable = True
