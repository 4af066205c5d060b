"""The swap handshake and time off end to end: signed requests in, what Slack would receive out."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from freezegun import freeze_time

from tests.e2e import SlackApp
from tests.slack_stub import Call

NOW = "2026-12-02 11:00:00"  # week 1: U_ALICE; SHF-2 (Mon 7th - Mon 14th): U_BOB; then U_CAROL


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _dms(slack: SlackApp, user: str) -> list[Call]:
    slack.runtime.drain()
    return [c for c in slack.stub.calls_to("chat.postMessage") if c.params["channel"] == user]


def _posts(slack: SlackApp, channel: str) -> list[str]:
    slack.runtime.drain()
    return [
        c.params["text"]
        for c in slack.stub.calls_to("chat.postMessage")
        if c.params["channel"] == channel
    ]


def _ask(slack: SlackApp, user: str) -> Call:
    return next(
        c for c in reversed(_dms(slack, user)) if "shift_swap_accept" in json.dumps(c.blocks)
    )


def _notes(slack: SlackApp) -> list[str]:
    slack.runtime.drain()
    return [c.params["text"] for c in slack.stub.calls_to("chat.postEphemeral")]


def test_a_members_swap_asks_and_the_accept_hands_it_over(slack: SlackApp, frozen) -> None:
    slack.slash("/shift", "list")
    resp = slack.slash("/shift", "swap SHF-2 <@U_CAROL|carol>", user="U_BOB")
    assert "I asked <@U_CAROL> to take SHF-2" in resp.text
    ask = _ask(slack, "U_CAROL")
    assert "<@U_BOB> asks you to take SHF-2" in ask.params["text"]
    slack.click_button(ask, "shift_swap_accept", user="U_ALICE")  # not hers to answer
    assert "only they can answer" in _notes(slack)[-1]
    slack.click_button(ask, "shift_swap_accept", user="U_CAROL")
    assert "You accepted" in _notes(slack)[-1]
    assert any("<@U_CAROL> accepted" in c.params["text"] for c in _dms(slack, "U_BOB"))
    edited = slack.stub.calls_to("chat.update")[-1]
    assert "You accepted" in edited.params["text"] and "shift_swap_accept" not in json.dumps(
        edited.blocks
    )
    slack.click_button(ask, "shift_swap_accept", user="U_CAROL")  # twice
    assert "You already accepted this swap." in _notes(slack)[-1]
    assert "<@U_CAROL> _(swapped, by <@U_BOB>)_" in slack.slash("/shift", "next").text


def test_a_swap_accepted_mid_shift_applies_from_then_and_is_announced(slack: SlackApp) -> None:
    with freeze_time(NOW):
        slack.slash("/shift", "list")
        slack.slash("/shift", "swap SHF-2 <@U_CAROL|carol>", user="U_BOB")
        ask = _ask(slack, "U_CAROL")
    with freeze_time("2026-12-09 10:00:00"):
        slack.slash("/shift", "now")  # the hand-off to Bob on Monday is behind us
        slack.click_button(ask, "shift_swap_accept", user="U_CAROL")
        assert "Wed 2026-12-09 10:00 UTC" in _notes(slack)[-1]  # from the acceptance on
        assert any("<@U_CAROL> is now on call" in t for t in _posts(slack, "C_ONCALL"))
        assert slack.slash("/shift", "now").text.startswith(
            ":telephone_receiver: *primary*: <@U_CAROL>"
        )


def test_decline_tells_the_requester(slack: SlackApp, frozen) -> None:
    slack.slash("/shift", "list")
    slack.slash("/shift", "swap SHF-2 <@U_CAROL|carol>", user="U_BOB")
    slack.click_button(_ask(slack, "U_CAROL"), "shift_swap_decline", user="U_CAROL")
    assert "Declined. <@U_BOB> is told." in _notes(slack)[-1]
    assert any("<@U_CAROL> declined" in c.params["text"] for c in _dms(slack, "U_BOB"))
    assert "swapped" not in slack.slash("/shift", "next").text


def test_an_admins_swap_dms_who_takes_and_who_loses(slack: SlackApp, frozen) -> None:
    slack.slash("/shift", "list")
    resp = slack.slash("/shift", "swap SHF-2 <@U_CAROL|carol>", user="U_ALICE")
    assert "<@U_CAROL> takes SHF-2 instead of <@U_BOB>" in resp.text
    assert any("You are on call for SHF-2" in c.params["text"] for c in _dms(slack, "U_CAROL"))
    assert any("<@U_CAROL> takes your SHF-2" in c.params["text"] for c in _dms(slack, "U_BOB"))


def test_a_replaced_override_tells_its_owner(slack: SlackApp, frozen) -> None:
    slack.slash("/shift", "add <@U_BOB|bob> tomorrow 9am for 4h", user="U_BOB")
    slack.slash("/shift", "add <@U_CAROL|carol> tomorrow 10am for 1h", user="U_CAROL")
    assert any("Your override on *primary*" in c.params["text"] for c in _dms(slack, "U_BOB"))


def test_time_off_hands_the_shift_on_lists_and_cancels(slack: SlackApp, frozen) -> None:
    resp = slack.slash("/shift", "away 2026-12-08 to 2026-12-10", user="U_BOB")
    assert "Time off AWY-1: <@U_BOB> is away" in resp.text and "→ <@U_CAROL>" in resp.text
    assert any("<@U_BOB> is away" in t and "<@U_CAROL>" in t for t in _posts(slack, "C_ONCALL"))
    assert any("You cover <@U_BOB>'s time off" in c.params["text"] for c in _dms(slack, "U_CAROL"))
    assert "<@U_CAROL> _(covering time off, by <@U_BOB>)_" in slack.slash("/shift", "next").text
    listed = slack.slash("/shift", "away list", user="U_BOB")
    blocks = json.dumps(listed.json["blocks"])
    assert "`AWY-1` <@U_BOB>" in blocks and "upcoming" in blocks and "Your time off" in blocks
    assert "Nobody has time off" not in slack.slash("/shift", "away list", user="U_ALICE").text
    assert "You have no time off planned" in slack.slash("/shift", "away list", user="U_CAROL").text
    with freeze_time("2026-12-09 12:00:00"):
        assert "<@U_CAROL>" in slack.slash("/shift", "now").text.split("is on call")[0]
    resp = slack.slash("/shift", "away cancel AWY-1", user="U_BOB")
    assert "Time off AWY-1 is cancelled" in resp.text and "go back to the rotation" in resp.text
    assert any("you no longer cover" in c.params["text"] for c in _dms(slack, "U_CAROL"))
    with freeze_time("2026-12-09 12:00:00"):
        assert "<@U_BOB>" in slack.slash("/shift", "now").text.split("is on call")[0]
    assert "already cancelled" in slack.slash("/shift", "away cancel AWY-1", user="U_BOB").text


def test_time_off_nobody_can_cover_is_told_to_the_channel_and_admins(
    slack: SlackApp, frozen
) -> None:
    slack.slash("/shift", "away 2026-12-08 to 2026-12-10", user="U_CAROL")
    slack.slash("/shift", "away 2026-12-08 to 2026-12-10", user="U_ALICE")
    resp = slack.slash("/shift", "away 2026-12-08 to 2026-12-10", user="U_BOB")
    assert "Nobody else is free" in resp.text
    assert any("Nobody is free to cover" in t for t in _posts(slack, "C_ONCALL"))
    assert any("Nobody is free to cover" in c.params["text"] for c in _dms(slack, "U_ALICE"))


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("U_BOB", "away tomorrow 25:00 for 1d", "25:00"),
        ("U_BOB", "away 2020-01-01 to 2020-01-02", "already over"),
        ("U_BOB", "away", "Say when you are away"),
        ("U_BOB", "away tomorrow for 1d <@U_CAROL|carol>", "Only admins can record time off"),
        ("U_BOB", "away tomorrow for 1d @carol", "is not a person"),
        ("U_DAVE", "away tomorrow for 1d", "<@U_DAVE> is in no rotation"),
        ("U_BOB", "away cancel AWY-9", "There is no time off AWY-9"),
        ("U_BOB", "away cancel INC-1", "is not a time off id"),
        ("U_BOB", "away cancel", "Say which time off to cancel"),
        ("U_BOB", "away list everyone", "takes nothing after it"),
    ],
)
def test_time_off_errors_are_answered_clearly(
    slack: SlackApp, frozen, user: str, text: str, expected: str
) -> None:
    resp = slack.slash("/shift", text, user=user)
    assert resp.status == 200 and expected in resp.text, resp.text
    assert _posts(slack, "C_ONCALL") == []
