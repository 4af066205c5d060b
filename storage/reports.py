"""Report figures of incidents and purchases, aggregated by the database, and the weekly
reports' planning state.

Every figure is a GROUP BY over an indexed time range: nothing here loads the rows it counts.
Rows are placed in local-time buckets and percentiles are nearest rank (storage/report_sql.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Index,
    String,
    case,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.incidents import OPEN_STATES, Incident
from storage.models import AuditEvent, SlackUser
from storage.purchases import PurchaseDecision, PurchaseRequest
from storage.report_sql import (
    Buckets,
    Percentiles,
    bucket_of,
    dialect,
    in_range,
    micros,
    percentiles_by,
    percentiles_grouped,
)
from storage.resources import Booking, WaitEntry

# --- the weekly reports' planning state -------------------------------------------------------


class ReportSchedule(Base):
    """One row per channel with a `[[reports]]` entry: what the planner has queued, and when the
    last report went out."""

    __tablename__ = "report_schedules"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[datetime | None]  # the latest occurrence written to the notice queue
    planned_sig: Mapped[str | None] = mapped_column(String(200))  # the schedule it was planned by
    last_sent_at: Mapped[datetime | None]


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def schedule_state(session: Session, channel: str) -> ReportSchedule | None:
    return session.get(ReportSchedule, channel)


def ensure_schedules(session: Session, channels: Collection[str]) -> list[ReportSchedule]:
    """The state rows of these channels, made for those that have none yet. Read first: the
    rows are there on every tick but the first, and a tick that only reads takes no
    transaction (``Dispatcher.plan``)."""
    found = schedules(session, channels)
    missing = sorted(set(channels) - {row.channel for row in found})
    if not missing:
        return found
    stmt = (
        _insert(session)(ReportSchedule)
        .values([{"channel": c} for c in missing])
        .on_conflict_do_nothing(index_elements=["channel"])
    )
    session.execute(stmt)
    return schedules(session, channels)


def schedules(session: Session, channels: Collection[str]) -> list[ReportSchedule]:
    """The state rows of these channels (the config's reports: a handful)."""
    if not channels:
        return []
    stmt = select(ReportSchedule).where(ReportSchedule.channel.in_(sorted(channels)))
    return list(session.scalars(stmt.order_by(ReportSchedule.channel)))


def mark_planned(session: Session, channel: str, next_at: datetime | None, sig: str) -> None:
    session.execute(
        update(ReportSchedule)
        .where(ReportSchedule.channel == channel)
        .values(next_at=next_at, planned_sig=sig)
        .execution_options(synchronize_session=False)
    )


def mark_sent(session: Session, channel: str, at: datetime) -> None:
    session.execute(
        update(ReportSchedule)
        .where(ReportSchedule.channel == channel)
        .values(last_sent_at=at)
        .execution_options(synchronize_session=False)
    )


def display_names(session: Session, user_ids: Collection[str]) -> dict[str, str]:
    """Names from the users.info cache, for labels where a mention cannot be shown (charts)."""
    if not user_ids:
        return {}
    stmt = select(SlackUser.id, SlackUser.name).where(SlackUser.id.in_(sorted(user_ids)))
    return {uid: name for uid, name in session.execute(stmt) if name}


# --- incidents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentCounts:
    by_bucket: list[dict[str, int]]  # severity -> incidents raised, per bucket
    still_open: int  # of those raised in the period, open now


def incident_counts(session: Session, buckets: Buckets) -> IncidentCounts:
    bounds = buckets.bounds
    inner = (
        select(
            bucket_of(Incident.created_at, buckets, dialect(session)).label("b"),
            Incident.severity.label("sev"),
            case((Incident.status.in_(OPEN_STATES), 1), else_=0).label("open"),
        )
        .where(in_range(Incident.created_at, bounds))
        .subquery()
    )
    stmt = select(inner.c.b, inner.c.sev, func.count(), func.sum(inner.c.open)).group_by(
        inner.c.b, inner.c.sev
    )
    by_bucket: list[dict[str, int]] = [{} for _ in bounds[1:]]
    still_open = 0
    for b, sev, n, opened in session.execute(stmt):
        by_bucket[b][sev] = n
        still_open += opened or 0
    return IncidentCounts(by_bucket, still_open)


Response = tuple[dict[int, Percentiles], Percentiles]


def incident_response(session: Session, buckets: Buckets) -> tuple[Response, Response, Response]:
    """Time to acknowledge, to mitigate and to resolve of the incidents raised in range: per
    bucket (by when they were raised) and over the whole range."""
    d = dialect(session)
    group = bucket_of(Incident.created_at, buckets, d)
    out = []
    for end in (Incident.acknowledged_at, Incident.mitigated_at, Incident.resolved_at):
        value = micros(end, d) - micros(Incident.created_at, d)
        where = [in_range(Incident.created_at, buckets.bounds), end.is_not(None)]
        out.append(percentiles_grouped(session, value, group, where))
    return out[0], out[1], out[2]


def incident_resources(
    session: Session, bounds: Sequence[datetime], *, limit: int
) -> tuple[list[tuple[str, int]], int]:
    """The resources most incidents were raised on, and how many resources had any."""
    where = (in_range(Incident.created_at, bounds), Incident.resource.is_not(None))
    n = func.count().label("n")
    rows = session.execute(
        select(Incident.resource, n)
        .where(*where)
        .group_by(Incident.resource)
        .order_by(n.desc(), Incident.resource)
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count(func.distinct(Incident.resource))).where(*where))
    # The WHERE clause keeps incidents without a resource out; the column itself is nullable.
    return [(r, c) for r, c in rows if r is not None], total or 0


