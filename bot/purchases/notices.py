"""What purchases say in Slack, sent from the notice queue from current data.

Each approver's DM is its own notice (``purchase:<id>:wait:s<step>:ask:<user>``), so one failed
DM is retried without re-sending the others, and its (channel, ts) is recorded so that every DM
of a request can be edited with the outcome. Reminders back off (remind_after, then twice that,
then four times...), each queued by the one before under a key with its sequence number.
"""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.messenger import MessageRef, Messenger
from bot.notices import NotYet, Skip
from bot.purchases import keys, render, service
from bot.timeparse import format_duration
from bot.tz import zone
from storage import purchases as repo
from storage.notices import in_flight
from storage.purchases import PurchaseMessage, PurchaseRequest

MAX_REMINDERS = 10


def _request(ctx: Ctx, payload: dict[str, Any]) -> PurchaseRequest:
    req = ctx.session.get(PurchaseRequest, payload["id"])
    if req is None:
        raise Skip("request no longer exists")
    return req


def _waiting(ctx: Ctx, payload: dict[str, Any]) -> PurchaseRequest:
    req = _request(ctx, payload)
    if not req.is_pending or req.step != payload["step"]:
        raise Skip("the step was decided meanwhile")
    return req


def _behalf(req: PurchaseRequest, step: int, user_id: str, ctx: Ctx) -> str | None:
    """For a delegate's DM: whom they stand in for (None when they are an approver)."""
    approvers = req.approvers(step)
    if user_id in approvers:
        return None
    stand_in = repo.delegates_for(ctx.session, approvers, ctx.now)
    return next((a for a in sorted(stand_in) if stand_in[a] == user_id), None)


def _still_asked(req: PurchaseRequest, step: int, user_id: str, ctx: Ctx) -> str | None:
    """Whom ``user_id`` decides for (None: in their own right). A delegate whose delegation
    has ended is asked and reminded no more, as approving in that name is refused too."""
    behalf = _behalf(req, step, user_id, ctx)
    if behalf is None and user_id not in req.approvers(step):
        raise Skip("the delegation has ended")
    return behalf


def ask(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    req = _waiting(ctx, payload)
    step, user_id = int(payload["step"]), str(payload["user"])
    tz = zone(ctx.config.timezone)
    behalf = _still_asked(req, step, user_id, ctx)
    message = render.approver_dm(req, step, tz, on_behalf_of=behalf)
    sent = messenger.dm(user_id, message)
    ctx.session.add(
        PurchaseMessage(
            request_id=req.id, step=step, user_id=user_id, channel=sent.channel, ts=sent.ts
        )
    )


def remind(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    req = _waiting(ctx, payload)
    step, user_id, n = int(payload["step"]), str(payload["user"]), int(payload["n"])
    _still_asked(req, step, user_id, ctx)
    dm = repo.message_for(ctx.session, req.id, step, user_id)
    message = render.reminder(req, step, format_duration(ctx.now - req.step_started_at))
    if dm is not None:
        messenger.post(dm.channel, message, thread_ts=dm.ts)
    else:
        messenger.dm(user_id, message)
    ctx.audit(service.ENTITY, req.id, "reminded", {"step": step + 1, "user": user_id, "n": n})
    if n < MAX_REMINDERS:
        # Back-off: remind_after, then 2x, 4x... after the previous reminder.
        delay = ctx.config.purchases.remind_after * 2**n
        ctx.notify(
            "purchase.remind",
            {**payload, "n": n + 1},
            dedupe_key=keys.remind(req.id, step, user_id, n + 1),
            due_at=ctx.now + delay,
        )


def expire(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    if not service.expire(ctx, int(payload["id"])):
        raise Skip("decided before it expired")


def _update_dms(ctx: Ctx, messenger: Messenger, req: PurchaseRequest, step: int | None) -> None:
    # A DM still on its way (decided a moment after it was asked) would keep its buttons.
    if in_flight(ctx.session, like=keys.asking_like(req.id, step)):
        raise NotYet(f"PUR-{req.id}: an approver's message is still being sent")
    tz = zone(ctx.config.timezone)
    decided = {d.step: d for d in repo.decisions(ctx.session, req.id)}
    for dm in repo.messages(ctx.session, req.id, step):
        message = render.approver_dm(
            req,
            dm.step,
            tz,
            on_behalf_of=_behalf(req, dm.step, dm.user_id, ctx),
            decision=decided.get(dm.step),
        )
        # chat.update is idempotent, so a retry after a partial failure repeats no harm.
        messenger.update(MessageRef(dm.channel, dm.ts), message)


def close_step(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    """A step was decided: its DMs lose their buttons and say who decided."""
    req = _request(ctx, payload)
    _update_dms(ctx, messenger, req, int(payload["step"]))


def final_messages(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    """The request is over: every approver DM of every step shows the outcome and who decided."""
    req = _request(ctx, payload)
    _update_dms(ctx, messenger, req, None)


def tell_requester(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    req = _request(ctx, payload)
    messenger.dm(req.requester, render.requester_outcome(req))


def announce(ctx: Ctx, messenger: Messenger, payload: dict[str, Any]) -> None:
    req = _request(ctx, payload)
    channel = ctx.config.purchases.channel
    if not channel:
        raise Skip("no purchases channel configured")
    messenger.post(channel, render.announcement(req))
