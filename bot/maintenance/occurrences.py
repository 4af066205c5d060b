"""Occurrences of a maintenance window, expanded in its local time zone.

A window repeated every day, week or month keeps the wall-clock start of its first occurrence
(09:00 stays 09:00 across DST) and lasts the same elapsed time each time. The DST rule, the
same as for every recurrence (bot/recurrence.py): a start that falls in the hour skipped when
clocks spring forward moves forward by the gap (a daily 02:30 window starts at 03:30 local on
that day, and still lasts as long); a start in the repeated autumn hour is its first occurrence.
Monthly windows on the 29th-31st fall on the month's last day in shorter months.

Windows are found by their stored next occurrence (storage/maintenance.py), never by their first
start, and nothing here caps how many: a list that must be short is cut by its caller, which
says how many more there are.

What overlaps a time is read from the occurrence rows the planner keeps ``HORIZON`` ahead
(``keep_ahead``), through an index, so it costs the occurrences found, not the windows live
then; only the part of a time past the rows, or a time they do not answer for, expands windows
here. Rows and expansion give the same answer: the rows are made by this expansion.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import ids
from bot.recurrence import shift_local
from bot.resources.availability import Blocker
from bot.tz import zone
from storage import maintenance as repo
from storage import maintenance_rows as stored
from storage.maintenance import MaintenanceWindow

STEP_DAYS = {"day": 1, "week": 7}
PERIOD = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=28)}
# Stored next occurrences are computed this far in the past, so a reader whose clock lags the
# planner's (a request that began a moment before the planner committed) still finds them.
LAG = timedelta(minutes=5)
PAGE = 50
# Occurrences are kept as rows this far ahead; the planner plans further once less than REFILL
# is left (about once a day), and rows of occurrences that ended are kept for KEEP.
HORIZON = timedelta(days=14)
REFILL = HORIZON - timedelta(days=1)
KEEP = timedelta(hours=1)
# A new window writes its own rows this far past the horizon: further than any planner, whose
# clock may run a little ahead, can have planned when it commits.
MARGIN = timedelta(days=1)

Occurrence = tuple[datetime, datetime]
Held = stored.Held


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
    window: MaintenanceWindow, start: datetime, end: datetime, *, limit: int | None = None
) -> list[Occurrence]:
    """Occurrences overlapping [start, end), earliest first (an ended-early one is clipped)."""
    length = window.end - window.start
    out: list[Occurrence] = []
    k = _first_index(window, start)
    while limit is None or len(out) < limit:
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


def catch_up(window: MaintenanceWindow, now: datetime) -> bool:
    """Move a recurring window's stored next occurrence past the ones that have ended."""
    since = now - LAG
    if window.every is None or window.next_end > since:
        return False
    found = current_or_next(window, since)
    if found is None or found == (window.next_start, window.next_end):
        return False
    window.next_start, window.next_end = found
    return True


