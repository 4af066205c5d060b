"""What a serving process does at start-up, counted rather than timed (the times are the
footprint benchmark's, tests/benchmarks/test_footprint.py).

A gunicorn worker is started as gunicorn starts it (``post_fork``, then ``bot.wsgi:create()``),
in a fresh interpreter, on the suite's migrated database: it loads no module that serving does
not use (alembic above all: a current schema is one query), collects no garbage while it
builds, and sets what it built aside once ready (``bot/heap.py``). Slack's ``auth.test`` runs
beside the rest of start-up, and a refused token still stops it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from slack_bolt import App
from slack_bolt.error import BoltError
from sqlalchemy import Engine

import bot.app
from bot.app import create_app, slack_app_meanwhile
from bot.runtime import Runtime
from bot.settings import Settings
from tests.serving import database_url, free_port, server_env
from tests.slack_stub import SlackStub

# Serving never needs these: migrations (alembic and its templates), the local console, the
# report charts, the iCal library, and the scheduler (off, as in the Procfile's web process).
NOT_SERVING = ("alembic", "mako", "storage.migrate", "bot.console", "matplotlib", "icalendar")
SCHEDULER = ("apscheduler", "bot.scheduler")

WORKER = """
import gc, json, sys
from bot import gunicorn_conf
gunicorn_conf.post_fork(None, None)  # what gunicorn runs in a new worker, before the app
before = [s["collections"] for s in gc.get_stats()]
from bot.wsgi import create
create()
after = [s["collections"] for s in gc.get_stats()]
print(json.dumps({
    "modules": sorted(sys.modules),
    "collections": [a - b for a, b in zip(after, before)],
    "collecting": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "since": len(gc.get_objects()),
}))
"""


@pytest.mark.processes
def test_a_worker_starts_without_what_serving_does_not_use_and_without_collecting(
    engine: Engine, slack_stub: SlackStub, tmp_path: Path
) -> None:
    env = server_env(database_url(engine), slack_stub, free_port())
    done = subprocess.run(
        [sys.executable, "-c", WORKER], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    for name in NOT_SERVING + SCHEDULER:
        assert not [m for m in found["modules"] if m == name or m.startswith(name + ".")], (
            f"{name} was imported by a serving worker"
        )
    assert "handlers.incidents" in found["modules"], "the worker has its listeners"
    assert found["collections"] == [0, 0, 0], "no garbage collection while the worker starts"
    assert found["collecting"], "collecting again once the worker is ready"
    # Everything start-up made is set aside: what later collections scan is only what came after.
    assert found["frozen"] > 10 * found["since"]
    assert len(slack_stub.calls_to("auth.test")) == 1


def _settings(engine: Engine, stub: SlackStub) -> Settings:
    return Settings(
        _env_file=None,
        DATABASE_URL=str(engine.url),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="test-signing-secret",
        SLACK_API_URL=stub.base_url,
        OPSDESK_SCHEDULER="off",
    )


def test_auth_test_is_waited_for_on_a_thread_of_its_own(
    engine: Engine, slack_stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = threading.Event()
    seen: list[threading.Thread] = []
    make = bot.app.slack_app

    def slow_slack(settings: Settings) -> App:
        seen.append(threading.current_thread())
        answer.wait(timeout=30)
        return make(settings)

    monkeypatch.setattr(bot.app, "slack_app", slow_slack)
    made = slack_app_meanwhile(_settings(engine, slack_stub))
    assert not made.done(), "start-up goes on while Slack has not answered"
    answer.set()
    assert isinstance(made.result(timeout=30), App)
    assert [t.name for t in seen] == ["opsdesk-auth-test"] and seen[0].daemon
    assert len(slack_stub.calls_to("auth.test")) == 1


def test_a_token_slack_refuses_still_stops_start_up(
    engine: Engine, slack_stub: SlackStub, runtime: Runtime
) -> None:
    slack_stub.fail_next("auth.test", status=500)
    made = slack_app_meanwhile(_settings(engine, slack_stub))
    with pytest.raises(BoltError):
        create_app(runtime, made=made)
