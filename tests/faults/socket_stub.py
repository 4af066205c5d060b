"""A local stand-in for Slack's Socket Mode WebSocket server (RFC 6455, by hand, on 127.0.0.1).

Each connection gets `hello`; the test sends envelopes on a chosen connection, asks for a
`disconnect` (refresh_requested), or drops a connection with a bare FIN and no close frame (what
a load balancer or a NAT timeout does). Acks are recorded with the connection they arrived on.

    ws = SocketStub().start()
    slack_stub.respond_with("apps.connections.open", ws.open_connection)
    conn = ws.wait_for_connection(1)
    envelope_id = ws.send_envelope(conn, "slash_commands", payload)
    ack = ws.wait_for_ack(envelope_id)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


@dataclass
class Ack:
    envelope_id: str
    connection: int
    at: float
    payload: dict[str, Any] | None


@dataclass
class Connection:
    number: int
    sock: socket.socket
    opened_at: float
    closed: threading.Event = field(default_factory=threading.Event)
    muted: threading.Event = field(default_factory=threading.Event)
    pings: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, opcode: int, data: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            header += bytes([n])
        elif n < 65536:
            header += bytes([126]) + struct.pack("!H", n)
        else:
            header += bytes([127]) + struct.pack("!Q", n)
        with self.lock:
            self.sock.sendall(header + data)


class SocketStub:
    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self._cond = threading.Condition()
        self._conns: list[Connection] = []
        self._acks: list[Ack] = []
        self._seq = itertools.count(1)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="socket-stub")
        self.urls_issued = 0

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    def start(self) -> SocketStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        with self._cond:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.sock.close()
        self._thread.join(timeout=2)
        self._server.close()

    # what apps.connections.open answers (a SlackStub responder)
    def open_connection(self, _call: Any = None) -> dict[str, Any]:
        with self._cond:
            self.urls_issued += 1
            n = self.urls_issued
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={n}"}

    # --- test controls ---------------------------------------------------------------------

    def wait_for_connection(self, number: int, timeout: float = 10) -> Connection:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._conns) >= number, timeout=timeout):
                raise AssertionError(f"connection {number} never opened ({len(self._conns)} did)")
            return self._conns[number - 1]

    def send_envelope(self, conn: Connection, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = f"env-{next(self._seq)}"
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            message.update(retry_attempt=0, retry_reason="")
        conn.send(TEXT, json.dumps(message).encode())
        return envelope_id

    def disconnect(self, conn: Connection, reason: str = "refresh_requested") -> None:
        body = {"type": "disconnect", "reason": reason, "debug_info": {"host": "stub"}}
        conn.send(TEXT, json.dumps(body).encode())

    def drop(self, conn: Connection) -> None:
        """FIN without a close frame; the peer learns only when it next reads."""
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_RDWR)
        conn.closed.set()

    def mute(self, conn: Connection) -> None:
        """Go silent without closing: no pongs, no reading (a frozen peer, a dropped NAT entry)."""
        conn.muted.set()

    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> Ack:
        def found() -> Ack | None:
            return next((a for a in self._acks if a.envelope_id == envelope_id), None)

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout=timeout):
                raise AssertionError(f"no ack for {envelope_id} within {timeout}s")
            ack = found()
            assert ack is not None
            return ack

    @property
    def connections(self) -> list[Connection]:
        with self._cond:
            return list(self._conns)

    # --- server ------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                sock, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                request += chunk
            key = next(
                line.split(b":", 1)[1].strip().decode()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
            sock.sendall(
                (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                ).encode()
            )
        except (OSError, StopIteration):
            sock.close()
            return
        with self._cond:
            conn = Connection(len(self._conns) + 1, sock, time.monotonic())
            self._conns.append(conn)
            self._cond.notify_all()
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A_STUB"}}
        conn.send(TEXT, json.dumps(hello).encode())
        self._read(conn)

    def _read(self, conn: Connection) -> None:
        buf = b""
        try:
            while not conn.closed.is_set():
                frame, buf = _frame(buf)
                if frame is None:
                    chunk = conn.sock.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                    continue
                opcode, data = frame
                if conn.muted.is_set():
                    continue
                if opcode == PING:
                    conn.pings += 1
                    conn.send(PONG, data)
                elif opcode == CLOSE:
                    conn.send(CLOSE, data[:2])
                    return
                elif opcode == TEXT:
                    self._record(conn, json.loads(data))
        except OSError:
            return
        finally:
            conn.closed.set()
            with contextlib.suppress(OSError):
                conn.sock.close()

    def _record(self, conn: Connection, message: dict[str, Any]) -> None:
        if "envelope_id" in message:
            ack = Ack(message["envelope_id"], conn.number, time.monotonic(), message.get("payload"))
            with self._cond:
                self._acks.append(ack)
                self._cond.notify_all()


def _frame(buf: bytes) -> tuple[tuple[int, bytes] | None, bytes]:
    """One client frame (always masked) from the front of ``buf``, or None if incomplete."""
    if len(buf) < 2:
        return None, buf
    opcode, length, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
    if length == 126:
        if len(buf) < 4:
            return None, buf
        length, at = struct.unpack("!H", buf[2:4])[0], 4
    elif length == 127:
        if len(buf) < 10:
            return None, buf
        length, at = struct.unpack("!Q", buf[2:10])[0], 10
    masked = buf[1] & 0x80
    mask = buf[at : at + 4] if masked else b""
    at += 4 if masked else 0
    if len(buf) < at + length:
        return None, buf
    data = buf[at : at + length]
    if masked:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return (opcode, data), buf[at + length :]
