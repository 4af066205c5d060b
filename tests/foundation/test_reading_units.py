"""Commands that only show things run as units that only read: no transaction around their
statements (on PostgreSQL one round trip each), no ping first, one more try on a connection
found lost, and a unit that tries to write after all runs again as a transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, create_engine, event, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot import unit
from bot.resources import catalogue
from bot.runtime import Runtime
from storage import users
from storage.db import DeadlineExceeded, WriteNeeded, deadline, lost_connection, transaction
from storage.resources import Resource
from tests.scale import InProcess, counting

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[None]:
    with freeze_time(NOW):
        yield


def _in_transaction(engine: Engine) -> Iterator[list[bool]]:
    """For each statement sent, whether it ran inside a transaction."""
    seen: list[bool] = []

    def record(conn: Any, *_: Any) -> None:
        raw = conn.connection.dbapi_connection
        if engine.dialect.name == "postgresql":
            seen.append(raw.info.transaction_status != 0)  # 0: idle, outside a transaction
        else:
            seen.append(raw.in_transaction)

    event.listen(engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", record)


def _known_alice(runtime: Runtime) -> InProcess:
    app = InProcess(runtime)
    with transaction(runtime.sessions) as session:
        users.remember(session, "U_ALICE", name="Alice", tz="Europe/Berlin", at=NOW)
    return app


def test_a_read_command_runs_outside_a_transaction_and_a_write_inside_one(frozen, runtime) -> None:
    app = _known_alice(runtime)
    runtime.deferred = []  # held, as the console holds them: the command's unit, not its notices
    tracking = _in_transaction(runtime.engine)
    seen = next(tracking)
    app.slash("/incident", "raise sev2 db is slow")
    assert seen and all(seen), "a write is one transaction"
    seen.clear()
    answer = app.slash("/incident", "list")
    assert "db is slow" in str(answer)
    assert seen == [False], "one statement, committed on its own"
    app.slash("/resource", "available room tomorrow 10:00 for 1h")  # the first syncs the config
    seen.clear()
    app.slash("/resource", "available room tomorrow 10:00 for 1h")
    assert seen and not any(seen)
    tracking.close()


def test_a_reading_unit_hands_back_any_write_or_lock_before_it_is_sent(runtime) -> None:
    attempts = [
        lambda s: (
            s.add(Resource(name="x", kind="room", capacity=1, active=True, source="chat"))
            or s.flush()
        ),
        lambda s: s.execute(update(Resource).values(capacity=9)),
        lambda s: s.execute(select(Resource).with_for_update()).all(),
        lambda s: s.execute(text("DELETE FROM resources")),
    ]
    for attempt in attempts:
        with counting(runtime.engine) as seen:
            outcome = unit.reading(runtime, attempt)
        assert isinstance(outcome, WriteNeeded)
        assert not [s for s in seen.statements if not s.lstrip().upper().startswith("SELECT")]
    with runtime.sessions() as session:
        assert session.scalars(select(Resource).where(Resource.name == "x")).first() is None


def test_a_read_command_that_writes_after_all_runs_again_as_a_transaction(frozen, runtime) -> None:
    # The first `/resource available` of a process syncs the config's resources into the
    # table: a read command that writes, so it runs again as one transaction and the rows stay.
    app = _known_alice(runtime)
    tracking = _in_transaction(runtime.engine)
    seen = next(tracking)
    answer = app.slash("/resource", "available room tomorrow 10:00 for 1h")
    tracking.close()
    assert "room-a" in str(answer)
    assert False in seen and seen[-1] is True, "a read, then the same again as a transaction"
    with runtime.sessions() as session:
        assert session.scalars(select(Resource).where(Resource.name == "room-a")).first()


def _kill_every_other_connection(runtime: Runtime) -> None:
    """Every connection to this test process's database but the killer's: the pool's too."""
    url = runtime.engine.url.render_as_string(hide_password=False)
    other = create_engine(url, poolclass=NullPool)  # not a connection of the app's pool
    with other.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    other.dispose()
    assert killed >= 1


@pytest.mark.postgres_only
def test_a_lost_connection_is_replaced_and_the_read_runs_again(
    frozen, runtime, caplog: pytest.LogCaptureFixture
) -> None:
    runtime.engine.dispose()  # a pool of this test's connections only
    app = _known_alice(runtime)
    app.slash("/incident", "raise sev2 db is slow")
    _kill_every_other_connection(runtime)
    with caplog.at_level(logging.INFO, logger="bot.unit"):
        answer = app.slash("/incident", "list")
    assert "db is slow" in str(answer) and "went wrong" not in str(answer)
    assert "reading again" in caplog.text


@pytest.mark.postgres_only
def test_a_lost_connection_is_not_replaced_when_the_deadline_could_not_cover_it(runtime) -> None:
    # One pooled connection, and none that an earlier test's lost one marked for replacement
    # (the pool would replace it on checkout, and there would be nothing lost to find).
    runtime.engine.dispose()
    unit.reading(runtime, lambda s: s.execute(text("SELECT 1")).scalar_one())
    _kill_every_other_connection(runtime)
    connecting = runtime.settings.db_limits.connect_timeout_s
    with deadline(connecting - 0.5), pytest.raises(OperationalError) as raised:
        unit.reading(runtime, lambda s: s.execute(text("SELECT 1")).scalar_one())
    assert raised.value.connection_invalidated


def test_a_call_cut_by_the_deadline_is_not_a_lost_connection() -> None:
    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    lost.connection_invalidated = True
    assert lost_connection(lost)

    cut = OperationalError("SELECT 1", {}, DeadlineExceeded("did not answer in time"))
    cut.connection_invalidated = True
    assert not lost_connection(cut)
    kept = OperationalError("SELECT 1", {}, Exception("lock timeout"))
    assert not lost_connection(kept)


def test_the_catalogue_is_synced_once_per_process_and_config(frozen, unit) -> None:
    with unit("U_ALICE") as ctx:
        catalogue.ensure(ctx)  # inserts the config's resources
    with unit("U_ALICE") as ctx:
        engine = ctx.session.get_bind()
        with counting(engine) as seen:
            catalogue.ensure(ctx)  # finds them as the config has them: remembered
            catalogue.ensure(ctx)
        assert len([s for s in seen.statements if s.startswith("SELECT")]) == 1
        edited = ctx.config.model_copy(
            update={
                "resources": [r.model_copy(update={"capacity": 7}) for r in ctx.config.resources]
            }
        )
        ctx.config = edited  # another config (the process started again with an edit)
        catalogue.ensure(ctx)
        assert {r.capacity for r in ctx.session.scalars(select(Resource))} == {7}
