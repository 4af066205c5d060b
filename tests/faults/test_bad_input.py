"""Bad input gets a clear answer or an empty ack: never a 500, a traceback, or a stuck request.

Each request here is signed with the real secret, as Slack (or someone holding the secret)
would send it, except the ones whose signature headers are themselves malformed.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.console import payloads
from storage.incidents import Incident
from tests.e2e import SlackApp

pytestmark = pytest.mark.faults

FORM = "application/x-www-form-urlencoded"


def _titles(slack: SlackApp) -> list[str]:
    with slack.runtime.sessions() as s:
        return list(s.scalars(select(Incident.title)))


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def _assert_no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("dirt", ["\x00", "\x07\x1b[31m", "\x7f", "\u0085"])
def test_control_characters_in_a_command_are_stripped(
    slack: SlackApp, dirt: str, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    resp = slack.slash("/incident", f"raise Printer{dirt} on fire sev3")
    assert resp.status == 200
    assert "INC-1" in resp.text and "went wrong" not in resp.text
    assert _titles(slack) == ["Printer on fire"] or _titles(slack) == ["Printer[31m on fire"]
    _assert_no_tracebacks(no_tracebacks)


def test_a_nul_in_a_mention_and_a_form_is_stripped(slack: SlackApp) -> None:
    slack.mention("incident Disk\x00 full sev2")
    resp = slack.submit(
        "incident_raise", {"title": "Network\x00 down", "severity": "sev2", "description": "\x00"}
    )
    assert resp.status == 200
    slack.runtime.drain()
    assert sorted(_titles(slack)) == ["Disk full", "Network down"]


@pytest.mark.parametrize("stamp", ["", "abc", "12.5", " ", "1e9"])
def test_a_malformed_timestamp_header_is_401(
    slack: SlackApp, stamp: str, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    body, ctype = payloads.slash_command("/incident", "list", user_id="U_ALICE")
    resp = slack.post(body, ctype, headers={"X-Slack-Request-Timestamp": stamp})
    assert resp.status == 401
    _assert_no_tracebacks(no_tracebacks)


MALFORMED = {
    "payload is not JSON": urlencode({"payload": "{not json"}),
    "payload is a list": urlencode({"payload": "[1, 2]"}),
    "payload is a string": urlencode({"payload": '"hello"'}),
    "no actions": urlencode(
        {"payload": json.dumps({"type": "block_actions", "user": {"id": "U_ALICE"}, "actions": []})}
    ),
    "actions is null": urlencode(
        {"payload": json.dumps({"type": "block_actions", "user": {"id": "U_A"}, "actions": None})}
    ),
    "no user": urlencode(
        {
            "payload": json.dumps(
                {"type": "block_actions", "actions": [{"action_id": "incident_ack", "value": "1"}]}
            )
        }
    ),
    "view is null": urlencode({"payload": json.dumps({"type": "view_submission", "view": None})}),
    "a command without a user": urlencode({"command": "/incident", "text": "list"}),
}


@pytest.mark.parametrize("body", list(MALFORMED.values()), ids=list(MALFORMED))
def test_signed_malformed_interactions_get_an_empty_ack(
    slack: SlackApp, body: str, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    resp = slack.post(body, FORM)
    assert resp.status == 200
    assert b"Traceback" not in resp.raw and b"went wrong" not in resp.raw
    _assert_no_tracebacks(no_tracebacks)


EVENTS = {
    "event is null": {"type": "event_callback", "event_id": "EvNULL", "event": None},
    "event is a list": {"type": "event_callback", "event_id": "EvLIST", "event": []},
    "event has no type": {"type": "event_callback", "event_id": "EvNOTYPE", "event": {}},
    "mention without text": {
        "type": "event_callback",
        "event_id": "EvNOTEXT",
        "event": {"type": "app_mention", "user": "U_ALICE", "channel": "C_GENERAL", "text": None},
    },
}


@pytest.mark.parametrize("envelope", list(EVENTS.values()), ids=list(EVENTS))
def test_signed_malformed_events_get_an_empty_ack(
    slack: SlackApp, envelope: dict[str, object], no_tracebacks: pytest.LogCaptureFixture
) -> None:
    resp = slack.post(json.dumps({"team_id": "T_OPSDESK", **envelope}), "application/json")
    assert resp.status == 200
    _assert_no_tracebacks(no_tracebacks)


def test_a_body_that_is_not_json_at_all_is_an_empty_ack(slack: SlackApp) -> None:
    assert slack.post("{broken", "application/json").status == 200


def test_unsigned_garbage_is_still_401(slack: SlackApp) -> None:
    resp = slack.post(urlencode({"payload": "{not json"}), FORM, secret="wrong")
    assert resp.status == 401


def test_a_twenty_digit_id_is_not_found(
    slack: SlackApp, no_tracebacks: pytest.LogCaptureFixture
) -> None:
    shown = slack.slash("/incident", "show INC-99999999999999999999")
    assert "There is no" in shown.text and "went wrong" not in shown.text
    within = slack.slash("/incident", "show 9223372036854775807")
    assert "There is no incident" in within.text
    clicked = slack.click("incident_ack", "99999999999999999999")
    assert clicked.status == 200
    slack.runtime.drain()
    [note] = slack.stub.calls_to("chat.postEphemeral")
    assert "no longer points at an incident" in note.params["text"]
    _assert_no_tracebacks(no_tracebacks)


def test_a_lone_surrogate_in_a_json_event_is_stripped(slack: SlackApp) -> None:
    event = payloads.app_mention_event(
        "incident Fans \ud800loud sev3", user_id="U_ALICE", channel_id="C_GENERAL"
    )
    body = json.dumps({"type": "event_callback", "event_id": "EvSURR", "event": event})
    assert "\\ud800" in body  # as Slack would escape it
    assert slack.post(body, "application/json").status == 200
    slack.runtime.drain()
    assert _titles(slack) == ["Fans loud"]


def test_slacks_certificate_check_still_gets_its_200(slack: SlackApp) -> None:
    body = urlencode({"ssl_check": "1", "token": "legacy-verification-token"})
    assert slack.post(body, FORM, headers={"X-Slack-Request-Timestamp": ""}).status == 200
