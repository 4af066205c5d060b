"""/shift and `who is on call` end to end: signed requests in, what Slack would receive out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.console.plain import blocks_to_text
from storage.models import AuditEvent
from storage.shifts import ShiftOverride
from tests.e2e import SlackApp

# Wed 2026-12-02 12:00 Berlin: week 1 of the example rotation (U_ALICE, then U_BOB, U_CAROL).
NOW = "2026-12-02 11:00:00"


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _shown(resp) -> str:
    """Text and blocks of a reply, as a reader would see them."""
    from bot.console.plain import mrkdwn_to_text

    return mrkdwn_to_text(resp.text + "\n" + json.dumps(resp.json.get("blocks", [])))


def _counts(slack: SlackApp) -> tuple[int, int]:
    with slack.runtime.sessions() as s:
        overrides = s.scalar(select(func.count()).select_from(ShiftOverride)) or 0
        audits = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return overrides, audits


def test_now_and_mention_say_who_and_until_when(slack: SlackApp, frozen) -> None:
    slack.stub.set_user("U_BOB", tz="America/New_York")
    resp = slack.slash("/shift", "now", user="U_BOB")
    assert resp.status == 200 and resp.json["response_type"] == "ephemeral"
    shown = resp.shown
    assert "*primary*: <@U_ALICE> is on call until" in resp.text
    # In the reader's zone: 09:00 Berlin on Mon 2026-12-07 is 03:00 in New York.
    assert "Mon 2026-12-07 03:00 EST" in shown and "SHF-1" in shown
    assert slack.slash("/shift", "").text == slack.slash("/shift", "now primary").text
    slack.mention("who is on call?", channel="C_OPS")
    reply = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert reply.params["channel"] == "C_OPS" and "<@U_ALICE> is on call" in reply.params["text"]
    slack.mention("who's on-call primary", channel="C_OPS")
    assert "<@U_ALICE>" in slack.stub.wait_for("chat.postMessage", 2)[1].params["text"]


def test_next_lists_who_comes_on_call(slack: SlackApp, frozen) -> None:
    resp = slack.slash("/shift", "next")
    lines = [line for line in resp.shown.splitlines() if line.startswith("•")]
    assert len(lines) == 3
    assert "<@U_BOB>" in resp.text.split("•")[1] and "Mon 2026-12-07 08:00 UTC" in lines[0]
    assert "<@U_CAROL>" in resp.text.split("•")[2] and "Mon 2026-12-14 08:00 UTC" in lines[1]
    assert "until Mon 2026-12-14 08:00 UTC" in lines[0]  # each with until when


def test_list_shows_ids_and_overrides(slack: SlackApp, frozen) -> None:
    resp = slack.slash("/shift", "list days 14")
    body = _shown(resp)
    for ref in ("SHF-1", "SHF-2", "SHF-3"):
        assert f"`{ref}`" in body
    assert "Shifts, the next 14 days" in body
    assert "SHF-4" not in body
    slack.slash("/shift", "add <@U_CAROL|carol> tomorrow 9am for 4h", user="U_BOB")
    listed = _shown(slack.slash("/shift", "list primary days 2"))
    assert "<@U_CAROL> _(override, by <@U_BOB>)_" in json.dumps(
        slack.slash("/shift", "list primary days 2").json["blocks"]
    )
    assert "Thu 2026-12-03 09:00" in listed


def test_list_shows_each_shifts_real_start_and_end(slack: SlackApp, frozen) -> None:
    # Now is Wed 2026-12-02 11:00 UTC, inside SHF-1 (Mon 30 Nov 09:00 - Mon 7 Dec 09:00 Berlin).
    listed = blocks_to_text(slack.slash("/shift", "list primary days 7").json["blocks"])[0]
    assert "Mon 2026-11-30 08:00 UTC – Mon 2026-12-07 08:00 UTC" in listed, listed
    assert "Mon 2026-12-07 08:00 UTC – Mon 2026-12-14 08:00 UTC" in listed, listed
    assert "2026-12-02 11:00" not in listed and "2026-12-09 11:00" not in listed
    # An override under way shows whole too, not cut at now or at the window's end.
    slack.slash("/shift", "add <@U_CAROL|carol> 2026-12-01 10:00 to 2026-12-03 10:00", user="U_BOB")
    listed = blocks_to_text(slack.slash("/shift", "list primary days 1").json["blocks"])[0]
    assert "Tue 2026-12-01 10:00 UTC – Thu 2026-12-03 10:00 UTC" in listed, listed


def test_add_override_now_is_announced_in_the_rotation_channel(slack: SlackApp, frozen) -> None:
    resp = slack.slash("/shift", "add <@U_BOB|bob> now for 2h", user="U_BOB")
    assert "<@U_BOB> is on call for *primary*" in resp.text
    post = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert post.params["channel"] == "C_ONCALL"
    text = post.params["text"]
    assert "<@U_BOB> is now on call (override)" in text and "Handed over by <@U_ALICE>" in text
    assert slack.slash("/shift", "now").text.startswith(":telephone_receiver: *primary*: <@U_BOB>")
    assert _counts(slack) == (1, 2)  # the override and the hand-off, each audited


def test_swap_gives_a_shift_to_someone_else(slack: SlackApp, frozen) -> None:
    slack.slash("/shift", "list")  # the ids people see
    resp = slack.slash("/shift", "swap SHF-2 <@U_CAROL|carol>", user="U_BOB")
    assert "I asked <@U_CAROL> to take SHF-2" in resp.text  # a member's swap asks first
    assert _counts(slack) == (0, 1)
    ask = next(
        c for c in slack.stub.wait_for("chat.postMessage") if c.params["channel"] == "U_CAROL"
    )
    slack.click_button(ask, "shift_swap_accept", user="U_CAROL")
    nxt = slack.slash("/shift", "next")
    assert "<@U_CAROL> _(swapped, by <@U_BOB>)_" in nxt.text
    assert _counts(slack) == (1, 3)  # the request, the override, the acceptance


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add <@U_BOB|bob> tomorrow 10:00 to 09:00", "ends before it starts"),
        ("add <@U_BOB|bob> tomorrow 9am for 1h nosuch", "no rotation called `nosuch`"),
        ("add <@U_ZED|zed> tomorrow 9am for 1h", "<@U_ZED> is not in the primary rotation"),
        ("add @bob tomorrow 9am for 1h", "is not a person"),
        ("add <@U_BOB|bob>", "Say when"),
        ("add <@U_BOB|bob> 2020-01-01 09:00 for 1h", "already over"),
        ("swap 99 <@U_BOB|bob>", "There is no shift SHF-99"),
        ("swap INC-1 <@U_BOB|bob>", "is not a shift id"),
        ("now nosuch", "There is no rotation called `nosuch`"),
        ("list days 99", "`days` is from 1 to 31"),
        ("list days", "`days` needs a number"),
        ("explode", "I don't know `explode`"),
    ],
)
def test_bad_input_is_answered_clearly_and_changes_nothing(
    slack: SlackApp, frozen, text: str, expected: str
) -> None:
    resp = slack.slash("/shift", text)
    assert resp.status == 200 and expected in resp.text, resp.text
    assert _counts(slack) == (0, 0)
    slack.runtime.drain()  # whatever was queued after the response has been sent by now
    assert slack.stub.calls_to("chat.postMessage") == []


def test_someone_outside_the_rotation_may_not_override(slack: SlackApp, frozen) -> None:
    resp = slack.slash("/shift", "add <@U_BOB|bob> tomorrow 9am for 1h", user="U_DAVE")
    assert "Only members of the primary rotation and admins" in resp.text
    assert _counts(slack) == (0, 0)


def test_help_lists_every_subcommand(slack: SlackApp) -> None:
    text = slack.slash("/shift", "help").text
    for usage in ("now [rotation]", "next [rotation]", "list [rotation] [days N]", "add @user"):
        assert usage in text.replace("&lt;", "<").replace("&gt;", ">")
    assert "swap &lt;id&gt; @user" in text
    for usage in (
        "away &lt;from&gt; &lt;to|for&gt; [@user]",
        "away list",
        "away cancel &lt;id&gt;",
    ):
        assert usage in text


def test_before_the_first_handoff_nobody_is_on_call_yet(slack: SlackApp) -> None:
    with freeze_time("2026-11-25 10:00:00"):
        text = slack.slash("/shift", "now").text
    assert "*primary*: nobody yet; it starts" in text and "<@U_ALICE>" in text


def test_an_override_outside_any_shift_has_no_stray_shift_suffix(slack: SlackApp) -> None:
    with freeze_time("2026-11-25 10:00:00"):  # before the rotation's first hand-off
        slack.slash("/shift", "add <@U_BOB|bob> now for 2h", user="U_BOB")
        slack.runtime.drain()  # the hand-off announcement in C_ONCALL
        slack.mention("who is on call?", channel="C_OPS")
        posts = slack.stub.wait_for("chat.postMessage", 2)
        text = next(p.params["text"] for p in posts if p.params["channel"] == "C_OPS")
        nxt = slack.slash("/shift", "next").text
    assert "<@U_BOB> _(override, by <@U_BOB>)_ is on call until" in text, text
    assert "—" not in text and not text.rstrip().endswith("·"), text
    assert "—" not in nxt, nxt


def test_a_long_list_stays_within_slack_limits(slack: SlackApp, frozen) -> None:
    from tests.shifts.helpers import rotation

    slack.runtime.config = slack.runtime.config.model_copy(
        update={"rotations": [rotation("ops", length="12h"), rotation("db", length="1h")]}
    )
    resp = slack.slash("/shift", "list days 31")
    blocks = resp.json["blocks"]
    assert len(blocks) <= 50
    assert all(len(blk.get("text", {}).get("text", "")) <= 3000 for blk in blocks)
    text = json.dumps(blocks)
    assert "*ops*" in text and "*db*" in text and "more; ask for fewer days" in text
    sections = [blk["text"]["text"] for blk in blocks if blk["type"] == "section"]
    assert all(s.count("<") == s.count(">") for s in sections)  # no token cut in half


def test_shift_ids_are_numbered_in_the_shifts_order(slack: SlackApp, frozen) -> None:
    """Alice covering Bob's week makes "now" number her run and the shifts after it first;
    the list still reads SHF-1, SHF-2, SHF-3... in order."""
    # Bob's week, 09:00 to 09:00 Berlin, typed in Alice's zone (UTC).
    cover = slack.slash("/shift", "add <@U_ALICE|alice> 2026-12-07 08:00 to 2026-12-14 08:00")
    assert cover.status == 200 and "Traceback" not in cover.text
    assert "SHF-1" in slack.slash("/shift", "now").shown
    shown = _shown(slack.slash("/shift", "list days 30"))
    ids = [int(n) for n in dict.fromkeys(re.findall(r"SHF-(\d+)", shown))]
    assert ids == [1, 2, 3, 4, 5], shown
