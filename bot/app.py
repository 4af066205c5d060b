"""The Bolt App factory: verification and the runtime in every request.

Slack's event retries are de-duplicated by the unit of work that acts on them
(``handlers/work.py``), so a retry after a crash mid-handling still does the work.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from bot import sanitize
from bot.runtime import Runtime
from bot.slack_messenger import make_web_client
from handlers import load_areas

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

    app.middleware(sanitize.middleware)

    @app.middleware
    def with_runtime(context: BoltContext, next: Any) -> Any:
        context["opsdesk"] = rt
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


def _console_authorize(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None,
        team_id=CONSOLE_TEAM,
        bot_token="xoxb-console",
        bot_user_id=BOT_USER,
        bot_id="B_OPSDESK",
    )
