"""What bookings say in Slack, planned from current data and said by the notice queue."""

from __future__ import annotations

from bot.context import Ctx
from bot.notices import Dm, Plan, Sent, Skip, say
from bot.resources import render, service
from bot.resources.payloads import BookingCancelled, BookingRef, BookingVersion
from bot.tz import zone
from storage.resources import Booking, Resource, WaitEntry


def _load(ctx: Ctx, booking_id: int) -> tuple[Booking, Resource]:
    booking = ctx.session.get(Booking, booking_id)
    if booking is None:
        raise Skip("booking gone")
    resource = ctx.session.get(Resource, booking.resource_id)
    assert resource is not None
    return booking, resource


def remind_end(ctx: Ctx, payload: BookingVersion) -> Plan[Ctx]:
    booking, resource = _load(ctx, payload.id)
    if not booking.is_live or booking.version != payload.v:
        raise Skip("released, ended or extended since")
    if booking.end <= ctx.now:
        # Expiry is the end, inclusive: at the very end the booking is over, even if its
        # "end" notice (due at the same instant) has not run yet.
        raise Skip("the booking has ended")
    tz = zone(ctx.config.timezone)
    return say(Dm(booking.owner, render.end_reminder(booking, resource, tz)))


def end(ctx: Ctx, payload: BookingVersion) -> Plan[Ctx]:
    """Nothing to say: the booking ends (its notices are queued by the service)."""

    def ended(ctx: Ctx, sent: Sent) -> None:
        if not service.end_booking(ctx, payload.id, payload.v):
            raise Skip("released or extended since")

    return Plan(record=ended)


def promoted(ctx: Ctx, payload: BookingRef) -> Plan[Ctx]:
    booking, resource = _load(ctx, payload.id)
    if not booking.is_live:
        raise Skip("given back already")
    tz = zone(ctx.config.timezone)
    return say(Dm(booking.owner, render.promoted(booking, resource, tz)))


def cancelled(ctx: Ctx, payload: BookingCancelled) -> Plan[Ctx]:
    booking, resource = _load(ctx, payload.id)
    tz = zone(ctx.config.timezone)
    return say(Dm(booking.owner, render.cancelled(booking, resource, tz, payload.why)))


def wait_cancelled(ctx: Ctx, payload: BookingRef) -> Plan[Ctx]:
    entry = ctx.session.get(WaitEntry, payload.id)
    if entry is None:
        raise Skip("waiting entry gone")
    resource = ctx.session.get(Resource, entry.resource_id)
    assert resource is not None
    tz = zone(ctx.config.timezone)
    return say(Dm(entry.user_id, render.wait_cancelled(entry, resource, tz)))
