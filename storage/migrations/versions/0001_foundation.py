"""Foundation: audit trail, notice queue, processed events, user cache.

Revision ID: 0001_foundation
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import JSONType, UTCDateTime
from storage.models import BigId

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("on_behalf_of", sa.String(32)),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Integer()),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("data", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_entity", "audit_events", ["entity", "entity_id", "id"])
    op.create_table(
        "notices",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UTCDateTime()),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("dedupe_key", name="uq_notices_dedupe_key"),
    )
    op.create_index("ix_notices_status_due", "notices", ["status", "due_at"])
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_processed_events"),
    )
    op.create_index("ix_processed_events_received_at", "processed_events", ["received_at"])
    op.create_table(
        "slack_users",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("tz", sa.String(64)),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_users"),
    )


def downgrade() -> None:
    op.drop_table("slack_users")
    op.drop_table("processed_events")
    op.drop_table("notices")
    op.drop_table("audit_events")
