"""Occurrences of a maintenance window, expanded in its local time zone.

A window repeated every day, week or month keeps the wall-clock start of its first occurrence
(09:00 stays 09:00 across DST) and lasts the same elapsed time each time. The DST rule, the
same as for every recurrence (bot/recurrence.py): a start that falls in the hour skipped when
clocks spring forward moves forward by the gap (a daily 02:30 window starts at 03:30 local on
that day, and still lasts as long); a start in the repeated autumn hour is its first occurrence.
Monthly windows on the 29th-31st fall on the month's last day in shorter months.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot import ids
from bot.recurrence import shift_local
from bot.resources.availability import Blocker
from bot.tz import zone
from storage import maintenance as repo
from storage.maintenance import MaintenanceWindow

STEP_DAYS = {"day": 1, "week": 7}
PERIOD = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=28)}
LIMIT = 400

Occurrence = tuple[datetime, datetime]


def ref(window: MaintenanceWindow) -> str:
    return ids.fmt("MNT", window.id)


def nth_start(window: MaintenanceWindow, k: int) -> datetime:
    if k == 0 or window.every is None:
        return window.start
    tz = zone(window.tz)
    if window.every == "month":
        return shift_local(window.start, tz, months=k)
    return shift_local(window.start, tz, days=k * STEP_DAYS[window.every])


def _first_index(window: MaintenanceWindow, after: datetime) -> int:
    """A safe lower bound on the index of the first occurrence ending after ``after``."""
    lag = after - (window.end - window.start) - window.start
    if lag <= timedelta(0) or window.every is None:
        return 0
    if window.every == "month":
        return max(0, int(lag / timedelta(days=31)) - 1)
    return max(0, lag.days // STEP_DAYS[window.every] - 1)


def occurrences(
    window: MaintenanceWindow, start: datetime, end: datetime, *, limit: int = LIMIT
) -> list[Occurrence]:
    """Occurrences overlapping [start, end), earliest first (an ended-early one is clipped)."""
    length = window.end - window.start
    out: list[Occurrence] = []
    k = _first_index(window, start)
    while len(out) < limit:
        s = nth_start(window, k)
        if s >= end:
            break
        e = s + length
        if window.done_occurrence == s and window.done_at is not None:
            e = min(e, window.done_at)
        if e > start and e > s:
            out.append((s, e))
        if window.every is None:
            break
        k += 1
    return out


def current_or_next(window: MaintenanceWindow, now: datetime) -> Occurrence | None:
    found = occurrences(window, now, now + timedelta(days=400), limit=1)
    return found[0] if found else None


def maintenance_blockers(
    session: Session, resource_ids: Sequence[int], start: datetime, end: datetime
) -> list[Blocker]:
    """Maintenance makes a resource unavailable, like a booking of all its capacity."""
    if not resource_ids:
        return []
    found = []
    for window in repo.live_between(session, start, end, resource_ids=resource_ids, limit=200):
        for s, e in occurrences(window, start, end):
            what = f"maintenance: {window.description}"
            found.append(Blocker(window.resource_id, s, e, ref(window), what))
    return found
