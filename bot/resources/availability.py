"""When is a resource free? Bookings (up to its capacity) and blockers (maintenance) decide.

Other areas make a resource unavailable by declaring a blocker source
(``registry.add_blocker_source``): maintenance does, so the resources area never imports it.
Every query is bounded to the window asked about and uses the (resource, start, end) indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import Ctx
from storage import resources as repo
from storage.resources import Booking, Resource

SEARCH_HORIZON = timedelta(days=60)
SEARCH_STEPS = 60


@dataclass(frozen=True)
class Blocker:
    """A time a resource cannot be booked at all, whatever its capacity."""

    resource_id: int
    start: datetime
    end: datetime
    ref: str  # e.g. "MNT-4"
    what: str  # e.g. "maintenance: kernel upgrade" (unescaped)


def blockers(
    ctx: Ctx, resource_ids: Sequence[int], start: datetime, end: datetime
) -> list[Blocker]:
    found: list[Blocker] = []
    for _, fn in ctx.registry.blocker_sources():
        found += fn(ctx.session, resource_ids, start, end)
    return sorted(found, key=lambda b: (b.start, b.end))


def notes(ctx: Ctx, names: Sequence[str]) -> dict[str, list[str]]:
    """What other areas say of these resources now (``registry.add_resource_notes``):
    incidents open on them, say. One query per declaring area."""
    found: dict[str, list[str]] = {}
    if not names:
        return found
    for _, fn in ctx.registry.resource_notes():
        for name, lines in fn(ctx.session, names).items():
            found.setdefault(name, []).extend(lines)
    return found


def peak(intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> int:
    """The most intervals that overlap one another at any instant inside [start, end)."""
    events: list[tuple[datetime, int]] = []
    for s, e in intervals:
        s, e = max(s, start), min(e, end)
        if s < e:
            events += [(s, 1), (e, -1)]
    events.sort(key=lambda ev: (ev[0], ev[1]))  # an end and a start at one instant: no overlap
    current = best = 0
    for _, delta in events:
        current += delta
        best = max(best, current)
    return best


@dataclass(frozen=True)
class Busy:
    """Why a window is not free: the bookings holding it and the blockers in it."""

    bookings: list[Booking]
    blockers: list[Blocker]


def check(
    ctx: Ctx,
    resource: Resource,
    start: datetime,
    end: datetime,
    *,
    exclude: int | None = None,
) -> Busy | None:
    """None when one more booking fits in [start, end); else what is in the way."""
    blocks = blockers(ctx, [resource.id], start, end)
    held = repo.overlapping(ctx.session, [resource.id], start, end, exclude=exclude)
    full = peak(((b.start, b.end) for b in held), start, end) >= resource.capacity
    if blocks or full:
        return Busy(held if full else [], blocks)
    return None


def next_free(ctx: Ctx, resource: Resource, start: datetime, length: timedelta) -> datetime | None:
    """The earliest start at or after ``start`` with ``length`` free, within the horizon."""
    t = start
    for _ in range(SEARCH_STEPS):
        if t - start > SEARCH_HORIZON:
            return None
        busy = check(ctx, resource, t, t + length)
        if busy is None:
            return t
        ends = [b.end for b in busy.bookings + busy.blockers if b.end > t]
        if not ends:
            return None
        t = min(ends)
    return None


def free_among(
    ctx: Ctx, resources: Sequence[Resource], start: datetime, end: datetime
) -> list[Resource]:
    """Which of ``resources`` take one more booking for the whole of [start, end): two queries."""
    if not resources:
        return []
    ids = [r.id for r in resources]
    held: dict[int, list[tuple[datetime, datetime]]] = {}
    for b in repo.overlapping(ctx.session, ids, start, end):
        held.setdefault(b.resource_id, []).append((b.start, b.end))
    blocked = {b.resource_id for b in blockers(ctx, ids, start, end)}
    return [
        r
        for r in resources
        if r.id not in blocked and peak(held.get(r.id, []), start, end) < r.capacity
    ]
