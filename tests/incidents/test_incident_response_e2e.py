"""Incident response end to end: over HTTP (signed requests, the Slack stand-in) and through
the console. Pages arrive as DMs with an Acknowledge button that stops the escalation."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.console.shell import Console, build_console
from bot.settings import Settings
from tests.e2e import SlackApp
from tests.incidents.escalation_helpers import utc

START = "2026-12-01 09:00:00"  # U_ALICE is on call in the example's primary rotation


def _pages(slack: SlackApp) -> list:
    return [
        c
        for c in slack.stub.calls_to("chat.postMessage")
        if "You are paged" in str(c.blocks) and c.params["channel"].startswith("U_")
    ]


def _shown(resp) -> str:
    return json.dumps(resp.json.get("blocks", []), ensure_ascii=False)


def _sweep(slack: SlackApp, frozen, minutes: float) -> None:
    frozen.move_to(utc(START) + timedelta(minutes=minutes))
    slack.runtime.dispatcher.run_due()


def test_a_page_dm_acknowledged_by_its_button_stops_the_escalation(slack: SlackApp) -> None:
    with freeze_time(START) as frozen:
        slack.slash("/incident", "raise Checkout is failing sev1")
        slack.runtime.drain()
        _sweep(slack, frozen, 5)
        (page,) = _pages(slack)
        assert page.params["channel"] == "U_ALICE"
        assert "has not been acknowledged after 5m" in page.params["text"]
        assert slack.click_button(page, "incident_ack", user="U_ALICE").status == 200
        slack.runtime.drain()
        assert "Acknowledged" in str(slack.stub.wait_for("chat.update", 1)[-1].blocks)
        _sweep(slack, frozen, 120)
        assert len(_pages(slack)) == 1, "no repeat after the acknowledgement"
        show = _shown(slack.slash("/incident", "show 1"))
    assert "Paged <@U_ALICE> (step 1)" in show


def test_the_ack_command_stops_the_repeats(slack: SlackApp) -> None:
    with freeze_time(START) as frozen:
        slack.slash("/incident", "raise Search is down sev2")
        slack.runtime.drain()
        _sweep(slack, frozen, 5)
        _sweep(slack, frozen, 20)
        assert len(_pages(slack)) == 2, "the default policy repeats every 15m"
        slack.slash("/incident", "ack 1", user="U_BOB")
        slack.runtime.drain()
        _sweep(slack, frozen, 35)
        _sweep(slack, frozen, 120)
    assert len(_pages(slack)) == 2


def test_mitigate_by_button_and_by_command(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev3")
    slack.slash("/incident", "raise Queue stuck sev3")
    posts = slack.stub.wait_for("chat.postMessage", 2)
    first = next(p for p in posts if "Disk full" in p.params["text"])
    assert slack.click_button(first, "incident_mitigate", user="U_BOB").status == 200
    updates = slack.stub.wait_for("chat.update", 1)
    assert "Mitigated" in str(updates[-1].blocks)
    assert "incident_mitigate" not in str(updates[-1].blocks)
    resp = slack.slash("/incident", "mitigate 2 Drained the <b>queue</b>")
    assert "INC-2 is mitigated" in resp.text
    again = slack.slash("/incident", "mitigate 2")
    assert "INC-2 is already mitigated" in again.text
    show = _shown(slack.slash("/incident", "show 2"))
    assert "mitigated INC-2. Drained the &lt;b&gt;queue&lt;/b&gt;" in show
    stats = slack.slash("/incident", "stats").text
    assert "*Time to mitigate*: median 0s, p90 0s over 2 mitigated" in stats


def test_roles_and_pages_by_command(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Payments slow sev3")
    resp = slack.slash("/incident", "role 1 comms <@U_CAROL|carol>")
    assert "<@U_CAROL> is now the comms of INC-1" in resp.text
    resp = slack.slash("/incident", "role INC-1 Scribe <@U_DAVE|dave>")
    assert "<@U_DAVE> is now the scribe of INC-1" in resp.text
    resp = slack.slash("/incident", "page 1 <@U_BOB|bob>")
    assert "Paging <@U_BOB> for INC-1" in resp.text
    slack.runtime.drain()
    dm = next(c for c in _pages(slack) if c.params["channel"] == "U_BOB")
    assert "incident_ack" in str(dm.blocks) and "You are paged (by <@U_ALICE>)" in str(dm.blocks)
    show = _shown(slack.slash("/incident", "show 1"))
    for expected in ("*Comms*\\n<@U_CAROL>", "made <@U_DAVE> the scribe", "paged <@U_BOB>"):
        assert expected in show


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("page 9 <@U_BOB|bob>", "There is no incident INC-9"),
        ("page 1 rotation:nightly", "There is no rotation called nightly"),
        ("page 1 bob", "`bob` is neither a person nor a rotation"),
        ("page 1 rotation:", "Name the rotation"),
        ("page 1", "`target` is missing"),
        ("role 1 chef <@U_BOB|bob>", "`chef` is not a valid role"),
        ("role 1 comms bob", "`bob` is not a person"),
        ("mitigate 9", "There is no incident INC-9"),
        ("mitigate", "`id` is missing"),
    ],
)
def test_user_errors(slack: SlackApp, text: str, expected: str) -> None:
    slack.slash("/incident", "raise Payments slow sev3")
    resp = slack.slash("/incident", text)
    assert expected in resp.text, resp.text


def test_page_errors_for_a_resolved_incident_and_an_empty_rotation(slack: SlackApp) -> None:
    with freeze_time("2026-11-25 10:00:00"):  # before the primary rotation's first shift
        slack.slash("/incident", "raise Payments slow sev3")
        resp = slack.slash("/incident", "page 1 rotation:primary")
        assert "Nobody is on call in primary right now" in resp.text
        slack.slash("/incident", "resolve 1")
        resp = slack.slash("/incident", "page 1 <@U_BOB|bob>")
        assert "INC-1 is resolved: there is nobody to page" in resp.text


def test_help_shows_the_new_subcommands(slack: SlackApp) -> None:
    text = slack.slash("/incident", "help").text.replace("&lt;", "<").replace("&gt;", ">")
    for usage in (
        "mitigate <id> [note]",
        "role <id> commander|comms|scribe @user",
        "page <id> @user|rotation:<name>",
    ):
        assert usage in text


# --- the console --------------------------------------------------------------------------------


@pytest.fixture
def console(settings: Settings, config: Config, engine) -> Console:
    return build_console(settings, config, engine, io.StringIO())


def _run(console: Console, *lines: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.run_lines(list(lines))
    return out.getvalue()[start:]


def test_console_page_ack_mitigate_and_roles(console: Console) -> None:
    with freeze_time("2026-12-01 12:00:00", tick=True):
        _run(console, "/incident raise DB down sev1")
        out = _run(console, "clock +5m")
        assert "DM to @alice from @opsdesk" in out and "You are paged (step 1)" in out
        out = _run(console, "click 5")  # the DM's Acknowledge
        assert "You acknowledged INC-1" in out
        out = _run(console, "clock +1h")
        assert "You are paged" not in out
        out = _run(console, "/incident role 1 comms @carol", "/incident page 1 @bob")
        assert "@carol is now the comms of INC-1" in out and "DM to @bob" in out
        out = _run(console, "/incident mitigate 1 Failed over", "/incident show 1")
        assert "*Mitigated*" in out and "Paged @alice (step 1)" in out
        assert "@alice paged @bob" in out and "*Comms* @carol" in out
        out = _run(console, "/incident page 1 rotation:nope", "/incident help")
        assert "There is no rotation called nope (rotations: primary)" in out
        assert "mitigate <id> [note]" in out or "mitigate &lt;id&gt;" in out


def test_acknowledging_from_home_stops_the_escalation(slack: SlackApp) -> None:
    with freeze_time(START) as frozen:
        slack.slash("/incident", "raise Checkout is failing sev1", user="U_CAROL")
        slack.runtime.drain()
        slack.event({"type": "app_home_opened", "user": "U_CAROL", "tab": "home"})
        slack.runtime.drain()
        home = slack.stub.wait_for("views.publish", 1)[-1].json_param("view")
        (ack,) = [
            e
            for blk in home["blocks"]
            for e in blk.get("elements", [])
            if e.get("action_id") == "incident_ack"
        ]
        slack.click("incident_ack", ack["value"], user="U_CAROL", channel=None, view=home)
        slack.runtime.drain()
        _sweep(slack, frozen, 120)
        show = _shown(slack.slash("/incident", "show 1"))
    assert "<@U_CAROL> acknowledged INC-1" in show
    assert _pages(slack) == []
