"""Incidents and their timelines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, get_args

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, Total, UTCDateTime, count_upto, inline, partial_index
from storage.models import BigId
from storage.transitions import StateMachine

# Worst first is also text order ("sev1" < "sev2"), so the indexes below serve "worst first".
Severity = Literal["sev1", "sev2", "sev3", "sev4"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"  # the impact is over; the cause may still be being fixed
    RESOLVED = "resolved"


OPEN_STATES = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED)
# The partial indexes' predicates (storage/migrations/versions/0013_escalation.py).
OPEN_SQL = "status IN ('open', 'acknowledged', 'mitigated')"
CLOSED_SQL = "status NOT IN ('open', 'acknowledged', 'mitigated')"
OPEN_ON_RESOURCE_SQL = f"{OPEN_SQL} AND resource IS NOT NULL"  # (0017_occurrences.py)
ROLES = ("commander", "comms", "scribe")


class Incident(Base):
    __tablename__ = "incidents"
    states: ClassVar[StateMachine[IncidentStatus]] = StateMachine(
        "incident",
        {
            # Mitigating an open incident acknowledges it on the way (someone is on it).
            IncidentStatus.OPEN: {
                IncidentStatus.ACKNOWLEDGED,
                IncidentStatus.MITIGATED,
                IncidentStatus.RESOLVED,
            },
            IncidentStatus.ACKNOWLEDGED: {IncidentStatus.MITIGATED, IncidentStatus.RESOLVED},
            IncidentStatus.MITIGATED: {IncidentStatus.RESOLVED},
            IncidentStatus.RESOLVED: {IncidentStatus.OPEN},  # reopen
        },
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.OPEN.value)
    reporter: Mapped[str] = mapped_column(String(32))
    commander: Mapped[str | None] = mapped_column(String(32))
    comms: Mapped[str | None] = mapped_column(String(32))
    scribe: Mapped[str | None] = mapped_column(String(32))
    resource: Mapped[str | None] = mapped_column(String(64))
    raised_in: Mapped[str | None] = mapped_column(String(32))
    source_channel: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    announce_channel: Mapped[str | None] = mapped_column(String(32))
    announce_ts: Mapped[str | None] = mapped_column(String(32))
    incident_channel: Mapped[str | None] = mapped_column(String(32))
    # The incident channel's own status message (edited in place) and when it was archived.
    channel_ts: Mapped[str | None] = mapped_column(String(32))
    channel_archived_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    last_update_at: Mapped[datetime]
    reopened: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        Index("ix_incidents_status_severity", "status", "severity", "created_at"),
        # Covers what /incident stats reads of a period, so no row is fetched for it.
        Index(
            "ix_incidents_created_times",
            "created_at",
            "severity",
            "acknowledged_at",
            "resolved_at",
            "mitigated_at",
        ),
        Index("ix_incidents_resolved_at", "resolved_at"),
        partial_index("ix_incidents_open_severity", "severity", "created_at", "id", where=OPEN_SQL),
        partial_index(
            "ix_incidents_open_commander",
            "commander",
            "severity",
            "created_at",
            "id",
            where=OPEN_SQL,
        ),
        partial_index(
            "ix_incidents_open_reporter",
            "reporter",
            "severity",
            "created_at",
            "id",
            where=OPEN_SQL,
        ),
        partial_index(
            "ix_incidents_closed_severity", "severity", "created_at", "id", where=CLOSED_SQL
        ),
        # What is open on a resource (`/resource status`, `/resource list`), worst first: only
        # incidents raised on one, so the database's statistics see how few each has.
        partial_index(
            "ix_incidents_open_resource",
            "resource",
            "severity",
            "created_at",
            "id",
            where=OPEN_ON_RESOURCE_SQL,
        ),
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


def first_acknowledged_by(user_id: str) -> ColumnElement[str]:
    """``acknowledged_by`` when ``user_id`` acknowledges on the way (mitigating an open
    incident): whoever acknowledged first stays."""
    return func.coalesce(Incident.acknowledged_by, literal(user_id, String(32)))


def first_mitigated_at(now: datetime) -> ColumnElement[datetime]:
    """``mitigated_at`` for a mitigation at ``now``: the first one is kept, like acknowledging."""
    return func.coalesce(Incident.mitigated_at, literal(now, UTCDateTime()))


WORST_FIRST = (Incident.severity, Incident.created_at, Incident.id)


def _is_open() -> ColumnElement[bool]:
    return Incident.status.in_([inline(s) for s in OPEN_STATES])


def _is_closed() -> ColumnElement[bool]:
    return Incident.status.not_in([inline(s) for s in OPEN_STATES])


# `/incident list`, built once: building a statement and its cache key costs about a tenth
# of a millisecond, as much as the rest of the request's Python around it.
_OPEN_WORST_FIRST = (
    select(Incident).where(_is_open()).order_by(*WORST_FIRST).limit(bindparam("limit"))
)


def open_incidents(
    session: Session, *, limit: int, include_resolved: bool = False
) -> Sequence[Incident]:
    """Open incidents worst first, then (``include_resolved``) the others, worst first.

    Each part reads its partial index in order and stops at ``limit``; one statement.
    """
    if not include_resolved:
        return session.scalars(_OPEN_WORST_FIRST, {"limit": limit}).all()
    firsts = [
        select(Incident.id).where(part).order_by(*WORST_FIRST).limit(limit).subquery()
        for part in (_is_open(), _is_closed())
    ]
    ids = union_all(*(select(first.c.id) for first in firsts))
    stmt = (
        select(Incident)
        .where(Incident.id.in_(ids))
        .order_by(case((_is_open(), 0), else_=1), *WORST_FIRST)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def count_incidents(session: Session) -> int:
    """How many are open (exact: the digest says "+N more")."""
    return session.scalar(select(func.count()).select_from(Incident).where(_is_open())) or 0


def count_listed(session: Session, *, include_resolved: bool) -> Total:
    """How many `/incident list [all]` covers, counted up to a cap along an index."""
    if include_resolved:
        return count_upto(session, select(Incident.id).order_by(Incident.created_at))
    return count_upto(session, select(Incident.id).where(_is_open()).order_by(*WORST_FIRST))


def open_by_severity(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Incident.severity, func.count()).where(_is_open()).group_by(Incident.severity)
    ).all()
    return {sev: n for sev, n in rows}


def involving(session: Session, user_id: str, *, limit: int) -> Sequence[Incident]:
    """Open incidents the person commands or reported, worst first: the first ``limit`` of
    each along its own index, then the best of both."""
    firsts = [
        select(Incident.id)
        .where(_is_open(), column == user_id)
        .order_by(*WORST_FIRST)
        .limit(limit)
        .subquery()
        for column in (Incident.commander, Incident.reporter)
    ]
    ids = union_all(*(select(first.c.id) for first in firsts))
    stmt = select(Incident).where(Incident.id.in_(ids)).order_by(*WORST_FIRST).limit(limit)
    return session.scalars(stmt).all()


def count_involving(session: Session, user_id: str) -> int:
    """How many open incidents the person commands or reported (each read along its index)."""
    stmt = select(func.count()).where(
        _is_open(), or_(Incident.commander == user_id, Incident.reporter == user_id)
    )
    return session.scalar(stmt) or 0


def on_resources_between(session: Session, start: datetime, end: datetime) -> list[Incident]:
    """Incidents raised on a resource that overlap [start, end): every open one (read along the
    open-by-resource index) and those resolved since ``start`` (by resolved_at), oldest first."""
    on_resource = Incident.resource.is_not(None)
    still_open = select(Incident).where(_is_open(), on_resource, Incident.created_at < end)
    ended = select(Incident).where(
        _is_closed(), on_resource, Incident.resolved_at >= start, Incident.created_at < end
    )
    found = {i.id: i for stmt in (still_open, ended) for i in session.scalars(stmt)}
    return sorted(found.values(), key=lambda i: (i.created_at, i.id))


def open_on_resources(
    session: Session, names: Sequence[str], *, limit: int = 3
) -> dict[str, list[Incident]]:
    """The open incidents on each named resource, worst first, at most ``limit`` each: one
    statement, each name read along the open-by-resource index."""
    if not names:
        return {}
    ranked = (
        select(
            Incident.id,
            func.row_number().over(partition_by=Incident.resource, order_by=WORST_FIRST).label("n"),
        )
        .where(_is_open(), Incident.resource.in_(sorted(set(names))))
        .subquery()
    )
    stmt = (
        select(Incident)
        .join(ranked, ranked.c.id == Incident.id)
        .where(ranked.c.n <= limit)
        .order_by(*WORST_FIRST)
    )
    found: dict[str, list[Incident]] = {}
    for incident in session.scalars(stmt):
        found.setdefault(incident.resource or "", []).append(incident)
    return found


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


def insert_incidents(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Bulk insert (seeding, imports): one executemany, no timeline or audit."""
    session.execute(Incident.__table__.insert(), list(rows))


