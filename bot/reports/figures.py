"""Incident and purchase figures of a period: what the database aggregated, put in order.

Plain data: the summary, the charts and their text versions are all drawn from these, so every
number a reader sees in one place is the same in the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from bot.context import Ctx
from bot.reports.period import Bucket, Period
from storage import reports as repo
from storage.incidents import SEVERITIES
from storage.report_sql import Percentiles
from storage.reports import Money

TOP = 5  # people or resources named in a top list; the rest are counted ("+N more")
CENT = Decimal("0.01")
T = TypeVar("T")


@dataclass(frozen=True)
class Ranked(Generic[T]):
    """The first few of a ranking, and how many there are in all."""

    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


@dataclass(frozen=True)
class IncidentFigures:
    buckets: list[Bucket]
    by_bucket: list[dict[str, int]]  # severity -> raised, per bucket
    still_open: int
    tta: Percentiles  # over the period
    ttr: Percentiles
    tta_by_bucket: list[Percentiles]
    ttr_by_bucket: list[Percentiles]
    top_resources: Ranked[tuple[str, int]]  # (resource, incidents)
    ttm: Percentiles  # time to mitigate, over the period

    @property
    def total(self) -> int:
        return sum(sum(b.values()) for b in self.by_bucket)

    @property
    def by_severity(self) -> dict[str, int]:
        return {s: sum(b.get(s, 0) for b in self.by_bucket) for s in SEVERITIES}


def incidents(ctx: Ctx, period: Period) -> IncidentFigures:
    buckets = period.buckets()
    spec = period.spec()
    counts = repo.incident_counts(ctx.session, spec)
    (tta_b, tta), (_, ttm), (ttr_b, ttr) = repo.incident_response(ctx.session, spec)
    top, total = repo.incident_resources(ctx.session, spec.bounds, limit=TOP)
    none = Percentiles(0)
    return IncidentFigures(
        buckets=buckets,
        by_bucket=counts.by_bucket,
        still_open=counts.still_open,
        tta=tta,
        ttr=ttr,
        tta_by_bucket=[tta_b.get(i, none) for i in range(len(buckets))],
        ttr_by_bucket=[ttr_b.get(i, none) for i in range(len(buckets))],
        top_resources=Ranked(top, total),
        ttm=ttm,
    )


@dataclass(frozen=True)
class PurchaseFigures:
    currency: str  # the policy currency every amount is in
    buckets: list[Bucket]
    requested: list[Money]  # per bucket, in ``currency``
    approved: list[Money]
    outcomes: dict[str, int]  # requests that ended in the period: approved, rejected, ...
    cycle: Percentiles  # request to final decision, approved or rejected
    approvers: Ranked[tuple[str, int, int]]  # (approver, approvals, rejections)
    requesters: Ranked[tuple[str, int, int]]  # (requester, requests, amount in minor units)
    # Requests whose policy currency was another (the config changed since): counted apart.
    other_currencies: dict[str, Money] = field(default_factory=dict)

    @property
    def requested_total(self) -> Money:
        return Money(sum(m.count for m in self.requested), sum(m.minor for m in self.requested))

    @property
    def approved_total(self) -> Money:
        return Money(sum(m.count for m in self.approved), sum(m.minor for m in self.approved))

    @property
    def decided(self) -> int:
        return self.outcomes.get("approved", 0) + self.outcomes.get("rejected", 0)

    @property
    def rejected_share(self) -> float | None:
        return self.outcomes.get("rejected", 0) / self.decided if self.decided else None


def amount(minor: int) -> Decimal:
    return (Decimal(minor) * CENT).quantize(CENT)


def purchases(ctx: Ctx, period: Period) -> PurchaseFigures:
    currency = ctx.config.purchases.currency
    spec = period.spec()
    bounds = spec.bounds
    requested = repo.purchase_amounts(ctx.session, spec, approved=False)
    approved = repo.purchase_amounts(ctx.session, spec, approved=True)
    outcomes, cycle = repo.purchase_outcomes(ctx.session, bounds)
    approvers, n_approvers = repo.decisions_by_approver(ctx.session, bounds, limit=TOP)
    requesters, n_requesters = repo.top_requesters(ctx.session, bounds, currency, limit=TOP)
    other: dict[str, Money] = {}
    for per_currency in requested:
        for cur, money in per_currency.items():
            if cur != currency:
                had = other.get(cur, Money(0, 0))
                other[cur] = Money(had.count + money.count, had.minor + money.minor)
    zero = Money(0, 0)
    return PurchaseFigures(
        currency=currency,
        buckets=period.buckets(),
        requested=[b.get(currency, zero) for b in requested],
        approved=[b.get(currency, zero) for b in approved],
        outcomes=outcomes,
        cycle=cycle,
        approvers=Ranked(approvers, n_approvers),
        requesters=Ranked(requesters, n_requesters),
        other_currencies=other,
    )
