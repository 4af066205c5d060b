"""The notice queue's statements: enqueue, cancel, claim, record the outcome, find what is due.

A notice row moves pending -> sending (claimed) -> sent | skipped | failed, or back to pending
to be retried; a pending row may be cancelled. The policy (back-off, how long to wait, what a
stale claim is) belongs to the dispatcher; here are only the statements it runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.base import Base
from storage.models import Notice, NoticeStatus
from storage.transitions import affected, compare_and_set

__all__ = [
    "Notice",
    "NoticeStatus",
    "abandon_stale",
    "bring_forward",
    "cancel",
    "claim",
    "drop_pending",
    "due_ids",
    "enqueue",
    "finish",
    "in_flight",
    "load",
    "next_due",
    "queued_kinds",
    "reschedule",
    "retry",
]

PENDING, SENDING = NoticeStatus.PENDING, NoticeStatus.SENDING


def _insert(session: Session) -> Callable[[type[Base]], postgresql.Insert | sqlite.Insert]:
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
) -> int | None:
    """Insert unless a notice with this dedupe key exists; returns the new id or None."""
    stmt = (
        _insert(session)(Notice)
        .values(
            kind=kind,
            payload=payload,
            dedupe_key=dedupe_key or f"{kind}:{uuid.uuid4().hex}",
            due_at=due_at,
            expires_at=expires_at,
            status=PENDING,
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notice.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def cancel(session: Session, *, prefix: str) -> int:
    """Cancel pending notices whose dedupe key starts with ``prefix`` (e.g. ``"incident:7:"``)."""
    Notice.states.check({PENDING}, NoticeStatus.CANCELLED)
    stmt = (
        update(Notice)
        .where(Notice.status == PENDING, Notice.dedupe_key.startswith(prefix, autoescape=True))
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
    """Whether a notice whose key matches ``like`` (SQL LIKE) is being sent at this moment."""
    found = session.scalar(
        select(Notice.id).where(Notice.dedupe_key.like(like), Notice.status == SENDING).limit(1)
    )
    return found is not None


# --- what the dispatcher runs -------------------------------------------------------------------


def due_ids(session: Session, now: datetime, *, limit: int) -> Sequence[int]:
    """Pending notices due by ``now``, oldest due first."""
    return session.scalars(
        select(Notice.id)
        .where(Notice.status == PENDING, Notice.due_at <= now)
        .order_by(Notice.due_at, Notice.id)
        .limit(limit)
    ).all()


def next_due(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Notice.due_at)).where(Notice.status == PENDING))


def claim(session: Session, notice_id: int, now: datetime, *, early: bool = False) -> bool:
    """Take a pending row for sending; ``early`` also takes one whose retry is not due yet.

    Conditional, so of two processes claiming one row exactly one wins.
    """
    due = Notice.due_at <= now if not early else Notice.due_at.is_not(None)
    return compare_and_set(
        session,
        Notice,
        notice_id,
        expected={PENDING},
        values={"status": SENDING, "claimed_at": now, "attempts": Notice.attempts + 1},
        where=(due,),
    )


def load(session: Session, notice_id: int) -> Notice | None:
    return session.get(Notice, notice_id)


def finish(notice: Notice, status: NoticeStatus, now: datetime, error: str | None) -> None:
    """Record how a claimed notice ended: sent, skipped or failed."""
    notice.status = status
    notice.last_error = error
    if status == NoticeStatus.SENT:
        notice.sent_at = now


def retry(notice: Notice, *, due_at: datetime, error: str, counted: bool = True) -> None:
    """Back to pending, due again at ``due_at``; ``counted=False`` gives the attempt back."""
    if not counted:
        notice.attempts -= 1
    notice.last_error = error
    notice.status = PENDING
    notice.due_at = due_at


def abandon_stale(session: Session, claimed_before: datetime, *, error: str) -> int:
    """Fail rows claimed before ``claimed_before`` and never finished; how many there were."""
    Notice.states.check({SENDING}, NoticeStatus.FAILED)
    return affected(
        session,
        update(Notice)
        .where(Notice.status == SENDING, Notice.claimed_at < claimed_before)
        .values(status=NoticeStatus.FAILED, last_error=error)
        .execution_options(synchronize_session=False),
    )


def queued_kinds(session: Session) -> dict[str, int]:
    """How many notices of each kind are still to be sent (pending) or being sent right now."""
    rows = session.execute(
        select(Notice.kind, func.count())
        .where(Notice.status.in_((NoticeStatus.PENDING, NoticeStatus.SENDING)))
        .group_by(Notice.kind)
    )
    return {kind: count for kind, count in rows}
