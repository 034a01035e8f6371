"""The database schema of uploaded trials (SQLAlchemy Core tables), at the newest revision.

Alembic migrations (``evidence/db/migrations/versions``) create and change these tables; this
module is what the code reads and writes, and a test checks it matches the migrated database.

- ``uploaded_trials``: one entry per (owner, trial): the uploaded rows of that trial after
  validation (the JSON payload of ``evidence.upload.payload``, with the sources they cite), when
  it was added and last used (idle expiry of private entries), its size (quota), whether it is
  shared with the team, its title, and a revision (bumped when a later upload adds rows to it).
- ``uploads``: one accepted upload (owner, when, which trials it added rows to), and
  ``upload_files`` its original files byte for byte; kept while any of those trials is.
- ``audit_log``: who added, shared, removed or let expire what, and when.

Times are seconds since the epoch (UTC) as floats, so the store's injected clock works alike on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text, UniqueConstraint,
)

metadata = MetaData()

ID_LENGTH = 43  # secrets.token_urlsafe(32)
OWNER_LENGTH = 300

uploads = Table(
    "uploads",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("owner", String(OWNER_LENGTH), nullable=False, index=True),
    Column("created", Float, nullable=False),
    Column("trial_ids", Text, nullable=False),  # JSON list: the trials this upload added rows to
)

upload_files = Table(
    "upload_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("upload_id", String(ID_LENGTH), ForeignKey("uploads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(400), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

uploaded_trials = Table(
    "uploaded_trials",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("trial_id", String(200), nullable=False),
    Column("owner", String(OWNER_LENGTH), nullable=False, index=True),
    Column("upload_id", String(ID_LENGTH), nullable=False),  # the upload that added it first
    Column("added", Float, nullable=False),
    Column("last_used", Float, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("shared", Boolean, nullable=False, server_default="0"),
    Column("shared_at", Float, nullable=True),
    Column("payload", Text, nullable=False),
    Column("title", Text, nullable=False, server_default=""),  # revision 0002
    UniqueConstraint("owner", "trial_id", name="uq_uploaded_trials_owner_trial"),
    Index("ix_uploaded_trials_shared", "shared"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("actor", String(OWNER_LENGTH), nullable=False),
    Column("action", String(20), nullable=False),
    Column("trial_id", String(200), nullable=True),
    Column("entry_id", String(ID_LENGTH), nullable=True),
    Column("upload_id", String(ID_LENGTH), nullable=True),
    Column("detail", Text, nullable=False, server_default=""),
)
