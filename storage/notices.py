"""The notice queue's statements: enqueue, cancel, claim, record the outcome, find what is due.

A notice row moves pending -> sending (claimed) -> calling (a call that may post is under way)
-> sent | skipped | failed, back to pending to be retried, or to unknown when a call may have
reached Slack; a pending row may be cancelled. Every write to a claimed row names its claim
(``claims``), so a process whose claim lapsed changes nothing. The policy (back-off, leases,
waiting, what a doubt is) belongs to the dispatcher; here are only the statements it runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, delete, func, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.base import Base
from storage.models import LIVE_NOTICE, Notice, NoticeStatus
from storage.transitions import affected, compare_and_return, compare_and_set

__all__ = [
    "LIVE_NOTICE",
    "Claimed",
    "NewNotice",
    "Notice",
    "NoticeStatus",
    "bring_forward",
    "by_status_and_kind",
    "cancel",
    "cancel_all",
    "claim",
    "drop_pending",
    "due_ids",
    "enqueue",
    "enqueue_many",
    "failed_between",
    "health",
    "in_flight",
    "latest_in_line",
    "line_started",
    "live",
    "load",
    "move",
    "next_due",
    "oldest_due",
    "queued_kinds",
    "recover_stale",
    "reschedule",
]

PENDING, SENDING = NoticeStatus.PENDING, NoticeStatus.SENDING
CALLING, UNKNOWN = NoticeStatus.CALLING, NoticeStatus.UNKNOWN
CLAIMABLE = (PENDING, UNKNOWN)
REVIVED = "#"  # a notice made again after its line failed: "<key>#2", "<key>#3"...


def _insert(
    session: Session,
) -> Callable[[type[Base] | Table], postgresql.Insert | sqlite.Insert]:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# --- writing and withdrawing --------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    dedupe_key: str | None,
    expires_at: datetime | None,
    now: datetime,
    progress: dict[str, Any] | None = None,
) -> int | None:
    """Insert unless a notice with this dedupe key exists; returns the new id or None.

    ``progress`` carries what an earlier notice of the same line delivered or left in doubt.
    """
    new = NewNotice(kind, payload, due_at, dedupe_key, expires_at)
    stmt = (
        _insert(session)(Notice)
        .values(**_row(new, _key(new), now, progress))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notice.id)
    )
    return session.execute(stmt).scalar_one_or_none()


@dataclass(frozen=True)
class NewNotice:
    """One notice for ``enqueue_many``: what ``enqueue`` takes for each row."""

    kind: str
    payload: dict[str, Any]
    due_at: datetime
    dedupe_key: str | None
    expires_at: datetime | None


def enqueue_many(session: Session, new: Sequence[NewNotice], *, now: datetime) -> list[int | None]:
    """Insert each notice unless one with its dedupe key exists, as ``enqueue`` one after
    another would, in one statement per thousand rows (SQLAlchemy's insertmanyvalues pages a
    list of rows so) rather than one each: what a planner queues on its first tick after a
    deploy or an import was thousands of round trips in one transaction.

    Returns the new ids in the order given, None for a notice whose key was queued before, and
    for a key met again in ``new`` after its first: the first wins, as it would one at a time.
    """
    keys = [_key(n) for n in new]
    first: dict[str, int] = {}  # key -> the position of its first notice
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    if not first:
        return []
    # Repeats left out before the statement: within one INSERT, PostgreSQL would still draw an
    # id from the sequence for each, and neither database documents which of two rows it keeps.
    rows = [_row(new[i], key, now) for key, i in first.items()]
    # The table, not the mapped class: the ORM's bulk INSERT leaves out the columns a row has
    # as None, and sends one statement for each set of columns the rows name.
    stmt = (
        _insert(session)(Notice.__table__)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notice.id, Notice.dedupe_key)
    )
    made = {key: notice_id for notice_id, key in session.execute(stmt, rows)}
    return [made.get(key) if first[key] == i else None for i, key in enumerate(keys)]


def _key(new: NewNotice) -> str:
    return new.dedupe_key or f"{new.kind}:{uuid.uuid4().hex}"


def _row(
    new: NewNotice, key: str, now: datetime, progress: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The row's columns, every one named: a list of rows must all name the same columns."""
    return {
        "kind": new.kind,
        "payload": new.payload,
        "dedupe_key": key,
        "due_at": new.due_at,
        "expires_at": new.expires_at,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "progress": progress or {},
        "claims": 0,
    }


def cancel(session: Session, *, prefix: str) -> int:
    """Cancel pending notices whose dedupe key starts with ``prefix`` (e.g. ``"incident:7:"``).

    On PostgreSQL the prefix is read along ``ix_notices_pending_key_prefix`` (migration 0016,
    ``varchar_pattern_ops`` over pending rows): the unique index cannot serve ``LIKE`` under a
    non-C collation, and every pending notice would be read.
    """
    return _cancel_under(session, [prefix])


CANCEL_CHUNK = 200  # prefixes per statement: one OR of index ranges each


