"""The scheduler: sweeps, restarts, leader election, and daily notices across DST."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select, text

from bot.context import Ctx
from bot.messenger import Message, Messenger
from bot.notices import Plan, Post, say
from bot.payloads import NoticePayload
from bot.recurrence import daily
from bot.registry import Registry
from bot.runtime import Runtime, build_runtime
from bot.scheduler import JOB_OPTIONS, SWEEP_ID, Scheduler
from bot.tz import zone
from storage.models import Notice
from tests.recording import RecordingMessenger
from tests.walking import walk

# No area: only this module's kinds and planner, so no area's notices mix into what it counts.
pytestmark = pytest.mark.areas()

HOUR = timedelta(hours=1)
DAILY_ZONES: list[str] = []  # the test planner only plans while a test switches it on


class Reminder(NoticePayload):
    text: str


class Daily(NoticePayload):
    tz: str
    at: str


@pytest.fixture(autouse=True)
def _declared(registry: Registry[Ctx]) -> None:
    registry.add_notice_kind("test.reminder", _reminder, payload=Reminder)
    registry.add_notice_kind("test.daily", _daily, payload=Daily)
    registry.add_planner("test-daily", _plan_daily)


def _reminder(ctx: Ctx, payload: Reminder) -> Plan[Ctx]:
    return say(Post("C_TEST", Message(text=payload.text)))


def _daily(ctx: Ctx, payload: Daily) -> Plan[Ctx]:
    return say(Post(payload.tz, Message(text=payload.at)))


def _plan_daily(ctx: Ctx) -> None:
    for name in DAILY_ZONES:
        tz = zone(name)
        nxt = next(daily(time(9, 0), tz, after=ctx.now - timedelta(minutes=1)))
        ctx.notify(
            "test.daily",
            Daily(tz=name, at=nxt.isoformat()),
            dedupe_key=f"test-daily:{name}:{nxt.astimezone(tz).date()}",
            due_at=nxt,
            expires_after=timedelta(hours=1),
        )


def _second_runtime(runtime: Runtime, messenger: Messenger) -> Runtime:
    return build_runtime(
        runtime.settings,
        runtime.config,
        messenger,
        runtime.registry,
        engine=runtime.engine,
        synchronous=True,
    )


def test_reminder_due_during_downtime_is_sent_once_after_restart(runtime, unit, messenger):
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            ctx.notify(
                "test.reminder",
                Reminder(text="standup"),
                due_at=ctx.now + timedelta(minutes=10),
                expires_after=timedelta(hours=2),
            )
        # The process is down from 09:00 to 10:00; a new one starts and sweeps.
        frozen.tick(timedelta(hours=1))
        restarted = Scheduler(_second_runtime(runtime, messenger))
        assert restarted.tick() == 1
        assert restarted.tick() == 0
    assert [s.message.text for s in messenger.of("post")] == ["standup"]


def test_reminder_past_its_expiry_is_skipped(runtime, unit, messenger):
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            ctx.notify(
                "test.reminder",
                Reminder(text="stale"),
                due_at=ctx.now,
                expires_after=timedelta(minutes=30),
            )
        frozen.tick(timedelta(hours=3))
        assert Scheduler(runtime).tick() == 0
    assert messenger.of("post") == []
    with runtime.sessions() as s:
        assert s.scalars(select(Notice.status)).all() == ["skipped"]


def test_failed_send_is_retried_and_not_lost(runtime, unit, messenger):
    messenger.fail_next = 1
    scheduler = Scheduler(runtime)
    with freeze_time("2026-12-01 09:00:00") as frozen:
        with unit() as ctx:
            ctx.notify("test.reminder", Reminder(text="retry me"))
        assert scheduler.tick() == 0
        frozen.tick(timedelta(minutes=1))
        assert scheduler.tick() == 1
    assert [s.message.text for s in messenger.of("post")] == ["retry me"]


@pytest.mark.postgres_only
def test_two_schedulers_send_every_reminder_exactly_once(runtime, unit):
    shared = RecordingMessenger()
    a = Scheduler(_second_runtime(runtime, shared))
    b = Scheduler(_second_runtime(runtime, shared))
    try:
        with freeze_time("2026-12-01 09:00:00") as frozen:
            with unit() as ctx:
                for n in range(30):
                    ctx.notify(
                        "test.reminder",
                        Reminder(text=f"r{n}"),
                        due_at=ctx.now + timedelta(minutes=n),
                    )
            for _ in range(31):
                barrier = threading.Barrier(2)

                def sweep(s: Scheduler, barrier: threading.Barrier = barrier) -> None:
                    barrier.wait()
                    s.tick()

                threads = [threading.Thread(target=sweep, args=(s,)) for s in (a, b)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                frozen.tick(timedelta(minutes=1))
            assert sorted(x.message.text for x in shared.of("post")) == sorted(
                f"r{n}" for n in range(30)
            )
            assert [a.is_leader, b.is_leader].count(True) == 1
            leader, follower = (a, b) if a.is_leader else (b, a)
            leader.shutdown()
            follower.tick()
            assert follower.is_leader, "the other scheduler takes over on its next tick"
    finally:
        a.shutdown()
        b.shutdown()


@pytest.mark.postgres_only
def test_the_leader_holds_its_lock_outside_any_transaction(runtime, engine) -> None:
    """Between ticks the leader's connection is idle, not "idle in transaction": an open
    transaction would make CREATE INDEX CONCURRENTLY in a migration beside it wait for the
    process to stop."""
    scheduler = Scheduler(runtime)
    try:
        for _ in range(2):  # the first tick takes the lock, the second only checks it
            scheduler.tick()
            assert scheduler.is_leader
            with engine.connect() as conn:
                states = conn.execute(
                    text(
                        "SELECT state FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND query LIKE 'SELECT%'"
                    )
                ).scalars()
                assert "idle in transaction" not in list(states)
            with engine.connect() as conn:
                held = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    )
                ).scalar()
            assert held == 1
    finally:
        scheduler.shutdown()


@pytest.mark.parametrize(
    ("zone_name", "days"),
    [
        (
            "Europe/Berlin",
            ["2027-03-27", "2027-03-28", "2027-03-29", "2026-10-24", "2026-10-25", "2026-10-26"],
        ),
        (
            "America/New_York",
            ["2027-03-13", "2027-03-14", "2027-03-15", "2026-10-31", "2026-11-01", "2026-11-02"],
        ),
    ],
)
def test_daily_nine_oclock_stays_nine_across_dst(runtime, messenger, zone_name, days):
    DAILY_ZONES[:] = [zone_name]
    scheduler = Scheduler(runtime)
    tz = zone(zone_name)
    went_out: list[datetime] = []

    def note(now: datetime) -> None:
        went_out.extend([now] * (len(messenger.of("post")) - len(went_out)))

    try:
        for day in days:
            start = datetime.fromisoformat(f"{day}T00:00").replace(tzinfo=tz).astimezone(UTC)
            with freeze_time(start) as frozen:
                # 24 hours from local midnight: a tick every hour and when a notice is due.
                walk(scheduler, frozen, start + timedelta(hours=23, minutes=55), HOUR, note)
    finally:
        DAILY_ZONES.clear()
    sent = [datetime.fromisoformat(s.message.text).astimezone(tz) for s in messenger.of("post")]
    assert [d.strftime("%Y-%m-%d %H:%M") for d in sent] == [f"{day} 09:00" for day in days]
    assert went_out == sent, "each went out when it was due"


def test_sweep_job_options(runtime):
    scheduler = Scheduler(runtime, interval=3600)
    scheduler.start()
    try:
        job = scheduler._aps.get_job(SWEEP_ID)
        assert job is not None
        assert job.coalesce is JOB_OPTIONS["coalesce"] is True
        assert job.max_instances == 1
        assert job.misfire_grace_time is None
    finally:
        scheduler.shutdown()


def test_running_scheduler_sends_a_due_notice(runtime, unit, messenger):
    sent = threading.Event()
    original = messenger.post

    def post(channel: str, message: Message, **kw: Any):
        ref = original(channel, message, **kw)
        sent.set()
        return ref

    messenger.post = post  # type: ignore[method-assign]
    with unit() as ctx:
        ctx.notify("test.reminder", Reminder(text="live"), due_at=ctx.now + timedelta(seconds=1))
    scheduler = Scheduler(runtime, interval=0.5)
    scheduler.start()
    try:
        assert sent.wait(5), "the live scheduler sent the notice"
    finally:
        scheduler.shutdown()
