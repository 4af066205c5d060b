"""Retention: the active scheduler deletes finished notices and handled event ids past their
configured age, in bounded batches, and never a notice still on its way or the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.config import ConfigError, load_config, parse_config
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from storage.db import transaction
from storage.models import AuditEvent, Notice, NoticeStatus, ProcessedEvent
from tests.cli import Opsdesk
from tests.conftest import EXAMPLE
from tests.scale import counting

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _notice(status: NoticeStatus, age: timedelta, n: int) -> Notice:
    return Notice(
        kind="test.old",
        payload={},
        dedupe_key=f"old:{status}:{age.days}:{n}",
        due_at=NOW - age,
        status=status,
        attempts=1,
        created_at=NOW - age,
    )


def _seed(rt: Runtime) -> None:
    with transaction(rt.sessions) as s:
        for n, status in enumerate(NoticeStatus):
            for age in (timedelta(days=31), timedelta(days=29)):
                s.add(_notice(status, age, n))
        for days in (8, 6):
            for n in range(3):
                s.add(
                    ProcessedEvent(event_id=f"Ev{days}-{n}", received_at=NOW - timedelta(days=days))
                )
        s.add(AuditEvent(at=NOW - timedelta(days=900), actor="U_ALICE", entity="x", action="y"))


def _left(rt: Runtime) -> tuple[set[tuple[str, int]], set[str], int]:
    with rt.sessions() as s:
        notices = {
            (st, (NOW - due).days) for st, due in s.execute(select(Notice.status, Notice.due_at))
        }
        events = set(s.scalars(select(ProcessedEvent.event_id)))
        audit = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return notices, events, audit


@pytest.mark.areas()
def test_what_is_finished_and_old_goes_and_nothing_else(frozen, runtime: Runtime) -> None:
    _seed(runtime)
    Scheduler(runtime).retention.run(runtime.clock.now())
    notices, events, audit = _left(runtime)
    finished = {"sent", "skipped", "cancelled", "failed"}
    unfinished = {s.value for s in NoticeStatus} - finished
    assert notices == {(s.value, 29) for s in NoticeStatus} | {(s, 31) for s in unfinished}
    assert events == {f"Ev6-{n}" for n in range(3)}
    assert audit == 1, "the audit trail is kept"


@pytest.mark.areas()
def test_pruning_goes_in_batches_then_rests_for_an_hour(frozen, runtime: Runtime) -> None:
    _seed(runtime)
    retention = Scheduler(runtime).retention
    retention.batch = 3
    pruned = []
    for _ in range(4):
        retention.run(runtime.clock.now())
        pruned.append(len(_left(runtime)[0]))
    # 4 old finished notices: a full batch of 3, then the last one, then rest.
    assert pruned == [13, 12, 12, 12]
    with counting(runtime.engine) as seen:
        assert retention.run(runtime.clock.now()) is None
    assert seen.statements == [], "resting costs nothing"
    with transaction(runtime.sessions) as s:
        s.add(_notice(NoticeStatus.SENT, timedelta(days=31), 99))
    frozen.tick(timedelta(minutes=59))
    retention.run(runtime.clock.now())
    assert len(_left(runtime)[0]) == 13
    frozen.tick(timedelta(minutes=2))
    retention.run(runtime.clock.now())
    assert len(_left(runtime)[0]) == 12, "an hour later it prunes again"


@pytest.mark.areas()
def test_the_active_scheduler_prunes_each_tick_when_due(frozen, runtime: Runtime) -> None:
    with transaction(runtime.sessions) as s:
        s.add(_notice(NoticeStatus.SENT, timedelta(days=31), 1))
        s.add(_notice(NoticeStatus.SENT, timedelta(days=2), 2))
        s.add(ProcessedEvent(event_id="Ev-old", received_at=NOW - timedelta(days=8)))
    scheduler = Scheduler(runtime)
    try:
        scheduler.tick()
    finally:
        scheduler.shutdown()
    notices, events, _ = _left(runtime)
    assert notices == {("sent", 2)} and events == set()


@pytest.mark.areas()
def test_retention_ages_come_from_the_config(frozen, runtime: Runtime) -> None:
    runtime.config = parse_config(
        {**_example(), "retention": {"notices": "60d", "events": "2d"}}, "opsdesk.toml"
    )
    _seed(runtime)
    Scheduler(runtime).retention.run(runtime.clock.now())
    notices, events, _ = _left(runtime)
    assert len(notices) == 16, "nothing is 60 days old"
    assert events == set()


def _example() -> dict:
    import tomllib

    return tomllib.loads(Path(EXAMPLE).read_text())


def test_the_defaults_are_thirty_and_seven_days() -> None:
    retention = load_config(EXAMPLE).retention
    assert (retention.notices, retention.events) == (timedelta(days=30), timedelta(days=7))


@pytest.mark.parametrize(
    ("section", "where", "says"),
    [
        ({"notices": "2d"}, "retention.notices", "at least 7d"),
        ({"events": "30m"}, "retention.events", "at least 1d"),
        ({"events": "soon"}, "retention.events", "duration"),
        ({"audit": "30d"}, "retention.audit", "Extra inputs"),
    ],
)
def test_bad_retention_is_a_located_error(section: dict, where: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"retention": section}, "opsdesk.toml")
    text = "\n".join(caught.value.errors)
    assert where in text and says.lower() in text.lower(), text


def test_check_config_names_a_bad_retention(tmp_path: Path, opsdesk: Opsdesk) -> None:
    bad = tmp_path / "opsdesk.toml"
    bad.write_text('[retention]\nnotices = "1h"\n')
    result = opsdesk("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "retention.notices" in result.stderr and "Traceback" not in result.stderr
