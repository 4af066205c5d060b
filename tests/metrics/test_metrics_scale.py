"""A scrape stays cheap as history grows: the same statements, along indexes, never a scan of
the sent notices or the resolved incidents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, event, text

from bot import metrics
from bot.runtime import Runtime
from storage.models import Notice, NoticeStatus
from tests.conftest import _wipe
from tests.metrics.helpers import parse, total, value
from tests.scale import counting, seed

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[None]:
    with freeze_time(NOW):
        yield


def _notices(engine: Engine, history: int) -> None:
    """``history`` sent notices over a year, plus a queue: 30 due, 200 planned, 5 failed."""
    old = NOW - timedelta(days=365)
    rows: list[dict[str, Any]] = []

    def add(kind: str, status: str, due: datetime, **extra: datetime) -> None:
        rows.append(
            {
                "kind": kind,
                "payload": {},
                "dedupe_key": f"scale:{len(rows)}",
                "due_at": due,
                "status": status,
                "attempts": 1,
                "created_at": due,
                "progress": {},
                "claims": 1,
                "sent_at": extra.get("sent_at"),
                "failed_at": extra.get("failed_at"),
            }
        )

    for i in range(history):
        at = old + timedelta(minutes=i * 525_600 // max(history, 1))
        add("incident.announce" if i % 2 else "shifts.handoff", "sent", at, sent_at=at)
    for _ in range(30):
        add("incident.announce", NoticeStatus.PENDING.value, NOW - timedelta(minutes=7))
    for _ in range(200):
        add("incident.announce", NoticeStatus.PENDING.value, NOW + timedelta(days=3))
    for _ in range(5):
        failed = NOW - timedelta(hours=1)
        add("incident.announce", NoticeStatus.FAILED.value, failed, failed_at=failed)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(Notice.__table__.insert(), rows[start : start + 5000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE notices; ANALYZE incidents"))
        else:
            conn.execute(text("ANALYZE"))


def _statements(runtime: Runtime) -> list[str]:
    metrics.exposition(runtime)  # warm
    with counting(runtime.engine) as seen:
        samples = parse(metrics.exposition(runtime).decode())
    assert value(samples, "opsdesk_notices", status="pending", kind="incident.announce") == 30
    assert value(samples, "opsdesk_notices", status="failed", kind="incident.announce") == 5
    assert value(samples, "opsdesk_notice_oldest_pending_seconds") == 7 * 60
    assert total(samples, "opsdesk_incidents_open") > 0
    return [re.sub(r"\s+", " ", s) for s in seen.statements]


def test_a_scrape_sends_the_same_statements_at_any_size(frozen, runtime, engine) -> None:
    seed(runtime, 0.05, now=NOW)
    _notices(engine, 1_000)
    small = _statements(runtime)
    _wipe(engine)
    seed(runtime, 0.3, now=NOW)
    _notices(engine, 30_000)
    assert _statements(runtime) == small


def test_a_scrape_reads_notices_and_incidents_along_their_indexes(frozen, runtime, engine) -> None:
    seed(runtime, 0.3, now=NOW)
    _notices(engine, 30_000)
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        metrics.exposition(runtime)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    scans = []
    with engine.connect() as conn:
        for statement, parameters in sent:
            if engine.dialect.name == "postgresql":
                plan = list(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
                scans += [line for line in plan if re.search(r"Seq Scan on (notices|incid)", line)]
            else:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plan = [r[3] for r in rows]
                # Any scan of notices (even of a whole index) grows with history.
                scans += [line for line in plan if re.match(r"^SCAN (notices|incidents$)", line)]
    assert sent and scans == [], scans
