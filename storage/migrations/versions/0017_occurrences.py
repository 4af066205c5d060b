"""Maintenance occurrences kept as rows, planned ahead, so overlap reads cost what they find.

- ``maintenance_occurrences``: one row per occurrence of a window as planned, indexed by
  resource and start, and by start.
- ``maintenance_plan``: how far the rows go. None yet: reads expand the windows, as before,
  until the scheduler's planner has made the rows (on its first tick).
- ``ix_incidents_open_resource`` rebuilt (concurrently on PostgreSQL): 0011 made it over
  'open' and 'acknowledged' only, so since 0013 added 'mitigated' no query could use it and
  the open incidents on a few resources were found by reading every open incident. Now over
  the open incidents raised on a resource only.

Revision ID: 0017_occurrences
Revises: 0016_retention
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.migrations.online import create_index
from storage.models import BigId

revision = "0017_occurrences"
down_revision = "0016_retention"
branch_labels = None
depends_on = ("0011_alerts", "0013_escalation")

OPEN_ON_RESOURCE = "status IN ('open', 'acknowledged', 'mitigated') AND resource IS NOT NULL"
OLD_OPEN = "status IN ('open', 'acknowledged')"
RESOURCE_INDEX = (
    "ix_incidents_open_resource",
    "incidents",
    ["resource", "severity", "created_at", "id"],
)


def upgrade() -> None:
    op.create_table(
        "maintenance_occurrences",
        sa.Column(
            "window_id",
            BigId,
            sa.ForeignKey(
                "maintenance_windows.id",
                ondelete="CASCADE",
                name="fk_maintenance_occurrences_window_id_maintenance_windows",
            ),
            primary_key=True,
        ),
        sa.Column("start", UTCDateTime(), primary_key=True),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("resource_id", BigId, nullable=False),
        sa.PrimaryKeyConstraint("window_id", "start", name="pk_maintenance_occurrences"),
    )
    op.create_index(
        "ix_maintenance_occurrences_resource",
        "maintenance_occurrences",
        ["resource_id", "start", "end"],
    )
    op.create_index("ix_maintenance_occurrences_start", "maintenance_occurrences", ["start", "end"])
    op.create_table(
        "maintenance_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("kept_from", UTCDateTime(), nullable=False),
        sa.Column("longest_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_plan"),
    )
    create_index(*RESOURCE_INDEX, where=OPEN_ON_RESOURCE)


def downgrade() -> None:
    create_index(*RESOURCE_INDEX, where=OLD_OPEN)
    op.drop_table("maintenance_plan")
    op.drop_index("ix_maintenance_occurrences_start", table_name="maintenance_occurrences")
    op.drop_index("ix_maintenance_occurrences_resource", table_name="maintenance_occurrences")
    op.drop_table("maintenance_occurrences")