# --- response times -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Percentiles:
    """Nearest-rank median and p90 of a duration in seconds, over ``count`` values: the value at
    rank ceil(p/100 * count), counting from 1 (p50 of 1, 2, 3, 4 s is 2 s), always one that
    occurred. None when there are no values."""

    count: int
    p50: float | None = None
    p90: float | None = None


Times = tuple[Percentiles, Percentiles, Percentiles]
SPANS = (Incident.acknowledged_at, Incident.mitigated_at, Incident.resolved_at)


def period_stats(session: Session, since: datetime) -> tuple[dict[str, int], Times]:
    """Incidents raised since ``since`` by severity, and their time to acknowledge, to mitigate
    and to resolve (each over the incidents that got there), computed by the database over
    every one of them: one statement counts, one more finds the percentiles."""
    window = Incident.created_at >= since
    rows: list[Any] = list(
        session.execute(
            select(Incident.severity, func.count(), *(func.count(end) for end in SPANS))
            .where(window)
            .group_by(Incident.severity)
        ).all()
    )
    by_severity: dict[str, int] = {str(r[0]): int(r[1]) for r in rows}
    counts: list[int] = [sum(int(r[2 + i]) for r in rows) for i in range(len(SPANS))]
    if session.get_bind().dialect.name == "postgresql":
        seconds = _percentiles_postgresql(session, window, counts)
    else:
        seconds = _percentiles_by_rank(session, window, counts)
    tta, ttm, ttr = (Percentiles(counts[i], *seconds[2 * i : 2 * i + 2]) for i in range(3))
    return by_severity, (tta, ttm, ttr)


