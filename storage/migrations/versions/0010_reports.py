"""Reports: the weekly reports' planning state, and the time indexes their figures and exports
read by (bookings by end, waiting-list entries, purchase decisions and audit events by time).

Revision ID: 0010_reports
Revises: 0001_foundation
Depends on: 0002_incidents, 0003_purchases, 0004_resources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0010_reports"
down_revision = "0001_foundation"
branch_labels = ("reports",)
# 0009 stands for the incidents, purchases and resources tables (and their indexes) too.
depends_on = ("0009_indexed_reads",)

INDEXES = [
    ("ix_bookings_end", "bookings", ["end"]),
    ("ix_booking_waits_created_at", "booking_waits", ["created_at"]),
    ("ix_purchase_decisions_at", "purchase_decisions", ["at"]),
    ("ix_audit_events_at", "audit_events", ["at"]),
]


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("next_at", UTCDateTime()),
        sa.Column("planned_sig", sa.String(200)),
        sa.Column("last_sent_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("channel", name="pk_report_schedules"),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("report_schedules")
