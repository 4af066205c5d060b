"""Incident response: a ``mitigated`` state with its time, the comms and scribe roles.

``mitigated`` is an open state, so the partial indexes over open (and closed) incidents are
rebuilt with the new predicate (concurrently on PostgreSQL), and the covering index the stats
read gains ``mitigated_at`` so time to mitigate is read from it too.

Revision ID: 0013_escalation
Revises: 0010_notice_delivery
Depends on: 0010_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime
from storage.migrations.online import create_index

revision = "0013_escalation"
down_revision = "0010_notice_delivery"
branch_labels = None
depends_on = ("0010_reports",)

OPEN = "status IN ('open', 'acknowledged', 'mitigated')"
CLOSED = "status NOT IN ('open', 'acknowledged', 'mitigated')"
OLD_OPEN = "status IN ('open', 'acknowledged')"
OLD_CLOSED = "status NOT IN ('open', 'acknowledged')"
# name, columns, open (True) or closed (False)
PARTIAL = [
    ("ix_incidents_open_severity", ["severity", "created_at", "id"], True),
    ("ix_incidents_open_commander", ["commander", "severity", "created_at", "id"], True),
    ("ix_incidents_open_reporter", ["reporter", "severity", "created_at", "id"], True),
    ("ix_incidents_closed_severity", ["severity", "created_at", "id"], False),
]
TIMES = ["created_at", "severity", "acknowledged_at", "resolved_at"]


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("comms", sa.String(32)))
        batch.add_column(sa.Column("scribe", sa.String(32)))
        batch.add_column(sa.Column("mitigated_at", UTCDateTime()))
    for name, columns, is_open in PARTIAL:
        create_index(name, "incidents", columns, where=OPEN if is_open else CLOSED)
    create_index("ix_incidents_created_times", "incidents", [*TIMES, "mitigated_at"])


def downgrade() -> None:
    op.execute("UPDATE incidents SET status = 'acknowledged' WHERE status = 'mitigated'")
    create_index("ix_incidents_created_times", "incidents", TIMES)
    for name, columns, is_open in PARTIAL:
        create_index(name, "incidents", columns, where=OLD_OPEN if is_open else OLD_CLOSED)
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("mitigated_at")
        batch.drop_column("scribe")
        batch.drop_column("comms")
