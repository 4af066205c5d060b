"""What the feeds hold: events built from shifts, bookings and maintenance windows. No Slack, no
iCal text (bot/calendars/ical.py writes that), no SQL (storage/calendars.py reads it).

Every event has a UID that stays the same from one fetch to the next, so a calendar app updates
an event instead of adding a second copy: a computed shift is ``shf-<rotation>-<n>`` (its index
in the rotation), an override ``shf-<rotation>-o<id>``, a booking ``bkg-<id>``, a maintenance
occurrence ``mnt-<id>-<start>``, an incident on a resource ``inc-<id>``; all ``@opsdesk``.
Feeds cover 30 days back to 90 days ahead, and show what was cancelled as cancelled for a week,
so subscribed calendars drop it visibly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.config import RotationConfig
from bot.context import Ctx
from bot.maintenance import occurrences
from bot.shifts import service as shifts
from bot.shifts.rotation import Schedule, Segment
from bot.tz import zone
from storage import calendars as repo
from storage import incidents as incidents_repo
from storage import maintenance as maintenance_repo
from storage.maintenance import MaintenanceWindow, WindowStatus
from storage.resources import Booking, BookingStatus

BACK = timedelta(days=30)
AHEAD = timedelta(days=90)
KEEP_CANCELLED = timedelta(days=7)
DOMAIN = "opsdesk"

Status = Literal["CONFIRMED", "CANCELLED"]


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime  # UTC
    end: datetime  # UTC
    summary: str
    description: str
    status: Status = "CONFIRMED"


def stamp(t: datetime) -> str:
    """A UTC instant as iCal writes it, for UIDs: 20261201T090000Z."""
    return t.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _span(ctx: Ctx) -> tuple[datetime, datetime]:
    return ctx.now - BACK, ctx.now + AHEAD


def _sorted(events: list[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.start, e.uid))


# --- shifts -------------------------------------------------------------------------------------


def _local(t: datetime, rot: RotationConfig) -> str:
    return t.astimezone(zone(rot.timezone)).strftime("%a %d %b %H:%M")


def rotation_shifts(ctx: Ctx, rot: RotationConfig) -> list[tuple[str, Segment]]:
    """Each stretch of one person on call in the feed's span, with its UID.

    The span is widened to whole computed shifts, so the first and last events keep their real
    start and end from one fetch to the next instead of being cut at "30 days ago".
    """
    start, end = _span(ctx)
    base = Schedule(rot)
    k0, k1 = base.index_at(start), base.index_at(end)
    lo = base.handoff(k0) if k0 is not None else start
    hi = base.handoff(k1 + 1) if k1 is not None else end
    sched = shifts.schedule(ctx, rot, lo, hi)
    seen: set[str] = set()
    out: list[tuple[str, Segment]] = []
    for seg in sched.segments(lo, hi):
        if seg.user is None or seg.end <= start or seg.start >= end:
            continue
        key = f"o{seg.cover.id}" if seg.cover is not None else str(seg.slot)
        uid = f"shf-{rot.name}-{key}"
        if uid in seen:  # a shift split by an override: its later parts are told apart by start
            uid = f"{uid}-{stamp(seg.start)}"
        seen.add(uid)
        out.append((f"{uid}@{DOMAIN}", seg))
    return out


def _shift_text(rot: RotationConfig, seg: Segment) -> str:
    how = ""
    if seg.cover is not None:
        how = " (an override)" if seg.cover.kind == "add" else " (a swapped shift)"
    return (
        f"On call for the {rot.name} rotation{how}, {_local(seg.start, rot)} to "
        f"{_local(seg.end, rot)} {rot.timezone} time."
    )


def personal_shifts(ctx: Ctx, user_id: str) -> list[Event]:
    events = []
    for rot in ctx.config.rotations:
        for uid, seg in rotation_shifts(ctx, rot):
            if seg.user == user_id:
                summary = f"On call: {rot.name}"
                events.append(Event(uid, seg.start, seg.end, summary, _shift_text(rot, seg)))
    return events


def team_oncall(ctx: Ctx) -> list[Event]:
    found = [
        (rot, uid, seg) for rot in ctx.config.rotations for uid, seg in rotation_shifts(ctx, rot)
    ]
    names = repo.display_names(ctx.session, {seg.user for _, _, seg in found if seg.user})
    events = []
    for rot, uid, seg in found:
        who = names.get(seg.user or "", seg.user or "")
        summary = f"{rot.name}: {who} on call"
        events.append(Event(uid, seg.start, seg.end, summary, f"{who}. {_shift_text(rot, seg)}"))
    return _sorted(events)


# --- bookings -----------------------------------------------------------------------------------


def _booking_event(ctx: Ctx, booking: Booking, resource: str) -> Event | None:
    """A booking as its owner's calendar shows it; None once a cancellation is a week old."""
    status: Status = "CONFIRMED"
    end, closed = booking.end, booking.closed_at
    cancelled = booking.status == BookingStatus.CANCELLED
    if closed is not None and booking.status == BookingStatus.RELEASED:
        if closed <= booking.start:
            cancelled = True  # given back before it began: it did not happen
        elif closed < booking.end:
            end = closed  # released early: it was held until then
    if cancelled:
        if closed is not None and closed < ctx.now - KEEP_CANCELLED:
            return None
        status = "CANCELLED"
    summary = f"{resource} booked" + (f": {booking.note}" if booking.note else "")
    if status == "CANCELLED":
        summary = f"Cancelled: {summary}"
    description = f"Booking BKG-{booking.id} of {resource}."
    if booking.note:
        description += f" {booking.note}"
    return Event(f"bkg-{booking.id}@{DOMAIN}", booking.start, end, summary, description, status)


