"""The composition root: which areas a process has, its runtime, and the Bolt App over it.

``AREAS`` is the one list of areas. Every run mode starts from ``start_runtime``, whose registry
holds every area and is checked against the notice queue, before its scheduler's first tick.
Only the modes that talk to Slack call ``create_app``, which imports the Slack listeners
(``handlers/``): the scheduler process never loads them.

Slack's event retries are de-duplicated by the unit of work that acts on them
(``handlers/work.py``), so a retry after a crash mid-handling still does the work.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import Future
from types import ModuleType
from typing import Any, Protocol

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import Engine

from bot import boot, metrics, sanitize
from bot.alerts import area as alerts
from bot.api import area as api
from bot.calendars import area as calendars
from bot.clock import Clock
from bot.config import Config
from bot.context import Ctx
from bot.digests import area as digests
from bot.failures import area as failures
from bot.incidents import area as incidents
from bot.maintenance import area as maintenance
from bot.messenger import Messenger
from bot.purchases import area as purchases
from bot.registry import Registry
from bot.reports import area as reports
from bot.resources import area as resources
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.shifts import area as shifts
from bot.slack_messenger import make_web_client

log = logging.getLogger(__name__)

CONSOLE_SECRET = "opsdesk-console-signing-secret"
CONSOLE_TEAM = "T_OPSDESK"
BOT_USER = "U_OPSDESK"


class Area(Protocol):
    """An area package's ``area`` module: it declares what the area contributes."""

    def register(self, registry: Registry[Ctx]) -> None: ...


AREAS: tuple[Area, ...] = (
    incidents,
    purchases,
    resources,
    shifts,
    maintenance,
    digests,
    reports,
    failures,
    alerts,
    calendars,
    api,
)


# The kernel's own endpoints, declared beside whatever areas a process is built with.
KERNEL: tuple[Area, ...] = (metrics,)


def build_registry(areas: Iterable[Area] = AREAS) -> Registry[Ctx]:
    registry: Registry[Ctx] = Registry()
    for area in (*KERNEL, *areas):
        area.register(registry)
    return registry


def start_runtime(
    settings: Settings,
    config: Config,
    messenger: Messenger,
    *,
    engine: Engine,
    registry: Registry[Ctx] | None = None,
    clock: Clock | None = None,
    synchronous: bool = False,
) -> Runtime:
    """The runtime every run mode starts from: every area declared, the notice queue checked.

    Raises ``boot.StartupError`` when notices are queued that no area could send.
    """
    rt = build_runtime(
        settings,
        config,
        messenger,
        build_registry() if registry is None else registry,
        clock=clock,
        engine=engine,
        synchronous=synchronous,
    )
    boot.check_notice_kinds(rt.registry, rt.sessions)
    return rt


def listeners() -> tuple[ModuleType, ...]:
    """The Slack edge, one module per area plus the Home tab and mentions, each with
    ``register(app, registry)``. Imported here, so a process that never talks to Slack never
    loads it. In alphabetical order, which is the order ``@opsdesk help`` lists phrases in."""
    import handlers.digests
    import handlers.home
    import handlers.incidents
    import handlers.maintenance
    import handlers.mentions
    import handlers.purchases
    import handlers.reports
    import handlers.resources
    import handlers.shifts

    return (
        handlers.digests,
        handlers.home,
        handlers.incidents,
        handlers.maintenance,
        handlers.mentions,
        handlers.purchases,
        handlers.reports,
        handlers.resources,
        handlers.shifts,
    )


# Bolt names an unnamed app after its caller's file, found with ``inspect.stack()``, which reads
# the source of every frame on the stack: about 35 ms under a test runner, for a name.
APP_NAME = "opsdesk"


def slack_app(settings: Settings) -> App:
    """The Bolt app for Slack, no listeners yet. Making it asks Slack who the bot token is
    (``auth.test``, bounded by OPSDESK_SLACK_TIMEOUT) and fails when Slack refuses the token."""
    return App(
        name=APP_NAME,
        signing_secret=settings.SLACK_SIGNING_SECRET or "",
        client=make_web_client(settings),  # carries the bot token
        # Compute the reply inside the request: Bolt's ack polling costs ~10 ms otherwise.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )


def slack_app_meanwhile(settings: Settings) -> Future[App]:
    """``slack_app`` on a thread of its own, so that waiting for ``auth.test`` overlaps the
    rest of start-up (config, database, runtime); ``create_app(rt, made=...)`` takes the
    result and raises its failure. A daemon thread: a process that stops starting for another
    reason does not wait for Slack's answer first."""
    made: Future[App] = Future()

    def make() -> None:
        if made.set_running_or_notify_cancel():
            try:
                made.set_result(slack_app(settings))
            except BaseException as exc:
                made.set_exception(exc)

    threading.Thread(target=make, name="opsdesk-auth-test", daemon=True).start()
    return made


def create_app(rt: Runtime, *, console: bool = False, made: Future[App] | None = None) -> App:
    """The same app serves Slack and the console; the console signs its own requests.

    The listeners declare their mention routes on ``rt.registry``, so build one app per runtime.
    ``made``: the Bolt app from ``slack_app_meanwhile``; without it, one is made here.
    """
    if console:
        app = App(
            name=APP_NAME,
            signing_secret=CONSOLE_SECRET,
            authorize=_console_authorize,
            process_before_response=True,
            raise_error_for_unhandled_request=False,
        )
    else:
        app = slack_app(rt.settings) if made is None else made.result()

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

    for module in listeners():
        module.register(app, rt.registry)
    from handlers.kit import install  # with the listeners: only a process that talks to Slack

    install(app)  # one Bolt listener per kind of request, dispatching by name
    return app


def _console_authorize(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None,
        team_id=CONSOLE_TEAM,
        bot_token="xoxb-console",
        bot_user_id=BOT_USER,
        bot_id="B_OPSDESK",
    )
