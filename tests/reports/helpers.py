"""Rows for report tests, written straight into the tables with exact times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from storage.incidents import Incident
from storage.models import AuditEvent
from storage.purchases import PurchaseDecision, PurchaseRequest
from storage.resources import Booking, Resource, WaitEntry

M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def incident(
    s: Session,
    created: datetime,
    severity: str,
    *,
    ack: timedelta | None = None,
    resolve: timedelta | None = None,
    resource: str | None = None,
    reporter: str = "U_ALICE",
    commander: str | None = None,
    mitigate: timedelta | None = None,
) -> Incident:
    status = (
        "resolved" if resolve else "mitigated" if mitigate else "acknowledged" if ack else "open"
    )
    row = Incident(
        title=f"{severity} at {created:%m-%d %H:%M}",
        severity=severity,
        status=status,
        reporter=reporter,
        commander=commander,
        resource=resource,
        created_at=created,
        acknowledged_at=created + ack if ack else None,
        resolved_at=created + resolve if resolve else None,
        mitigated_at=created + mitigate if mitigate else None,
        last_update_at=created,
    )
    s.add(row)
    s.flush()
    return row


def purchase(
    s: Session,
    created: datetime,
    amount_cents: int,
    requester: str,
    *,
    status: str = "pending",
    decided: datetime | None = None,
    currency: str = "EUR",
    description: str = "things",
) -> PurchaseRequest:
    row = PurchaseRequest(
        requester=requester,
        amount_minor=amount_cents,
        currency=currency,
        policy_minor=amount_cents,
        policy_currency=currency,
        description=description,
        steps=[["U_BOB"]],
        step=0,
        status=status,
        created_at=created,
        step_started_at=created,
        decided_at=decided,
    )
    s.add(row)
    s.flush()
    return row


def decision(s: Session, request: PurchaseRequest, step: int, actor: str, what: str, at: datetime):
    s.add(PurchaseDecision(request_id=request.id, step=step, decision=what, actor=actor, at=at))


def resource(s: Session, name: str, *, capacity: int = 1, created: str = "2026-10-01 00:00"):
    row = Resource(name=name, kind="room", capacity=capacity, created_at=utc(created))
    s.add(row)
    s.flush()
    return row


def booking(
    s: Session,
    res: Resource,
    start: datetime,
    end: datetime,
    *,
    status: str = "active",
    closed: datetime | None = None,
    owner: str = "U_ALICE",
    created: datetime | None = None,
    note: str | None = None,
) -> Booking:
    row = Booking(
        resource_id=res.id,
        owner=owner,
        start=start,
        end=end,
        status=status,
        closed_at=closed,
        created_at=created or start - D,
        note=note,
    )
    s.add(row)
    s.flush()
    return row


def wait(s: Session, res: Resource, created: datetime, status: str, booked: Booking | None = None):
    s.add(
        WaitEntry(
            resource_id=res.id,
            user_id="U_BOB",
            start=created + D,
            end=created + D + H,
            status=status,
            booking_id=booked.id if booked else None,
            created_at=created,
        )
    )


def audit(s: Session, at: datetime, action: str, entity_id: int, data: dict[str, Any]) -> None:
    s.add(
        AuditEvent(
            at=at, actor="opsdesk", entity="incident", entity_id=entity_id, action=action, data=data
        )
    )
