"""The Socket Mode connection: websocket-client under Bolt, configured never to go deaf.

slack_sdk's built-in client misses a connection dropped without a close frame for about a
minute while spinning on a dead socket, and after a ``refresh_requested`` disconnect it blocks
its message loop on the old connection's read timeout, acking envelopes on the new connection
late. The websocket-client based client notices a FIN at once and reconnects within half a
second. Two settings are added here: a ping timeout, so that a connection that goes silent
without any FIN (a NAT entry dropped, a frozen peer) is given up within ``ping_interval +
ping_timeout`` seconds; and the old connection of a refresh is closed on a side thread, so its
closing handshake never holds up the message loop. A payload no listener could read is
acknowledged and dropped here, as the HTTP front does (``bot.web``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from websocket import WebSocketApp, WebSocketTimeoutException

from bot import sanitize

PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 3.0
OLD_CONNECTION_CLOSE_S = 1.0
CONNECT_GRACE_S = 2.0


def _cut_when_silent(ws: WebSocketApp, error: Exception) -> None:
    """A peer that stopped answering pings will not answer a closing handshake either: cut the
    socket, so closing does not wait out websocket-client's 3 s for the close reply."""
    if isinstance(error, WebSocketTimeoutException) and ws.sock is not None and ws.sock.sock:
        with contextlib.suppress(OSError):
            ws.sock.sock.shutdown(socket.SHUT_RDWR)


class _Client(SocketModeClient):
    ping_timeout: float = PING_TIMEOUT_S
    _connecting_since: float = 0.0

    def is_connected(self) -> bool:
        # A new connection is opened by the session thread up to half a second after
        # connect(); until then the monitor must not take it for a dead one and open another.
        if super().is_connected():
            return True
        return time.monotonic() - self._connecting_since < CONNECT_GRACE_S

    def connect(self) -> None:
        old, self.current_session = self.current_session, None
        self._connecting_since = time.monotonic()  # before the monitor's first look
        super().connect()  # with no current session, it closes nothing on this thread
        if old is not None:
            threading.Thread(
                target=old.close,
                kwargs={"timeout": OLD_CONNECTION_CLOSE_S},
                name="socket-mode-close",
                daemon=True,
            ).start()

    def _run_current_session(self) -> None:
        session = self.current_session
        if session is None:
            return
        try:
            session.run_forever(
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_timeout,
                http_proxy_host=self.http_proxy_host,
                http_proxy_port=self.http_proxy_port,
                http_proxy_auth=self.http_proxy_auth,
                proxy_type=self.proxy_type,
            )
        except Exception as exc:
            self.logger.warning("Socket Mode connection ended: %s", exc)
            session.close()


class _Handler(SocketModeHandler):
    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        if not isinstance(req.payload, dict) or sanitize.problem(req.payload) is not None:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, run_bolt_app(self.app, req), start)


def socket_handler(
    app: App,
    app_token: str,
    *,
    ping_interval: float = PING_INTERVAL_S,
    ping_timeout: float = PING_TIMEOUT_S,
) -> SocketModeHandler:
    """Bolt's websocket-client handler with the client above; ``.start()`` blocks."""
    if not 0 < ping_timeout < ping_interval:
        raise ValueError("the ping timeout must be positive and shorter than the ping interval")
    handler = _Handler(app, app_token, ping_interval=ping_interval)
    client = _Client(
        app_token=app_token,
        logger=app.logger,
        web_client=app.client,
        ping_interval=ping_interval,
        on_error_listeners=[_cut_when_silent],
    )
    client.ping_timeout = ping_timeout
    client.socket_mode_request_listeners.append(handler.handle)
    handler.client.close()  # the stock client it made; never connected
    handler.client = client
    return handler
