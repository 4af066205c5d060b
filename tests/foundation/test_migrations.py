"""Migrations on both databases: from empty, from the previous head with rows in it, and back.

On PostgreSQL each migration runs in its own transaction, which is what lets the index migration
build with CREATE INDEX CONCURRENTLY (PostgreSQL refuses that statement inside a transaction).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect, text

from storage.db import make_engine
from storage.migrate import MIGRATIONS, downgrade, is_current, upgrade
from storage.schema_version import shipped, up_to_date
from tests.conftest import PG_URL, _postgres_engine

RETENTION = importlib.import_module("storage.migrations.versions.0016_retention")
INDEXES = [
    *importlib.import_module("storage.migrations.versions.0009_indexed_reads").INDEXES,
    *RETENTION.INDEXES,
]
# 0013 rebuilds the open/closed incident indexes (a new open state) and the stats' covering one.
REBUILT = len(importlib.import_module("storage.migrations.versions.0013_escalation").PARTIAL) + 1
# 0017 rebuilds the open-incidents-on-a-resource one (0011 made it before 'mitigated' was open).
OCCURRENCES = importlib.import_module("storage.migrations.versions.0017_occurrences")
REBUILT += 1
# The heads before this work: every area's first migration.
PREVIOUS = ["0002_incidents", "0003_purchases", "0005_maintenance", "0006_shifts", "0007_digests"]
T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all (not the suite's migrated one)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield engine
        engine.dispose()
        return
    made = _postgres_engine()
    if made is None:
        pytest.skip("PostgreSQL is not reachable")
    engine, schema = made
    yield engine
    engine.dispose()
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    return seen


def _index_sql(engine: Engine, name: str) -> str | None:
    """The index's definition, or None when it is missing or (PostgreSQL) not valid."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return conn.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"),
                {"n": name},
            ).scalar()
        return conn.execute(
            text(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = :n AND c.relnamespace = current_schema()::regnamespace "
                "AND i.indisvalid"
            ),
            {"n": name},
        ).scalar()


def _assert_new_indexes(engine: Engine) -> None:
    for name, table, columns, where in INDEXES:
        sql = _index_sql(engine, name)
        assert sql is not None, f"{name} is missing or invalid"
        assert table in sql and all(c in sql for c in columns)
        if where:
            assert "WHERE" in sql, f"{name} should be partial ({where})"


def test_upgrade_from_empty_builds_the_indexes_concurrently_on_postgresql(empty: Engine) -> None:
    seen = _statements(empty)
    upgrade(empty)
    assert is_current(empty)
    _assert_new_indexes(empty)
    assert _index_sql(empty, "ix_incidents_created_at") is None, "replaced by a covering one"
    on_resource = _index_sql(empty, OCCURRENCES.RESOURCE_INDEX[0]) or ""
    assert "mitigated" in on_resource and "resource IS NOT NULL" in on_resource
    concurrent = [s for s in seen if s.startswith("CREATE INDEX CONCURRENTLY")]
    if empty.dialect.name == "postgresql":
        # and pending notices by key prefix
        assert len(concurrent) == len(INDEXES) + REBUILT + 1
        assert "varchar_pattern_ops" in (_index_sql(empty, RETENTION.PREFIX_INDEX) or "")
    else:
        assert concurrent == []


def test_upgrade_from_the_previous_head_keeps_rows_and_repairs_a_leftover_index(
    empty: Engine,
) -> None:
    for revision in PREVIOUS:
        upgrade(empty, revision)
    assert not is_current(empty)
    with empty.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO resources (name, kind, capacity, active, source, created_at) "
                "VALUES ('van', 'vehicle', 1, :t, 'config', :at)"
            ),
            {"t": True, "at": T},
        )
        conn.execute(
            text(
                'INSERT INTO maintenance_windows (resource_id, start, "end", every, tz, '
                "description, status, created_by, created_at) VALUES "
                "(1, :s, :e, 'day', 'UTC', 'Wash', 'scheduled', 'U_ALICE', :s)"
            ),
            {"s": T, "e": T + timedelta(hours=1)},
        )
        # What a build that failed half-way leaves behind: an index under the same name.
        conn.execute(text("CREATE INDEX ix_incidents_open_severity ON incidents (title)"))
    upgrade(empty)
    assert is_current(empty)
    _assert_new_indexes(empty)
    assert "title" not in (_index_sql(empty, "ix_incidents_open_severity") or "")
    with empty.connect() as conn:
        row = conn.execute(text("SELECT start, next_start, next_end FROM maintenance_windows"))
        start, next_start, next_end = row.one()
    assert next_start == start and next_end is not None, "the first occurrence, until planned"
    with empty.connect() as conn:
        plan_from = conn.execute(text("SELECT plan_from FROM maintenance_windows")).scalar()
    assert plan_from == start, "planned again from its stored occurrence"


def test_the_new_migrations_downgrade_and_upgrade_again(empty: Engine) -> None:
    upgrade(empty)
    downgrade(empty, "0005_maintenance")
    columns = {c["name"] for c in inspect(empty).get_columns("maintenance_windows")}
    assert "next_start" not in columns
    for name, *_ in INDEXES:
        assert _index_sql(empty, name) is None
    assert _index_sql(empty, "ix_incidents_created_at") is not None, "the replaced one is back"
    assert {"incidents", "purchase_requests", "bookings"} <= set(inspect(empty).get_table_names())
    upgrade(empty)
    assert is_current(empty)
    _assert_new_indexes(empty)


def _names(value: str | tuple[str, ...] | list[str] | None) -> set[str]:
    return {value} if isinstance(value, str) else set(value or ())


def test_the_start_up_check_reads_the_migrations_as_alembic_does() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    by_alembic = {
        r.revision: _names(r.down_revision) | _names(r.dependencies)
        for r in script.walk_revisions()
    }
    found = shipped()
    assert found is not None, "every migration declares its links as plain literals"
    assert {revision: set(links) for revision, links in found.items()} == by_alembic


def test_the_start_up_check_agrees_with_alembic_at_every_step(empty: Engine) -> None:
    assert up_to_date(empty) is None, "no version table: alembic is asked"
    assert not is_current(empty)
    for revision in PREVIOUS:
        upgrade(empty, revision)
        assert up_to_date(empty) is False and not is_current(empty)
    upgrade(empty)
    assert up_to_date(empty) is True and is_current(empty)
    downgrade(empty, "0010_notice_delivery")
    assert up_to_date(empty) is False and not is_current(empty)
    upgrade(empty)
    assert up_to_date(empty) is True
    with empty.begin() as conn:  # a newer version migrated this database
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0099_newer')"))
    assert up_to_date(empty) is False, "a revision it does not ship: alembic is asked"
