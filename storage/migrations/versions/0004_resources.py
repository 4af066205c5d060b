"""Resources, bookings and waiting lists.

Revision ID: 0004_resources
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.models import BigId

revision = "0004_resources"
down_revision = "0001_foundation"
branch_labels = ("resources",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_resources"),
        sa.UniqueConstraint("name", name="uq_resources_name"),
    )
    op.create_index("ix_resources_kind", "resources", ["kind", "active"])
    op.create_table(
        "bookings",
        sa.Column("id", BigId, nullable=False),
        sa.Column("resource_id", BigId, nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("from_wait", sa.Integer()),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name="fk_bookings_resource_id_resources"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
    )
    op.create_index("ix_bookings_resource_window", "bookings", ["resource_id", "start", "end"])
    op.create_index("ix_bookings_owner", "bookings", ["owner", "status", "end"])
    op.create_index("ix_bookings_status_start", "bookings", ["status", "start"])
    op.create_table(
        "booking_waits",
        sa.Column("id", BigId, nullable=False),
        sa.Column("resource_id", BigId, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("booking_id", sa.Integer()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name="fk_booking_waits_resource_id_resources"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_booking_waits"),
    )
    op.create_index("ix_booking_waits_resource", "booking_waits", ["resource_id", "status", "id"])


def downgrade() -> None:
    op.drop_table("booking_waits")
    op.drop_table("bookings")
    op.drop_table("resources")
