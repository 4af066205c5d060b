"""Delivery you can reason about: claim, call Slack outside any transaction, record; doubts are
looked into, never guessed; dependents of a failed notice are not left waiting for nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot import dispatcher as policy
from bot import notice_health
from bot.context import Ctx
from bot.dispatcher import Outcome
from bot.messenger import Message, Refused, Tag
from bot.notices import Dm, NotYet, Plan, Post, Sent, Skip, say
from bot.payloads import NoticePayload
from bot.registry import Registry
from bot.runtime import Runtime
from storage import audit
from storage.models import Notice
from tests.recording import RecordingMessenger

pytestmark = pytest.mark.areas()
NOW = "2026-12-01 09:00:00"
STATE: dict[str, Any] = {}


class Numbered(NoticePayload):
    n: int


class Nothing(NoticePayload):
    pass


class ParentNote(NoticePayload):
    nowhere: bool = False


def _post(ctx: Ctx, payload: Numbered) -> Plan[Ctx]:
    return say(Post("C1", Message(f"post {payload.n}")))


def _three_dms(ctx: Ctx, payload: Nothing) -> Plan[Ctx]:
    dms = [Dm(user, Message(f"hi {user}")) for user in ("U_A", "U_B", "U_C")]

    def told(ctx: Ctx, sent: Sent) -> None:
        ctx.audit("test", 1, "told", {"who": [dm.user for dm in dms if dm in sent]})

    return say(*dms, record=told)


def _parent(ctx: Ctx, payload: ParentNote) -> Plan[Ctx]:
    if payload.nowhere:
        raise Skip("nowhere to say it")
    post = Post("C1", Message("parent"))

    def keep(ctx: Ctx, sent: Sent) -> None:
        STATE["parent"] = sent[post]

    return say(post, record=keep)


def _child(ctx: Ctx, payload: Nothing) -> Plan[Ctx]:
    if "parent" not in STATE:
        raise NotYet("the parent is not out yet", behind="test:parent%")
    return say(Post("C1", Message("child"), thread_ts=STATE["parent"].ts))


@pytest.fixture(autouse=True)
def _declared(registry: Registry[Ctx]) -> None:
    STATE.clear()
    registry.add_notice_kind("test.post", _post, payload=Numbered)
    registry.add_notice_kind("test.three", _three_dms, payload=Nothing)
    registry.add_notice_kind("test.parent", _parent, payload=ParentNote, awaited=True)
    registry.add_notice_kind("test.child", _child, payload=Nothing)


def _rows(sessions: sessionmaker[Session]) -> list[tuple[str, str, int]]:
    with sessions() as s:
        rows = s.execute(
            select(Notice.dedupe_key, Notice.status, Notice.attempts).order_by(Notice.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _texts(messenger: RecordingMessenger) -> list[str]:
    return [s.message.text for s in messenger.sent if s.message is not None]


def test_slack_is_called_with_no_transaction_open_and_the_call_marked_first(
    runtime: Runtime, unit, messenger: RecordingMessenger, engine: Engine
) -> None:
    seen: list[str] = []
    real_post = messenger.post

    def post(channel: str, message: Message, **how: Any) -> Any:
        sqlite = engine.dialect.name == "sqlite"
        with engine.connect() as conn:
            if sqlite:
                patience = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                conn.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                if not sqlite:
                    conn.execute(text("SET LOCAL lock_timeout = '100ms'"))
                # Fails at once if anyone holds SQLite's write lock or the notice's row lock.
                conn.execute(text("UPDATE notices SET last_error = last_error"))
                seen.extend(conn.scalars(text("SELECT status FROM notices")))
                conn.rollback()
            finally:
                if sqlite:  # the connection goes back to the pool: as patient as it was
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(patience)}")
        return real_post(channel, message, **how)

    messenger.post = post  # type: ignore[method-assign]
    with freeze_time(NOW):
        with unit() as ctx:
            ctx.notify("test.post", Numbered(n=1))
        assert runtime.dispatcher.run_due() == 1
    assert seen == ["calling"]  # committed before the call: a crash now leaves it in doubt
    assert _rows(runtime.sessions)[0][1] == "sent"


def test_an_answer_lost_after_delivery_is_found_not_sent_again(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    messenger.lose_answer_next = 1
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            notice_id = ctx.notify("test.post", Numbered(n=1))
        assert runtime.dispatcher.run_due() == 0
        assert _rows(runtime.sessions)[0][1] == "unknown"
        frozen.tick(runtime.dispatcher.settle)
        assert runtime.dispatcher.run_due() == 1
    assert _texts(messenger) == ["post 1"]
    assert messenger.looked_for == [Tag(notice_id, "post:C1:")]


def test_a_call_in_doubt_that_never_arrived_is_sent_after_looking(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    real_post = messenger.post

    def lost(channel: str, message: Message, **how: Any) -> Any:
        messenger.post = real_post  # type: ignore[method-assign]
        from bot.messenger import DeliveryUnknown

        raise DeliveryUnknown("timed out before Slack had it")

    messenger.post = lost  # type: ignore[method-assign]
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            ctx.notify("test.post", Numbered(n=1))
        runtime.dispatcher.run_due()
        frozen.tick(runtime.dispatcher.settle)
        assert runtime.dispatcher.run_due() == 1
    assert _texts(messenger) == ["post 1"]
    assert len(messenger.looked_for) == 1


class Crash(BaseException):
    """The process dies: nothing after this line of code runs."""


@pytest.mark.parametrize("delivered", [True, False])
def test_a_process_killed_mid_call_leaves_a_doubt_that_is_resolved_exactly_once(
    runtime: Runtime, unit, messenger: RecordingMessenger, delivered: bool
) -> None:
    real_post = messenger.post

    def die(channel: str, message: Message, **how: Any) -> Any:
        messenger.post = real_post  # type: ignore[method-assign]
        if delivered:
            real_post(channel, message, **how)
        raise Crash

    messenger.post = die  # type: ignore[method-assign]
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            ctx.notify("test.post", Numbered(n=1))
        with pytest.raises(Crash):
            runtime.dispatcher.run_due()
        assert _rows(runtime.sessions)[0][1] == "calling"
        frozen.tick(runtime.dispatcher.lease / 2)
        assert runtime.dispatcher.run_due() == 0  # the claim has not lapsed: hands off
        assert runtime.dispatcher.next_due() is not None  # the sweep wakes when it lapses
        frozen.tick(runtime.dispatcher.lease)
        assert runtime.dispatcher.run_due() == 1
    assert _texts(messenger) == ["post 1"]
    assert len(messenger.looked_for) == 1
    assert _rows(runtime.sessions)[0][1] == "sent"


def test_a_process_killed_before_calling_leaves_a_notice_simply_sent_again(
    runtime: Runtime, unit, messenger: RecordingMessenger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import delivery

    def die(*args: Any, **kwargs: Any) -> Any:
        raise Crash

    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            ctx.notify("test.post", Numbered(n=1))
        with monkeypatch.context() as m:
            m.setattr(delivery.Job, "_prepare", die)
            with pytest.raises(Crash):
                runtime.dispatcher.run_due()
        assert _rows(runtime.sessions)[0][1] == "sending"
        frozen.tick(runtime.dispatcher.lease + timedelta(seconds=1))
        assert runtime.dispatcher.run_due() == 1
    assert _texts(messenger) == ["post 1"]
    assert messenger.looked_for == []  # nothing was in doubt


def test_a_lapsed_claim_writes_nothing_over_its_successor(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    """A process that stalled past its lease (a long GC pause) cannot undo the next one's work."""
    slow = runtime.dispatcher
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            notice_id = ctx.notify("test.post", Numbered(n=1))
        from storage import notices as queue
        from storage.db import transaction

        with transaction(runtime.sessions) as s:
            stale_claim = queue.claim(s, notice_id, slow.now())
        frozen.tick(slow.lease + timedelta(seconds=1))
        assert runtime.dispatcher.run_due() == 1  # recovered and sent by "another process"
        assert slow._deliver(notice_id, stale_claim) is Outcome.NOT_SENT  # it wakes up
    assert _texts(messenger) == ["post 1"]
    assert _rows(runtime.sessions)[0][1] == "sent"


