"""Small helpers the resources and maintenance tests share."""

from __future__ import annotations

import json

from tests.e2e import SlackApp
from tests.slack_stub import Call

NOW = "2026-12-01 08:00:00"  # a Tuesday; 09:00 in Europe/Berlin


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def posts_to(slack: SlackApp, channel: str) -> list[Call]:
    """Messages the app posted to a channel or, for a user id, to that person's DM."""
    slack.runtime.drain()
    return [
        c for c in slack.stub.calls_to("chat.postMessage") if c.params.get("channel") == channel
    ]


def text_of(call: Call) -> str:
    return call.params.get("text", "") + dump(call.blocks)


def tick(slack: SlackApp) -> int:
    """What the scheduler does each sweep: plan, then send what is due."""
    slack.runtime.dispatcher.plan()
    sent = slack.runtime.dispatcher.run_due()
    slack.runtime.drain()
    return sent


def ts(utc: str) -> int:
    """The Slack date-token timestamp of a UTC wall time such as "2026-12-01 11:00"."""
    from datetime import UTC, datetime

    return int(datetime.strptime(utc, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp())
