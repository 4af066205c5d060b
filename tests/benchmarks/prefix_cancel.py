"""A prefix cancel (`dedupe_key LIKE 'prefix%'`) among many pending notices, on PostgreSQL,
with and without the ``varchar_pattern_ops`` index of migration 0016.

Run from the repository root: `PYTHONPATH=. .venv/bin/python tests/benchmarks/prefix_cancel.py`
(`--rows 300000`: a third of them pending). Prints the plan's scan and execution time of the
statement `storage.notices.cancel` sends, as the application sends it (bound parameters).
"""

from __future__ import annotations

import argparse
import uuid

from sqlalchemy import Connection, text, update

from storage.db import make_engine, unbounded
from storage.migrate import upgrade
from storage.models import Notice, NoticeStatus
from tests.conftest import PG_URL


def _explain(conn: Connection) -> list[str]:
    stmt = update(Notice).where(
        Notice.status == NoticeStatus.PENDING,
        Notice.dedupe_key.startswith("incident:4242:", autoescape=True),
    )
    compiled = stmt.values(status=NoticeStatus.CANCELLED).compile(dialect=conn.dialect)
    rows = conn.exec_driver_sql("EXPLAIN ANALYZE " + str(compiled), compiled.params).fetchall()
    conn.rollback()
    return [r[0].strip() for r in rows if "Scan" in r[0] or "Execution" in r[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=300_000)
    rows = parser.parse_args().rows
    schema = f"opsdesk_prefix_{uuid.uuid4().hex[:6]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        with unbounded(), engine.begin() as conn:
            conn.execute(text("SET statement_timeout = 0"))
            conn.execute(
                text(
                    "INSERT INTO notices (kind, payload, dedupe_key, due_at, status, attempts, "
                    "created_at, progress, claims) SELECT 'k', '{}', "
                    "'incident:' || g || ':remind:' || (g % 7), now() + interval '1 day', "
                    "CASE WHEN g % 3 = 0 THEN 'pending' ELSE 'sent' END, 0, now(), '{}', 0 "
                    "FROM generate_series(1, :n) g"
                ),
                {"n": rows},
            )
            conn.execute(text("ANALYZE notices"))
        with unbounded(), engine.connect() as conn:
            print(f"{rows:,} notices, {rows // 3:,} pending; with the index:")
            print("\n".join(f"  {line}" for line in _explain(conn)))
            conn.execute(text("DROP INDEX ix_notices_pending_key_prefix"))
            conn.commit()
            print("without it:")
            print("\n".join(f"  {line}" for line in _explain(conn)))
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
