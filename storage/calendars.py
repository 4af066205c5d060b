"""Calendar feeds: each person's feed token, and the bounded reads the feeds are made of.

Only a SHA-256 of a token is stored: the URL is the whole credential, so a copy of the database
must not hand out working feed URLs. Feeds read a time range through indexes (bookings by owner
and end, maintenance windows closed recently by ``closed_at``); nothing loads a whole table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.events import dialect_insert
from storage.maintenance import MaintenanceWindow, WindowStatus
from storage.models import SlackUser
from storage.resources import Booking, BookingStatus, Resource
from storage.transitions import affected

FEED_LIMIT = 2000  # rows of one kind in one feed: far more than 120 days of anyone's bookings

# Windows that ended or were cancelled lately still belong in the feeds (the past 30 days, and
# cancelled ones for a week); this index finds them without reading older history.
Index("ix_maintenance_closed_at", MaintenanceWindow.closed_at)


class CalendarToken(Base):
    """A person's private feed URL, as a hash; replacing it (reset) makes the old URL 404."""

    __tablename__ = "calendar_tokens"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(session: Session, user_id: str) -> CalendarToken | None:
    return session.get(CalendarToken, user_id)


def create_token(session: Session, user_id: str, token: str, now: datetime) -> bool:
    """Store a first token for ``user_id``; False when they already have one (a concurrent
    first request included), which is then left as it is."""
    stmt = (
        dialect_insert(session, CalendarToken)
        .values(user_id=user_id, token_hash=token_hash(token), created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
        .returning(CalendarToken.user_id)
    )
    # RETURNING, not rowcount: an ORM-executed INSERT does not report a row count.
    return session.execute(stmt).scalar() is not None


def replace_token(session: Session, user_id: str, token: str, now: datetime) -> None:
    """The person's token is now ``token``; the old one no longer matches anything."""
    stmt = (
        update(CalendarToken)
        .where(CalendarToken.user_id == user_id)
        .values(token_hash=token_hash(token), created_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected(session, stmt) == 0:
        create_token(session, user_id, token, now)


def owner_of(session: Session, token: str) -> str | None:
    """Whose feed ``token`` opens (one unique-index lookup by its hash), or None."""
    stmt = select(CalendarToken.user_id).where(CalendarToken.token_hash == token_hash(token))
    return session.scalar(stmt)


def bookings_of(
    session: Session, owner: str, start: datetime, end: datetime
) -> list[tuple[Booking, str]]:
    """The person's bookings overlapping [start, end) in any state, with the resource's name
    (read along the (owner, status, end) index)."""
    stmt = (
        select(Booking, Resource.name)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(
            Booking.owner == owner,
            Booking.status.in_([s.value for s in BookingStatus]),
            Booking.end > start,
            Booking.start < end,
        )
        .order_by(Booking.start, Booking.id)
        .limit(FEED_LIMIT)
    )
    return [(b, name) for b, name in session.execute(stmt).all()]


def windows_closed_since(session: Session, since: datetime) -> list[MaintenanceWindow]:
    """Windows done or cancelled at or after ``since`` (their past occurrences happened; a
    cancelled one's later occurrences are shown as cancelled for a while)."""
    stmt = (
        select(MaintenanceWindow)
        .where(
            MaintenanceWindow.closed_at >= since,
            MaintenanceWindow.status.in_([WindowStatus.CANCELLED.value, WindowStatus.DONE.value]),
        )
        .order_by(MaintenanceWindow.closed_at, MaintenanceWindow.id)
        .limit(FEED_LIMIT)
    )
    return list(session.scalars(stmt))


def resource_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Resource.id, Resource.name).where(Resource.id.in_(sorted(ids))))
    return {rid: name for rid, name in rows.all()}


def display_names(session: Session, user_ids: Collection[str]) -> dict[str, str]:
    """Names from the users.info cache; people never looked up are left out."""
    if not user_ids:
        return {}
    stmt = select(SlackUser.id, SlackUser.name).where(SlackUser.id.in_(sorted(user_ids)))
    return {uid: name for uid, name in session.execute(stmt).all() if name}
