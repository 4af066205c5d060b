"""/resource, the booking buttons, and `@opsdesk status <resource>`."""

from __future__ import annotations

import re
from datetime import timedelta

from slack_bolt import App

from bot.context import Ctx
from bot.messenger import Message
from bot.mrkdwn import when
from bot.registry import Registry
from bot.resources import catalogue, render, service, views
from bot.resources import commands as cmd
from bot.resources.commands import COMMANDS
from bot.resources.ids import Action
from handlers.kit import Request, action, button_id, slash


def run(req: Request, command: cmd.Command | None) -> Message | None:
    ctx = req.ctx
    match command:
        case None:
            return Message(text=COMMANDS.help_text())
        case cmd.List(kind=kind):
            return views.resource_list(ctx, kind)
        case cmd.Status(resource=name):
            return views.status(ctx, name)
        case cmd.Available(kind=kind, start=start, end=end):
            return views.available(ctx, kind, start, end)
        case cmd.Book(resource=name, start=start, end=end, note=note, starts_now=now):
            booking = service.book(ctx, name, start, end, note, starts_now=now)
            return render.booked(booking, catalogue.by_id(ctx, booking.resource_id), ctx.tz)
        case cmd.Release(id=booking_id):
            booking = service.release(ctx, booking_id)
            return render.done(f"Released {render.ref(booking)}.")
        case cmd.Extend(id=booking_id, by=by):
            return _extended(req, booking_id, by)
        case cmd.Bookings(scope=scope):
            return views.bookings(ctx, scope == "mine")
        case cmd.Wait(resource=name, start=start, end=end, starts_now=now):
            entry = service.wait(ctx, name, start, end, starts_now=now)
            return render.waiting(entry, catalogue.by_id(ctx, entry.resource_id), ctx.tz)
        case cmd.Add(resource=name, kind=kind, capacity=capacity):
            resource = catalogue.add_resource(ctx, name, kind, capacity)
            return render.done(
                f"Added `{resource.name}` ({resource.kind}, capacity {resource.capacity})."
            )
        case cmd.Remove(resource=name):
            resource, n = catalogue.remove_resource(ctx, name)
            told = f" {n} booking(s) were cancelled and their owners told." if n else ""
            return render.done(f"Removed `{resource.name}`; its history is kept.{told}")
    raise AssertionError(command)


def _extended(req: Request, booking_id: int, by: timedelta) -> Message:
    booking = service.extend(req.ctx, booking_id, by)
    return render.done(f"{render.ref(booking)} now ends {when(booking.end, req.ctx.tz)}.")


def register(app: App, registry: Registry[Ctx]) -> None:
    registry.add_mention(
        r"status(?:\s+(?P<rest>.*))?",
        "status <resource>",
        "what a resource is doing now and this week",
        on_mention,
    )
    slash(app, COMMANDS)(run)

    @action(app, Action.EXTEND)
    def on_extend(req: Request, value: str) -> Message:
        return _extended(req, button_id(value, "a booking"), render.EXTEND_STEP)

    @action(app, Action.RELEASE)
    def on_release(req: Request, value: str) -> Message:
        booking = service.release(req.ctx, button_id(value, "a booking"))
        return render.done(f"Released {render.ref(booking)}.")


def on_mention(req: Request, match: re.Match[str]) -> Message:
    # Read as `/resource status`, so a missing name or `help` is answered in the same words.
    asked = COMMANDS.build(cmd.Status, (match.group("rest") or "").split(), req.env)
    assert isinstance(asked, cmd.Status)
    return views.status(req.ctx, asked.resource)
