"""The read API's own reads: incidents a page at a time, along the severity indexes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from storage.incidents import WORST_FIRST, Incident

# Where a page ends: the (severity, raised, id) of its last incident; the next page starts after.
Position = tuple[str, datetime, int]


def incidents_page(
    session: Session, statuses: Sequence[str], *, after: Position | None, limit: int
) -> list[Incident]:
    """Incidents in ``statuses``, worst first then oldest, ``limit`` after ``after``.

    Keyset paging: each page is one indexed range read, however deep, and an incident raised
    while someone pages is never shown twice or skipped among those already passed.
    """
    stmt = select(Incident).where(Incident.status.in_(list(statuses)))
    if after is not None:
        stmt = stmt.where(tuple_(*WORST_FIRST) > after)  # typed by the columns
    return list(session.scalars(stmt.order_by(*WORST_FIRST).limit(limit)))
