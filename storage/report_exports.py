"""What the CSV exports read: the rows of a period, oldest first, a page at a time.

``owner`` limits a dataset to one person's rows (their incidents reported or commanded, their
purchase requests, their bookings); None means everyone's (admins). Pages continue after the
last row read (its time and id), so each can be read in a short transaction of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from storage.incidents import Incident
from storage.models import AuditEvent
from storage.purchases import PurchaseRequest
from storage.resources import Booking, Resource

PAGE = 2_000  # rows per page


def _incidents(start: datetime, end: datetime, owner: str | None) -> Select[Any]:
    stmt = select(Incident).where(Incident.created_at >= start, Incident.created_at < end)
    if owner is not None:
        stmt = stmt.where(or_(Incident.reporter == owner, Incident.commander == owner))
    return stmt.order_by(Incident.created_at, Incident.id)


def _purchases(start: datetime, end: datetime, owner: str | None) -> Select[Any]:
    stmt = select(PurchaseRequest).where(
        PurchaseRequest.created_at >= start, PurchaseRequest.created_at < end
    )
    if owner is not None:
        stmt = stmt.where(PurchaseRequest.requester == owner)
    return stmt.order_by(PurchaseRequest.created_at, PurchaseRequest.id)


def _bookings(start: datetime, end: datetime, owner: str | None) -> Select[Booking, str]:
    """Bookings that overlap the period (a booking across its start is in it)."""
    stmt = (
        select(Booking, Resource.name)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(Booking.start < end, Booking.end > start)
    )
    if owner is not None:
        stmt = stmt.where(Booking.owner == owner)
    return stmt.order_by(Booking.start, Booking.id)


def _audit(start: datetime, end: datetime, owner: str | None) -> Select[Any]:
    stmt = select(AuditEvent).where(AuditEvent.at >= start, AuditEvent.at < end)
    if owner is not None:
        stmt = stmt.where(AuditEvent.actor == owner)
    return stmt.order_by(AuditEvent.at, AuditEvent.id)


QUERIES = {
    "incidents": _incidents,
    "purchases": _purchases,
    "bookings": _bookings,
    "audit": _audit,
}


def count(session: Session, dataset: str, start: datetime, end: datetime, owner: str | None) -> int:
    stmt = QUERIES[dataset](start, end, owner).order_by(None)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


# The ordering of each dataset: the page after a row starts past (time, id).
ORDER = {
    "incidents": (Incident.created_at, Incident.id),
    "purchases": (PurchaseRequest.created_at, PurchaseRequest.id),
    "bookings": (Booking.start, Booking.id),
    "audit": (AuditEvent.at, AuditEvent.id),
}


def page(
    session: Session,
    dataset: str,
    start: datetime,
    end: datetime,
    owner: str | None,
    *,
    after: tuple[datetime, int] | None,
    limit: int = PAGE,
) -> list[Any]:
    """Up to ``limit`` rows after ``after`` (ORM objects; bookings: (booking, resource name))."""
    stmt = QUERIES[dataset](start, end, owner)
    if after is not None:
        (time_column, id_column), (last_time, last_id) = ORDER[dataset], after
        # Spelled out rather than as a row comparison, so the time index narrows the scan.
        stmt = stmt.where(
            time_column >= last_time, or_(time_column > last_time, id_column > last_id)
        )
    stmt = stmt.limit(limit)
    if dataset == "bookings":
        return [tuple(row) for row in session.execute(stmt)]
    return list(session.scalars(stmt))


def position(dataset: str, row: Any) -> tuple[datetime, int]:
    """Where a page ends: the (time, id) of its last row."""
    obj = row[0] if dataset == "bookings" else row
    time_column, _ = ORDER[dataset]
    return getattr(obj, time_column.key), obj.id
