"""Engines and sessions: one session per request or job, never shared between threads.

Every wait on the database is bounded (docs/RELIABILITY.md, "Bounded waits"). PostgreSQL gets a
connect timeout, a server-side statement and lock timeout, and a pool timeout; SQLite a busy
timeout with WAL. A server that stops answering altogether (frozen, or a network that drops
packets) cannot enforce its own timeouts, so each call into psycopg also carries a client-side
deadline: past it a watchdog shuts the connection's socket down, the call fails at once, and
the pool replaces the connection. A request may narrow that deadline further
(``deadline()``), so that it answers Slack in time whatever the database does.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Limits:
    """How long the database may keep a caller waiting (the OPSDESK_DB_* settings)."""

    connect_timeout_s: int = 2  # libpq's minimum; "localhost" may try two addresses
    statement_timeout_ms: int = 2000
    lock_timeout_ms: int = 1500
    pool_timeout_s: float = 1.0
    ping_timeout_s: float = 0.3  # the pool's liveness check before handing out a connection
    sqlite_busy_timeout_ms: int = 2000

    @property
    def call_deadline_s(self) -> float:
        """Client-side: the server cancels a slow statement itself; this is for a mute one."""
        return self.statement_timeout_ms / 1000 + 0.5


def make_engine(url: str, *, limits: Limits | None = None, **kwargs: Any) -> Engine:
    limits = limits or Limits()
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        # Bolt runs listeners on a thread pool; each thread gets its own pooled connection.
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", limits.sqlite_busy_timeout_ms / 1000)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(limits.sqlite_busy_timeout_ms))
        # pysqlite's default transaction handling defers BEGIN and breaks SAVEPOINTs; take over.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_timeout", limits.pool_timeout_s)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("connect_timeout", limits.connect_timeout_s)
    server_side = (
        f"-c statement_timeout={limits.statement_timeout_ms} "
        f"-c lock_timeout={limits.lock_timeout_ms}"
    )
    # libpq takes one "options": keep what the URL (``?options=-csearch_path%3D...``) or the
    # caller asked for beside the timeouts, since connect_args would replace the URL's.
    asked = [make_url(url).query.get("options"), connect_args.get("options")]
    connect_args["options"] = " ".join(
        [server_side, *(o if isinstance(o, str) else " ".join(o) for o in asked if o)]
    )
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    if engine.dialect.driver == "psycopg":
        _guard_psycopg(engine, limits)
    return engine


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    return on_connect


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: renderers read the objects a service returned after it committed.
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


# --- client-side deadlines ------------------------------------------------------------------


_local = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every database call made by this thread inside the block ends by ``seconds`` from now."""
    outer = getattr(_local, "deadline", None)
    mine = time.monotonic() + seconds
    _local.deadline = mine if outer is None else min(outer, mine)
    try:
        yield
    finally:
        _local.deadline = outer


@contextmanager
def unbounded() -> Iterator[None]:
    """No client-side deadline in this block (schema migrations may take minutes)."""
    before = getattr(_local, "unbounded", False)
    _local.unbounded = True
    try:
        yield
    finally:
        _local.unbounded = before


@contextmanager
def _call_limit(seconds: float) -> Iterator[None]:
    before = getattr(_local, "call_limit", None)
    _local.call_limit = seconds
    try:
        yield
    finally:
        _local.call_limit = before


@dataclass
class _Armed:
    conn: Any
    done: bool = False
    fired: bool = False


class _Watchdog:
    """One thread per process that cuts the socket of a call still running past its deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Armed]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, at: float, conn: Any) -> _Armed:
        armed = _Armed(conn)
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-deadline", daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (at, next(self._seq), armed))
            if self._heap[0][2] is armed:
                self._cond.notify()
        return armed

    def disarm(self, armed: _Armed) -> None:
        with self._cond:
            armed.done = True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                at, _, armed = self._heap[0]
                if armed.done:
                    heapq.heappop(self._heap)
                    continue
                wait = at - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                armed.fired = True
            _sever(armed.conn)


_WATCHDOG = _Watchdog()


def _sever(conn: Any) -> None:
    """Shut the socket down under the blocked call: it fails now instead of waiting on."""
    try:
        fd = conn.pgconn.socket
        sock = socket.socket(fileno=fd)
    except Exception:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.detach()  # the connection still owns the descriptor


def _guard_psycopg(engine: Engine, limits: Limits) -> None:
    import psycopg

    def limit_for_this_call() -> float | None:
        if getattr(_local, "unbounded", False):
            return None
        now = time.monotonic()
        until = now + (getattr(_local, "call_limit", None) or limits.call_deadline_s)
        outer = getattr(_local, "deadline", None)
        if outer is not None:
            until = min(until, outer)
        return max(until, now)

    @contextmanager
    def guarded(conn: Any) -> Iterator[None]:
        at = limit_for_this_call()
        if at is None:
            yield
            return
        armed = _WATCHDOG.arm(at, conn)
        try:
            yield
        except psycopg.Error as exc:
            if armed.fired:
                raise psycopg.OperationalError(
                    "the database did not answer in time; the connection was closed"
                ) from exc
            raise
        finally:
            _WATCHDOG.disarm(armed)

    class Cursor(psycopg.Cursor[Any]):
        def execute(self, *args: Any, **kwargs: Any) -> Any:
            with guarded(self.connection):
                return super().execute(*args, **kwargs)

        def executemany(self, *args: Any, **kwargs: Any) -> Any:
            with guarded(self.connection):
                return super().executemany(*args, **kwargs)

    class Connection(psycopg.Connection[Any]):
        def commit(self) -> None:
            with guarded(self):
                super().commit()

        def rollback(self) -> None:
            with guarded(self):
                super().rollback()

    @event.listens_for(engine, "do_connect")
    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        return Connection.connect(*cargs, cursor_factory=Cursor, **cparams)

    plain_ping = engine.dialect.do_ping

    def ping_briefly(dbapi_connection: Any) -> bool:
        with _call_limit(limits.ping_timeout_s):
            return plain_ping(dbapi_connection)

    # This engine's dialect instance only; mypy flags any assignment to a method.
    engine.dialect.do_ping = ping_briefly  # type: ignore[method-assign]
