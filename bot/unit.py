"""The unit of work behind one request: who is acting, in which zone, and events acted on once.

The Slack edge (``handlers/work.py``) wraps these in its one error path; they know nothing of
Slack payloads, so the console and any other front door get the same guarantees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.context import Actor, Ctx
from bot.errors import UserError
from bot.messenger import UserInfo
from bot.runtime import Runtime
from bot.users import known_zone, look_up_later, time_zone
from storage import events
from storage.db import WriteNeeded as WriteNeeded  # what ``reading`` hands back
from storage.db import deadline, lost_connection, only_reading, optimistic, time_left

T = TypeVar("T")

log = logging.getLogger(__name__)


def request_deadline(rt: Runtime) -> AbstractContextManager[None]:
    """Every database call of the request ends in time for Slack's 3 seconds."""
    return deadline(rt.settings.OPSDESK_REQUEST_DEADLINE_MS / 1000)


def first_delivery(session: Session, event_id: str, now: datetime) -> bool:
    """Mark the event handled in this transaction; False when an earlier delivery already was.

    The mark commits with the event's effect, so a delivery that dies half-way leaves none and
    Slack's retry does the work.
    """
    return events.mark_processed(session, event_id, now)


def acting(
    rt: Runtime, session: Session, user_id: str, now: datetime, *, met: UserInfo | None
) -> Ctx:
    """The unit's world for ``user_id``: their zone from the cache (refreshed after the
    response when stale, never while they wait) and their admin rights."""
    tz, stale = known_zone(
        session, user_id, now=now, default=rt.config.timezone, introduced=met, lookups=rt.lookups
    )
    ctx = Ctx(session, now, rt.config, Actor(user_id, tz, rt.config.is_admin(user_id)), rt.registry)
    if stale:
        ctx.outbox.after(look_up_later(rt.sessions, rt.lookups, user_id, rt.clock.now))
    return ctx


def acted_on_once(session: Session, work: Callable[[], T]) -> T:
    """Run an event's work in a savepoint: a user error undoes the work but keeps the mark,
    since the error reply is this event's answer and a retry must not give it twice."""
    try:
        with session.begin_nested():
            return work()
    except UserError:
        session.commit()
        raise


@contextmanager
def unit_of_work(rt: Runtime, user_id: str) -> Iterator[Ctx]:
    """A committed unit of work acting as ``user_id`` outside any request (e.g. after one):
    the zone comes from the cache only."""
    now = rt.clock.now()
    with rt.transaction() as session:
        tz = time_zone(session, user_id, now=now, default=rt.config.timezone)
        actor = Actor(user_id, tz, is_admin=rt.config.is_admin(user_id))
        yield Ctx(session=session, now=now, config=rt.config, actor=actor, registry=rt.registry)


def reading(rt: Runtime, work: Callable[[Session], T]) -> T | WriteNeeded:
    """``work`` as a unit that only reads: its statements are not wrapped in a transaction
    (one round trip each on PostgreSQL) and its connection is not pinged first. A connection
    found lost on the way is replaced and ``work`` runs once more (it changed nothing, so
    that is safe), unless what is left of the request deadline could not cover opening a
    connection (the connect timeout is not cut by the deadline). When ``work`` tries to write
    or lock, it stops there and ``WriteNeeded`` is returned: run it again as a transaction."""
    for attempt in (1, 2):
        try:
            with optimistic():
                return only_reading(rt.reads, work)
        except Exception as exc:
            left = time_left()
            connecting = rt.settings.db_limits.connect_timeout_s
            if attempt == 2 or not lost_connection(exc) or (left is not None and left < connecting):
                raise
            log.info("a pooled database connection was lost; reading again on a fresh one")
    raise AssertionError("unreachable")


def is_outage(exc: BaseException) -> bool:
    """The database is down, frozen, busy or out of connections: expected, not a bug."""
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeout)
