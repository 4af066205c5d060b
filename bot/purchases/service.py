"""Purchase rules: routing, exactly-once decisions, cancel and expiry (see also access, delegation).

pending -> approved | rejected | cancelled | expired, with ``step`` moving 0 -> n-1 while pending.
Every decision is a conditional update on the request's (status, step) plus a decision row unique
per (request, step), so a double click, a retried request or two approvers at the same moment
record one decision; the loser is told what happened. No Slack here: what Slack must hear is
queued as notices in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.context import SYSTEM_USER, Ctx
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.mrkdwn import echo, truncate, users
from bot.purchases import keys, money
from bot.purchases.access import authorize, outcome, ref, who_decides
from bot.purchases.commands import DESCRIPTION_LIMIT
from bot.purchases.payloads import ApproverAsk, ApproverReminder, PurchaseRef, PurchaseStep
from storage import notices as queue
from storage import purchases as repo
from storage.purchases import (
    PurchaseApprover,
    PurchaseDecision,
    PurchaseRequest,
    PurchaseStatus,
)
from storage.transitions import compare_and_set

ENTITY = "purchase"
APPROVED, REJECTED = PurchaseStatus.APPROVED, PurchaseStatus.REJECTED


@dataclass(frozen=True)
class Decided:
    request: PurchaseRequest
    step: int  # the step that was decided, 0-based
    decision: str  # approved or rejected
    on_behalf_of: str | None

    @property
    def final(self) -> bool:
        return not self.request.is_pending


def get(ctx: Ctx, request_id: int) -> PurchaseRequest:
    req = ctx.session.get(PurchaseRequest, request_id)
    if req is None:
        raise NotFound(f"There is no purchase request {ref(request_id)}.", example="/purchase list")
    return req


def split_currency(
    words: list[str], ctx: Ctx, amount: Decimal | None = None
) -> tuple[str | None, list[str]]:
    """`[currency] <description>`: see ``money.read_currency`` for when a word is a currency."""
    if not words:
        return None, words
    cfg = ctx.config.purchases
    shown = f"{amount:,.2f}" if amount is not None else "<amount>"
    as_text = f"/purchase request {shown} {cfg.currency} {truncate(' '.join(words), 80)}"
    currency = money.read_currency(words[0], cfg, as_text=as_text)
    return (currency, words[1:]) if currency else (None, words)


# --- requests -----------------------------------------------------------------------------------


def check_description(description: str) -> str:
    description = " ".join(description.split())
    if not description:
        raise UserError("Say what you want to buy.", example=money.EXAMPLE, field="description")
    return description


def check_currency(ctx: Ctx, currency: str | None) -> str:
    """The currency code, upper-case; one without a rate is refused (the form checks it first)."""
    cfg = ctx.config.purchases
    code = (currency or cfg.currency).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise UserError(
            f"`{echo(code)}` is not a currency code; use three letters such as EUR.",
            field="currency",
        )
    money.to_policy(Decimal(1), code, cfg)
    return code


def submit(
    ctx: Ctx,
    amount: Decimal,
    currency: str | None,
    description: str,
    *,
    vendor: str | None = None,
    cost_centre: str | None = None,
    justification: str | None = None,
    channel_id: str | None = None,
) -> PurchaseRequest:
    cfg = ctx.config.purchases
    description = check_description(description)
    currency = check_currency(ctx, currency)
    policy_amount = money.to_policy(amount, currency, cfg)
    rule = money.rule_for(policy_amount, cfg)
    steps, fallen_back = _route(ctx, rule.steps)
    actor = ctx.actor.user_id
    req = PurchaseRequest(
        requester=actor,
        amount_minor=money.minor(amount),
        currency=currency,
        policy_minor=money.minor(policy_amount),
        policy_currency=cfg.currency,
        description=description[:DESCRIPTION_LIMIT],
        vendor=(vendor or "").strip()[:200] or None,
        cost_centre=(cost_centre or "").strip()[:100] or None,
        justification=(justification or "").strip()[:3000] or None,
        steps=steps,
        step=0,
        status=PurchaseStatus.PENDING,
        requested_in=channel_id,
        created_at=ctx.now,
        step_started_at=ctx.now,
    )
    ctx.session.add(req)
    ctx.session.flush()
    for i, step in enumerate(steps):
        for user_id in step:
            ctx.session.add(PurchaseApprover(request_id=req.id, step=i, user_id=user_id))
    ctx.audit(
        ENTITY,
        req.id,
        "requested",
        {
            "amount": str(amount),
            "currency": currency,
            "policy_amount": str(policy_amount),
            "policy_currency": cfg.currency,
            "description": req.description,
            "steps": steps,
        },
    )
    for i in fallen_back:
        ctx.audit(
            ENTITY,
            req.id,
            "fallback",
            {"step": i + 1, "approvers": steps[i], "instead_of": [actor]},
        )
    ctx.notify(
        "purchase.expire",
        PurchaseRef(id=req.id),
        dedupe_key=keys.expire(req.id),
        due_at=ctx.now + cfg.expire_after,
    )
    _ask(ctx, req, 0)
    return req


def _route(ctx: Ctx, policy: list[list[str]]) -> tuple[list[list[str]], list[int]]:
    """The request's steps, and which of them went to ``[purchases] fallback``.

    Nobody approves their own request, so a step whose only approver is the requester (Bob, the
    one approver up to 500, buying something) goes to the fallback approvers (by default the
    admins) instead of making the request impossible.
    """
    cfg, actor = ctx.config.purchases, ctx.actor.user_id
    fallback = cfg.fallback if cfg.fallback is not None else ctx.config.admins
    steps: list[list[str]] = []
    fallen_back: list[int] = []
    for i, step in enumerate(policy):
        people = list(dict.fromkeys(step))
        if not [u for u in people if u != actor]:
            people = [u for u in dict.fromkeys(fallback) if u != actor]
            if not people:
                raise Forbidden(
                    f"Under the approval policy, step {i + 1} of this request is approved only "
                    "by you, nobody approves their own request, and no fallback approver is "
                    "configured. Ask an admin to set `[purchases] fallback`."
                )
            fallen_back.append(i)
        steps.append(people)
    return steps, fallen_back


def _ask(ctx: Ctx, req: PurchaseRequest, step: int) -> None:
    """DM the step's approvers (and their active delegates), and queue their first reminder."""
    approvers = [u for u in req.approvers(step) if u != req.requester]
    delegates = repo.delegates_for(ctx.session, approvers, ctx.now)
    recipients = list(dict.fromkeys([*approvers, *delegates.values()]))
    remind_at = ctx.now + ctx.config.purchases.remind_after
    for user_id in recipients:
        if user_id == req.requester:
            continue
        ask = ApproverAsk(id=req.id, step=step, user=user_id)
        ctx.notify("purchase.ask", ask, dedupe_key=keys.ask(req.id, step, user_id))
        ctx.notify(
            "purchase.remind",
            ApproverReminder(id=req.id, step=step, user=user_id, n=1),
            dedupe_key=keys.remind(req.id, step, user_id, 1),
            due_at=remind_at,
        )


