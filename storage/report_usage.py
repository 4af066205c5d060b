"""Report figures about use: resource bookings, the waiting list, maintenance, on-call.

Booked time is what a booking really held: from its start to its end, or to when it was released
(or its resource removed) if that came first, clipped to the period, summed by the database.
Waiting times are exact integer microseconds (see storage/reports.py for the building blocks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session

from storage.base import UTCDateTime
from storage.incidents import Incident
from storage.maintenance import MaintenanceWindow
from storage.models import AuditEvent
from storage.report_sql import (
    Percentiles,
    dialect,
    in_range,
    larger,
    micros,
    offset_of,
    percentiles_by,
    seconds_of,
    smaller,
)
from storage.resources import Booking, Resource, WaitEntry

# Statuses whose closing time may cut a booking short (released by hand, resource removed).
CUT_SHORT = ("released", "cancelled")
SPAN_BATCH = 200  # spans per statement (SQLite allows 500 terms in one UNION ALL)


@dataclass(frozen=True)
class ResourceRow:
    id: int
    name: str
    kind: str
    capacity: int
    created_at: datetime
    removed_at: datetime | None


def resources_alive(session: Session, start: datetime, end: datetime) -> list[ResourceRow]:
    """Resources that existed during some of [start, end) (the catalogue: a few hundred)."""
    stmt = (
        select(Resource)
        .where(
            Resource.created_at < end,
            or_(Resource.removed_at.is_(None), Resource.removed_at > start),
        )
        .order_by(Resource.name)
    )
    return [
        ResourceRow(r.id, r.name, r.kind, r.capacity, r.created_at, r.removed_at)
        for r in session.scalars(stmt)
    ]


def _held_until() -> Any:
    """When a booking stopped holding its resource: its end, or when it was released (or its
    resource removed) if that came first."""
    cut = and_(
        Booking.status.in_(CUT_SHORT),
        Booking.closed_at.is_not(None),
        Booking.closed_at < Booking.end,
    )
    return case((cut, Booking.closed_at), else_=Booking.end)


def _seconds_between(a: Any, b: Any, dialect_name: str) -> Any:
    """b - a in seconds (to the millisecond on SQLite: plenty for hours booked)."""
    if dialect_name == "postgresql":
        return func.extract("epoch", b - a)
    return (func.julianday(b) - func.julianday(a)) * 86_400.0


def booked_seconds(session: Session, start: datetime, end: datetime) -> dict[int, float]:
    """Per resource id, the booked time within [start, end), in seconds."""
    lo = larger(Booking.start, literal(start, UTCDateTime()))
    hi = smaller(_held_until(), literal(end, UTCDateTime()))
    inner = (
        select(Booking.resource_id.label("rid"), lo.label("lo"), hi.label("hi"))
        .where(Booking.start < end, Booking.end > start)
        .subquery()
    )
    held = case(
        (inner.c.hi > inner.c.lo, _seconds_between(inner.c.lo, inner.c.hi, dialect(session))),
        else_=0,
    )
    stmt = select(inner.c.rid, func.sum(held)).group_by(inner.c.rid)
    return {rid: round(float(total or 0), 3) for rid, total in session.execute(stmt)}


def booking_starts(
    session: Session, start: datetime, end: datetime, offsets: Sequence[tuple[datetime, int]]
) -> dict[tuple[int, int], int]:
    """Bookings that began in [start, end) and were held at all, by local (weekday, hour) of
    their start; ``offsets`` are (from, UTC offset in seconds) covering the range in order."""
    d = dialect(session)
    local = seconds_of(Booking.start, d) + offset_of(Booking.start, offsets)
    inner = (
        select(
            ((local // 86_400 + 3) % 7).label("wd"),  # 1970-01-01 was a Thursday (3)
            (local % 86_400 // 3_600).label("hr"),
        )
        .where(
            Booking.start >= start,
            Booking.start < end,
            _held_until() > Booking.start,
        )
        .subquery()
    )
    stmt = select(inner.c.wd, inner.c.hr, func.count()).group_by(inner.c.wd, inner.c.hr)
    return {(int(wd), int(hr)): n for wd, hr, n in session.execute(stmt)}


@dataclass(frozen=True)
class Waits:
    by_status: dict[str, int]  # entries made in the period, by where they are now
    booked_after: Percentiles  # how long those who got a booking waited for it


def waits(session: Session, start: datetime, end: datetime) -> Waits:
    made = (WaitEntry.created_at >= start, WaitEntry.created_at < end)
    counts = dict(
        session.execute(
            select(WaitEntry.status, func.count()).where(*made).group_by(WaitEntry.status)
        ).all()
    )
    d = dialect(session)
    value = micros(Booking.created_at, d) - micros(WaitEntry.created_at, d)
    inner = (
        select(value.label("wait"))
        .select_from(WaitEntry)
        .join(Booking, Booking.id == WaitEntry.booking_id)
        .where(*made, WaitEntry.status == "booked")
        .subquery()
    )
    found = percentiles_by(session, inner.c.wait, None, [])
    return Waits(counts, found.get(None, Percentiles(0)))


def maintenance_windows(
    session: Session, start: datetime, end: datetime
) -> list[MaintenanceWindow]:
    """Every window that may have an occurrence in [start, end), whatever its status now (a
    cancelled one still happened until it was cancelled). Recurring windows are few."""
    stmt = (
        select(MaintenanceWindow)
        .where(
            MaintenanceWindow.start < end,
            or_(MaintenanceWindow.every.is_not(None), MaintenanceWindow.end > start),
        )
        .order_by(MaintenanceWindow.id)
    )
    return list(session.scalars(stmt))


def incidents_in_spans(session: Session, spans: Sequence[tuple[datetime, datetime]]) -> list[int]:
    """How many incidents were raised in each [start, end) span (one indexed range each)."""
    counts = [0] * len(spans)
    for first in range(0, len(spans), SPAN_BATCH):
        batch = spans[first : first + SPAN_BATCH]
        rows = [
            select(
                literal(first + i, Integer).label("i"),
                literal(s, UTCDateTime()).label("s"),
                literal(e, UTCDateTime()).label("e"),
            )
            for i, (s, e) in enumerate(batch)
        ]
        table = (union_all(*rows) if len(rows) > 1 else rows[0]).subquery()
        stmt = (
            select(table.c.i, func.count(Incident.id))
            .select_from(table)
            .join(
                Incident,
                and_(Incident.created_at >= table.c.s, Incident.created_at < table.c.e),
            )
            .group_by(table.c.i)
        )
        for i, n in session.execute(stmt):
            counts[i] = n
    return counts


def pages(session: Session, bounds: Sequence[datetime]) -> dict[str, tuple[int, int]]:
    """Per person: how many times an escalation paged them in range, and for how many
    incidents (each escalation audit lists who it paged)."""
    where = (
        in_range(AuditEvent.at, bounds),
        AuditEvent.entity == "incident",
        AuditEvent.action == "escalated",
    )
    if dialect(session) == "postgresql":
        people = (
            func.jsonb_array_elements_text(AuditEvent.data.op("->")("to"))
            .table_valued("person")
            .render_derived()
        )
    else:
        people = func.json_each(AuditEvent.data, "$.to").table_valued("value")
    person = people.c[0]
    stmt = (
        select(person, func.count(), func.count(func.distinct(AuditEvent.entity_id)))
        .select_from(AuditEvent)
        .join(people, true())
        .where(*where)
        .group_by(person)
    )
    return {str(p): (n, incidents) for p, n, incidents in session.execute(stmt)}
