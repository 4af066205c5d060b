"""Shift swap requests (the handshake) and time off. No Slack here.

A swap request asks one person to take a shift; it is answered once (accept, decline), replaced
by a newer request for the same shift, or expires when the shift ends. Time off ("away") is a
window in which the rotation skips someone; the overrides covering it point back at it
(``ShiftOverride.away_id``), so cancelling it can undo them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.models import BigId
from storage.transitions import StateMachine, compare_and_set

LIST_LIMIT = 200  # time off rows shown at once: far more than a team has planned


class SwapStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # the shift ended unanswered
    SUPERSEDED = "superseded"  # a newer request for the same shift replaced it


class SwapRequest(Base):
    """``requester`` asks ``user_id`` to take shift ``slot_id`` (what is left of it)."""

    __tablename__ = "shift_swap_requests"

    states: ClassVar[StateMachine[SwapStatus]] = StateMachine(
        "shift swap request",
        {
            SwapStatus.PENDING: {
                SwapStatus.ACCEPTED,
                SwapStatus.DECLINED,
                SwapStatus.EXPIRED,
                SwapStatus.SUPERSEDED,
            },
            SwapStatus.ACCEPTED: set(),
            SwapStatus.DECLINED: set(),
            SwapStatus.EXPIRED: set(),
            SwapStatus.SUPERSEDED: set(),
        },
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rotation: Mapped[str] = mapped_column(String(64))
    slot_id: Mapped[int] = mapped_column(BigId)
    requester: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str | None] = mapped_column(String(32))  # who had the shift when asked
    user_id: Mapped[str] = mapped_column(String(32))  # who is asked to take it
    status: Mapped[str] = mapped_column(String(16), default=SwapStatus.PENDING)
    starts_at: Mapped[datetime]  # the shift's start (it may be under way when asked)
    ends_at: Mapped[datetime]  # the shift's end: unanswered by then, the request expires
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    override_id: Mapped[int | None] = mapped_column(BigId)  # accepted: the override made
    dm_channel: Mapped[str | None] = mapped_column(String(32))  # the asking DM, to edit later
    dm_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_shift_swap_requests_slot", "slot_id", "status"),)

    @property
    def is_pending(self) -> bool:
        return self.status == SwapStatus.PENDING


class AwayStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Away(Base):
    """``user_id`` is away over [starts_at, ends_at): the rotations hand their shifts on."""

    __tablename__ = "shift_away"

    states: ClassVar[StateMachine[AwayStatus]] = StateMachine(
        "time off",
        {AwayStatus.ACTIVE: {AwayStatus.CANCELLED}, AwayStatus.CANCELLED: set()},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=AwayStatus.ACTIVE)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_shift_away_ends", "ends_at"),)


def add_request(session: Session, request: SwapRequest) -> SwapRequest:
    session.add(request)
    session.flush()
    return request


def get_request(session: Session, request_id: int) -> SwapRequest | None:
    return session.get(SwapRequest, request_id)


def pending_for_slot(session: Session, slot_id: int) -> Sequence[SwapRequest]:
    stmt = select(SwapRequest).where(
        SwapRequest.slot_id == slot_id, SwapRequest.status == SwapStatus.PENDING
    )
    return list(session.scalars(stmt.order_by(SwapRequest.id)))


def add_away(session: Session, away: Away) -> Away:
    session.add(away)
    session.flush()
    return away


def get_away(session: Session, away_id: int) -> Away | None:
    return session.get(Away, away_id)


def away_between(
    session: Session, start: datetime, end: datetime, users: Iterable[str] | None = None
) -> Sequence[Away]:
    """Active time off overlapping [start, end), of ``users`` (None: everyone)."""
    stmt = select(Away).where(
        Away.status == AwayStatus.ACTIVE, Away.ends_at > start, Away.starts_at < end
    )
    if users is not None:
        stmt = stmt.where(Away.user_id.in_(list(users)))
    return list(session.scalars(stmt.order_by(Away.starts_at, Away.id).limit(LIST_LIMIT)))


def close_request(session: Session, request_id: int, target: SwapStatus, now: datetime) -> bool:
    """Move a pending request to its answer; False when it was answered first (a double click,
    a race with expiry): exactly one answer wins."""
    return compare_and_set(
        session,
        SwapRequest,
        request_id,
        expected=[SwapStatus.PENDING],
        values={"status": target, "answered_at": now},
    )


def cancel_away(session: Session, away_id: int, now: datetime) -> bool:
    return compare_and_set(
        session,
        Away,
        away_id,
        expected=[AwayStatus.ACTIVE],
        values={"status": AwayStatus.CANCELLED, "cancelled_at": now},
    )
