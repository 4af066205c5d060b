"""Reminders and escalation: they fire, repeat, stop on resolve, and never go out twice."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from bot.dispatcher import Dispatcher
from bot.errors import Conflict
from bot.incidents import service
from bot.runtime import Runtime
from bot.shifts import service as shifts
from storage.incidents import Incident
from tests.recording import RecordingMessenger

START = "2026-12-01 09:00:00"


def _reminders(messenger: RecordingMessenger) -> list[str]:
    return [
        s.message.text
        for s in messenger.of("post")
        if s.thread_ts and "no update" in s.message.text
    ]


def _raise(unit, runtime: Runtime, title: str = "Checkout down", severity: str = "sev1") -> int:
    with unit("U_CAROL") as ctx:
        incident = service.raise_incident(ctx, title, severity, channel_id="C_GENERAL").incident
    runtime.dispatcher.run_due()  # the announcement
    return incident.id


def test_quiet_incident_gets_reminders_at_its_interval(runtime: Runtime, unit, messenger) -> None:
    with freeze_time(START) as frozen:
        incident_id = _raise(unit, runtime, severity="sev3")  # every 4h
        frozen.tick(timedelta(hours=3, minutes=59))
        runtime.dispatcher.run_due()
        assert _reminders(messenger) == []
        frozen.tick(timedelta(minutes=1))
        runtime.dispatcher.run_due()
        assert len(_reminders(messenger)) == 1
        frozen.tick(timedelta(hours=4))
        runtime.dispatcher.run_due()
        assert len(_reminders(messenger)) == 2
        with unit() as ctx:
            service.resolve(ctx, incident_id)
        frozen.tick(timedelta(days=2))
        runtime.dispatcher.run_due()
        assert len(_reminders(messenger)) == 2, "resolving stops the reminders"


def test_an_update_pushes_the_next_reminder_back(runtime: Runtime, unit, messenger) -> None:
    with freeze_time(START) as frozen:
        incident_id = _raise(unit, runtime, severity="sev2")  # every 1h
        with unit("U_BOB") as ctx:
            service.acknowledge(ctx, incident_id)
        frozen.tick(timedelta(minutes=50))
        with unit("U_BOB") as ctx:
            service.add_update(ctx, incident_id, "Looking into it")
        frozen.tick(timedelta(minutes=10))  # 1h after raising, 10 minutes after the update
        runtime.dispatcher.run_due()
        assert _reminders(messenger) == []
        frozen.tick(timedelta(minutes=50))  # 1h after the update
        runtime.dispatcher.run_due()
        reminders = _reminders(messenger)
        assert len(reminders) == 1 and "<@U_BOB>" in reminders[0]


def test_reminders_are_not_repeated_after_a_restart(
    runtime: Runtime, unit, messenger, sessions, config
) -> None:
    with freeze_time(START) as frozen:
        _raise(unit, runtime, severity="sev1")  # every 30m
        frozen.tick(timedelta(minutes=30))
        runtime.dispatcher.run_due()
        # A second process (or a restart) sweeps the same minute: nothing more goes out.
        other = Dispatcher(
            sessions=sessions,
            messenger=messenger,
            config=config,
            now=runtime.clock.now,
            registry=runtime.registry,
        )
        other.run_due()
        runtime.dispatcher.run_due()
        assert len(_reminders(messenger)) == 1


def test_unacknowledged_sev1_escalates_to_on_call_once(runtime: Runtime, unit, messenger) -> None:
    with freeze_time(START) as frozen:
        _raise(unit, runtime, severity="sev1")
        frozen.tick(timedelta(minutes=4, seconds=59))
        runtime.dispatcher.run_due()
        assert messenger.of("dm") == []
        frozen.tick(timedelta(seconds=1))
        runtime.dispatcher.run_due()
        runtime.dispatcher.run_due()
        dms = messenger.of("dm")
        # On call comes from the example's rotation at the frozen date: its first week is
        # U_ALICE's (she is also the only admin, the fallback when nobody is on call).
        with unit() as ctx:
            assert shifts.people_on_call(ctx) == ["U_ALICE"]
        assert [d.target for d in dms] == ["U_ALICE"]
        assert "not been acknowledged" in dms[0].message.text


def test_acknowledged_incident_does_not_escalate(runtime: Runtime, unit, messenger) -> None:
    with freeze_time(START) as frozen:
        incident_id = _raise(unit, runtime, severity="sev2")
        frozen.tick(timedelta(minutes=2))
        with unit("U_BOB") as ctx:
            service.acknowledge(ctx, incident_id)
        frozen.tick(timedelta(minutes=10))
        runtime.dispatcher.run_due()
        assert messenger.of("dm") == []


def test_sev3_never_escalates(runtime: Runtime, unit, messenger) -> None:
    with freeze_time(START) as frozen:
        _raise(unit, runtime, severity="sev3")
        frozen.tick(timedelta(hours=1))
        runtime.dispatcher.run_due()
        assert messenger.of("dm") == []


def test_announcement_is_edited_in_place(runtime: Runtime, unit, messenger) -> None:
    with freeze_time(START):
        incident_id = _raise(unit, runtime)
        announced = messenger.of("post")[0].ref
        with unit("U_BOB") as ctx:
            service.acknowledge(ctx, incident_id)
        runtime.dispatcher.run_due()
    updates = messenger.of("update")
    assert updates and updates[0].ref == announced


@pytest.mark.postgres_only
def test_two_simultaneous_acknowledgements_record_one(runtime: Runtime, unit, sessions) -> None:
    incident_id = _raise(unit, runtime)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def ack(user: str) -> None:
        barrier.wait()
        try:
            with unit(user) as ctx:
                service.acknowledge(ctx, incident_id)
            outcomes[user] = "won"
        except Conflict as exc:
            outcomes[user] = exc.message

    threads = [threading.Thread(target=ack, args=(u,)) for u in ("U_BOB", "U_DAVE")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [u for u, o in outcomes.items() if o == "won"]
    assert len(winners) == 1
    loser = next(u for u in outcomes if u not in winners)
    assert f"already acknowledged by <@{winners[0]}>" in outcomes[loser]
    with sessions() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.acknowledged_by == winners[0]


def test_only_a_posted_update_moves_the_quiet_clock(runtime: Runtime, unit, messenger) -> None:
    """Acknowledging, a new commander or a severity change is no update: the reminder keeps
    counting from the last update posted, and says how long it really has been."""
    with freeze_time("2026-12-01 10:00:00") as frozen:
        incident_id = _raise(unit, runtime, severity="sev3")  # every 4h
        with unit("U_BOB") as ctx:
            service.add_update(ctx, incident_id, "First look: the database is slow")
        frozen.tick(timedelta(hours=1))
        with unit("U_BOB") as ctx:
            service.acknowledge(ctx, incident_id)
        frozen.tick(timedelta(hours=1))
        with unit("U_BOB") as ctx:
            service.assign(ctx, incident_id, "U_CAROL")
        frozen.tick(timedelta(hours=2))  # 14:00: four hours after the update
        runtime.dispatcher.run_due()
        reminders = _reminders(messenger)
        assert len(reminders) == 1, "acknowledge and assign must not push the reminder back"
        assert "for 4h" in reminders[0]
        with unit() as ctx:
            assert ctx.session.get(Incident, incident_id).last_update_at.hour == 10


def test_the_announcement_shows_when_the_last_update_was_posted(
    runtime: Runtime, unit, messenger
) -> None:
    with freeze_time("2026-12-01 10:00:00") as frozen:
        incident_id = _raise(unit, runtime, severity="sev3")
        with unit("U_BOB") as ctx:
            service.add_update(ctx, incident_id, "First look: the database is slow")
        frozen.tick(timedelta(hours=2))
        with unit("U_BOB") as ctx:
            service.set_severity(ctx, incident_id, "sev2")
        runtime.dispatcher.run_due()
    at_ten = int(datetime(2026, 12, 1, 10, 0, tzinfo=UTC).timestamp())
    last = json.dumps(messenger.of("update")[-1].message.blocks)
    assert f"Last update <!date^{at_ten}^" in last and "First look" in last
