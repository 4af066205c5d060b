"""A form opened from the Home tab republishes the submitter's Home once it is submitted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import blocks as b
from bot.console import payloads
from handlers.kit import mark_from_home
from storage import incidents as repo
from tests.e2e import SlackApp


@pytest.fixture
def event_counts(registry) -> None:
    """A Home section that shows how many timeline events each of the viewer's incidents has."""

    def counts(ctx, viewer) -> list[dict[str, Any]]:
        rows = repo.involving(ctx.session, viewer, limit=5)
        return [
            b.context(f"INC-{i.id} has {repo.count_events(ctx.session, i.id)} events") for i in rows
        ]

    registry.add_home_section("test-event-counts", 99, counts)


def _views(slack: SlackApp, count: int) -> list[dict[str, Any]]:
    calls = slack.stub.wait_for("views.publish", count)
    return [{"user": c.params["user_id"], **c.json_param("view")} for c in calls]


def _update_form(slack: SlackApp, *, from_home: bool) -> dict[str, Any]:
    """Raise INC-1 as U_BOB and press its "Post update" button, on Home or in the channel."""
    slack.slash("/incident", "raise Disk full sev3", user="U_BOB")
    if from_home:
        slack.event(payloads.app_home_opened_event("U_BOB"))
        (home,) = _views(slack, 1)
        view = {"type": "home", "blocks": home["blocks"]}
        slack.click("incident_update", "1", user="U_BOB", channel=None, view=view)
    else:
        post = slack.stub.wait_for("chat.postMessage", 1)[0]
        slack.click_button(post, "incident_update", user="U_BOB")
    form = slack.stub.wait_for("views.open", 1)[0].json_param("view")
    assert form["callback_id"] == "incident_update"
    slack.runtime.drain()
    return form


@pytest.mark.usefixtures("event_counts")
def test_submitting_a_form_opened_from_home_refreshes_the_submitters_home(
    slack: SlackApp,
) -> None:
    form = _update_form(slack, from_home=True)
    meta = json.loads(form["private_metadata"])
    assert meta["home"] is True and meta["incident"] == 1
    published = len(slack.stub.calls_to("views.publish"))  # on opening, and after the click
    before = json.dumps(_views(slack, published)[-1]["blocks"])

    empty = slack.submit(
        "incident_update", {"text": " "}, user="U_BOB", private_metadata=form["private_metadata"]
    )
    assert empty.json["response_action"] == "errors"
    slack.runtime.drain()
    assert len(slack.stub.calls_to("views.publish")) == published, "refused: nothing changed"

    done = slack.submit(
        "incident_update",
        {"text": "Freed 20 GB"},
        user="U_BOB",
        private_metadata=form["private_metadata"],
    )
    assert done.status == 200
    refreshed = _views(slack, published + 1)[-1]
    assert refreshed["user"] == "U_BOB" and refreshed["type"] == "home"
    after = json.dumps(refreshed["blocks"])
    assert before != after and "INC-1 has" in after, "the Home shows the state after the update"


def test_a_purchase_rejected_from_home_leaves_the_home_once_the_reason_is_given(
    slack: SlackApp,
) -> None:
    slack.slash("/purchase", "request 90 EUR keyboard", user="U_ALICE")
    slack.event(payloads.app_home_opened_event("U_BOB"))
    (home,) = _views(slack, 1)
    assert "purchase_reject" in json.dumps(home["blocks"])
    view = {"type": "home", "blocks": home["blocks"]}
    slack.click("purchase_reject", "1", user="U_BOB", channel=None, view=view)
    form = slack.stub.wait_for("views.open", 1)[0].json_param("view")
    slack.runtime.drain()
    published = len(slack.stub.calls_to("views.publish"))
    done = slack.submit(
        "purchase_reject",
        {"reason": "We have spares"},
        user="U_BOB",
        private_metadata=form["private_metadata"],
    )
    assert done.status == 200
    refreshed = _views(slack, published + 1)[-1]
    assert refreshed["user"] == "U_BOB"
    assert "purchase_reject" not in json.dumps(refreshed["blocks"]), "decided: no buttons left"


def test_a_form_opened_from_a_message_does_not_republish_home(slack: SlackApp) -> None:
    form = _update_form(slack, from_home=False)
    assert "home" not in json.loads(form["private_metadata"])
    done = slack.submit(
        "incident_update",
        {"text": "Freed 20 GB"},
        user="U_BOB",
        private_metadata=form["private_metadata"],
    )
    assert done.status == 200
    slack.stub.wait_for("chat.postMessage", 2)  # the update went out
    slack.runtime.drain()
    assert slack.stub.calls_to("views.publish") == []


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("", {"home": True}),
        ('{"channel_id": "", "request": 3}', {"channel_id": "", "request": 3, "home": True}),
        ("PUR-3", None),  # not JSON: left as it is
        ("[1, 2]", None),  # not an object: left as it is
        (json.dumps({"x": "y" * 2990}), None),  # would grow past Slack's 3,000 characters
    ],
)
def test_mark_from_home_adds_the_flag_to_json_metadata(
    metadata: str, expected: dict[str, Any] | None
) -> None:
    view = b.modal("some_form", "Some form", [], private_metadata=metadata)
    marked = mark_from_home(view)
    if expected is None:
        assert marked == view
    else:
        assert json.loads(marked["private_metadata"]) == expected
        assert view["private_metadata"] == metadata, "the original view is not changed"
