"""Read side of /purchase: a page of requests, and one request with its decisions and trail."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Ctx
from bot.purchases import service
from storage import audit
from storage import purchases as repo
from storage.base import Total
from storage.models import AuditEvent
from storage.purchases import PurchaseDecision, PurchaseRequest

AUDIT_LIMIT = 60


def listing(
    ctx: Ctx, scope: str, page: int, *, per_page: int
) -> tuple[list[PurchaseRequest], Total]:
    """Page ``page`` (from 1) of ``pending``, ``mine`` or ``all``, and how many there are."""
    return repo.listing(
        ctx.session,
        scope=scope,
        user_id=ctx.actor.user_id,
        limit=per_page,
        offset=(page - 1) * per_page,
    )


def detail(
    ctx: Ctx, request_id: int
) -> tuple[PurchaseRequest, list[PurchaseDecision], Sequence[AuditEvent], int]:
    """The request, its decisions, the first AUDIT_LIMIT audit events and how many in all."""
    found = service.get(ctx, request_id)
    events = audit.history(ctx.session, service.ENTITY, request_id, limit=AUDIT_LIMIT)
    total = len(events)
    if total == AUDIT_LIMIT:
        total = audit.count_history(ctx.session, service.ENTITY, request_id)
    return found, repo.decisions(ctx.session, request_id), events, total
