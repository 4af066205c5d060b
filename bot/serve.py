"""Long-running modes: HTTP under gunicorn, Socket Mode, and the scheduler alone."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from bot import boot
from bot.settings import Settings

log = logging.getLogger(__name__)


def serve(s: Settings) -> int:
    """One gunicorn process (8 threads) with the scheduler inside, for single-box installs."""
    from gunicorn.app.base import BaseApplication

    from bot.wsgi import create

    if not s.SLACK_SIGNING_SECRET:
        raise boot.StartupError(
            "HTTP mode needs SLACK_SIGNING_SECRET",
            ["copy it from your Slack app's Basic Information page"],
        )

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{s.PORT}")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", 8)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            return create()

    _App().run()
    return 0


def socket_mode(s: Settings) -> int:
    from bot.app import create_app
    from bot.runtime import build_runtime
    from bot.slack_messenger import SlackMessenger, make_web_client
    from bot.socket_mode import socket_handler

    if not s.SLACK_APP_TOKEN or not s.SLACK_BOT_TOKEN:
        raise boot.StartupError(
            "Socket Mode needs SLACK_APP_TOKEN (xapp-...) and SLACK_BOT_TOKEN (xoxb-...)", []
        )
    cfg, _ = boot.config(s)
    rt = build_runtime(s, cfg, SlackMessenger(make_web_client(s)), engine=boot.database(s))
    scheduler = _maybe_scheduler(rt)
    try:
        socket_handler(create_app(rt), s.SLACK_APP_TOKEN).start()
    finally:
        if scheduler:
            scheduler.shutdown()
    return 0


def scheduler_only(s: Settings) -> int:
    from bot.runtime import build_runtime
    from bot.scheduler import Scheduler
    from bot.slack_messenger import SlackMessenger, make_web_client
    from handlers import load_areas

    load_areas()  # every area's notice kinds and planners
    cfg, _ = boot.config(s)
    rt = build_runtime(s, cfg, SlackMessenger(make_web_client(s)), engine=boot.database(s))
    scheduler = Scheduler(rt)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler.start()
    log.info("scheduler running; Ctrl-C to stop")
    stop.wait()
    scheduler.shutdown()
    return 0


def _maybe_scheduler(rt: Any) -> Any:
    if not rt.settings.scheduler_enabled:
        return None
    from bot.scheduler import Scheduler

    scheduler = Scheduler(rt)
    scheduler.start()
    return scheduler
