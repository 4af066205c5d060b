"""Engines and sessions: one session per request or job, never shared between threads.

Every wait on the database is bounded (docs/RELIABILITY.md, "Bounded waits"). PostgreSQL gets a
connect timeout, a server-side statement and lock timeout, and a pool timeout; SQLite a busy
timeout with WAL. A server that stops answering altogether (frozen, or a network that drops
packets) cannot enforce its own timeouts, so each call into psycopg also carries a client-side
deadline: past it a watchdog shuts the connection's socket down, the call fails at once, and
the pool replaces the connection. A request may narrow that deadline further
(``deadline()``), so that it answers Slack in time whatever the database does.

A unit of work that only reads can run on ``make_read_session_factory``'s sessions: each
statement commits on its own (on PostgreSQL one round trip, no BEGIN and COMMIT) and, inside
``optimistic()``, its connection is not pinged before use. A connection lost meanwhile fails
its first statement instead (``lost_connection``), and the reader runs again on a fresh one,
which is safe because it changed nothing. Such a session refuses to write or lock
(``WriteNeeded``): the caller runs the unit again as a transaction. ``refused`` tells the
caller so even when the code it ran caught the error. A savepoint there is not sent: with no
transaction around the statements, there is none for it to keep a failed one out of.
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
from typing import Any, NoReturn, TypeVar

from sqlalchemy import Engine, create_engine, event, exc, make_url, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql.elements import TextClause

T = TypeVar("T")


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
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)  # but not inside ``optimistic()``: see ping_briefly
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


def _sqlite_begin(conn: Any) -> None:
    if not conn.get_execution_options().get(_READS):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


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


_READS = "opsdesk_reads"  # an execution option: this connection's statements commit one by one
_REFUSED = "opsdesk_refused"  # in a session's info: it was refused a write (WriteNeeded)


class WriteNeeded(Exception):
    """A unit run as a reader tried to write or lock: run it again as a transaction."""


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for a unit of work that only reads: no transaction around its statements (on
    PostgreSQL, autocommit; on SQLite, no BEGIN IMMEDIATE, so a reader does not queue behind
    writers). An INSERT, UPDATE, DELETE, flush or locking SELECT raises ``WriteNeeded`` before
    it reaches the database."""
    options: dict[str, Any] = {_READS: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    factory = sessionmaker(bind=engine.execution_options(**options), expire_on_commit=False)
    event.listen(factory, "do_orm_execute", _refuse_writes)
    event.listen(factory, "before_flush", _refuse_flush)
    _no_savepoints_in_reads(engine)
    return factory


def refused(session: Session) -> bool:
    """Whether this unit that only reads was refused a write or a lock (``WriteNeeded``), even
    if the code it ran caught that (a digest section that fails is left out, say): what it
    made of the refusal is not to be used; run it again as a transaction."""
    return bool(session.info.get(_REFUSED))


def only_reading(reads: sessionmaker[Session], work: Callable[[Session], T]) -> T | WriteNeeded:
    """``work`` in a unit from ``reads`` (``make_read_session_factory``); the refusal, returned
    rather than raised, when it tried to write or lock, whether or not it caught the refusal
    itself: run it again as a transaction."""
    with reads() as session:
        try:
            result = work(session)
        except WriteNeeded as wanted:
            return wanted
        except Exception:
            if not refused(session):
                raise
            return WriteNeeded("a write in a unit that only reads, caught by its work")
        if refused(session):
            return WriteNeeded("a write in a unit that only reads, caught by its work")
        return result


_SAVEPOINT_CALLS = ("do_savepoint", "do_release_savepoint", "do_rollback_to_savepoint")


def _no_savepoints_in_reads(engine: Engine) -> None:
    """Savepoints of a unit that only reads are not sent: PostgreSQL refuses one outside a
    transaction, and SQLite would begin one behind SQLAlchemy's back. SQLAlchemy still keeps
    its books: leaving one flushes (and a write is refused), rolling one back expires what it
    loaded."""
    dialect = engine.dialect
    if getattr(dialect, "_opsdesk_reads_without_savepoints", False):
        return
    for name in _SAVEPOINT_CALLS:
        plain = getattr(dialect, name)

        def unless_reading(connection: Any, savepoint: str, _plain: Any = plain) -> None:
            if not connection.get_execution_options().get(_READS):
                _plain(connection, savepoint)

        setattr(dialect, name, unless_reading)
    dialect._opsdesk_reads_without_savepoints = True  # type: ignore[attr-defined]


_WRITE_WORDS = ("insert", "update", "delete", "merge", "create", "drop", "alter", "truncate")


def _refuse_writes(state: ORMExecuteState) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        _refuse(state.session, f"{type(statement).__name__} in a unit that only reads")
    if isinstance(statement, TextClause):
        first = statement.text.lstrip().split(None, 1)[:1]
        if first and first[0].lower() in _WRITE_WORDS:
            _refuse(state.session, "a writing statement in a unit that only reads")
    elif state.is_select and getattr(statement, "_for_update_arg", None) is not None:
        _refuse(state.session, "a locking read in a unit that only reads")


def _refuse_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        _refuse(session, "a flush in a unit that only reads")


def _refuse(session: Session, why: str) -> NoReturn:
    session.info[_REFUSED] = True
    raise WriteNeeded(why)


@contextmanager
def optimistic() -> Iterator[None]:
    """Connections this thread takes from the pool in the block are not pinged first: for a
    reader that runs again when its connection turns out lost (``lost_connection``)."""
    with _this_thread(optimistic=True):
        yield


class DeadlineExceeded(Exception):
    """Mixed into the error of a call cut by the client-side deadline (the database did not
    answer in time)."""


def lost_connection(error: BaseException) -> bool:
    """True when ``error`` says the connection was found dead (cut, closed by the server) and
    has been thrown away, so a fresh one may well work; not when the database was too slow to
    answer (the deadline cut it: trying again would only wait again)."""
    if not isinstance(error, exc.DBAPIError) or not error.connection_invalidated:
        return False
    return not isinstance(error.orig, DeadlineExceeded)


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
def _this_thread(**settings: Any) -> Iterator[None]:
    """Set these of this thread's settings inside the block, and put back what was there."""
    before = {name: getattr(_local, name, None) for name in settings}
    for name, value in settings.items():
        setattr(_local, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(_local, name, value)


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


def time_left() -> float | None:
    """Seconds until this thread's ``deadline``, if it has one."""
    until = getattr(_local, "deadline", None)
    return None if until is None else until - time.monotonic()


@contextmanager
def unbounded() -> Iterator[None]:
    """No client-side deadline in this block (schema migrations may take minutes)."""
    with _this_thread(unbounded=True):
        yield


@contextmanager
def _call_limit(seconds: float) -> Iterator[None]:
    with _this_thread(call_limit=seconds):
        yield


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
                # Under the lock, so that once ``disarm`` returns the caller knows for good
                # whether its socket was cut: a call may finish just as its deadline passes
                # (a busy machine), and its connection must not be used again as if whole.
                _sever(armed.conn)


_WATCHDOG = _Watchdog()


def _sever(conn: Any) -> None:
    """Shut the socket down under the blocked call: it fails now instead of waiting on."""
    conn.opsdesk_severed = True
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

    class TimedOut(psycopg.OperationalError, DeadlineExceeded):
        pass

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
        except psycopg.Error as error:
            if armed.fired:
                raise TimedOut(
                    "the database did not answer in time; the connection was closed"
                ) from error
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
        if getattr(_local, "optimistic", False):
            return True  # the reader finds out from its statement, and runs again
        with _call_limit(limits.ping_timeout_s):
            alive = plain_ping(dbapi_connection)
        # A ping that answered just as its deadline cut the socket: the connection is gone all
        # the same, and the pool must open another rather than hand this one out.
        return bool(alive) and not getattr(dbapi_connection, "opsdesk_severed", False)

    # This engine's dialect instance only; mypy flags any assignment to a method.
    engine.dialect.do_ping = ping_briefly  # type: ignore[method-assign]
