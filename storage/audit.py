"""Writing and reading the append-only audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AuditEvent


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    entity: str,
    entity_id: int | None,
    action: str,
    data: dict[str, Any] | None = None,
    on_behalf_of: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at,
        actor=actor,
        on_behalf_of=on_behalf_of,
        entity=entity,
        entity_id=entity_id,
        action=action,
        data=data or {},
    )
    session.add(event)
    return event


def count_history(session: Session, entity: str, entity_id: int) -> int:
    """How many audit events the thing has: one COUNT along ``ix_audit_events_entity``."""
    stmt = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
    )
    return session.scalar(stmt) or 0


def history(
    session: Session, entity: str, entity_id: int, limit: int = 200
) -> Sequence[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()
