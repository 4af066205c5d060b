"""Computed shifts: who a rotation puts on call when, and which override wins. Pure, no I/O.

The k-th hand-off is ``start + k * length`` in the rotation's LOCAL wall time, so a weekly 09:00
Europe/Berlin rotation hands off at 09:00 in winter and in summer (the shift that spans a DST
change is an hour shorter or longer in elapsed time). A hand-off that falls in the hour skipped
when clocks go forward moves forward by the gap; one in the repeated hour happens at its first
occurrence (``bot/recurrence.py``'s rule). Shift k belongs to ``members[k % len(members)]``.
Before the first hand-off the rotation puts nobody on call. An override covering an instant wins
over the rotation; of several, the newest (highest id) wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from bot.config import RotationConfig
from bot.timeparse import local_to_utc
from bot.tz import zone

HORIZON = timedelta(days=35)  # how far "until when" and "next" look ahead


@dataclass(frozen=True)
class Cover:
    """An override as the schedule sees it."""

    id: int
    user: str
    start: datetime
    end: datetime
    kind: str = "add"
    created_by: str | None = None


@dataclass(frozen=True)
class Segment:
    """A stretch of time with one person on call, from one source."""

    rotation: str
    user: str | None
    start: datetime
    end: datetime
    slot: int | None  # the computed shift it lies in (None before the rotation starts)
    cover: Cover | None  # the override that decides it, if any

    @property
    def key(self) -> tuple[object, ...]:
        return ("o", self.cover.id) if self.cover else ("s", self.slot)


@dataclass(frozen=True)
class Run:
    """One person's unbroken time on call: consecutive segments with the same person."""

    user: str | None
    start: datetime
    end: datetime
    first: Segment  # where it starts: its shift and whether an override decides it


def runs(segments: Sequence[Segment]) -> list[Run]:
    out: list[Run] = []
    for seg in segments:
        if out and out[-1].user == seg.user:
            out[-1] = Run(seg.user, out[-1].start, seg.end, out[-1].first)
        else:
            out.append(Run(seg.user, seg.start, seg.end, seg))
    return out


class Schedule:
    """One rotation plus the overrides loaded for the window being looked at."""

    def __init__(self, rot: RotationConfig, covers: Sequence[Cover] = ()):
        self.rot = rot
        self.tz = zone(rot.timezone)
        self.covers = sorted(covers, key=lambda c: c.id)
        self.first = self.handoff(0)

    @property
    def name(self) -> str:
        return self.rot.name

    def handoff(self, k: int) -> datetime:
        """The UTC instant of the k-th hand-off (k = 0 is ``start``)."""
        return local_to_utc(self.rot.start + k * self.rot.length, self.tz, on_gap="shift")

    def member(self, k: int) -> str:
        return self.rot.members[k % len(self.rot.members)]

    def index_at(self, t: datetime) -> int | None:
        """The computed shift containing ``t``; None before the first hand-off."""
        if t < self.first:
            return None
        k = int((t - self.first) / self.rot.length)
        while k > 0 and self.handoff(k) > t:
            k -= 1
        while self.handoff(k + 1) <= t:
            k += 1
        return k

    def window(self, k: int) -> tuple[datetime, datetime]:
        return self.handoff(k), self.handoff(k + 1)

    def cover_at(self, t: datetime) -> Cover | None:
        for cover in reversed(self.covers):
            if cover.start <= t < cover.end:
                return cover
        return None

    def who(self, t: datetime) -> str | None:
        cover = self.cover_at(t)
        if cover is not None:
            return cover.user
        k = self.index_at(t)
        return None if k is None else self.member(k)

    def segments(self, start: datetime, end: datetime) -> list[Segment]:
        """Who is on call over [start, end), split wherever the person or the source changes."""
        if end <= start:
            return []
        points = {start, end}
        k0, k1 = self.index_at(start), self.index_at(end)
        first = 0 if k0 is None else k0 + 1
        last = -1 if k1 is None else k1
        points.update(self.handoff(k) for k in range(first, last + 1))
        for c in self.covers:
            points.update(p for p in (c.start, c.end) if start < p < end)
        out: list[Segment] = []
        for a, b in pairwise(sorted(points)):
            if a >= b:
                continue  # a hand-off moved onto the next one by a DST gap: an empty shift
            cover = self.cover_at(a)
            slot = self.index_at(a)
            user = cover.user if cover else (None if slot is None else self.member(slot))
            seg = Segment(self.name, user, a, b, slot, cover)
            if out and out[-1].key == seg.key and out[-1].user == user:
                prev = out[-1]
                out[-1] = Segment(self.name, user, prev.start, b, prev.slot, prev.cover)
            else:
                out.append(seg)
        return out

    def run_end(self, t: datetime, horizon: datetime) -> datetime:
        """When the person on call at ``t`` stops being on call (at most ``horizon``)."""
        found = runs(self.segments(t, horizon))
        return found[0].end if found else horizon

    def changes(self, start: datetime, end: datetime) -> list[Segment]:
        """Segments in (start, end] where a different person comes on call: shift starts."""
        segs = self.segments(start - timedelta(microseconds=1), end + timedelta(microseconds=1))
        return [b for a, b in pairwise(segs) if b.user != a.user and b.user is not None]
