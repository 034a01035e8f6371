"""Hosting safeguards on the Flask server under Dash, installed once by `install`:

- authentication (AUTH_MODE) as one before_request hook, so every route (page, Dash layout,
  dependencies, callbacks, component suites, assets) is covered without wrapping routes;
  only the health routes stay open for load balancers and orchestrators;
- security headers on every response, with a Content-Security-Policy that allows scripts only
  from this origin plus the hash of Dash's one inline renderer script;
- gzip for text responses when the client accepts it;
- a request body limit derived from MAX_UPLOAD_MB (larger bodies get 413);
- failed Basic sign-ins limited per client address and per user (429 with Retry-After);
- request guards: a malformed callback request gets 400 and one log line (never a traceback in
  the response), an unknown path or component-suite file gets 404.

The only state kept is the count of recent failed sign-ins, per worker process; any replica can
answer any request.
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import logging
import os
import re
import secrets
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from dash import Dash
from dash.exceptions import CallbackException, DependencyException
from dash.fingerprint import check_fingerprint
from flask import Response, g, has_request_context, request, session

from auth import SignInLimits, Users
from config import Settings

log = logging.getLogger(__name__)


class AuthConfigError(Exception):
    """AUTH_* settings that cannot work (no users file, no trusted proxies, unreadable file)."""


REALM = "Trial evidence dashboard"
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
MIN_GZIP_BYTES = 512
ENVELOPE_BYTES = 256 * 1024  # a callback request's other inputs and state, besides an uploaded file
# Static files are the same for the life of the process: compress each once.
_STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
_static_gzip: dict[tuple[str, str, int], bytes] = {}


def install(app: Dash, settings: Settings, public_paths: Iterable[str]) -> None:
    """Add authentication, headers, compression and the body limit to app.server.

    Call after every callback is registered (the CSP hashes Dash's inline scripts).
    Raises AuthConfigError for an unusable auth configuration, so start-up stops.
    """
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = request_limit(settings.max_upload_mb)
    install_owner_cookie(server, settings)
    guard_routes(app)
    gate = authenticator(settings, frozenset(public_paths))
    if gate is not None:
        server.before_request(gate)
    headers = security_headers(app.csp_hashes())

    def finish(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return gzip_response(response)

    server.after_request(finish)
    server.extensions["precompress_static"] = functools.partial(precompress_static, app)


def request_limit(max_upload_mb: float) -> int:
    """Largest request body in bytes. Dash sends an uploaded file base64-encoded inside a
    callback's JSON (4/3 of its size), so a file of MAX_UPLOAD_MB must fit, with room for the
    rest of the request; the upload code then applies MAX_UPLOAD_MB to the file itself."""
    return int(max_upload_mb * 1024 * 1024 * 4 / 3) + ENVELOPE_BYTES


# --------------------------------------------------------------------------- authentication


def authenticator(settings: Settings, public_paths: frozenset[str]) -> Callable[[], Response | None] | None:
    """The before_request hook for settings.auth_mode (None for `none`)."""
    if settings.auth_mode == "none":
        return None
    if settings.auth_mode == "basic":
        if settings.auth_users_file is None:
            raise AuthConfigError("AUTH_MODE=basic needs AUTH_USERS_FILE")
        try:
            users = Users.from_file(settings.auth_users_file)
        except ValueError as err:
            raise AuthConfigError(f"AUTH_USERS_FILE: {err}") from None
        check = _basic(users, SignInLimits(redis_url=settings.rate_limit_url))  # shared through Redis when set
    elif settings.auth_mode == "proxy":
        if not settings.auth_trusted_proxies:
            raise AuthConfigError("AUTH_MODE=proxy needs AUTH_TRUSTED_PROXIES (the proxy's addresses)")
        check = _proxy(settings.auth_proxy_header, [ipaddress.ip_network(n) for n in settings.auth_trusted_proxies])
    else:  # Settings already refuses other values
        raise AuthConfigError(f"unknown AUTH_MODE {settings.auth_mode!r}")

    def gate() -> Response | None:
        if request.path in public_paths:
            return None
        return check()

    return gate


def _basic(users: Users, limits: SignInLimits | None = None) -> Callable[[], Response | None]:
    limits = limits or SignInLimits()

    def check() -> Response | None:
        credentials = request.authorization
        if credentials is not None and credentials.type == "basic":
            client, user, password = client_address(), credentials.username or "", credentials.password or ""
            wait = limits.retry_after(users, client, user, password)
            if wait:
                log.warning("basic auth: too many failed sign-ins (user %r, client %s); retry after %d s", user, client, wait)
                return Response(
                    f"Too many failed sign-ins; try again in {wait} seconds.\n", 429, {"Retry-After": str(wait)},
                    mimetype="text/plain",
                )
            if users.verify(user, password):
                g.signed_in_user = user
                return None
            limits.failed(client, user)
            log.info("basic auth: wrong credentials for user %r from %s", user, client)
        return Response(
            "Authentication required.\n",
            401,
            {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
            mimetype="text/plain",
        )

    return check


def _proxy(header: str, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> Callable[[], Response | None]:
    def check() -> Response | None:
        if not _peer_in(peer_address(), trusted):
            log.warning("proxy auth: request from untrusted address %s refused", peer_address())
            return Response("Forbidden: requests must come through the authenticating proxy.\n", 403, mimetype="text/plain")
        user = request.headers.get(header, "").strip()
        if not user:
            return Response(f"Forbidden: the proxy sent no {header} header.\n", 403, mimetype="text/plain")
        g.signed_in_user = user
        return None

    return check


def signed_in_user() -> str | None:
    """The user this request's authenticator accepted (Basic or proxy), or None (AUTH_MODE=none,
    or outside a request)."""
    return g.get("signed_in_user") if has_request_context() else None


# --------------------------------------------------------------------------- who owns uploads

OWNER_COOKIE = "trial_evidence_owner"
ANONYMOUS_KEY = "anonymous_owner"


def install_owner_cookie(server, settings: Settings) -> None:
    """Flask's signed session cookie carries the anonymous owner id (AUTH_MODE=none): HttpOnly,
    SameSite=Lax, 400 days. Signed with SECRET_KEY, else a random key kept in STATE_DIR (made once,
    mode 0600), so every worker (and replicas sharing STATE_DIR or SECRET_KEY) accepts it."""
    server.secret_key = settings.secret_key or _state_secret(settings.state_dir)
    server.config.update(
        SESSION_COOKIE_NAME=OWNER_COOKIE, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=400 * 24 * 3600,
    )  # fmt: skip
    if settings.auth_mode == "none":

        @server.before_request
        def owner_on_page_load() -> None:
            """The page sets the cookie, so the callbacks it fires at once share one owner id."""
            if request.method == "GET" and request.path == "/":
                request_owner()


def _state_secret(state_dir) -> str:
    path = Path(state_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
    for _attempt in range(50):  # another worker may be writing it this instant
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise AuthConfigError(f"{path}: empty secret key file; remove it or set SECRET_KEY")


def request_owner() -> str | None:
    """Who owns this request's uploads: ``user:<name>`` as the authenticator accepted them, else
    ``anon:<id>`` from the signed cookie (made on first use); None outside a request."""
    user = signed_in_user()
    if user:
        return f"user:{user}"
    if not has_request_context():
        return None
    anonymous = session.get(ANONYMOUS_KEY)
    if not (isinstance(anonymous, str) and len(anonymous) == 43):
        anonymous = secrets.token_urlsafe(32)
        session[ANONYMOUS_KEY] = anonymous
        session.permanent = True
    return f"anon:{anonymous}"


FRONT_PEER_HEADER = "X-Peer-IP"
FRONT_CLIENT_HEADER = "X-Real-IP"


def peer_address() -> str:
    """The address that connected to the server.

    Behind the image's own nginx (deploy/front.conf) gunicorn listens on a unix socket, which only
    a process inside the container can open, so REMOTE_ADDR is empty and nginx names the peer in
    X-Peer-IP (it overwrites whatever a client sent). Otherwise the direct peer.
    """
    if request.remote_addr:
        return request.remote_addr
    return request.headers.get(FRONT_PEER_HEADER, "")


def client_address() -> str:
    """The client, for rate limits and logs: the front nginx's X-Real-IP over a unix socket
    (the peer, or the client a trusted proxy named), otherwise the direct peer."""
    if request.remote_addr:
        return request.remote_addr
    return request.headers.get(FRONT_CLIENT_HEADER, "") or peer_address()


def _peer_in(address: str | None, networks) -> bool:
    """Whether the direct peer (never a forwarded-for header) is one of the trusted proxies."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


