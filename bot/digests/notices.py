"""Digest delivery through the notice queue: planned ahead, sent once per channel and local day.

The planner writes each channel's next occurrence as a notice row keyed by channel and local
date, due at the local time (DST-safe, bot/recurrence.py) and expiring at the end of that local
day: a digest missed by a restart at 09:00 goes out when the scheduler is back at 09:07, one
missed for the whole day is skipped. After downtime the planner also writes the occurrences it
missed that are still on their own day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.context import Ctx
from bot.digests import keys
from bot.digests.assemble import build_digest
from bot.digests.payloads import DigestRun
from bot.digests.schedule import Schedule, effective
from bot.notices import Plan, Post, Sent, Skip, say
from bot.tz import zone
from storage import digests as repo
from storage import notices as queue

PLAN_BATCH = 200
LOOKBACK = timedelta(days=8)  # after a long outage, only the last week can still matter
# "Closed since" for a channel's very first digest: one period of its schedule.
FIRST_SINCE = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def _notice(channel: str, schedule: Schedule, occurrence: datetime) -> queue.NewNotice:
    day = schedule.local_day(occurrence).isoformat()
    return queue.NewNotice(
        kind="digest.post",
        payload=DigestRun(
            channel=channel, day=schedule.local_day(occurrence), sig=schedule.signature
        ).row(),
        due_at=occurrence,
        dedupe_key=keys.digest(channel, day),
        expires_at=schedule.day_end(occurrence),
    )


def plan_channel(
    ctx: Ctx, channel: str, schedule: Schedule, row: repo.DigestChannel
) -> list[queue.NewNotice]:
    """The channel's next digest (and those missed still on their day), to be queued in this
    unit of work; the channel's row remembers how far it was planned."""
    now = ctx.now
    if row.planned_sig != schedule.signature:
        # New or changed schedule (a config edit across a restart): start over from now.
        queue.drop_pending(ctx.session, prefix=keys.channel(channel))
        anchor = now
    elif row.next_at is not None and row.next_at > now:
        return []
    else:
        anchor = max(row.next_at or now, now - LOOKBACK)
    planned = None
    found: list[queue.NewNotice] = []
    for occurrence in schedule.occurrences(anchor):
        if occurrence <= now:
            if schedule.day_end(occurrence) > now:
                found.append(_notice(channel, schedule, occurrence))  # missed, still its day: late
            continue
        found.append(_notice(channel, schedule, occurrence))
        planned = occurrence
        break
    repo.mark_planned(ctx.session, channel, planned, schedule.signature)
    return found


def plan(ctx: Ctx) -> None:
    configured = {d.channel for d in ctx.config.digests}
    repo.ensure(ctx.session, configured)
    found: list[queue.NewNotice] = []
    for row in repo.to_plan(ctx.session, ctx.now, configured, limit=PLAN_BATCH):
        schedule = effective(row, ctx.config, row.channel)
        if schedule is not None and schedule.weekdays:
            found += plan_channel(ctx, row.channel, schedule, row)
    # Channels sharing a digest time come due on one tick: their rows go in one statement.
    queue.enqueue_many(ctx.session, found, now=ctx.now)


def title_of(schedule: Schedule | None) -> str:
    if schedule is None:
        return "Digest"
    return "Weekly digest" if schedule.cadence == "weekly" else "Daily digest"


def post(ctx: Ctx, payload: DigestRun) -> Plan[Ctx]:
    channel = payload.channel
    row = repo.get(ctx.session, channel)
    schedule = effective(row, ctx.config, channel)
    manual = payload.manual
    if not manual:
        if schedule is None:
            raise Skip("the channel's digest was turned off")
        if payload.sig != schedule.signature:
            raise Skip("the channel's digest schedule changed")
    tz = schedule.tz if schedule else zone(payload.tz or ctx.config.timezone)
    period = FIRST_SINCE[schedule.cadence] if schedule else FIRST_SINCE["daily"]
    since = (row.last_sent_at if row else None) or ctx.now - period
    message = build_digest(
        ctx,
        since=since,
        tz=tz,
        title=title_of(schedule),
        quiet=bool(schedule and schedule.quiet) and not manual,
    )
    if message is None:
        raise Skip("all clear, and the channel chose quiet")
    if manual:  # `/digest now` is extra: the next scheduled digest still covers since the last
        return say(Post(channel, message))

    def sent(ctx: Ctx, _: Sent) -> None:
        repo.mark_sent(ctx.session, channel, ctx.now)

    return say(Post(channel, message), record=sent)