# --- purchases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    count: int
    minor: int  # in the currency's minor unit (cents)


def purchase_amounts(
    session: Session, buckets: Buckets, *, approved: bool
) -> list[dict[str, Money]]:
    """Per bucket, per policy currency: requests made in it (or approved in it)."""
    bounds = buckets.bounds
    when = PurchaseRequest.decided_at if approved else PurchaseRequest.created_at
    where = [in_range(when, bounds)]
    if approved:
        where.append(PurchaseRequest.status == "approved")
    inner = (
        select(
            bucket_of(when, buckets, dialect(session)).label("b"),
            PurchaseRequest.policy_currency.label("cur"),
            PurchaseRequest.policy_minor.label("minor"),
        )
        .where(*where)
        .subquery()
    )
    stmt = select(inner.c.b, inner.c.cur, func.count(), func.sum(inner.c.minor)).group_by(
        inner.c.b, inner.c.cur
    )
    out: list[dict[str, Money]] = [{} for _ in bounds[1:]]
    for b, cur, n, minor in session.execute(stmt):
        out[b][cur] = Money(n, int(minor or 0))
    return out


def purchase_outcomes(
    session: Session, bounds: Sequence[datetime]
) -> tuple[dict[str, int], Percentiles]:
    """Requests that ended in range, by how they ended, and the approval cycle time (request to
    final decision) of those approved or rejected."""
    ended = in_range(PurchaseRequest.decided_at, bounds)
    counts = dict(
        session.execute(
            select(PurchaseRequest.status, func.count())
            .where(ended, PurchaseRequest.status != "pending")
            .group_by(PurchaseRequest.status)
        ).all()
    )
    d = dialect(session)
    value = micros(PurchaseRequest.decided_at, d) - micros(PurchaseRequest.created_at, d)
    decided = [ended, PurchaseRequest.status.in_(("approved", "rejected"))]
    cycle = percentiles_by(session, value, None, decided).get(None, Percentiles(0))
    return counts, cycle


def decisions_by_approver(
    session: Session, bounds: Sequence[datetime], *, limit: int
) -> tuple[list[tuple[str, int, int]], int]:
    """(approver, approvals, rejections) of the steps decided in range, busiest first, and how
    many people decided any."""
    where = in_range(PurchaseDecision.at, bounds)
    approvals = func.sum(case((PurchaseDecision.decision == "approved", 1), else_=0))
    rejections = func.sum(case((PurchaseDecision.decision == "rejected", 1), else_=0))
    n = func.count().label("n")
    rows = session.execute(
        select(PurchaseDecision.actor, approvals, rejections, n)
        .where(where)
        .group_by(PurchaseDecision.actor)
        .order_by(n.desc(), PurchaseDecision.actor)
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count(func.distinct(PurchaseDecision.actor))).where(where))
    return [(a, int(y or 0), int(r or 0)) for a, y, r, _ in rows], total or 0


def top_requesters(
    session: Session, bounds: Sequence[datetime], currency: str, *, limit: int
) -> tuple[list[tuple[str, int, int]], int]:
    """(requester, requests, amount in ``currency`` minor units) of requests made in range,
    largest amount first, and how many people requested anything."""
    where = in_range(PurchaseRequest.created_at, bounds)
    amount = func.sum(
        case((PurchaseRequest.policy_currency == currency, PurchaseRequest.policy_minor), else_=0)
    ).label("amount")
    n = func.count().label("n")
    rows = session.execute(
        select(PurchaseRequest.requester, n, amount)
        .where(where)
        .group_by(PurchaseRequest.requester)
        .order_by(amount.desc(), n.desc(), PurchaseRequest.requester)
        .limit(limit)
    ).all()
    total = session.scalar(
        select(func.count(func.distinct(PurchaseRequest.requester))).where(where)
    )
    return [(r, c, int(a or 0)) for r, c, a in rows], total or 0


# The time ranges report figures and exports read (migration 0010_reports). Declared here, next
# to the queries that need them, rather than in each area's table.
Index("ix_bookings_end", Booking.end)
Index("ix_booking_waits_created_at", WaitEntry.created_at)
Index("ix_purchase_decisions_at", PurchaseDecision.at)
Index("ix_audit_events_at", AuditEvent.at)