# --------------------------------------------------------------------------- request guards


MALFORMED_INPUT = (TypeError, KeyError, ValueError, AttributeError, IndexError)
"""Raised by Dash or a callback when a request's inputs are not of the shape the page sends."""


def guard_routes(app: Dash) -> None:
    """Answer requests the page never sends with 4xx instead of 500 or the app page.

    - callbacks: a body that is not Dash's shape, or inputs that make Dash or a callback raise
      one of MALFORMED_INPUT, get 400 with one log line (the exception and where it was raised),
      so a client cannot fill the log with tracebacks; a real bug still shows where it is;
    - component suites: a file Dash did not register gets 404 (Dash answers 500 and logs every
      registered file);
    - any other path Dash's catch-all would answer with the app page gets 404 (the app is one
      page at `/`; its state is in the query string).
    """
    prefix = app.config.routes_pathname_prefix
    views = app.server.view_functions
    views[prefix + "_dash-update-component"] = _guard_callback(views[prefix + "_dash-update-component"])
    suites = prefix + "_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"
    views[suites] = _guard_suites(views[suites])
    views[prefix + "<path:path>"] = not_found


def not_found(*_args, **_kwargs) -> Response:
    return Response("Not found.\n", 404, mimetype="text/plain")


def bad_request(reason: str) -> Response:
    return Response(f"Bad request: {reason}\n", 400, mimetype="text/plain")


