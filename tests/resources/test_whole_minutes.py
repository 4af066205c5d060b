"""Times people type or mean are whole minutes: "now" at 10:00:20 is 10:00, not 10:00:20.5."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.timeparse import parse_time, parse_window
from storage.resources import Booking
from tests.e2e import SlackApp

MID_MINUTE = datetime(2026, 12, 1, 10, 0, 20, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("now", "2026-12-01 10:00"), ("in 2h", "2026-12-01 12:00"), ("in 1h30m", "2026-12-01 11:30")],
)
def test_now_and_in_are_whole_minutes(text: str, expected: str) -> None:
    for tz in (ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")):
        got = parse_time(text, now=MID_MINUTE, tz=tz)
        assert got == datetime.fromisoformat(expected).replace(tzinfo=UTC)


def test_a_window_from_now_ends_on_a_whole_minute() -> None:
    start, end = parse_window("now for 30m", now=MID_MINUTE, tz=ZoneInfo("UTC"))
    assert (start.second, start.microsecond, end - start) == (0, 0, timedelta(minutes=30))


def test_a_booking_made_now_leaves_the_next_half_hour_free(slack: SlackApp) -> None:
    """The issue's walk-through: the gap between two bookings fits exactly."""
    with freeze_time(MID_MINUTE):
        assert "BKG-1" in slack.slash("/resource", "book room-b now for 30m").text
        assert "BKG-2" in slack.slash("/resource", "book room-b 10:40 for 30m").text
        between = slack.slash("/resource", "book room-b 10:30 for 10m", user="U_BOB")
        assert "BKG-3" in between.text, between.text
        # The minute under way is not the past: 10:00 typed at 10:00:20 is accepted.
        assert "BKG-4" in slack.slash("/resource", "book room-a 10:00 for 15m").text
    with slack.runtime.sessions() as s:
        bookings = s.scalars(select(Booking).order_by(Booking.id)).all()
    assert all(b.start.second == b.start.microsecond == 0 for b in bookings)
    assert all(b.end.second == b.end.microsecond == 0 for b in bookings)


def test_a_booking_given_from_the_waiting_list_starts_on_a_whole_minute(slack: SlackApp) -> None:
    with freeze_time(MID_MINUTE) as frozen:
        slack.slash("/resource", "book room-a now for 1h")
        waiting = slack.slash("/resource", "wait room-a now for 30m", user="U_BOB")
        assert "waiting list" in waiting.text, waiting.text
        frozen.tick(timedelta(minutes=5))
        assert "Released BKG-1" in slack.slash("/resource", "release 1").text
    with slack.runtime.sessions() as s:
        promoted = s.scalars(select(Booking).where(Booking.owner == "U_BOB")).one()
    assert promoted.start == datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    assert promoted.end == datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (
            "room today 09:00 to 11:00",
            "which has passed. I can tell you what is free from now until",
        ),
        ("room today 09:00 to 11:00", "Example: `/resource available room now to 11:00`"),
        ("today 08:00 for 1h", "That window ended"),
        ("room yesterday 09:00 for 2h", "nothing can be booked in it any more"),
    ],
)
def test_available_refuses_a_window_in_the_past_kindly(
    slack: SlackApp, window: str, expected: str
) -> None:
    with freeze_time(MID_MINUTE):
        resp = slack.slash("/resource", f"available {window}")
    assert expected in resp.shown, resp.shown
    assert "Free" not in resp.shown


def test_available_from_now_or_the_minute_under_way_answers(slack: SlackApp) -> None:
    with freeze_time(MID_MINUTE):
        for window in ("room now for 1h", "room 10:00 for 1h", "room in 1h for 1h"):
            resp = slack.slash("/resource", f"available {window}")
            assert "room-a" in resp.shown + str(resp.json.get("blocks")), (window, resp.shown)
            assert "passed" not in resp.shown
