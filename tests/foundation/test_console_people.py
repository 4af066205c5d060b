"""The console as a team sees it: each person's own time zone, the message shortcut, buttons only
their rightful person can press, emoji instead of shortcodes, and honest clock reports."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.console.plain import EMOJI, mrkdwn_to_text
from bot.console.shell import Console, build_console
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def console(settings: Settings, config: Config, engine) -> Iterator[Console]:
    # Tuesday 1 December 2026, 13:00 in Berlin, 07:00 in New York: no digest or hand-off is due.
    with freeze_time("2026-12-01 12:00:00", tick=True):
        yield build_console(settings, config, engine, io.StringIO())


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


# --- time zones ---------------------------------------------------------------------------------


def test_each_person_reads_and_sees_times_in_their_own_zone(console: Console) -> None:
    out = _run(console, "as @bob")
    assert "your time zone is America/New_York" in out and "07:00 EST" in out
    assert console.prompt() == "@bob #general (America/New_York)> "
    booked = _run(console, "/resource book room-a tomorrow 9am for 1h")
    assert "Tue 2026-12-01" not in booked and "Wed 2026-12-02 09:00 EST – 10:00 EST" in booked
    out = _run(console, "as @alice", "/resource bookings")
    assert "your time zone is Europe/Berlin (the team's)" in out
    assert "Wed 2026-12-02 15:00 CET – 16:00 CET · @bob" in out, "Bob's 9am is Alice's 15:00"
    assert console.prompt() == "@alice #general (Europe/Berlin)> "


def test_a_dm_shows_times_in_its_readers_zone(console: Console) -> None:
    out = _run(console, "/purchase request 120 EUR keyboard")
    dm = out.split("DM to @bob from @opsdesk:")[1]
    assert "Tue 2026-12-01 07:00 EST" in dm, "Bob reads his DM in New York time"
    assert "Tue 2026-12-01 13:00 CET" not in dm


def test_the_console_answers_users_info_with_each_persons_zone(console: Console) -> None:
    zones = {u: console.messenger.user_info(u).tz for u in ("U_ALICE", "U_BOB", "U_DAVE")}
    assert zones == {
        "U_ALICE": "Europe/Berlin",
        "U_BOB": "America/New_York",
        "U_DAVE": "Asia/Kolkata",
    }


def test_the_clock_reads_times_in_the_current_persons_zone(console: Console) -> None:
    out = _run(console, "as @bob", "clock tomorrow 9am")
    assert "(it is Wed 2026-12-02 09:00 EST)" in out


# --- the message shortcut -----------------------------------------------------------------------


def test_shortcut_on_a_message_you_write(console: Console) -> None:
    out = _run(console, "shortcut Checkout returns 500s for EU users")
    assert "[form: Raise an incident]" in out
    assert 'title: Title (now "Checkout returns 500s for EU users")' in out
    out = _run(console, "submit severity=sev2")
    assert "INC-1 · SEV2 · CHECKOUT RETURNS 500S FOR EU USERS" in out
    assert "Raised from a message in #general" in out


def test_shortcut_on_the_last_message_shown_here(console: Console) -> None:
    _run(console, "/incident raise Disk full sev2", "in #incidents")
    out = _run(console, "shortcut last")
    assert 'title: Title (now "🟠 INC-1 · SEV2 · Disk full (Open)")' in out
    out = _run(console, 'submit title="Follow-up on the disk"')
    assert "INC-2 · SEV3 · FOLLOW-UP ON THE DISK" in out and "from a message by" in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("shortcut", "`shortcut <its text>` or `shortcut last`"),
        ("shortcut last", "No message has been shown in #general yet"),
    ],
)
def test_shortcut_without_a_message_says_how(console: Console, line: str, expected: str) -> None:
    out = _run(console, line)
    assert expected in out and "[form:" not in out


# --- who may press what -------------------------------------------------------------------------


def test_a_button_in_someone_elses_dm_cannot_be_pressed(console: Console) -> None:
    out = _run(console, "/purchase request 120 EUR keyboard")
    assert "[1: Approve]  [2: Reject]" in out.split("DM to @bob")[1]
    refused = _run(console, "click Approve", "click 1")
    assert "No 'Approve' button that @alice can see: the last one is in @bob's DM" in refused
    assert "Button 1 is in @bob's DM: only @bob can press it (`as @bob` first)." in refused
    assert "Approved" not in refused
    out = _run(console, "as @bob", "click Approve")
    assert "DM to @alice from @opsdesk:" in out and "✅ *Approved* by @bob." in out


def test_label_clicks_pick_the_latest_button_you_can_see(console: Console) -> None:
    _run(console, "/incident raise Disk full sev2")  # Acknowledge in #incidents: anyone sees it
    _run(console, "/purchase request 90 EUR mouse", "as @bob")
    out = _run(console, "click Acknowledge")
    assert "Commander* @bob" in out, "a channel's buttons are everyone's"


def test_a_button_on_someone_elses_home_cannot_be_pressed(console: Console) -> None:
    _run(console, "/incident raise Disk full sev2", "home")
    home = [i for i, b in enumerate(console.messenger.buttons, 1) if b.view is not None]
    assert home, "Alice's Home has buttons"
    refused = _run(console, "as @bob", f"click {home[-1]}")
    assert f"Button {home[-1]} is on @alice's App Home: only @alice can press it" in refused
    # By label, Bob gets the latest one he can see: the announcement's, not Alice's Home's.
    out = _run(console, "click Post update")
    assert "[form: " in out
    assert console.messenger.modal_owner == "U_BOB"


def test_a_form_is_submitted_by_whoever_opened_it(console: Console) -> None:
    _run(console, "/incident")
    out = _run(console, "as @bob", "submit title=x")
    assert "The open form is @alice's: `as @alice` to fill it in." in out
    assert "INC-1" not in out


# --- emoji ----------------------------------------------------------------------------------------


def test_shortcodes_are_shown_as_emoji(console: Console) -> None:
    out = _run(console, "/purchase request 120 EUR keyboard")
    assert "🧾 Requested *PUR-1*" in out and ":receipt:" not in out


def test_every_shortcode_the_app_uses_has_its_emoji() -> None:
    used = set()
    for top in ("bot", "handlers"):
        for path in (ROOT / top).rglob("*.py"):
            # Not dedupe keys such as f"incident:{id}:remind:{n}", which join words with colons.
            found = re.findall(r"(?<![\w:}>])(:[a-z0-9_+-]+:)(?![\w:{<])", path.read_text())
            used |= set(found)
    assert used, "the scan finds the shortcodes"
    assert sorted(used - set(EMOJI)) == []


def test_unknown_shortcodes_stay_as_typed() -> None:
    assert mrkdwn_to_text(":party_parrot: :tada:") == ":party_parrot: 🎉"


# --- the clock's report -------------------------------------------------------------------------


def test_the_clock_counts_the_messages_it_showed(console: Console) -> None:
    _run(console, "/resource book room-b now for 30m")
    out = _run(console, "clock +1h")
    # The end reminder is shown; the booking's end runs too but says nothing.
    assert out.count("@opsdesk:") == 1
    assert "(clock moved; 1 scheduled message went out)" in out
