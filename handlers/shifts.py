"""/shift and `@opsdesk who is on call [rotation]`."""

from __future__ import annotations

import json
import re
from datetime import datetime

from slack_bolt import App

from bot.calendars import render as calendar_render
from bot.calendars import service as calendars
from bot.context import Ctx
from bot.errors import UserError
from bot.messenger import Message
from bot.registry import Registry
from bot.shifts import away, render, service, swaps
from bot.shifts import changes_render as changes
from bot.shifts import commands as cmd
from bot.shifts.away_commands import Away
from bot.shifts.commands import COMMANDS
from bot.shifts.ids import Action, View
from handlers.kit import Request, action, button_id, slash, submission


def _now(req: Request, rotation: str | None) -> Message:
    ctx = req.ctx
    items = [service.on_call(ctx, rot) for rot in service.rotations(ctx, rotation)]
    return render.on_call_now(items, ctx.tz)


def run(req: Request, command: cmd.Command | None) -> Message:
    ctx = req.ctx
    match command:
        case None:
            return _now(req, None)
        case cmd.Now(rotation=rotation):
            return _now(req, rotation)
        case cmd.Next(rotation=rotation):
            items = [service.on_call(ctx, rot) for rot in service.rotations(ctx, rotation)]
            return render.on_call_next(items, ctx.tz)
        case cmd.List(rotation=rotation, days=days):
            found = []
            for rot in service.rotations(ctx, rotation):
                segs, slots = service.shifts_between(ctx, rot, days)
                found.append((rot.name, segs, slots))
            return render.shift_list(found, days, ctx.tz)
        case cmd.Add(user=user_id, starts_at=start, ends_at=end, rotation=rotation):
            override = service.add_override(ctx, user_id, start, end, rotation)
            return render.added(override, ctx.tz)
        case cmd.Swap(id=slot_id, user=user_id):
            return _swap(req, slot_id, user_id)
        case Away(action="list"):
            rows = away.listing(ctx)
            return changes.away_list(rows, ctx.now, ctx.tz, everyone=ctx.actor.is_admin)
        case Away(action="cancel", id=int(away_id)):
            return changes.away_cancel_reply(away.cancel(ctx, away_id), ctx.tz)
        case Away(user=user_id, starts_at=datetime() as start, ends_at=datetime() as end):
            return changes.away_recorded(away.record(ctx, user_id, start, end), ctx.tz)
        case cmd.Calendar(reset=reset):
            link = calendars.reset(ctx) if reset else calendars.link(ctx)
            return calendar_render.link(link, req.runtime.settings.OPSDESK_PUBLIC_URL, ctx.tz)
    raise AssertionError(command)


def _swap(req: Request, slot_id: int, user_id: str) -> Message:
    match swaps.swap(req.ctx, slot_id, user_id):
        case swaps.Applied(override=override, holder=holder):
            return render.swapped(override, holder, req.ctx.tz)
        case swaps.Asked(request=request):
            return changes.asked(request, req.ctx.tz)
    raise AssertionError(slot_id)


def _answer(req: Request, value: str, *, accept: bool) -> Message:
    done = swaps.answer(req.ctx, button_id(value, "a swap request"), accept=accept)
    return changes.answered(done.request, done.override, req.ctx.tz)


def register(app: App, registry: Registry[Ctx]) -> None:
    registry.add_mention(
        r"who(?:'s|\s+is)\s+on[\s-]?call(?:\s+(?:for\s+)?(?P<rotation>[a-z0-9._-]+))?\s*\??",
        "who is on call [rotation]",
        "who is on call now, and until when",
        on_mention,
    )
    slash(app, COMMANDS)(run)

    @action(app, Action.SWAP)
    def on_swap_button(req: Request, value: str) -> None:
        found = service.swappable(req.ctx, button_id(value, "a shift"))
        req.open_modal(render.swap_modal(found, req.ctx.tz, {"channel_id": req.channel_id or ""}))

    @submission(app, View.SWAP)
    def on_swap_form(req: Request, values: dict[str, str], metadata: str) -> Message:
        try:
            slot_id = int(json.loads(metadata or "{}").get("shift", 0))
        except (ValueError, TypeError, AttributeError):
            slot_id = 0
        user_id = values.get("user", "").strip()
        if not user_id:
            raise UserError("Choose who takes the shift.", field="user")
        return _swap(req, slot_id, user_id)

    @action(app, Action.SWAP_ACCEPT)
    def on_swap_accept(req: Request, value: str) -> Message:
        return _answer(req, value, accept=True)

    @action(app, Action.SWAP_DECLINE)
    def on_swap_decline(req: Request, value: str) -> Message:
        return _answer(req, value, accept=False)


def on_mention(req: Request, match: re.Match[str]) -> Message:
    return _now(req, match.group("rotation"))
