"""Incidents and their timelines.

Revision ID: 0002_incidents
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.models import BigId

revision = "0002_incidents"
down_revision = "0001_foundation"
branch_labels = ("incidents",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", BigId, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("severity", sa.String(4), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reporter", sa.String(32), nullable=False),
        sa.Column("commander", sa.String(32)),
        sa.Column("resource", sa.String(64)),
        sa.Column("raised_in", sa.String(32)),
        sa.Column("source_channel", sa.String(32)),
        sa.Column("source_ts", sa.String(32)),
        sa.Column("announce_channel", sa.String(32)),
        sa.Column("announce_ts", sa.String(32)),
        sa.Column("incident_channel", sa.String(32)),
        sa.Column("summary", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime()),
        sa.Column("acknowledged_by", sa.String(32)),
        sa.Column("resolved_at", UTCDateTime()),
        sa.Column("last_update_at", UTCDateTime(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index(
        "ix_incidents_status_severity", "incidents", ["status", "severity", "created_at"]
    )
    op.create_index("ix_incidents_created_at", "incidents", ["created_at"])
    op.create_index("ix_incidents_resolved_at", "incidents", ["resolved_at"])
    op.create_table(
        "incident_events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text()),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_events_incident_id_incidents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident_events"),
    )
    op.create_index("ix_incident_events_incident", "incident_events", ["incident_id", "id"])


def downgrade() -> None:
    op.drop_table("incident_events")
    op.drop_table("incidents")