def cancel_all(session: Session, *, prefixes: Sequence[str]) -> int:
    """``cancel`` for many prefixes (a removed resource's bookings, say): a statement per
    ``CANCEL_CHUNK`` of them instead of one each."""
    chunks = range(0, len(prefixes), CANCEL_CHUNK)
    return sum(_cancel_under(session, prefixes[i : i + CANCEL_CHUNK]) for i in chunks)


def _cancel_under(session: Session, prefixes: Sequence[str]) -> int:
    """One UPDATE: the pending notices under any of ``prefixes``, cancelled."""
    Notice.states.check({PENDING}, NoticeStatus.CANCELLED)
    under = [Notice.dedupe_key.startswith(prefix, autoescape=True) for prefix in prefixes]
    stmt = (
        update(Notice)
        .where(Notice.status == PENDING, or_(*under))
        .values(status=NoticeStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt)


def drop_pending(session: Session, *, prefix: str) -> int:
    """Delete pending notices whose key starts with ``prefix``, freeing their keys for reuse.

    Rows already claimed or sent are left alone.
    """
    stmt = (
        delete(Notice)
        .where(Notice.status == PENDING, Notice.dedupe_key.startswith(prefix, autoescape=True))
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt)


def reschedule(session: Session, *, dedupe_key: str, due_at: datetime) -> bool:
    stmt = (
        update(Notice)
        .where(Notice.status == PENDING, Notice.dedupe_key == dedupe_key)
        .values(due_at=due_at)
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt) == 1


def bring_forward(
    session: Session, *, dedupe_key: str, due_at: datetime, payload: dict[str, Any]
) -> int | None:
    """Make the pending notice with this key due at ``due_at`` with a new payload; its id, or
    None when there is no such notice or it is no longer pending."""
    notice = session.scalar(select(Notice).where(Notice.dedupe_key == dedupe_key))
    if notice is None or notice.status != PENDING:
        return None
    notice.due_at, notice.payload = due_at, payload
    session.flush()
    return notice.id


def in_flight(session: Session, *, like: str) -> bool:
    """Whether a notice whose key matches ``like`` (SQL LIKE) is being sent at this moment, or
    may have been sent and is yet to be found out."""
    return live(session, like=like, statuses=(SENDING, CALLING, UNKNOWN))


def live(session: Session, *, like: str, statuses: Collection[str] = LIVE_NOTICE) -> bool:
    """Whether a notice whose key matches ``like`` (SQL LIKE) is still on its way."""
    found = session.scalar(
        select(Notice.id)
        .where(Notice.dedupe_key.like(like), Notice.status.in_(list(statuses)))
        .limit(1)
    )
    return found is not None


def latest_in_line(session: Session, key: str) -> Notice | None:
    """The newest notice of ``key``'s line: the notice itself or the latest made again."""
    return session.scalar(
        select(Notice)
        .where(
            or_(
                Notice.dedupe_key == key,
                Notice.dedupe_key.startswith(key + REVIVED, autoescape=True),
            )
        )
        .order_by(Notice.id.desc())
        .limit(1)
    )


def line_started(session: Session, key: str) -> datetime | None:
    """When the first notice of ``key``'s line was written."""
    return session.scalar(select(Notice.created_at).where(Notice.dedupe_key == key))


# --- what the dispatcher runs -------------------------------------------------------------------


def due_ids(session: Session, now: datetime, *, limit: int) -> Sequence[int]:
    """Notices due by ``now`` (pending, or in doubt), oldest due first."""
    return session.scalars(
        select(Notice.id)
        .where(Notice.status.in_(CLAIMABLE), Notice.due_at <= now)
        .order_by(Notice.due_at, Notice.id)
        .limit(limit)
    ).all()


def next_due(session: Session) -> tuple[datetime | None, datetime | None]:
    """When the next notice falls due, and the oldest claim still held (its lease ends later)."""
    due = session.scalar(select(func.min(Notice.due_at)).where(Notice.status.in_(CLAIMABLE)))
    claimed = session.scalar(
        select(func.min(Notice.claimed_at)).where(Notice.status.in_((SENDING, CALLING)))
    )
    return due, claimed


@dataclass(frozen=True)
class Claimed:
    """A row just claimed: its claim token and what sending it starts from."""

    claims: int
    kind: str
    attempts: int  # this claim's included
    created_at: datetime
    payload: dict[str, Any]
    expires_at: datetime | None
    progress: dict[str, Any]


_CLAIMED = (
    Notice.claims,
    Notice.kind,
    Notice.attempts,
    Notice.created_at,
    Notice.payload,
    Notice.expires_at,
    Notice.progress,
)


def claim(
    session: Session, notice_id: int, now: datetime, *, early: bool = False
) -> Claimed | None:
    """Take a due row (pending, or in doubt) for sending; its claim and what the row holds, or
    None if another process has it. ``early`` also takes a pending one whose retry is not due
    yet.

    Conditional, so of two processes claiming one row exactly one wins; the row comes back in
    the same statement (``RETURNING``), as this claim left it.
    """
    due = Notice.due_at <= now if not early else Notice.due_at.is_not(None)
    row = compare_and_return(
        session,
        Notice,
        notice_id,
        expected=set(CLAIMABLE),
        values={
            "status": SENDING,
            "claimed_at": now,
            "attempts": Notice.attempts + 1,
            "claims": Notice.claims + 1,
        },
        where=(due,),
        returning=_CLAIMED,
    )
    return None if row is None else Claimed(**row._asdict())


def load(session: Session, notice_id: int) -> Notice | None:
    return session.get(Notice, notice_id)


def move(
    session: Session,
    notice_id: int,
    claims: int,
    *,
    expected: Collection[str],
    values: dict[str, Any],
    give_back_attempt: bool = False,
) -> bool:
    """Change a row this claim still holds; False when the claim lapsed (another took over).

    ``give_back_attempt``: the claim did not count as an attempt (it only waited).
    """
    if give_back_attempt:
        values = {**values, "attempts": Notice.attempts - 1}
    return compare_and_set(
        session,
        Notice,
        notice_id,
        expected=expected,
        values=values,
        unchanged={"claims": claims},
    )


def recover_stale(session: Session, claimed_before: datetime, now: datetime) -> tuple[int, int]:
    """Claims held since before ``claimed_before`` lapse: a row claimed with no call under way
    is due again at once, a row with a call under way is in doubt. How many of each."""
    Notice.states.check({SENDING}, PENDING)
    Notice.states.check({CALLING}, UNKNOWN)
    before_call = Notice.status == SENDING
    # One statement (it runs before every batch of the sweep), each row told apart by its status.
    stmt = (
        update(Notice)
        .where(Notice.status.in_((SENDING, CALLING)), Notice.claimed_at < claimed_before)
        .values(
            status=case((before_call, str(PENDING)), else_=str(UNKNOWN)),
            due_at=now,
            last_error=case(
                (before_call, "interrupted before calling Slack"),
                else_="interrupted while calling Slack",
            ),
        )
        .returning(Notice.status)
        .execution_options(synchronize_session=False)
    )
    now_in = list(session.scalars(stmt))
    return now_in.count(PENDING), now_in.count(UNKNOWN)


@dataclass(frozen=True)
class Health:
    failed: int  # failed since the given time
    oldest_due: datetime | None  # the longest-waiting notice that is due and not yet out


def health(session: Session, now: datetime, failed_since: datetime) -> Health:
    failed = session.scalar(
        select(func.count())
        .select_from(Notice)
        .where(Notice.status == NoticeStatus.FAILED, Notice.failed_at >= failed_since)
    )
    return Health(int(failed or 0), oldest_due(session, now))


def oldest_due(session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting notice that is due and not yet out fell due."""
    return session.scalar(
        select(func.min(Notice.due_at)).where(Notice.status.in_(CLAIMABLE), Notice.due_at <= now)
    )


def failed_between(
    session: Session, start: datetime, end: datetime, *, limit: int
) -> tuple[Sequence[Notice], int]:
    """Notices that failed in [start, end), oldest first (at most ``limit``), and how many."""
    where = (
        Notice.status == NoticeStatus.FAILED,
        Notice.failed_at >= start,
        Notice.failed_at < end,
    )
    rows = session.scalars(
        select(Notice).where(*where).order_by(Notice.failed_at, Notice.id).limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(Notice).where(*where))
    return rows, int(total or 0)


def queued_kinds(session: Session) -> dict[str, int]:
    """How many notices of each kind are still to be sent or being sent right now."""
    rows = session.execute(
        select(Notice.kind, func.count())
        .where(Notice.status.in_(list(LIVE_NOTICE)))
        .group_by(Notice.kind)
    )
    return {kind: count for kind, count in rows}


# What /metrics counts (bot/metrics.py): the queue and the recent failures, never the history.
COUNTED = (PENDING, SENDING, CALLING, UNKNOWN, NoticeStatus.FAILED)


def by_status_and_kind(
    session: Session, now: datetime, failed_since: datetime
) -> dict[tuple[str, str], int]:
    """How many notices of each (status, kind) are on their way: pending and due by ``now``,
    being sent, or in doubt, plus those failed since ``failed_since``.

    Three reads along the (status, due_at) index, one per part (with an OR, SQLite would read
    the whole index): sent, skipped and cancelled rows, which grow with history, are never
    visited, and neither are pending rows planned for later.
    """
    parts = (
        (Notice.status == PENDING, Notice.due_at <= now),
        (Notice.status.in_((SENDING, CALLING, UNKNOWN)),),
        (Notice.status == NoticeStatus.FAILED, Notice.failed_at >= failed_since),
    )
    rows = session.execute(
        union_all(
            *(
                select(Notice.status, Notice.kind, func.count())
                .where(*where)
                .group_by(Notice.status, Notice.kind)
                for where in parts
            )
        )
    )
    return {(status, kind): count for status, kind, count in rows}
