"""The dashboard: `create_app(settings)` builds it; wsgi.py builds it for gunicorn (`wsgi:server`).

Importing this module builds nothing: tests build their own app with test settings.
`create_app_or_exit()` builds it from the environment, and ends the process with a readable report
and a non-zero exit code on invalid data or settings. Dash debug mode is only ever switched on by
`python app.py` with DASH_DEBUG set.
"""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

from dash import Dash
from flask import jsonify

import security
from api import register_api
from components import exports, ids, warm
from components.callbacks import register_callbacks
from components.layout import grid_height, page, skip_links
from components.stable_props import sort_wildcard_props
from components.uploads import upload_store
from config import Settings
from evidence import cache, view_registry, views
from evidence.loading import CuratedData, load_dataset
from evidence.problems import DataValidationError
from evidence.state import ViewState

HEALTH_PATHS = ("/healthz", "/readyz")  # open to load balancers even when AUTH_MODE is set

EXIT_BAD_SETTINGS = 2
EXIT_BAD_DATA = 3

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
  <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
  <body>{%skip_links%}{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


class DashboardApp(Dash):
    """Dash, with a page config that does not tell visitors which Python build serves them."""

    def _config(self):
        config = super()._config()
        config.pop("python_version", None)  # only Dash's dev-tools panel shows it; debug is off here
        return config


def create_app(settings: Settings | None = None, data: CuratedData | None = None) -> Dash:
    """Build the app on validated data (loaded from settings.data_dir unless given).

    Never enables debug mode (settings.debug is read by `python app.py` only). Raises
    DataValidationError for invalid data, security.AuthConfigError for an unusable auth setup.
    """
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    data = data if data is not None else load_dataset(settings.data_dir)
    cache.configure(settings.cache_url, data.version)
    app = DashboardApp(
        __name__,
        title="Trial evidence: sorafenib and anti-VEGF",
        update_title=None,
        index_string=INDEX_TEMPLATE.replace("{%skip_links%}", skip_links()),
        serve_locally=True,
    )
    app.layout = sort_wildcard_props(page(
        views.filter_options(data),
        views.sources_rows(data),
        data.version,
        len(data.warnings),
        export_flags=exports.export_flags(settings),
        max_upload_mb=settings.max_upload_mb,
        graph_heights={**view_registry.figure_heights(data),
                       ids.TRIAL_GRID: grid_height(len(view_registry.VIEWS["overview"].panel(data, ViewState())))},
    ))
    register_callbacks(app, data, settings)
    register_api(app.server, data, settings)
    warm.install(app.server, data, settings)  # started in each worker after fork (gunicorn.conf.py)
    _health_routes(app, data, settings)
    security.install(app, settings, HEALTH_PATHS)  # last: hashes the inline scripts
    return app


def _health_routes(app: Dash, data: CuratedData, settings: Settings) -> None:
    uploads = upload_store(settings)

    @app.server.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.server.get("/readyz")
    def readyz():
        """Curated data loaded (200 while they serve); the database of uploaded trials and the
        shared cache reachable or not ("degraded": uploads fail with a message, figures are
        computed instead of shared)."""
        database, detail = uploads.ping()
        shared = cache.status()
        status = "ready" if database and shared != "unavailable" else "degraded"
        return jsonify(
            status=status, data_version=data.version, counts=data.counts(), warnings=len(data.warnings),
            database={"status": "ok" if database else "unavailable", "detail": detail},
            cache=shared,
        )  # fmt: skip


def create_app_or_exit() -> Dash:
    """create_app() from the environment; a bad setting or invalid data exits with the report."""
    try:
        settings = Settings.from_env()
    except ValueError as err:
        _refuse(str(err), EXIT_BAD_SETTINGS)
    try:
        return create_app(settings)
    except security.AuthConfigError as err:
        _refuse(str(err), EXIT_BAD_SETTINGS)
    except DataValidationError as err:
        _refuse(f"the data failed validation.\n{err}", EXIT_BAD_DATA)


def _refuse(report: str, code: int) -> NoReturn:
    print(f"Not starting: {report}", file=sys.stderr, flush=True)
    raise SystemExit(code)


if __name__ == "__main__":
    app = create_app_or_exit()
    settings = Settings.from_env()
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
