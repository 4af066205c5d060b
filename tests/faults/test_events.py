"""Events are handled at least once and acted on once: the mark and the effect commit together."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.console import payloads
from bot.incidents import service
from storage.incidents import Incident
from tests.e2e import Response, SlackApp

pytestmark = pytest.mark.faults


def _incidents(slack: SlackApp) -> int:
    with slack.runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(Incident)) or 0


def _mention(slack: SlackApp, event_id: str) -> Response:
    event = payloads.app_mention_event(
        "<@U_OPSDESK> incident Database is on fire sev2",
        user_id="U_ALICE",
        channel_id="C_GENERAL",
        ts="1700000001.000100",
    )
    return slack.event(event, event_id=event_id)


def test_a_delivery_that_dies_mid_handling_is_done_by_slacks_retry(
    slack: SlackApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.raise_incident
    calls: list[int] = []

    def dies_the_first_time(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the process died here")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "raise_incident", dies_the_first_time)

    assert _mention(slack, "EvCRASH1").status == 200
    assert _incidents(slack) == 0
    assert _mention(slack, "EvCRASH1").status == 200  # Slack's first retry
    assert _mention(slack, "EvCRASH1").status == 200  # and its second
    assert _incidents(slack) == 1
    assert len(calls) == 2, "the second retry found the mark and did nothing"


def test_a_user_error_is_answered_once_across_retries(slack: SlackApp) -> None:
    event = payloads.app_mention_event(
        "<@U_OPSDESK> status no-such-room", user_id="U_ALICE", channel_id="C_GENERAL"
    )
    for _ in range(3):
        assert slack.event(event, event_id="EvUSERERR").status == 200
    slack.runtime.drain()
    replies = slack.stub.calls_to("chat.postMessage")
    assert len(replies) == 1 and "no-such-room" in replies[0].params["text"]


@pytest.mark.postgres_only
def test_two_concurrent_deliveries_act_once(slack: SlackApp) -> None:
    start = threading.Barrier(4)
    answers: list[int] = []

    def deliver() -> None:
        start.wait()
        answers.append(_mention(slack, "EvRACE01").status)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert answers == [200] * 4
    assert _incidents(slack) == 1
