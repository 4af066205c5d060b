"""Incidents and their timelines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, case, func, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, UTCDateTime
from storage.models import BigId
from storage.transitions import StateMachine

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


OPEN_STATES = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED)


class Incident(Base):
    __tablename__ = "incidents"
    states: ClassVar[StateMachine[IncidentStatus]] = StateMachine(
        "incident",
        {
            IncidentStatus.OPEN: {IncidentStatus.ACKNOWLEDGED, IncidentStatus.RESOLVED},
            IncidentStatus.ACKNOWLEDGED: {IncidentStatus.RESOLVED},
            IncidentStatus.RESOLVED: {IncidentStatus.OPEN},  # reopen
        },
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.OPEN.value)
    reporter: Mapped[str] = mapped_column(String(32))
    commander: Mapped[str | None] = mapped_column(String(32))
    resource: Mapped[str | None] = mapped_column(String(64))
    raised_in: Mapped[str | None] = mapped_column(String(32))
    source_channel: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    announce_channel: Mapped[str | None] = mapped_column(String(32))
    announce_ts: Mapped[str | None] = mapped_column(String(32))
    incident_channel: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None]
    last_update_at: Mapped[datetime]
    reopened: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        Index("ix_incidents_status_severity", "status", "severity", "created_at"),
        Index("ix_incidents_created_at", "created_at"),
        Index("ix_incidents_resolved_at", "resolved_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES


class IncidentEvent(Base):
    """The timeline: one row per change or update, never edited."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "id"),)


def first_acknowledged_at(now: datetime) -> ColumnElement[datetime]:
    """``acknowledged_at`` for an acknowledgement at ``now``: the first one is kept, so MTTA
    counts to it even after a reopen (conditional, so it holds whoever's update runs first)."""
    return func.coalesce(Incident.acknowledged_at, literal(now, UTCDateTime()))


_SEVERITY_ORDER = case({s: i for i, s in enumerate(SEVERITIES)}, value=Incident.severity)


def open_incidents(
    session: Session, *, limit: int, include_resolved: bool = False
) -> Sequence[Incident]:
    stmt = select(Incident)
    if not include_resolved:
        stmt = stmt.where(Incident.status.in_(OPEN_STATES))
    stmt = stmt.order_by(
        (Incident.status == IncidentStatus.RESOLVED), _SEVERITY_ORDER, Incident.created_at
    ).limit(limit)
    return session.scalars(stmt).all()


def count_incidents(session: Session, *, include_resolved: bool = False) -> int:
    stmt = select(func.count()).select_from(Incident)
    if not include_resolved:
        stmt = stmt.where(Incident.status.in_(OPEN_STATES))
    return session.scalar(stmt) or 0


def open_by_severity(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Incident.severity, func.count())
        .where(Incident.status.in_(OPEN_STATES))
        .group_by(Incident.severity)
    ).all()
    return {sev: n for sev, n in rows}


def involving(session: Session, user_id: str, *, limit: int) -> Sequence[Incident]:
    """Open incidents the person commands or reported."""
    stmt = (
        select(Incident)
        .where(
            Incident.status.in_(OPEN_STATES),
            (Incident.commander == user_id) | (Incident.reporter == user_id),
        )
        .order_by(_SEVERITY_ORDER, Incident.created_at)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def resolved_between(
    session: Session, start: datetime, end: datetime, *, limit: int
) -> Sequence[Incident]:
    stmt = (
        select(Incident)
        .where(
            Incident.resolved_at >= start,
            Incident.resolved_at < end,
            Incident.status == IncidentStatus.RESOLVED,
        )
        .order_by(Incident.resolved_at.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def count_resolved_between(session: Session, start: datetime, end: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(Incident)
        .where(
            Incident.resolved_at >= start,
            Incident.resolved_at < end,
            Incident.status == IncidentStatus.RESOLVED,
        )
    )
    return session.scalar(stmt) or 0


def raised_since(session: Session, since: datetime, *, limit: int) -> Sequence[Incident]:
    stmt = select(Incident).where(Incident.created_at >= since).order_by(Incident.id).limit(limit)
    return session.scalars(stmt).all()


def timeline(session: Session, incident_id: int, *, limit: int) -> Sequence[IncidentEvent]:
    stmt = (
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.id.desc())
        .limit(limit)
    )
    return list(reversed(session.scalars(stmt).all()))


def count_events(session: Session, incident_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
    )
    return session.scalar(stmt) or 0


def last_update(session: Session, incident_id: int) -> IncidentEvent | None:
    """The incident's latest posted update, if it has one."""
    return session.scalar(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id, IncidentEvent.kind == "update")
        .order_by(IncidentEvent.id.desc())
        .limit(1)
    )


# --- metrics ------------------------------------------------------------------------------------


def raised_by_severity(session: Session, since: datetime) -> dict[str, int]:
    """How many incidents of each severity were raised since ``since``."""
    rows = session.execute(
        select(Incident.severity, func.count())
        .where(Incident.created_at >= since)
        .group_by(Incident.severity)
    ).all()
    return {sev: n for sev, n in rows}


def lifetimes_since(
    session: Session, since: datetime, *, limit: int
) -> Sequence[tuple[datetime, datetime | None, datetime | None]]:
    """(raised, acknowledged, resolved) of the newest incidents raised since ``since``."""
    return session.execute(
        select(Incident.created_at, Incident.acknowledged_at, Incident.resolved_at)
        .where(Incident.created_at >= since)
        .order_by(Incident.created_at.desc())
        .limit(limit)
    ).all()
