"""Incident channels, follow-ups and postmortems end to end: signed requests over HTTP in, what
Slack's Web API would have received out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.config import Config
from bot.console import payloads
from tests.e2e import SlackApp
from tests.slack_stub import Call


@pytest.fixture
def create_channel() -> bool:
    return True


@pytest.fixture
def config(config: Config, create_channel: bool) -> Config:
    # No rotation, so "on call" is the admins whatever the date: the tests stay deterministic.
    incidents = config.incidents.model_copy(update={"create_channel": create_channel})
    return config.model_copy(update={"incidents": incidents, "rotations": []})


AFTER_ACK = ["incident_mitigate", "incident_update", "incident_resolve"]


def _buttons(call: Call) -> list[str]:
    return [
        e["action_id"] for blk in call.blocks if blk["type"] == "actions" for e in blk["elements"]
    ]


def _say(slack: SlackApp, text: str, user: str = "U_ALICE") -> str:
    resp = slack.slash("/incident", text, user=user)
    assert resp.status == 200
    slack.runtime.drain()  # what it queued has gone out
    return resp.text


def test_the_incident_channel_lives_with_the_incident(slack: SlackApp) -> None:
    _say(slack, "raise Payments API down sev2", user="U_CAROL")
    posts = slack.stub.calls_to("chat.postMessage")
    by_channel = {p.params["channel"]: p for p in posts}
    channel = slack.stub.calls_to("conversations.create")[0]
    incident_channel = "C_NEW_1"
    assert channel.params["name"] == "inc-1-payments-api-down"
    announcement = by_channel["C_INCIDENTS"]
    assert incident_channel in by_channel  # its status message
    assert f"<#{incident_channel}>" in json.dumps(announcement.blocks)

    slack.click_button(announcement, "incident_ack", user="U_BOB")
    slack.runtime.drain()
    edits = {c.params["channel"]: c for c in slack.stub.calls_to("chat.update")}
    assert set(edits) == {"C_INCIDENTS", incident_channel}
    status_ts = slack.stub.messages(incident_channel)[0]["ts"]
    assert edits[incident_channel].params["ts"] == status_ts, "the status message, edited"
    assert _buttons(edits[incident_channel]) == AFTER_ACK
    assert _buttons(edits["C_INCIDENTS"]) == AFTER_ACK

    _say(slack, "update 1 Failing over to the secondary", user="U_BOB")
    mirrored = [
        c.params["text"]
        for c in slack.stub.calls_to("chat.postMessage")
        if c.params["channel"] == incident_channel and not c.params.get("thread_ts")
    ]
    threaded = [
        c.params["text"]
        for c in slack.stub.calls_to("chat.postMessage")
        if c.params["channel"] == "C_INCIDENTS" and c.params.get("thread_ts")
    ]
    assert any("Failing over" in t for t in mirrored) and any("Failing over" in t for t in threaded)

    _say(slack, "assign 1 <@U_DAVE|dave>", user="U_BOB")
    invites = [c.params["users"] for c in slack.stub.calls_to("conversations.invite")]
    assert invites[-1] == "U_DAVE"

    _say(slack, "resolve 1 Failed over", user="U_DAVE")
    last = slack.stub.calls_to("chat.update")[-1]
    assert _buttons(last) == [] and "Failed over" in json.dumps(last.blocks)
    slack.runtime.clock.advance(timedelta(hours=23))
    slack.runtime.dispatcher.run_due()
    assert slack.stub.archived() == set()
    slack.runtime.clock.advance(timedelta(hours=1))
    slack.runtime.dispatcher.run_due()
    assert slack.stub.archived() == {incident_channel}
    [archive] = slack.stub.calls_to("conversations.archive")
    assert archive.params["channel"] == incident_channel
    announcement_edit = [
        c for c in slack.stub.calls_to("chat.update") if c.params["channel"] == "C_INCIDENTS"
    ][-1]
    assert "archived" in json.dumps(announcement_edit.blocks)

    # Reopened after the archive: the announcement and its thread carry on, the channel is left.
    before = len(slack.stub.calls_to("chat.postMessage"))
    _say(slack, "reopen 1", user="U_DAVE")
    _say(slack, "update 1 It is back", user="U_DAVE")
    later = slack.stub.calls_to("chat.postMessage")[before:]
    assert later and {c.params["channel"] for c in later} == {"C_INCIDENTS"}
    assert all(c.params.get("thread_ts") for c in later)


def test_archiving_twice_is_harmless(slack: SlackApp) -> None:
    messenger = slack.runtime.messenger
    messenger.archive("C_OLD")
    messenger.archive("C_OLD")  # Slack answers already_archived: nothing left to do
    assert slack.stub.archived() == {"C_OLD"}
    assert [c.method for c in slack.stub.calls_to("conversations.archive")] == [
        "conversations.archive",
        "conversations.archive",
    ]


def test_reopening_keeps_the_channel(slack: SlackApp) -> None:
    _say(slack, "raise Payments API down sev3", user="U_CAROL")
    _say(slack, "resolve 1")
    slack.runtime.clock.advance(timedelta(hours=12))
    _say(slack, "reopen 1")
    slack.runtime.clock.advance(timedelta(hours=13))
    slack.runtime.dispatcher.run_due()
    assert slack.stub.calls_to("conversations.archive") == []


def test_followups_by_command_on_home_and_marked_done(slack: SlackApp) -> None:
    _say(slack, "raise Payments API down sev3", user="U_CAROL")
    recorded = _say(slack, "followup 1 Alert on the payment error rate <@U_BOB|bob>")
    assert "Recorded *FUP-1* on INC-1 (<@U_BOB> owns it)" in recorded
    assert "No open follow-ups" not in _say(slack, "followups")
    mine = slack.slash("/incident", "followups mine", user="U_BOB")
    assert "Alert on the payment error rate" in json.dumps(mine.json)
    show = slack.slash("/incident", "show 1")
    assert "FUP-1" in json.dumps(show.json["blocks"])

    slack.event(payloads.app_home_opened_event("U_BOB"))
    view = slack.stub.wait_for("views.publish", 1)[0].json_param("view")
    assert "Your follow-ups" in json.dumps(view["blocks"])

    refused = _say(slack, "followup done 1", user="U_DAVE")
    assert "Only FUP-1's owner <@U_BOB>" in refused
    assert "is done" in _say(slack, "followup done FUP-1", user="U_BOB")
    assert "already done" in _say(slack, "followup done 1", user="U_BOB")
    assert "There is no follow-up FUP-7" in _say(slack, "followup done 7")
    assert "There is no incident INC-9" in _say(slack, "followup 9 Something")
    assert "Say what needs doing" in _say(slack, "followup 1")


@pytest.mark.parametrize("create_channel", [False])
def test_postmortem_is_uploaded_to_the_requesters_dm_after_the_reply(slack: SlackApp) -> None:
    _say(slack, "raise Payments API down sev2", user="U_CAROL")
    _say(slack, "ack 1", user="U_BOB")
    _say(slack, "resolve 1 Failed over", user="U_BOB")
    reply = _say(slack, "postmortem 1", user="U_CAROL")
    assert "shared in your DM as a Markdown file" in reply
    assert slack.stub.calls_to("files.getUploadURLExternal")
    assert slack.stub.calls_to("files.completeUploadExternal")
    [shared] = slack.stub.files()
    assert shared.channel_id == "DU_CAROL" and shared.filename == "postmortem-INC-1.md"
    doc = shared.content.decode()
    assert "# Postmortem: INC-1 · Payments API down" in doc and "## Timeline" in doc
    assert "Failed over" in doc


def test_postmortem_goes_to_the_incident_channel(slack: SlackApp) -> None:
    _say(slack, "raise Payments API down sev2", user="U_CAROL")
    assert "shared in <#C_NEW_1>" in _say(slack, "postmortem INC-1")
    [shared] = slack.stub.files()
    assert shared.channel_id == "C_NEW_1"
    assert "There is no incident INC-4" in _say(slack, "postmortem 4")
