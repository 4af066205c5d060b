"""Read side: what `list`, `status`, `available` and `bookings` show, in a few bounded queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from bot.clock import whole_minute
from bot.context import Ctx
from bot.errors import UserError
from bot.messenger import Message
from bot.mrkdwn import when
from bot.resources import availability, catalogue, render
from storage import resources as repo
from storage.base import Total
from storage.resources import Booking, Resource

STATUS_DAYS = 7
STATUS_LIMIT = 30  # bookings and maintenance shown by `/resource status`; the rest are counted
LIST_SHOWN = 200  # resources in one `/resource list` (50 blocks); past it, "N more", by kind


def states_now(ctx: Ctx, resources: list[Resource]) -> list[render.State]:
    """Each resource's state at this minute, and what other areas say of it (incidents open on
    it): a few queries whatever the number of resources."""
    now, ids = ctx.now, [r.id for r in resources]
    held: dict[int, list[Booking]] = defaultdict(list)
    blocked: dict[int, list[availability.Blocker]] = defaultdict(list)
    if ids:
        for x in repo.overlapping(ctx.session, ids, now, now + timedelta(seconds=1)):
            held[x.resource_id].append(x)
        for y in availability.blockers(ctx, ids, now, now + timedelta(seconds=1)):
            blocked[y.resource_id].append(y)
    said = availability.notes(ctx, [r.name for r in resources])
    return [render.State(r, held[r.id], blocked[r.id], said.get(r.name, [])) for r in resources]


def resource_list(ctx: Ctx, kind: str | None) -> Message:
    catalogue.ensure(ctx)
    kind = kind.lower() if kind else None
    rows = repo.catalogue(ctx.session, kind=kind, limit=LIST_SHOWN)
    total = len(rows)
    if total == LIST_SHOWN:
        total = repo.count_catalogue(ctx.session, kind=kind)
    return render.resource_list(states_now(ctx, rows), ctx.tz, kind, total=total)


def status(ctx: Ctx, name: str) -> Message:
    resource = catalogue.find(ctx, name)
    state = states_now(ctx, [resource])[0]
    until = ctx.now + timedelta(days=STATUS_DAYS)
    upcoming = repo.overlapping(ctx.session, [resource.id], ctx.now, until, limit=STATUS_LIMIT)
    total = len(upcoming)
    if total == STATUS_LIMIT:
        total = repo.count_overlapping(ctx.session, resource.id, ctx.now, until)
    # Maintenance in the next days is a few rows per window (no history): read all, show some.
    blocks = availability.blockers(ctx, [resource.id], ctx.now, until)
    return render.status(
        state, upcoming, blocks[:STATUS_LIMIT], ctx.tz, total, blocked_total=len(blocks)
    )


def available(ctx: Ctx, kind: str | None, start: datetime, end: datetime) -> Message:
    _ahead(ctx, kind, start, end)
    catalogue.ensure(ctx)
    rows = repo.catalogue(ctx.session, kind=kind)
    if kind and not rows:
        known = repo.kinds(ctx.session)
        raise_unknown_kind(kind, known)
    free = availability.free_among(ctx, rows, start, end)
    return render.available(free, kind, start, end, ctx.tz)


def _ahead(ctx: Ctx, kind: str | None, start: datetime, end: datetime) -> None:
    """What is free in the past is no use to anyone: say so, and offer the part still ahead."""
    now = whole_minute(ctx.now)
    if start >= now:
        return
    what = f"/resource available {kind + ' ' if kind else ''}"
    if end <= now:
        raise UserError(
            f"That window ended {when(end, ctx.tz)}, so nothing can be booked in it any more. "
            "Ask about a time still ahead.",
            example=what + "tomorrow 9am for 1h",
        )
    local_end = end.astimezone(ctx.tz)
    same_day = local_end.date() == now.astimezone(ctx.tz).date()
    until = f"{local_end:%H:%M}" if same_day else f"{local_end:%Y-%m-%d %H:%M}"
    raise UserError(
        f"That window started {when(start, ctx.tz)}, which has passed. I can tell you what is "
        f"free from now until {when(end, ctx.tz, style='time' if same_day else 'datetime')}.",
        example=f"{what}now to {until}",
    )


def raise_unknown_kind(kind: str, known: list[str]) -> None:
    import difflib

    from bot.errors import NotFound
    from bot.mrkdwn import echo

    close = difflib.get_close_matches(kind, known, n=2, cutoff=0.5)
    hint = f"Did you mean {' or '.join(f'`{k}`' for k in close)}?" if close else ""
    kinds = ", ".join(f"`{k}`" for k in known) or "none yet"
    raise NotFound(f"There is no kind `{echo(kind)}`. {hint} Kinds: {kinds}.".replace("  ", " "))


def bookings(ctx: Ctx, mine: bool) -> Message:
    if mine:
        rows = repo.mine(ctx.session, ctx.actor.user_id, ctx.now, limit=render.LIST_LIMIT)
        total = Total(repo.count_mine(ctx.session, ctx.actor.user_id, ctx.now))
    else:
        rows = repo.upcoming(ctx.session, ctx.now, None, limit=render.LIST_LIMIT)
        total = repo.count_upcoming_upto(ctx.session, ctx.now)
    names = repo.by_ids(ctx.session, [x.resource_id for x in rows])
    return render.booking_list(rows, names, total, ctx.tz, mine=mine)
