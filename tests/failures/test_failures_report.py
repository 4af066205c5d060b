"""No silent dead ends: the admins get one DM a day listing the notices that failed, and why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot import dispatcher as policy
from bot.config import Config
from bot.context import Ctx
from bot.messenger import Message, Refused
from bot.notices import Plan, Post, say
from bot.payloads import NoticePayload
from bot.registry import Registry
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from storage.models import Notice
from tests.recording import RecordingMessenger

# The failures area and this module's own notice kind; the example config's zone is Berlin.
pytestmark = pytest.mark.areas("failures")
EVENING = "2026-12-01 18:00:00"  # 19:00 in Berlin; the report goes at 09:00 local (08:00 UTC)


class Doomed(NoticePayload):
    channel: str
    n: int


def _doomed(ctx: Ctx, payload: Doomed) -> Plan[Ctx]:
    return say(Post(payload.channel, Message(f"doomed {payload.n}")))


@pytest.fixture(autouse=True)
def _declared(registry: Registry[Ctx]) -> None:
    registry.add_notice_kind("test.doomed", _doomed, payload=Doomed)


@pytest.fixture
def config(config: Config) -> Config:
    return config.model_copy(update={"admins": ["U_ALICE", "U_BOB"]})


def _refuse_posts(messenger: RecordingMessenger, error: str = "not_in_channel") -> None:
    def refused(channel: str, message: Message, **how: Any) -> Any:
        raise Refused("chat.postMessage", f"{error} <!channel>")

    messenger.post = refused  # type: ignore[method-assign]


def _fail(runtime: Runtime, unit, frozen, n: int, channel: str = "C_GONE") -> None:
    # Each to a channel of its own: a sweep at one frozen instant tries only a burst of posts
    # in any one channel (bot/pacing.py), and these are to fail in MAX_ATTEMPTS sweeps.
    with unit() as ctx:
        for i in range(n):
            ctx.notify("test.doomed", Doomed(channel=f"{channel}_{i}", n=i))
    for _ in range(policy.MAX_ATTEMPTS):
        runtime.dispatcher.run_due()
        frozen.tick(timedelta(minutes=20))


def _reports(messenger: RecordingMessenger) -> list[tuple[str, str]]:
    return [(s.target, s.message.text) for s in messenger.of("dm") if s.message is not None]


def test_failures_are_listed_once_the_next_morning_to_each_admin(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    _refuse_posts(messenger)
    scheduler = Scheduler(runtime)
    with freeze_time(EVENING) as frozen:
        _fail(runtime, unit, frozen, 2)
        scheduler.tick()
        assert _reports(messenger) == []  # not before the morning
        frozen.move_to("2026-12-02 08:00:00")  # 09:00 in Berlin
        for _ in range(5):  # every sweep plans; the day's report is one row, sent once
            scheduler.tick()
            frozen.tick(timedelta(minutes=30))
    reports = messenger.of("dm")
    assert sorted(s.target for s in reports) == ["U_ALICE", "U_BOB"]
    text = reports[0].message.text
    assert text == "2 notices could not be delivered to Slack in the last 24 hours."
    body = "\n".join(b["text"]["text"] for b in reports[0].message.blocks if b["type"] == "section")
    assert body.count("`test.doomed`") == 2
    assert "Slack refused chat.postMessage: not_in_channel &lt;!channel&gt;" in body  # escaped
    assert "6 tries" in body


def test_nothing_failed_means_no_report_and_no_row(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    scheduler = Scheduler(runtime)
    with freeze_time("2026-12-02 08:00:00"):
        scheduler.tick()
    assert messenger.sent == []
    with runtime.sessions() as s:
        assert s.scalars(select(Notice.kind)).all() == []


def test_a_long_list_says_how_many_more(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    _refuse_posts(messenger)
    scheduler = Scheduler(runtime)
    with freeze_time(EVENING) as frozen:
        _fail(runtime, unit, frozen, 23)
        frozen.move_to("2026-12-02 08:00:00")
        scheduler.tick()
    [first, *_] = messenger.of("dm")
    body = "\n".join(b["text"]["text"] for b in first.message.blocks if b["type"] == "section")
    assert body.count("`test.doomed`") == 20
    assert "+3 more" in body
    assert first.message.text.startswith("23 notices")


def test_each_day_reports_its_own_failures_even_when_one_is_sent_late(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    _refuse_posts(messenger)
    scheduler = Scheduler(runtime)
    with freeze_time(EVENING) as frozen:
        _fail(runtime, unit, frozen, 1)
        frozen.move_to("2026-12-02 11:00:00")  # the scheduler was down at 09:00: sent late
        scheduler.tick()
        _fail(runtime, unit, frozen, 2)  # after this morning's report: tomorrow's list
        frozen.move_to("2026-12-03 08:00:00")
        scheduler.tick()
    texts = [s.message.text for s in messenger.of("dm") if s.target == "U_ALICE"]
    assert texts == [
        "1 notice could not be delivered to Slack in the last 24 hours.",
        "2 notices could not be delivered to Slack in the last 24 hours.",
    ]
