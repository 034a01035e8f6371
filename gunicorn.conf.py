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


def _exit_without_teardown(code: int | None = None) -> None:
    """Leave this process now: atexit handlers run (the export engine's Chromium is stopped, the
    database pool disposed), streams are flushed, then os._exit skips the interpreter's teardown.

    Freeing every object of the loaded app one by one (data tables, cached figures, plotly's
    validators) took a worker 3-12 s of CPU after its last request (py-spy: no Python frame,
    interpreter finalisation), so each stop or restart of a replica took that long; nothing in
    that teardown is needed (sockets, files and the SQLite database are closed by the kernel, and
    every write was committed when its request ended). The exit code is kept: gunicorn's master
    reads a worker's boot (3) and app-load (4) errors from it.
    """
    import atexit
    import os

    if code is None:  # a worker, from gunicorn's `finally`: the SystemExit on its way out
        error = sys.exc_info()[1]
        code = error.code if isinstance(error, SystemExit) else (1 if error else 0)
        code = 0 if code is None else code if isinstance(code, int) else 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def worker_exit(server, worker):
    """A worker leaves without the interpreter's teardown (see _exit_without_teardown)."""
    _exit_without_teardown()


def on_exit(server):
    """The master leaves without the interpreter's teardown too (it loaded the app before forking:
    the same objects to free). gunicorn's halt() calls this hook just before
    sys.exit(exit_status) and passes the status to no hook, so it is read from halt's frame;
    should a gunicorn release rename it, the master exits the ordinary way."""
    status = sys._getframe(1).f_locals.get("exit_status")
    if isinstance(status, int):
        _exit_without_teardown(status)
