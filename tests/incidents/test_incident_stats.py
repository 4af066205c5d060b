"""/incident stats: MTTA and MTTR percentiles computed by the database, checked against values
worked out by hand with the nearest-rank definition (the value at rank ceil(p/100 * n))."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun import freeze_time

from bot.incidents import metrics
from storage import incidents as repo

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _incident(
    created_ago: timedelta, tta: float | None, ttr: float | None, severity: str = "sev3"
) -> dict[str, Any]:
    created = NOW - created_ago
    acked = created + timedelta(seconds=tta) if tta is not None else None
    resolved = created + timedelta(seconds=ttr) if ttr is not None else None
    return {
        "title": "x",
        "severity": severity,
        "status": "resolved" if resolved else "acknowledged" if acked else "open",
        "reporter": "U_BOB",
        "created_at": created,
        "acknowledged_at": acked,
        "resolved_at": resolved,
        "last_update_at": resolved or acked or created,
        "reopened": 0,
    }


def _report(unit, rows: list[dict[str, Any]], days: int = 30) -> metrics.Report:
    with freeze_time(NOW):
        with unit() as ctx:
            repo.insert_incidents(ctx.session, rows)
        with unit() as ctx:
            return metrics.report(ctx, days)


def test_median_and_p90_are_nearest_rank_values(unit) -> None:
    # Times to acknowledge, sorted: 15, 30, 30, 45.000001, 90.5, 120, 240, 600, 3600, 7200 s.
    # p50: rank ceil(5) = 5 -> 90.5 s; p90: rank ceil(9) = 9 -> 3600 s.
    tta = [90.5, 30, 600, 45.000001, 120, 7200, 30, 3600, 15, 240]
    # Times to resolve, sorted: 600, 600, 1800.25, 3600, 5400, 86400, 123456.789 s.
    # p50: rank ceil(3.5) = 4 -> 3600 s; p90: rank ceil(6.3) = 7 -> 123456.789 s.
    ttr = [3600, 1800.25, 86400, 5400, 600, 600, 123456.789, None, None, None]
    rows = [
        _incident(timedelta(days=1 + i), a, r, "sev1" if i < 2 else "sev3")
        for i, (a, r) in enumerate(zip(tta, ttr, strict=True))
    ]
    rows.append(_incident(timedelta(hours=1), None, None, "sev2"))  # open: in no percentile
    rows.append(_incident(timedelta(days=45), 1, 2))  # before the period
    report = _report(unit, rows)
    assert (report.total, report.by_severity) == (11, {"sev1": 2, "sev2": 1, "sev3": 8})
    assert report.open_now == 4, "three acknowledged and one open"
    assert (report.acked, report.mtta_median, report.mtta_p90) == (10, 90.5, 3600.0)
    assert (report.resolved, report.mttr_median, report.mttr_p90) == (7, 3600.0, 123456.789)


def test_one_value_is_every_percentile_and_none_is_none(unit) -> None:
    report = _report(unit, [_incident(timedelta(days=2), 42.25, None)])
    assert (report.acked, report.mtta_median, report.mtta_p90) == (1, 42.25, 42.25)
    assert (report.resolved, report.mttr_median, report.mttr_p90) == (0, None, None)


def test_an_empty_period_has_no_percentiles(unit) -> None:
    report = _report(unit, [_incident(timedelta(days=60), 10, 20)], days=7)
    assert (report.total, report.acked, report.mtta_median, report.mttr_p90) == (0, 0, None, None)


def test_every_incident_counts_past_the_old_sample_cap(unit) -> None:
    """10,050 incidents: the newest 9,000 acknowledged in a minute, the older ones in an hour.
    p90 is rank 9,045, an hour; the old cap of the newest 10,000 made it a minute."""
    fast = [_incident(timedelta(minutes=10 + i), 60, None) for i in range(9000)]
    slow = [_incident(timedelta(days=10, minutes=i), 3600, None) for i in range(1050)]
    report = _report(unit, fast + slow)
    assert report.acked == 10_050
    assert (report.mtta_median, report.mtta_p90) == (60.0, 3600.0)