def callback_body_problem(body) -> str | None:
    """What is wrong with a callback request body's shape (None: the shape Dash's renderer sends)."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if not isinstance(body.get("output"), str):
        return "`output` is missing or not a string"
    if not isinstance(body.get("outputs"), (dict, list)):
        return "`outputs` is missing or not an object or list"
    if not body["output"].startswith("{") and isinstance(body["outputs"], list) != body["output"].startswith(".."):
        # the renderer sends a list for several outputs ("..a.p...b.q.."), an object for one (a
        # list for one pattern-matching output, '{...}.p'); Dash answers the other shape with an
        # invalid-return error, a 500
        return "`outputs` is a list for one output or an object for several"
    if not isinstance(body.get("inputs"), list):
        return "`inputs` is missing or not a list"
    for key in ("state", "changedPropIds"):
        if not isinstance(body.get(key, []), list):
            return f"`{key}` is not a list"
    for key in ("inputs", "state"):
        for item in body.get(key, []):
            for dependency in item if isinstance(item, list) else [item]:
                if not (isinstance(dependency, dict) and isinstance(dependency.get("property"), str)
                        and isinstance(dependency.get("id"), (str, dict))):
                    return f"an entry of `{key}` is not {{id, property, value}}"
    if not all(isinstance(p, str) for p in body.get("changedPropIds", [])):
        return "`changedPropIds` holds a non-string"
    return None


def _origin(err: BaseException) -> str:
    """file:line where `err` was raised (the innermost frame), for the one log line."""
    frames = traceback.extract_tb(err.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


def _guard_callback(view: Callable) -> Callable:
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        body = request.get_json(silent=True)
        problem = callback_body_problem(body)
        output = str(body.get("output"))[:120] if isinstance(body, dict) else "?"
        if problem:
            log.warning("malformed callback request from %s for %s: %s", client_address(), output, problem)
            return bad_request(f"malformed callback request: {problem}.")
        try:
            return view(*args, **kwargs)
        except MALFORMED_INPUT + (CallbackException,) as err:
            if isinstance(err, CallbackException) and type(err) is not CallbackException:
                raise  # Dash's subclasses (PreventUpdate, invalid return values) are not the client's doing
            log.warning(
                "malformed callback request from %s for %s: %s: %s (raised at %s)",
                client_address(), output, type(err).__name__, str(err)[:200], _origin(err),
            )
            return bad_request("the callback's inputs are not what the page sends.")

    return guarded


def _guard_suites(view: Callable) -> Callable:
    @functools.wraps(view)
    def guarded(package_name: str, fingerprinted_path: str):
        try:
            return view(package_name, fingerprinted_path)
        except DependencyException:
            log.info("component suite file not found: %s/%s", package_name[:80], fingerprinted_path[:200])
            return not_found()

    return guarded


# --------------------------------------------------------------------------- headers


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """CSP for the dashboard: scripts from this origin plus hashed inline scripts, no eval.

    Styles allow 'unsafe-inline' because Plotly and AG Grid inject <style> elements at run time;
    images and fonts allow data: URIs (grid icons, figure downloads).
    """
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(script_hashes: Iterable[str]) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(script_hashes),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


# --------------------------------------------------------------------------- compression


NEVER_FETCHED = ("dash_ag_grid/async-enterprise.js", "dcc/async-mathjax.js")
"""On-demand chunks no page of this app asks for (AG Grid's enterprise modules are not enabled; no
figure or Markdown uses MathJax): the two largest (3.4 MB and 2 MB, ~1.1 s of gzip at start-up)."""


def static_paths(app: Dash) -> list[str]:
    """Every static file a page load can ask for: the scripts and stylesheets the index page names
    (fingerprinted, assets with their ?m= stamp dropped) and the chunks components fetch on demand,
    unfingerprinted (plotly.js, dcc's async-*.js, AG Grid's async bundles). Needs a request context
    (Dash builds its URLs in one) after Dash's first-request setup (which finds the assets)."""
    page = app.server.make_response(app.index()).get_data(as_text=True)
    named = {url.split("?")[0] for url in re.findall(r'(?:src|href)="([^"]+)"', page)}
    suites = f"{app.config.requests_pathname_prefix}_dash-component-suites/"
    in_page = {check_fingerprint(url.removeprefix(suites))[0] for url in named if url.startswith(suites)}
    on_demand = {
        f"{suites}{namespace}/{path}"
        for namespace, paths in app.registered_paths.items()
        for path in paths
        if path.endswith((".js", ".css")) and f"{namespace}/{path}" not in in_page
        and not f"{namespace}/{path}".endswith(NEVER_FETCHED)
    }
    return sorted(p for p in named | on_demand if p.startswith(_STATIC_PREFIXES))


