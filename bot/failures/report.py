"""The admins' daily list of notices that could not be delivered, and why.

Once a day at REPORT_AT (the team's zone) the planner looks at what failed in the 24 hours
before, and queues one report for that day (keyed by the day, so exactly once) when anything
did. Each admin's DM is its own call of the one notice: one admin Slack refuses does not stop
the others, nor doubles them. A report not sent by the next day's is skipped: that one covers
its own day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.context import Ctx
from bot.failures import keys, render
from bot.failures.payloads import FailuresDay
from bot.notices import Dm, Plan, Skip, say
from bot.recurrence import at_local
from bot.tz import zone
from storage import notices as queue

REPORT_AT = time(9, 0)
LIST_LIMIT = 20  # notices listed by name; the rest are "+N more"


def _window(day: date, ctx: Ctx) -> tuple[datetime, datetime]:
    tz = zone(ctx.config.timezone)
    return at_local(day - timedelta(days=1), REPORT_AT, tz), at_local(day, REPORT_AT, tz)


def plan(ctx: Ctx) -> None:
    tz = zone(ctx.config.timezone)
    day = ctx.now.astimezone(tz).date()
    if at_local(day, REPORT_AT, tz) > ctx.now:
        day -= timedelta(days=1)  # today's is not due yet: yesterday's may still be
    start, end = _window(day, ctx)
    _, failed = queue.failed_between(ctx.session, start, end, limit=0)
    if failed:
        ctx.notify(
            "failures.report",
            FailuresDay(day=day),
            dedupe_key=keys.report(day.isoformat()),
            expires_after=end + timedelta(days=1) - ctx.now,
        )


def send(ctx: Ctx, payload: FailuresDay) -> Plan[Ctx]:
    admins = list(dict.fromkeys(ctx.config.admins))
    if not admins:
        raise Skip("no admins configured")
    start, end = _window(payload.day, ctx)
    rows, total = queue.failed_between(ctx.session, start, end, limit=LIST_LIMIT)
    if not total:
        raise Skip("nothing failed")
    message = render.report(rows, total, zone(ctx.config.timezone))
    return say(*(Dm(admin, message) for admin in admins))
