"""Delegation: someone decides purchases for you until a date; recorded "on behalf of" you."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.context import Ctx
from bot.errors import UserError
from storage import purchases as repo
from storage.purchases import PurchaseDelegation

ENTITY = "purchase"
MAX_DELEGATION = timedelta(days=366)


def delegate(ctx: Ctx, user_id: str, until: datetime) -> PurchaseDelegation:
    actor = ctx.actor.user_id
    if user_id == actor:
        raise UserError("You cannot delegate to yourself; name someone else.")
    if until <= ctx.now:
        raise UserError("That date has already passed; give one in the future.")
    if until > ctx.now + MAX_DELEGATION:
        raise UserError("A delegation lasts at most a year; give an earlier date.")
    row = ctx.session.get(PurchaseDelegation, actor)
    if row is None:
        row = PurchaseDelegation(user_id=actor, delegate=user_id, until=until, created_at=ctx.now)
        ctx.session.add(row)
    else:
        row.delegate, row.until, row.created_at = user_id, until, ctx.now
    ctx.audit(ENTITY, None, "delegated", {"to": user_id, "until": until.isoformat()})
    return row


def delegate_off(ctx: Ctx) -> PurchaseDelegation:
    row = repo.delegation_of(ctx.session, ctx.actor.user_id, ctx.now)
    if row is None:
        raise UserError("You have no active delegation to end.")
    ctx.session.delete(row)
    ctx.audit(ENTITY, None, "delegation ended", {"was": row.delegate})
    return row
