"""The Bolt App factory: verification, the runtime in every request, event de-duplication."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy.exc import IntegrityError

from bot.runtime import Runtime
from bot.slack_messenger import make_web_client
from handlers import load_areas
from storage.db import transaction
from storage.models import ProcessedEvent

log = logging.getLogger(__name__)

CONSOLE_SECRET = "opsdesk-console-signing-secret"
CONSOLE_TEAM = "T_OPSDESK"
BOT_USER = "U_OPSDESK"


def create_app(rt: Runtime, *, console: bool = False) -> App:
    """The same app serves Slack and the console; the console signs its own requests."""
    settings = rt.settings
    if console:
        app = App(
            signing_secret=CONSOLE_SECRET,
            authorize=_console_authorize,
            process_before_response=True,
            raise_error_for_unhandled_request=False,
        )
    else:
        app = App(
            signing_secret=settings.SLACK_SIGNING_SECRET or "",
            client=make_web_client(settings),  # carries the bot token
            # Compute the reply inside the request: Bolt's ack polling costs ~10 ms otherwise.
            process_before_response=True,
            raise_error_for_unhandled_request=False,
        )

    @app.middleware
    def with_runtime(context: BoltContext, next: Any) -> Any:
        context["opsdesk"] = rt
        return next()

    @app.middleware
    def once_per_event(body: dict[str, Any], next: Any) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not _first_delivery(rt, event_id):
            log.info("event %s already handled; ignoring Slack's retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        request_id = uuid.uuid4().hex[:8]
        log.error("unhandled error (request %s): %r", request_id, error, exc_info=error)
        return BoltResponse(status=200, body="")

    for module in load_areas():
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    return app


def _first_delivery(rt: Runtime, event_id: str) -> bool:
    try:
        with transaction(rt.sessions) as session:
            session.add(ProcessedEvent(event_id=event_id[:64], received_at=rt.clock.now()))
    except IntegrityError:
        return False
    return True


def _console_authorize(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None,
        team_id=CONSOLE_TEAM,
        bot_token="xoxb-console",
        bot_user_id=BOT_USER,
        bot_id="B_OPSDESK",
    )
