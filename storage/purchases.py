"""Purchase requests, their approvers per step, decisions, approver messages and delegations.

Money is stored in minor units (cents) as integers: exact on every backend, and SQLite has no
decimal type. Each decision is a row unique per (request, step), the backstop behind the
conditional update that moves a request on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    exists,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import COUNT_CAP, Base, JSONType, Total, count_upto
from storage.models import BigId
from storage.transitions import StateMachine


class PurchaseStatus(StrEnum):
    PENDING = "pending"  # ``step`` moves 0 -> n-1 while pending
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


PENDING = PurchaseStatus.PENDING
FINAL_STATES = (
    PurchaseStatus.APPROVED,
    PurchaseStatus.REJECTED,
    PurchaseStatus.CANCELLED,
    PurchaseStatus.EXPIRED,
)
CENT = Decimal("0.01")


class PurchaseRequest(Base):
    __tablename__ = "purchase_requests"
    states: ClassVar[StateMachine[PurchaseStatus]] = StateMachine(
        "purchase request",
        {PENDING: set(FINAL_STATES), **{final: set() for final in FINAL_STATES}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester: Mapped[str] = mapped_column(String(32))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    policy_minor: Mapped[int] = mapped_column(BigInteger)
    policy_currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(500))
    vendor: Mapped[str | None] = mapped_column(String(200))
    cost_centre: Mapped[str | None] = mapped_column(String(100))
    justification: Mapped[str | None] = mapped_column(Text)
    # The policy's steps as they were when the request was made: each a list of user ids.
    steps: Mapped[list[list[str]]] = mapped_column(JSONType)
    step: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=PENDING.value)
    requested_in: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    step_started_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_purchase_requests_status_created", "status", "created_at"),
        Index("ix_purchase_requests_requester", "requester", "created_at"),
        Index("ix_purchase_requests_decided_at", "decided_at"),
        Index("ix_purchase_requests_created", "created_at", "id"),
    )

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.amount_minor) * CENT).quantize(CENT)

    @property
    def policy_amount(self) -> Decimal:
        return (Decimal(self.policy_minor) * CENT).quantize(CENT)

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    def approvers(self, step: int | None = None) -> list[str]:
        return list(self.steps[self.step if step is None else step])


class PurchaseApprover(Base):
    """Who may decide each step, one row per person: what "waiting on me" is queried by."""

    __tablename__ = "purchase_approvers"

    request_id: Mapped[int] = mapped_column(ForeignKey("purchase_requests.id"), primary_key=True)
    step: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_purchase_approvers_user", "user_id", "request_id", "step"),)


class PurchaseDecision(Base):
    __tablename__ = "purchase_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("purchase_requests.id"))
    step: Mapped[int]
    decision: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(32))
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("request_id", "step"),)


class PurchaseMessage(Base):
    """A DM that asked someone to decide a step: edited in place when the step or request ends."""

    __tablename__ = "purchase_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("purchase_requests.id"))
    step: Mapped[int]
    user_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("request_id", "step", "user_id"),)


class PurchaseDelegation(Base):
    """One active delegation per person: ``delegate`` decides for ``user_id`` until ``until``."""

    __tablename__ = "purchase_delegations"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    delegate: Mapped[str] = mapped_column(String(32))
    until: Mapped[datetime]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_purchase_delegations_delegate", "delegate", "until"),)


# --- changes ------------------------------------------------------------------------------------


def record_decision(session: Session, decision: PurchaseDecision) -> bool:
    """Add a step's decision; False when the step already has one (the unique backstop behind
    the conditional update, for a decider whose update raced another's)."""
    try:
        with session.begin_nested():
            session.add(decision)
    except IntegrityError:
        return False
    return True


# --- delegation ---------------------------------------------------------------------------------


def delegation_of(session: Session, user_id: str, now: datetime) -> PurchaseDelegation | None:
    row = session.get(PurchaseDelegation, user_id)
    return row if row is not None and row.until > now else None


def delegators(session: Session, delegate: str, now: datetime) -> list[str]:
    """Everyone ``delegate`` currently stands in for (a few people: no cap that could hide a
    request waiting on them)."""
    stmt = (
        select(PurchaseDelegation.user_id)
        .where(PurchaseDelegation.delegate == delegate, PurchaseDelegation.until > now)
        .order_by(PurchaseDelegation.user_id)
    )
    return list(session.scalars(stmt))


def delegates_for(session: Session, user_ids: Sequence[str], now: datetime) -> dict[str, str]:
    """{approver: their active delegate} for these approvers."""
    if not user_ids:
        return {}
    stmt = select(PurchaseDelegation.user_id, PurchaseDelegation.delegate).where(
        PurchaseDelegation.user_id.in_(list(user_ids)), PurchaseDelegation.until > now
    )
    return {u: d for u, d in session.execute(stmt).all()}


