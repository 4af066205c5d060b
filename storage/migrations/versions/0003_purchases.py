"""Purchase requests, approvers per step, decisions, approver messages, delegations.

Revision ID: 0003_purchases
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import JSONType, UTCDateTime
from storage.models import BigId

revision = "0003_purchases"
down_revision = "0001_foundation"
branch_labels = ("purchases",)
depends_on = None

_FK = "fk_{table}_request_id_purchase_requests"


def _request_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["request_id"], ["purchase_requests.id"], name=_FK.format(table=table)
    )


def upgrade() -> None:
    op.create_table(
        "purchase_requests",
        sa.Column("id", BigId, nullable=False),
        sa.Column("requester", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("policy_minor", sa.BigInteger(), nullable=False),
        sa.Column("policy_currency", sa.String(3), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("vendor", sa.String(200)),
        sa.Column("cost_centre", sa.String(100)),
        sa.Column("justification", sa.Text()),
        sa.Column("steps", JSONType, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_in", sa.String(32)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("step_started_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("decided_by", sa.String(32)),
        sa.Column("on_behalf_of", sa.String(32)),
        sa.Column("reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_purchase_requests"),
    )
    op.create_index(
        "ix_purchase_requests_status_created", "purchase_requests", ["status", "created_at"]
    )
    op.create_index(
        "ix_purchase_requests_requester", "purchase_requests", ["requester", "created_at"]
    )
    op.create_index("ix_purchase_requests_decided_at", "purchase_requests", ["decided_at"])
    op.create_table(
        "purchase_approvers",
        sa.Column("request_id", BigId, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        _request_fk("purchase_approvers"),
        sa.PrimaryKeyConstraint("request_id", "step", "user_id", name="pk_purchase_approvers"),
    )
    op.create_index(
        "ix_purchase_approvers_user", "purchase_approvers", ["user_id", "request_id", "step"]
    )
    op.create_table(
        "purchase_decisions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("request_id", BigId, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("on_behalf_of", sa.String(32)),
        sa.Column("comment", sa.Text()),
        sa.Column("at", UTCDateTime(), nullable=False),
        _request_fk("purchase_decisions"),
        sa.PrimaryKeyConstraint("id", name="pk_purchase_decisions"),
        sa.UniqueConstraint("request_id", "step", name="uq_purchase_decisions_request_id_step"),
    )
    op.create_table(
        "purchase_messages",
        sa.Column("id", BigId, nullable=False),
        sa.Column("request_id", BigId, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        _request_fk("purchase_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_purchase_messages"),
        sa.UniqueConstraint(
            "request_id", "step", "user_id", name="uq_purchase_messages_request_id_step_user_id"
        ),
    )
    op.create_table(
        "purchase_delegations",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("delegate", sa.String(32), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_purchase_delegations"),
    )
    op.create_index(
        "ix_purchase_delegations_delegate", "purchase_delegations", ["delegate", "until"]
    )


def downgrade() -> None:
    op.drop_table("purchase_delegations")
    op.drop_table("purchase_messages")
    op.drop_table("purchase_decisions")
    op.drop_table("purchase_approvers")
    op.drop_table("purchase_requests")