def _percentiles_postgresql(
    session: Session, window: ColumnElement[bool], counts: list[int]
) -> list[float | None]:
    if not any(counts):
        return [None] * 6
    columns = []
    for end in SPANS:
        length = end - Incident.created_at
        columns += [
            func.percentile_disc(0.5).within_group(length),
            func.percentile_disc(0.9).within_group(length),
        ]
    row = session.execute(select(*columns).where(window)).one()
    return [d.total_seconds() if d is not None else None for d in row]


def _micros(column: Any) -> ColumnElement[int]:
    """SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' text: exact integer microseconds."""
    seconds = cast(func.strftime("%s", column), Integer)
    return seconds * 1_000_000 + cast(func.substr(column, 21, 6), Integer)


def _percentiles_by_rank(
    session: Session, window: ColumnElement[bool], counts: list[int]
) -> list[float | None]:
    """SQLite has no percentile aggregate: number each span's values in order (one sort per
    span, both ranks read from it), every span in one statement."""
    parts = []
    for i, (end, n) in enumerate(zip(SPANS, counts, strict=True)):
        if not n:
            continue
        length = (_micros(end) - _micros(Incident.created_at)).label("v")
        ranked = (
            select(length, func.row_number().over(order_by=length).label("r"))
            .where(window, end.is_not(None))
            .subquery()
        )
        picks = [func.max(case((ranked.c.r == _rank(pct, n), ranked.c.v))) for pct in (50, 90)]
        parts.append(select(literal(i), *picks).select_from(ranked))
    values: list[float | None] = [None] * 6
    if parts:
        for i, p50, p90 in session.execute(union_all(*parts)).all():
            values[2 * i : 2 * i + 2] = [
                v / 1_000_000 if v is not None else None for v in (p50, p90)
            ]
    return values


def _rank(pct: int, n: int) -> int:
    return max(1, math.ceil(pct / 100 * n))
