"""What shifts say in Slack: hand-off notices and shift-start reminders.

The planner runs on every scheduler tick. Per rotation it (1) checks for a hand-off against the
stored snapshot (service.check_handoff) and (2) queues a DM for every shift start in the next
``remind_before`` (plus a little look-ahead), due ``remind_before`` ahead, keyed by the rotation,
the start instant and the person: planning the same shift again finds the same row. Handlers
render from current data and skip what an override has made untrue since it was queued.
"""

from __future__ import annotations

from datetime import timedelta

from bot.config import RotationConfig
from bot.context import Ctx, Notify
from bot.notices import Dm, Plan, Post, Skip, say
from bot.shifts import keys, render, service
from bot.shifts.payloads import Handoff, ShiftReminder
from bot.tz import zone

LOOKAHEAD = timedelta(hours=1)


def plan(ctx: Ctx) -> None:
    reminders: list[Notify] = []
    for rot in ctx.config.rotations:
        service.check_handoff(ctx, rot)
        end = ctx.now + rot.remind_before + LOOKAHEAD
        sched = service.schedule(ctx, rot, ctx.now, end)
        for seg in sched.changes(ctx.now, end):
            assert seg.user is not None
            # Planned late (a fresh start, a last-minute override): still useful until it starts.
            due = max(seg.start - rot.remind_before, ctx.now)
            reminders.append(
                Notify(
                    "shift.remind",
                    ShiftReminder(rotation=rot.name, user=seg.user, start=seg.start),
                    dedupe_key=keys.remind(rot.name, seg.start, seg.user),
                    due_at=due,
                    expires_after=max(seg.start - due, timedelta(minutes=1)),
                )
            )
    # Every tick finds each upcoming start again (its key keeps it single): one statement for
    # all rotations rather than one a start.
    ctx.notify_many(reminders)


def _rotation(ctx: Ctx, name: str) -> RotationConfig:
    rot = ctx.config.rotation(name)
    if rot is None:
        raise Skip("the rotation is no longer configured")
    return rot


def handoff(ctx: Ctx, payload: Handoff) -> Plan[Ctx]:
    rot = _rotation(ctx, payload.rotation)
    if not rot.channel:
        raise Skip("the rotation has no channel")
    end = ctx.now + service.horizon(rot)
    sched = service.schedule(ctx, rot, ctx.now, end)
    if sched.who(ctx.now) != payload.to:
        raise Skip("superseded: someone else is on call by now")
    until = sched.run_end(ctx.now, end)
    cover = sched.cover_at(ctx.now)
    message = render.handoff(
        rot.name,
        payload.to,
        payload.from_,
        until,
        open_ended=until >= end,
        override=cover is not None,
        tz=zone(rot.timezone),
    )
    return say(Post(rot.channel, message))


def remind(ctx: Ctx, payload: ShiftReminder) -> Plan[Ctx]:
    rot = _rotation(ctx, payload.rotation)
    start = payload.start
    end = start + service.horizon(rot)
    sched = service.schedule(ctx, rot, start, end)
    if sched.who(start) != payload.user:
        raise Skip("an override changed who starts this shift")
    until = sched.run_end(start, end)
    message = render.reminder(
        rot.name, start, until, open_ended=until >= end, tz=zone(rot.timezone)
    )
    return say(Dm(payload.user, message))
