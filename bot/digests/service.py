"""Digest subscriptions per channel: rules only, no Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.context import Ctx
from bot.digests import keys
from bot.digests.payloads import DigestRun
from bot.digests.schedule import (
    EVERY_DAY,
    WEEKDAYS,
    Schedule,
    config_entry,
    day_names,
    effective,
)
from bot.errors import Forbidden, UserError
from storage import digests as repo
from storage import notices as queue


@dataclass(frozen=True)
class Status:
    channel: str
    schedule: Schedule | None
    next_at: datetime | None
    last_sent_at: datetime | None
    switched_off_config: bool  # the config file has one, turned off here


def _channel(channel: str | None) -> str:
    if not channel:
        raise UserError("Run `/digest` in the channel that should get the digest.")
    if channel.startswith("D"):
        raise UserError(
            "Digests go to channels: run `/digest` in the channel that should get it, "
            "and `/digest now` there to see one."
        )
    return channel


def _may_change(ctx: Ctx, channel: str) -> None:
    if config_entry(ctx.config, channel) and not ctx.actor.is_admin:
        raise Forbidden(
            "This channel's digest is set in the config file, so only an admin can change it here."
        )


def subscribe(
    ctx: Ctx,
    channel: str | None,
    *,
    at: time,
    weekday: int | None = None,
    weekdays_only: bool = False,
    tz: str | None = None,
    quiet: bool = False,
) -> Schedule:
    """Daily (every day or weekdays) or weekly on ``weekday``; replaces what the channel had."""
    channel = _channel(channel)
    _may_change(ctx, channel)
    if weekday is not None:
        cadence, days = "weekly", frozenset({weekday})
    else:
        cadence, days = "daily", WEEKDAYS if weekdays_only else EVERY_DAY
    schedule = Schedule(cadence, at, days, tz or ctx.tz.key, quiet)
    repo.save(
        ctx.session,
        channel,
        {
            "mode": "on",
            "cadence": cadence,
            "at": f"{at:%H:%M}",
            "days": ",".join(str(d) for d in sorted(days)),
            "timezone": schedule.timezone,
            "quiet": quiet,
            "updated_by": ctx.actor.user_id,
            "updated_at": ctx.now,
        },
    )
    queue.drop_pending(ctx.session, prefix=keys.channel(channel))
    ctx.audit(
        "digest",
        None,
        "subscribed",
        {
            "channel": channel,
            "cadence": cadence,
            "at": f"{at:%H:%M}",
            "days": day_names(days),
            "tz": schedule.timezone,
            "quiet": quiet,
        },
    )
    return schedule


def unsubscribe(ctx: Ctx, channel: str | None) -> Schedule:
    channel = _channel(channel)
    current = effective(repo.get(ctx.session, channel), ctx.config, channel)
    if current is None:
        raise UserError("This channel has no digest. Start one with `/digest daily 09:00`.")
    _may_change(ctx, channel)
    repo.save(
        ctx.session,
        channel,
        {"mode": "off", "updated_by": ctx.actor.user_id, "updated_at": ctx.now},
    )
    queue.drop_pending(ctx.session, prefix=keys.channel(channel))
    ctx.audit("digest", None, "unsubscribed", {"channel": channel})
    return current


def post_now(ctx: Ctx, channel: str | None) -> None:
    """Queue this channel's digest, due at once; it is built from current data when sent."""
    channel = _channel(channel)
    schedule = effective(repo.get(ctx.session, channel), ctx.config, channel)
    tz = schedule.timezone if schedule else ctx.tz.key
    ctx.notify("digest.post", DigestRun(channel=channel, manual=True, tz=tz))
    ctx.audit("digest", None, "requested", {"channel": channel})


def status(ctx: Ctx, channel: str | None) -> Status:
    channel = _channel(channel)
    row = repo.get(ctx.session, channel)
    schedule = effective(row, ctx.config, channel)
    upcoming = next(schedule.occurrences(ctx.now), None) if schedule else None
    return Status(
        channel,
        schedule,
        upcoming,
        row.last_sent_at if row else None,
        switched_off_config=schedule is None and config_entry(ctx.config, channel) is not None,
    )
