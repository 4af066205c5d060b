"""Read side of /maintenance: list and show, in a few bounded queries."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Ctx
from bot.maintenance import render, service
from bot.maintenance.occurrences import current_or_next, occurrences
from bot.messenger import Message
from bot.resources import catalogue
from storage import maintenance as repo
from storage import resources as resource_repo

LIST_LIMIT = 25
SHOW_OCCURRENCES = 5


def window_list(ctx: Ctx, resource_name: str | None) -> Message:
    resource_id = catalogue.find(ctx, resource_name).id if resource_name else None
    rows, total = repo.upcoming(ctx.session, ctx.now, resource_id=resource_id, limit=LIST_LIMIT)
    names = resource_repo.by_ids(ctx.session, [w.resource_id for w in rows])
    items = [(w, names[w.resource_id].name, current_or_next(w, ctx.now)) for w in rows]
    items = [i for i in items if i[2] is not None]
    items.sort(key=lambda i: i[2][0])  # type: ignore[index]
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
