"""Resources end to end over HTTP: book, conflicts, capacity, release, extend, waiting list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from freezegun import freeze_time

from tests.e2e import SlackApp
from tests.resources.helpers import NOW, dump, posts_to, ts


@pytest.fixture(autouse=True)
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def test_book_and_list_mine(slack: SlackApp) -> None:
    resp = slack.slash("/resource", "book room-a today 10:00 for 1h Weekly sync")
    assert resp.status == 200
    assert "Booked *room-a* as *BKG-1*" in resp.text
    assert resp.json["response_type"] == "ephemeral"
    assert "Weekly sync" in resp.text
    mine = slack.slash("/resource", "bookings mine")
    assert "BKG-1" in dump(mine.json["blocks"]) and "room-a" in dump(mine.json["blocks"])
    other = slack.slash("/resource", "bookings mine", user="U_BOB")
    assert other.text == "You have no bookings."


def test_conflict_names_holder_next_slot_and_free_alternatives(slack: SlackApp) -> None:
    slack.slash("/resource", "book room-a today 10:00 to 11:00", user="U_ALICE")
    resp = slack.slash("/resource", "book room-a today 10:30 for 1h", user="U_BOB")
    text = resp.text
    assert "room-a* is not free" in text
    assert "<@U_ALICE> (BKG-1) until" in text
    # The next free hour starts when Alice's booking ends: 11:00 UTC.
    assert f"Next free slot of 1h: <!date^{ts('2026-12-01 11:00')}^" in text
    assert "`room-b`" in text and "Free room" in text
    assert "BKG-2" not in slack.slash("/resource", "bookings").text


def test_capacity_two_allows_exactly_two_overlaps(slack: SlackApp) -> None:
    assert "Added `pool`" in slack.slash("/resource", "add pool desk capacity 2").text
    first = slack.slash("/resource", "book pool today 10:00 for 2h", user="U_BOB")
    second = slack.slash("/resource", "book pool today 11:00 for 2h", user="U_CAROL")
    third = slack.slash("/resource", "book pool today 11:30 for 30m", user="U_DAVE")
    assert "BKG-1" in first.text and "BKG-2" in second.text
    assert "not free" in third.text and "<@U_BOB>" in third.text
    # Before Bob's booking starts only Carol's would overlap... and after it ends too.
    fourth = slack.slash("/resource", "book pool today 12:00 for 1h", user="U_DAVE")
    assert "BKG-3" in fourth.text


def test_release_frees_the_slot(slack: SlackApp) -> None:
    slack.slash("/resource", "book room-a today 10:00 for 1h", user="U_ALICE")
    refused = slack.slash("/resource", "release BKG-1", user="U_BOB")
    assert "only they or an admin" in refused.text
    assert "Released BKG-1" in slack.slash("/resource", "release 1", user="U_ALICE").text
    again = slack.slash("/resource", "release 1", user="U_ALICE")
    assert "already released" in again.text
    assert "BKG-2" in slack.slash("/resource", "book room-a today 10:00 for 1h", user="U_BOB").text


def test_extend_and_extend_refused_when_it_would_collide(slack: SlackApp) -> None:
    slack.slash("/resource", "book room-a today 10:00 for 1h", user="U_ALICE")
    ok = slack.slash("/resource", "extend BKG-1 30m", user="U_ALICE")
    assert f"BKG-1 now ends <!date^{ts('2026-12-01 11:30')}^" in ok.text  # 11:30 UTC
    slack.slash("/resource", "book room-a today 12:00 for 1h", user="U_BOB")
    refused = slack.slash("/resource", "extend 1 1h", user="U_ALICE")
    assert "can't extend BKG-1" in refused.text and "<@U_BOB> (BKG-2)" in refused.text
    assert "11:30 UTC" in dump(slack.slash("/resource", "bookings").json["blocks"])


def test_waiting_list_promotion_with_give_back_button(slack: SlackApp) -> None:
    slack.slash("/resource", "book room-a today 10:00 for 1h", user="U_ALICE")
    waited = slack.slash("/resource", "wait room-a today 10:00 for 1h", user="U_BOB")
    assert "waiting list for *room-a*" in waited.text
    slack.slash("/resource", "wait room-a today 10:00 for 30m", user="U_CAROL")
    slack.slash("/resource", "release 1", user="U_ALICE")
    dm = posts_to(slack, "U_BOB")
    assert len(dm) == 1 and "BKG-2" in dm[0].params["text"]
    assert posts_to(slack, "U_CAROL") == [], "only the first in line gets it"
    # Bob gives it back: Carol is next in line and gets it.
    slack.click_button(dm[0], "booking_release", user="U_BOB")
    carol = posts_to(slack, "U_CAROL")
    assert len(carol) == 1 and "BKG-3" in carol[0].params["text"]
    assert "freed up" in carol[0].params["text"]


def test_wait_on_a_free_slot_says_book_it(slack: SlackApp) -> None:
    resp = slack.slash("/resource", "wait room-a today 10:00 for 1h")
    assert "free for that window" in resp.text


def test_list_status_and_available(slack: SlackApp) -> None:
    slack.slash("/resource", "book room-a now for 2h", user="U_BOB")
    slack.slash("/resource", "book room-a tomorrow 10:00 for 1h Planning", user="U_CAROL")
    listing = dump(slack.slash("/resource", "list room").json["blocks"])
    assert "room-a" in listing and "booked" in listing and "<@U_BOB>" in listing
    assert "room-b" in listing and "free" in listing and "staging-1" not in listing
    status = dump(slack.slash("/resource", "status room-a").json["blocks"])
    assert "BKG-1" in status and "BKG-2" in status and "Planning" in status
    free = slack.slash("/resource", "available room today 09:00 for 1h").text
    assert "room-b" in free and "room-a" not in free
    everything = slack.slash("/resource", "available today 09:00 for 1h").text
    assert "staging-1" in everything and "van" in everything


def test_status_by_mention(slack: SlackApp) -> None:
    slack.slash("/resource", "book van now for 1h", user="U_BOB")
    slack.mention("status van", channel="C_OPS")
    reply = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert reply.params["channel"] == "C_OPS" and "<@U_BOB>" in reply.params["text"]


def test_admin_remove_cancels_future_bookings_and_tells_owners(slack: SlackApp) -> None:
    slack.slash("/resource", "book van tomorrow 10:00 for 1h", user="U_BOB")
    assert "Only admins" in slack.slash("/resource", "remove van", user="U_BOB").text
    resp = slack.slash("/resource", "remove van", user="U_ALICE")
    assert "Removed `van`" in resp.text and "1 booking(s)" in resp.text
    dm = posts_to(slack, "U_BOB")
    assert len(dm) == 1 and "was cancelled" in dm[0].params["text"]
    gone = slack.slash("/resource", "book van tomorrow 12:00 for 1h", user="U_BOB")
    assert "no resource called `van` (it was removed)" in gone.text
    assert "van" not in dump(slack.slash("/resource", "list").json)
    assert "Added `van`" in slack.slash("/resource", "add van vehicle").text


def test_help_lists_every_subcommand(slack: SlackApp) -> None:
    text = slack.slash("/resource", "help").text
    for sub in (
        "list",
        "status",
        "available",
        "book",
        "release",
        "extend",
        "bookings",
        "wait",
        "add",
        "remove",
    ):
        assert f"/resource {sub}" in text


def test_aliases_work_and_are_documented_in_help_and_readme(slack: SlackApp) -> None:
    from pathlib import Path

    from bot.resources.commands import COMMANDS

    slack.slash("/resource", "book room-a today 10:00 for 1h")
    assert "Released BKG-1" in slack.slash("/resource", "cancel BKG-1").text
    assert "room-a" in dump(slack.slash("/resource", "free room today 10:00 for 1h").json)
    help_text = slack.slash("/resource", "help").text
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("### Resources: `/resource`") :]
    section = section[: section.index("### Maintenance")]
    for cmd in COMMANDS.commands:
        for alias in cmd.aliases:
            assert f"also `{alias}`" in help_text, alias
            assert f"`/resource {alias}" in section, alias
