"""The notice queue: sent once, retried on failure, skipped after expiry, deduplicated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot import dispatcher, notices
from bot.context import Ctx, Notify
from bot.messenger import Message
from bot.notices import Plan, Post, say
from bot.payloads import NoticePayload
from bot.registry import Registry
from bot.runtime import Runtime
from storage import notices as queue
from storage.models import Notice
from tests.notice_rows import notice_row
from tests.recording import RecordingMessenger
from tests.scale import counting

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


def _batch(prefix: str, now: datetime) -> list[Notify]:
    """Keys queued before, repeated within the batch, new; due now and later; with no key."""
    later = now + timedelta(hours=1)
    return [
        Notify("test.hello", Hello(channel="C1", n=1), dedupe_key=f"{prefix}:old"),
        Notify("test.hello", Hello(channel="C1", n=2), dedupe_key=f"{prefix}:a"),
        Notify("test.edit", Hello(channel="C2", n=3), dedupe_key=f"{prefix}:a"),
        Notify("test.hello", Hello(channel="C1", n=4), dedupe_key=f"{prefix}:b", due_at=later),
        Notify("test.hello", Hello(channel="C1", n=5), expires_after=timedelta(minutes=5)),
        Notify("test.hello", Hello(channel="C1", n=6), dedupe_key=f"{prefix}:old"),
        Notify("test.hello", Hello(channel="C1", n=7)),
        Notify("test.edit", Hello(channel="C3", n=8), dedupe_key=f"{prefix}:c", due_at=later),
        Notify("test.hello", Hello(channel="C1", n=9), dedupe_key=f"{prefix}:a"),
    ]


@freeze_time("2026-12-01 09:00:00")
def test_a_batch_queues_what_one_notify_after_another_would_in_one_statement(
    runtime: Runtime, unit
) -> None:
    with unit() as ctx:
        for prefix in ("one", "many"):
            ctx.notify("test.hello", Hello(channel="C0", n=0), dedupe_key=f"{prefix}:old")
    with unit() as ctx:
        one_by_one = [ctx.notify(**vars(item)) for item in _batch("one", ctx.now)]
        sent_one = list(ctx.outbox.notice_ids)
    with unit() as ctx, counting(runtime.engine) as seen:
        batched = ctx.notify_many(_batch("many", ctx.now))
        sent_many = list(ctx.outbox.notice_ids)

    new = [i is not None for i in batched]
    # Queued before, and a key again after its first: not new, and the first one's row stays.
    assert new == [False, True, False, True, True, False, True, True, False]
    assert new == [i is not None for i in one_by_one]
    assert seen.inserts("notices") == [6], "one statement; a key's repeats left out of it"
    assert sent_many == [batched[1], batched[4], batched[6]], "only what is due now, in order"
    assert sent_one == [one_by_one[1], one_by_one[4], one_by_one[6]]
    with runtime.sessions() as s:
        rows = {
            n.dedupe_key: n
            for n in s.scalars(select(Notice).where(Notice.dedupe_key.like("many:%")))
        }
        assert rows["many:old"].payload["n"] == 0
        assert rows["many:a"].payload["n"] == 2 and rows["many:a"].kind == "test.hello"
        assert rows["many:c"].id == batched[7]
        keyless = s.scalars(
            select(Notice).where(Notice.id.in_([batched[4], batched[6]])).order_by(Notice.id)
        ).all()
        assert [n.payload["n"] for n in keyless] == [5, 7]
        assert keyless[0].expires_at is not None
        assert keyless[0].expires_at - keyless[0].due_at == timedelta(minutes=5)
        assert keyless[1].expires_at is None
    # The same rows, column for column, as the same notices queued one at a time.
    assert _same(runtime, "one", one_by_one) == _same(runtime, "many", batched)


def _same(runtime: Runtime, prefix: str, ids: list[int | None]) -> list[tuple[object, ...]]:
    """The rows ``ids`` name, keys without their prefix and the made-up ones left out."""
    with runtime.sessions() as s:
        rows = s.scalars(select(Notice).where(Notice.id.in_([i for i in ids if i]))).all()
    found = {n.id: n for n in rows}
    return [
        (
            n.dedupe_key.removeprefix(f"{prefix}:") if n.dedupe_key.startswith(prefix) else None,
            n.kind,
            n.payload,
            n.due_at,
            n.expires_at,
            n.status,
            n.attempts,
            n.claims,
            n.progress,
            n.created_at,
        )
        for n in (found[i] for i in ids if i)
    ]


@freeze_time("2026-12-01 09:00:00")
def test_a_batch_is_checked_whole_before_anything_is_queued(runtime: Runtime, unit) -> None:
    good = Notify("test.hello", Hello(channel="C1"), dedupe_key="good")
    with unit() as ctx:  # the unit commits: whatever was written before the error would stay
        with pytest.raises(TypeError, match=r"'test\.hello' carries Hello, not Other"):
            ctx.notify_many([good, Notify("test.hello", Other(channel="C1"))])
        with pytest.raises(LookupError, match=r"test\.nobody"):
            ctx.notify_many([good, Notify("test.nobody", Hello(channel="C1"))])
        with counting(runtime.engine) as seen:
            assert ctx.notify_many([]) == []
    assert _statuses(runtime) == []
    assert seen.count == 0


def test_lapsed_claims_go_back_by_what_was_under_way_in_one_statement(sessions) -> None:
    """A claim older than the lease: with no call under way the row is due again, with one
    under way it is in doubt; a younger claim and other statuses are left alone."""
    from storage.db import transaction

    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    old, young = now - timedelta(minutes=10), now - timedelta(seconds=5)
    rows = [("a", "sending", old), ("b", "calling", old), ("c", "sending", young)]
    rows += [("d", "calling", young), ("e", "pending", old), ("f", "sent", old)]
    with transaction(sessions) as s:
        s.execute(
            Notice.__table__.insert(),
            [
                notice_row(
                    key,
                    status,
                    due_at=old,
                    created_at=old,
                    claimed_at=claimed,
                    attempts=1,
                    claims=1,
                )
                for key, status, claimed in rows
            ],
        )
    with transaction(sessions) as s, counting(sessions.kw["bind"]) as seen:
        assert queue.recover_stale(s, now - timedelta(minutes=2), now) == (1, 1)
    assert len([x for x in seen.statements if x.startswith("UPDATE")]) == 1
    with sessions() as s:
        got = {n.dedupe_key: (n.status, n.last_error) for n in s.scalars(select(Notice))}
    assert got == {
        "a": ("pending", "interrupted before calling Slack"),
        "b": ("unknown", "interrupted while calling Slack"),
        "c": ("sending", None),
        "d": ("calling", None),
        "e": ("pending", None),
        "f": ("sent", None),
    }
