"""Production serving as deployed: gunicorn (the Procfile's web line) and `opsdesk serve`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console import payloads as slack_payloads
from tests.serving import SECRET, free_port, gunicorn_command, migrate, running, server_env
from tests.signing import post_signed
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.processes


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with SlackStub() as s:
        yield s


@pytest.mark.parametrize("how", ["gunicorn", "opsdesk serve"])
def test_served_app_answers_signed_requests(how: str, tmp_path: Path, stub: SlackStub) -> None:
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / 'serve.db'}", stub, port)
    if how == "gunicorn":
        migrate(env, tmp_path)
        cmd = gunicorn_command(port)
    else:
        cmd = [sys.executable, "-m", "bot", "serve"]
    with running(cmd, env, tmp_path, port) as url:
        body, ctype = slack_payloads.event(
            slack_payloads.app_mention_event("help", user_id="U_ALICE", channel_id="C_OPS")
        )
        status, _, _ = post_signed(url + "/slack/events", body, ctype, secret=SECRET)
        assert status == 200
        posted = stub.wait_for("chat.postMessage", 1, timeout=10)
        assert posted[0].params["channel"] == "C_OPS"
        assert posted[0].token == "xoxb-serve"
        forged, _, _ = post_signed(url + "/slack/events", body, ctype, secret="wrong")
        assert forged == 401
