"""Slack Web API calls counted: ``opsdesk_slack_api_calls_total`` by method and outcome, and
their latency in ``opsdesk_slack_api_seconds`` (bot/metrics.py)."""

from __future__ import annotations

import time
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.web import SlackResponse

from bot import metrics


def method_of(request: HttpRequest) -> str:
    """The Web API method a request goes to (the last part of its URL)."""
    return request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


def _timed_out(exc: BaseException) -> bool:
    reason = exc.reason if isinstance(exc, URLError) else exc
    return isinstance(reason, TimeoutError)


def outcome_of(exc: BaseException) -> str:
    """A failed call as ``opsdesk_slack_api_calls_total`` labels it."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        if status == 429:
            return "ratelimited"
        if status >= 500:  # whatever the body says: Slack itself is in trouble
            return f"http_{status}"
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        return str(error) if error else f"http_{status}"
    if _timed_out(exc):
        return "timeout"
    return "connection_error"


class MeteredWebClient(WebClient):
    """A WebClient that counts every Web API call by method and outcome, with its latency.

    Only ``api_call`` is wrapped: retries, timeouts and errors are the WebClient's own.
    """

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return super().api_call(
                api_method,
                http_verb=http_verb,
                files=files,
                data=data,
                params=params,
                json=json,
                headers=headers,
                auth=auth,
            )
        except BaseException as exc:
            outcome = outcome_of(exc)
            raise
        finally:
            metrics.slack_call(api_method, outcome, time.perf_counter() - started)
