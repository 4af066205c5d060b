"""Digest subscriptions and their planning state, one row per channel.

Revision ID: 0007_digests
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0007_digests"
down_revision = "0001_foundation"
branch_labels = ("digests",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_channels",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("cadence", sa.String(8)),
        sa.Column("at", sa.String(5)),
        sa.Column("days", sa.String(16)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("quiet", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(32)),
        sa.Column("updated_at", UTCDateTime()),
        sa.Column("last_sent_at", UTCDateTime()),
        sa.Column("next_at", UTCDateTime()),
        sa.Column("planned_sig", sa.String(120)),
        sa.PrimaryKeyConstraint("channel", name="pk_digest_channels"),
    )
    op.create_index("ix_digest_channels_next_at", "digest_channels", ["next_at"])


def downgrade() -> None:
    op.drop_table("digest_channels")
