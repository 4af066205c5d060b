"""WSGI entry for gunicorn: ``gunicorn 'bot.wsgi:create()'`` (see the Procfile)."""

from __future__ import annotations

import atexit

from bot import boot, heap
from bot.app import create_app, slack_app_meanwhile, start_runtime
from bot.slack_messenger import SlackMessenger, make_web_client
from bot.web import WSGIApp, wsgi_app


def create() -> WSGIApp:
    """Build one worker's app; starts the scheduler here too unless OPSDESK_SCHEDULER=off.

    The collector is paused while it builds (under the Procfile's gunicorn, since the worker
    was forked: ``bot/gunicorn_conf.py``) and settled once the app is ready (``bot/heap.py``).
    """
    with heap.starting():
        app = _build()
    return app


def _build() -> WSGIApp:
    try:
        s = boot.settings()
        boot.logging_setup(s)
        boot.require_slack(s, "HTTP mode")
        made = slack_app_meanwhile(s)  # Slack's auth.test while the rest starts
        cfg, _ = boot.config(s)
        engine = boot.database(s)
        rt = start_runtime(s, cfg, SlackMessenger(make_web_client(s)), engine=engine)
    except boot.StartupError as exc:
        # Exit code 3 makes gunicorn stop instead of restarting this worker for ever; the
        # master's check (bot/gunicorn_conf.py) normally stops earlier, with code 2.
        boot.fail(exc, code=3)
    app = create_app(rt, made=made)
    if s.scheduler_enabled:
        from bot.scheduler import Scheduler

        scheduler = Scheduler(rt)
        scheduler.start()
        atexit.register(scheduler.shutdown)
    return wsgi_app(rt, app)
