"""Live incident channels (the channel's status message, when it was archived) and follow-ups.

Revision ID: 0014_incident_channel
Revises: 0010_notice_delivery
Depends on: 0010_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.models import BigId

revision = "0014_incident_channel"
down_revision = "0010_notice_delivery"
branch_labels = None
depends_on = ("0010_reports",)

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("channel_ts", sa.String(32)))
        batch.add_column(sa.Column("channel_archived_at", UTCDateTime()))
    op.create_table(
        "incident_followups",
        sa.Column("id", BigId, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime()),
        sa.Column("done_by", sa.String(32)),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_followups_incident_id_incidents",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident_followups"),
    )
    op.create_index("ix_incident_followups_incident", "incident_followups", ["incident_id", "id"])
    for name, columns in (
        ("ix_incident_followups_open", ["id"]),
        ("ix_incident_followups_open_owner", ["owner", "id"]),
    ):
        op.create_index(
            name, "incident_followups", columns, postgresql_where=OPEN, sqlite_where=OPEN
        )


def downgrade() -> None:
    op.drop_table("incident_followups")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("channel_archived_at")
        batch.drop_column("channel_ts")
