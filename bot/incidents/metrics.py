"""MTTA, time to mitigate and MTTR: per-incident durations, as median and p90 over a period.

The database computes the percentiles over every incident of the period (storage/incidents.py,
nearest rank: the value at rank ceil(p/100 * n), so always one that occurred); nothing here
loads the incidents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.context import Ctx
from storage import incidents as repo


@dataclass(frozen=True)
class Report:
    days: int
    total: int
    open_now: int
    by_severity: dict[str, int] = field(default_factory=dict)
    acked: int = 0
    mitigated: int = 0
    resolved: int = 0
    mtta_median: float | None = None
    mtta_p90: float | None = None
    mttm_median: float | None = None
    mttm_p90: float | None = None
    mttr_median: float | None = None
    mttr_p90: float | None = None


def report(ctx: Ctx, days: int) -> Report:
    since = ctx.now - timedelta(days=days)
    by_severity, (tta, ttm, ttr) = repo.period_stats(ctx.session, since)
    return Report(
        days=days,
        total=sum(by_severity.values()),
        open_now=repo.count_incidents(ctx.session),
        by_severity=by_severity,
        acked=tta.count,
        mitigated=ttm.count,
        resolved=ttr.count,
        mtta_median=tta.p50,
        mtta_p90=tta.p90,
        mttm_median=ttm.p50,
        mttm_p90=ttm.p90,
        mttr_median=ttr.p50,
        mttr_p90=ttr.p90,
    )
