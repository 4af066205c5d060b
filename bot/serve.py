"""Long-running modes: HTTP under gunicorn, Socket Mode, and the scheduler alone."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Any

from bot import boot, heap
from bot.settings import Settings

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime
    from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


def serve(s: Settings) -> int:
    """One gunicorn process (8 threads) with the scheduler inside, for single-box installs."""
    from gunicorn.app.base import BaseApplication

    from bot.wsgi import create

    boot.check_http(s)

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{s.PORT}")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", 8)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            return create()

    heap.settle()  # before the worker is forked: it shares what the master imported
    _App().run()
    return 0


def socket_mode(s: Settings) -> int:
    from bot.socket_mode import socket_handler

    boot.require_slack(s, "Socket Mode")
    assert s.SLACK_APP_TOKEN  # require_slack stopped without it
    rt, app, scheduler = start_socket_mode(s)
    _maybe_metrics(rt)
    heap.settle()
    try:
        socket_handler(app, s.SLACK_APP_TOKEN).start()
    finally:
        if scheduler:
            scheduler.shutdown()
    return 0


def start_socket_mode(s: Settings) -> tuple[Runtime, App, Scheduler | None]:
    """Everything `opsdesk socket` runs except the WebSocket: the app over the full registry,
    and its scheduler (unless OPSDESK_SCHEDULER=off), started once the app is complete."""
    from bot.app import create_app, slack_app_meanwhile, start_runtime
    from bot.slack_messenger import SlackMessenger, make_web_client

    made = slack_app_meanwhile(s)  # Slack's auth.test while the rest starts
    cfg, _ = boot.config(s)
    rt = start_runtime(s, cfg, SlackMessenger(make_web_client(s)), engine=boot.database(s))
    app = create_app(rt, made=made)
    return rt, app, _maybe_scheduler(rt)


def scheduler_only(s: Settings) -> int:
    scheduler = build_scheduler(s)
    _maybe_metrics(scheduler.rt)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    heap.settle()
    scheduler.start()
    log.info("scheduler running; Ctrl-C to stop")
    stop.wait()
    scheduler.shutdown()
    return 0


def build_scheduler(s: Settings) -> Scheduler:
    """The scheduler process, not yet started: every area's notice kinds and planners, and
    none of the Slack listeners (``handlers/``), which it has no use for."""
    from bot.app import start_runtime
    from bot.scheduler import Scheduler
    from bot.slack_messenger import SlackMessenger, make_web_client

    boot.require_slack(s, "the scheduler")  # it posts reminders and digests to Slack
    cfg, _ = boot.config(s)
    rt = start_runtime(s, cfg, SlackMessenger(make_web_client(s)), engine=boot.database(s))
    return Scheduler(rt)


def _maybe_metrics(rt: Runtime) -> None:
    """GET /metrics on OPSDESK_METRICS_PORT: these modes have no web server to answer it."""
    if rt.settings.OPSDESK_METRICS_PORT is None:
        return
    from bot import metrics

    try:
        metrics.serve(rt, rt.settings.OPSDESK_METRICS_PORT)
    except OSError as exc:  # metrics are not worth stopping the scheduler for
        log.error("cannot serve /metrics on port %s: %s", rt.settings.OPSDESK_METRICS_PORT, exc)


def _maybe_scheduler(rt: Runtime) -> Scheduler | None:
    if not rt.settings.scheduler_enabled:
        return None
    from bot.scheduler import Scheduler

    scheduler = Scheduler(rt)
    scheduler.start()
    return scheduler
