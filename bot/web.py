"""The HTTP front: `POST /slack/events` into Bolt, `GET /healthz` for load balancers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.runtime import Runtime
from storage.db import ping

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json(start_response: Callable[..., Any], status: str, data: dict[str, Any]) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def health(rt: Runtime) -> tuple[str, dict[str, Any]]:
    try:
        ping(rt.engine)
    except Exception as exc:
        log.warning("health check: database unreachable: %s", exc)
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
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


def wsgi_app(rt: Runtime, app: App) -> WSGIApp:
    slack = SlackRequestHandler(app)

    def route(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            return slack(environ, start_response)
        if path == "/healthz":
            status, data = health(rt)
            return _json(start_response, status, data)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return route
