"""What maintenance says in Slack, and the planner that queues each occurrence's notices.

Every notice is keyed by window, occurrence start and kind (and offset), so a restart, a second
scheduler or a planner run every sweep never queues or sends one twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.context import Ctx, Notify
from bot.maintenance import keys, render, service
from bot.maintenance.occurrences import LAG, REFILL, catch_up, keep_ahead, occurrences
from bot.maintenance.payloads import (
    OccurrenceRef,
    OccurrenceReminder,
    Overlap,
    OwnerReminder,
    WindowRef,
)
from bot.notices import Dm, Plan, Post, Sent, Skip, say
from bot.resources import service as bookings
from bot.timeparse import format_duration
from bot.tz import zone
from storage import maintenance as repo
from storage import maintenance_rows as stored
from storage import marks
from storage import resources as resource_repo
from storage.maintenance import MaintenanceWindow, WindowStatus
from storage.resources import Booking, Resource
from storage.transitions import compare_and_set


def _load(ctx: Ctx, window_id: int) -> tuple[MaintenanceWindow, Resource]:
    window = ctx.session.get(MaintenanceWindow, window_id)
    if window is None:
        raise Skip("window gone")
    resource = ctx.session.get(Resource, window.resource_id)
    assert resource is not None
    return window, resource


def _still_on(window: MaintenanceWindow, start: datetime) -> tuple[datetime, datetime]:
    if not window.is_scheduled:
        raise Skip(f"window {window.status}")
    for s, e in occurrences(window, start, start + timedelta(seconds=1), limit=1):
        if s == start:
            return s, e
    raise Skip("occurrence no longer planned")


def _channel(ctx: Ctx, window: MaintenanceWindow) -> str:
    return ctx.config.maintenance.channel or window.created_by


def remind(ctx: Ctx, payload: OccurrenceReminder) -> Plan[Ctx]:
    """Post to the channel, then queue one DM per overlapping booking owner, each its own notice.

    The DMs are queued when the post is recorded, so a failed post queues none, and a failed DM
    is retried alone: the channel message never goes twice.
    """
    window, resource = _load(ctx, payload.id)
    s, e = _still_on(window, payload.start)
    tz = zone(ctx.config.timezone)
    before = format_duration(timedelta(seconds=payload.offset))
    # Every owner, however many: one occurrence of one resource holds only so many bookings.
    held = resource_repo.overlapping(ctx.session, [resource.id], s, e)
    owners: dict[str, int] = {}  # one DM per owner, about their first overlapping booking
    for booking in held:
        owners.setdefault(booking.owner, booking.id)
    window_id = window.id

    def queue_dms(ctx: Ctx, sent: Sent) -> None:
        for owner, booking_id in owners.items():
            ctx.notify(
                "maintenance.remind_owner",
                OwnerReminder(**payload.model_dump(), booking=booking_id),
                dedupe_key=keys.remind_owner(window_id, s, payload.offset, owner),
                expires_after=timedelta(seconds=payload.offset) or None,
            )

    post = Post(_channel(ctx, window), render.reminder(window, resource, s, e, before, tz))
    return say(post, record=queue_dms)


def remind_owner(ctx: Ctx, payload: OwnerReminder) -> Plan[Ctx]:
    window, resource = _load(ctx, payload.id)
    s, e = _still_on(window, payload.start)
    booking = ctx.session.get(Booking, payload.booking)
    if booking is None or not booking.is_live:
        raise Skip("booking no longer live")
    before = format_duration(timedelta(seconds=payload.offset))
    tz = zone(ctx.config.timezone)
    return say(Dm(booking.owner, render.reminder(window, resource, s, e, before, tz, booking)))


def start(ctx: Ctx, payload: OccurrenceRef) -> Plan[Ctx]:
    window, resource = _load(ctx, payload.id)
    _, e = _still_on(window, payload.start)
    if e <= ctx.now:
        raise Skip("already over")
    tz = zone(ctx.config.timezone)
    return say(Post(_channel(ctx, window), render.starting(window, resource, e, tz)))


def finish(ctx: Ctx, payload: OccurrenceRef) -> Plan[Ctx]:
    """Say the window is over; then a one-off window is done and the waiting list moves on."""
    window, resource = _load(ctx, payload.id)
    if window.status == WindowStatus.CANCELLED:
        raise Skip("cancelled")
    window_id, resource_id, one_off = window.id, resource.id, window.every is None

    def over(ctx: Ctx, sent: Sent) -> None:
        if one_off:
            won = compare_and_set(
                ctx.session,
                MaintenanceWindow,
                window_id,
                expected={WindowStatus.SCHEDULED},
                values={"status": WindowStatus.DONE, "closed_at": ctx.now},
            )
            if won:
                stored.drop_occurrences(ctx.session, window_id)
                ctx.audit(service.ENTITY, window_id, "done", {"by": "end of window"})
        bookings.advance_waitlist(ctx, resource_repo.lock(ctx.session, resource_id))

    return say(Post(_channel(ctx, window), render.finished(window, resource)), record=over)


def cancelled(ctx: Ctx, payload: WindowRef) -> Plan[Ctx]:
    window, resource = _load(ctx, payload.id)
    return say(Post(_channel(ctx, window), render.cancelled(window, resource)))


def overlap(ctx: Ctx, payload: Overlap) -> Plan[Ctx]:
    window, resource = _load(ctx, payload.id)
    booking = ctx.session.get(Booking, payload.booking)
    if not window.is_scheduled or booking is None or not booking.is_live:
        raise Skip("no longer relevant")
    tz = zone(ctx.config.timezone)
    return say(Dm(booking.owner, render.overlap(window, resource, booking, tz)))


PLANNER = "maintenance"


def signature(ctx: Ctx) -> str:
    """What the planned notices depend on beyond the windows themselves: the reminders."""
    offsets = sorted(int(o.total_seconds()) for o in ctx.config.maintenance.remind_before)
    return "remind_before=" + ",".join(map(str, offsets))


def plan_again_if_changed(ctx: Ctx) -> None:
    """Reminders changed since the windows were planned: plan them all again from now."""
    wanted = signature(ctx)
    if marks.signature_of(ctx.session, PLANNER) != wanted:
        repo.plan_again(ctx.session)
        marks.set_signature(ctx.session, PLANNER, wanted, ctx.now)


def plan_due(ctx: Ctx) -> int:
    """Queue the notices of occurrences newly inside the horizon, and move each recurring
    window's stored next occurrence past the ones that have ended. Only windows with something
    to do are read: with nothing due this is one query, however many windows there are."""
    windows = repo.to_plan(ctx.session, ctx.now + service.horizon(ctx), ctx.now - LAG)
    planned: list[Notify] = []
    for window in windows:
        catch_up(window, ctx.now)
        planned += service.plan_notices(ctx, window)
    ctx.notify_many(planned)  # thousands after a deploy or an import: a few statements
    return len(windows)


def plan_upcoming(ctx: Ctx) -> None:
    """The planner in one call: check the reminders' signature, plan what is due, and keep the
    occurrence rows ahead."""
    plan_again_if_changed(ctx)
    plan_due(ctx)
    keep_ahead(ctx.session, ctx.now)


class Planner:
    """The planner the scheduler runs each tick. The signature is checked on its first run in
    a process (a configuration changes across a restart) and not again, and the occurrence
    rows only when they may need planning further (about once a day): an idle tick reads only
    what ``plan_due`` reads. Remembering how far the rows went only saves work: reads check
    the plan row themselves, so rows made again elsewhere, or none, never mislead them."""

    def __init__(self) -> None:
        self._checked: str | None = None
        self._rows_until: datetime | None = None

    def __call__(self, ctx: Ctx) -> None:
        wanted = signature(ctx)
        if self._checked != wanted:
            plan_again_if_changed(ctx)
        plan_due(ctx)
        if self._rows_until is None or self._rows_until < ctx.now + REFILL:
            self._rows_until = keep_ahead(ctx.session, ctx.now)
        self._checked = wanted
