"""Settings read from the environment. Each is declared once, with its default and help text.

The README's configuration table is checked against this list by a test.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
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


def _choice(*allowed: str):
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, found {text!r}")
        return value

    return parse


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, found {text!r}")
    return value


def _whole_number(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"expected a whole number of at least 0, found {text!r}")
    return value


def _networks(text: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks, each checked, normalised (10.0.0.7/8 -> 10.0.0.0/8)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    return tuple(str(ipaddress.ip_network(item, strict=False)) for item in items)


def _public_url(text: str) -> str:
    """An absolute http(s) URL without query or fragment, stored without a trailing slash."""
    from urllib.parse import urlsplit

    value = text.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"expected an absolute http(s) URL such as https://dashboard.example.org, found {text!r}")
    return value


def _secret_text(text: str) -> str:
    return text.strip()


def _cache_url(text: str) -> str:
    value = text.strip()
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"expected redis://host:port/db (or rediss://, unix://), found {value.split('@')[-1]!r}")
    return value


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(f"expected a number above 0, found {text!r}")
    return value


def _optional_path(text: str) -> Path | None:
    return Path(text) if text.strip() else None


def _setting(env: str, default, help_text: str, parse=str):
    secret = parse in (_secret_text, _cache_url)  # never in a repr (logs, tracebacks)
    return field(default=default, repr=not secret, metadata={"env": env, "help": help_text, "parse": parse})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting("DATA_DIR", ROOT / "data", "Directory of curated CSV tables.", Path)
    host: str = _setting("HOST", "127.0.0.1", "Address `python app.py` binds to (gunicorn: see BIND).")
    bind: str = _setting("BIND", "0.0.0.0", "Address gunicorn listens on, with PORT (all interfaces: the container default).")
    port: int = _setting("PORT", 8050, "Port to serve on.", int)
    web_concurrency: int = _setting("WEB_CONCURRENCY", 2, "gunicorn worker processes.", _positive_int)
    threads: int = _setting("THREADS", 4, "Threads per gunicorn worker.", _positive_int)
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
    public_url: str = _setting(
        "PUBLIC_URL",
        "",
        "Address people open the dashboard at (e.g. https://dashboard.example.org), used for the view link in "
        "exports; unset: the link is the path alone (the request's Host header is never used).",
        _public_url,
    )
    warm_cache_states: int = _setting(
        "WARM_CACHE_STATES",
        16,
        "View states each gunicorn worker computes in the background after it starts (the default view, then "
        "its other endpoints and grade bands, then each value of each filter alone), so first visitors get cached figures; 0: off. At most the cache's size.",
        _whole_number,
    )
    warm_cache_seconds: float = _setting(
        "WARM_CACHE_SECONDS", 60.0, "The cache warm-up stops after this many seconds, however many states are done.",
        _positive_float,
    )
    max_upload_mb: float = _setting("MAX_UPLOAD_MB", 5.0, "Largest accepted upload or request body, in MiB.", float)
    state_dir: Path = _setting(
        "STATE_DIR",
        Path(tempfile.gettempdir()) / "trial-evidence-state",
        "Directory for server-side state: the SQLite database of uploaded trials (unless DATABASE_URL) "
        "and the generated cookie key; shared by all workers.",
        Path,
    )
    upload_idle_hours: float = _setting(
        "UPLOAD_IDLE_HOURS", 24.0, "Uploaded data unused for this many hours is removed.", _positive_float
    )
    upload_quota_mb: float = _setting(
        "UPLOAD_QUOTA_MB",
        20.0,
        "Uploaded data kept per user (per browser session when AUTH_MODE=none), in MiB; older uploads go first.",
        _positive_float,
    )
    upload_store_mb: float = _setting(
        "UPLOAD_STORE_MB", 500.0, "All uploaded data kept on this server, in MiB; new uploads are refused beyond.",
        _positive_float,
    )
    celery_broker_url: str = _setting(
        "CELERY_BROKER_URL",
        "",
        "Redis URL (e.g. redis://redis:6379/0) for deck and all-figure exports as Celery jobs, run by "
        "`celery -A export_worker worker`; unset: they run in a process beside the web worker (Diskcache "
        "under STATE_DIR).",
    )
    export_jobs_per_user: int = _setting(
        "EXPORT_JOBS_PER_USER", 2, "Deck and all-figure exports one user (or browser session) may run at once.",
        _positive_int,
    )
    database_url: str = _setting(
        "DATABASE_URL",
        "",
        "Database of uploaded trials: unset, an SQLite file (trials.sqlite3) under STATE_DIR; "
        "`postgresql://user:password@host/db` for PostgreSQL (replicas share it). Migrations run at start-up.",
        _secret_text,
    )
    cache_url: str = _setting(
        "CACHE_URL",
        "",
        "Shared cache of computed figures: unset, each process keeps its own; `redis://host:6379/0` for Redis "
        "(replicas share it; if Redis goes away, figures are computed instead).",
        _cache_url,
    )
    limits_url: str = _setting(
        "LIMITS_URL",
        "",
        "Redis that keeps sign-in and API rate-limit counts, shared by every replica: unset, CACHE_URL's "
        "(or per process without it). Point it at a Redis that never evicts keys (`noeviction`); a cache "
        "Redis evicting under memory pressure would drop counts.",
        _cache_url,
    )
    secret_key: str = _setting(
        "SECRET_KEY",
        "",
        "Key that signs the anonymous owner cookie (AUTH_MODE=none); unset: a random key kept in "
        "STATE_DIR/secret_key. Replicas must share it (set it, or share STATE_DIR).",
        _secret_text,
    )
    admin_users: tuple[str, ...] = _setting(
        "ADMIN_USERS", (), "Comma-separated user names who may remove any shared uploaded trial.", _names
    )
    auth_mode: str = _setting(
        "AUTH_MODE",
        "none",
        "Who may see the dashboard: `none` (open, for local use), `basic` (users in AUTH_USERS_FILE), "
        "`proxy` (user header from an authenticating reverse proxy in AUTH_TRUSTED_PROXIES).",
        _choice("none", "basic", "proxy"),
    )
    auth_users_file: Path | None = _setting(
        "AUTH_USERS_FILE", None, "`basic` mode: file of `user:password-hash` lines (make them with `python auth.py hash`).",
        _optional_path,
    )
    auth_proxy_header: str = _setting(
        "AUTH_PROXY_HEADER", "X-Forwarded-User", "`proxy` mode: request header naming the user the proxy authenticated."
    )
    auth_trusted_proxies: tuple[str, ...] = _setting(
        "AUTH_TRUSTED_PROXIES",
        (),
        "Comma-separated IP addresses or CIDR networks of reverse proxies in front of the image: the image's "
        "nginx takes the client address from their X-Forwarded-For (sign-in rate limits, logs); in `proxy` mode "
        "the user header is honoured only from these peers.",
        _networks,
    )

    @property
    def rate_limit_url(self) -> str:
        """The Redis that counts sign-in and API requests: LIMITS_URL, else CACHE_URL, else none."""
        return self.limits_url or self.cache_url

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
        elif isinstance(default, tuple):
            default = ",".join(default)
        elif default is None:
            default = ""
        rows.append((f.metadata["env"], str(default), f.metadata["help"]))
    return rows
