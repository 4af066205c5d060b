"""The notice queue: sent once, retried on failure, skipped after expiry, deduplicated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot import dispatcher, notices
from bot.context import Ctx
from bot.messenger import Message
from bot.notices import Plan, Post, say
from bot.payloads import NoticePayload
from bot.registry import Registry
from bot.runtime import Runtime
from storage import notices as queue
from storage.models import Notice
from tests.recording import RecordingMessenger

# No area: only this module's notice kinds, so no area's planner adds notices to what it counts.
pytestmark = pytest.mark.areas()


class Hello(NoticePayload):
    channel: str
    n: int = 0
    skip: bool = False


@pytest.fixture(autouse=True)
def _declared(registry: Registry[Ctx]) -> None:
    registry.add_notice_kind("test.hello", _hello, payload=Hello)
    registry.add_notice_kind("test.edit", _edit, payload=Hello)


def _hello(ctx: Ctx, payload: Hello) -> Plan[Ctx]:
    if payload.skip:
        raise notices.Skip("no longer relevant")
    return say(Post(payload.channel, Message(text=f"hello {payload.n}")))


def _statuses(runtime: Runtime) -> list[str]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Notice.status).order_by(Notice.id)))


@freeze_time("2026-12-01 09:00:00")
def test_due_notice_is_sent_once_and_marked(runtime: Runtime, unit, messenger: RecordingMessenger):
    with unit() as ctx:
        ctx.notify("test.hello", Hello(channel="C1", n=1), dedupe_key="hello:1")
    assert runtime.dispatcher.run_due() == 1
    assert runtime.dispatcher.run_due() == 0
    assert [s.message.text for s in messenger.of("post")] == ["hello 1"]
    assert _statuses(runtime) == ["sent"]


@freeze_time("2026-12-01 09:00:00")
def test_dedupe_key_makes_enqueue_idempotent(runtime: Runtime, unit):
    with unit() as ctx:
        first = ctx.notify("test.hello", Hello(channel="C1", n=1), dedupe_key="k")
        second = ctx.notify("test.hello", Hello(channel="C1", n=2), dedupe_key="k")
    assert first is not None and second is None
    assert len(_statuses(runtime)) == 1


def test_future_notice_waits_for_its_time(runtime: Runtime, unit, messenger: RecordingMessenger):
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            ctx.notify("test.hello", Hello(channel="C1", n=1), due_at=ctx.now + timedelta(hours=1))
        assert runtime.dispatcher.run_due() == 0
        frozen.tick(timedelta(minutes=59))
        assert runtime.dispatcher.run_due() == 0
        frozen.tick(timedelta(minutes=1))
        assert runtime.dispatcher.run_due() == 1
    assert len(messenger.of("post")) == 1


def test_failed_send_is_retried_with_backoff(runtime: Runtime, unit, messenger: RecordingMessenger):
    messenger.fail_next = 2
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            ctx.notify("test.hello", Hello(channel="C1", n=1))
        assert runtime.dispatcher.run_due() == 0  # first failure: retry in 30 s
        assert _statuses(runtime) == ["pending"]
        frozen.tick(timedelta(seconds=31))
        assert runtime.dispatcher.run_due() == 0  # second failure: retry in 60 s
        frozen.tick(timedelta(seconds=61))
        assert runtime.dispatcher.run_due() == 1
    assert len(messenger.of("post")) == 1
    assert _statuses(runtime) == ["sent"]


def test_expired_notice_is_skipped_not_sent(runtime: Runtime, unit, messenger: RecordingMessenger):
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            ctx.notify(
                "test.hello",
                Hello(channel="C1", n=1),
                due_at=ctx.now + timedelta(minutes=5),
                expires_after=timedelta(minutes=10),
            )
        frozen.tick(timedelta(hours=2))  # the process was down through the window
        assert runtime.dispatcher.run_due() == 0
    assert messenger.of("post") == []
    assert _statuses(runtime) == ["skipped"]


@freeze_time("2026-12-01 09:00:00")
def test_handler_may_skip(runtime: Runtime, unit, messenger: RecordingMessenger):
    with unit() as ctx:
        ctx.notify("test.hello", Hello(channel="C1", n=1, skip=True))
    assert runtime.dispatcher.run_due() == 0
    assert _statuses(runtime) == ["skipped"]


@freeze_time("2026-12-01 09:00:00")
def test_cancel_by_prefix(runtime: Runtime, unit):
    with unit() as ctx:
        for n in range(3):
            ctx.notify("test.hello", Hello(channel="C1", n=n), dedupe_key=f"inc:7:{n}")
        ctx.notify("test.hello", Hello(channel="C1", n=9), dedupe_key="inc:70:0")
    with unit() as ctx:
        assert queue.cancel(ctx.session, prefix="inc:7:") == 3
    assert _statuses(runtime) == ["cancelled"] * 3 + ["pending"]


@pytest.mark.postgres_only
def test_two_dispatchers_send_each_notice_once(runtime: Runtime, unit, messenger):
    import threading

    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            for n in range(40):
                ctx.notify("test.hello", Hello(channel="C1", n=n))
        barrier = threading.Barrier(4)

        def sweep() -> None:
            barrier.wait()
            runtime.dispatcher.run_due()

        # One channel: each sweep sends what its pace allows, the rest wait for their turn.
        while (due := runtime.dispatcher.next_due()) is not None:
            frozen.move_to(max(due, runtime.clock.now()))
            threads = [threading.Thread(target=sweep) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    texts = sorted(s.message.text for s in messenger.of("post"))
    assert texts == sorted(f"hello {n}" for n in range(40))


DEPENDENCY_SENT: list[bool] = []


def _edit(ctx: Ctx, payload: Hello) -> Plan[Ctx]:
    if not DEPENDENCY_SENT:
        raise notices.NotYet("the message to edit has not gone out yet")
    return say(Post(payload.channel, Message(text="edited")))


def test_a_notice_waiting_on_another_is_sent_once_that_one_is_out(
    runtime: Runtime, unit, messenger: RecordingMessenger, monkeypatch: pytest.MonkeyPatch
):
    DEPENDENCY_SENT.clear()
    naps: list[float] = []

    def nap(seconds: float) -> None:  # the other thread gets the dependency out meanwhile
        naps.append(seconds)
        if len(naps) == 2:
            DEPENDENCY_SENT.append(True)

    monkeypatch.setattr(dispatcher.time, "sleep", nap)
    with unit() as ctx:
        ctx.notify("test.edit", Hello(channel="C1"))
    runtime.dispatcher.flush(ctx.outbox, patient=True)
    assert [s.message.text for s in messenger.of("post")] == ["edited"]
    assert len(naps) == 2
    with runtime.sessions() as s:
        notice = s.scalars(select(Notice)).one()
        assert (notice.status, notice.attempts) == ("sent", 1)  # waiting cost no attempts


def test_a_waiting_notice_is_left_to_the_sweep_and_gives_up_after_an_hour(
    runtime: Runtime, unit, messenger: RecordingMessenger
):
    DEPENDENCY_SENT.clear()
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            ctx.notify("test.edit", Hello(channel="C1"))
        runtime.dispatcher.flush(ctx.outbox)  # not patient: the sweep's job from now on
        assert _statuses(runtime) == ["pending"]
        for _ in range(20):  # many sweeps while it waits: none of them is a failed attempt
            frozen.tick(timedelta(seconds=6))
            assert runtime.dispatcher.run_due() == 0
        assert _statuses(runtime) == ["pending"]
        frozen.tick(timedelta(hours=1))
        runtime.dispatcher.run_due()
        assert _statuses(runtime) == ["failed"]
    assert messenger.of("post") == []


class Other(NoticePayload):
    channel: str


def test_a_notice_is_queued_only_with_its_kinds_model(runtime: Runtime, unit) -> None:
    with pytest.raises(TypeError, match=r"'test\.hello' carries Hello, not Other"), unit() as ctx:
        ctx.notify("test.hello", Other(channel="C1"))
    assert _statuses(runtime) == []


def test_the_row_holds_the_models_json_and_the_handler_gets_the_model_back(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    seen: list[NoticePayload] = []

    def keep(ctx: Ctx, payload: Hello) -> Plan[Ctx]:
        seen.append(payload)
        return say(Post(payload.channel, Message(text="kept")))

    runtime.registry.add_notice_kind("test.keep", keep, payload=Hello)
    with freeze_time("2026-12-01 09:00:00"), unit() as ctx:
        ctx.notify("test.keep", Hello(channel="C9", n=3))
    with runtime.sessions() as s:
        assert s.scalars(select(Notice.payload)).one() == {"channel": "C9", "n": 3, "skip": False}
    with freeze_time("2026-12-01 09:00:00"):
        runtime.dispatcher.run_due()
    assert seen == [Hello(channel="C9", n=3)]


@freeze_time("2026-12-01 09:00:00")
def test_a_row_its_model_does_not_fit_fails_with_the_reason_not_a_traceback(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    # What a row written by another version looks like: a renamed field.
    with unit() as ctx:
        queue.enqueue(
            ctx.session,
            kind="test.hello",
            payload={"chan": "C1", "n": 1},
            due_at=ctx.now,
            dedupe_key="old:1",
            expires_at=None,
            now=ctx.now,
        )
    assert runtime.dispatcher.run_due() == 0
    assert messenger.of("post") == []
    with runtime.sessions() as s:
        notice = s.scalars(select(Notice)).one()
    assert notice.status == "failed"
    assert "payload does not fit 'test.hello'" in (notice.last_error or "")
    assert "channel" in (notice.last_error or "")
