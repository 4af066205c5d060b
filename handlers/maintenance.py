"""/maintenance: schedule, list, show, cancel, done."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Ctx
from bot.maintenance import commands as cmd
from bot.maintenance import render, service, views
from bot.maintenance.commands import COMMANDS
from bot.messenger import Message
from bot.mrkdwn import when
from bot.registry import Registry
from handlers.kit import Request, slash


def run(req: Request, command: cmd.Command | None) -> Message | None:
    ctx = req.ctx
    match command:
        case None:
            return Message(text=COMMANDS.help_text())
        case cmd.Schedule(
            resource=name, start=start, end=end, every=every, description=text, starts_now=now
        ):
            window, clashes = service.schedule(ctx, name, start, end, every, text, starts_now=now)
            return render.scheduled(window, service.resource_of(ctx, window), clashes, ctx.tz)
        case cmd.List(resource=name):
            return views.window_list(ctx, name)
        case cmd.Show(id=window_id):
            return views.show(ctx, window_id)
        case cmd.Cancel(id=window_id):
            window = service.cancel(ctx, window_id)
            return render.done(f"Cancelled {render.ref(window)}; its reminders are dropped.")
        case cmd.Done(id=window_id):
            window, (_, end) = service.done(ctx, window_id)
            return render.done(f"{render.ref(window)} finished {when(end, ctx.tz)}.")
    raise AssertionError(command)


def register(app: App, registry: Registry[Ctx]) -> None:
    slash(app, COMMANDS)(run)
