"""Gunicorn settings for the Procfile's web process (`gunicorn -c python:bot.gunicorn_conf`).

A worker that cannot boot makes gunicorn print a traceback and "Worker failed to boot", or,
with any other exit code, start the worker again for ever. So the master checks settings,
Slack credentials, config and database before it starts any worker, and stops with the same
one-screen message (exit code 2) as every other run mode.

Metrics: each worker counts in its own process, so the master gives them one directory for
prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``; a temporary one unless
set), emptied at start so a restart does not add old counts, and a worker that exits is marked
dead so it no longer counts as the active scheduler (bot/metrics.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # bot.metrics.MULTIPROC_ENV, read before any import
_made_here: list[str] = []


def metrics_dir() -> str:
    """Before any worker starts, and before prometheus-client is imported: it picks its
    multiprocess mode from the environment once, when imported."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix="opsdesk-metrics-")
        _made_here.append(path)
        os.environ[MULTIPROC_ENV] = path
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # a previous run's workers
        stale.unlink(missing_ok=True)
    return path


def on_starting(server: Any) -> None:
    metrics_dir()
    from bot import heap

    with heap.starting():  # the workers are forked after it, and share what it imported
        from bot import boot

        try:
            s = boot.settings()
            boot.logging_setup(s)
            boot.check_http(s)
        except boot.StartupError as exc:
            boot.fail(exc)


def post_fork(server: Any, worker: Any) -> None:
    """Before the worker imports the app: start-up runs with the collector paused until
    ``bot.wsgi.create`` has built it (``bot/heap.py``)."""
    from bot import heap

    heap.pause()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    for path in _made_here:
        shutil.rmtree(path, ignore_errors=True)
