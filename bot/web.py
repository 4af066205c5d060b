"""The HTTP front: `POST /slack/events` into Bolt, `GET /healthz` for load balancers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

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
    return "200 OK", {"status": "ok", "db": "ok", "scheduler": rt.settings.OPSDESK_SCHEDULER}


def wsgi_app(rt: Runtime, app: App) -> WSGIApp:
    slack = SlackRequestHandler(app)
    probe = HealthProbe(rt)

    def route(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            return slack(environ, start_response)
        if path == "/healthz":
            status, data = health(rt, probe)
            return _json(start_response, status, data)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return route
