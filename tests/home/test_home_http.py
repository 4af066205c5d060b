"""App Home end to end: published when opened, and again after the viewer acts from it."""

from __future__ import annotations

import json
from typing import Any

from bot import blocks as b
from bot.console import payloads
from storage import incidents as repo
from tests.e2e import SlackApp


def _views(slack: SlackApp, count: int) -> list[dict[str, Any]]:
    calls = slack.stub.wait_for("views.publish", count)
    return [{"user": c.params["user_id"], **c.json_param("view")} for c in calls]


def test_home_is_published_for_the_viewer_when_opened(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Checkout is failing sev1", user="U_BOB")
    slack.slash("/incident", "raise Someone else's problem sev3", user="U_CAROL")
    resp = slack.event(payloads.app_home_opened_event("U_BOB"))
    assert resp.status == 200
    (view,) = _views(slack, 1)
    assert view["user"] == "U_BOB" and view["type"] == "home"
    body = json.dumps(view["blocks"])
    assert "Your desk" in body and "Your open incidents" in body
    assert "Checkout is failing" in body and "Someone else" not in body
    assert len(view["blocks"]) <= 100


def test_opening_the_messages_tab_publishes_nothing(slack: SlackApp) -> None:
    event = {**payloads.app_home_opened_event("U_BOB"), "tab": "messages"}
    slack.event(event)
    slack.event(payloads.app_home_opened_event("U_CAROL"))
    (view,) = _views(slack, 1)
    slack.runtime.drain()
    assert view["user"] == "U_CAROL" and len(slack.stub.calls_to("views.publish")) == 1


def test_acting_from_home_refreshes_the_viewers_home(slack: SlackApp, registry) -> None:
    def ack_buttons(ctx, viewer) -> list[dict[str, Any]]:
        rows = repo.involving(ctx.session, viewer, limit=5)
        return [
            b.actions(b.button(f"Ack INC-{i.id}", "incident_ack", str(i.id)))
            for i in rows
            if i.status == "open"
        ]

    registry.add_home_section("test-ack-buttons", 99, ack_buttons)

    slack.slash("/incident", "raise Disk full sev3", user="U_BOB")
    slack.event(payloads.app_home_opened_event("U_BOB"))
    (home,) = _views(slack, 1)
    assert "Ack INC-1" in json.dumps(home["blocks"])

    home_view = {"type": "home", "blocks": home["blocks"]}
    resp = slack.click("incident_ack", "1", user="U_BOB", channel=None, view=home_view)
    assert resp.status == 200
    refreshed = _views(slack, 2)[1]
    assert refreshed["user"] == "U_BOB"
    body = json.dumps(refreshed["blocks"])
    assert "Acknowledged" in body and "Ack INC-1" not in body


def test_buttons_in_messages_do_not_republish_home(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev3", user="U_BOB")
    post = slack.stub.wait_for("chat.postMessage", 1)[0]
    slack.click_button(post, "incident_ack", user="U_BOB")
    slack.stub.wait_for("chat.update", 1)
    slack.runtime.drain()
    assert slack.stub.calls_to("views.publish") == []


def test_home_is_refreshed_even_when_the_action_is_refused(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev3", user="U_BOB")
    slack.slash("/incident", "ack 1", user="U_CAROL")
    home_view = {"type": "home", "blocks": [b.actions(b.button("Ack", "incident_ack", "1"))]}
    slack.click("incident_ack", "1", user="U_BOB", channel=None, view=home_view)
    (view,) = _views(slack, 1)
    assert view["user"] == "U_BOB"
    dms = slack.stub.wait_for("chat.postMessage", 3)  # announcement, thread note, the refusal
    assert any("already acknowledged" in c.params.get("text", "") for c in dms)


def test_a_purchase_approved_from_home_is_decided_and_leaves_the_home(slack: SlackApp) -> None:
    slack.slash("/purchase", "request 120 EUR Spare SFP modules", user="U_ALICE")
    slack.event(payloads.app_home_opened_event("U_BOB"))  # Bob is step 1 of the example policy
    (home,) = _views(slack, 1)
    body = json.dumps(home["blocks"])
    assert "Approvals waiting on you" in body and "Spare SFP modules" in body
    approve = next(
        e
        for blk in home["blocks"]
        for e in [*blk.get("elements", []), blk.get("accessory") or {}]
        if e.get("action_id") == "purchase_approve"
    )
    assert approve["value"] == "1"

    resp = slack.click("purchase_approve", approve["value"], user="U_BOB", channel=None, view=home)
    assert resp.status == 200
    refreshed = _views(slack, 2)[1]
    assert refreshed["user"] == "U_BOB"
    assert "purchase_approve" not in json.dumps(refreshed["blocks"])
    slack.runtime.drain()
    to_alice = [c.params["text"] for c in slack.stub.calls_to("chat.postMessage")
                if c.params["channel"] == "U_ALICE"]  # fmt: skip
    assert to_alice and "*Approved* by <@U_BOB>" in to_alice[-1], "the requester is told"
