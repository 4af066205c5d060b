"""/maintenance end to end over HTTP: every subcommand, and windows blocking bookings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from storage.maintenance import MaintenanceWindow
from tests.e2e import SlackApp
from tests.resources.helpers import NOW, dump, posts_to


@pytest.fixture(autouse=True)
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def test_schedule_blocks_bookings_and_shows_in_availability(slack: SlackApp) -> None:
    resp = slack.slash("/maintenance", "schedule room-a tomorrow 10:00 for 2h New projector")
    assert "Scheduled *MNT-1* on *room-a*" in resp.text
    refused = slack.slash("/resource", "book room-a tomorrow 11:00 for 1h", user="U_BOB")
    assert "not free" in refused.text and "MNT-1" in refused.text
    assert "maintenance: New projector" in refused.text
    assert "`room-b`" in refused.text, "a free room of the same kind is suggested"
    free = slack.slash("/resource", "available room tomorrow 11:00 for 1h").text
    assert "room-b" in free and "room-a" not in free
    status = dump(slack.slash("/resource", "status room-a").json["blocks"])
    assert "MNT-1" in status and "New projector" in status
    fine = slack.slash("/resource", "book room-a tomorrow 12:00 for 1h", user="U_BOB")
    assert "BKG-1" in fine.text, "right after the window is free"


def test_under_maintenance_now_shows_in_list(slack: SlackApp) -> None:
    slack.slash("/maintenance", "schedule van now for 1h Tyres")
    listing = dump(slack.slash("/resource", "list vehicle").json["blocks"])
    assert "under maintenance until" in listing and "MNT-1" in listing


def test_schedule_over_bookings_warns_and_tells_owners(slack: SlackApp) -> None:
    slack.slash("/resource", "book staging-1 tomorrow 09:00 for 3h", user="U_BOB")
    slack.slash("/resource", "book staging-1 tomorrow 13:00 for 1h", user="U_CAROL")
    resp = slack.slash("/maintenance", "schedule staging-1 tomorrow 10:00 for 1h DB upgrade")
    assert "overlaps 1 existing booking(s): BKG-1 (<@U_BOB>" in resp.text
    bob = posts_to(slack, "U_BOB")
    assert len(bob) == 1 and "overlaps your booking *BKG-1*" in bob[0].params["text"]
    assert posts_to(slack, "U_CAROL") == []


def test_list_show_cancel_and_done(slack: SlackApp) -> None:
    slack.slash("/maintenance", "schedule staging-2 tomorrow 22:00 for 2h every week Patching")
    slack.slash("/maintenance", "schedule room-b now for 1h Cleaning", user="U_BOB")
    listing = dump(slack.slash("/maintenance", "list").json["blocks"])
    assert listing.index("MNT-2") < listing.index("MNT-1"), "soonest first"
    assert "every week" in listing
    only = dump(slack.slash("/maintenance", "list staging-2").json["blocks"])
    assert "MNT-1" in only and "MNT-2" not in only
    show = dump(slack.slash("/maintenance", "show MNT-1").json["blocks"])
    assert "Patching" in show and "every week" in show and show.count("•") == 5
    refused = slack.slash("/maintenance", "done 1", user="U_ALICE")
    assert "not in progress" in refused.text
    assert "Only <@U_BOB>" in slack.slash("/maintenance", "cancel 2", user="U_CAROL").text
    assert "MNT-2 finished" in slack.slash("/maintenance", "done 2", user="U_BOB").text
    assert "BKG-1" in slack.slash("/resource", "book room-b now for 30m").text
    assert "Cancelled MNT-1" in slack.slash("/maintenance", "cancel MNT-1").text
    assert "already cancelled" in slack.slash("/maintenance", "cancel 1").text
    assert "No maintenance" in slack.slash("/maintenance", "list").text


def test_cancelling_maintenance_promotes_the_waiting_list(slack: SlackApp) -> None:
    slack.slash("/maintenance", "schedule room-a today 10:00 for 1h Painting")
    assert (
        "waiting list"
        in slack.slash("/resource", "wait room-a today 10:00 for 1h", user="U_BOB").text
    )
    slack.slash("/maintenance", "cancel 1")
    dm = [c for c in posts_to(slack, "U_BOB") if "freed up" in c.params["text"]]
    assert len(dm) == 1 and "BKG-1" in dm[0].params["text"]
    assert [c for c in posts_to(slack, "C_OPS") if "was cancelled" in c.params["text"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schedule room-z tomorrow 10:00 for 1h Fix", "Did you mean `room-b` or `room-a`?"),
        ("schedule room-a tomorrow 10:00 for 1h every fortnight Fix", "not every fortnight"),
        ("schedule room-a tomorrow 10:00 for 1h every", "not `every` alone"),
        ("schedule room-a tomorrow 10:00 to 09:00 Fix", "ends before it starts"),
        ("schedule room-a tomorrow 10:00 for 1h", "Say what the maintenance is for"),
        ("schedule room-a today 07:00 for 1h Fix", "did you mean tomorrow 7:00?"),
        ("schedule room-a tomorrow 10:00 for 25h every day Fix", "shorter than a day"),
        ("schedule room-a tomorrow 10:00 for 40d Fix", "at most 31d"),
        ("schedule room-a tomorrow 25:00 for 1h Fix", "25:00"),
        ("show 7", "There is no maintenance window MNT-7"),
        ("cancel BKG-1", "is not a maintenance window id"),
        ("reboot", "I don't know `reboot`"),
    ],
)
def test_bad_input_changes_nothing(slack: SlackApp, text: str, expected: str) -> None:
    resp = slack.slash("/maintenance", text)
    assert resp.status == 200 and expected in resp.text, resp.text
    slack.runtime.drain()
    with slack.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0
    assert not slack.stub.calls_to("chat.postMessage")


def test_help_lists_every_subcommand(slack: SlackApp) -> None:
    text = slack.slash("/maintenance", "help").text
    for sub in ("schedule", "list", "show", "cancel", "done"):
        assert f"/maintenance {sub}" in text
