"""Maintenance windows: one row per window, recurring ones expanded in local time when read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String, Text, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.models import BigId
from storage.transitions import StateMachine


class WindowStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    DONE = "done"  # a one-off window that ended (recurring ones stay scheduled)


SCHEDULED = WindowStatus.SCHEDULED


class MaintenanceWindow(Base):
    __tablename__ = "maintenance_windows"
    states: ClassVar[StateMachine[WindowStatus]] = StateMachine(
        "maintenance window",
        {
            WindowStatus.SCHEDULED: {WindowStatus.CANCELLED, WindowStatus.DONE},
            WindowStatus.CANCELLED: set(),
            WindowStatus.DONE: set(),
        },
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    start: Mapped[datetime]  # the first occurrence
    end: Mapped[datetime]
    every: Mapped[str | None] = mapped_column(String(8))  # day | week | month
    tz: Mapped[str] = mapped_column(String(64))  # recurrences keep their wall time here
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=SCHEDULED.value)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # `done` on a recurring window ends only the occurrence in progress.
    done_occurrence: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_maintenance_resource_window", "resource_id", "start", "end"),
        Index("ix_maintenance_status_start", "status", "start"),
    )

    @property
    def is_scheduled(self) -> bool:
        return self.status == SCHEDULED


def _live(start: datetime, end: datetime) -> list:
    """Scheduled windows that may have an occurrence in [start, end)."""
    return [
        MaintenanceWindow.status == SCHEDULED,
        MaintenanceWindow.start < end,
        or_(MaintenanceWindow.every.is_not(None), MaintenanceWindow.end > start),
    ]


def live_between(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    resource_ids: Sequence[int] | None = None,
    limit: int = 500,
) -> list[MaintenanceWindow]:
    stmt = select(MaintenanceWindow).where(*_live(start, end))
    if resource_ids is not None:
        stmt = stmt.where(MaintenanceWindow.resource_id.in_(list(resource_ids)))
    stmt = stmt.order_by(MaintenanceWindow.start, MaintenanceWindow.id).limit(limit)
    return list(session.scalars(stmt))


def upcoming(
    session: Session, now: datetime, *, resource_id: int | None, limit: int
) -> tuple[list[MaintenanceWindow], int]:
    """Scheduled windows not yet over, soonest first, and how many there are."""
    cond = [
        MaintenanceWindow.status == SCHEDULED,
        or_(MaintenanceWindow.every.is_not(None), MaintenanceWindow.end > now),
    ]
    if resource_id is not None:
        cond.append(MaintenanceWindow.resource_id == resource_id)
    rows = session.scalars(
        select(MaintenanceWindow)
        .where(*cond)
        .order_by(MaintenanceWindow.start, MaintenanceWindow.id)
        .limit(limit)
    )
    total = session.scalar(select(func.count()).select_from(MaintenanceWindow).where(*cond))
    return list(rows), total or 0
