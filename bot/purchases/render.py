"""Purchase messages: approver DMs (edited with the outcome), notes, lists, detail, modals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot import ids
from bot.context import SYSTEM_USER
from bot.messenger import Message
from bot.mrkdwn import safe, user, users, when
from bot.purchases.ids import Action, View
from bot.purchases.money import fmt
from storage.base import Total
from storage.models import AuditEvent
from storage.purchases import PurchaseDecision, PurchaseRequest

LIST_LIMIT = 20
DM_TEXT_LIMIT = 300  # the notification fallback of an approver DM
STATUS = {
    "pending": ":hourglass_flowing_sand: Pending",
    "approved": ":white_check_mark: Approved",
    "rejected": ":x: Rejected",
    "cancelled": ":heavy_minus_sign: Cancelled",
    "expired": ":zzz: Expired",
}


def ref(req: PurchaseRequest) -> str:
    return ids.fmt("PUR", req.id)


def amount(req: PurchaseRequest) -> str:
    own = fmt(req.amount, req.currency)
    if req.currency == req.policy_currency:
        return own
    return f"{own} ({fmt(req.policy_amount, req.policy_currency)})"


def approvers_of(req: PurchaseRequest, step: int) -> str:
    people = [u for u in req.approvers(step) if u != req.requester]
    return " or ".join(user(p) for p in people) or "nobody"


def route(req: PurchaseRequest) -> str:
    text = "; ".join(f"step {i + 1}: {approvers_of(req, i)}" for i in range(len(req.steps)))
    return text[:1].upper() + text[1:]


def by(actor: str | None, on_behalf_of: str | None) -> str:
    text = user(actor) if actor else "someone"
    return text + (f" on behalf of {user(on_behalf_of)}" if on_behalf_of else "")


def where(req: PurchaseRequest) -> str:
    """Where a pending request stands, e.g. "step 2 of 3, waiting on <@U_CAROL>"."""
    if not req.is_pending:
        return STATUS[req.status]
    return f"step {req.step + 1} of {len(req.steps)}, waiting on {approvers_of(req, req.step)}"


def outcome_line(req: PurchaseRequest) -> str:
    if req.status == "approved":
        return f":white_check_mark: *Approved* by {by(req.decided_by, req.on_behalf_of)}."
    if req.status == "rejected":
        reason = f"\n>{safe(req.reason or '', 2000)}"
        return f":x: *Rejected* by {by(req.decided_by, req.on_behalf_of)}.{reason}"
    if req.status == "cancelled":
        return f":heavy_minus_sign: *Cancelled* by {user(req.requester)}, the requester."
    if req.status == "expired":
        return ":zzz: *Expired* without a decision."
    return f":hourglass_flowing_sand: Pending: {where(req)}."


def _facts(req: PurchaseRequest, tz: ZoneInfo) -> list[b.Block]:
    fields = [
        f"*Amount*\n{amount(req)}",
        f"*Requested by*\n{user(req.requester)}",
        f"*Requested*\n{when(req.created_at, tz)}",
        f"*Steps*\n{len(req.steps)}",
    ]
    if req.vendor:
        fields.append(f"*Vendor*\n{safe(req.vendor, 200)}")
    if req.cost_centre:
        fields.append(f"*Cost centre*\n{safe(req.cost_centre, 100)}")
    blocks = [
        b.header(f"{ref(req)} · {fmt(req.amount, req.currency)}"),
        b.section(safe(req.description, 2900), fields=fields),
    ]
    if req.justification:
        blocks.append(b.section(f"*Justification*\n{safe(req.justification, 2800)}"))
    return blocks


def approver_dm(
    req: PurchaseRequest,
    step: int,
    tz: ZoneInfo,
    *,
    on_behalf_of: str | None = None,
    decision: PurchaseDecision | None = None,
) -> Message:
    """The DM asking someone to decide ``step``; re-rendered with the outcome, buttons gone."""
    blocks = _facts(req, tz)
    current = req.is_pending and req.step == step
    verb = "waits on" if current else "was for"
    ask = f"Step {step + 1} of {len(req.steps)} {verb} {approvers_of(req, step)}"
    if on_behalf_of:
        ask += f". You {'are' if current else 'were'} asked as {user(on_behalf_of)}'s delegate"
    blocks.append(b.context(ask + "."))
    if current:
        value = str(req.id)
        blocks.append(
            b.actions(
                b.button("Approve", Action.APPROVE, value, style="primary"),
                b.button("Reject", Action.REJECT, value, style="danger"),
                block_id=f"purchase_{req.id}",
            )
        )
        head = f"Purchase {ref(req)} needs your decision: {amount(req)}, "
        # The description is escaped exactly once, here; the rest is ours.
        text = head + safe(req.description, DM_TEXT_LIMIT - len(head))
    else:
        if decision is not None and decision.decision == "approved" and req.step != step:
            blocks.append(
                b.section(
                    f":white_check_mark: Step {step + 1} approved by "
                    f"{by(decision.actor, decision.on_behalf_of)}."
                )
            )
        blocks.append(b.section(outcome_line(req)))
        text = f"Purchase {ref(req)}: {STATUS[req.status].split(' ', 1)[1]}"
    return Message(text=text, blocks=b.fit(blocks))


def requested(req: PurchaseRequest, *, trimmed: bool = False) -> Message:
    text = (
        f":receipt: Requested *{ref(req)}*: {amount(req)} for {safe(req.description, 500)}.\n"
        f"{route(req)}. They get a direct message; I will tell you the outcome."
    )
    if trimmed:
        text += (
            f"\n_The description was long, so I kept its first {len(req.description)} "
            "characters; the form has room for a justification._"
        )
    return Message(text=text)


def decided(req: PurchaseRequest, step: int, decision: str, on_behalf_of: str | None) -> Message:
    behalf = f" on behalf of {user(on_behalf_of)}" if on_behalf_of else ""
    if decision == "rejected":
        text = f":x: You rejected {ref(req)}{behalf}; {user(req.requester)} is told why."
    elif req.is_pending:
        text = (
            f":white_check_mark: You approved step {step + 1} of {ref(req)}{behalf}; it now "
            f"goes to {approvers_of(req, req.step)}."
        )
    else:
        text = f":white_check_mark: You approved {ref(req)}{behalf}: that was the last step."
    return Message(text=text)


def done(text: str) -> Message:
    return Message(text=f":white_check_mark: {text}")


def requester_outcome(req: PurchaseRequest) -> Message:
    head = f"Your purchase request *{ref(req)}* ({amount(req)}, {safe(req.description, 300)})"
    if req.status == "expired":
        text = (
            f":zzz: {head} expired: nobody decided {where_step(req)} in time. "
            "Request it again if you still need it."
        )
    else:
        text = f"{head}:\n{outcome_line(req)}"
    return Message(text=text, blocks=[b.section(text)])


def where_step(req: PurchaseRequest) -> str:
    return f"step {req.step + 1} ({approvers_of(req, req.step)})"


def announcement(req: PurchaseRequest) -> Message:
    text = (
        f"*{ref(req)}* {amount(req)} · {safe(req.description, 300)} · requested by "
        f"{user(req.requester)}\n{outcome_line(req)}"
    )
    return Message(text=text, blocks=[b.section(text)])


def reminder(req: PurchaseRequest, step: int, waited: str) -> Message:
    text = (
        f":alarm_clock: Reminder: *{ref(req)}* ({amount(req)}, {safe(req.description, 300)}) from "
        f"{user(req.requester)} has waited {waited} for step {step + 1}. Use the buttons above, "
        f"or `/purchase approve {req.id}` / `/purchase reject {req.id} <reason>`."
    )
    return Message(text=text, blocks=[b.section(text)])


def row(req: PurchaseRequest, tz: ZoneInfo) -> str:
    return (
        f"*{ref(req)}* {amount(req)} · {safe(req.description, 200)}\n"
        f"      {user(req.requester)} · requested {when(req.created_at, tz, style='ago')} · "
        f"{where(req)}"
    )


def listing(
    rows: Sequence[PurchaseRequest], total: Total, tz: ZoneInfo, *, scope: str, page: int
) -> Message:
    title = {"pending": "Pending purchases", "mine": "Your purchases", "all": "Purchases"}[scope]
    if not rows:
        if total.n:
            return Message(text=f"{title}: there is no page {page}; there are {total} in all.")
        return Message(text=f"{title}: none.")
    blocks: list[b.Block] = [b.header(f"{title} ({total})")]
    blocks += [b.section(row(r, tz)) for r in rows]
    first = (page - 1) * LIST_LIMIT + 1
    last = first + len(rows) - 1
    if total.more_than(len(rows)) or page > 1:
        nxt = f" Next: `/purchase list {scope} {page + 1}`." if total.more_than(last) else ""
        blocks.append(b.context(f"Showing {first}–{last} of {total}.{nxt}"))
    return Message(text=f"{title}: {total}", blocks=b.fit(blocks))


def detail(
    req: PurchaseRequest,
    decisions: Sequence[PurchaseDecision],
    events: Sequence[AuditEvent],
    tz: ZoneInfo,
    *,
    total_events: int | None = None,
) -> Message:
    blocks = _facts(req, tz)
    blocks.append(b.section(f"*Status*: {outcome_line(req)}"))
    decided = {d.step: d for d in decisions}
    lines = []
    for i in range(len(req.steps)):
        d = decided.get(i)
        if d is not None:
            verb = "approved" if d.decision == "approved" else "rejected"
            note = f": {safe(d.comment, 500)}" if d.comment else ""
            state = f"{verb} by {by(d.actor, d.on_behalf_of)} {when(d.at, tz)}{note}"
        elif req.is_pending and i == req.step:
            state = "waiting"
        elif req.is_pending or i > req.step:
            state = "not reached" if req.is_pending else "not decided"
        else:
            state = "not decided"
        lines.append(f"Step {i + 1} ({approvers_of(req, i)}): {state}")
    blocks.append(b.section("*Steps*\n" + "\n".join(lines)))
    trail = "\n".join(f"{when(e.at, tz)} {audit_line(e)}" for e in events)
    blocks.append(b.section("*Audit trail*\n" + trail))
    later = (total_events or 0) - len(events)
    if later > 0:
        blocks.append(b.context(f"Showing the first {len(events)} of {total_events} events."))
    return Message(text=safe(f"{ref(req)}: {req.description}", 300), blocks=b.fit(blocks))


def audit_line(event: AuditEvent) -> str:
    who = "Opsdesk" if event.actor == SYSTEM_USER else by(event.actor, event.on_behalf_of)
    data = event.data or {}
    if event.action == "reminded":
        return f"{who} reminded {user(data.get('user'))} (step {data.get('step')})"
    if event.action == "expired":
        return f"expired at step {data.get('step')}, nobody having decided"
    if event.action == "fallback":
        return (
            f"step {data.get('step')} went to the fallback approvers "
            f"({' or '.join(user(u) for u in data.get('approvers') or [])}): its only approver "
            f"is the requester, {users(data.get('instead_of') or [])}"
        )
    step = f" step {data['step']}" if data.get("step") else ""
    note = f": {safe(str(data['comment']), 300)}" if data.get("comment") else ""
    return f"{who} {event.action}{step}{note}"


def request_modal(currency: str, metadata: dict[str, str]) -> b.Block:
    blocks = [
        b.text_input("amount", "Amount", placeholder="1,250.00", max_length=20),
        b.text_input("currency", "Currency", initial=currency, max_length=3),
        b.text_input("vendor", "Vendor", optional=True, max_length=200),
        b.text_input("description", "What to buy", max_length=500),
        b.text_input("cost_centre", "Cost centre", optional=True, max_length=100),
        b.text_input("justification", "Justification", multiline=True, optional=True),
    ]
    return b.modal(
        View.REQUEST,
        "Request a purchase",
        blocks,
        submit="Request",
        private_metadata=json.dumps(metadata),
    )


def reject_modal(req: PurchaseRequest, metadata: dict[str, str]) -> b.Block:
    return b.modal(
        View.REJECT,
        f"Reject {ref(req)}",
        [
            b.section(f"*{amount(req)}* · {safe(req.description, 500)} · {user(req.requester)}"),
            b.text_input("reason", "Why? The requester will see this.", multiline=True),
        ],
        submit="Reject",
        private_metadata=json.dumps({**metadata, "request": req.id}),
    )
