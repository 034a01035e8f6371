"""The dashboard: `create_app(settings)` builds it; `server` is what gunicorn serves."""

from __future__ import annotations

import logging

from dash import Dash
from flask import jsonify

from components.callbacks import register_callbacks
from components.layout import page
from config import Settings
from evidence import views
from evidence.loading import CuratedData, load_dataset

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
  <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
  <body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def create_app(settings: Settings | None = None, data: CuratedData | None = None) -> Dash:
    """Build the app on validated data (loaded from settings.data_dir unless given)."""
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    data = data if data is not None else load_dataset(settings.data_dir)
    app = Dash(
        __name__,
        title="Trial evidence: sorafenib and anti-VEGF",
        update_title=None,
        index_string=INDEX_TEMPLATE,
        serve_locally=True,
    )
    app.layout = page(views.filter_options(data), views.sources_rows(data), data.version, len(data.warnings))
    register_callbacks(app, data, settings)
    _health_routes(app, data)
    return app


def _health_routes(app: Dash, data: CuratedData) -> None:
    @app.server.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.server.get("/readyz")
    def readyz():
        return jsonify(status="ready", data_version=data.version, counts=data.counts(), warnings=len(data.warnings))


app = create_app()
server = app.server

if __name__ == "__main__":
    settings = Settings.from_env()
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
