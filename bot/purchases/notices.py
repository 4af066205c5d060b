"""What purchases say in Slack, planned from current data and said by the notice queue.

Each approver's DM is its own notice (``purchase:<id>:wait:s<step>:ask:<user>``), so one failed
DM is retried without re-sending the others, and its (channel, ts) is recorded so that every DM
of a request can be edited with the outcome. The DM is awaited: the edits wait while one is on
its way, and a failed one is made again (bot/dispatcher.py) rather than leave them waiting.
Reminders back off (remind_after, then twice that, then four times...), each queued by the one
before under a key with its sequence number.
"""

from __future__ import annotations

from bot.context import Ctx
from bot.messenger import MessageRef
from bot.notices import Dm, NotYet, Plan, Post, Sent, Skip, Update, say
from bot.purchases import keys, render, service
from bot.purchases.payloads import ApproverAsk, ApproverReminder, PurchaseRef, PurchaseStep
from bot.timeparse import format_duration
from bot.tz import zone
from storage import purchases as repo
from storage.notices import in_flight
from storage.purchases import PurchaseMessage, PurchaseRequest

MAX_REMINDERS = 10


def _request(ctx: Ctx, request_id: int) -> PurchaseRequest:
    req = ctx.session.get(PurchaseRequest, request_id)
    if req is None:
        raise Skip("request no longer exists")
    return req


def _waiting(ctx: Ctx, request_id: int, step: int) -> PurchaseRequest:
    req = _request(ctx, request_id)
    if not req.is_pending or req.step != step:
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


def ask(ctx: Ctx, payload: ApproverAsk) -> Plan[Ctx]:
    req = _request(ctx, payload.id)
    step, user_id = payload.step, payload.user
    request_id = req.id

    def remember(ctx: Ctx, sent: Sent) -> None:
        ref = sent.results.get(Dm.key_for(user_id))
        if isinstance(ref, MessageRef):
            ctx.session.add(
                PurchaseMessage(
                    request_id=request_id,
                    step=step,
                    user_id=user_id,
                    channel=ref.channel,
                    ts=ref.ts,
                )
            )

    if not req.is_pending or req.step != step:
        # Say nothing new; but a DM an earlier attempt did deliver (its answer lost, then found)
        # is remembered, so the outcome takes its buttons away too.
        return Plan(record=remember, skip="the step was decided meanwhile")
    tz = zone(ctx.config.timezone)
    message = render.approver_dm(req, step, tz, on_behalf_of=_still_asked(req, step, user_id, ctx))
    return say(Dm(user_id, message), record=remember)


def remind(ctx: Ctx, payload: ApproverReminder) -> Plan[Ctx]:
    req = _waiting(ctx, payload.id, payload.step)
    step, user_id, n = payload.step, payload.user, payload.n
    _still_asked(req, step, user_id, ctx)
    dm = repo.message_for(ctx.session, req.id, step, user_id)
    message = render.reminder(req, step, format_duration(ctx.now - req.step_started_at))
    call = Post(dm.channel, message, thread_ts=dm.ts) if dm is not None else Dm(user_id, message)
    request_id = req.id
    # Back-off: remind_after, then 2x, 4x... after the previous reminder.
    delay = ctx.config.purchases.remind_after * 2**n

    def reminded(ctx: Ctx, sent: Sent) -> None:
        ctx.audit(
            service.ENTITY, request_id, "reminded", {"step": step + 1, "user": user_id, "n": n}
        )
        if n < MAX_REMINDERS:
            ctx.notify(
                "purchase.remind",
                payload.model_copy(update={"n": n + 1}),
                dedupe_key=keys.remind(request_id, step, user_id, n + 1),
                due_at=ctx.now + delay,
            )

    return say(call, record=reminded)


def expire(ctx: Ctx, payload: PurchaseRef) -> Plan[Ctx]:
    if not _request(ctx, payload.id).is_pending:
        raise Skip("decided before it expired")
    request_id = payload.id

    def expired(ctx: Ctx, sent: Sent) -> None:
        if not service.expire(ctx, request_id):
            raise Skip("decided before it expired")

    return Plan(record=expired)


def _update_dms(ctx: Ctx, req: PurchaseRequest, step: int | None) -> Plan[Ctx]:
    # A DM still on its way (decided a moment after it was asked) would keep its buttons.
    asking = keys.asking_like(req.id, step)
    if in_flight(ctx.session, like=asking):
        raise NotYet(f"PUR-{req.id}: an approver's message is still being sent", behind=asking)
    tz = zone(ctx.config.timezone)
    decided = {d.step: d for d in repo.decisions(ctx.session, req.id)}
    edits = [
        Update(
            MessageRef(dm.channel, dm.ts),
            render.approver_dm(
                req,
                dm.step,
                tz,
                on_behalf_of=_behalf(req, dm.step, dm.user_id, ctx),
                decision=decided.get(dm.step),
            ),
        )
        for dm in repo.messages(ctx.session, req.id, step)
    ]
    # chat.update is idempotent, so a retry after a partial failure repeats no harm.
    return say(*edits)


def close_step(ctx: Ctx, payload: PurchaseStep) -> Plan[Ctx]:
    """A step was decided: its DMs lose their buttons and say who decided."""
    return _update_dms(ctx, _request(ctx, payload.id), payload.step)


def final_messages(ctx: Ctx, payload: PurchaseRef) -> Plan[Ctx]:
    """The request is over: every approver DM of every step shows the outcome and who decided."""
    return _update_dms(ctx, _request(ctx, payload.id), None)


def tell_requester(ctx: Ctx, payload: PurchaseRef) -> Plan[Ctx]:
    req = _request(ctx, payload.id)
    return say(Dm(req.requester, render.requester_outcome(req)))


def announce(ctx: Ctx, payload: PurchaseRef) -> Plan[Ctx]:
    req = _request(ctx, payload.id)
    channel = ctx.config.purchases.channel
    if not channel:
        raise Skip("no purchases channel configured")
    return say(Post(channel, render.announcement(req)))
