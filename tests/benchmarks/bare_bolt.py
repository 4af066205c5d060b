"""The floor to compare Opsdesk's ack path with: a bare Bolt app that only acknowledges.

Served by gunicorn as `tests.benchmarks.bare_bolt:create()`; ``BARE_PROCESS_BEFORE_RESPONSE=1``
builds it with ``process_before_response=True`` (the listener runs in the request thread and
Bolt does not poll for the ack), otherwise with Bolt's defaults. ``GET /healthz`` answers 200
so the benchmark can wait for it like for Opsdesk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create() -> Wsgi:
    # Like Opsdesk: one workspace, its token checked once with auth.test (the Slack stand-in).
    client = WebClient(token="xoxb-bare", base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=os.environ.get("BARE_PROCESS_BEFORE_RESPONSE") == "1",
    )

    @app.command(re.compile(".*"))
    def command(ack: Ack) -> None:
        ack("ok")

    @app.action(re.compile(".*"))
    def action(ack: Ack) -> None:
        ack()

    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return wsgi
