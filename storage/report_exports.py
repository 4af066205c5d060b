"""What the CSV exports read: the rows of a period, oldest first, streamed in batches.

``owner`` limits a dataset to one person's rows (their incidents reported or commanded, their
purchase requests, their bookings); None means everyone's (admins).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from storage.incidents import Incident
from storage.models import AuditEvent
from storage.purchases import PurchaseRequest
from storage.resources import Booking, Resource

BATCH = 500  # rows fetched at a time: memory stays flat however long the period


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


def _bookings(start: datetime, end: datetime, owner: str | None) -> Select[Any]:
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


def rows(
    session: Session, dataset: str, start: datetime, end: datetime, owner: str | None
) -> Iterator[Any]:
    """ORM objects (bookings: (booking, resource name) pairs), oldest first."""
    stmt = QUERIES[dataset](start, end, owner).execution_options(yield_per=BATCH)
    if dataset == "bookings":
        yield from (tuple(row) for row in session.execute(stmt))
    else:
        yield from session.scalars(stmt)
