"""Each uploaded trial's title, for the upload card and the API, filled in from its rows.

Revision ID: 0002
Revises: 0001

Existing entries get the title of their ``trials`` row from the stored payload (empty when the
entry holds no ``trials`` row, e.g. patient-level data for a curated trial).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def title_of(payload_text: str, trial_id: str) -> str:
    """The title in a stored payload's ``trials`` rows for ``trial_id`` ("" when none)."""
    try:
        table = json.loads(payload_text).get("tables", {}).get("trials") or {}
        columns = table.get("columns") or []
        if "title" not in columns or "trial_id" not in columns:
            return ""
        for row in table.get("rows") or []:
            if row[columns.index("trial_id")] == trial_id:
                return str(row[columns.index("title")])[:2000]
    except (ValueError, AttributeError, TypeError, IndexError):
        return ""
    return ""


def upgrade() -> None:
    with op.batch_alter_table("uploaded_trials") as batch:
        batch.add_column(sa.Column("title", sa.Text, nullable=False, server_default=""))
    connection = op.get_bind()
    entries = sa.table("uploaded_trials", sa.column("id"), sa.column("trial_id"), sa.column("payload"), sa.column("title"))
    for entry_id, trial_id, payload in connection.execute(sa.select(entries.c.id, entries.c.trial_id, entries.c.payload)).all():
        title = title_of(payload, trial_id)
        if title:
            connection.execute(sa.update(entries).where(entries.c.id == entry_id).values(title=title))


def downgrade() -> None:
    with op.batch_alter_table("uploaded_trials") as batch:
        batch.drop_column("title")
