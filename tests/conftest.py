"""Fixtures shared by every test: both databases, a clock, config, runtime.

Every database test runs twice, on SQLite and on the PostgreSQL server of this machine. Each run
gets its own PostgreSQL schema, so parallel runs never see each other's rows. Under CI a missing
PostgreSQL fails the run instead of quietly skipping half the suite.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import freezegun
import freezegun.api
import pytest
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bot.app import AREAS, build_registry, listeners
from bot.clock import Clock
from bot.config import Config, load_config
from bot.context import Actor, Ctx
from bot.registry import Registry
from bot.runtime import Runtime, build_runtime
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.slack_messenger import SlackMessenger, make_web_client
from bot.tz import zone
from storage.db import make_engine, make_session_factory, transaction, unbounded
from storage.migrate import load_all_models, upgrade
from tests.cli import Opsdesk
from tests.e2e import SlackApp
from tests.recording import RecordingMessenger
from tests.slack_stub import SlackStub

# Import every area and its listeners before any test freezes time: pydantic builds the command
# models when their module is imported, and under freeze_time it would see freezegun's datetime
# class instead. (bot.app imports the areas; the listeners are imported only when asked for.)
listeners()
# Each freeze_time start and stop looks through every loaded module for datetime and time
# attributes to swap: with SQLAlchemy, matplotlib and the rest that is ~100 ms a freeze. These
# libraries never ask for the time a test freezes, and their clocks (pool timeouts, timings) are
# better real anyway. Code called from an ignored module sees the real time (freezegun looks
# five frames up the stack), so nothing that calls tests or our code may be listed: not pytest,
# pluggy, hypothesis, unittest, concurrent.futures, threading's callers; not Slack's SDKs either
# (their signature check must see the frozen time the requests are signed with).
freezegun.configure(
    extend_ignore_list=[
        "sqlalchemy", "alembic", "mako", "psycopg", "matplotlib", "numpy", "PIL", "pyparsing",
        "kiwisolver", "fontTools", "contourpy", "cycler", "pygments", "xdist", "execnet",
        "_pytest.timing",  # so that --durations measures real time
    ]
)  # fmt: skip


def _module_names_key(module: ModuleType) -> str:
    return f"{id(module)}-{len(getattr(module, '__dict__', ()))}"


# What is left of a start is freezegun asking each of the ~1,000 modules it still looks at
# whether its names changed since the last freeze (to find new `from datetime import datetime`
# bindings): it hashes the whole dir() of each, 7 ms a start, for some 950 starts a run.
# Module namespaces gain names (an import, a submodule) and rarely lose one, so their size says
# the same: 1.2 ms a start. A name rebound to another value changes neither key; freezegun's
# own did not see that either.
freezegun.api._get_module_attributes_hash = _module_names_key
# "incidents" -> bot.incidents.area, for @pytest.mark.areas(...)
AREA_NAMES = {area.__name__.split(".")[1]: area for area in AREAS}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "areas(*names): build the test's registry from these areas only (none: an empty one)",
    )


# The server's database ("test") is only the way in: each test process works in a database of
# its own, its schemas inside it. CREATE INDEX CONCURRENTLY, which the migrations use, waits for
# every older transaction in its database: in a shared one that means every other test
# process's (and every other suite's on the same server), and migrating a fresh schema took from
# seconds to a minute. The databases are kept, one per checkout and xdist worker, since
# dropping one makes the server checkpoint (8-20 s on a busy machine); the schemas are dropped.
SERVER_URL = make_url(
    os.environ.get("OPSDESK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
)
_CHECKOUT = hashlib.sha1(str(Path(__file__).resolve().parents[1]).encode()).hexdigest()[:8]
PG_DATABASE = f"opsdesk_test_{_CHECKOUT}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
PG_URL = SERVER_URL.set(database=PG_DATABASE).render_as_string(hide_password=False)
_SERVER = SERVER_URL.render_as_string(hide_password=False)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Make this process's database if it is not there yet (xdist's controller runs no test)."""
    if getattr(session.config, "workerinput", None) is None and _xdist_workers(session.config):
        return
    admin = _server_admin()
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
            ).first()
            if found is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{PG_DATABASE}" TEMPLATE template0')
            # A commit here need not wait for its WAL to reach the disk: a test database outlives
            # no server crash, and the tests stop processes and cut connections, never the
            # server. Every connection to it gets this, the app's in subprocesses too.
            conn.exec_driver_sql(f'ALTER DATABASE "{PG_DATABASE}" SET synchronous_commit = off')
    except Exception:
        pass  # unreachable: the backend fixture skips PostgreSQL, or fails under CI
    finally:
        admin.dispose()


