"""Escalation policies from the config: steps in order, each page once, stopped by
acknowledging, mitigating or resolving; DST- and restart-safe; pages on demand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot.config import Config
from bot.errors import Conflict, NotFound, UserError
from bot.incidents import escalation, service
from bot.runtime import Runtime, build_runtime
from tests.incidents.escalation_helpers import (
    config_with,
    escalation_rows,
    paged_events,
    pages,
    raise_,
    unit_with,
    utc,
)
from tests.recording import RecordingMessenger

START = "2026-12-01 09:00:00"  # primary: U_ALICE's week; secondary: U_CAROL's
ROTATIONS = [
    {
        "name": "secondary",
        "members": ["U_CAROL", "U_DAVE"],
        "start": "2026-11-30 09:00",
        "length": "1w",
        "timezone": "Europe/Berlin",
    },
    {"name": "later", "members": ["U_BOB"], "start": "2027-06-01 09:00", "length": "1w"},
]
POLICY = {
    "severities": ["sev1"],
    "steps": [
        {"after": "5m", "notify": ["rotation:primary"]},
        {"after": "15m", "notify": ["rotation:secondary", "U_DAVE"]},
        {"after": "30m", "notify": ["admins"], "repeat": "30m"},
    ],
}


@pytest.fixture
def config() -> Config:
    return config_with(rotations=ROTATIONS, escalation=[POLICY])


def _at(frozen, runtime: Runtime, minutes: float) -> None:
    frozen.move_to(utc(START) + timedelta(minutes=minutes))
    runtime.dispatcher.run_due()
    runtime.dispatcher.run_due()  # a second sweep finds nothing more to send


def test_steps_page_in_order_each_exactly_once(runtime, unit, messenger, sessions) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime)
        assert len(escalation_rows(sessions, "pending")) == 3, "every step planned at raise"
        _at(frozen, runtime, 4.99)
        assert pages(messenger) == []
        _at(frozen, runtime, 5)
        assert pages(messenger) == ["U_ALICE"]
        _at(frozen, runtime, 15)
        assert pages(messenger) == ["U_ALICE", "U_CAROL", "U_DAVE"]
        _at(frozen, runtime, 30)
        assert pages(messenger)[3:] == ["U_ALICE"]  # admins
        _at(frozen, runtime, 59)
        assert len(pages(messenger)) == 4
        _at(frozen, runtime, 60)
        assert len(pages(messenger)) == 5, "the last step repeats every 30m"
    texts = [text for _, _, text in paged_events(sessions, incident_id)]
    assert texts == [
        "<@U_ALICE> (step 1)",
        "<@U_CAROL>, <@U_DAVE> (step 2)",
        "<@U_ALICE> (step 3)",
        "<@U_ALICE> (step 3, repeat 1)",
    ]
    dm = messenger.of("dm")[0].message
    assert "incident_ack" in str(dm.blocks) and "not been acknowledged after 5m" in dm.text


def test_a_severity_without_a_policy_pages_nobody(runtime, unit, messenger, sessions) -> None:
    with freeze_time(START) as frozen:
        raise_(unit, runtime, severity="sev2")  # the configured policies replace the default
        _at(frozen, runtime, 120)
    assert pages(messenger) == [] and escalation_rows(sessions) == []


@pytest.mark.parametrize("stop", ["acknowledge", "mitigate", "resolve"])
def test_acknowledging_mitigating_or_resolving_stops_it(
    stop: str, runtime, unit, messenger, sessions
) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime)
        _at(frozen, runtime, 5)
        with unit("U_BOB") as ctx:
            getattr(service, stop)(ctx, incident_id)
        _at(frozen, runtime, 240)
    assert pages(messenger) == ["U_ALICE"]
    assert escalation_rows(sessions, "pending") == []
    assert len(escalation_rows(sessions, "cancelled")) == 2


def test_reopening_starts_the_policy_again(runtime, unit, messenger) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime)
        with unit() as ctx:
            service.resolve(ctx, incident_id)
        _at(frozen, runtime, 60)
        with unit() as ctx:
            service.reopen(ctx, incident_id)
        _at(frozen, runtime, 64)
        assert pages(messenger) == []
        _at(frozen, runtime, 65)
        assert pages(messenger) == ["U_ALICE"], "5m after the reopen"


def test_a_new_severity_with_a_policy_starts_its_clock(runtime, unit, messenger) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime, severity="sev3")
        _at(frozen, runtime, 30)
        with unit() as ctx:
            service.set_severity(ctx, incident_id, "sev1")
        _at(frozen, runtime, 34)
        assert pages(messenger) == []
        _at(frozen, runtime, 35)
        assert pages(messenger) == ["U_ALICE"]
        with unit() as ctx:
            service.set_severity(ctx, incident_id, "sev3")  # no policy: paging stops
        _at(frozen, runtime, 120)
        assert pages(messenger) == ["U_ALICE"]


def test_a_restart_between_steps_neither_doubles_nor_loses_one(
    runtime, unit, messenger, sessions, settings, config, engine, clock, registry
) -> None:
    with freeze_time(START) as frozen:
        incident_id = raise_(unit, runtime)
        _at(frozen, runtime, 5)
        # The process stops; another starts over the same database and sweeps.
        after = RecordingMessenger()
        fresh = build_runtime(
            settings, config, after, registry, clock=clock, engine=engine, synchronous=True
        )
        _at(frozen, fresh, 15)
        _at(frozen, runtime, 15)  # the old one too, had it kept running: nothing twice
        _at(frozen, fresh, 30)
        _at(frozen, runtime, 30)
    assert pages(messenger) + pages(after) == ["U_ALICE", "U_CAROL", "U_DAVE", "U_ALICE"]
    assert [t for _, _, t in paged_events(sessions, incident_id)][1] == (
        "<@U_CAROL>, <@U_DAVE> (step 2)"
    )
    assert len(escalation_rows(sessions, "pending")) == 1, "only the next repeat is queued"


def test_repeats_missed_while_stopped_are_not_sent_in_a_burst(
    runtime, unit, messenger, sessions
) -> None:
    with freeze_time(START) as frozen:
        raise_(unit, runtime)
        _at(frozen, runtime, 30)
        assert len(pages(messenger)) == 4
        _at(frozen, runtime, 185)  # stopped for 2.5 hours: repeats 1 to 5 were due meanwhile
        assert len(pages(messenger)) == 5, "one page, not five"
        (pending,) = escalation_rows(sessions, "pending")
        assert pending.due_at == utc(START) + timedelta(minutes=210), "on the step's timetable"
        assert pending.payload["n"] == 6


def test_page_on_demand_by_name_and_by_rotation(runtime, unit, messenger, sessions) -> None:
    with freeze_time(START):
        incident_id = raise_(unit, runtime, severity="sev3")
        with unit("U_BOB") as ctx:
            incident = service.get(ctx, incident_id)
            assert escalation.page_now(ctx, incident, "U_DAVE") == ["U_DAVE"]
            assert escalation.page_now(ctx, incident, "rotation:secondary") == ["U_CAROL"]
        runtime.dispatcher.run_due()
    assert pages(messenger) == ["U_DAVE", "U_CAROL"]
    assert "You are paged (by <@U_BOB>)" in str(messenger.of("dm")[0].message.blocks)
    assert [(who, t) for _, who, t in paged_events(sessions, incident_id)] == [
        ("U_BOB", "<@U_DAVE>"),
        ("U_BOB", "<@U_CAROL>"),
    ]


def test_page_on_demand_errors(runtime, unit) -> None:
    with freeze_time(START):
        incident_id = raise_(unit, runtime)
        with unit() as ctx, pytest.raises(NotFound, match="no incident INC-99"):
            service.get(ctx, 99)
        with unit() as ctx:
            incident = service.get(ctx, incident_id)
            with pytest.raises(UserError, match="no rotation called nightly"):
                escalation.page_now(ctx, incident, "rotation:nightly")
            with pytest.raises(UserError, match="Nobody is on call in later"):
                escalation.page_now(ctx, incident, "rotation:later")
            service.resolve(ctx, incident_id)
        with unit() as ctx, pytest.raises(Conflict, match="is resolved"):
            escalation.page_now(ctx, service.get(ctx, incident_id), "U_BOB")


def test_the_on_call_person_is_the_one_at_the_steps_time(runtime, unit, messenger) -> None:
    # Raised 8 minutes before the primary hand-off (Monday 09:00 Berlin, 08:00 UTC); the queue
    # is stopped until after it: step 1 was due on U_ALICE's watch and pages her; step 2 (at
    # 08:07) comes after the secondary hand-off too, U_CAROL to U_DAVE.
    with freeze_time("2026-12-07 07:52:00") as frozen:
        raise_(unit, runtime)
        frozen.move_to("2026-12-07 08:30:00")
        runtime.dispatcher.run_due()
    assert pages(messenger) == ["U_ALICE", "U_DAVE", "U_ALICE"]  # step 3: the admins


@pytest.fixture
def dst_config() -> Config:
    night = {
        "name": "night",
        "members": ["U_BOB", "U_CAROL"],
        "start": "2027-03-27 03:00",  # hand-offs at 03:00 Berlin time, every day
        "length": "1d",
        "timezone": "Europe/Berlin",
    }
    policy = {
        "severities": ["sev1"],
        "steps": [
            {"after": "30m", "notify": ["rotation:night"]},
            {"after": "1h", "notify": ["rotation:night"], "repeat": "1h"},
        ],
    }
    return config_with(rotations=[night], escalation=[policy])


def test_escalation_across_the_spring_dst_change(
    dst_config, settings, engine, clock, registry, sessions
) -> None:
    # Sunday 28 March 2027, Europe/Berlin: at 01:00 UTC clocks go from 02:00 to 03:00. Raised
    # at 01:20 local (00:20 UTC); the steps are 30m, 1h and every hour since: elapsed time, so
    # 00:50, 01:20 and 02:20 UTC, though the wall clock jumped an hour in between.
    messenger = RecordingMessenger()
    rt = build_runtime(
        settings, dst_config, messenger, registry, clock=clock, engine=engine, synchronous=True
    )

    def run(moment: str) -> None:
        frozen.move_to(moment)
        rt.dispatcher.run_due()

    with freeze_time("2027-03-28 00:20:00") as frozen:
        with unit_with(sessions, registry, dst_config, "U_DAVE") as ctx:
            incident_id = service.raise_incident(ctx, "DB down", "sev1").incident.id
        rows = escalation_rows(sessions, "pending")
        assert [r.due_at for r in rows] == [utc("2027-03-28 00:50"), utc("2027-03-28 01:20")]
        run("2027-03-28 00:49:59")
        run("2027-03-28 00:50:00")
        run("2027-03-28 01:19:59")
        run("2027-03-28 01:20:00")
        run("2027-03-28 02:19:59")
        run("2027-03-28 02:20:00")
    events = paged_events(sessions, incident_id)
    assert [(at, text) for at, _, text in events] == [
        (utc("2027-03-28 00:50"), "<@U_BOB> (step 1)"),  # 01:50 CET: Bob's night
        (utc("2027-03-28 01:20"), "<@U_CAROL> (step 2)"),  # 03:20 CEST: Carol's since 03:00
        (utc("2027-03-28 02:20"), "<@U_CAROL> (step 2, repeat 1)"),
    ]
