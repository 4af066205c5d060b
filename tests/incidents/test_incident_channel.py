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


def test_a_channel_created_but_unanswered_is_found_not_created_twice(
    runtime, unit, messenger
) -> None:
    from datetime import timedelta

    from freezegun import freeze_time

    from bot.incidents import service

    messenger.lose_answer_next = 1  # conversations.create: Slack made it, the answer was lost
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit("U_CAROL") as ctx:
            service.raise_incident(ctx, "Payments API down", "sev3", channel_id="C_GENERAL")
        runtime.dispatcher.flush(ctx.outbox)
        frozen.tick(timedelta(seconds=30))
        runtime.dispatcher.run_due()
    assert [s.target for s in messenger.of("create_channel")] == ["inc-1-payments-api-down"]
    posts = sorted(s.target for s in messenger.of("post"))
    assert posts == ["C_INCIDENTS", "C_INC_1_PAYMENTS_API_D"]  # the incident's own channel too
    assert len(messenger.of("invite")) == 1
