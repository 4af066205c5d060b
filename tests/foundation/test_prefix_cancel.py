"""Cancelling a thing's pending notices by key prefix reads an index on PostgreSQL.

``dedupe_key LIKE 'incident:7:%'`` cannot use the unique index on the key under a non-C
collation; migration 0016 adds a ``varchar_pattern_ops`` index over pending notices, and this
checks that the statement `storage.notices.cancel` sends, with its bound parameters, uses it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text, update

from storage import notices as queue
from storage.db import transaction
from storage.models import Notice, NoticeStatus
from tests.notice_rows import notice_row

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_prefix_cancel_reads_the_pattern_index(engine: Engine, sessions) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the pattern index is PostgreSQL's (SQLite's LIKE ignores case: no index)")
    with transaction(sessions) as s:
        s.execute(
            Notice.__table__.insert(),
            [
                notice_row(
                    f"incident:{i}:remind:{n}",
                    "pending" if n else "sent",
                    due_at=NOW + timedelta(days=1),
                    created_at=NOW,
                )
                for i in range(400)
                for n in range(3)
            ],
        )
    stmt = update(Notice).where(
        Notice.status == NoticeStatus.PENDING,
        Notice.dedupe_key.startswith("incident:42:", autoescape=True),
    )
    compiled = stmt.values(status=NoticeStatus.CANCELLED).compile(dialect=engine.dialect)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE notices"))
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a small table: ask for an index
        plan = " ".join(
            r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        )
        conn.rollback()
    assert "ix_notices_pending_key_prefix" in plan, plan
    with transaction(sessions) as s:
        assert queue.cancel(s, prefix="incident:42:") == 2
        assert queue.cancel(s, prefix="incident:42:") == 0  # cancelled already


def test_cancelling_many_prefixes_cancels_each_ones_pending_notices_only(sessions) -> None:
    """What a removed resource asks for its bookings: every prefix's pending notices, across
    more prefixes than one statement takes, and nothing else (not ``booking:1:`` for 10's)."""
    with transaction(sessions) as s:
        s.execute(
            Notice.__table__.insert(),
            [
                notice_row(
                    f"booking:{i}:remind:{n}",
                    "pending" if n else "sent",
                    due_at=NOW + timedelta(days=1),
                    created_at=NOW,
                )
                for i in range(1, 501)
                for n in range(3)
            ],
        )
    chosen = [i for i in range(1, 501) if i % 2]  # 250: two statements' worth
    with transaction(sessions) as s:
        cancelled = queue.cancel_all(s, prefixes=[f"booking:{i}:" for i in chosen])
        assert cancelled == 2 * len(chosen)
        assert queue.cancel_all(s, prefixes=[f"booking:{i}:" for i in chosen]) == 0
    with sessions() as s:
        rows = s.execute(Notice.__table__.select()).mappings().all()
    for row in rows:
        i = int(row["dedupe_key"].split(":")[1])
        n = int(row["dedupe_key"].rsplit(":", 1)[1])
        expected = "sent" if n == 0 else "cancelled" if i in chosen else "pending"
        assert row["status"] == expected, row["dedupe_key"]
