"""Recurrences expanded in local wall time, so 09:00 stays 09:00 across DST changes.

APScheduler's CronTrigger is not used for this: in 3.11 it can skip a run at local midnight on a
DST change, and the database, not the job store, is the truth. The rules, in one place:
- a local time that does not exist (spring-forward gap) moves forward by the gap: a daily 02:30
  in Europe/Berlin runs at 03:30 on the last Sunday of March;
- a local time that happens twice (autumn fold) runs once, at its first occurrence.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.timeparse import local_to_utc

EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``day`` in ``tz`` (gap: shifted, fold: first)."""
    return local_to_utc(datetime.combine(day, at), tz, on_gap="shift")


def daily(
    at: time,
    tz: ZoneInfo,
    *,
    after: datetime,
    weekdays: frozenset[int] = EVERY_DAY,
) -> Iterator[datetime]:
    """UTC instants of ``at`` local time on the given weekdays, strictly after ``after``."""
    if not weekdays:
        return
    day = after.astimezone(tz).date() - timedelta(days=1)
    while True:
        if day.weekday() in weekdays:
            instant = at_local(day, at, tz)
            if instant > after:
                yield instant
        day += timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """Same day of month, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def shift_local(start: datetime, tz: ZoneInfo, *, days: int = 0, months: int = 0) -> datetime:
    """Move a UTC instant by whole local days/months, keeping its wall-clock time."""
    local = start.astimezone(tz)
    day = add_months(local.date(), months) + timedelta(days=days)
    return at_local(day, local.time().replace(tzinfo=None, fold=0), tz)
