"""Settings read from the environment. Each is declared once, with its default and help text.

The README's configuration table is checked against this list by a test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, found {text!r}")


def _setting(env: str, default, help_text: str, parse=str):
    return field(default=default, metadata={"env": env, "help": help_text, "parse": parse})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting("DATA_DIR", ROOT / "data", "Directory of curated CSV tables.", Path)
    host: str = _setting("HOST", "127.0.0.1", "Address `python app.py` binds to (gunicorn: see BIND).")
    port: int = _setting("PORT", 8050, "Port to serve on.", int)
    debug: bool = _setting(
        "DASH_DEBUG",
        False,
        "Dash debug mode for local development with `python app.py` only; never under gunicorn.",
        _bool,
    )
    log_level: str = _setting("LOG_LEVEL", "info", "Log level: debug, info, warning, error.")
    export_enabled: bool = _setting(
        "EXPORT_ENABLED", True, "Offer server-side figure exports (PNG, SVG, PDF, PowerPoint; needs Chromium).", _bool
    )
    max_upload_mb: float = _setting("MAX_UPLOAD_MB", 5.0, "Largest accepted upload or request body, in MiB.", float)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Settings from environment variables (unset ones keep their defaults), then overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            env = f.metadata["env"]
            if env in environ:
                try:
                    values[f.name] = f.metadata["parse"](environ[env])
                except ValueError as err:
                    raise ValueError(f"setting {env}: {err}") from None
        values.update(overrides)
        return cls(**values)


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for docs and tests."""
    rows = []
    for f in fields(Settings):
        default = f.default
        if isinstance(default, Path):
            default = default.relative_to(ROOT) if default.is_relative_to(ROOT) else default
        rows.append((f.metadata["env"], str(default), f.metadata["help"]))
    return rows
