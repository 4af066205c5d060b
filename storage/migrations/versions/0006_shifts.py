"""Shifts: overrides, shift ids and the on-call snapshot per rotation.

Revision ID: 0006_shifts
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.models import BigId

revision = "0006_shifts"
down_revision = "0001_foundation"
branch_labels = ("shifts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shift_slots",
        sa.Column("id", BigId, nullable=False),
        sa.Column("rotation", sa.String(64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shift_slots"),
        sa.UniqueConstraint("rotation", "idx", name="uq_shift_slots_rotation_idx"),
    )
    op.create_table(
        "shift_overrides",
        sa.Column("id", BigId, nullable=False),
        sa.Column("rotation", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("slot_id", BigId),
        sa.Column("replaces", sa.String(32)),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shift_overrides"),
    )
    op.create_index("ix_shift_overrides_rotation_ends", "shift_overrides", ["rotation", "ends_at"])
    op.create_table(
        "shift_snapshots",
        sa.Column("rotation", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("rotation", name="pk_shift_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("shift_snapshots")
    op.drop_index("ix_shift_overrides_rotation_ends", table_name="shift_overrides")
    op.drop_table("shift_overrides")
    op.drop_table("shift_slots")
