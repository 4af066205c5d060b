"""Maintenance in digests: what runs in the next 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.context import Ctx
from bot.maintenance.occurrences import overlapping, ref
from bot.mrkdwn import safe, window
from bot.sections import DigestSection
from storage import resources as resource_repo

AHEAD = timedelta(hours=24)


def next_day(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    found = overlapping(ctx.session, ctx.now, ctx.now + AHEAD)
    if not found:
        return None
    names = resource_repo.by_ids(ctx.session, [w.resource_id for w, _ in found[:limit]])
    lines = [
        f":construction: *{ref(w)}* `{safe(names[w.resource_id].name)}` {window(s, e, tz)} · "
        f"{safe(w.description, 200)}"
        for w, (s, e) in found[:limit]
    ]
    return DigestSection("Maintenance in the next 24 hours", lines, len(found), "/maintenance list")
