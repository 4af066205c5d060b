"""The swap handshake: a member asks someone to take a shift, and it changes hands on accept.

An admin's swap, or a member taking a shift themselves, applies at once; the person who takes
the shift and the one who loses it are told by DM (not the one who did it: they got the reply).
A member's swap to someone else is a request: that person gets a DM with Accept and Decline.
It is answered once; a newer request for the same shift replaces it (the newest question is the
one that counts, and its buttons are the only live ones); it expires when the shift ends.
Accepted after the shift started, the swap covers the rest of it, from the acceptance minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.context import Ctx
from bot.errors import Forbidden, NotFound, UserError
from bot.shifts import keys, service
from bot.shifts.payloads import SwapAsk, SwapClosed, SwapExpire, Swapped
from bot.shifts.service import ref
from storage import shift_changes as repo
from storage.shift_changes import SwapRequest, SwapStatus
from storage.shifts import ShiftOverride

ENTITY = "swap_request"


@dataclass(frozen=True)
class Applied:
    override: ShiftOverride
    holder: str


@dataclass(frozen=True)
class Asked:
    request: SwapRequest


def swap(ctx: Ctx, slot_id: int, user_id: str) -> Applied | Asked:
    """``/shift swap <id> @user``: at once for admins and for taking a shift yourself,
    otherwise a request to ``user_id``."""
    if ctx.actor.is_admin or user_id == ctx.actor.user_id:
        return apply_now(ctx, slot_id, user_id)
    return ask(ctx, slot_id, user_id)


def apply_now(ctx: Ctx, slot_id: int, user_id: str) -> Applied:
    found = service.check_swap(ctx, slot_id, user_id)
    # The one losing the shift hears it as that, not as "your override was replaced".
    told = frozenset({found.holder or ""})
    override, holder = service.swap(ctx, slot_id, user_id, told=told)
    _tell_swapped(ctx, override, holder, skip={ctx.actor.user_id})
    return Applied(override, holder)


def _tell_swapped(ctx: Ctx, override: ShiftOverride, holder: str, *, skip: set[str]) -> None:
    roles: tuple[tuple[str, Literal["takes", "loses"]], ...] = (
        (override.user_id, "takes"),
        (holder, "loses"),
    )
    for user, role in roles:
        if user and user not in skip:
            ctx.notify(
                "shift.swapped",
                Swapped(override=override.id, user=user, role=role),
                dedupe_key=keys.swapped(override.id, user),
            )


def ask(ctx: Ctx, slot_id: int, user_id: str) -> Asked:
    found = service.check_swap(ctx, slot_id, user_id)
    for old in repo.pending_for_slot(ctx.session, slot_id):
        if repo.close_request(ctx.session, old.id, SwapStatus.SUPERSEDED, ctx.now):
            ctx.audit(ENTITY, old.id, "swap.superseded", {"shift": ref(slot_id)})
            _closed(ctx, old.id, tell_requester=old.requester != ctx.actor.user_id)
    request = repo.add_request(
        ctx.session,
        SwapRequest(
            rotation=found.rotation.name,
            slot_id=slot_id,
            requester=ctx.actor.user_id,
            holder=found.holder,
            user_id=user_id,
            status=SwapStatus.PENDING,
            starts_at=found.start,
            ends_at=found.end,
            created_at=ctx.now,
        ),
    )
    detail = {"rotation": found.rotation.name, "shift": ref(slot_id), "user": user_id}
    ctx.audit(ENTITY, request.id, "swap.requested", {**detail, "holder": found.holder})
    ctx.notify("shift.swap_ask", SwapAsk(request=request.id), dedupe_key=keys.swap_ask(request.id))
    ctx.notify(
        "shift.swap_expire",
        SwapExpire(request=request.id),
        dedupe_key=keys.swap_expire(request.id),
        due_at=found.end,
    )
    return Asked(request)


def _closed(ctx: Ctx, request_id: int, *, tell_requester: bool) -> None:
    """The asking DM shows the answer (its buttons gone); the requester hears of it."""
    ctx.notify(
        "shift.swap_closed",
        SwapClosed(request=request_id, tell=tell_requester),
        dedupe_key=keys.swap_closed(request_id),
    )


@dataclass(frozen=True)
class Answered:
    request: SwapRequest
    override: ShiftOverride | None = None


_ALREADY = {
    SwapStatus.ACCEPTED: "You already accepted this swap.",
    SwapStatus.DECLINED: "You already declined this swap.",
    SwapStatus.EXPIRED: "This swap request has expired: the shift is over.",
    SwapStatus.SUPERSEDED: "This swap request was replaced by a newer one for the same shift.",
}


def _pending(ctx: Ctx, request_id: int) -> SwapRequest:
    request = repo.get_request(ctx.session, request_id)
    if request is None:
        raise NotFound("That swap request no longer exists.")
    if request.user_id != ctx.actor.user_id:
        raise Forbidden(
            f"This swap request is for <@{request.user_id}>; only they can answer it.",
            example="/shift swap SHF-3 @carol",
        )
    if not request.is_pending:
        raise UserError(_ALREADY[SwapStatus(request.status)])
    return request


def answer(ctx: Ctx, request_id: int, *, accept: bool) -> Answered:
    """The asked person's click; a second click, someone else's, or one too late is answered
    kindly. One too late marks the request expired (and says so) instead of failing."""
    request = _pending(ctx, request_id)
    if request.ends_at <= ctx.now:
        expire(ctx, request_id)
        return Answered(request)
    if not accept:
        if not repo.close_request(ctx.session, request_id, SwapStatus.DECLINED, ctx.now):
            raise UserError(_ALREADY[SwapStatus(_reload(ctx, request).status)])
        ctx.audit(ENTITY, request_id, "swap.declined", {"shift": ref(request.slot_id)})
        _closed(ctx, request_id, tell_requester=True)
        return Answered(_reload(ctx, request))
    if not repo.close_request(ctx.session, request_id, SwapStatus.ACCEPTED, ctx.now):
        raise UserError(_ALREADY[SwapStatus(_reload(ctx, request).status)])
    holder = service.swappable(ctx, request.slot_id).holder or ""
    # The swap is made by the person accepting; it carries out the requester's ask.
    override, holder = service.swap(
        ctx,
        request.slot_id,
        request.user_id,
        requested_by=request.requester,
        told=frozenset({holder, request.requester}),
    )
    request = _reload(ctx, request)
    request.override_id = override.id
    ctx.audit(
        ENTITY,
        request_id,
        "swap.accepted",
        {"shift": ref(request.slot_id), "override": override.id, "from": str(override.starts_at)},
    )
    _closed(ctx, request_id, tell_requester=True)
    # The one who loses the shift, when not the requester, learns it too.
    _tell_swapped(ctx, override, holder, skip={request.user_id, request.requester})
    return Answered(request, override)


def _reload(ctx: Ctx, request: SwapRequest) -> SwapRequest:
    ctx.session.refresh(request)
    return request


def expire(ctx: Ctx, request_id: int) -> bool:
    """The shift ended unanswered: the request is closed and the requester told (once)."""
    if not repo.close_request(ctx.session, request_id, SwapStatus.EXPIRED, ctx.now):
        return False
    ctx.audit(ENTITY, request_id, "swap.expired", None)
    _closed(ctx, request_id, tell_requester=True)
    return True
