"""With `create_channel = true`, each incident gets its own channel with the right people in it."""

from __future__ import annotations

import pytest

from bot.config import Config
from tests.e2e import SlackApp


@pytest.fixture
def config(config: Config) -> Config:
    # No rotation, so "on call" is the admins whatever today's date: the test stays deterministic.
    incidents = config.incidents.model_copy(update={"create_channel": True})
    return config.model_copy(update={"incidents": incidents, "rotations": []})


def test_dedicated_channel_is_created_and_people_invited(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Payments API: 502s! sev1", user="U_CAROL")
    created = slack.stub.wait_for("conversations.create", 1)[0]
    assert created.params["name"] == "inc-1-payments-api-502s"
    invite = slack.stub.wait_for("conversations.invite", 1)[0]
    invited = set(invite.params["users"].split(","))
    assert "U_CAROL" in invited  # the reporter
    assert "U_ALICE" in invited  # on call: with no rotation, the admins
    posts = slack.stub.wait_for("chat.postMessage", 2)
    channels = {p.params["channel"] for p in posts}
    assert channels == {"C_INCIDENTS", "C_NEW_1"}
