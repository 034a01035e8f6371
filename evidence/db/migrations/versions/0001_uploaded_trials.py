"""Uploaded trials, their uploads and original files, and the audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(43), primary_key=True),
        sa.Column("owner", sa.String(300), nullable=False, index=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("trial_ids", sa.Text, nullable=False),
    )
    op.create_table(
        "upload_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("upload_id", sa.String(43), sa.ForeignKey("uploads.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "uploaded_trials",
        sa.Column("id", sa.String(43), primary_key=True),
        sa.Column("trial_id", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(300), nullable=False, index=True),
        sa.Column("upload_id", sa.String(43), nullable=False),
        sa.Column("added", sa.Float, nullable=False),
        sa.Column("last_used", sa.Float, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("shared_at", sa.Float, nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("owner", "trial_id", name="uq_uploaded_trials_owner_trial"),
    )
    op.create_index("ix_uploaded_trials_shared", "uploaded_trials", ["shared"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("trial_id", sa.String(200), nullable=True),
        sa.Column("entry_id", sa.String(43), nullable=True),
        sa.Column("upload_id", sa.String(43), nullable=True),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_index("ix_uploaded_trials_shared", table_name="uploaded_trials")
    op.drop_table("uploaded_trials")
    op.drop_table("upload_files")
    op.drop_table("uploads")
