"""Maintenance windows keep their occurrence in progress or next, to be found by time.

Existing rows start from their first occurrence, which is never later than the real next one
(what the readers rely on); the maintenance planner moves them on at its next run.

Revision ID: 0008_maintenance_next
Revises: 0005_maintenance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0008_maintenance_next"
down_revision = "0005_maintenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("maintenance_windows") as batch:
        batch.add_column(sa.Column("next_start", UTCDateTime()))
        batch.add_column(sa.Column("next_end", UTCDateTime()))
    op.execute('UPDATE maintenance_windows SET next_start = start, next_end = "end"')
    with op.batch_alter_table("maintenance_windows") as batch:
        batch.alter_column("next_start", existing_type=UTCDateTime(), nullable=False)
        batch.alter_column("next_end", existing_type=UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("maintenance_windows") as batch:
        batch.drop_column("next_end")
        batch.drop_column("next_start")
