"""Tables every area shares: the audit trail, the notice queue, seen events and the user cache."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.transitions import StateMachine

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """Append-only: who did what to which thing, when; written in the change's transaction."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(32))
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id", "id"),)


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed: a process works on it, and no call to Slack is under way
    CALLING = "calling"  # a call that may post is under way: if its process dies, in doubt
    UNKNOWN = "unknown"  # a call may have reached Slack: look for it before calling again
    SENT = "sent"
    SKIPPED = "skipped"  # expired, or its handler found it no longer relevant
    FAILED = "failed"
    CANCELLED = "cancelled"


# Still on its way: what waits on a notice waits while it is in one of these.
LIVE_NOTICE = frozenset(
    {NoticeStatus.PENDING, NoticeStatus.SENDING, NoticeStatus.CALLING, NoticeStatus.UNKNOWN}
)


class Notice(Base):
    """Something to say in Slack at or after ``due_at``: an announcement, a reminder, a digest.

    The database is the truth and APScheduler only the clock: a sweep claims due rows with a
    conditional update, so a restart or a second scheduler never sends one twice. Payloads hold
    ids, never pickled objects; the handler renders from current data when it sends. Who moves
    which status, and why, is in ``bot/dispatcher.py``.
    """

    __tablename__ = "notices"
    states: ClassVar[StateMachine[NoticeStatus]] = StateMachine(
        "notice",
        {
            NoticeStatus.PENDING: {NoticeStatus.SENDING, NoticeStatus.CANCELLED},
            # Never cancelled: a call may have reached Slack, and that must be found out.
            NoticeStatus.UNKNOWN: {NoticeStatus.SENDING},
            # Back to pending: a failed send retried later, one waiting on another notice, or a
            # claim that lapsed before any call; back to unknown: a doubt not yet resolved.
            NoticeStatus.SENDING: {
                NoticeStatus.CALLING,
                NoticeStatus.SENT,
                NoticeStatus.SKIPPED,
                NoticeStatus.FAILED,
                NoticeStatus.PENDING,
                NoticeStatus.UNKNOWN,
            },
            # Back to sending: one call of several done; to pending: Slack refused it.
            NoticeStatus.CALLING: {
                NoticeStatus.SENDING,
                NoticeStatus.SENT,
                NoticeStatus.UNKNOWN,
                NoticeStatus.PENDING,
                NoticeStatus.FAILED,
            },
            NoticeStatus.SENT: set(),
            NoticeStatus.SKIPPED: set(),
            NoticeStatus.FAILED: set(),
            NoticeStatus.CANCELLED: set(),
        },
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    due_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # What its calls delivered, and which may have reached Slack (bot/dispatcher.py, Progress).
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # One more per claim: a process whose claim lapsed finds it changed and writes nothing.
    claims: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_notices_status_due", "status", "due_at"),)


class ProcessedEvent(Base):
    """Slack retries events it thinks were lost; the first process to insert the id handles it."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class SlackUser(Base):
    """A cache of users.info: the time zone each person reads times in, and a display name."""

    __tablename__ = "slack_users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime]


class PlannerMark(Base):
    """What a planner last planned with (its configuration's signature): when the configuration
    changes across a restart, the planner starts over instead of trusting how far it got."""

    __tablename__ = "planner_marks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    signature: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]
