"""Plain HTTP endpoints an area adds beside Slack's: alert hooks, calendar feeds, metrics, the API.

An area declares ``registry.add_http_route("POST", r"/hooks/alerts/(?P<name>[^/]+)", fn)``;
``bot/web.py`` matches the path, reads at most ``max_body`` bytes (413 past it) and calls
``fn(rt, request)`` on the request's thread. The function answers an ``HttpResponse``; it never
raises for bad input (a 4xx is an answer), and what it has to say in Slack goes through the
notice queue after the response.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

MAX_BODY = 1024 * 1024  # 1 MB: SPEC's limit for alert hooks; larger is 413


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    params: Mapping[str, str]  # the route pattern's named groups
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def bearer_matches(self, expected: str | None) -> bool:
        """``Authorization: Bearer <expected>``, compared in constant time; never true when no
        token is configured."""
        if not expected:
            return False
        given = self.header("authorization")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(token.strip().encode(), expected.encode())


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def json(cls, status: int, data: Any, *headers: tuple[str, str]) -> HttpResponse:
        return cls(status, json.dumps(data, default=str).encode(), "application/json", headers)

    @classmethod
    def error(cls, status: int, message: str) -> HttpResponse:
        return cls.json(status, {"error": message})


# ``fn(rt, request)`` where ``rt`` is the process's ``bot.runtime.Runtime``; named loosely here
# because the runtime holds the registry that holds these routes (no import cycle).
RouteFn = Callable[[Any, HttpRequest], HttpResponse]


@dataclass(frozen=True)
class HttpRoute:
    method: str
    pattern: re.Pattern[str]
    fn: RouteFn
    max_body: int = MAX_BODY

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def request_from(environ: Mapping[str, Any], params: Mapping[str, str], body: bytes) -> HttpRequest:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return HttpRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        path=str(environ.get("PATH_INFO", "")),
        params=dict(params),
        query=parse_qs(str(environ.get("QUERY_STRING", ""))),
        headers=headers,
        body=body,
    )