def planned_rows(window: MaintenanceWindow, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The rows of the window's occurrences starting before ``end`` and ending after ``start``,
    as planned: one ended early keeps its full length (reads clip it from the window)."""
    length = window.end - window.start
    rows: list[dict[str, Any]] = []
    k = _first_index(window, start)
    while (s := nth_start(window, k)) < end:
        if s + length > start:
            rows.append(
                {"window_id": window.id, "resource_id": window.resource_id}
                | {"start": s, "end": s + length}
            )
        if window.every is None:
            break
        k += 1
    return rows


def write_rows(session: Session, window: MaintenanceWindow, now: datetime) -> None:
    """A new window's occurrence rows, past any horizon the planner may have planned to."""
    stored.add_occurrences(session, planned_rows(window, window.start, now + HORIZON + MARGIN))


def keep_ahead(session: Session, now: datetime) -> datetime:
    """Keep occurrence rows ``HORIZON`` ahead: when less than ``REFILL`` is left, add the rows
    from where they end, and prune those that ended; with no plan (or one that cannot answer),
    make them all again. Returns how far they go."""
    plan = stored.plan_of(session)
    if plan is not None and plan.until >= now + REFILL:
        return plan.until
    until, kept_from = now + HORIZON, now - KEEP
    if plan is None or plan.longest > stored.LONGEST or plan.until < kept_from:
        stored.drop_all_occurrences(session)
        start, longest = kept_from, timedelta(0)
    else:
        stored.prune_occurrences(session, kept_from)
        start, longest = plan.until, plan.longest
    rows: list[dict[str, Any]] = []
    for window in repo.live_between(session, start, until):
        longest = max(longest, window.end - window.start)
        rows += planned_rows(window, start, until)
    stored.add_occurrences(session, rows)
    stored.set_plan(session, until=until, kept_from=kept_from, longest=longest, now=now)
    return until


def _expanded(
    session: Session, start: datetime, end: datetime, resource_ids: Sequence[int] | None
) -> list[Held]:
    """Every occurrence overlapping [start, end), each window expanded."""
    return [
        Held(window.id, window.resource_id, window.description, s, e)
        for window in repo.live_between(session, start, end, resource_ids=resource_ids)
        for s, e in occurrences(window, start, end)
    ]


def _by_start(found: list[Held]) -> list[Held]:
    return sorted(found, key=lambda h: (h.start, h.window_id))


def _past_rows(
    session: Session,
    start: datetime,
    end: datetime,
    until: datetime,
    resource_ids: Sequence[int] | None,
) -> list[Held]:
    """The occurrences overlapping [start, end) that start at ``until`` or later, where the
    rows stop (earlier ones have rows)."""
    if end <= until:
        return []
    found = _expanded(session, max(start, until), end, resource_ids)
    return _by_start([h for h in found if h.start >= until])


def overlapping(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    resource_ids: Sequence[int] | None = None,
) -> list[Held]:
    """The occurrences of scheduled windows overlapping [start, end), by start then window:
    from the rows, and past them by expanding windows."""
    return first_overlapping(session, start, end, resource_ids=resource_ids)[0]


def first_overlapping(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    resource_ids: Sequence[int] | None = None,
    limit: int | None = None,
) -> tuple[list[Held], int]:
    """The first ``limit`` occurrences overlapping [start, end) (every one: None), by start
    then window, and how many there are in all: the rows counted along their index."""
    plan, held, total = stored.held_between(
        session, start, end, resource_ids=resource_ids, limit=limit
    )
    if plan is None or not plan.answers_from(start):
        found = _by_start(_expanded(session, start, end, resource_ids))
        return found[:limit], len(found)
    beyond = _past_rows(session, start, end, plan.until, resource_ids)
    return (held + beyond)[:limit], total + len(beyond)


def soonest(
    session: Session, now: datetime, *, resource_id: int | None, limit: int
) -> list[tuple[MaintenanceWindow, Occurrence]]:
    """The ``limit`` windows whose occurrence in progress or next comes first, with it.

    Windows are read in stored-next order, a page at a time. A stored occurrence is never later
    than the real one, so once the ``limit``-th real occurrence found is no later than the last
    stored one read, no window still unread can come before it.
    """
    found: list[tuple[MaintenanceWindow, Occurrence]] = []
    after: tuple[datetime, int] | None = None
    while True:
        page = repo.by_next(session, now, resource_id=resource_id, after=after, limit=PAGE)
        for window in page:
            occ = current_or_next(window, now)
            if occ is not None:
                found.append((window, occ))
        found.sort(key=lambda f: (f[1][0], f[0].id))
        if len(page) < PAGE:
            return found[:limit]
        after = (page[-1].next_start, page[-1].id)
        if len(found) >= limit and (found[limit - 1][1][0], found[limit - 1][0].id) <= after:
            return found[:limit]


def maintenance_blockers(
    session: Session, resource_ids: Sequence[int], start: datetime, end: datetime
) -> list[Blocker]:
    """Maintenance makes a resource unavailable, like a booking of all its capacity."""
    if not resource_ids:
        return []
    return [
        Blocker(
            h.resource_id,
            h.start,
            h.end,
            ids.fmt("MNT", h.window_id),
            f"maintenance: {h.description}",
        )
        for h in overlapping(session, start, end, resource_ids=resource_ids)
    ]
