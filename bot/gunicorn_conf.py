"""Gunicorn settings for the Procfile's web process (`gunicorn -c python:bot.gunicorn_conf`).

A worker that cannot boot makes gunicorn print a traceback and "Worker failed to boot", or,
with any other exit code, start the worker again for ever. So the master checks settings,
Slack credentials, config and database before it starts any worker, and stops with the same
one-screen message (exit code 2) as every other run mode.
"""

from __future__ import annotations

from typing import Any


def on_starting(server: Any) -> None:
    from bot import boot

    try:
        s = boot.settings()
        boot.logging_setup(s)
        boot.check_http(s)
    except boot.StartupError as exc:
        boot.fail(exc)
