"""Resources, bookings and waiting lists. Every overlap query goes through the live bookings'
(resource_id, start, end) index; nothing here loads a whole table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, Select, String, Text, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, Total, count_upto, inline, partial_index
from storage.models import BigId
from storage.transitions import StateMachine, update_if


class BookingStatus(StrEnum):
    ACTIVE = "active"  # the one booking status that holds a resource
    RELEASED = "released"  # given back by hand
    ENDED = "ended"  # at its end
    CANCELLED = "cancelled"  # its resource was removed


LIVE = BookingStatus.ACTIVE
LIVE_SQL = "status = 'active'"  # the partial index's predicate


class WaitStatus(StrEnum):
    WAITING = "waiting"
    BOOKED = "booked"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # its resource was removed


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(16), default="config")  # config | chat
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_resources_kind", "kind", "active"),)


class Booking(Base):
    __tablename__ = "bookings"
    states: ClassVar[StateMachine[BookingStatus]] = StateMachine(
        "booking",
        {
            LIVE: {BookingStatus.RELEASED, BookingStatus.ENDED, BookingStatus.CANCELLED},
            BookingStatus.RELEASED: set(),
            BookingStatus.ENDED: set(),
            BookingStatus.CANCELLED: set(),
        },
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    owner: Mapped[str] = mapped_column(String(32))
    start: Mapped[datetime]
    end: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=LIVE.value)
    version: Mapped[int] = mapped_column(default=1)  # bumped by extend: keys its reminders
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    from_wait: Mapped[int | None]

    __table_args__ = (
        Index("ix_bookings_resource_window", "resource_id", "start", "end"),
        Index("ix_bookings_owner", "owner", "status", "end"),
        Index("ix_bookings_status_start", "status", "start"),
        # Overlap reads see live bookings only, however long the history of ended ones.
        partial_index("ix_bookings_live_window", "resource_id", "start", "end", where=LIVE_SQL),
    )

    @property
    def is_live(self) -> bool:
        return self.status == LIVE


class WaitEntry(Base):
    __tablename__ = "booking_waits"
    states: ClassVar[StateMachine[WaitStatus]] = StateMachine(
        "waiting entry",
        {
            WaitStatus.WAITING: {WaitStatus.BOOKED, WaitStatus.EXPIRED, WaitStatus.CANCELLED},
            WaitStatus.BOOKED: set(),
            WaitStatus.EXPIRED: set(),
            WaitStatus.CANCELLED: set(),
        },
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=WaitStatus.WAITING.value)
    booking_id: Mapped[int | None]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_booking_waits_resource", "resource_id", "status", "id"),)


# --- catalogue ----------------------------------------------------------------------------------


def by_name(session: Session, name: str) -> Resource | None:
    return session.scalar(select(Resource).where(Resource.name == name))


def lock(session: Session, resource_id: int) -> Resource:
    """The row lock every booking change takes first (SQLite serialises writers anyway)."""
    stmt = select(Resource).where(Resource.id == resource_id).with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def insert_missing(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert these resources, skipping any name another process inserted meanwhile."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Resource).values(list(rows)).on_conflict_do_nothing(index_elements=["name"])
    )


def named(session: Session, names: Sequence[str]) -> dict[str, Resource]:
    """The rows with these names (the config catalogue: a bounded, indexed lookup)."""
    rows = session.scalars(select(Resource).where(Resource.name.in_(list(names))))
    return {r.name: r for r in rows}


def update_from_config(session: Session, resource_id: int, kind: str, capacity: int) -> bool:
    """Apply a config edit to a config-sourced, active row, unless it already has those values;
    conditional, so two processes syncing at once record one change."""
    return update_if(
        session,
        Resource,
        resource_id,
        Resource.source == "config",
        Resource.active.is_(True),
        (Resource.kind != kind) | (Resource.capacity != capacity),
        values={"kind": kind, "capacity": capacity},
    )


def existing_names(session: Session, names: Sequence[str]) -> set[str]:
    return set(session.scalars(select(Resource.name).where(Resource.name.in_(list(names)))))


def _active(kind: str | None) -> Select[Resource]:
    stmt = select(Resource).where(Resource.active.is_(True))
    return stmt.where(Resource.kind == kind) if kind else stmt


# The statements `/resource available` sends, built once (see storage/incidents.py).
_ACTIVE_OF_KIND = (
    select(Resource)
    .where(Resource.active.is_(True), Resource.kind == bindparam("kind"))
    .order_by(Resource.kind, Resource.name)
)


def catalogue(
    session: Session, *, kind: str | None = None, limit: int | None = None
) -> list[Resource]:
    """Active resources by kind and name: all of them, or the first ``limit`` (a caller that
    shows fewer than all says how many more with ``count_catalogue``)."""
    if kind and limit is None:
        return list(session.scalars(_ACTIVE_OF_KIND, {"kind": kind}))
    stmt = _active(kind).order_by(Resource.kind, Resource.name)
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def count_catalogue(session: Session, *, kind: str | None = None) -> int:
    stmt = select(func.count()).select_from(_active(kind).subquery())
    return session.scalar(stmt) or 0


def all_names(session: Session) -> list[str]:
    """Every active resource's name: suggestions must be able to name any of them."""
    stmt = select(Resource.name).where(Resource.active.is_(True)).order_by(Resource.name)
    return list(session.scalars(stmt))


def kinds(session: Session) -> list[str]:
    stmt = select(Resource.kind).where(Resource.active.is_(True)).distinct()
    return sorted(session.scalars(stmt))