def test_one_failed_call_of_several_is_retried_alone(
    runtime: Runtime, unit, messenger: RecordingMessenger, sessions
) -> None:
    real_dm = messenger.dm
    failures = {"U_B": 1}

    def flaky(user: str, message: Message, **how: Any) -> Any:
        if failures.get(user):
            failures[user] -= 1
            raise Refused("chat.postMessage", "ratelimited_by_fake")
        return real_dm(user, message, **how)

    messenger.dm = flaky  # type: ignore[method-assign]
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            ctx.notify("test.three", Nothing())
        assert runtime.dispatcher.run_due() == 0
        frozen.tick(timedelta(minutes=1))
        assert runtime.dispatcher.run_due() == 1
    assert sorted(s.target for s in messenger.of("dm")) == ["U_A", "U_B", "U_C"]
    with sessions() as s:
        [told] = [e for e in audit.history(s, "test", 1) if e.action == "told"]
        assert told.data == {"who": ["U_A", "U_B", "U_C"]}  # record sees every attempt's calls


def test_a_failed_parent_is_made_again_and_its_child_waits_for_it(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    real_post = messenger.post
    outage = {"left": 3 * policy.MAX_ATTEMPTS}  # three generations of the parent fail

    def refused(channel: str, message: Message, **how: Any) -> Any:
        if outage["left"] and message.text == "parent":
            outage["left"] -= 1
            raise Refused("chat.postMessage", "not_in_channel")
        return real_post(channel, message, **how)

    messenger.post = refused  # type: ignore[method-assign]
    with freeze_time(NOW) as frozen:
        with unit() as ctx:
            ctx.notify("test.parent", ParentNote(), dedupe_key="test:parent")
            ctx.notify("test.child", Nothing(), dedupe_key="test:child")
        for _ in range(20):  # 20 minutes: the first parent has failed, the next is queued
            runtime.dispatcher.run_due()
            frozen.tick(timedelta(minutes=1))
        rows = {k: s for k, s, _ in _rows(runtime.sessions)}
        assert rows == {
            "test:parent": "failed",
            "test:child": "pending",
            "test:parent#2": "pending",
        }
        for _ in range(130):  # past the hour a waiting notice used to give up after
            runtime.dispatcher.run_due()
            frozen.tick(timedelta(minutes=1))
    assert _texts(messenger) == ["parent", "child"]
    assert {k: s for k, s, _ in _rows(runtime.sessions)} == {
        "test:parent": "failed",
        "test:child": "sent",
        "test:parent#2": "failed",
        "test:parent#3": "failed",
        "test:parent#4": "sent",
    }
    with runtime.sessions() as s:
        failed = s.scalar(select(Notice).where(Notice.dedupe_key == "test:parent"))
        assert "not_in_channel" in failed.last_error and "#2" in failed.last_error
        assert failed.failed_at is not None


def test_a_child_whose_parent_ended_unsent_is_skipped_not_left_waiting(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time(NOW):
        with unit() as ctx:
            ctx.notify("test.parent", ParentNote(nowhere=True), dedupe_key="test:parent")
            ctx.notify("test.child", Nothing(), dedupe_key="test:child")
        runtime.dispatcher.run_due()
    assert dict((k, s) for k, s, _ in _rows(runtime.sessions)) == {
        "test:parent": "skipped",
        "test:child": "skipped",
    }
    assert messenger.sent == []


def test_health_counts_failures_of_the_day_and_the_oldest_due_notice(
    runtime: Runtime, unit, messenger: RecordingMessenger
) -> None:
    with freeze_time(NOW) as frozen:
        assert runtime.dispatcher.health().as_json() == {"failed": 0, "oldest_pending_s": 0}
        assert not runtime.dispatcher.health().degraded
        with unit() as ctx:
            ctx.notify("test.post", Numbered(n=1))
        frozen.tick(timedelta(seconds=90))  # nothing swept meanwhile
        health = runtime.dispatcher.health()
        assert health.as_json() == {"failed": 0, "oldest_pending_s": 90}
        assert not health.degraded
        frozen.tick(notice_health.OVERDUE)
        assert runtime.dispatcher.health().degraded
        messenger.fail_next = policy.MAX_ATTEMPTS
        for _ in range(policy.MAX_ATTEMPTS):
            runtime.dispatcher.run_due()
            frozen.tick(timedelta(hours=1))
        health = runtime.dispatcher.health()
        assert health.as_json() == {"failed": 1, "oldest_pending_s": 0} and health.degraded
        frozen.tick(notice_health.FAILED_WINDOW)
        assert runtime.dispatcher.health().as_json() == {"failed": 0, "oldest_pending_s": 0}
