"""One active scheduler: a PostgreSQL advisory lock held on a dedicated connection.

The lock lives as long as its connection, so a process that dies releases it and another one
takes over on its next tick. SQLite deployments are one process, which is always the leader.
The conditional claim of each notice keeps "sent once" true even if two schedulers did run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn: Connection | None = None
        self.is_leader = engine.dialect.name != "postgresql"

    def _key(self, conn: Connection) -> int:
        where = conn.execute(text("SELECT current_database() || ':' || current_schema()")).scalar()
        digest = hashlib.sha256(f"opsdesk-scheduler:{where}".encode()).digest()
        return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF  # a positive bigint

    def check(self) -> bool:
        """Try to be (or stay) the leader; cheap when nothing changed."""
        if self.engine.dialect.name != "postgresql":
            return True
        try:
            if self._conn is not None:
                self._conn.execute(text("SELECT 1"))
                return self.is_leader or self._try()
            # Autocommit: the lock is the session's, not a transaction's, and a transaction
            # left open between ticks would sit "idle in transaction" for the process's life,
            # where CREATE INDEX CONCURRENTLY (a migration run beside it) waits for it to end.
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            return self._try()
        except Exception as exc:
            log.warning("scheduler lost its database connection: %s", exc)
            self._drop()
            return False

    def _try(self) -> bool:
        assert self._conn is not None
        got = bool(
            self._conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key(self._conn)}
            ).scalar()
        )
        if got and not self.is_leader:
            log.info("this process is now the active scheduler")
        self.is_leader = got
        return got

    def _drop(self) -> None:
        self.is_leader = False
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def release(self) -> None:
        if self._conn is not None and self.is_leader:
            # A lost connection has released the lock already, with the session.
            with contextlib.suppress(Exception):
                self._conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key(self._conn)}
                )
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.is_leader = self.engine.dialect.name != "postgresql"
