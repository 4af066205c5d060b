"""End-to-end harness: the real app, signed requests, Slack's Web API stood in.

``SlackApp`` drives the production WSGI app (the same ``wsgi_app`` gunicorn runs). Requests are
built with the exact payload shapes Slack sends (``bot.console.payloads``) and signed with the
signing secret; the app checks the signature as in production. The app's WebClient talks over
HTTP to ``SlackStub``, which records every call. Tests assert on what Slack would have received.
Under freezegun, requests are signed with the frozen ``time.time()``, as the app checks them
against it.

By default a request is handed to the WSGI app in this process (a WSGI environ as a server builds
it, checked by ``wsgiref.validate``): no port, no server thread, the same bytes in and out.
``SlackApp(..., wire=True)`` (the ``slack`` fixture in tests marked ``@pytest.mark.wire``)
serves the app on a local port and sends the requests over a real socket instead.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.validate import validator

from bot.app import create_app
from bot.console import payloads
from bot.console.plain import mrkdwn_to_text
from bot.runtime import Runtime
from bot.web import wsgi_app
from tests.signing import post_signed, signed_headers
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


IN_PROCESS_URL = "http://opsdesk.test"  # what ``url`` says when no server listens


class SlackApp:
    """The app under test, in this process or over HTTP, plus the Web API stand-in it talks to."""

    def __init__(self, runtime: Runtime, stub: SlackStub, *, wire: bool = False):
        self.runtime = runtime
        self.stub = stub
        self.bolt = create_app(runtime)
        self.wsgi = wsgi_app(runtime, self.bolt)
        self.wire = wire
        self._server: WSGIServer | None = None
        self.url = IN_PROCESS_URL
        if wire:
            self._server = make_server(
                "127.0.0.1",
                0,
                self.wsgi,
                server_class=_ThreadingServer,
                handler_class=_QuietHandler,
            )
            # A short poll: shutdown() waits for the loop to notice (0.5 s by default).
            serve = {"poll_interval": 0.02}
            threading.Thread(target=self._server.serve_forever, kwargs=serve, daemon=True).start()
            self.url = f"http://127.0.0.1:{self._server.server_port}"

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _call(self, method: str, target: str, body: bytes, headers: dict[str, str]) -> Response:
        """Hand one request to the WSGI app here, as a threaded WSGI server would."""
        url = urlsplit(target)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            started.append((status, response_headers))
            return lambda _data: None  # the legacy write(): the app does not use it

        try:
            result = validator(self.wsgi)(environ, start_response)
            try:
                raw = b"".join(result)
            finally:
                result.close()
        except Exception:
            # What a WSGI server does with an app that raises: a bare 500, the traceback logged.
            traceback.print_exc()
            return Response(500, {}, b"A server error occurred.")
        status, response_headers = started[-1]
        return Response(int(status.split(" ", 1)[0]), dict(response_headers), raw)

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
        if self.wire:
            status, resp_headers, raw = post_signed(
                self.url + "/slack/events",
                body,
                content_type,
                secret=secret,
                timestamp=timestamp,
                extra_headers=headers,
            )
            return Response(status, resp_headers, raw)
        sent = signed_headers(body, content_type, secret=secret, timestamp=timestamp)
        sent.update(headers or {})
        answer = self._call("POST", "/slack/events", body.encode("utf-8"), sent)
        # As over the wire (tests/signing.py): header names in lower case.
        return Response(
            answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.raw
        )

    def get(self, path: str) -> Response:
        import urllib.error
        import urllib.request

        if not self.wire:
            return self._call("GET", path, b"", {})
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
        """Press the button ``action_id`` on a message the app sent (recorded by the stub); the
        click carries the channel the app posted to and the ts of that message."""
        for block in call.blocks:
            for element in _buttons(block):
                if element.get("action_id") == action_id:
                    channel = call.params.get("channel")
                    return self.click(
                        action_id,
                        element.get("value", ""),
                        user=user,
                        channel=channel,
                        # The message's ts: given to chat.update, answered to chat.postMessage.
                        message_ts=call.params.get("ts") or call.answer.get("ts"),
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
