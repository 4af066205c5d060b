"""A scheduler tick that does not grow with history, and history that does not grow forever.

- ``maintenance_windows.plan_from``: how far each window's notices are planned, so the planner
  reads only the windows with something new to plan (existing rows start from their stored
  occurrence: planning it again is harmless, the notices' keys are unique).
- ``planner_marks``: the configuration each planner last planned with.
- Indexes, built with CREATE INDEX CONCURRENTLY on PostgreSQL: the planner's two, and on
  PostgreSQL only, pending notices by key prefix (``varchar_pattern_ops``: ``LIKE 'prefix%'``
  cannot use the unique index under a non-C collation). Retention reads notices by
  ``ix_notices_status_due`` and processed events by ``received_at``, indexes they already have.

Revision ID: 0016_retention
Revises: 0010_notice_delivery
Depends on: 0010_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.migrations.online import create_index, drop_index_online

revision = "0016_retention"
down_revision = "0010_notice_delivery"
branch_labels = None
depends_on = ("0010_reports",)

SCHEDULED = "status = 'scheduled'"
INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_maintenance_plan_from", "maintenance_windows", ["plan_from"], SCHEDULED),
    (
        "ix_maintenance_recurring_end",
        "maintenance_windows",
        ["next_end"],
        "status = 'scheduled' AND every IS NOT NULL",
    ),
]
PREFIX_INDEX = "ix_notices_pending_key_prefix"


def upgrade() -> None:
    with op.batch_alter_table("maintenance_windows") as batch:
        batch.add_column(sa.Column("plan_from", UTCDateTime()))
    op.execute("UPDATE maintenance_windows SET plan_from = next_start WHERE status = 'scheduled'")
    op.create_table(
        "planner_marks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    for name, table, columns, where in INDEXES:
        create_index(name, table, columns, where=where)
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{PREFIX_INDEX}"')
            op.execute(
                f'CREATE INDEX CONCURRENTLY "{PREFIX_INDEX}" ON notices '
                "(dedupe_key varchar_pattern_ops) WHERE status = 'pending'"
            )


def downgrade() -> None:
    drop_index_online(PREFIX_INDEX)
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("planner_marks")
    with op.batch_alter_table("maintenance_windows") as batch:
        batch.drop_column("plan_from")