def _server_admin() -> Engine:
    # Not make_engine: its statement timeout is for requests, and dropping a database whose
    # files the server must delete may take longer under load.
    return create_engine(_SERVER, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _xdist_workers(config: pytest.Config) -> bool:
    """Whether this process hands the tests to xdist workers."""
    numprocesses = getattr(config.option, "numprocesses", None)
    return bool(numprocesses) and getattr(config.option, "dist", "no") != "no"


UnitFactory = Callable[..., AbstractContextManager[Ctx]]
EXAMPLE = Path(__file__).resolve().parent.parent / "opsdesk.example.toml"


@pytest.fixture(autouse=True)
def _release_leadership(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Schedulers made during a test give up the advisory lock at its end, like a stopped process.

    Without this a console or scheduler left over from one test would stay the leader on the
    shared PostgreSQL schema and every later scheduler test would find itself a follower.
    """
    made: list[Scheduler] = []
    original = Scheduler.__init__

    def tracking(self: Scheduler, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Scheduler, "__init__", tracking)
    yield
    for scheduler in made:
        scheduler.shutdown()


@pytest.fixture
def registry(request: pytest.FixtureRequest) -> Registry[Ctx]:
    """A fresh registry of every area, as production builds it, for one test; the runtime, the
    app and ``unit`` share it, and what a test declares on it is gone after the test.

    ``@pytest.mark.areas("incidents", "digests")`` builds it from those areas only, and
    ``@pytest.mark.areas()`` from none (a test of the scheduler core, say, that declares its own
    notice kinds and must not see the areas' planners mix their notices into what it counts).
    """
    marker = request.node.get_closest_marker("areas")
    if marker is None:
        return build_registry()
    return build_registry([AREA_NAMES[name] for name in marker.args])


def _postgres_engine() -> tuple[Engine, str] | None:
    schema = f"opsdesk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is required under CI: {exc}", pytrace=False)
        return None
    finally:
        admin.dispose()
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "opsdesk.db"
        engine = make_engine(f"sqlite:///{path}")
        event.listen(engine, "connect", _no_fsync)
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    made = _postgres_engine()
    if made is None:
        pytest.skip("PostgreSQL is not reachable (set CI=1 to make this an error)")
    engine, schema = made
    upgrade(engine)
    yield engine
    engine.dispose()
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _no_fsync(dbapi_conn: Any, _record: Any) -> None:
    """SQLite hands each commit to the OS without waiting for the disk: what a test checks
    survives any process stopped or killed (only a machine crash would lose it), and the fsync
    of every commit was a good part of the suite's time."""
    dbapi_conn.execute("PRAGMA synchronous=OFF")


def _wipe_statements(engine: Engine) -> list[str]:
    """DELETE every table, children first, then set PostgreSQL's sequences back so ids start at
    1 again in the next test. On tables of a few rows DELETE is several times faster than
    TRUNCATE, which replaces each table's files; on SQLite, plain INTEGER PRIMARY KEYs restart
    from max(id)+1 by themselves. ``setval`` rather than ``ALTER SEQUENCE ... RESTART``: the
    latter is DDL (a lock, catalog writes, a cache invalidation each) and made the wipe five
    times slower (4.2 ms against 0.8 ms on an empty schema)."""
    tables = [t.name for t in reversed(load_all_models().sorted_tables)]
    statements = [f'DELETE FROM "{name}"' for name in tables]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            sequences = conn.execute(
                text(
                    "SELECT sequence_name FROM information_schema.sequences"
                    " WHERE sequence_schema = current_schema() ORDER BY sequence_name"
                )
            ).scalars()
            statements += [f"SELECT setval('\"{name}\"', 1, false)" for name in sequences]
    return statements


_WIPES: dict[Engine, str] = {}


def _wipe(engine: Engine) -> None:
    if engine not in _WIPES:
        _WIPES[engine] = "; ".join(_wipe_statements(engine))
    # A test that seeded thousands of rows leaves a wipe that can outlast the request deadline
    # on a busy machine; cutting it would leave the rows (and its locks) to the next test.
    with unbounded(), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # The server's own limits too (the app's statement and lock timeouts), for the same
            # reason; still bounded, so a lock left behind fails the test instead of hanging.
            conn.exec_driver_sql(
                "SET LOCAL statement_timeout = '120s'; SET LOCAL lock_timeout = '60s'; "
                + _WIPES[engine]
            )  # one round trip
        else:  # sqlite3 runs one statement per call
            for statement in _WIPES[engine].split("; "):
                conn.exec_driver_sql(statement)


@pytest.fixture
def engine(backend: Engine, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A clean, migrated database for one test; rows are wiped afterwards."""
    if request.node.get_closest_marker("postgres_only") and backend.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite serialises writers, so this race cannot happen")
    yield backend
    _wipe(backend)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config() -> Config:
    """The shipped example: what a newcomer sees is what the tests exercise."""
    return load_config(EXAMPLE)


@pytest.fixture
def messenger() -> RecordingMessenger:
    return RecordingMessenger()


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(
        _env_file=None,
        DATABASE_URL=str(engine.url),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="test-signing-secret",
        OPSDESK_SCHEDULER="off",
    )


@pytest.fixture
def unit(
    sessions: sessionmaker[Session], config: Config, clock: Clock, registry: Registry[Ctx]
) -> UnitFactory:
    """``with unit("U_BOB") as ctx:`` one committed unit of work acting as that person."""

    @contextmanager
    def make(user_id: str = "U_ALICE", tz: str = "UTC") -> Iterator[Ctx]:
        with transaction(sessions) as session:
            actor = Actor(user_id, zone(tz), is_admin=config.is_admin(user_id))
            now = clock.now()
            yield Ctx(session=session, now=now, config=config, actor=actor, registry=registry)

    return make


@pytest.fixture
def runtime(
    settings: Settings,
    config: Config,
    engine: Engine,
    clock: Clock,
    messenger: RecordingMessenger,
    registry: Registry[Ctx],
) -> Iterator[Runtime]:
    """A synchronous runtime over the recording messenger, for service and scheduler tests."""
    rt = build_runtime(
        settings, config, messenger, registry, clock=clock, engine=engine, synchronous=True
    )
    yield rt


@pytest.fixture
def opsdesk(monkeypatch: pytest.MonkeyPatch) -> Opsdesk:
    """``opsdesk("check-config", path, cwd=tmp_path)``: the command line, run in this process
    (tests/cli.py); returns its exit code, stdout and stderr."""
    return Opsdesk(monkeypatch)


@pytest.fixture(scope="session")
def _slack_stub_server() -> Iterator[SlackStub]:
    with SlackStub() as stub:
        yield stub


@pytest.fixture
def slack_stub(_slack_stub_server: SlackStub) -> SlackStub:
    """Slack's Web API stood in, as new for each test: one server per process, renewed (its
    calls, users, faults, ids and URLs start afresh; see ``SlackStub.renew``)."""
    return _slack_stub_server.start().renew()  # started again if a test stopped it


@pytest.fixture
def slack(
    engine: Engine,
    config: Config,
    clock: Clock,
    slack_stub: SlackStub,
    registry: Registry[Ctx],
    request: pytest.FixtureRequest,
) -> Iterator[SlackApp]:
    """The real app, its WebClient pointed at the stand-in; sends after responding.

    Requests are signed and handed to the WSGI app in this process; in a test marked
    ``@pytest.mark.wire`` they go over HTTP to the app served on a local port.
    """
    from tests.e2e import SECRET, SlackApp

    s = Settings(
        _env_file=None,
        DATABASE_URL=str(engine.url),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_stub.base_url,
        OPSDESK_SCHEDULER="off",
    )
    messenger = SlackMessenger(make_web_client(s))
    rt = build_runtime(s, config, messenger, registry, clock=clock, engine=engine)
    app = SlackApp(rt, slack_stub, wire=request.node.get_closest_marker("wire") is not None)
    yield app
    app.close()
    rt.drain()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """One process where the output is the point: benchmarks print timings, ``-s`` shows prints
    (xdist workers' output never reaches the terminal). Otherwise two workers a core (at most
    four more than the cores, for PostgreSQL's connection limit), unless
    PYTEST_XDIST_AUTO_NUM_WORKERS says otherwise.

    Two a core because a test spends a good part of its time waiting rather than computing: on
    PostgreSQL's answers, on the app's threads that talk to Slack after responding, on the
    processes some tests start, on the deadlines the fault tests wait out. With one worker a
    core, the cores stood idle while it waited (the test processes used 133% of the two cores);
    with two, the suite took 168 s where it had taken 196 s, measured in one sitting."""
    markexpr = str(config.getoption("markexpr", "") or "")
    if markexpr.replace("not benchmark", "").strip() == "benchmark":
        return 0
    if config.getoption("capture", None) == "no":
        return 0
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = os.cpu_count() or 1
    return min(2 * cores, cores + 4)
