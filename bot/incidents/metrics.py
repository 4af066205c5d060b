"""MTTA and MTTR: per-incident durations, summarised as median and p90 over a period."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from bot.context import Ctx
from storage.incidents import OPEN_STATES, Incident

# Percentiles need the values; the window bounds them, and this caps a pathological period.
MAX_SAMPLES = 10_000


@dataclass(frozen=True)
class Report:
    days: int
    total: int
    open_now: int
    by_severity: dict[str, int] = field(default_factory=dict)
    acked: int = 0
    resolved: int = 0
    mtta_median: float | None = None
    mtta_p90: float | None = None
    mttr_median: float | None = None
    mttr_p90: float | None = None


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2): always a value that occurred."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def report(ctx: Ctx, days: int) -> Report:
    since = ctx.now - timedelta(days=days)
    session = ctx.session
    in_window = Incident.created_at >= since
    by_severity = dict(
        session.execute(
            select(Incident.severity, func.count()).where(in_window).group_by(Incident.severity)
        ).all()
    )
    open_now = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.status.in_(OPEN_STATES))
    )
    rows = session.execute(
        select(Incident.created_at, Incident.acknowledged_at, Incident.resolved_at)
        .where(in_window)
        .order_by(Incident.created_at.desc())
        .limit(MAX_SAMPLES)
    ).all()
    tta = [(a - c).total_seconds() for c, a, _ in rows if a is not None]
    ttr = [(r - c).total_seconds() for c, _, r in rows if r is not None]
    return Report(
        days=days,
        total=sum(by_severity.values()),
        open_now=open_now or 0,
        by_severity=by_severity,
        acked=len(tta),
        resolved=len(ttr),
        mtta_median=percentile(tta, 50),
        mtta_p90=percentile(tta, 90),
        mttr_median=percentile(ttr, 50),
        mttr_p90=percentile(ttr, 90),
    )
