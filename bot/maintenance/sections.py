"""Maintenance in digests: what runs in the next 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.context import Ctx
from bot.maintenance.occurrences import occurrences, ref
from bot.mrkdwn import safe, window
from bot.sections import DigestSection
from storage import maintenance as repo
from storage import resources as resource_repo

AHEAD = timedelta(hours=24)


def next_day(ctx: Ctx, since: datetime, tz: ZoneInfo, limit: int) -> DigestSection | None:
    until = ctx.now + AHEAD
    windows = repo.live_between(ctx.session, ctx.now, until, limit=200)
    found = [(s, e, w) for w in windows for s, e in occurrences(w, ctx.now, until, limit=30)]
    if not found:
        return None
    found.sort(key=lambda f: (f[0], f[2].id))
    names = resource_repo.by_ids(ctx.session, [w.resource_id for _, _, w in found[:limit]])
    lines = [
        f":construction: *{ref(w)}* `{safe(names[w.resource_id].name)}` {window(s, e, tz)} · "
        f"{safe(w.description, 200)}"
        for s, e, w in found[:limit]
    ]
    return DigestSection("Maintenance in the next 24 hours", lines, len(found), "/maintenance list")
