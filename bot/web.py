"""The HTTP front: `POST /slack/events` into Bolt, `GET /healthz` for load balancers."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot import sanitize
from bot.http import HttpResponse, HttpRoute, request_from
from bot.quietlog import OncePerMinute
from bot.runtime import Runtime
from storage.db import deadline, ping

log = logging.getLogger(__name__)

_unreachable = OncePerMinute(log)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json(start_response: Callable[..., Any], status: str, data: dict[str, Any]) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


class HealthProbe:
    """Pings the database on a worker thread and waits for it only so long.

    A load balancer asks every few seconds; while the database hangs, each asker waits on the
    one ping in flight instead of starting another, so hung pings never pile up.
    """

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._timeout = rt.settings.OPSDESK_HEALTH_TIMEOUT_MS / 1000
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="opsdesk-health")
        self._inflight: Future[None] | None = None

    def _ping(self) -> None:
        # The ping itself gives up soon after the asker has, so the worker is free again.
        with deadline(self._timeout * 2):
            ping(self._rt.engine)

    def problem(self) -> str | None:
        """None when the database answered in time, else why not (one line)."""
        with self._lock:
            if self._inflight is None or self._inflight.done():
                self._inflight = self._pool.submit(self._ping)
            inflight = self._inflight
        try:
            inflight.result(timeout=self._timeout)
        except FutureTimeout:
            return f"no answer within {self._timeout:g}s"
        except Exception as exc:
            text = str(getattr(exc, "orig", None) or exc).strip()
            return text.splitlines()[0][:200] if text else type(exc).__name__
        return None


def health(rt: Runtime, probe: HealthProbe | None = None) -> tuple[str, dict[str, Any]]:
    reason = (probe or HealthProbe(rt)).problem()
    if reason is not None:
        _unreachable.warning(f"health check: database unreachable: {reason}")
        return "503 Service Unavailable", {"status": "error", "db": "unreachable", "reason": reason}
    data = {"status": "ok", "db": "ok", "scheduler": rt.settings.OPSDESK_SCHEDULER}
    return "200 OK", {**data, **notices(rt)}


def notices(rt: Runtime) -> dict[str, Any]:
    """Failed notices of the day and how late the queue runs; "degraded" past a threshold."""
    try:
        found = rt.dispatcher.health()
    except Exception as exc:  # the ping passed: report the rest rather than fail the check
        log.warning("health check: could not count notices: %s", exc)
        return {}
    return {"notices": found.as_json(), **({"status": "degraded"} if found.degraded else {})}


_TIMESTAMP = re.compile(r"\d{1,12}", re.ASCII)
_malformed = OncePerMinute(log)


def _empty_ack(start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return [b""]


def _screen(
    environ: dict[str, Any], start_response: Callable[..., Any], secret: str
) -> list[bytes] | None:
    """Answer here what Bolt would answer with a 500: a timestamp header that is not a number
    (401), and a signed body that is not a Slack payload (an empty 200). None: pass it on."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)  # Bolt reads it again
    try:
        text = raw.decode("utf-8")
        body = parse_body(text, environ.get("CONTENT_TYPE"))
    except ValueError:  # not UTF-8, not JSON
        text, body = raw.decode("utf-8", "replace"), None
    if isinstance(body, dict) and body.get("ssl_check") == "1":
        return None  # Slack's certificate check; Bolt answers it before verifying anything
    stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    if not _TIMESTAMP.fullmatch(stamp):
        return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
    why = sanitize.problem(body) if isinstance(body, dict) else "a body that is not a payload"
    if why is None:
        return None
    signed = SignatureVerifier(secret).is_valid(
        body=text, timestamp=stamp, signature=environ.get("HTTP_X_SLACK_SIGNATURE", "")
    )
    if not signed:
        return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
    _malformed.warning(f"acknowledged and ignored a signed request: {why}")
    return _empty_ack(start_response)


def wsgi_app(rt: Runtime, app: App) -> WSGIApp:
    slack = SlackRequestHandler(app)
    probe = HealthProbe(rt)
    secret = rt.settings.SLACK_SIGNING_SECRET or ""

    def route(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            answered = _screen(environ, start_response, secret)
            return slack(environ, start_response) if answered is None else answered
        if path == "/healthz":
            status, data = health(rt, probe)
            return _json(start_response, status, data)
        return _area_route(rt, environ, start_response)

    return route


_REASONS = {
    200: "OK",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _send(start_response: Callable[..., Any], answer: HttpResponse) -> list[bytes]:
    status = f"{answer.status} {_REASONS.get(answer.status, 'Unknown')}"
    headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
    start_response(status, headers + list(answer.headers))
    return [answer.body]


DISCARD_LIMIT = 4  # times a route's body limit read away to answer 413; past it, a reset


def _discard(stream: Any, length: int) -> None:
    """Read an oversized body away before answering 413: a client still sending it would
    otherwise get its connection reset (a broken pipe) instead of the answer."""
    while length > 0:
        chunk = stream.read(min(64 * 1024, length))
        if not chunk:
            return
        length -= len(chunk)


def _area_route(
    rt: Runtime, environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """The endpoints areas declared (``bot/http.py``): 404 for no path, 405 for no method,
    413 past the route's body limit, and an apology (never a traceback) when the area fails."""
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
    matched: list[tuple[HttpRoute, dict[str, str]]] = []
    for candidate in rt.registry.http_routes():
        params = candidate.match(path)
        if params is not None:
            matched.append((candidate, params))
    if not matched:
        return _send(start_response, HttpResponse.error(404, "not found"))
    chosen = next(((r, p) for r, p in matched if r.method == method), None)
    if chosen is None:
        allowed = ", ".join(sorted({r.method for r, _ in matched}))
        return _send(
            start_response,
            HttpResponse(405, b'{"error": "method not allowed"}', headers=(("Allow", allowed),)),
        )
    found, params = chosen
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > found.max_body:
        _discard(environ["wsgi.input"], min(length, DISCARD_LIMIT * found.max_body))
        return _send(start_response, HttpResponse.error(413, "body too large"))
    # Read what the client announced, no more: a socket has no EOF while the connection stays
    # open, so reading past Content-Length would wait for the client's timeout.
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    if len(body) > found.max_body:
        return _send(start_response, HttpResponse.error(413, "body too large"))
    try:
        answer = found.fn(rt, request_from(environ, params, body))
    except Exception:
        log.exception("HTTP %s %s failed", method, found.pattern.pattern)
        answer = HttpResponse.error(503, "temporarily unavailable, try again")
    return _send(start_response, answer)