# --- bookings -----------------------------------------------------------------------------------


_LIVE_OVERLAPPING = (
    select(Booking)
    .where(
        Booking.resource_id.in_(bindparam("ids", expanding=True)),
        Booking.start < bindparam("end"),
        Booking.end > bindparam("start"),
        Booking.status == inline(LIVE),
    )
    .order_by(Booking.start, Booking.id)
)


def overlapping(
    session: Session,
    resource_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    exclude: int | None = None,
    limit: int | None = None,
) -> list[Booking]:
    """Live bookings of these resources that overlap [start, end), earliest first: all of them
    unless ``limit`` says otherwise (availability must see every one; a caller that shows fewer
    counts the rest with ``count_overlapping``)."""
    if exclude is None and limit is None:
        params = {"ids": list(resource_ids), "start": start, "end": end}
        return list(session.scalars(_LIVE_OVERLAPPING, params))
    stmt = select(Booking).where(
        Booking.resource_id.in_(list(resource_ids)),
        Booking.start < end,
        Booking.end > start,
        Booking.status == inline(LIVE),
    )
    if exclude is not None:
        stmt = stmt.where(Booking.id != exclude)
    stmt = stmt.order_by(Booking.start, Booking.id)
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def count_overlapping(session: Session, resource_id: int, start: datetime, end: datetime) -> int:
    """How many live bookings of the resource overlap [start, end): one indexed COUNT."""
    stmt = (
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.resource_id == resource_id,
            Booking.start < end,
            Booking.end > start,
            Booking.status == inline(LIVE),
        )
    )
    return session.scalar(stmt) or 0


def mine(session: Session, owner: str, now: datetime, *, limit: int) -> list[Booking]:
    stmt = (
        select(Booking)
        .where(Booking.owner == owner, Booking.status == LIVE, Booking.end > now)
        .order_by(Booking.start, Booking.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def count_mine(session: Session, owner: str, now: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(Booking)
        .where(Booking.owner == owner, Booking.status == LIVE, Booking.end > now)
    )
    return session.scalar(stmt) or 0


def _upcoming(now: datetime, until: datetime | None) -> Select[Booking]:
    """Live bookings not over at ``now``, by start: (status, start) read in order."""
    stmt = select(Booking).where(Booking.status == LIVE, Booking.end > now)
    if until is not None:
        stmt = stmt.where(Booking.start < until)
    return stmt.order_by(Booking.start, Booking.id)


def upcoming(
    session: Session, now: datetime, until: datetime | None, *, limit: int
) -> list[Booking]:
    return list(session.scalars(_upcoming(now, until).limit(limit)))


def count_upcoming_upto(session: Session, now: datetime) -> Total:
    """How many live bookings are not over, counted along the same index up to a cap."""
    return count_upto(session, _upcoming(now, None))


def count_upcoming(session: Session, now: datetime, until: datetime | None = None) -> int:
    stmt = (
        select(func.count()).select_from(Booking).where(Booking.status == LIVE, Booking.end > now)
    )
    if until is not None:
        stmt = stmt.where(Booking.start < until)
    return session.scalar(stmt) or 0


def live_from(
    session: Session, resource_id: int, now: datetime, *, limit: int | None
) -> list[Booking]:
    """Live bookings of the resource not over at ``now``, by start (``limit=None``: all)."""
    stmt = (
        select(Booking)
        .where(
            Booking.resource_id == resource_id, Booking.status == inline(LIVE), Booking.end > now
        )
        .order_by(Booking.start, Booking.id)
    )
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


# --- waiting list -------------------------------------------------------------------------------


def waiting(session: Session, resource_id: int, *, limit: int | None = None) -> list[WaitEntry]:
    """Who waits for the resource, first come first: everyone unless ``limit`` says otherwise
    (the waiting list moves on for any entry that fits, not only the first few)."""
    stmt = (
        select(WaitEntry)
        .where(WaitEntry.resource_id == resource_id, WaitEntry.status == WaitStatus.WAITING)
        .order_by(WaitEntry.id)
    )
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def own_overlap(
    session: Session, resource_id: int, user_id: str, start: datetime, end: datetime
) -> Booking | WaitEntry | None:
    """This person's live booking of, or waiting entry for, the resource overlapping the window."""
    booking = session.scalar(
        select(Booking)
        .where(
            Booking.resource_id == resource_id,
            Booking.start < end,
            Booking.end > start,
            Booking.status == inline(LIVE),
            Booking.owner == user_id,
        )
        .order_by(Booking.start, Booking.id)
        .limit(1)
    )
    if booking is not None:
        return booking
    return session.scalar(
        select(WaitEntry)
        .where(
            WaitEntry.resource_id == resource_id,
            WaitEntry.status == WaitStatus.WAITING,
            WaitEntry.user_id == user_id,
            WaitEntry.start < end,
            WaitEntry.end > start,
        )
        .order_by(WaitEntry.id)
        .limit(1)
    )


def by_ids(session: Session, ids: Sequence[int]) -> dict[int, Resource]:
    if not ids:
        return {}
    rows = session.scalars(select(Resource).where(Resource.id.in_(sorted(set(ids)))))
    return {r.id: r for r in rows}


# --- bulk ---------------------------------------------------------------------------------------


def insert_resources(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Bulk insert (seeding, imports): one executemany, no audit."""
    session.execute(Resource.__table__.insert(), list(rows))


def insert_bookings(session: Session, rows: Sequence[dict[str, object]]) -> None:
    session.execute(Booking.__table__.insert(), list(rows))
