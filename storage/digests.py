"""Digest subscriptions, one row per channel, and what the planner needs to remember.

A row holds a channel's own schedule (`mode = "on"`, set with `/digest`), a switch-off that
overrides the config file (`mode = "off"`), or only state for a channel that follows its
`[[digests]]` entry (`mode = "default"`). The state is when the last digest went out (the
"since" of the "closed since" sections) and the latest occurrence already written to the notice
queue, so the planner only looks at channels whose planned occurrence has come.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, String, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base

MODES = ("on", "off", "default")


class DigestChannel(Base):
    __tablename__ = "digest_channels"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), default="default")
    cadence: Mapped[str | None] = mapped_column(String(8))  # daily | weekly
    at: Mapped[str | None] = mapped_column(String(5))  # HH:MM, local
    days: Mapped[str | None] = mapped_column(String(16))  # weekday numbers, "0,1,2,3,4"
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    next_at: Mapped[datetime | None]  # the latest occurrence written to the notice queue
    planned_sig: Mapped[str | None] = mapped_column(String(120))  # the schedule it was planned by

    __table_args__ = (Index("ix_digest_channels_next_at", "next_at"),)


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def get(session: Session, channel: str) -> DigestChannel | None:
    return session.get(DigestChannel, channel)


def ensure(session: Session, channels: Collection[str]) -> None:
    """A state row for each channel (config digests), leaving existing rows alone. Read first:
    the rows are there on every tick but the first, and a tick that only reads takes no
    transaction (``Dispatcher.plan``)."""
    if not channels:
        return
    found = select(DigestChannel.channel).where(DigestChannel.channel.in_(sorted(channels)))
    missing = sorted(set(channels) - set(session.scalars(found)))
    if not missing:
        return
    stmt = (
        _insert(session)(DigestChannel)
        .values([{"channel": c, "mode": "default", "quiet": False} for c in missing])
        .on_conflict_do_nothing(index_elements=["channel"])
    )
    session.execute(stmt)


def save(session: Session, channel: str, values: dict[str, Any]) -> None:
    """Upsert a channel's settings in one statement; planning starts over from now."""
    values = {**values, "next_at": None, "planned_sig": None}
    stmt = _insert(session)(DigestChannel).values(channel=channel, **values)
    stmt = stmt.on_conflict_do_update(index_elements=["channel"], set_=values)
    session.execute(stmt)
    session.expire_all()


def to_plan(
    session: Session, now: datetime, config_channels: Collection[str], *, limit: int
) -> Sequence[DigestChannel]:
    """Channels with a schedule whose planned occurrence has come (config channels always)."""
    in_config = DigestChannel.channel.in_(sorted(config_channels))
    stmt = (
        select(DigestChannel)
        .where(
            or_(DigestChannel.mode == "on", (DigestChannel.mode == "default") & in_config),
            or_(
                DigestChannel.next_at.is_(None),
                DigestChannel.next_at <= now,
                in_config,
            ),
        )
        .order_by(DigestChannel.channel)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def mark_sent(session: Session, channel: str, at: datetime) -> None:
    stmt = _insert(session)(DigestChannel).values(
        channel=channel, mode="default", quiet=False, last_sent_at=at
    )
    stmt = stmt.on_conflict_do_update(index_elements=["channel"], set_={"last_sent_at": at})
    session.execute(stmt)


def mark_planned(session: Session, channel: str, next_at: datetime | None, sig: str) -> None:
    session.execute(
        update(DigestChannel)
        .where(DigestChannel.channel == channel)
        .values(next_at=next_at, planned_sig=sig)
        .execution_options(synchronize_session=False)
    )
