"""Whose clock a person reads: their Slack time zone (users.info, cached a day), else the team's.

users.info is never called inside a database transaction and never sleeps on Retry-After. A
person the app has never met is asked about once, before their first unit of work, with a 1 s
timeout and no retries (reading their first command in the wrong zone would book the wrong
hour); if Slack is slow or rate limiting, the team's zone does and the look-up is tried again
after the response. A known person's stale entry is used as it is and refreshed after the
response. One look-up per person at a time (others asking meanwhile share its answer), and
after a failed one the next waits a minute.

Each process keeps what it read of the cache in memory (``Lookups``), so a known person's
request reads no row for their zone: the entry is the row as read or as this process refreshed
it, and goes stale on the row's own schedule (a day), when this process refreshes it after the
response like any stale row. A zone changed in Slack reaches every process within a day, as
before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.messenger import Messenger, UserInfo
from bot.tz import is_zone, zone
from storage import users
from storage.db import transaction

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)
RETRY_AFTER_S = 60.0
SHARE_WAIT_S = 1.5  # a request waits this long at most for another's look-up of the same person


def _zone_or(tz: str | None, default: str) -> ZoneInfo:
    return zone(tz) if tz and is_zone(tz) else zone(default)


def known_zone(
    session: Session,
    user_id: str,
    *,
    now: datetime,
    default: str,
    introduced: UserInfo | None = None,
    lookups: Lookups | None = None,
) -> tuple[ZoneInfo, bool]:
    """The zone to read this person's times in, and whether to look them up after the response.

    ``introduced`` is what Slack said just before this unit of work (``introduce``); it is
    remembered in the unit's transaction with an upsert, so simultaneous first contacts agree.
    With ``lookups``, a person already read in this process is answered from memory.
    """
    if introduced is not None:
        users.remember(session, user_id, name=introduced.name, tz=introduced.tz, at=now)
        return _zone_or(introduced.tz, default), False
    entry = lookups.zone_of(user_id) if lookups is not None else None
    if entry is None:
        row = users.cached(session, user_id)
        if row is None:
            return zone(default), True
        entry = _Zone(row.tz, row.fetched_at)
        if lookups is not None:
            lookups.keep(user_id, entry)
    return _zone_or(entry.tz, default), now - entry.fetched_at >= FRESH_FOR


def time_zone(session: Session, user_id: str, *, now: datetime, default: str) -> ZoneInfo:
    return known_zone(session, user_id, now=now, default=default)[0]


@dataclass(frozen=True)
class _Zone:
    """One person's cache row as this process last read or wrote it."""

    tz: str | None
    fetched_at: datetime


@dataclass
class _Asking:
    done: threading.Event = field(default_factory=threading.Event)
    answer: UserInfo | None = None


class Lookups:
    """Per runtime: who has a cache row, who is being asked about now, whose look-up failed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asking: dict[str, _Asking] = {}
        self._failed_at: dict[str, float] = {}
        self._met: set[str] = set()
        self._zones: dict[str, _Zone] = {}

    def met(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._met

    def zone_of(self, user_id: str) -> _Zone | None:
        return self._zones.get(user_id)  # one dict read: atomic, no lock needed

    def keep(self, user_id: str, entry: _Zone) -> None:
        """Remember a row as read or committed; an older one never replaces a newer one."""
        with self._lock:
            held = self._zones.get(user_id)
            if held is None or held.fetched_at <= entry.fetched_at:
                self._zones[user_id] = entry
            self._met.add(user_id)

    def meet(self, user_id: str) -> None:
        with self._lock:
            self._met.add(user_id)

    def ask(
        self, user_id: str, messenger: Messenger, *, backoff_on_failure: bool
    ) -> UserInfo | None:
        """users.info, once at a time per person; None when Slack did not answer."""
        with self._lock:
            failed = self._failed_at.get(user_id)
            if failed is not None and time.monotonic() - failed < RETRY_AFTER_S:
                return None
            asking = self._asking.get(user_id)
            mine = asking is None
            if mine:
                asking = self._asking[user_id] = _Asking()
        assert asking is not None
        if not mine:
            asking.done.wait(SHARE_WAIT_S)
            return asking.answer
        try:
            asking.answer = messenger.user_info(user_id)
        except Exception as exc:  # slow or rate limiting: the team's zone does meanwhile
            log.warning("users.info for %s failed: %s", user_id, exc)
        finally:
            with self._lock:
                del self._asking[user_id]
                if asking.answer is not None:
                    self._failed_at.pop(user_id, None)
                elif backoff_on_failure:
                    self._failed_at[user_id] = time.monotonic()
            asking.done.set()
        return asking.answer


def introduce(
    sessions: sessionmaker[Session], messenger: Messenger, lookups: Lookups, user_id: str
) -> UserInfo | None:
    """Before a unit of work, outside any transaction: what Slack says about someone the app
    has never met (None when it knows them, or Slack did not answer at once)."""
    if lookups.met(user_id):
        return None
    with sessions() as session:
        row = users.cached(session, user_id)
    if row is not None:
        lookups.meet(user_id)
        return None
    # A failure here is tried once more after the response before the minute's pause.
    return lookups.ask(user_id, messenger, backoff_on_failure=False)


def look_up_later(
    sessions: sessionmaker[Session],
    lookups: Lookups,
    user_id: str,
    now: Callable[[], datetime],
) -> Callable[[Messenger], None]:
    """An after-response effect: ask Slack for the person's zone and remember it."""

    def look_up(messenger: Messenger) -> None:
        info = lookups.ask(user_id, messenger, backoff_on_failure=True)
        if info is None:
            return
        at = now()
        with transaction(sessions) as session:
            users.remember(session, user_id, name=info.name, tz=info.tz, at=at)
        lookups.keep(user_id, _Zone(info.tz, at))

    return look_up
