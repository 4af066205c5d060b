"""The notice queue: announcements, reminders and digests as rows, sent exactly once.

Areas declare a handler per notice kind and, where they have recurring work, a planner that
writes upcoming rows (``add_notice_kind``, ``add_planner`` in bot/registry.py). The dispatcher
claims a due row with a conditional update, hands it to its handler with a fresh unit of work,
and marks it sent in that same transaction. A failed send goes back to pending with
back-off until it expires; a row claimed by a process that then died is never re-sent, because
the Web API has no idempotency key and a duplicate page at 3am is worse than a logged gap.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Notice

log = logging.getLogger(__name__)


class Skip(Exception):
    """Raised by a handler when its notice is no longer relevant (e.g. the incident is resolved)."""


class NotYet(Exception):
    """Raised by a handler whose notice depends on another that has not gone out yet.

    Two requests a moment apart (raise, then acknowledge) flush on different threads, so the
    edit of an announcement can come before the announcement. It is retried within seconds.
    """


def in_flight(session: Session, *, like: str) -> bool:
    """Whether a notice whose key matches ``like`` (SQL LIKE) is being sent at this moment."""
    found = session.scalar(
        select(Notice.id).where(Notice.dedupe_key.like(like), Notice.status == "sending").limit(1)
    )
    return found is not None


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


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
            status="pending",
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notice.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def cancel(session: Session, *, prefix: str) -> int:
    """Cancel pending notices whose dedupe key starts with ``prefix`` (e.g. ``"incident:7:"``)."""
    stmt = (
        update(Notice)
        .where(Notice.status == "pending", Notice.dedupe_key.startswith(prefix, autoescape=True))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount


def reschedule(session: Session, *, dedupe_key: str, due_at: datetime) -> bool:
    stmt = (
        update(Notice)
        .where(Notice.status == "pending", Notice.dedupe_key == dedupe_key)
        .values(due_at=due_at)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1
