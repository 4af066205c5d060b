"""Incident follow-ups: action items recorded against an incident, numbered across all of them
(``FUP-3``), open until their owner (or the incident's commander, or an admin) marks them done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, partial_index
from storage.models import BigId
from storage.transitions import StateMachine


class FollowupStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


OPEN_SQL = "status = 'open'"  # the partial indexes' predicate


class IncidentFollowup(Base):
    __tablename__ = "incident_followups"
    states: ClassVar[StateMachine[FollowupStatus]] = StateMachine(
        "incident follow-up", {FollowupStatus.OPEN: {FollowupStatus.DONE}, FollowupStatus.DONE: ()}
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default=FollowupStatus.OPEN.value)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_incident_followups_incident", "incident_id", "id"),
        partial_index("ix_incident_followups_open", "id", where=OPEN_SQL),
        partial_index("ix_incident_followups_open_owner", "owner", "id", where=OPEN_SQL),
    )

    @property
    def is_open(self) -> bool:
        return self.status == FollowupStatus.OPEN


def of_incident(session: Session, incident_id: int, *, limit: int) -> Sequence[IncidentFollowup]:
    """The incident's follow-ups, oldest first, open and done."""
    stmt = (
        select(IncidentFollowup)
        .where(IncidentFollowup.incident_id == incident_id)
        .order_by(IncidentFollowup.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def open_items(
    session: Session, *, owner: str | None = None, limit: int
) -> Sequence[IncidentFollowup]:
    """Open follow-ups, oldest first (``owner``: only theirs), along the partial indexes."""
    stmt = select(IncidentFollowup).where(IncidentFollowup.status == FollowupStatus.OPEN.value)
    if owner is not None:
        stmt = stmt.where(IncidentFollowup.owner == owner)
    return session.scalars(stmt.order_by(IncidentFollowup.id).limit(limit)).all()


def count_open(session: Session, *, owner: str | None = None) -> int:
    stmt = (
        select(func.count())
        .select_from(IncidentFollowup)
        .where(IncidentFollowup.status == FollowupStatus.OPEN.value)
    )
    if owner is not None:
        stmt = stmt.where(IncidentFollowup.owner == owner)
    return session.scalar(stmt) or 0
