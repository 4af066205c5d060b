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
    SENDING = "sending"  # claimed: a process is sending it now
    SENT = "sent"
    SKIPPED = "skipped"  # expired, or its handler found it no longer relevant
    FAILED = "failed"
    CANCELLED = "cancelled"


class Notice(Base):
    """Something to say in Slack at or after ``due_at``: an announcement, a reminder, a digest.

    The database is the truth and APScheduler only the clock: a sweep claims due rows with a
    conditional update, so a restart or a second scheduler never sends one twice. Payloads hold
    ids, never pickled objects; the handler renders from current data when it sends.
    """

    __tablename__ = "notices"
    states: ClassVar[StateMachine[NoticeStatus]] = StateMachine(
        "notice",
        {
            NoticeStatus.PENDING: {NoticeStatus.SENDING, NoticeStatus.CANCELLED},
            # Back to pending: a failed send retried later, or one waiting on another notice.
            NoticeStatus.SENDING: {
                NoticeStatus.SENT,
                NoticeStatus.SKIPPED,
                NoticeStatus.FAILED,
                NoticeStatus.PENDING,
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
