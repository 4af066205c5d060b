"""Who may decide a purchase step, and what to tell whoever may not (or came too late).

Only the current step's approvers, or the active delegate of one of them, decide it; nobody
decides their own request, neither directly nor as somebody's delegate, and being an admin grants
no approval. Someone who could have decided an earlier step is told who decided it.
"""

from __future__ import annotations

from bot import ids
from bot.context import Ctx
from bot.errors import Conflict, Forbidden
from bot.mrkdwn import users
from storage import purchases as repo
from storage.purchases import PurchaseRequest, PurchaseStatus


def ref(request_id: int) -> str:
    return ids.fmt("PUR", request_id)


def who_decides(req: PurchaseRequest, step: int | None = None) -> str:
    people = [u for u in req.approvers(step) if u != req.requester]
    return " or ".join(users([p]) for p in people) or "nobody"


def outcome(req: PurchaseRequest) -> str:
    """``PUR-3 was already approved by <@U_BOB>`` and friends, for whoever came too late."""
    if req.status == PurchaseStatus.EXPIRED:
        return f"{ref(req.id)} expired without a decision; nothing more can be decided."
    if req.status == PurchaseStatus.CANCELLED:
        return f"{ref(req.id)} was cancelled by its requester; nothing more can be decided."
    by = users([req.decided_by]) if req.decided_by else "someone"
    if req.on_behalf_of:
        by += f" on behalf of {users([req.on_behalf_of])}"
    return f"{ref(req.id)} was already {req.status} by {by}."


def authorize(ctx: Ctx, req: PurchaseRequest) -> str | None:
    """May the actor decide the current step? Returns on whose behalf (None: their own right)."""
    if not req.is_pending:
        raise Conflict(outcome(req))
    actor = ctx.actor.user_id
    if actor == req.requester:
        raise Forbidden(f"You cannot decide your own request {ref(req.id)}.")
    approvers = req.approvers()
    if actor in approvers:
        return None
    stand_in = repo.delegates_for(ctx.session, approvers, ctx.now)
    for approver in sorted(stand_in):
        if stand_in[approver] == actor and approver != req.requester:
            return approver
    n, total = req.step + 1, len(req.steps)
    late = _decided_before(ctx, req, actor)
    if late is not None:
        raise late
    raise Forbidden(
        f"{ref(req.id)} waits on step {n} of {total}, which only {who_decides(req)} "
        "(or their delegate) can decide."
    )


def _decided_before(ctx: Ctx, req: PurchaseRequest, actor: str) -> Conflict | None:
    """A double click, or a click on an old DM: say who decided the step the actor could decide."""
    everyone = sorted({u for step in req.steps for u in step})
    stand_in = repo.delegates_for(ctx.session, everyone, ctx.now)
    for d in reversed(repo.decisions(ctx.session, req.id)):
        people = req.approvers(d.step)
        could = actor in people or any(stand_in.get(a) == actor for a in people)
        if d.actor != actor and not could:
            continue
        now_with = f"it now waits on step {req.step + 1} of {len(req.steps)}: {who_decides(req)}"
        if d.actor == actor:
            return Conflict(f"You already approved step {d.step + 1} of {ref(req.id)}; {now_with}.")
        return Conflict(
            f"Step {d.step + 1} of {ref(req.id)} was already approved by "
            f"{users([d.actor])}; {now_with}."
        )
    return None
