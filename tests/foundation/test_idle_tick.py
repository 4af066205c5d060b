"""A scheduler tick with nothing due costs a few statements, the same at any size.

Planners remember what they planned (maintenance: ``plan_from`` per window), so a tick reads
only what is new: no window, no notice, no insert. Counts are not timings; a planner that
re-queued every notice of its horizon each tick would show here as hundreds of INSERTs growing
with the data (on SQLite 366 statements at 1x and 3,975 at 10x before it remembered).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import Connection, event, func, select

from bot.runtime import Runtime
from bot.scheduler import Scheduler
from storage.models import Notice
from tests.conftest import _wipe
from tests.scale import counting, seed

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BUDGET = 15  # statements, transaction control (SQLite's BEGIN IMMEDIATE) apart


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time(NOW) as f:
        yield f


def _idle_tick(rt: Runtime) -> list[str]:
    """The statements of a tick after the ones that planned and sent what there was."""
    scheduler = Scheduler(rt)
    try:
        for _ in range(3):
            scheduler.tick()
        with counting(rt.engine) as seen:
            assert scheduler.tick() == 0
        return [" ".join(s.split()) for s in seen.statements]
    finally:
        scheduler.shutdown()


def _queries(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]


def test_an_idle_tick_does_not_grow_with_history(frozen, runtime: Runtime, engine) -> None:
    seed(runtime, 0.1, windows=1, now=NOW)  # 500 maintenance windows
    small = _idle_tick(runtime)
    _wipe(engine)
    seed(runtime, 0.3, windows=10, now=NOW)  # 5,000: what 10x holds
    large = _idle_tick(runtime)
    with runtime.sessions() as s:
        queued = s.scalar(select(func.count()).select_from(Notice))
    assert queued > 1000, "the big seed has plenty planned"
    assert len(small) == len(large)
    assert len(_queries(large)) <= BUDGET, "\n".join(_queries(large))
    assert not [s for s in large if s.startswith("INSERT INTO notices")], "nothing re-queued"
    assert not [s for s in large if "FROM maintenance_windows" in s and "plan_from" not in s]


@pytest.mark.areas("resources", "maintenance")  # no other planner mixes its rows in
def test_a_tick_plans_what_comes_into_the_horizon_and_only_that(frozen, runtime: Runtime) -> None:
    seed(runtime, 0.01, windows=1, now=NOW)
    scheduler = Scheduler(runtime)
    try:
        scheduler.tick()
        frozen.tick(timedelta(hours=6))
        with runtime.sessions() as s:
            before = s.scalar(select(func.max(Notice.id)))
        with counting(runtime.engine) as seen:
            scheduler.tick()
        with runtime.sessions() as s:
            new = s.scalars(select(Notice.dedupe_key).where(Notice.id > before)).all()
    finally:
        scheduler.shutdown()
    inserts = seen.inserts("notices")
    # Six more hours of horizon: some occurrences' notices, each sent once, none again, and
    # all in one statement.
    assert new and all(k.startswith("maintenance:") for k in new)
    assert inserts == [len(new)]


def test_an_idle_tick_opens_no_transaction_for_its_planners(frozen, runtime: Runtime) -> None:
    """Planners with nothing to do only read: they run outside any transaction (no BEGIN and
    COMMIT on PostgreSQL, no write lock on SQLite); what is left is the sweep's own two."""
    scheduler = Scheduler(runtime)
    writing: list[object] = []

    def began(conn: Connection) -> None:
        options = conn.get_execution_options()
        if not options.get("opsdesk_reads") and options.get("isolation_level") != "AUTOCOMMIT":
            writing.append(conn)

    try:
        for _ in range(3):
            scheduler.tick()
        assert len(runtime.registry.planners()) >= 5
        event.listen(runtime.engine, "begin", began)
        try:
            assert scheduler.tick() == 0
        finally:
            event.remove(runtime.engine, "begin", began)
    finally:
        scheduler.shutdown()
    assert len(writing) <= 2  # claims left by a dead process put back; what is due
