"""Alerts in: alert groups (one row per source and group key, the lock that keeps a group to one
incident), and an index on the resource of open incidents (`/resource status` and `list` show
the incidents open on a resource).

Revision ID: 0011_alerts
Revises: 0010_notice_delivery
Depends on: 0010_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import JSONType, UTCDateTime
from storage.models import BigId

revision = "0011_alerts"
down_revision = "0010_notice_delivery"
branch_labels = None
depends_on = ("0010_reports",)

OPEN_SQL = "status IN ('open', 'acknowledged')"


def upgrade() -> None:
    op.create_table(
        "alert_groups",
        sa.Column("id", BigId, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("incident_id", BigId, nullable=True),
        sa.Column("firing", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_groups"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_alert_groups_incident_id_incidents"
        ),
        sa.UniqueConstraint("source", "key_hash", name="uq_alert_groups_source_key"),
    )
    op.create_index("ix_alert_groups_incident", "alert_groups", ["incident_id"])
    op.create_index(
        "ix_incidents_open_resource",
        "incidents",
        ["resource", "severity", "created_at", "id"],
        postgresql_where=sa.text(OPEN_SQL),
        sqlite_where=sa.text(OPEN_SQL),
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_open_resource", table_name="incidents")
    op.drop_index("ix_alert_groups_incident", table_name="alert_groups")
    op.drop_table("alert_groups")
