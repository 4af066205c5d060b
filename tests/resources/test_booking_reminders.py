"""The end-of-booking reminder and its buttons, auto-release at the end, never twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot.dispatcher import Dispatcher
from tests.e2e import SlackApp
from tests.resources.helpers import NOW, posts_to, tick


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _reminders(slack: SlackApp, user: str) -> list:
    return [c for c in posts_to(slack, user) if "ends" in c.params.get("text", "")]


def test_reminder_ten_minutes_before_end_with_extend_button(slack: SlackApp, frozen) -> None:
    slack.slash("/resource", "book room-a now for 1h", user="U_BOB")
    frozen.tick(timedelta(minutes=49))
    tick(slack)
    assert _reminders(slack, "U_BOB") == []
    frozen.tick(timedelta(minutes=1))
    tick(slack)
    tick(slack)
    reminders = _reminders(slack, "U_BOB")
    assert len(reminders) == 1 and "BKG-1" in reminders[0].params["text"]
    slack.click_button(reminders[0], "booking_extend", user="U_BOB")
    slack.runtime.drain()
    # Extended by 30m: the reminder comes again 10 minutes before the new end, once.
    frozen.tick(timedelta(minutes=29))
    tick(slack)
    assert len(_reminders(slack, "U_BOB")) == 1
    frozen.tick(timedelta(minutes=1))
    tick(slack)
    assert len(_reminders(slack, "U_BOB")) == 2


def test_release_button_releases_and_stops_the_end(slack: SlackApp, frozen) -> None:
    slack.slash("/resource", "book room-a now for 1h", user="U_BOB")
    frozen.tick(timedelta(minutes=50))
    tick(slack)
    reminder = _reminders(slack, "U_BOB")[0]
    slack.click_button(reminder, "booking_release", user="U_CAROL")  # not hers
    slack.runtime.drain()
    assert "only they or an admin" in str(slack.stub.calls_to("chat.postEphemeral")[-1].params)
    slack.click_button(reminder, "booking_release", user="U_BOB")
    slack.runtime.drain()
    assert "BKG-2" in slack.slash("/resource", "book room-a now for 5m", user="U_CAROL").text


def test_auto_release_at_end_promotes_the_waiting_list(slack: SlackApp, frozen) -> None:
    slack.slash("/resource", "book room-a now for 1h", user="U_BOB")
    slack.slash("/resource", "wait room-a now for 2h", user="U_CAROL")
    frozen.tick(timedelta(minutes=59))
    tick(slack)
    assert [c for c in posts_to(slack, "U_CAROL") if "freed up" in c.params["text"]] == []
    frozen.tick(timedelta(minutes=1))
    tick(slack)
    promoted = [c for c in posts_to(slack, "U_CAROL") if "freed up" in c.params["text"]]
    assert len(promoted) == 1 and "BKG-2" in promoted[0].params["text"]
    listing = slack.slash("/resource", "list room").json["blocks"]
    assert "<@U_CAROL>" in str(listing) and "<@U_BOB>" not in str(listing)


def test_a_second_scheduler_sends_nothing_twice(slack: SlackApp, frozen, sessions) -> None:
    slack.slash("/resource", "book room-a now for 1h", user="U_BOB")
    frozen.tick(timedelta(minutes=50))
    rt = slack.runtime
    other = Dispatcher(
        sessions=sessions,
        messenger=rt.messenger,
        config=rt.config,
        now=rt.clock.now,
        registry=rt.registry,
    )
    other.run_due()
    tick(slack)
    other.run_due()
    frozen.tick(timedelta(hours=2))
    tick(slack)
    other.run_due()
    assert len(_reminders(slack, "U_BOB")) == 1


@pytest.mark.parametrize("late", [timedelta(0), timedelta(minutes=35)])
def test_reminder_never_arrives_once_the_booking_has_ended(
    slack: SlackApp, frozen, late: timedelta
) -> None:
    # The scheduler was away from before the reminder was due until the end (or later): when it
    # comes back the booking has ended, so the reminder is dropped, not sent late.
    slack.slash("/resource", "book room-a now for 1h", user="U_BOB")
    frozen.tick(timedelta(hours=1) + late)
    tick(slack)
    tick(slack)
    assert _reminders(slack, "U_BOB") == []
    listing = slack.slash("/resource", "bookings").text
    assert "BKG-1" not in listing
