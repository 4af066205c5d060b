"""Slack events already acted on: the mark is written by the transaction that acts on one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent


def dialect_insert(session: Session, model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT, in the session's dialect (PostgreSQL or SQLite)."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def mark_processed(session: Session, event_id: str, at: datetime) -> bool:
    """Mark ``event_id`` handled in this transaction; False when another already did.

    On PostgreSQL a concurrent delivery of the same event waits here until the first one
    commits (then it is a duplicate) or rolls back (then this one does the work).
    """
    stmt = (
        dialect_insert(session, ProcessedEvent)
        .values(event_id=event_id[:64], received_at=at)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProcessedEvent.event_id)
    )
    # RETURNING, not rowcount: an ORM-executed INSERT does not report a row count.
    return session.execute(stmt).scalar() is not None
