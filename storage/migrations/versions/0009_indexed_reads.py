"""Indexes that let list and time-window reads stop after the rows they show.

Built with CREATE INDEX CONCURRENTLY on PostgreSQL (writes go on meanwhile; see
storage/migrations/online.py), plainly on SQLite.

Revision ID: 0009_indexed_reads
Revises: 0008_maintenance_next
Depends on: 0002_incidents, 0003_purchases
"""

from __future__ import annotations

from storage.migrations.online import create_index, drop_index, drop_index_online

revision = "0009_indexed_reads"
down_revision = "0008_maintenance_next"
branch_labels = None
depends_on = ("0002_incidents", "0003_purchases")

SCHEDULED = "status = 'scheduled'"
OPEN = "status IN ('open', 'acknowledged')"
CLOSED = "status NOT IN ('open', 'acknowledged')"
INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_maintenance_next", "maintenance_windows", ["next_start", "id"], SCHEDULED),
    (
        "ix_maintenance_resource_next",
        "maintenance_windows",
        ["resource_id", "next_start", "id"],
        SCHEDULED,
    ),
    ("ix_incidents_open_severity", "incidents", ["severity", "created_at", "id"], OPEN),
    (
        "ix_incidents_open_commander",
        "incidents",
        ["commander", "severity", "created_at", "id"],
        OPEN,
    ),
    ("ix_incidents_open_reporter", "incidents", ["reporter", "severity", "created_at", "id"], OPEN),
    ("ix_incidents_closed_severity", "incidents", ["severity", "created_at", "id"], CLOSED),
    (
        "ix_incidents_created_times",
        "incidents",
        ["created_at", "severity", "acknowledged_at", "resolved_at"],
        None,
    ),
    ("ix_purchase_requests_created", "purchase_requests", ["created_at", "id"], None),
    (
        "ix_bookings_live_window",
        "bookings",
        ["resource_id", "start", "end"],
        "status = 'active'",
    ),
]


# Replaced by ix_incidents_created_times, which starts with the same column.
REPLACED = [("ix_incidents_created_at", "incidents", ["created_at"])]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        create_index(name, table, columns, where=where)
    for name, _, _ in REPLACED:
        drop_index_online(name)


def downgrade() -> None:
    for name, table, columns in REPLACED:
        create_index(name, table, columns)
    for name, table, _, _ in reversed(INDEXES):
        drop_index(name, table)
