"""Calendar feeds: each person's feed token (as a SHA-256 only), and an index that finds the
maintenance windows closed lately.

Revision ID: 0012_calendars
Revises: 0010_notice_delivery
Depends on: 0010_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0012_calendars"
down_revision = "0010_notice_delivery"
branch_labels = None
depends_on = ("0010_reports",)


def upgrade() -> None:
    op.create_table(
        "calendar_tokens",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_calendar_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_tokens_token_hash"),
    )
    op.create_index("ix_maintenance_closed_at", "maintenance_windows", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_maintenance_closed_at", table_name="maintenance_windows")
    op.drop_table("calendar_tokens")
