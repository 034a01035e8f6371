"""gunicorn settings: serves wsgi:server with data loaded and validated once, before workers fork.

Everything that varies (address, port, workers, threads, log level) comes from config.Settings,
where each environment variable is declared once. Run:
    gunicorn --no-control-socket -c gunicorn.conf.py wsgi:server
"""

import sys

from config import Settings

try:
    settings = Settings.from_env()
except ValueError as err:  # a bad setting: one readable line, not a traceback
    print(f"Not starting: {err}", file=sys.stderr, flush=True)
    raise SystemExit(2) from None

wsgi_app = "wsgi:server"
_host = f"[{settings.bind}]" if ":" in settings.bind else settings.bind
bind = f"{_host}:{settings.port}"
workers = settings.web_concurrency
threads = settings.threads
preload_app = True  # import app once in the master: invalid data stops start-up (exit 3, report on stderr)
timeout = 60  # a worker silent this long is killed and replaced (figure exports can take seconds)
graceful_timeout = 20  # in-flight requests get this long on restart or shutdown
keepalive = 5  # behind a reverse proxy holding connections open
accesslog = "-"
errorlog = "-"
loglevel = settings.log_level
control_socket_disable = True  # also pass --no-control-socket on the command line (gunicorn 27)


def on_starting(server):
    """Say once, loudly, that DASH_DEBUG has no effect here (create_app never enables debug)."""
    if settings.debug:
        server.log.warning("DASH_DEBUG is ignored under gunicorn; debug mode is for `python app.py` only")


def when_ready(server):
    """Answer one request in the master, before any worker forks.

    Dash finishes setting itself up (component registry, script lists, callback map) on its first
    request. Then every static file a page can ask for is gzipped here too (security.precompress_static),
    so no worker spends its first page load compressing plotly.js. Left to the workers, each fresh worker does it on its first requests, and a second
    thread of that worker could serve a component script from a half-filled registry (HTTP 500
    "dash is not a registered library" was seen once under load). Done here, every worker is
    forked set up. /healthz needs no authentication and touches no data.
    """
    from werkzeug.test import Client

    flask_app = server.app.wsgi()
    response = Client(flask_app).get("/healthz")
    server.log.info("app set up in the master before forking workers: GET /healthz -> %s", response.status_code)
    precompress = flask_app.extensions.get("precompress_static")  # security.precompress_static
    if precompress is not None:
        files, size = precompress()
        server.log.info("static files gzipped in the master: %d files, %.1f MB", files, size / 1e6)


def post_fork(server, worker):
    """Warm this worker's cache in a background thread (components/warm.py): the default view and
    single-facet changes become cache hits while the worker already serves requests.
    WARM_CACHE_STATES=0 switches it off."""
    from components import warm

    thread = warm.after_fork(server.app.wsgi())
    if thread is not None:
        server.log.info("worker %s: warming the cache in the background", worker.pid)
