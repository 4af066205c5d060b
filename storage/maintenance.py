"""Maintenance windows: one row per window, recurring ones expanded in local time when read.

Each row also keeps the occurrence in progress or next (``next_start``, ``next_end``) as of when
it was last planned. Time only moves forward, so the stored occurrence is never later than the
real one: every window with an occurrence in [start, end) from then on has ``next_start < end``,
which an index over scheduled windows answers without reading the others, whatever their first
start. The maintenance planner moves the stored occurrence on as occurrences end.

The planner also remembers how far it has planned: ``plan_from`` is the start of the first
occurrence whose notices are not queued yet (None: nothing left to plan). A tick asks only for
the windows whose ``plan_from`` falls inside its horizon or whose stored occurrence has ended,
along two partial indexes, so a tick with nothing to do reads no window at all.

Occurrences kept as rows, planned ahead: storage/maintenance_rows.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    or_,
    select,
    tuple_,
    union,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, Total, count_upto, inline, partial_index
from storage.models import BigId
from storage.transitions import StateMachine, affected


class WindowStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    DONE = "done"  # a one-off window that ended (recurring ones stay scheduled)


SCHEDULED = WindowStatus.SCHEDULED
SCHEDULED_SQL = "status = 'scheduled'"  # the partial indexes' predicate
RECURRING_SQL = "status = 'scheduled' AND every IS NOT NULL"


def _same_as(column: str) -> Any:
    """A new window's stored next occurrence is its first one."""

    def default(context: Any) -> Any:
        return context.get_current_parameters()[column]

    return default


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
    # The occurrence in progress or next when last planned: never later than the real one.
    next_start: Mapped[datetime] = mapped_column(default=_same_as("start"))
    next_end: Mapped[datetime] = mapped_column(default=_same_as("end"))
    # The first occurrence start not yet planned (reminders, start, finish queued); None: none.
    plan_from: Mapped[datetime | None] = mapped_column(default=_same_as("start"))

    __table_args__ = (
        Index("ix_maintenance_resource_window", "resource_id", "start", "end"),
        Index("ix_maintenance_status_start", "status", "start"),
        partial_index("ix_maintenance_next", "next_start", "id", where=SCHEDULED_SQL),
        partial_index(
            "ix_maintenance_resource_next", "resource_id", "next_start", "id", where=SCHEDULED_SQL
        ),
        partial_index("ix_maintenance_plan_from", "plan_from", where=SCHEDULED_SQL),
        partial_index("ix_maintenance_recurring_end", "next_end", where=RECURRING_SQL),
    )

    @property
    def is_scheduled(self) -> bool:
        return self.status == SCHEDULED


def _not_over(now: datetime) -> list[ColumnElement[bool]]:
    """Scheduled windows with an occurrence ending after ``now`` (recurring ones always have)."""
    return [
        MaintenanceWindow.status == inline(SCHEDULED),
        or_(MaintenanceWindow.every.is_not(None), MaintenanceWindow.next_end > now),
    ]


def live_between(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    resource_ids: Sequence[int] | None = None,
) -> list[MaintenanceWindow]:
    """Every scheduled window that may have an occurrence in [start, end), earliest first.

    Valid for any ``start`` from when the windows were last planned on (see the module doc);
    the caller expands each window to find its actual occurrences.
    """
    stmt = select(MaintenanceWindow).where(*_not_over(start), MaintenanceWindow.next_start < end)
    if resource_ids is not None:
        stmt = stmt.where(MaintenanceWindow.resource_id.in_(list(resource_ids)))
    stmt = stmt.order_by(MaintenanceWindow.next_start, MaintenanceWindow.id)
    return list(session.scalars(stmt))


def by_next(
    session: Session,
    now: datetime,
    *,
    resource_id: int | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[MaintenanceWindow]:
    """Windows not over at ``now`` in stored-next order, a page after ``(next_start, id)``."""
    stmt = select(MaintenanceWindow).where(*_not_over(now))
    if resource_id is not None:
        stmt = stmt.where(MaintenanceWindow.resource_id == resource_id)
    if after is not None:
        stmt = stmt.where(tuple_(MaintenanceWindow.next_start, MaintenanceWindow.id) > after)
    stmt = stmt.order_by(MaintenanceWindow.next_start, MaintenanceWindow.id).limit(limit)
    return list(session.scalars(stmt))


def count_not_over(session: Session, now: datetime, *, resource_id: int | None) -> Total:
    """How many windows have an occurrence still to come or in progress (one line each),
    counted along the stored-next index up to a cap."""
    stmt = select(MaintenanceWindow.id).where(*_not_over(now))
    if resource_id is not None:
        stmt = stmt.where(MaintenanceWindow.resource_id == resource_id)
    return count_upto(session, stmt.order_by(MaintenanceWindow.next_start, MaintenanceWindow.id))


def to_plan(session: Session, until: datetime, ended_by: datetime) -> list[MaintenanceWindow]:
    """Scheduled windows with an occurrence to plan before ``until``, or whose stored occurrence
    ended by ``ended_by`` (recurring ones: it moves on). One statement, each half along its own
    partial index; none of the windows planned already is read."""
    unplanned = select(MaintenanceWindow.id).where(
        MaintenanceWindow.status == inline(SCHEDULED), MaintenanceWindow.plan_from < until
    )
    ended = select(MaintenanceWindow.id).where(
        MaintenanceWindow.status == inline(SCHEDULED),
        MaintenanceWindow.every.is_not(None),
        MaintenanceWindow.next_end <= ended_by,
    )
    stmt = select(MaintenanceWindow).where(MaintenanceWindow.id.in_(union(unplanned, ended)))
    return list(session.scalars(stmt.order_by(MaintenanceWindow.id)))


def plan_again(session: Session) -> int:
    """Forget how far every scheduled window was planned (the reminders changed): the next run
    plans each from its current occurrence; notices already queued are kept by their keys."""
    stmt = (
        update(MaintenanceWindow)
        .where(MaintenanceWindow.status == inline(SCHEDULED))
        .values(plan_from=MaintenanceWindow.next_start)
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt)
