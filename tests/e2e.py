"""End-to-end harness: the real app over real HTTP, signed requests, Slack's Web API stood in.

``SlackApp`` serves the production WSGI app (the same ``wsgi_app`` gunicorn runs) on a local
port. Requests are built with the exact payload shapes Slack sends (``bot.console.payloads``) and
signed with the signing secret; the app's WebClient talks to ``SlackStub``, which records every
call. Tests assert on what Slack would have received. Under freezegun, requests are signed with
the frozen ``time.time()``, as the app checks them against it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.app import create_app
from bot.console import payloads
from bot.console.plain import mrkdwn_to_text
from bot.runtime import Runtime
from bot.web import wsgi_app
from tests.signing import post_signed
from tests.slack_stub import Call, SlackStub

SECRET = "test-signing-secret"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # The default backlog of 5 resets connections when a test sends 20 clicks at once.
    request_queue_size = 64


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.raw) if self.raw else {}

    @property
    def text(self) -> str:
        """The reply text of a slash command (empty for a bare ack)."""
        return self.json.get("text", "") if self.raw.strip().startswith(b"{") else ""

    @property
    def shown(self) -> str:
        """The reply text as a reader sees it (mrkdwn entities and tokens resolved)."""
        return mrkdwn_to_text(self.text)


class SlackApp:
    """The app under test, reachable over HTTP, plus the Web API stand-in it talks to."""

    def __init__(self, runtime: Runtime, stub: SlackStub):
        self.runtime = runtime
        self.stub = stub
        self.bolt = create_app(runtime)
        self._server = make_server(
            "127.0.0.1",
            0,
            wsgi_app(runtime, self.bolt),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- raw ---------------------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        status, resp_headers, raw = post_signed(
            self.url + "/slack/events",
            body,
            content_type,
            secret=secret,
            timestamp=timestamp,
            extra_headers=headers,
        )
        return Response(status, resp_headers, raw)

    def get(self, path: str) -> Response:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as resp:
                return Response(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, dict(err.headers), err.read())

    # --- what people do ----------------------------------------------------------------------

    def slash(
        self, command: str, text: str = "", *, user: str = "U_ALICE", channel: str = "C_GENERAL"
    ) -> Response:
        body, ctype = payloads.slash_command(
            command, text, user_id=user, channel_id=channel, trigger_id="T_TRIGGER"
        )
        return self.post(body, ctype)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U_ALICE",
        channel: str | None = "C_GENERAL",
        message_ts: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> Response:
        body, ctype = payloads.block_action(
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            message_ts=message_ts,
            view=view,
            trigger_id="T_TRIGGER",
        )
        return self.post(body, ctype)

    def click_button(self, call: Call, action_id: str, *, user: str = "U_ALICE") -> Response:
        """Press the button ``action_id`` on a message the app sent (recorded by the stub)."""
        for block in call.blocks:
            for element in _buttons(block):
                if element.get("action_id") == action_id:
                    channel = call.params.get("channel")
                    return self.click(
                        action_id,
                        element.get("value", ""),
                        user=user,
                        channel=channel,
                        message_ts=call.params.get("ts"),
                    )
        raise AssertionError(f"no {action_id} button in {call.method} to {call.params}")

    def submit(
        self,
        callback_id: str,
        values: dict[str, str],
        *,
        user: str = "U_ALICE",
        private_metadata: str = "",
    ) -> Response:
        """Submit a modal; ``values`` is {block_id: text}, as our inputs use action_id "value"."""
        state = {
            bid: {"value": {"type": "plain_text_input", "value": v}} for bid, v in values.items()
        }
        body, ctype = payloads.view_submission(
            callback_id, state, user_id=user, private_metadata=private_metadata
        )
        return self.post(body, ctype)

    def shortcut(
        self,
        callback_id: str,
        *,
        user: str = "U_ALICE",
        channel: str = "C_GENERAL",
        text: str,
        author: str = "U_BOB",
        ts: str = "1700000000.000100",
    ) -> Response:
        body, ctype = payloads.message_shortcut(
            callback_id,
            user_id=user,
            channel_id=channel,
            message_text=text,
            message_user=author,
            message_ts=ts,
            trigger_id="T_TRIGGER",
        )
        return self.post(body, ctype)

    def event(self, event: dict[str, Any], *, event_id: str | None = None) -> Response:
        body, ctype = payloads.event(event, event_id=event_id)
        return self.post(body, ctype)

    def mention(self, text: str, *, user: str = "U_ALICE", channel: str = "C_GENERAL") -> Response:
        return self.event(
            payloads.app_mention_event(f"<@U_OPSDESK> {text}", user_id=user, channel_id=channel)
        )


def _buttons(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if block.get("type") == "actions":
        yield from (e for e in block.get("elements", []) if e.get("type") == "button")
    accessory = block.get("accessory")
    if accessory and accessory.get("type") == "button":
        yield accessory
