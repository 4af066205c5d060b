"""The HTTP front end to end: signatures, retries, errors and health, as Slack would see them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from bot.commands import Command, CommandSet
from bot.errors import UserError
from bot.messenger import Message
from handlers.kit import Request, slash
from storage.models import AuditEvent
from tests.e2e import SlackApp


class Echo(Command):
    """Echo the words back, after writing an audit event."""

    name: ClassVar[str] = "echo"
    usage: ClassVar[str] = "echo <text>"
    text: str


class Boom(Command):
    """Fail unexpectedly."""

    name: ClassVar[str] = "boom"


class Refuse(Command):
    """Fail the way users can fix."""

    name: ClassVar[str] = "refuse"


@pytest.fixture
def app(slack: SlackApp) -> Iterator[SlackApp]:
    commands = CommandSet("/ping", "test command", [Echo, Boom, Refuse])

    @slash(slack.bolt, commands)
    def ping(req: Request, cmd: Command | None) -> Message:
        if isinstance(cmd, Boom):
            raise RuntimeError("database on fire: secret internals")
        if isinstance(cmd, Refuse):
            req.ctx.audit("test", None, "should-not-persist")
            raise UserError("You cannot do that here.", example="/ping echo hi")
        assert isinstance(cmd, Echo)
        req.ctx.audit("test", None, "echo", {"text": cmd.text})
        return Message(text=f"echo: {cmd.text}")

    yield slack


def _audit_count(slack: SlackApp) -> int:
    with slack.runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


@pytest.mark.wire
def test_signed_slash_command_is_answered(app: SlackApp) -> None:
    resp = app.slash("/ping", "echo hello <!channel>")
    assert resp.status == 200
    assert resp.json["response_type"] == "ephemeral"
    assert resp.text == "echo: hello <!channel>"
    assert _audit_count(app) == 1


@pytest.mark.wire
def test_bad_signature_is_401_and_changes_nothing(app: SlackApp) -> None:
    from bot.console import payloads as slack_payloads

    body, ctype = slack_payloads.slash_command("/ping", "echo x", user_id="U_ALICE")
    resp = app.post(body, ctype, secret="not-the-secret")
    assert resp.status == 401
    assert _audit_count(app) == 0


@pytest.mark.wire
def test_request_signed_six_minutes_ago_is_stale(app: SlackApp) -> None:
    from bot.console import payloads as slack_payloads

    body, ctype = slack_payloads.slash_command("/ping", "echo x", user_id="U_ALICE")
    resp = app.post(body, ctype, timestamp=int(time.time()) - 6 * 60)
    assert resp.status == 401
    assert _audit_count(app) == 0


def test_user_error_is_a_friendly_reply_and_rolls_back(app: SlackApp) -> None:
    resp = app.slash("/ping", "refuse")
    assert resp.status == 200
    assert "You cannot do that here." in resp.text
    assert "Example: `/ping echo hi`" in resp.text
    assert _audit_count(app) == 0


def test_unexpected_error_is_an_apology_with_a_reference(app: SlackApp) -> None:
    resp = app.slash("/ping", "boom")
    assert resp.status == 200
    assert "Something went wrong" in resp.text
    assert "secret internals" not in resp.text and "Traceback" not in resp.text


def test_unknown_subcommand_answers_with_usage(app: SlackApp) -> None:
    resp = app.slash("/ping", "frobnicate")
    assert "I don't know `frobnicate`" in resp.text
    assert "/ping echo <text>" in resp.shown


@pytest.mark.wire
def test_event_retried_by_slack_is_handled_once(app: SlackApp) -> None:
    from bot.console import payloads as slack_payloads

    event = slack_payloads.app_mention_event(
        "<@U_OPSDESK> help", user_id="U_ALICE", channel_id="C_GENERAL", ts="1700000001.000100"
    )
    first = app.event(event, event_id="Ev0001")
    retry = app.event(event, event_id="Ev0001")
    assert first.status == 200 and retry.status == 200
    posts = app.stub.wait_for("chat.postMessage", 1)
    app.runtime.drain()
    assert len(app.stub.calls_to("chat.postMessage")) == 1
    assert posts[0].params["thread_ts"] == "1700000001.000100"
    assert "what you can ask me" in posts[0].params["text"]


def test_posts_survive_a_rate_limit(app: SlackApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack answers 429 with Retry-After; the client waits that long and sends again."""
    from slack_sdk.http_retry import builtin_handlers

    waits: list[float] = []  # the client's sleep, recorded instead of slept
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=waits.append))
    app.stub.fail_next("chat.postMessage", status=429, retry_after=1)
    app.mention("help")
    app.stub.wait_for("chat.postMessage", 2, timeout=10)
    app.runtime.drain()
    assert [c.status for c in app.stub.calls_to("chat.postMessage")] == [429, 200]
    assert len(waits) == 1 and 1 <= waits[0] < 2, "Retry-After (plus jitter) waited out"


@pytest.mark.wire
def test_healthz_ok(app: SlackApp) -> None:
    resp = app.get("/healthz")
    assert resp.status == 200
    assert resp.json["status"] == "ok" and resp.json["db"] == "ok"


def test_healthz_503_when_the_database_is_unreachable(app: SlackApp) -> None:
    from bot.web import health
    from storage.db import make_engine

    rt = app.runtime
    down = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    original, rt.engine = rt.engine, down
    try:
        resp = app.get("/healthz")
    finally:
        rt.engine = original
    assert resp.status == 503
    assert resp.json["db"] == "unreachable" and resp.json["reason"]
    assert health(rt)[0].startswith("200")


@pytest.mark.wire
def test_unknown_path_is_404(app: SlackApp) -> None:
    assert app.get("/nope").status == 404


def test_bolt_answered_auth_test_through_the_stand_in(app: SlackApp) -> None:
    assert app.stub.calls_to("auth.test"), "the app verified its token against the stand-in"
    assert all(c.token == "xoxb-test" for c in app.stub.calls_to("auth.test"))
