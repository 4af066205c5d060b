"""A database that hangs or drops: requests still answer within Slack's 3 s, health within 1 s.

PostgreSQL is reached through a TCP proxy that can freeze (nothing flows, sockets stay open:
what a SIGSTOPped server or a black-holed network looks like) or cut every connection. The
bounds asserted are generous; what matters is that nothing waits for the database to come back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from bot.app import start_runtime
from bot.clock import Clock
from bot.config import Config
from bot.settings import Settings
from bot.slack_messenger import SlackMessenger, make_web_client
from storage.db import make_engine
from tests.e2e import SECRET, SlackApp
from tests.faults.proxy import TcpProxy
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.faults

SLACK_LIMIT_S = 3.0


@pytest.fixture
def proxy(engine: Engine) -> Iterator[TcpProxy]:
    if engine.dialect.name != "postgresql":
        pytest.skip("the proxy stands in front of PostgreSQL (SQLite: test_sqlite_busy.py)")
    with TcpProxy(engine.url.host or "127.0.0.1", engine.url.port or 5432) as p:
        yield p


@pytest.fixture
def via_proxy(
    engine: Engine, proxy: TcpProxy, config: Config, slack_stub: SlackStub
) -> Iterator[SlackApp]:
    """The real app over HTTP, its database reached through the proxy."""
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    s = Settings(
        _env_file=None,
        DATABASE_URL=str(engine.url.set(port=proxy.port)),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_stub.base_url,
        OPSDESK_SCHEDULER="off",
    )
    proxied = make_engine(
        s.DATABASE_URL,
        limits=s.db_limits,
        connect_args={"options": f"-csearch_path={schema}"},
    )
    rt = start_runtime(s, config, SlackMessenger(make_web_client(s)), clock=Clock(), engine=proxied)
    # Over a real socket: what a client waiting on a hung database sees is the point here.
    app = SlackApp(rt, slack_stub, wire=True)
    try:
        yield app
    finally:
        proxy.thaw()
        app.close()
        rt.drain()
        proxied.dispose()


def _timed_slash(app: SlackApp, text: str) -> tuple[float, str]:
    started = time.monotonic()
    resp = app.slash("/incident", text)
    assert resp.status == 200
    return time.monotonic() - started, resp.text


def test_a_frozen_database_gets_an_apology_in_time_and_health_says_503(
    via_proxy: SlackApp, proxy: TcpProxy
) -> None:
    _, before = _timed_slash(via_proxy, "list")
    assert "went wrong" not in before and "database" not in before

    proxy.freeze()
    for _ in range(2):  # the first finds a pooled connection, the second must open one
        took, reply = _timed_slash(via_proxy, "list")
        assert took < SLACK_LIMIT_S, f"answered after {took:.1f}s"
        assert "database is not answering" in reply and "nothing was changed" in reply

    started = time.monotonic()
    health = via_proxy.get("/healthz")
    assert time.monotonic() - started < 1.5
    assert health.status == 503 and health.json["db"] == "unreachable"

    proxy.thaw()
    _, after = _timed_slash(via_proxy, "list")
    assert "database" not in after
    assert via_proxy.get("/healthz").status == 200


def test_a_raised_incident_is_not_half_written_when_the_database_freezes(
    via_proxy: SlackApp, proxy: TcpProxy
) -> None:
    proxy.freeze()
    took, reply = _timed_slash(via_proxy, "raise Printer on fire sev3")
    assert took < SLACK_LIMIT_S and "nothing was changed" in reply
    proxy.thaw()
    listed = via_proxy.slash("/incident", "list").text
    assert "Printer on fire" not in listed


def test_cut_connections_are_replaced_without_the_user_noticing(
    via_proxy: SlackApp, proxy: TcpProxy
) -> None:
    _timed_slash(via_proxy, "list")
    proxy.cut()
    took, reply = _timed_slash(via_proxy, "list")
    assert "database" not in reply and "went wrong" not in reply
    assert took < SLACK_LIMIT_S


def test_an_outage_logs_a_line_a_minute_not_a_traceback_per_request(
    via_proxy: SlackApp, proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:
    from handlers.work import outages

    outages._last = None  # a fresh minute for this test
    proxy.freeze()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            _timed_slash(via_proxy, "list")
    about_db = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(about_db) == 1
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.postgres_only
def test_a_connection_cut_by_its_deadline_is_not_handed_out_again(engine: Engine) -> None:
    """The watchdog may cut a socket just as its call answers (a ping that took its whole 0.3 s
    on a busy machine): the pool must open a new connection instead of handing that one out,
    whose next statement would find the server gone."""
    own = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        with own.connect() as conn:
            first = conn.connection.dbapi_connection
            # What the watchdog marks as it cuts; the socket itself still answers here, as it
            # did for the ping that got its answer a moment before the cut.
            first.opsdesk_severed = True
        with own.connect() as conn:
            assert conn.connection.dbapi_connection is not first
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        own.dispose()
