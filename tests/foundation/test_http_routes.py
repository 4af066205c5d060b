"""Endpoints areas add beside Slack's: matching, methods, body limits, bearer tokens, failures."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from bot.http import HttpRequest, HttpResponse
from bot.runtime import Runtime
from bot.web import wsgi_app
from tests.e2e import SlackApp


def _call(
    slack: SlackApp, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[str, dict[str, str], bytes]:
    app = wsgi_app(slack.runtime, slack.bolt)
    seen: dict[str, Any] = {}

    def start_response(status: str, hdrs: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(hdrs)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": path.partition("?")[2],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **{"HTTP_" + k.upper(): v for k, v in headers.items()},
    }
    out = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], out


def _echo(rt: Runtime, req: HttpRequest) -> HttpResponse:
    if not req.bearer_matches("s3cret"):
        return HttpResponse.error(401, "unauthorized")
    return HttpResponse.json(202, {"name": req.params["name"], "size": len(req.body)})


def _add(slack: SlackApp, fn: Callable[[Runtime, HttpRequest], HttpResponse], **kw: Any) -> None:
    slack.runtime.registry.add_http_route("POST", r"/hooks/(?P<name>[a-z]+)", fn, **kw)


def test_a_declared_route_answers_with_its_path_parameters(slack: SlackApp) -> None:
    _add(slack, _echo)
    status, headers, body = _call(
        slack, "POST", "/hooks/abc", b"hello", authorization="Bearer s3cret"
    )
    assert status.startswith("202")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"name": "abc", "size": 5}


def test_bearer_tokens_must_match_exactly(slack: SlackApp) -> None:
    _add(slack, _echo)
    for given in ["", "Bearer", "Bearer s3cre", "Basic s3cret", "Bearer s3cretX"]:
        status, _, _ = _call(slack, "POST", "/hooks/abc", authorization=given)
        assert status.startswith("401"), given


def test_unknown_paths_and_wrong_methods_are_answered_not_crashed(slack: SlackApp) -> None:
    _add(slack, _echo)
    assert _call(slack, "POST", "/hooks/ABC")[0].startswith("404")
    status, headers, _ = _call(slack, "GET", "/hooks/abc")
    assert status.startswith("405") and headers["Allow"] == "POST"


def test_a_body_past_the_limit_is_413_before_the_area_runs(slack: SlackApp) -> None:
    calls: list[int] = []

    def count(rt: Runtime, req: HttpRequest) -> HttpResponse:
        calls.append(len(req.body))
        return HttpResponse.json(200, {})

    _add(slack, count, max_body=10)
    assert _call(slack, "POST", "/hooks/a", b"x" * 11)[0].startswith("413")
    assert _call(slack, "POST", "/hooks/a", b"x" * 10)[0].startswith("200")
    assert calls == [10]


def test_an_area_that_fails_gets_an_apology_not_a_traceback(slack: SlackApp) -> None:
    def boom(rt: Runtime, req: HttpRequest) -> HttpResponse:
        raise RuntimeError("secret internals")

    _add(slack, boom)
    status, _, body = _call(slack, "POST", "/hooks/a")
    assert status.startswith("503")
    assert b"secret" not in body and b"Traceback" not in body
