"""Maintenance occurrences kept as rows, planned ahead (the windows: storage/maintenance.py).

Occurrences are also kept as rows (``maintenance_occurrences``), planned ahead over a horizon,
so "what is under maintenance between these times" reads only the occurrences in that time,
through an index, instead of expanding every window live in it. The single
``maintenance_plan`` row says how far the rows go: every occurrence of every window starting
before ``until`` and ending after ``kept_from`` has its row (no row lasts longer than
``longest``). Rows hold each occurrence as planned; what changes afterwards is applied when they
are read, from the window itself: a cancelled or done window has none (its status), an
occurrence ended early ends at ``done_at``. So nothing but scheduling a window and planning
ahead writes rows, and no lock is needed: a new window writes its own rows past any horizon the
planner can set, and the planner's inserts skip rows already there. Without a plan row (a bulk
insert forgets it) the rows are not trusted and the windows are expanded instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, inline
from storage.events import dialect_insert
from storage.maintenance import SCHEDULED, MaintenanceWindow
from storage.models import BigId

# No occurrence lasts longer: a single window at most 31 days, a repeated one less than its
# period (28 days for a month). Overlap queries look back this far from the start asked about.
LONGEST = timedelta(days=31)


class MaintenanceOccurrence(Base):
    """One occurrence of a window as planned (not clipped: see the module doc)."""

    __tablename__ = "maintenance_occurrences"

    window_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("maintenance_windows.id", ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[datetime] = mapped_column(primary_key=True)
    end: Mapped[datetime]
    resource_id: Mapped[int] = mapped_column(BigId)

    __table_args__ = (
        Index("ix_maintenance_occurrences_resource", "resource_id", "start", "end"),
        Index("ix_maintenance_occurrences_start", "start", "end"),
    )


class MaintenancePlan(Base):
    """How far occurrences are kept as rows: one row (id 1), or none when they are not."""

    __tablename__ = "maintenance_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    until: Mapped[datetime]  # every occurrence starting before this has its row
    kept_from: Mapped[datetime]  # ... and ending after this (earlier ones may be pruned)
    longest_seconds: Mapped[int]  # no occurrence with a row lasts longer
    updated_at: Mapped[datetime]


@dataclass(frozen=True)
class Plan:
    until: datetime
    kept_from: datetime
    longest: timedelta

    def answers_from(self, start: datetime) -> bool:
        """Whether the rows answer for what overlaps a time from ``start`` (up to ``until``):
        none ending after it was pruned, and none lasts longer than reads look back."""
        return self.kept_from <= start and self.longest <= LONGEST


@dataclass(frozen=True)
class Held:
    """An occurrence of a scheduled window, as it stands now (ended early: clipped)."""

    window_id: int
    resource_id: int
    description: str
    start: datetime
    end: datetime


def plan_of(session: Session) -> Plan | None:
    row = session.get(MaintenancePlan, 1)
    return _plan(row.until, row.kept_from, row.longest_seconds) if row is not None else None


def _plan(until: datetime, kept_from: datetime, longest: int) -> Plan:
    return Plan(until, kept_from, timedelta(seconds=longest))


def set_plan(
    session: Session, *, until: datetime, kept_from: datetime, longest: timedelta, now: datetime
) -> None:
    values = {
        "until": until,
        "kept_from": kept_from,
        "longest_seconds": int(longest.total_seconds()),
        "updated_at": now,
    }
    stmt = dialect_insert(session, MaintenancePlan).values(id=1, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))


def forget_plan(session: Session) -> None:
    """Stop trusting the occurrence rows until the planner has made them all again."""
    session.execute(delete(MaintenancePlan))


def add_occurrences(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert occurrence rows (window_id, resource_id, start, end), skipping any already there."""
    if rows:
        stmt = dialect_insert(session, MaintenanceOccurrence).on_conflict_do_nothing(
            index_elements=["window_id", "start"]
        )
        session.execute(stmt, list(rows))


def drop_occurrences(session: Session, window_id: int) -> None:
    """A window cancelled or done: its rows are of no use (reads skip them all the same)."""
    session.execute(
        delete(MaintenanceOccurrence).where(MaintenanceOccurrence.window_id == window_id)
    )


