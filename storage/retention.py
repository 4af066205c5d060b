"""Pruning what only grows: finished notices and Slack event ids already handled.

Each call deletes at most ``batch`` rows, found along an index (notices by their status and due
time, ``ix_notices_status_due``; events by ``received_at``), so a prune never holds long locks
and costs the same at any size. The audit trail (``audit_events``) is never pruned here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Notice, NoticeStatus, ProcessedEvent
from storage.transitions import affected

# Nothing more will happen to these: a pending, claimed, calling or in-doubt notice is never
# pruned, whatever its age.
FINISHED = (NoticeStatus.SENT, NoticeStatus.SKIPPED, NoticeStatus.CANCELLED, NoticeStatus.FAILED)


def prune_notices(session: Session, before: datetime, *, batch: int) -> int:
    """Delete up to ``batch`` finished notices due before ``before`` (for a finished notice its
    due time is its last attempt, a retry moving it on); how many went."""
    oldest = (
        select(Notice.id)
        .where(Notice.status.in_([s.value for s in FINISHED]), Notice.due_at < before)
        .limit(batch)
    )
    stmt = (
        delete(Notice)
        .where(Notice.id.in_(oldest.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt)


def prune_events(session: Session, before: datetime, *, batch: int) -> int:
    """Delete up to ``batch`` handled Slack event ids received before ``before``."""
    oldest = select(ProcessedEvent.event_id).where(ProcessedEvent.received_at < before)
    stmt = (
        delete(ProcessedEvent)
        .where(ProcessedEvent.event_id.in_(oldest.limit(batch).scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return affected(session, stmt)
