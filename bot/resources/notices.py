"""What bookings say in Slack, sent from the notice queue from current data."""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.messenger import Messenger
from bot.notices import Skip
from bot.resources import render, service
from bot.tz import zone
from storage.resources import Booking, Resource, WaitEntry


def _load(ctx: Ctx, payload: dict[str, Any]) -> tuple[Booking, Resource]:
    booking = ctx.session.get(Booking, payload["id"])
    if booking is None:
        raise Skip("booking gone")
    resource = ctx.session.get(Resource, booking.resource_id)
    assert resource is not None
    return booking, resource


def remind_end(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    booking, resource = _load(ctx, payload)
    if not booking.is_live or booking.version != payload["v"]:
        raise Skip("released, ended or extended since")
    if booking.end <= ctx.now:
        # Expiry is the end, inclusive: at the very end the booking is over, even if its
        # "end" notice (due at the same instant) has not run yet.
        raise Skip("the booking has ended")
    messenger.dm(booking.owner, render.end_reminder(booking, resource, zone(ctx.config.timezone)))


def end(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    if not service.end_booking(ctx, payload["id"], payload["v"]):
        raise Skip("released or extended since")


def promoted(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    booking, resource = _load(ctx, payload)
    if not booking.is_live:
        raise Skip("given back already")
    messenger.dm(booking.owner, render.promoted(booking, resource, zone(ctx.config.timezone)))


def cancelled(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    booking, resource = _load(ctx, payload)
    tz = zone(ctx.config.timezone)
    messenger.dm(booking.owner, render.cancelled(booking, resource, tz, payload.get("why", "")))


def wait_cancelled(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    entry = ctx.session.get(WaitEntry, payload["id"])
    if entry is None:
        raise Skip("waiting entry gone")
    resource = ctx.session.get(Resource, entry.resource_id)
    assert resource is not None
    tz = zone(ctx.config.timezone)
    messenger.dm(entry.user_id, render.wait_cancelled(entry, resource, tz))
