"""The time grammar where people meet it: booking, waiting, availability, overrides, maintenance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time

import pytest
from freezegun import freeze_time

from bot.config import Config, TimeConfig, load_config
from tests.conftest import EXAMPLE
from tests.e2e import SlackApp
from tests.resources.helpers import ts

# Monday 2026-11-30, 10:00 in Berlin (09:00 UTC).
NOW = "2026-11-30 09:00:00"


@pytest.fixture
def config() -> Config:
    """The shipped example, with a team whose evening starts at 21:00."""
    example = load_config(EXAMPLE)
    return example.model_copy(update={"time": TimeConfig(tonight=time(21, 0))})


@pytest.fixture(autouse=True)
def frozen(slack: SlackApp) -> Iterator[object]:
    with freeze_time(NOW) as f:
        slack.stub.set_user("U_ALICE", tz="Europe/Berlin")
        slack.stub.set_user("U_BOB", tz="America/New_York")
        yield f


def _token(utc: str) -> str:
    return f"<!date^{ts(utc)}^"


@pytest.mark.parametrize(
    ("words", "start_utc"),
    [
        ("next friday 3pm for 1h", "2026-12-04 14:00"),
        ("next mon 9am for 1h", "2026-12-07 08:00"),
        ("this friday 3pm for 1h", "2026-12-04 14:00"),
        ("dec 3 14:00 for 1h", "2026-12-03 13:00"),
        ("3 dec 14:00 for 1h", "2026-12-03 13:00"),
        ("december 3 at 9am for 1h", "2026-12-03 08:00"),
        ("2026-12-24T09:00 for 1h", "2026-12-24 08:00"),
        ("24.12. 14:00 for 1h", "2026-12-24 13:00"),
        ("tomorrow 9am - 11am", "2026-12-01 08:00"),
        ("tomorrow 9am-11am", "2026-12-01 08:00"),
        ("tonight for 1h", "2026-11-30 20:00"),  # the configured 21:00, in Berlin
        ("midnight for 1h", "2026-11-30 23:00"),  # the coming one
    ],
)
def test_bookings_read_the_words_people_type(slack: SlackApp, words: str, start_utc: str) -> None:
    resp = slack.slash("/resource", f"book room-a {words} Weekly sync")
    assert "Booked" in resp.text, resp.text
    assert _token(start_utc) in resp.text
    assert "Weekly sync" in resp.text


def test_times_are_read_in_each_persons_zone(slack: SlackApp) -> None:
    resp = slack.slash("/resource", "book room-a tonight for 1h", user="U_BOB")
    assert _token("2026-12-01 02:00") in resp.text, "21:00 in New York"


def test_a_bare_day_asks_for_the_time(slack: SlackApp) -> None:
    resp = slack.slash("/resource", "book room-a friday for 1h")
    assert "What time on Fri 4 Dec? Add the time of day, like friday 9am." in resp.text
    assert "Booked" not in resp.text
    add = slack.slash("/shift", "add <@U_BOB|bob> tomorrow for 1d")
    assert "What time on Tue 1 Dec?" in add.text


def test_a_time_already_past_today_suggests_tomorrow(slack: SlackApp) -> None:
    resp = slack.slash("/resource", "book room-a 9:30am for 1h")
    assert "9:30 is in the past today (it is 10:00 now): did you mean tomorrow 9:30?" in resp.text
    wait = slack.slash("/resource", "wait room-a 9:30am for 1h")
    assert "did you mean tomorrow 9:30?" in wait.text
    schedule = slack.slash("/maintenance", "schedule room-a 9:30am for 1h Patching")
    assert "did you mean tomorrow 9:30?" in schedule.text


def test_an_override_may_cover_this_morning(slack: SlackApp) -> None:
    resp = slack.slash("/shift", "add <@U_BOB|bob> 9am to 5pm primary")
    assert "9:00 is in the past" not in resp.text
    assert _token("2026-11-30 08:00") in resp.text, resp.text


def test_ambiguous_numeric_dates_are_refused_with_the_iso_form(slack: SlackApp) -> None:
    resp = slack.slash("/resource", "book room-a 12/11 9am for 1h")
    assert '"12/11" could be 12 November or 11 December' in resp.text
    assert "2027-11-12 or 2026-12-11" in resp.text
    assert "Booked" not in resp.text


def test_available_next_week_is_the_whole_week(slack: SlackApp) -> None:
    slack.slash("/resource", "book room-a dec 9 9am for 1h")
    resp = slack.slash("/resource", "available room next week")
    assert _token("2026-12-06 23:00") in resp.text and _token("2026-12-13 23:00") in resp.text
    assert "• `room-b`" in resp.text and "• `room-a`" not in resp.text, "booked on Wednesday"
    friday = slack.slash("/resource", "available friday")
    assert _token("2026-12-03 23:00") in friday.text and _token("2026-12-04 23:00") in friday.text
    assert "• `room-a`" in friday.text


def test_delegation_until_a_day_midnight_ends_with_that_day(slack: SlackApp) -> None:
    resp = slack.slash("/purchase", "delegate <@U_DAVE|dave> until fri midnight", user="U_BOB")
    # The delegation runs to Friday's midnight in Bob's zone (05:00 UTC), shown as that day's end.
    last_second = f"<!date^{ts('2026-12-05 05:00') - 1}^{{date_short_pretty}}|Fri 4 Dec>"
    assert f"until the end of {last_second}" in resp.text, "the end of Friday, not of Saturday"
