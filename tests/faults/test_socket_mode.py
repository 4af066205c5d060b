"""Socket Mode never goes deaf: refreshes, dropped and silent connections, against a stand-in.

The app is the real one (``bot.app.create_app``) on the client ``opsdesk socket`` uses
(``bot.socket_mode``); Slack's WebSocket side is ``tests/faults/socket_stub.py`` and its Web API
(``apps.connections.open`` hands out the stand-in's URL) is ``tests/slack_stub.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from sqlalchemy import Engine

from bot.app import create_app, start_runtime
from bot.clock import Clock
from bot.config import Config
from bot.settings import Settings
from bot.slack_messenger import SlackMessenger, make_web_client
from bot.socket_mode import socket_handler
from tests.faults.socket_stub import SocketStub
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.faults

ACK_LIMIT_S = 3.0  # Slack's
PING_INTERVAL_S, PING_TIMEOUT_S = 1.0, 0.5  # short, so a silent connection is found quickly


@pytest.fixture
def wire(
    engine: Engine, config: Config, slack_stub: SlackStub
) -> Iterator[tuple[SocketStub, BaseSocketModeHandler]]:
    if engine.dialect.name != "sqlite":
        pytest.skip("the connection handling is the same on both databases")
    ws = SocketStub().start()
    slack_stub.respond_with("apps.connections.open", ws.open_connection)
    s = Settings(
        _env_file=None,
        DATABASE_URL=str(engine.url),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-test",
        SLACK_API_URL=slack_stub.base_url,
        OPSDESK_SCHEDULER="off",
    )
    rt = start_runtime(s, config, SlackMessenger(make_web_client(s)), clock=Clock(), engine=engine)
    handler = socket_handler(
        create_app(rt), "xapp-test", ping_interval=PING_INTERVAL_S, ping_timeout=PING_TIMEOUT_S
    )
    handler.connect()
    try:
        yield ws, handler
    finally:
        handler.close()
        ws.stop()
        rt.drain()


def _command(text: str) -> dict[str, Any]:
    return {
        "command": "/incident",
        "text": text,
        "user_id": "U_ALICE",
        "channel_id": "C_GENERAL",
        "team_id": "T_OPSDESK",
        "api_app_id": "A_OPSDESK",
        "trigger_id": "1.2.3",
    }


def _acked_promptly(ws: SocketStub, number: int) -> dict[str, Any]:
    """An envelope on connection ``number`` is acked on it, with the reply, in time."""
    conn = ws.wait_for_connection(number)
    sent = time.monotonic()
    ack = ws.wait_for_ack(ws.send_envelope(conn, "slash_commands", _command("list")))
    assert ack.connection == number
    assert ack.at - sent < ACK_LIMIT_S, f"acked after {ack.at - sent:.1f}s"
    assert ack.payload is not None
    return ack.payload


def test_a_command_is_answered_in_the_ack(wire: tuple[SocketStub, Any]) -> None:
    ws, _ = wire
    reply = _acked_promptly(ws, 1)
    assert "incident" in reply.get("text", "").lower()


def test_a_refresh_moves_to_a_new_connection_without_delaying_acks(
    wire: tuple[SocketStub, Any],
) -> None:
    ws, _ = wire
    first = ws.wait_for_connection(1)
    asked = time.monotonic()
    ws.disconnect(first, "refresh_requested")
    ws.wait_for_connection(2, timeout=5)
    assert time.monotonic() - asked < 3.0
    _acked_promptly(ws, 2)


def test_a_connection_dropped_without_a_close_frame_is_replaced_without_spinning(
    wire: tuple[SocketStub, Any],
) -> None:
    ws, _ = wire
    first = ws.wait_for_connection(1)
    cpu, dropped = time.process_time(), time.monotonic()
    ws.drop(first)
    ws.wait_for_connection(2, timeout=10)
    took = time.monotonic() - dropped
    assert took < 5.0, f"deaf for {took:.1f}s"
    busy = (time.process_time() - cpu) / max(took, 0.5)
    assert busy < 0.5, f"{busy:.0%} of a core while reconnecting"
    _acked_promptly(ws, 2)


def test_a_connection_gone_silent_is_given_up_after_the_ping_timeout(
    wire: tuple[SocketStub, Any],
) -> None:
    ws, _ = wire
    first = ws.wait_for_connection(1)
    muted = time.monotonic()
    ws.mute(first)
    ws.wait_for_connection(2, timeout=15)
    assert time.monotonic() - muted < PING_INTERVAL_S + PING_TIMEOUT_S + 3.0
    _acked_promptly(ws, 2)


def test_a_malformed_envelope_is_acked_and_dropped(wire: tuple[SocketStub, Any]) -> None:
    ws, _ = wire
    conn = ws.wait_for_connection(1)
    bad = {"type": "block_actions", "user": {"id": "U_ALICE"}, "actions": []}
    ack = ws.wait_for_ack(ws.send_envelope(conn, "interactive", bad))
    assert ack.connection == 1
    _acked_promptly(ws, 1)
