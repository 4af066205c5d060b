"""The shifts planner finds every upcoming shift start again on each tick (its key keeps the
reminder single): all rotations' reminders go in one statement, not one a start."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.config import Config
from bot.runtime import Runtime
from storage.models import Notice
from tests.scale import counting
from tests.shifts.helpers import rotation, utc, with_rotations

BERLIN = "Europe/Berlin"
TEAMS = [f"team-{i:02d}" for i in range(12)]


@pytest.fixture
def config(config: Config) -> Config:
    return with_rotations(config, *(rotation(name, channel=None) for name in TEAMS))


@pytest.mark.areas("shifts")  # no other planner mixes its rows in
def test_every_rotations_reminder_goes_in_one_statement(runtime: Runtime) -> None:
    change = utc("2026-12-07 09:00", BERLIN)  # every team's shift changes hands
    with freeze_time(change - timedelta(minutes=90)) as frozen:
        with counting(runtime.engine) as first:
            runtime.dispatcher.plan()
        frozen.tick(timedelta(minutes=1))
        with counting(runtime.engine) as again:
            runtime.dispatcher.plan()
    with runtime.sessions() as s:
        queued = s.scalars(select(Notice.dedupe_key).where(Notice.kind == "shift.remind")).all()
    assert len(queued) == len(TEAMS)
    assert first.inserts("notices") == [len(TEAMS)]
    assert again.inserts("notices") == [len(TEAMS)], "found again, kept single by its key"
