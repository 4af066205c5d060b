"""users.info is out of the request path: a slow or rate-limited Slack costs no one their answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import Clock
from storage.models import SlackUser
from tests.e2e import SlackApp
from tests.slack_stub import Call

pytestmark = pytest.mark.faults


def _zones(slack: SlackApp) -> dict[str, str | None]:
    with slack.runtime.sessions() as s:
        return {u.id: u.tz for u in s.scalars(select(SlackUser))}


def test_a_slow_users_info_costs_the_first_command_a_second_at_most(slack: SlackApp) -> None:
    release, answered, calls = threading.Event(), threading.Event(), []

    def slow_the_first_time(call: Call) -> dict[str, Any]:
        calls.append(call)
        if len(calls) == 1:
            release.wait(10)
            answered.set()
        return {"ok": True, "user": {"id": "U_FIRST", "name": "first", "tz": "America/New_York"}}

    slack.stub.respond_with("users.info", slow_the_first_time)
    first = slack.slash("/digest", "weekly fri 16:30", user="U_FIRST", channel="C_ONE")
    assert not answered.is_set(), "the reply waited for users.info"
    assert "16:30 (Europe/Berlin)" in first.text  # the team's zone until Slack has said
    release.set()
    slack.runtime.drain()  # the look-up after the response
    again = slack.slash("/digest", "weekly fri 16:30", user="U_FIRST", channel="C_TWO")
    assert "16:30 (America/New_York)" in again.text


def test_a_first_contact_reads_times_in_the_persons_own_zone(slack: SlackApp) -> None:
    slack.stub.set_user("U_TOKYO", tz="Asia/Tokyo")
    resp = slack.slash("/digest", "weekly fri 16:30", user="U_TOKYO", channel="C_ONE")
    assert "16:30 (Asia/Tokyo)" in resp.text
    slack.slash("/digest", "show", user="U_TOKYO", channel="C_ONE")
    slack.runtime.drain()
    assert len(slack.stub.calls_to("users.info")) == 1, "asked once, then cached"


def test_a_rate_limited_lookup_is_not_retried_in_a_sleep(slack: SlackApp) -> None:
    slack.stub.fail_next("users.info", status=429, retry_after=2, times=3)
    resp = slack.slash("/digest", "show", user="U_LIMITED", channel="C_ONE")
    assert resp.status == 200 and "went wrong" not in resp.text
    slack.runtime.drain()
    # Once before the reply, once after it; no Retry-After sleep and resend in between.
    assert len(slack.stub.calls_to("users.info")) == 2
    slack.slash("/digest", "show", user="U_LIMITED", channel="C_ONE")
    slack.runtime.drain()
    assert len(slack.stub.calls_to("users.info")) == 2, "after a failure the next waits a minute"
    assert "U_LIMITED" not in _zones(slack)


def test_thirty_new_people_with_three_simultaneous_first_commands(slack: SlackApp) -> None:
    people = [f"U_NEW{i:02d}" for i in range(30)]
    for person in people:
        slack.stub.set_user(person, tz="Asia/Tokyo")

    def first_contact(person: str) -> str:
        return slack.slash("/digest", "show", user=person, channel="C_ONE").text

    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(pool.map(first_contact, [p for p in people for _ in range(3)]))
    slack.runtime.drain()
    assert not [r for r in replies if "went wrong" in r or "not answering" in r]
    zones = _zones(slack)
    assert all(zones.get(p) == "Asia/Tokyo" for p in people)


def test_a_zone_kept_in_memory_is_refreshed_after_a_day(slack: SlackApp, clock: Clock) -> None:
    # The process answers a known person from memory; a day later the entry is stale, used once
    # more as it is, refreshed after that response, and the next command reads the new zone.
    slack.stub.set_user("U_MOVER", tz="Asia/Tokyo")
    slack.slash("/digest", "weekly fri 16:30", user="U_MOVER", channel="C_ONE")
    slack.runtime.drain()
    slack.stub.set_user("U_MOVER", tz="America/New_York")  # moved; Slack says so from now on
    same_day = slack.slash("/digest", "weekly fri 16:30", user="U_MOVER", channel="C_TWO")
    assert "16:30 (Asia/Tokyo)" in same_day.text
    assert len(slack.stub.calls_to("users.info")) == 1, "answered from memory within the day"
    clock.advance(timedelta(days=1, minutes=1))
    stale = slack.slash("/digest", "weekly fri 16:30", user="U_MOVER", channel="C_THREE")
    assert "16:30 (Asia/Tokyo)" in stale.text  # never asked while they wait
    slack.runtime.drain()
    fresh = slack.slash("/digest", "weekly fri 16:30", user="U_MOVER", channel="C_FOUR")
    assert "16:30 (America/New_York)" in fresh.text
    assert _zones(slack)["U_MOVER"] == "America/New_York"
