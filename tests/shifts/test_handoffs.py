"""Hand-off notices and shift reminders from the scheduler: on time across DST, exactly once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.config import Config
from bot.runtime import Runtime, build_runtime
from bot.scheduler import Scheduler
from bot.shifts import service
from storage.models import AuditEvent, Notice
from tests.recording import RecordingMessenger, Sent
from tests.shifts.helpers import local, rotation, utc, with_rotations
from tests.walking import walk

# The shifts area alone: the walks stop at each due notice, and other areas' (digests, the
# failures list, reports) would add stops and sends that say nothing about hand-offs.
pytestmark = pytest.mark.areas("shifts")

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


@pytest.fixture
def config(config: Config) -> Config:
    return with_rotations(
        config,
        rotation("eu", start="2026-10-12 09:00", tz=BERLIN, channel="C_EU"),
        rotation("us", start="2026-10-19 09:00", tz=NEW_YORK, channel="C_US"),
    )


def _handoffs(messenger: RecordingMessenger, channel: str) -> list[Sent]:
    return [s for s in messenger.of("post") if s.target == channel]


def _run(scheduler: Scheduler, frozen, until: datetime, every: timedelta, log: list) -> None:
    """Tick every ``every`` up to ``until`` and whenever a notice is due (tests/walking.py),
    noting when each message went out."""
    messenger = scheduler.rt.messenger
    assert isinstance(messenger, RecordingMessenger)
    seen = len(messenger.sent)

    def note(now: datetime) -> None:
        nonlocal seen
        log.extend((now, s) for s in messenger.sent[seen:])
        seen = len(messenger.sent)

    walk(scheduler, frozen, until, every, note)


@pytest.mark.parametrize(
    ("name", "tz", "days"),
    [
        ("eu", BERLIN, ["2026-10-19", "2026-10-26", "2027-03-22", "2027-03-29"]),
        ("us", NEW_YORK, ["2026-10-26", "2026-11-02", "2027-03-08", "2027-03-15"]),
    ],
)
def test_handoff_and_reminder_at_local_time_across_dst(runtime, messenger, name, tz, days):
    scheduler = Scheduler(runtime)
    rot = runtime.config.rotation(name)
    for day in days:
        # Catch up the day before, so the snapshot holds the outgoing person.
        with freeze_time(utc(f"{day} 09:00", tz) - timedelta(days=1)):
            scheduler.tick()
        messenger.sent.clear()
        log: list[tuple[datetime, Sent]] = []
        with freeze_time(utc(f"{day} 07:00", tz)) as frozen:
            _run(scheduler, frozen, utc(f"{day} 10:00", tz), timedelta(minutes=30), log)
        k = service.Schedule(rot).index_at(utc(f"{day} 09:00", tz))
        incoming, outgoing = rot.members[k % 3], rot.members[(k - 1) % 3]
        # The other rotation hands off at other instants; each test counts its own.
        posts = [
            (local(at, tz), s) for at, s in log if s.method == "post" and s.target == rot.channel
        ]
        dms = [
            (local(at, tz), s)
            for at, s in log
            if s.method == "dm" and f"*{name}*" in s.message.text
        ]
        assert [(at, s.target) for at, s in posts] == [(f"{day} 09:00", rot.channel)]
        text = posts[0][1].message.text
        assert f"<@{incoming}> is now on call" in text and f"Handed over by <@{outgoing}>" in text
        assert [(at, s.target) for at, s in dms] == [(f"{day} 08:00", incoming)]
        assert "on-call shift starts" in dms[0][1].message.text


def test_restart_in_the_middle_of_the_handoff_minute(runtime, messenger):
    at = utc("2026-11-02 09:00", NEW_YORK)
    first = Scheduler(runtime)
    with freeze_time(at - timedelta(hours=3)) as frozen:
        first.tick()
        frozen.tick(timedelta(hours=2))
        first.tick()  # the 08:00 reminder
    with freeze_time(at) as frozen:
        # Planned (the snapshot moved, the notice queued), then the process died before sending.
        runtime.dispatcher.plan()
        first.shutdown()  # a dead process's advisory lock goes with its connection
        frozen.tick(timedelta(seconds=20))
        restarted = Scheduler(_other(runtime, messenger))
        restarted.tick()
        frozen.tick(timedelta(seconds=20))
        restarted.tick()
        restarted.shutdown()
        Scheduler(_other(runtime, messenger)).tick()  # and once more, a third process
    assert len(_handoffs(messenger, "C_US")) == 1
    assert [d.target for d in messenger.of("dm")] == ["U_CAROL"], "the 08:00 reminder, once"
    assert "<@U_CAROL> is now on call" in _handoffs(messenger, "C_US")[0].message.text
    with runtime.sessions() as s:
        audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "handoff")).all()
    assert [(a.data["rotation"], a.data["from"], a.data["to"]) for a in audits] == [
        ("us", "U_BOB", "U_CAROL")
    ]


def test_last_minute_override_is_announced_not_the_rotation(runtime, unit, messenger):
    at = utc("2026-11-02 09:00", BERLIN)  # eu: U_CAROL hands over to U_ALICE
    scheduler = Scheduler(runtime)
    with freeze_time(at - timedelta(hours=2)) as frozen:
        scheduler.tick()
        frozen.tick(timedelta(minutes=119))  # 08:59
        scheduler.tick()
        with unit("U_ALICE") as ctx:
            service.add_override(ctx, "U_BOB", at, at + timedelta(days=1), "eu")
        scheduler.tick()
        frozen.tick(timedelta(minutes=1))
        scheduler.tick()
        scheduler.tick()
    posts = _handoffs(messenger, "C_EU")
    assert len(posts) == 1
    assert "<@U_BOB> is now on call (override)" in posts[0].message.text
    assert "Handed over by <@U_CAROL>" in posts[0].message.text
    dms = [d.target for d in messenger.of("dm")]
    assert dms.count("U_BOB") == 1, "the override's person is reminded, late but before start"
    assert dms.count("U_ALICE") == 1  # reminded at 08:00, before the override existed
    with runtime.sessions() as s:
        statuses = s.scalars(select(Notice.status).where(Notice.kind == "shift.remind")).all()
    assert sorted(statuses) == ["sent", "sent"]


def test_reminder_for_a_shift_taken_over_is_skipped(runtime, unit, messenger):
    at = utc("2026-11-02 09:00", BERLIN)
    scheduler = Scheduler(runtime)
    with freeze_time(at - timedelta(hours=1, minutes=30)) as frozen:
        scheduler.tick()  # U_ALICE's reminder is queued for 08:00
        with unit("U_CAROL") as ctx:
            service.add_override(ctx, "U_BOB", at, at + timedelta(days=7), "eu")
        frozen.tick(timedelta(minutes=30))
        scheduler.tick()
    dms = [d.target for d in messenger.of("dm")]
    assert dms == ["U_BOB"]
    with runtime.sessions() as s:
        rows = s.execute(select(Notice.dedupe_key, Notice.status)).all()
    assert any("U_ALICE" in key and status == "skipped" for key, status in rows)


def _other(runtime: Runtime, messenger: RecordingMessenger) -> Runtime:
    return build_runtime(
        runtime.settings,
        runtime.config,
        messenger,
        runtime.registry,
        engine=runtime.engine,
        synchronous=True,
    )


@pytest.mark.postgres_only
def test_two_schedulers_on_postgresql_post_each_handoff_and_reminder_once(runtime):
    shared = RecordingMessenger()
    runtimes = [_other(runtime, shared) for _ in range(2)]
    schedulers = [Scheduler(rt) for rt in runtimes]
    at = utc("2026-11-02 09:00", BERLIN)
    with freeze_time(at - timedelta(hours=2)) as frozen:
        for _ in range(30):  # 07:00 to 09:30 in 5-minute steps
            barrier = threading.Barrier(4)

            def race(fn, barrier=barrier) -> None:
                barrier.wait()
                fn()

            # Two elected schedulers, and two planners that skip the election on purpose.
            jobs = [s.tick for s in schedulers] + [rt.dispatcher.plan for rt in runtimes]
            threads = [threading.Thread(target=race, args=(fn,)) for fn in jobs]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            frozen.tick(timedelta(minutes=5))
        for rt in runtimes:
            rt.dispatcher.run_due()
    posts = _handoffs(shared, "C_EU")
    assert len(posts) == 1 and "<@U_ALICE> is now on call" in posts[0].message.text
    assert [d.target for d in shared.of("dm")] == ["U_ALICE"]
    assert _handoffs(shared, "C_US") == []  # first sight of "us" is silent; no hand-off due
