"""The database of uploaded trials: where it is, engines, and schema migrations (Alembic).

- ``database_url(database_url, state_dir)``: ``DATABASE_URL`` when set (``postgresql://...`` is
  served by psycopg 3), else an SQLite file ``trials.sqlite3`` under ``STATE_DIR`` (the embedded
  default, made on first start).
- ``make_engine(url)``: an engine with short connect timeouts, so a database that went away makes
  requests fail fast (and say so) instead of hanging; SQLite waits up to 15 s for a writer.
- ``upgrade(url)``: applies every migration up to the newest (start-up does this; so does
  ``python -m evidence db upgrade``). Several processes may start at once: PostgreSQL takes an
  advisory lock around the upgrade, SQLite a file lock.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "trials.sqlite3"
HEAD = "head"
_PG_LOCK = 727_117  # advisory lock key held while migrating


def database_url(database_url: str, state_dir: Path | str) -> str:
    """The SQLAlchemy URL to use: DATABASE_URL, else the SQLite file under the state directory.
    ``postgres://`` and ``postgresql://`` get the psycopg 3 driver."""
    url = (database_url or "").strip()
    if not url:
        return f"sqlite:///{Path(state_dir).resolve() / SQLITE_FILE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (see the module docstring for timeouts). SQLite's folder is made."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=4,
        max_overflow=4,
        pool_timeout=5,
        connect_args={"connect_timeout": 3, "options": "-c statement_timeout=15000"},
    )


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _migration_lock(url: str, engine: Engine):
    """One migrating process at a time (workers and replicas start together)."""
    if is_sqlite(url):
        database = make_url(url).database or ""
        if not database or database == ":memory:":
            yield
            return
        with open(database + ".migrate.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK})
                connection.commit()
    else:
        yield


def upgrade(url: str, revision: str = HEAD) -> None:
    """Apply migrations up to ``revision`` (default: the newest)."""
    from alembic import command

    engine = make_engine(url)
    try:
        with _migration_lock(url, engine):
            command.upgrade(alembic_config(url), revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at (None: no migrations applied)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def redacted(url: str) -> str:
    """The URL without its password, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)


__all__ = [
    "HEAD", "SQLITE_FILE", "alembic_config", "current_revision", "database_url", "downgrade", "head_revision",
    "is_sqlite", "make_engine", "redacted", "upgrade",
]
