"""Every App Home button, pressed on the Home tab of someone who is in none of the channels.

Clicks from the Home tab carry no channel, so answers go by DM; here an ephemeral note could not
even be delivered (the stand-in answers `user_not_in_channel`), as for a person who never joined
#incidents. Each button must still do its work, answer its presser and refresh their Home.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from freezegun import freeze_time

from bot.console import payloads
from tests.e2e import SlackApp

NOW = "2026-12-01 12:00:00"  # Tuesday, 13:00 in Berlin


@pytest.fixture(autouse=True)
def outsider(slack: SlackApp) -> Iterator[None]:
    with freeze_time(NOW, tick=True):
        slack.stub.respond_with("chat.postEphemeral", {"ok": False, "error": "user_not_in_channel"})
        yield


def _home(slack: SlackApp, user: str) -> dict[str, Any]:
    """Open ``user``'s Home and return the view Slack was asked to publish."""
    before = len(slack.stub.calls_to("views.publish"))
    slack.event(payloads.app_home_opened_event(user))
    call = slack.stub.wait_for("views.publish", before + 1)[-1]
    assert call.params["user_id"] == user
    return {"type": "home", **call.json_param("view")}


def _buttons(view: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for block in view["blocks"]:
        for el in [*block.get("elements", []), block.get("accessory") or {}]:
            if el.get("type") == "button":
                found.setdefault(el["action_id"], []).append(el)
    return found


def _press(slack: SlackApp, user: str, action_id: str) -> dict[str, Any]:
    """Press ``action_id`` on ``user``'s Home, as Slack sends it: no channel, the Home view."""
    view = _home(slack, user)
    (button,) = _buttons(view)[action_id]
    published = len(slack.stub.calls_to("views.publish"))
    resp = slack.click(action_id, button["value"], user=user, channel=None, view=view)
    assert resp.status == 200
    refreshed = slack.stub.wait_for("views.publish", published + 1)[-1]
    assert refreshed.params["user_id"] == user, "the presser's Home is shown as it is now"
    return button


def _form(slack: SlackApp, callback_id: str) -> dict[str, Any]:
    view = slack.stub.wait_for("views.open", 1)[-1].json_param("view")
    assert view["callback_id"] == callback_id
    assert json.loads(view["private_metadata"])["home"] is True
    return view


def _submit(slack: SlackApp, form: dict[str, Any], user: str, state: dict[str, Any]) -> None:
    body, ctype = payloads.view_submission(
        form["callback_id"],
        state,
        user_id=user,
        private_metadata=form["private_metadata"],
        blocks=form["blocks"],
    )
    resp = slack.post(body, ctype)
    assert resp.status == 200 and not resp.raw.strip().startswith(b'{"response_action"'), resp.raw


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def _dms(slack: SlackApp, user: str) -> list[str]:
    slack.runtime.drain()
    return [
        c.params.get("text", "")
        for c in slack.stub.calls_to("chat.postMessage")
        if c.params.get("channel") == user
    ]


Scenario = Callable[[SlackApp], str]  # does the pressing; returns what the presser must be told


def _ack(slack: SlackApp) -> str:
    slack.slash("/incident", "raise Disk full sev2", user="U_CAROL")
    _press(slack, "U_CAROL", "incident_ack")
    return "You acknowledged INC-1"


def _mitigate(slack: SlackApp) -> str:
    slack.slash("/incident", "raise Disk full sev2", user="U_CAROL")
    _press(slack, "U_CAROL", "incident_mitigate")
    return "INC-1 is mitigated"


def _resolve(slack: SlackApp) -> str:
    slack.slash("/incident", "raise Disk full sev2", user="U_CAROL")
    _press(slack, "U_CAROL", "incident_resolve")
    return "INC-1 is resolved"


def _update(slack: SlackApp) -> str:
    slack.slash("/incident", "raise Disk full sev2", user="U_CAROL")
    _press(slack, "U_CAROL", "incident_update")
    _submit(slack, _form(slack, "incident_update"), "U_CAROL", {"text": _text("Freed 20 GB")})
    return "Update posted to INC-1"


def _approve(slack: SlackApp) -> str:
    slack.slash("/purchase", "request 120 EUR keyboard", user="U_ALICE")
    _press(slack, "U_BOB", "purchase_approve")
    return "approved"


def _reject(slack: SlackApp) -> str:
    slack.slash("/purchase", "request 120 EUR keyboard", user="U_ALICE")
    _press(slack, "U_BOB", "purchase_reject")
    _submit(slack, _form(slack, "purchase_reject"), "U_BOB", {"reason": _text("We have spares")})
    return "rejected"


def _extend(slack: SlackApp) -> str:
    slack.slash("/resource", "book room-a tomorrow 9am for 1h", user="U_CAROL")
    _press(slack, "U_CAROL", "booking_extend")
    return "BKG-1 now ends"


def _release(slack: SlackApp) -> str:
    slack.slash("/resource", "book room-a tomorrow 9am for 1h", user="U_CAROL")
    _press(slack, "U_CAROL", "booking_release")
    return "Released BKG-1"


def _swap(slack: SlackApp) -> str:
    _press(slack, "U_CAROL", "shift_swap")
    form = _form(slack, "shift_swap")
    assert "now with <@U_CAROL>" in json.dumps(form["blocks"])
    state = {"user": {"value": {"type": "users_select", "selected_user": "U_BOB"}}}
    _submit(slack, form, "U_CAROL", state)
    return "I asked <@U_BOB> to take SHF-"  # a member's swap asks first


SCENARIOS: dict[str, Scenario] = {
    "incident_ack": _ack,
    "incident_mitigate": _mitigate,
    "incident_resolve": _resolve,
    "incident_update": _update,
    "purchase_approve": _approve,
    "purchase_reject": _reject,
    "booking_extend": _extend,
    "booking_release": _release,
    "shift_swap": _swap,
}


@pytest.mark.parametrize("action_id", list(SCENARIOS))
def test_every_home_button_works_for_someone_in_no_channel(slack: SlackApp, action_id: str) -> None:
    presser = "U_BOB" if action_id.startswith("purchase") else "U_CAROL"
    told = SCENARIOS[action_id](slack)
    dms = _dms(slack, presser)
    assert any(told.lower() in t.lower() for t in dms), (told, dms)
    assert not [c for c in slack.stub.calls_to("chat.postEphemeral") if c.params["user"] == presser]


def test_every_home_button_is_covered(slack: SlackApp) -> None:
    """A Home with something in every section: each of its buttons has a scenario above."""
    slack.slash("/purchase", "request 120 EUR keyboard", user="U_ALICE")  # waits on Bob
    slack.slash("/incident", "raise Disk full sev2", user="U_BOB")
    slack.slash("/resource", "book room-a tomorrow 9am for 1h", user="U_BOB")
    shown = set(_buttons(_home(slack, "U_BOB")))
    assert shown == set(SCENARIOS)


def test_open_incidents_on_home_can_be_acknowledged_and_resolved(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev2", user="U_CAROL")
    buttons = _buttons(_home(slack, "U_CAROL"))
    assert [b["value"] for b in buttons["incident_ack"]] == ["1"]
    assert [b["value"] for b in buttons["incident_resolve"]] == ["1"]
    assert buttons["incident_resolve"][0]["confirm"], "resolving asks first, as on the announcement"
    slack.slash("/incident", "ack 1", user="U_CAROL")
    after = _buttons(_home(slack, "U_CAROL"))
    assert "incident_ack" not in after, "acknowledged: nothing left to acknowledge"
    assert "incident_resolve" in after and "incident_update" in after


def test_the_next_shift_has_a_swap_button_that_hands_it_over(slack: SlackApp) -> None:
    (before,) = _buttons(_home(slack, "U_CAROL"))["shift_swap"]
    told = _swap(slack)
    assert any(told in t for t in _dms(slack, "U_CAROL"))
    ask = next(
        c
        for c in slack.stub.calls_to("chat.postMessage")
        if c.params["channel"] == "U_BOB" and "shift_swap_accept" in json.dumps(c.blocks)
    )
    slack.click_button(ask, "shift_swap_accept", user="U_BOB")
    assert any("<@U_BOB> accepted" in t for t in _dms(slack, "U_CAROL"))
    listed = slack.slash("/shift", "list primary days 28", user="U_CAROL").json["blocks"]
    lines = [ln for blk in listed for ln in json.dumps(blk).split("\\n")]
    line = next(ln for ln in lines if f"SHF-{before['value']}" in ln)
    assert "<@U_BOB>" in line and "swapped" in line, line
    (after,) = _buttons(_home(slack, "U_CAROL"))["shift_swap"]
    assert after["value"] != before["value"], "Carol's next shift is a later one now"


def test_a_swap_to_someone_outside_the_rotation_is_refused_on_the_form(slack: SlackApp) -> None:
    _press(slack, "U_CAROL", "shift_swap")
    form = _form(slack, "shift_swap")

    def submit(chosen: str | None) -> dict[str, Any]:
        state = {"user": {"value": {"type": "users_select", "selected_user": chosen}}}
        body, ctype = payloads.view_submission(
            "shift_swap",
            state,
            user_id="U_CAROL",
            private_metadata=form["private_metadata"],
            blocks=form["blocks"],
        )
        return slack.post(body, ctype).json

    refused = submit("U_DAVE")
    assert refused["response_action"] == "errors"
    assert "is not in the primary rotation" in refused["errors"]["user"]
    assert submit(None)["errors"] == {"user": "Choose who takes the shift."}
    assert submit("U_CAROL")["errors"] == {"user": "<@U_CAROL> already has SHF-1."}
