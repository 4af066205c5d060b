"""Report figures against hand-computed fixtures, on SQLite and PostgreSQL.

Every expected number below is worked out by hand in the comment next to it; percentiles are
nearest rank (the value at rank ceil(p/100 * n)), as /incident stats defines them.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.config import Config, RotationConfig
from bot.incidents import metrics
from bot.reports import figures, usage
from bot.reports.period import Period
from storage.maintenance import MaintenanceWindow
from storage.report_sql import Percentiles
from storage.reports import Money
from storage.shifts import ShiftOverride
from tests.conftest import UnitFactory
from tests.reports.helpers import H, M, audit, booking, decision, incident, purchase, utc
from tests.reports.helpers import resource as make_resource
from tests.reports.helpers import wait as make_wait

UTC_ZONE = ZoneInfo("UTC")
FOUR_WEEKS = Period(utc("2026-11-02 00:00"), utc("2026-11-30 00:00"), UTC_ZONE, "four weeks")
ONE_WEEK = Period(utc("2026-11-02 00:00"), utc("2026-11-09 00:00"), UTC_ZONE, "one week")


@pytest.fixture
def config(config: Config) -> Config:
    """The example, with a daily rotation of two people starting Monday 2 November 09:00 UTC."""
    rotation = RotationConfig.model_validate(
        {
            "name": "primary",
            "members": ["U_AMY", "U_BEN"],
            "start": "2026-11-02 09:00",
            "length": "1d",
            "timezone": "UTC",
        }
    )
    return config.model_copy(update={"rotations": [rotation]})


def _incidents(unit: UnitFactory) -> None:
    with unit() as ctx:
        s = ctx.session
        incident(s, utc("2026-11-01 23:59"), "sev1", ack=M)  # before the period
        incident(s, utc("2026-11-03 10:00"), "sev1", ack=5 * M, resolve=H, mitigate=20 * M)
        incident(s, utc("2026-11-04 10:00"), "sev3", ack=15 * M, resolve=3 * H, mitigate=2 * H)
        incident(s, utc("2026-11-05 10:00"), "sev3", ack=25 * M, mitigate=H)  # still mitigated
        incident(s, utc("2026-11-17 10:00"), "sev2", ack=M, resolve=30 * M, resource="checkout")
        incident(s, utc("2026-11-18 10:00"), "sev2", resource="checkout")  # still open
        incident(s, utc("2026-11-29 23:59"), "sev4", ack=2 * H, resolve=4 * H, resource="payments")
        incident(s, utc("2026-11-30 00:00"), "sev1")  # the period's end is not in it


def test_incident_counts_per_week_and_percentiles(unit: UnitFactory) -> None:
    _incidents(unit)
    with unit() as ctx:
        f = figures.incidents(ctx, FOUR_WEEKS)
    assert f.by_bucket == [{"sev1": 1, "sev3": 2}, {}, {"sev2": 2}, {"sev4": 1}]
    assert f.total == 6 and f.still_open == 2
    # acknowledged after 1m, 5m, 15m, 25m, 2h: n=5, median rank 3 (15m), p90 rank 5 (2h)
    assert f.tta == Percentiles(5, 15 * 60.0, 2 * 3600.0)
    # resolved after 30m, 1h, 3h, 4h: n=4, median rank 2 (1h), p90 rank 4 (4h)
    assert f.ttr == Percentiles(4, 3600.0, 4 * 3600.0)
    # mitigated after 20m, 1h, 2h: median rank 2 (1h), p90 rank 3 (2h)
    assert f.ttm == Percentiles(3, 3600.0, 2 * 3600.0)
    # week 1 acknowledged after 5m, 15m, 25m: median rank 2, p90 rank 3
    assert f.tta_by_bucket[0] == Percentiles(3, 15 * 60.0, 25 * 60.0)
    assert f.tta_by_bucket[1] == Percentiles(0)
    assert f.ttr_by_bucket[2] == Percentiles(1, 1800.0, 1800.0)
    assert f.top_resources.rows == [("checkout", 2), ("payments", 1)]
    assert f.top_resources.total == 2


def test_percentiles_are_the_ones_incident_stats_gives(unit: UnitFactory) -> None:
    _incidents(unit)
    with freeze_time("2026-11-30 00:00:00"), unit() as ctx:
        stats = metrics.report(ctx, 28)
        mine = figures.incidents(
            ctx, Period(ctx.now - timedelta(days=28), ctx.now, UTC_ZONE, "28d")
        )
    assert (mine.tta.p50, mine.tta.p90) == (stats.mtta_median, stats.mtta_p90)
    assert (mine.ttr.p50, mine.ttr.p90) == (stats.mttr_median, stats.mttr_p90)
    assert (mine.ttm.p50, mine.ttm.p90) == (stats.mttm_median, stats.mttm_p90)
    assert mine.tta.count == stats.acked and mine.ttr.count == stats.resolved
    assert mine.ttm.count == stats.mitigated == 3


def test_purchase_amounts_cycle_times_and_people(unit: UnitFactory) -> None:
    with unit() as ctx:
        s = ctx.session
        a = purchase(
            s,
            utc("2026-11-03 09:00"),
            100_00,
            "U_A",
            status="approved",
            decided=utc("2026-11-04 09:00"),
        )  # cycle 1d
        b = purchase(
            s,
            utc("2026-11-03 09:00"),
            250_50,
            "U_B",
            status="rejected",
            decided=utc("2026-11-03 11:00"),
        )  # cycle 2h
        c = purchase(
            s,
            utc("2026-11-10 09:00"),
            1000_00,
            "U_A",
            status="approved",
            decided=utc("2026-11-12 09:00"),
        )  # cycle 2d
        purchase(s, utc("2026-11-20 09:00"), 40_00, "U_C")  # pending
        e = purchase(
            s,
            utc("2026-10-30 00:00"),
            60_00,
            "U_C",
            status="approved",
            decided=utc("2026-11-02 01:00"),
        )  # made before, approved in: 3d 1h
        purchase(s, utc("2026-11-25 09:00"), 10_00, "U_D", currency="GBP")
        decision(s, a, 0, "U_BOB", "approved", utc("2026-11-04 09:00"))
        decision(s, b, 0, "U_BOB", "rejected", utc("2026-11-03 11:00"))
        decision(s, c, 0, "U_BOB", "approved", utc("2026-11-11 09:00"))
        decision(s, c, 1, "U_CAROL", "approved", utc("2026-11-12 09:00"))
        decision(s, e, 0, "U_CAROL", "approved", utc("2026-11-02 01:00"))
    with unit() as ctx:
        f = figures.purchases(ctx, FOUR_WEEKS)
    assert f.currency == "EUR"
    assert f.requested == [Money(2, 350_50), Money(1, 1000_00), Money(1, 40_00), Money(0, 0)]
    assert f.approved == [Money(2, 160_00), Money(1, 1000_00), Money(0, 0), Money(0, 0)]
    assert f.other_currencies == {"GBP": Money(1, 10_00)}
    assert f.outcomes == {"approved": 3, "rejected": 1}
    assert f.rejected_share == 0.25
    # cycles 2h, 1d, 2d, 3d1h: median rank 2 (1d), p90 rank 4 (3d1h)
    assert f.cycle == Percentiles(4, 86400.0, 3 * 86400.0 + 3600.0)
    assert f.approvers.rows == [("U_BOB", 2, 1), ("U_CAROL", 2, 0)]
    assert f.requesters.rows == [
        ("U_A", 2, 1100_00),
        ("U_B", 1, 250_50),
        ("U_C", 1, 40_00),
        ("U_D", 1, 0),
    ]
    assert f.requesters.total == 4


def test_resource_utilisation_heatmap_and_waits(unit: UnitFactory) -> None:
    with unit() as ctx:
        s = ctx.session
        room_a = make_resource(s, "room-a")
        room_b = make_resource(s, "room-b", capacity=2)
        make_resource(s, "late-room", created="2026-11-08 00:00")  # exists for one day
        make_resource(s, "future-room", created="2026-12-01 00:00")  # not yet
        first = booking(s, room_a, utc("2026-11-03 09:00"), utc("2026-11-03 11:00"))  # 2h, Tue 9
        booking(
            s,
            room_a,
            utc("2026-11-04 10:00"),
            utc("2026-11-04 14:00"),
            status="released",
            closed=utc("2026-11-04 12:00"),
        )  # held 2h, Wed 10
        booking(
            s,
            room_a,
            utc("2026-11-01 22:00"),
            utc("2026-11-02 02:00"),
            status="ended",
            closed=utc("2026-11-02 02:00"),
        )  # 2h in the period, started before it
        booking(s, room_a, utc("2026-11-08 23:00"), utc("2026-11-09 03:00"))  # 1h in, Sun 23
        booking(
            s,
            room_a,
            utc("2026-11-05 10:00"),
            utc("2026-11-05 12:00"),
            status="cancelled",
            closed=utc("2026-11-04 00:00"),
        )  # cancelled before it began: nothing
        second = booking(s, room_b, utc("2026-11-03 09:00"), utc("2026-11-03 21:00"))  # 12h, Tue 9
        s.add(
            MaintenanceWindow(
                resource_id=room_a.id,
                start=utc("2026-11-06 00:00"),
                end=utc("2026-11-06 06:00"),
                tz="UTC",
                description="paint",
                created_by="U_ALICE",
                created_at=utc("2026-10-01 00:00"),
            )
        )
        s.add(
            MaintenanceWindow(
                resource_id=room_b.id,
                start=utc("2026-11-01 01:00"),
                end=utc("2026-11-01 02:00"),
                every="day",
                tz="UTC",
                description="clean",
                created_by="U_ALICE",
                created_at=utc("2026-10-01 00:00"),
            )
        )  # 1h on each of 7 days
        make_wait(s, room_a, utc("2026-11-03 07:00"), "booked", first)
        first.created_at = utc("2026-11-03 09:00")  # promoted from the list 2h after joining
        second.created_at = utc("2026-11-04 00:30")
        make_wait(s, room_b, utc("2026-11-04 00:00"), "booked", second)  # waited 30m
        make_wait(s, room_b, utc("2026-11-05 00:00"), "expired")
        make_wait(s, room_b, utc("2026-11-06 00:00"), "waiting")
        make_wait(s, room_b, utc("2026-10-06 00:00"), "expired")  # before the period
    with unit() as ctx:
        f = usage.resources(ctx, ONE_WEEK)
    by_name = {r.name: r for r in f.resources}
    assert set(by_name) == {"room-a", "room-b", "late-room"}
    a, b, late = by_name["room-a"], by_name["room-b"], by_name["late-room"]
    assert (a.booked_h, a.maintenance_h, a.available_h) == (7.0, 6.0, 162.0)  # 168h - 6h
    assert (b.booked_h, b.maintenance_h, b.available_h) == (12.0, 7.0, 322.0)  # 2 x (168 - 7)
    assert (late.booked_h, late.available_h) == (0.0, 24.0)
    assert a.utilisation == pytest.approx(7 / 162)
    assert [r.name for r in f.resources] == ["room-a", "room-b", "late-room"]  # busiest first
    assert f.heatmap[1][9] == 2 and f.heatmap[2][10] == 1 and f.heatmap[6][23] == 1
    assert f.bookings == 4
    assert f.waits == {"booked": 2, "expired": 1, "waiting": 1}
    assert f.waited == Percentiles(2, 1800.0, 7200.0)  # 30m and 2h: ranks 1 and 2


def test_heatmap_hours_are_local_across_a_dst_change(unit: UnitFactory) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    with unit() as ctx:
        room = make_resource(ctx.session, "room-a")
        # 09:00 UTC is 11:00 in Berlin on Saturday 24 October (summer time) and 10:00 on
        # Monday 26 October (winter time, after the clocks went back on the 25th).
        booking(ctx.session, room, utc("2026-10-24 09:00"), utc("2026-10-24 10:00"))
        booking(ctx.session, room, utc("2026-10-26 09:00"), utc("2026-10-26 10:00"))
    period = Period(utc("2026-10-20 00:00"), utc("2026-10-30 00:00"), berlin, "ten days")
    with unit() as ctx:
        f = usage.resources(ctx, period)
    assert f.heatmap[5][11] == 1 and f.heatmap[0][10] == 1 and f.bookings == 2


def test_oncall_hours_split_shifts_incidents_and_pages(unit: UnitFactory) -> None:
    with unit() as ctx:
        s = ctx.session
        s.add(
            ShiftOverride(
                rotation="primary",
                kind="add",
                user_id="U_CAT",
                starts_at=utc("2026-11-04 12:00"),
                ends_at=utc("2026-11-04 14:00"),
                created_by="U_ALICE",
                created_at=utc("2026-11-01 00:00"),
            )
        )
        first = incident(s, utc("2026-11-02 10:00"), "sev1")  # Amy's shift
        incident(s, utc("2026-11-04 13:00"), "sev2")  # Cat's override
        third = incident(s, utc("2026-11-07 12:00"), "sev2")  # Ben's weekend shift
        incident(s, utc("2026-11-02 05:00"), "sev3")  # before the rotation starts: nobody
        audit(s, utc("2026-11-02 10:05"), "escalated", first.id, {"to": ["U_AMY"]})
        audit(s, utc("2026-11-02 10:10"), "escalated", first.id, {"to": ["U_AMY", "U_BEN"]})
        audit(s, utc("2026-11-07 12:05"), "escalated", third.id, {"to": ["U_BEN"]})
        audit(s, utc("2026-11-07 12:06"), "acknowledged", third.id, {})
        audit(s, utc("2026-11-10 12:00"), "escalated", third.id, {"to": ["U_AMY"]})  # after
    with unit() as ctx:
        f = usage.oncall(ctx, ONE_WEEK)
    rows = {r.user: r for r in f.rows}
    amy, ben, cat = rows["U_AMY"], rows["U_BEN"], rows["U_CAT"]
    # Amy: Mon 09-Tue 09, Wed 09-12 and 14-Thu 09 (Cat covers 12-14), Fri 09-Sat 09, Sun 09-24
    assert (amy.day_h, amy.night_h, amy.weekend_h) == (41.0, 20.0, 24.0)
    assert amy.shifts == 5 and amy.incidents == 1
    # Ben: Tue 09-Wed 09, Thu 09-Fri 09, Sat 09-Sun 09
    assert (ben.day_h, ben.night_h, ben.weekend_h) == (30.0, 18.0, 24.0)
    assert ben.shifts == 3 and ben.incidents == 1
    assert (cat.hours, cat.shifts, cat.incidents) == (2.0, 1, 1)
    assert [r.user for r in f.rows] == ["U_AMY", "U_BEN", "U_CAT"]
    assert f.pages == {"U_AMY": (2, 1), "U_BEN": (2, 2)}


def test_an_empty_period_has_zeroes_not_errors(unit: UnitFactory) -> None:
    with unit() as ctx:
        inc = figures.incidents(ctx, FOUR_WEEKS)
        pur = figures.purchases(ctx, FOUR_WEEKS)
        on = usage.oncall(
            ctx, Period(utc("2026-10-01 00:00"), utc("2026-10-08 00:00"), UTC_ZONE, "before")
        )
    assert inc.total == 0 and inc.tta == Percentiles(0) and inc.by_bucket == [{}] * 4
    assert pur.requested_total == Money(0, 0) and pur.rejected_share is None
    assert on.rows == [] and on.pages == {}


def test_an_export_longer_than_a_page_has_every_row(unit: UnitFactory, monkeypatch) -> None:
    from bot.reports import service
    from storage import report_exports

    monkeypatch.setattr(report_exports, "PAGE", 2)
    with unit() as ctx:
        for day in range(5):  # two on the same second: the page key is (time, id)
            incident(ctx.session, utc(f"2026-11-0{2 + day // 2} 10:00"), "sev3", reporter="U_BOB")
        incident(ctx.session, utc("2026-11-03 10:00"), "sev3", reporter="U_CAROL")
    with unit("U_BOB") as ctx:
        request = service.plan_export(ctx, "incidents", FOUR_WEEKS)
    made = service.export_file(lambda: unit("U_BOB"), request)
    assert request.rows == made.rows == 5
    lines = made.content.decode().splitlines()
    assert len(lines) == 6 and lines[0].startswith("id,title,")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "INC-1",
        "INC-2",
        "INC-3",
        "INC-4",
        "INC-5",
    ]