# --- deciding -----------------------------------------------------------------------------------


def check_can_decide(ctx: Ctx, request_id: int) -> PurchaseRequest:
    req = get(ctx, request_id)
    authorize(ctx, req)
    return req


def approve(ctx: Ctx, request_id: int, comment: str | None = None) -> Decided:
    return _decide(ctx, request_id, APPROVED, comment)


def reject(ctx: Ctx, request_id: int, reason: str) -> Decided:
    return _decide(ctx, request_id, REJECTED, reason)


def _decide(ctx: Ctx, request_id: int, decision: PurchaseStatus, comment: str | None) -> Decided:
    req = get(ctx, request_id)
    step = req.step
    on_behalf = authorize(ctx, req)
    comment = (comment or "").strip()[:3000] or None
    if decision == REJECTED and not comment:
        raise UserError("A rejection needs a reason, so the requester knows why.", field="reason")
    actor = ctx.actor.user_id
    final = decision == REJECTED or step == len(req.steps) - 1
    if final:
        values = {
            "status": decision,
            "decided_at": ctx.now,
            "decided_by": actor,
            "on_behalf_of": on_behalf,
            "reason": comment if decision == REJECTED else None,
        }
    else:
        values = {"step": step + 1, "step_started_at": ctx.now}
    if not _advance(ctx, req, values, step=step):
        raise _too_late(ctx, req, step)
    row = PurchaseDecision(
        request_id=req.id,
        step=step,
        decision=decision,
        actor=actor,
        on_behalf_of=on_behalf,
        comment=comment,
        at=ctx.now,
    )
    if not repo.record_decision(ctx.session, row):
        raise _too_late(ctx, req, step)
    ctx.audit(
        ENTITY, req.id, decision, {"step": step + 1, "comment": comment}, on_behalf_of=on_behalf
    )
    if final:
        _finished(ctx, req)  # edits every DM of every step, this one included
    else:
        queue.cancel(ctx.session, prefix=keys.step_waiting(req.id, step))
        ctx.notify(
            "purchase.close_step",
            PurchaseStep(id=req.id, step=step),
            dedupe_key=keys.step_closed(req.id, step),
        )
        _ask(ctx, req, step + 1)
    return Decided(req, step, decision, on_behalf)


