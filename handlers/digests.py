"""/digest: subscribe a channel, stop it, post one now, show the schedule."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Ctx
from bot.digests import commands as cmd
from bot.digests import render, service
from bot.digests.commands import COMMANDS
from bot.messenger import Message
from bot.registry import Registry
from handlers.kit import Request, slash


def _show(req: Request) -> Message:
    st = service.status(req.ctx, req.channel_id)
    sched = st.schedule
    return render.status(
        st.channel,
        sched.describe() if sched else None,
        sched.source if sched else None,
        st.next_at,
        st.last_sent_at,
        sched.tz if sched else req.ctx.tz,
        switched_off_config=st.switched_off_config,
    )


def run(req: Request, command: cmd.Command | None) -> Message:
    ctx = req.ctx
    match command:
        case None | cmd.Show():
            return _show(req)
        case cmd.Daily(at=at, weekdays=weekdays, tz=tz, quiet=quiet):
            schedule = service.subscribe(
                ctx, req.channel_id, at=at, weekdays_only=weekdays, tz=tz, quiet=quiet
            )
        case cmd.Weekly(day=day, at=at, tz=tz, quiet=quiet):
            schedule = service.subscribe(
                ctx, req.channel_id, at=at, weekday=day, tz=tz, quiet=quiet
            )
        case cmd.Off():
            old = service.unsubscribe(ctx, req.channel_id)
            return render.stopped(req.channel_id or "", old.describe())
        case cmd.Now():
            service.post_now(ctx, req.channel_id)
            return render.queued(req.channel_id or "")
        case _:
            raise AssertionError(command)
    upcoming = next(schedule.occurrences(ctx.now), None)
    return render.subscribed(req.channel_id or "", schedule.describe(), upcoming, schedule.tz)


def register(app: App, registry: Registry[Ctx]) -> None:
    slash(app, COMMANDS)(run)
