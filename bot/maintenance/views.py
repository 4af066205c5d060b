"""Read side of /maintenance: list and show, in a few bounded queries."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Ctx
from bot.maintenance import render, service
from bot.maintenance.occurrences import occurrences, soonest
from bot.messenger import Message
from bot.resources import catalogue
from storage import maintenance as repo
from storage import resources as resource_repo

LIST_LIMIT = 25
SHOW_OCCURRENCES = 5


def window_list(ctx: Ctx, resource_name: str | None) -> Message:
    resource_id = catalogue.find(ctx, resource_name).id if resource_name else None
    rows = soonest(ctx.session, ctx.now, resource_id=resource_id, limit=LIST_LIMIT)
    total = repo.count_not_over(ctx.session, ctx.now, resource_id=resource_id)
    names = resource_repo.by_ids(ctx.session, [w.resource_id for w, _ in rows])
    items = [(w, names[w.resource_id].name, occ) for w, occ in rows]
    return render.window_list(items, total, ctx.tz)


def show(ctx: Ctx, window_id: int) -> Message:
    window = service.get(ctx, window_id)
    resource = service.resource_of(ctx, window)
    upcoming = (
        occurrences(window, ctx.now, ctx.now + timedelta(days=400), limit=SHOW_OCCURRENCES)
        if window.is_scheduled
        else []
    )
    return render.detail(window, resource, upcoming, ctx.tz)