# --- queries ------------------------------------------------------------------------------------


def _waiting_clause(user_id: str, on_behalf: Sequence[str]) -> Any:
    people = [user_id, *on_behalf]
    return (
        PurchaseRequest.status == PENDING,
        PurchaseRequest.requester != user_id,
        exists().where(
            PurchaseApprover.request_id == PurchaseRequest.id,
            PurchaseApprover.step == PurchaseRequest.step,
            PurchaseApprover.user_id.in_(people),
            PurchaseApprover.user_id != PurchaseRequest.requester,
        ),
    )


def waiting_on(
    session: Session, user_id: str, now: datetime, *, limit: int
) -> tuple[list[PurchaseRequest], int]:
    """Pending requests whose current step ``user_id`` may decide, directly or as a delegate.

    Oldest first, at most ``limit``, and how many there are in all: three bounded queries.
    """
    clause = _waiting_clause(user_id, delegators(session, user_id, now))
    rows = session.scalars(
        select(PurchaseRequest)
        .where(*clause)
        .order_by(PurchaseRequest.created_at, PurchaseRequest.id)
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(PurchaseRequest).where(*clause))
    return list(rows), total or 0


def listing(
    session: Session, *, scope: str, user_id: str, limit: int, offset: int = 0
) -> tuple[list[PurchaseRequest], Total]:
    """``pending`` (oldest first), ``mine`` or ``all`` (newest first), and how many.

    ``all`` grows with history, so it is counted along the page's index up to a cap past this
    page; pending requests and one person's are few enough to count exactly.
    """
    where: list[Any] = []
    order: list[Any] = [PurchaseRequest.created_at.desc(), PurchaseRequest.id.desc()]
    if scope == "pending":
        where.append(PurchaseRequest.status == PENDING)
        order = [PurchaseRequest.created_at, PurchaseRequest.id]
    elif scope == "mine":
        where.append(PurchaseRequest.requester == user_id)
    query = select(PurchaseRequest).where(*where).order_by(*order)
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    if scope == "all":
        return rows, count_upto(session, query, cap=offset + COUNT_CAP)
    n = session.scalar(select(func.count()).select_from(PurchaseRequest).where(*where))
    return rows, Total(n or 0)


def decided_between(
    session: Session, start: datetime, end: datetime, *, limit: int
) -> tuple[list[PurchaseRequest], int]:
    where = (
        PurchaseRequest.decided_at >= start,
        PurchaseRequest.decided_at < end,
        PurchaseRequest.status.in_(FINAL_STATES),
    )
    rows = session.scalars(
        select(PurchaseRequest)
        .where(*where)
        .order_by(PurchaseRequest.decided_at.desc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(PurchaseRequest).where(*where))
    return list(rows), total or 0


def decisions(session: Session, request_id: int) -> list[PurchaseDecision]:
    stmt = (
        select(PurchaseDecision)
        .where(PurchaseDecision.request_id == request_id)
        .order_by(PurchaseDecision.step)
    )
    return list(session.scalars(stmt))


def decision_at(session: Session, request_id: int, step: int) -> PurchaseDecision | None:
    stmt = select(PurchaseDecision).where(
        PurchaseDecision.request_id == request_id, PurchaseDecision.step == step
    )
    return session.scalar(stmt)


def messages(session: Session, request_id: int, step: int | None = None) -> list[PurchaseMessage]:
    stmt = select(PurchaseMessage).where(PurchaseMessage.request_id == request_id)
    if step is not None:
        stmt = stmt.where(PurchaseMessage.step == step)
    # All of them: each approver DM is updated with the outcome, so none may be left out.
    return list(session.scalars(stmt.order_by(PurchaseMessage.id)))


def message_for(
    session: Session, request_id: int, step: int, user_id: str
) -> PurchaseMessage | None:
    stmt = select(PurchaseMessage).where(
        PurchaseMessage.request_id == request_id,
        PurchaseMessage.step == step,
        PurchaseMessage.user_id == user_id,
    )
    return session.scalar(stmt)


def insert_requests(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert (seeding, imports): one executemany; approvers come from each row's steps."""
    if not rows:
        return
    table = PurchaseRequest.__table__
    stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    returned = session.execute(stmt, list(rows)).scalars()
    approvers = [
        {"request_id": request_id, "step": step, "user_id": user_id}
        for request_id, row in zip(returned.all(), rows, strict=True)
        for step, people in enumerate(row["steps"])
        for user_id in people
    ]
    session.execute(PurchaseApprover.__table__.insert(), approvers)
