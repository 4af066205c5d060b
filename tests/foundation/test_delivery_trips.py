"""What delivering a notice costs the database, held to a number: every statement is a round
trip, and the sweep and the after-response threads pay them for every notice they send."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bot.context import Ctx
from bot.messenger import Message
from bot.notices import Plan, Post, say
from bot.payloads import NoticePayload
from bot.registry import Registry
from bot.runtime import Runtime
from tests.recording import RecordingMessenger
from tests.scale import counting

pytestmark = pytest.mark.areas()
NOW = "2026-12-01 09:00:00"


class Hello(NoticePayload):
    channel: str


def _hello(ctx: Ctx, payload: Hello) -> Plan[Ctx]:
    return say(Post(payload.channel, Message("hello")))


@pytest.fixture(autouse=True)
def _declared(registry: Registry[Ctx]) -> None:
    registry.add_notice_kind("test.hello", _hello, payload=Hello)


def _sql(statements: list[str]) -> list[str]:
    """The statements without SQLite's BEGIN IMMEDIATE (PostgreSQL's BEGIN is no statement
    the engine sees)."""
    return [s for s in statements if s != "BEGIN IMMEDIATE"]


def _heads(statements: list[str]) -> list[str]:
    return [" ".join(s.split()[:3]) for s in _sql(statements)]


@freeze_time(NOW)
def test_a_simple_notice_is_claimed_called_and_recorded_in_three_statements(
    runtime: Runtime, unit, engine: Engine, messenger: RecordingMessenger
) -> None:
    """The claim reads the row it takes (``UPDATE ... RETURNING``), the call is marked before
    it is made, and the record marks it sent: three transactions of one statement each."""
    with unit() as ctx:
        notice_id = ctx.notify("test.hello", Hello(channel="C1"))
    assert notice_id is not None
    with counting(engine) as seen:
        assert runtime.dispatcher.dispatch([notice_id]) == 1
    assert len(messenger.of("post")) == 1
    assert _heads(seen.statements) == ["UPDATE notices SET"] * 3
    assert "RETURNING" in _sql(seen.statements)[0]  # the claim
    # One BEGIN IMMEDIATE a transaction on SQLite: three, no more.
    assert seen.count == {"sqlite": 6, "postgresql": 3}[engine.dialect.name]
