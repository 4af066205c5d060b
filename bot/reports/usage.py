"""Resource and on-call figures of a period.

Utilisation is booked hours / available hours, where available hours are the resource's
capacity times the hours it existed in the period, minus its maintenance (overlapping windows
counted once). Booked hours end early when a booking was released early.

On-call hours come from the rotations (computed, as `/shift` shows them) and every override that
touches the period; they are split in the rotation's time zone into nights (22:00-07:00 on
weekdays), weekends (all of Saturday and Sunday) and the rest (day hours). A shift is one
person's unbroken stretch on call; "incidents" are those raised during it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from bot.context import Ctx
from bot.maintenance.occurrences import occurrences
from bot.recurrence import at_local
from bot.reports.period import Period, offsets
from bot.shifts.rotation import Cover, Schedule, runs
from storage import report_usage as repo
from storage import shifts as shifts_repo
from storage.report_sql import Percentiles

NIGHT_ENDS, NIGHT_STARTS = time(7, 0), time(22, 0)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class ResourceUse:
    name: str
    kind: str
    capacity: int
    booked_h: float
    available_h: float  # capacity x hours it existed, minus maintenance
    maintenance_h: float

    @property
    def utilisation(self) -> float | None:
        return self.booked_h / self.available_h if self.available_h > 0 else None


@dataclass(frozen=True)
class ResourceFigures:
    resources: list[ResourceUse]  # busiest first
    heatmap: list[list[int]]  # [weekday][hour]: bookings that started then, local time
    waits: dict[str, int]  # waiting-list entries made in the period, by where they are now
    waited: Percentiles  # how long those who got a booking waited
    tz: ZoneInfo

    @property
    def booked_h(self) -> float:
        return sum(r.booked_h for r in self.resources)

    @property
    def available_h(self) -> float:
        return sum(r.available_h for r in self.resources)

    @property
    def maintenance_h(self) -> float:
        return sum(r.maintenance_h for r in self.resources)

    @property
    def utilisation(self) -> float | None:
        return self.booked_h / self.available_h if self.available_h > 0 else None

    @property
    def bookings(self) -> int:
        return sum(sum(row) for row in self.heatmap)


def _merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _maintenance(ctx: Ctx, period: Period) -> dict[int, list[Interval]]:
    """Per resource, the maintenance that happened (or is booked) within the period, merged."""
    found: dict[int, list[Interval]] = {}
    most = int(period.days()) + 3  # a daily window occurs at most once a day
    for window in repo.maintenance_windows(ctx.session, period.start, period.end):
        stop = period.end
        if window.status == "cancelled":
            if window.closed_at is None:
                continue
            stop = min(stop, window.closed_at)  # it happened until it was cancelled
        for s, e in occurrences(window, period.start, stop, limit=most):
            a, b = max(s, period.start), min(e, stop)
            if b > a:
                found.setdefault(window.resource_id, []).append((a, b))
    return {rid: _merge(spans) for rid, spans in found.items()}


def _hours(td: timedelta) -> float:
    return td.total_seconds() / 3600


def resources(ctx: Ctx, period: Period) -> ResourceFigures:
    rows = repo.resources_alive(ctx.session, period.start, period.end)
    booked = repo.booked_seconds(ctx.session, period.start, period.end)
    maintenance = _maintenance(ctx, period)
    uses = []
    for r in rows:
        alive_from = max(period.start, r.created_at)
        alive_to = min(period.end, r.removed_at or period.end)
        alive = max(timedelta(0), alive_to - alive_from)
        down = sum(
            (
                min(b, alive_to) - max(a, alive_from)
                for a, b in maintenance.get(r.id, [])
                if min(b, alive_to) > max(a, alive_from)
            ),
            timedelta(0),
        )
        uses.append(
            ResourceUse(
                r.name,
                r.kind,
                r.capacity,
                booked.get(r.id, 0.0) / 3600,
                _hours(alive - down) * r.capacity,
                _hours(down),
            )
        )
    uses.sort(key=lambda u: (-(u.utilisation or 0), -u.booked_h, u.name))
    starts = repo.booking_starts(
        ctx.session, period.start, period.end, offsets(period.start, period.end, period.tz)
    )
    heatmap = [[starts.get((wd, hr), 0) for hr in range(24)] for wd in range(7)]
    waits = repo.waits(ctx.session, period.start, period.end)
    return ResourceFigures(uses, heatmap, waits.by_status, waits.booked_after, period.tz)


# --- on-call -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnCallRow:
    rotation: str
    user: str
    day_h: float
    night_h: float
    weekend_h: float
    shifts: int
    incidents: int  # raised while they were on call

    @property
    def hours(self) -> float:
        return self.day_h + self.night_h + self.weekend_h


@dataclass(frozen=True)
class OnCallFigures:
    rows: list[OnCallRow]  # most hours first
    pages: dict[str, tuple[int, int]]  # person -> (times paged, incidents they were paged for)
    rotations: int

    @property
    def hours(self) -> float:
        return sum(r.hours for r in self.rows)

    def people(self) -> list[str]:
        seen = dict.fromkeys([r.user for r in self.rows] + sorted(self.pages))
        return list(seen)


def split_hours(a: datetime, b: datetime, tz: ZoneInfo) -> tuple[float, float, float]:
    """(day, night, weekend) hours of [a, b), read in ``tz``."""
    cuts = {a, b}
    day = a.astimezone(tz).date()
    while (midnight := at_local(day, time(0, 0), tz)) < b:
        for at in (time(0, 0), NIGHT_ENDS, NIGHT_STARTS):
            point = at_local(day, at, tz) if at != time(0, 0) else midnight
            if a < point < b:
                cuts.add(point)
        day += timedelta(days=1)
    out = [0.0, 0.0, 0.0]
    for s, e in pairwise(sorted(cuts)):
        local = s.astimezone(tz)
        if local.weekday() >= 5:
            kind = 2
        elif local.time() < NIGHT_ENDS or local.time() >= NIGHT_STARTS:
            kind = 1
        else:
            kind = 0
        out[kind] += _hours(e - s)
    return out[0], out[1], out[2]


def oncall(ctx: Ctx, period: Period) -> OnCallFigures:
    totals: dict[tuple[str, str], list[float]] = {}
    spans: list[Interval] = []
    owners: list[tuple[str, str]] = []
    for rot in ctx.config.rotations:
        found = shifts_repo.overrides_between(ctx.session, rot.name, period.start, period.end)
        covers = [Cover(o.id, o.user_id, o.starts_at, o.ends_at, o.kind) for o in found]
        schedule = Schedule(rot, covers)
        for run in runs(schedule.segments(period.start, period.end)):
            if run.user is None:
                continue
            key = (rot.name, run.user)
            acc = totals.setdefault(key, [0.0, 0.0, 0.0, 0])
            for i, h in enumerate(split_hours(run.start, run.end, schedule.tz)):
                acc[i] += h
            acc[3] += 1
            spans.append((run.start, run.end))
            owners.append(key)
    incidents: dict[tuple[str, str], int] = {}
    for key, n in zip(owners, repo.incidents_in_spans(ctx.session, spans), strict=True):
        incidents[key] = incidents.get(key, 0) + n
    rows = [
        OnCallRow(rot, user, acc[0], acc[1], acc[2], int(acc[3]), incidents.get((rot, user), 0))
        for (rot, user), acc in totals.items()
    ]
    rows.sort(key=lambda r: (-r.hours, r.rotation, r.user))
    pages = repo.pages(ctx.session, [period.start, period.end])
    return OnCallFigures(rows, pages, len(ctx.config.rotations))