def _advance(
    ctx: Ctx, req: PurchaseRequest, values: dict[str, Any], *, step: int | None = None
) -> bool:
    """``UPDATE ... WHERE status = 'pending' [AND step = :step]``: one of racing deciders wins.

    Without ``step`` any step matches (cancel and expiry end the request wherever it is). The
    row is refreshed either way: a loser tells its user what the winner did.
    """
    return compare_and_set(
        ctx.session,
        PurchaseRequest,
        req.id,
        expected={PurchaseStatus.PENDING},
        unchanged={"step": step} if step is not None else None,
        values=values,
        refresh_on_loss=True,
    )


def _too_late(ctx: Ctx, req: PurchaseRequest, step: int) -> Conflict:
    ctx.session.refresh(req)
    if not req.is_pending:
        return Conflict(outcome(req))
    first = repo.decision_at(ctx.session, req.id, step)
    by = users([first.actor]) if first else "someone"
    return Conflict(
        f"Step {step + 1} of {ref(req.id)} was already approved by {by}; it now waits on "
        f"step {req.step + 1}: {who_decides(req)}."
    )


def _finished(ctx: Ctx, req: PurchaseRequest) -> None:
    """The request is over: stop reminders and expiry, tell everyone, edit every approver DM."""
    queue.cancel(ctx.session, prefix=keys.waiting(req.id))
    final = PurchaseRef(id=req.id)
    ctx.notify("purchase.final_messages", final, dedupe_key=keys.final(req.id, "messages"))
    if req.status != PurchaseStatus.CANCELLED:
        ctx.notify("purchase.tell_requester", final, dedupe_key=keys.final(req.id, "requester"))
    if req.status in (APPROVED, REJECTED) and ctx.config.purchases.channel:
        ctx.notify("purchase.announce", final, dedupe_key=keys.final(req.id, "announce"))


def cancel(ctx: Ctx, request_id: int) -> PurchaseRequest:
    req = get(ctx, request_id)
    if ctx.actor.user_id != req.requester:
        raise Forbidden(f"Only the requester, {users([req.requester])}, can cancel {ref(req.id)}.")
    if not req.is_pending:
        raise Conflict(outcome(req))
    values = {
        "status": PurchaseStatus.CANCELLED,
        "decided_at": ctx.now,
        "decided_by": ctx.actor.user_id,
    }
    if not _advance(ctx, req, values):
        raise Conflict(outcome(req))
    ctx.audit(ENTITY, req.id, "cancelled")
    _finished(ctx, req)
    return req


def expire(ctx: Ctx, request_id: int) -> bool:
    """Run by the scheduler at ``expire_after``; False when the request was decided meanwhile."""
    req = ctx.session.get(PurchaseRequest, request_id)
    if req is None:
        return False
    values = {"status": PurchaseStatus.EXPIRED, "decided_at": ctx.now, "decided_by": SYSTEM_USER}
    if not _advance(ctx, req, values):
        return False
    ctx.audit(ENTITY, req.id, "expired", {"step": req.step + 1})
    _finished(ctx, req)
    return True
