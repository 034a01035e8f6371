"""Hosting safeguards on the Flask server under Dash, installed once by `install`:

- authentication (AUTH_MODE) as one before_request hook, so every route (page, Dash layout,
  dependencies, callbacks, component suites, assets) is covered without wrapping routes;
  only the health routes stay open for load balancers and orchestrators;
- security headers on every response, with a Content-Security-Policy that allows scripts only
  from this origin plus the hash of Dash's one inline renderer script;
- gzip for text responses when the client accepts it;
- a request body limit derived from MAX_UPLOAD_MB (larger bodies get 413).

Nothing here keeps per-user state, so any replica can answer any request.
"""

from __future__ import annotations

import gzip
import ipaddress
import logging
from collections.abc import Callable, Iterable

from dash import Dash
from flask import Response, request

from auth import Users
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
    gate = authenticator(settings, frozenset(public_paths))
    if gate is not None:
        server.before_request(gate)
    headers = security_headers(app.csp_hashes())

    def finish(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return gzip_response(response)

    server.after_request(finish)


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
        check = _basic(users)
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


def _basic(users: Users) -> Callable[[], Response | None]:
    def check() -> Response | None:
        credentials = request.authorization
        if credentials is not None and credentials.type == "basic":
            if users.verify(credentials.username or "", credentials.password or ""):
                return None
            log.info("basic auth: wrong credentials for user %r from %s", credentials.username, request.remote_addr)
        return Response(
            "Authentication required.\n",
            401,
            {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
            mimetype="text/plain",
        )

    return check


def _proxy(header: str, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> Callable[[], Response | None]:
    def check() -> Response | None:
        if not _peer_in(request.remote_addr, trusted):
            log.warning("proxy auth: request from untrusted address %s refused", request.remote_addr)
            return Response("Forbidden: requests must come through the authenticating proxy.\n", 403, mimetype="text/plain")
        if not request.headers.get(header, "").strip():
            return Response(f"Forbidden: the proxy sent no {header} header.\n", 403, mimetype="text/plain")
        return None

    return check


def _peer_in(address: str | None, networks) -> bool:
    """Whether the direct peer (never a forwarded-for header) is one of the trusted proxies."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


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