def precompress_static(app: Dash) -> tuple[int, int]:
    """Fill the gzip cache of static files (gzip_response) before gunicorn forks its workers
    (gunicorn.conf.py `when_ready`), so every worker starts with them compressed: left to the
    workers, each new worker gzips plotly.js (4.8 MB) on its first page load (~0.6 s). Each file
    is served by its own route (authentication does not apply: nothing leaves the process).
    Returns (files, compressed bytes)."""
    server = app.server
    with server.test_request_context("/"):
        app._setup_server()  # Dash's first-request setup (idempotent): finds the assets
        paths = static_paths(app)
    count = size = 0
    for path in paths:
        with server.test_request_context(path, headers={"Accept-Encoding": "gzip"}):
            try:
                response = server.make_response(server.dispatch_request())
            except Exception as err:  # noqa: BLE001 - a file that cannot be served is compressed on request
                log.warning("not precompressed: %s (%s)", path, err)
                continue
            response = gzip_response(response)
            if response.headers.get("Content-Encoding") == "gzip":
                count, size = count + 1, size + len(response.get_data())
    return count, size


def gzip_response(response: Response) -> Response:
    """gzip a complete text response when the client accepts gzip (streams and ranges pass)."""
    if (
        not (response.mimetype or "").startswith(COMPRESSIBLE)
        or response.status_code < 200
        or response.status_code in (204, 206, 304)
        or (response.is_streamed and not response.direct_passthrough)
    ):
        return response
    response.vary.add("Accept-Encoding")
    if "Content-Encoding" in response.headers or request.accept_encodings.quality("gzip") <= 0:
        return response
    response.direct_passthrough = False  # static files: read the file wrapper into memory
    data = response.get_data()
    if len(data) < MIN_GZIP_BYTES:
        return response
    etag, weak = response.get_etag()
    key = (request.path, etag or "", len(data))
    if response.status_code == 200 and request.path.startswith(_STATIC_PREFIXES):
        if key not in _static_gzip:
            _static_gzip[key] = gzip.compress(data, compresslevel=6, mtime=0)
        compressed = _static_gzip[key]
    else:
        compressed = gzip.compress(data, compresslevel=6, mtime=0)
    response.set_data(compressed)
    response.headers["Content-Encoding"] = "gzip"
    if etag:  # the gzip body is a different representation
        response.set_etag(f"{etag}-gzip", weak)
    return response
