"""Shift swap requests (the handshake) and time off, and the link from an override to the time
off it covers.

Revision ID: 0015_time_off
Revises: 0010_notice_delivery
Depends on: 0010_reports, 0006_shifts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.models import BigId

revision = "0015_time_off"
down_revision = "0010_notice_delivery"
branch_labels = None
# shift_overrides gains a column: the shifts branch must be there first.
depends_on = ("0010_reports", "0006_shifts")


def upgrade() -> None:
    op.create_table(
        "shift_swap_requests",
        sa.Column("id", BigId, nullable=False),
        sa.Column("rotation", sa.String(64), nullable=False),
        sa.Column("slot_id", BigId, nullable=False),
        sa.Column("requester", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(32)),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime()),
        sa.Column("override_id", BigId),
        sa.Column("dm_channel", sa.String(32)),
        sa.Column("dm_ts", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_shift_swap_requests"),
    )
    op.create_index("ix_shift_swap_requests_slot", "shift_swap_requests", ["slot_id", "status"])
    op.create_table(
        "shift_away",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_shift_away"),
    )
    op.create_index("ix_shift_away_ends", "shift_away", ["ends_at"])
    with op.batch_alter_table("shift_overrides") as batch:
        batch.add_column(sa.Column("away_id", BigId))


def downgrade() -> None:
    with op.batch_alter_table("shift_overrides") as batch:
        batch.drop_column("away_id")
    op.drop_index("ix_shift_away_ends", table_name="shift_away")
    op.drop_table("shift_away")
    op.drop_index("ix_shift_swap_requests_slot", table_name="shift_swap_requests")
    op.drop_table("shift_swap_requests")
