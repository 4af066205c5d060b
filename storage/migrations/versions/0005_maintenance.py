"""Maintenance windows.

Revision ID: 0005_maintenance
Revises: 0004_resources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.models import BigId

revision = "0005_maintenance"
down_revision = "0004_resources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_windows",
        sa.Column("id", BigId, nullable=False),
        sa.Column("resource_id", BigId, nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("every", sa.String(8)),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("done_occurrence", UTCDateTime()),
        sa.Column("done_at", UTCDateTime()),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name="fk_maintenance_windows_resource_id_resources"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_windows"),
    )
    op.create_index(
        "ix_maintenance_resource_window", "maintenance_windows", ["resource_id", "start", "end"]
    )
    op.create_index("ix_maintenance_status_start", "maintenance_windows", ["status", "start"])


def downgrade() -> None:
    op.drop_table("maintenance_windows")