def personal_bookings(ctx: Ctx, user_id: str) -> list[Event]:
    start, end = _span(ctx)
    found = (
        _booking_event(ctx, b, name)
        for b, name in repo.bookings_of(ctx.session, user_id, start, end)
    )
    return [e for e in found if e is not None]


def personal(ctx: Ctx, user_id: str) -> list[Event]:
    """The person's on-call shifts (overrides included) and bookings."""
    return _sorted(personal_shifts(ctx, user_id) + personal_bookings(ctx, user_id))


# --- maintenance --------------------------------------------------------------------------------


def _window_events(
    ctx: Ctx, window: MaintenanceWindow, resource: str, start: datetime, end: datetime
) -> list[Event]:
    cancelled_at = window.closed_at if window.status == WindowStatus.CANCELLED else None
    events = []
    for s, e in occurrences.occurrences(window, start, end):
        status: Status = "CONFIRMED"
        summary = f"Maintenance: {resource}"
        if cancelled_at is not None and s >= cancelled_at:
            if cancelled_at < ctx.now - KEEP_CANCELLED:
                continue
            status, summary = "CANCELLED", f"Cancelled: maintenance of {resource}"
        elif cancelled_at is not None:
            e = min(e, cancelled_at)  # cancelled while under way: it stopped then
        description = f"MNT-{window.id} on {resource}: {window.description}"
        uid = f"mnt-{window.id}-{stamp(s)}@{DOMAIN}"
        events.append(Event(uid, s, e, f"{summary} ({window.description})", description, status))
    return events


def _incident_events(ctx: Ctx, start: datetime, end: datetime) -> list[Event]:
    """Incidents raised on a resource, from when they were raised until resolved (until now
    while open): like maintenance, they are when a resource could not be relied on."""
    events = []
    for incident in incidents_repo.on_resources_between(ctx.session, start, end):
        until = incident.resolved_at if not incident.is_open else None
        finish = until or max(ctx.now, incident.created_at + timedelta(minutes=1))
        ref = f"INC-{incident.id}"
        state = "resolved" if until else str(incident.status)
        summary = f"Incident {ref} on {incident.resource}: {incident.title} ({incident.severity})"
        description = f"{ref} ({state}) on {incident.resource}: {incident.title}"
        events.append(
            Event(f"inc-{incident.id}@{DOMAIN}", incident.created_at, finish, summary, description)
        )
    return events


def team_maintenance(ctx: Ctx) -> list[Event]:
    """Every occurrence of every window in the span: scheduled ones, and those done or
    cancelled within it (a cancelled window's later occurrences show as cancelled); and the
    incidents raised on a resource in it."""
    start, end = _span(ctx)
    live = maintenance_repo.live_between(ctx.session, start, end)
    closed = repo.windows_closed_since(ctx.session, start)
    names = repo.resource_names(ctx.session, {w.resource_id for w in live + closed})
    events = []
    for window in live + closed:
        name = names.get(window.resource_id, f"resource {window.resource_id}")
        events += _window_events(ctx, window, name, start, end)
    return _sorted(events + _incident_events(ctx, start, end))
