"""Maintenance in digests: what runs in the next 24 hours, the first few and how many in all."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import ids
from bot.context import Ctx
from bot.maintenance.occurrences import first_overlapping
from bot.mrkdwn import safe, window
from bot.sections import DigestSection
from storage import resources as resource_repo

AHEAD = timedelta(hours=24)


def next_day(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    found, total = first_overlapping(ctx.session, ctx.now, ctx.now + AHEAD, limit=limit)
    if not total:
        return None
    names = resource_repo.by_ids(ctx.session, [h.resource_id for h in found])
    lines = [
        f":construction: *{ids.fmt('MNT', h.window_id)}* `{safe(names[h.resource_id].name)}` "
        f"{window(h.start, h.end, tz)} · {safe(h.description, 200)}"
        for h in found
    ]
    return DigestSection("Maintenance in the next 24 hours", lines, total, "/maintenance list")
