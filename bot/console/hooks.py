"""`post <path> <json>` in the console: the plain HTTP endpoints (alert hooks), tried by hand.

The request goes through the same route function as over HTTP, with the bearer token an
alert source reads from its ``token_env`` variable, so what the console shows is what a monitor
would get back; the messages it causes are printed like any other.
"""

from __future__ import annotations

import os

from bot.http import HttpRequest, HttpResponse
from bot.runtime import Runtime

ALERT_HOOK = "/hooks/alerts/"


def post(rt: Runtime, rest: str) -> tuple[HttpResponse | None, str | None]:
    """The endpoint's answer, or None and why nothing was sent."""
    path, _, body = rest.strip().partition(" ")
    if not path.startswith("/"):
        return None, "usage: post /hooks/alerts/<name> <json body>"
    for route in rt.registry.http_routes():
        params = route.match(path)
        if route.method != "POST" or params is None:
            continue
        data = body.strip().encode()
        if len(data) > route.max_body:
            return HttpResponse.error(413, "body too large"), None
        headers = {"content-type": "application/json"}
        token, missing = _token(rt, path)
        if missing:
            return None, f"set {missing} to try this hook: the console sends it as the token"
        if token:
            headers["authorization"] = f"Bearer {token}"
        request = HttpRequest("POST", path, params, {}, headers, data)
        return route.fn(rt, request), None
    return None, f"nothing answers POST {path}"


def _token(rt: Runtime, path: str) -> tuple[str | None, str | None]:
    """(the token to send, or the unset variable that should hold it)."""
    if not path.startswith(ALERT_HOOK):
        return None, None
    source = rt.config.alert_source(path.removeprefix(ALERT_HOOK))
    if source is None:
        return None, None  # the hook answers 404 itself
    token = os.environ.get(source.token_env)
    return (token, None) if token else (None, source.token_env)