def drop_all_occurrences(session: Session) -> None:
    session.execute(delete(MaintenanceOccurrence))


def prune_occurrences(session: Session, ended_by: datetime) -> None:
    """Forget occurrences that ended by ``ended_by`` (along the start index: none is longer)."""
    session.execute(
        delete(MaintenanceOccurrence).where(
            MaintenanceOccurrence.start < ended_by, MaintenanceOccurrence.end <= ended_by
        )
    )


_O = MaintenanceOccurrence
_W = MaintenanceWindow
_P = MaintenancePlan


def _of_window(column: Any) -> Any:
    """A column of the occurrence's window, looked up by its key row by row (a correlated
    subquery, so the database never joins the whole windows table)."""
    return select(column).where(_W.id == _O.window_id).scalar_subquery()


def _live(with_ids: bool) -> Any:
    """The rows overlapping [:start, :end) of scheduled windows, each with its end as it stands
    (one ended early with `/maintenance done` ends then) and its window's description."""
    start = bindparam("start", type_=_O.start.type)
    end = bindparam("end", type_=_O.start.type)
    real_end = case(
        (
            and_(_W.done_occurrence == _O.start, _W.done_at < _O.end),
            _W.done_at,
        ),
        else_=_O.end,
    )
    now_end = (
        select(case((_W.status == inline(SCHEDULED), real_end)))
        .where(_W.id == _O.window_id)
        .scalar_subquery()
    )
    found = [
        _O.start < end,
        _O.start >= bindparam("lookback", type_=_O.start.type),
        _O.end > start,
    ]
    if with_ids:
        found.append(_O.resource_id.in_(bindparam("ids", expanding=True)))
    rows = (
        select(
            _O.window_id,
            _O.resource_id,
            _of_window(_W.description).label("description"),
            _O.start,
            now_end.label("end"),
        )
        .where(*found)
        .subquery()
    )
    return select(rows).where(rows.c.end > start, rows.c.end > rows.c.start).subquery()


def _held_join(live: Any) -> Any:
    """The plan row joined to the rows up to ``until``: it comes back alone when none is
    found, and nothing comes back when there is no plan."""
    return _P.__table__.outerjoin(live, live.c.start < _P.until)


@cache
def _held_statement(with_ids: bool, with_limit: bool) -> Any:
    """Built once per shape: it is read on every `/resource available` and `/resource list`,
    and building it (and its cache key) per request cost more than running it."""
    live = _live(with_ids)
    stmt: Any = (
        select(
            _P.until,
            _P.kept_from,
            _P.longest_seconds,
            func.count(live.c.window_id).over(),
            live.c.window_id,
            live.c.resource_id,
            live.c.description,
            live.c.start,
            live.c.end,
        )
        .select_from(_held_join(live))
        .order_by(live.c.start, live.c.window_id)
    )
    if with_limit:
        stmt = stmt.limit(bindparam("limit", type_=Integer()))
    return stmt


def held_between(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    resource_ids: Sequence[int] | None = None,
    limit: int | None = None,
) -> tuple[Plan | None, list[Held], int]:
    """The occurrences with rows overlapping [start, end), by start then window (the first
    ``limit``), and how many there are in all, in one statement with the plan they answer for
    (None: no plan, the rows are not to be trusted)."""
    params: dict[str, Any] = {"start": start, "end": end, "lookback": start - LONGEST}
    if resource_ids is not None:
        params["ids"] = sorted(set(resource_ids))
    if limit is not None:
        params["limit"] = limit
    stmt = _held_statement(resource_ids is not None, limit is not None)
    rows = session.execute(stmt, params).all()
    if not rows:
        return None, [], 0
    plan = _plan(*rows[0][:3])
    return plan, [Held(*r[4:]) for r in rows if r[4] is not None], rows[0][3]


def insert_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert (seeding, imports): one executemany; next occurrences default to the first,
    and so does how far they are planned."""
    filled = [
        {
            "next_start": r["start"],
            "next_end": r["end"],
            "plan_from": r.get("next_start", r["start"]),
        }
        | r
        for r in rows
    ]
    session.execute(MaintenanceWindow.__table__.insert(), filled)
    forget_plan(session)  # these windows have no occurrence rows: plan them all again
