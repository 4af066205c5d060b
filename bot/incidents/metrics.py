"""MTTA and MTTR: per-incident durations, summarised as median and p90 over a period."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from bot.context import Ctx
from storage import incidents as repo

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
    by_severity = repo.raised_by_severity(ctx.session, since)
    open_now = repo.count_incidents(ctx.session)
    rows = repo.lifetimes_since(ctx.session, since, limit=MAX_SAMPLES)
    tta = [(a - c).total_seconds() for c, a, _ in rows if a is not None]
    ttr = [(r - c).total_seconds() for c, _, r in rows if r is not None]
    return Report(
        days=days,
        total=sum(by_severity.values()),
        open_now=open_now,
        by_severity=by_severity,
        acked=len(tta),
        resolved=len(ttr),
        mtta_median=percentile(tta, 50),
        mtta_p90=percentile(tta, 90),
        mttr_median=percentile(ttr, 50),
        mttr_p90=percentile(ttr, 90),
    )
