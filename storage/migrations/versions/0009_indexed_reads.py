"""Indexes that let list and time-window reads stop after the rows they show.

Built with CREATE INDEX CONCURRENTLY on PostgreSQL (writes go on meanwhile; see
storage/migrations/online.py), plainly on SQLite.

Revision ID: 0009_indexed_reads
Revises: 0008_maintenance_next
"""

from __future__ import annotations

from storage.migrations.online import create_index, drop_index

revision = "0009_indexed_reads"
down_revision = "0008_maintenance_next"
branch_labels = None
depends_on = None

SCHEDULED = "status = 'scheduled'"
INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_maintenance_next", "maintenance_windows", ["next_start", "id"], SCHEDULED),
    (
        "ix_maintenance_resource_next",
        "maintenance_windows",
        ["resource_id", "next_start", "id"],
        SCHEDULED,
    ),
]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        create_index(name, table, columns, where=where)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        drop_index(name, table)
