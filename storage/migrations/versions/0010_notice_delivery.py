"""The notice queue tells "claimed, never called" from "called, outcome unknown".

New statuses need no schema change (status is a string); new columns: ``progress`` (what a
notice's calls delivered, and which may have reached Slack), ``claims`` (a token per claim, so a
process whose claim lapsed cannot overwrite its successor's work) and ``failed_at``.

Revision ID: 0010_notice_delivery
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import JSONType, UTCDateTime

revision = "0010_notice_delivery"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("progress", JSONType, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("failed_at", UTCDateTime()))
    # A row an older version left claimed may or may not have reached Slack, and carries no
    # metadata to look for: fail it visibly (health, the admins' daily list) rather than guess.
    op.execute(
        "UPDATE notices SET status = 'failed', failed_at = CURRENT_TIMESTAMP, "
        "last_error = 'interrupted mid-send by an older version; not sent again' "
        "WHERE status = 'sending'"
    )


def downgrade() -> None:
    op.execute("UPDATE notices SET status = 'sending' WHERE status IN ('calling', 'unknown')")
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("failed_at")
        batch.drop_column("claims")
        batch.drop_column("progress")
