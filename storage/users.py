"""The users.info cache: each person's Slack time zone and display name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.events import dialect_insert
from storage.models import SlackUser


def cached(session: Session, user_id: str) -> SlackUser | None:
    return session.get(SlackUser, user_id)


def remember(
    session: Session, user_id: str, *, name: str | None, tz: str | None, at: datetime
) -> None:
    """Insert or refresh one person's row; concurrent first contacts never clash."""
    values = {"name": name, "tz": tz, "fetched_at": at}
    stmt = dialect_insert(session, SlackUser).values(id=user_id, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))
