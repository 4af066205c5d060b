"""Bookings in digests (today's, and clashes with maintenance) and on App Home (yours)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot.context import Ctx
from bot.mrkdwn import safe, user, window
from bot.recurrence import at_local
from bot.resources import availability, render
from bot.sections import DigestSection
from storage import resources as repo

HOME_LIMIT = 10


def _end_of_day(now: datetime, tz: ZoneInfo) -> datetime:
    return at_local(now.astimezone(tz).date() + timedelta(days=1), time(0, 0), tz)


def todays_bookings(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    until = _end_of_day(ctx.now, tz)
    total = repo.count_upcoming(ctx.session, ctx.now, until)
    if not total:
        return None
    rows = repo.upcoming(ctx.session, ctx.now, until, limit=limit)
    names = repo.by_ids(ctx.session, [x.resource_id for x in rows])
    clashes = availability.blockers(ctx, list(names), ctx.now, until)
    said = availability.notes(ctx, [r.name for r in names.values()])
    lines = []
    for x in rows:
        clash = next(
            (
                c
                for c in clashes
                if c.resource_id == x.resource_id and c.start < x.end and c.end > x.start
            ),
            None,
        )
        warn = f" · :warning: clashes with {clash.ref}" if clash else ""
        name = names[x.resource_id].name
        warn += "".join(f" · {note}" for note in said.get(name, []))
        lines.append(
            f"*{render.ref(x)}* `{safe(name)}` {window(x.start, x.end, tz)} · {user(x.owner)}{warn}"
        )
    return DigestSection("Bookings today", lines, total, "/resource bookings")


def my_bookings(ctx: Ctx, viewer: str) -> list[dict[str, Any]]:
    rows = repo.mine(ctx.session, viewer, ctx.now, limit=HOME_LIMIT)
    blocks: list[dict[str, Any]] = [b.header("Your bookings")]
    if not rows:
        return [
            *blocks,
            b.context("No bookings. Book with `/resource book <name> <from> for <duration>`."),
        ]
    names = repo.by_ids(ctx.session, [x.resource_id for x in rows])
    said = availability.notes(ctx, [r.name for r in names.values()])
    blocks += render.home_rows(rows, names, ctx.tz, said)
    total = repo.count_mine(ctx.session, viewer, ctx.now)
    if total > len(rows):
        blocks.append(b.context(f"Showing {len(rows)} of {total}: `/resource bookings mine`."))
    return blocks
