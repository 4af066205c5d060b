"""No silent dead ends: a lost announcement is posted again and carries what happened meanwhile;
nobody is told "Update posted" for an update no channel will show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot.config import Config
from tests.e2e import SlackApp
from tests.resources.helpers import tick

NOW = "2026-12-01 08:00:00"


@pytest.fixture
def config(config: Config) -> Config:
    # No incidents channel: an incident is announced where it was raised, if anywhere.
    incidents = config.incidents.model_copy(update={"channel": None})
    return config.model_copy(update={"incidents": incidents})


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _delivered(slack: SlackApp, channel: str) -> list[dict]:
    slack.runtime.drain()
    return slack.stub.messages(channel)


def test_an_announcement_slack_refused_is_posted_later_with_the_updates_made_meanwhile(
    slack: SlackApp, frozen
) -> None:
    slack.stub.respond_with("chat.postMessage", {"ok": False, "error": "channel_not_found"})
    slack.slash("/incident", "raise Checkout is down sev3", channel="C_GENERAL")
    slack.runtime.drain()

    reply = slack.slash("/incident", "update 1 Rolled back the deploy")
    assert "Update posted" not in reply.text
    assert "Update recorded on INC-1" in reply.shown
    assert "channel_not_found" in reply.shown and "keeps trying" in reply.shown

    slack.stub.respond_with("chat.postMessage", None)  # someone invited Opsdesk, say
    for _ in range(8):
        frozen.tick(timedelta(minutes=5))
        tick(slack)
    posts = _delivered(slack, "C_GENERAL")
    announcement = [m for m in posts if not m.get("thread_ts")]
    assert len(announcement) == 1
    assert "Rolled back the deploy" in str(announcement[0]["blocks"])
    notes = [m for m in posts if m.get("thread_ts")]
    assert len(notes) == 1 and "Rolled back the deploy" in notes[0]["text"]

    reply = slack.slash("/incident", "update 1 Recovered")
    assert "Update posted to INC-1" in reply.shown


def test_an_incident_with_nowhere_to_announce_says_so_instead_of_posted(
    slack: SlackApp, frozen
) -> None:
    slack.slash("/incident", "raise Printer on fire", channel="")
    slack.runtime.drain()

    reply = slack.slash("/incident", "update 1 Fire is out", channel="")
    assert "Update posted" not in reply.text
    assert "has no announcement in a channel" in reply.shown
    assert "not posted anywhere" in reply.shown
    frozen.tick(timedelta(hours=2))
    tick(slack)
    assert slack.stub.calls_to("chat.postMessage") == []
    # The update's notices ended at once instead of waiting an hour and failing.
    with slack.runtime.sessions() as s:
        from sqlalchemy import select

        from storage.models import Notice

        statuses = dict(s.execute(select(Notice.kind, Notice.status)).all())
    assert statuses["incident.thread"] == "skipped"
    assert statuses["incident.refresh"] == "skipped"
