"""The notice queue's statements."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Notice


def queued_kinds(session: Session) -> dict[str, int]:
    """How many notices of each kind are still to be sent (pending) or being sent right now."""
    rows = session.execute(
        select(Notice.kind, func.count())
        .where(Notice.status.in_(("pending", "sending")))
        .group_by(Notice.kind)
    )
    return {kind: count for kind, count in rows}
