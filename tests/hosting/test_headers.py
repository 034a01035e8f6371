"""Security headers on every response, gzip when accepted, the request-size limit, and no debug mode
outside `python app.py`."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from components import ids
from security import request_limit
from tests.hosting.conftest import view_request

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture(scope="module")
def app(curated_data):
    from app import create_app
    from config import Settings

    return create_app(Settings(max_upload_mb=0.01), curated_data)


@pytest.fixture
def client(app):
    return app.server.test_client()


def same_page(body: bytes) -> bytes:
    """Body without the per-page-load token Dash writes into the index page."""
    return re.sub(rb'"end_id":"[^"]*"', b"", body)


def static_urls(client) -> dict[str, str]:
    """A component-suite script and a stylesheet asset, as the index page links them."""
    html = client.get("/").get_data(as_text=True)
    return {
        "suite": re.search(r'src="(/_dash-component-suites/[^"]+\.js[^"]*)"', html).group(1),
        "asset": re.search(r'href="(/assets/[^"]+)"', html).group(1),
    }


def every_route(client, callback_body) -> list[tuple[str, str, bytes | None]]:
    deps = json.loads(client.get("/_dash-dependencies").data)
    return [
        ("GET", "/", None),
        ("GET", "/_dash-layout", None),
        ("GET", "/_dash-dependencies", None),
        *(("GET", url, None) for url in static_urls(client).values()),
        ("POST", "/_dash-update-component", callback_body(deps, ids.UPLOAD_NOTICE)),
        ("POST", *view_request("forest", {"endpoint": "OS"})),
        ("GET", "/healthz", None),
        ("GET", "/readyz", None),
        ("GET", "/assets/no-such-file.css", None),  # 404
    ]


def test_security_headers_on_every_route(client, callback_body):
    for method, path, body in every_route(client, callback_body):
        with client.open(path, method=method, data=body, content_type="application/json") as response:
            assert response.status_code in (200, 404), (path, response.status_code)
            for name, value in SECURITY_HEADERS.items():
                assert response.headers.get(name) == value, (path, name)
            csp = response.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path


def test_csp_allows_only_own_and_hashed_scripts(app, client):
    csp = dict(
        (part.split(" ", 1) + [""])[:2] for part in client.get("/").headers["Content-Security-Policy"].split("; ")
    )
    sources = csp["script-src"].split()
    assert sources[0] == "'self'" and all(s.startswith("'sha256-") for s in sources[1:])
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert sources[1:] == app.csp_hashes()  # the inline `new DashRenderer()` script
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"


@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/_dash-dependencies", "suite", "asset"])
def test_text_is_gzipped_when_the_client_accepts_it(client, path):
    url = static_urls(client).get(path, path)
    with client.get(url) as plain:
        plain_body = plain.get_data()
        assert "Content-Encoding" not in plain.headers
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate"}) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert int(packed.headers["Content-Length"]) < len(plain_body)
        assert same_page(gzip.decompress(packed.get_data())) == same_page(plain_body)
    with client.get(url, headers={"Accept-Encoding": "gzip;q=0, br"}) as refused:
        assert "Content-Encoding" not in refused.headers


def test_static_files_are_gzipped_before_any_request(app, client):
    """What gunicorn's master does before forking (gunicorn.conf.py when_ready): every file a page
    can load, the on-demand chunks included, is compressed once, and requests are answered from
    that cache with the file's own bytes."""
    import plotly

    import security

    security._static_gzip.clear()
    files, size = security.precompress_static(app)
    cached = {path for path, _etag, _length in security._static_gzip}
    plotly_js = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    on_disk = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    assert {plotly_js, "/_dash-component-suites/dash/dcc/async-graph.js", "/_dash-component-suites/dash_ag_grid/async-community.js",
            "/assets/style.css", "/assets/state.js", "/assets/plotly-evidence.min.js", static_urls(client)["suite"]} <= cached
    assert files == len(cached) and size > 1_000_000
    with client.get(plotly_js, headers={"Accept-Encoding": "gzip"}) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.get_data()) == on_disk
    assert len(security._static_gzip) == files  # served from the cache: nothing compressed again


def test_view_responses_are_gzipped(client):
    path, body = view_request("forest", {"endpoint": "OS"})
    plain = client.post(path, data=body, content_type="application/json")
    packed = client.post(path, data=body, content_type="application/json", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == plain.json


def test_request_body_over_the_limit_is_refused_with_413(app, client, callback_body):
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    assert limit == request_limit(0.01)
    too_big = b'{"padding": "' + b"x" * limit + b'"}'
    response = client.post("/_dash-update-component", data=too_big, content_type="application/json")
    assert response.status_code == 413
    assert response.headers["X-Frame-Options"] == "DENY"
    deps = json.loads(client.get("/_dash-dependencies").data)
    small = client.post("/_dash-update-component", data=callback_body(deps, ids.UPLOAD_NOTICE), content_type="application/json")
    assert small.status_code == 200


def test_limit_fits_an_upload_of_max_upload_mb_as_dash_sends_it(make_app):
    """A file of MAX_UPLOAD_MB arrives base64-encoded (4/3 the size) in a callback's JSON body."""
    limit = make_app().server.config["MAX_CONTENT_LENGTH"]
    five_mib_as_base64 = 4 * -(-5 * 1024 * 1024 // 3)
    assert five_mib_as_base64 + 64 * 1024 < limit < 7 * 1024 * 1024


def test_create_app_never_enables_debug(make_app):
    """DASH_DEBUG is only read by `python app.py`; the app gunicorn serves has no dev tools."""
    app = make_app(debug=True)
    client = app.server.test_client()
    assert app.server.debug is False
    config = json.loads(re.search(r'<script id="_dash-config"[^>]*>(.*?)</script>', client.get("/").get_data(as_text=True)).group(1))
    assert config["ui"] is False and config["props_check"] is False
    assert client.get("/_reload-hash").json["reloadHash"] is None  # no hot reload
