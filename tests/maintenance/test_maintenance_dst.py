"""Recurring windows in local time across the EU and US DST changes (the documented rule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.maintenance.occurrences import occurrences
from storage.maintenance import MaintenanceWindow
from tests.e2e import SlackApp
from tests.resources.helpers import posts_to, tick

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _window(first_local: str, tz: ZoneInfo, length: timedelta, every: str) -> MaintenanceWindow:
    local = datetime.strptime(first_local, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    start = local.astimezone(UTC)
    return MaintenanceWindow(
        id=1,
        resource_id=1,
        start=start,
        end=start + length,
        every=every,
        tz=tz.key,
        description="x",
        status="scheduled",
    )


def _local(occ: list[tuple[datetime, datetime]], tz: ZoneInfo) -> list[str]:
    return [s.astimezone(tz).strftime("%m-%d %H:%M") for s, _ in occ]


def _between(w: MaintenanceWindow, a: str, b: str) -> list[tuple[datetime, datetime]]:
    def utc(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    return occurrences(w, utc(a), utc(b))


def test_daily_0230_moves_forward_by_the_gap_on_eu_spring_forward_day() -> None:
    w = _window("2027-03-26 02:30", BERLIN, timedelta(hours=1), "day")
    occ = _between(w, "2027-03-26 00:00", "2027-03-30 00:00")
    assert _local(occ, BERLIN) == ["03-26 02:30", "03-27 02:30", "03-28 03:30", "03-29 02:30"]
    assert all(e - s == timedelta(hours=1) for s, e in occ), "the same length every day"


def test_daily_0230_runs_once_at_the_first_0230_on_eu_fall_back_day() -> None:
    w = _window("2027-10-30 02:30", BERLIN, timedelta(minutes=30), "day")
    occ = _between(w, "2027-10-30 00:00", "2027-11-01 00:00")
    assert [s.isoformat() for s, _ in occ] == [
        "2027-10-30T00:30:00+00:00",
        "2027-10-31T00:30:00+00:00",  # 02:30 CEST, the first of the two
    ]


def test_us_spring_forward_and_fall_back() -> None:
    w = _window("2027-03-13 02:30", NEW_YORK, timedelta(hours=1), "day")
    spring = _between(w, "2027-03-13 00:00", "2027-03-16 00:00")
    assert _local(spring, NEW_YORK) == ["03-13 02:30", "03-14 03:30", "03-15 02:30"]
    w = _window("2027-11-06 09:00", NEW_YORK, timedelta(hours=1), "day")
    fall = _between(w, "2027-11-06 00:00", "2027-11-09 00:00")
    assert _local(fall, NEW_YORK) == ["11-06 09:00", "11-07 09:00", "11-08 09:00"]
    assert fall[1][0] - fall[0][0] == timedelta(hours=25)


def test_local_midnight_is_never_skipped_across_a_change() -> None:
    w = _window("2026-10-23 00:00", BERLIN, timedelta(minutes=15), "day")
    occ = _between(w, "2026-10-22 00:00", "2026-10-28 00:00")
    assert _local(occ, BERLIN) == [f"10-{d} 00:00" for d in range(23, 29)]


def test_weekly_keeps_its_wall_time_and_monthly_clamps_to_month_end() -> None:
    w = _window("2027-03-22 09:00", BERLIN, timedelta(hours=2), "week")
    occ = _between(w, "2027-03-01 00:00", "2027-04-10 00:00")
    assert _local(occ, BERLIN) == ["03-22 09:00", "03-29 09:00", "04-05 09:00"]
    w = _window("2027-01-31 22:00", BERLIN, timedelta(hours=1), "month")
    occ = _between(w, "2027-01-01 00:00", "2027-05-01 00:00")
    assert _local(occ, BERLIN) == ["01-31 22:00", "02-28 22:00", "03-31 22:00", "04-30 22:00"]


def test_far_ahead_expansion_is_bounded_and_exact() -> None:
    w = _window("2026-12-01 10:00", BERLIN, timedelta(hours=1), "day")
    occ = _between(w, "2030-06-01 00:00", "2030-06-03 00:00")
    assert _local(occ, BERLIN) == ["06-01 10:00", "06-02 10:00"]


@pytest.mark.parametrize("when", ["2027-03-28 03:45", "2027-03-28 04:15"])
def test_spring_forward_window_blocks_bookings_and_starts_at_0330(
    slack: SlackApp, when: str
) -> None:
    slack.stub.set_user("U_ALICE", tz="Europe/Berlin")
    slack.stub.set_user("U_BOB", tz="Europe/Berlin")
    with freeze_time("2027-03-25 12:00:00") as frozen:
        resp = slack.slash(
            "/maintenance", "schedule room-a 2027-03-26 02:30 for 1h every day Backup"
        )
        assert "MNT-1" in resp.text
        refused = slack.slash("/resource", f"book room-a {when} for 10m", user="U_BOB")
        assert "MNT-1" in refused.text and "not free" in refused.text
        ok = slack.slash("/resource", "book room-a 2027-03-28 01:00 for 1h", user="U_BOB")
        assert "BKG-1" in ok.text, "01:00-03:00 local ends as the shifted window starts"
        frozen.move_to("2027-03-28 01:29:00")  # 03:29 CEST
        tick(slack)
        started = [c for c in posts_to(slack, "C_OPS") if "starting now" in c.params["text"]]
        assert [c for c in started if "2027-03-28" in c.params["text"]] == []
        frozen.move_to("2027-03-28 01:30:00")  # 03:30 CEST
        tick(slack)
        started = [c for c in posts_to(slack, "C_OPS") if "starting now" in c.params["text"]]
        assert len(started) == 1 and "Sun 2027-03-28 04:30" in started[0].params["text"]
