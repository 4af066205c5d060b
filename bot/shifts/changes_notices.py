"""What the swap handshake and time off say in Slack (notice handlers; see bot/notices.py).

Handlers render from the rows as they are when the notice goes out; the asking DM's (channel,
ts) is recorded so the answer can take its buttons away.
"""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.messenger import MessageRef
from bot.notices import Call, Dm, NotYet, Plan, Post, Sent, Skip, Update, say
from bot.shifts import changes_render as render
from bot.shifts import keys, swaps
from bot.shifts.payloads import (
    AwayCancelled,
    AwayPlanned,
    OverrideReplaced,
    SwapAsk,
    SwapClosed,
    SwapExpire,
    Swapped,
)
from bot.tz import zone
from storage import shift_changes as repo
from storage import shifts as shift_repo
from storage.notices import in_flight
from storage.shift_changes import SwapRequest
from storage.shifts import ShiftOverride


def _tz(ctx: Ctx, rotation: str | None = None) -> Any:
    rot = ctx.config.rotation(rotation) if rotation else None
    return zone(rot.timezone if rot else ctx.config.timezone)


def _request(ctx: Ctx, request_id: int) -> SwapRequest:
    request = repo.get_request(ctx.session, request_id)
    if request is None:
        raise Skip("the swap request is gone")
    return request


def _override(ctx: Ctx, override_id: int | None) -> ShiftOverride | None:
    return ctx.session.get(ShiftOverride, override_id) if override_id else None


def swap_ask(ctx: Ctx, payload: SwapAsk) -> Plan[Ctx]:
    request = _request(ctx, payload.request)
    request_id, user_id = request.id, request.user_id

    def remember(ctx: Ctx, sent: Sent) -> None:
        ref = sent.results.get(Dm.key_for(user_id))
        row = repo.get_request(ctx.session, request_id)
        if isinstance(ref, MessageRef) and row is not None:
            row.dm_channel, row.dm_ts = ref.channel, ref.ts

    if not request.is_pending:
        return Plan(record=remember, skip="answered before it was asked")
    return say(Dm(user_id, render.swap_ask(request, _tz(ctx, request.rotation))), record=remember)


def swap_expire(ctx: Ctx, payload: SwapExpire) -> Plan[Ctx]:
    """Due when the shift ends: an unanswered request expires (its closing notice says so)."""
    if not _request(ctx, payload.request).is_pending:
        raise Skip("answered before it expired")
    request_id = payload.request

    def expired(ctx: Ctx, sent: Sent) -> None:
        swaps.expire(ctx, request_id)

    return Plan(record=expired)


def swap_closed(ctx: Ctx, payload: SwapClosed) -> Plan[Ctx]:
    """The asking DM shows the answer instead of buttons; the requester is told."""
    request = _request(ctx, payload.request)
    asking = keys.swap_ask(request.id)
    if request.dm_ts is None and in_flight(ctx.session, like=asking):
        raise NotYet(f"swap {request.id}: the asking DM is still on its way", behind=asking)
    tz = _tz(ctx, request.rotation)
    override = _override(ctx, request.override_id)
    calls: list[Call] = []
    if request.dm_channel and request.dm_ts:
        ref = MessageRef(request.dm_channel, request.dm_ts)
        calls.append(Update(ref, render.swap_closed(request, override, tz)))
    if payload.tell:
        calls.append(Dm(request.requester, render.swap_outcome(request, override, tz)))
    if not calls:
        raise Skip("nothing to edit and nobody to tell")
    return say(*calls)


def swapped(ctx: Ctx, payload: Swapped) -> Plan[Ctx]:
    override = _override(ctx, payload.override)
    if override is None:
        raise Skip("the override is gone")
    message = render.swapped_dm(override, payload.role, _tz(ctx, override.rotation))
    return say(Dm(payload.user, message))


def override_replaced(ctx: Ctx, payload: OverrideReplaced) -> Plan[Ctx]:
    old, new = _override(ctx, payload.old), _override(ctx, payload.new)
    if old is None or new is None:
        raise Skip("an override is gone")
    return say(Dm(payload.user, render.replaced_dm(old, new, _tz(ctx, new.rotation))))


def away_planned(ctx: Ctx, payload: AwayPlanned) -> Plan[Ctx]:
    """The channel hears who covers; each substitute gets a DM; the admins, when a shift
    found nobody, hear it at once."""
    away = repo.get_away(ctx.session, payload.away)
    if away is None:
        raise Skip("the time off is gone")
    rotation = payload.rotation
    rot = ctx.config.rotation(rotation)
    tz = _tz(ctx, rotation)
    made = shift_repo.overrides_for_away(ctx.session, away.id)
    covered = [o for o in made if o.rotation == rotation]
    gaps = list(payload.uncovered)
    message = render.away_planned(away, rotation, covered, gaps, tz)
    calls: list[Call] = []
    if rot is not None and rot.channel:
        calls.append(Post(rot.channel, message))
    for sub in sorted({o.user_id for o in covered}):
        mine = [o for o in covered if o.user_id == sub]
        calls.append(Dm(sub, render.away_cover_dm(away, rotation, mine, tz)))
    if gaps:
        told = {c.user for c in calls if isinstance(c, Dm)}
        calls += [Dm(a, message) for a in ctx.config.admins if a not in told]
    if not calls:
        raise Skip("nobody to tell")
    return say(*calls)


def away_cancelled(ctx: Ctx, payload: AwayCancelled) -> Plan[Ctx]:
    rot = ctx.config.rotation(payload.rotation)
    tz = _tz(ctx, payload.rotation)
    undone = list(payload.undone)
    calls: list[Call] = []
    if rot is not None and rot.channel:
        message = render.away_cancelled(payload.user, payload.away, payload.rotation, undone, tz)
        calls.append(Post(rot.channel, message))
    for sub in sorted({s for s, _, _ in undone}):
        mine = [(a, b) for s, a, b in undone if s == sub]
        note = render.away_uncover_dm(payload.user, payload.away, payload.rotation, mine, tz)
        calls.append(Dm(sub, note))
    if not calls:
        raise Skip("nobody to tell")
    return say(*calls)
