"""Recurrences keep local wall time; the DST rule is: gaps shift forward, folds fire once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import islice

from bot.recurrence import WEEKDAYS, add_months, at_local, daily, shift_local
from bot.tz import zone

BERLIN = zone("Europe/Berlin")
NEW_YORK = zone("America/New_York")


def _local(dts: list[datetime], tz=BERLIN) -> list[str]:
    return [d.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z") for d in dts]


def test_daily_keeps_nine_oclock_through_the_spring_change() -> None:
    after = datetime(2027, 3, 26, 12, tzinfo=UTC)
    got = _local(list(islice(daily(time(9), BERLIN, after=after), 3)))
    assert got == [
        "Sat 2027-03-27 09:00 CET",
        "Sun 2027-03-28 09:00 CEST",
        "Mon 2027-03-29 09:00 CEST",
    ]


def test_time_in_the_gap_moves_forward_by_the_gap() -> None:
    assert _local([at_local(date(2027, 3, 28), time(2, 30), BERLIN)]) == [
        "Sun 2027-03-28 03:30 CEST"
    ]
    assert _local([at_local(date(2027, 3, 14), time(2, 30), NEW_YORK)], NEW_YORK) == [
        "Sun 2027-03-14 03:30 EDT"
    ]


def test_time_in_the_fold_fires_once_at_its_first_occurrence() -> None:
    after = datetime(2026, 10, 24, 12, tzinfo=UTC)
    got = list(islice(daily(time(2, 30), BERLIN, after=after), 2))
    assert _local(got) == ["Sun 2026-10-25 02:30 CEST", "Mon 2026-10-26 02:30 CET"]


def test_midnight_is_not_skipped_on_change_days() -> None:
    after = datetime(2026, 10, 24, 12, tzinfo=UTC)
    got = _local(list(islice(daily(time(0, 0), BERLIN, after=after), 2)))
    assert got == ["Sun 2026-10-25 00:00 CEST", "Mon 2026-10-26 00:00 CET"]


def test_weekdays_only() -> None:
    after = datetime(2026, 11, 27, 12, tzinfo=UTC)  # a Friday afternoon
    got = _local(list(islice(daily(time(9), BERLIN, after=after, weekdays=WEEKDAYS), 2)))
    assert got == ["Mon 2026-11-30 09:00 CET", "Tue 2026-12-01 09:00 CET"]


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_shift_local_keeps_wall_time_across_dst() -> None:
    start = at_local(date(2027, 3, 22), time(9), BERLIN)
    week_later = shift_local(start, BERLIN, days=7)
    assert _local([week_later]) == ["Mon 2027-03-29 09:00 CEST"]
    assert (week_later - start).total_seconds() == 7 * 86400 - 3600
