"""Every run mode starts with every area's notice kinds, before its scheduler's first tick.

Each mode starts in a fresh interpreter, as in production, with a notice already overdue in the
database (it came due while the process was down): it must go out, not be marked failed with
"no handler for kind". A notice of a kind no area handles stops start-up with a clear message.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from bot import boot
from bot.incidents import service as incidents
from bot.incidents.payloads import IncidentRef
from bot.notices import Plan
from bot.registry import Registry
from storage.models import Notice
from tests.serving import database_url, free_port, server_env
from tests.slack_stub import Call, SlackStub

pytestmark = pytest.mark.processes

TITLE = "Disk full on db-1"

# Starts one mode the way its entry point does, minus what would block or reach the internet
# (gunicorn's loop, Socket Mode's WebSocket); once the test has seen the notice go out, it
# prints which Slack listener modules the process loaded.
PROBE = """
import json, sys
from bot import boot
mode, settings = sys.argv[1], boot.settings()
if mode == "serve":
    from bot.wsgi import create
    create()
elif mode == "socket":
    from bot.serve import start_socket_mode
    start_socket_mode(settings)
elif mode == "scheduler":
    from bot.serve import build_scheduler
    build_scheduler(settings).start()
sys.stdin.readline()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "handlers")))
"""


def _env(engine: Engine, stub: SlackStub) -> dict[str, str]:
    return server_env(
        database_url(engine), stub, free_port(), OPSDESK_SCHEDULER="on", SLACK_APP_TOKEN="xapp-1"
    )


def _overdue_announcement(unit, clock) -> None:
    """An incident raised half an hour ago, while no process was running: its announcement is
    queued and overdue."""
    clock.advance(timedelta(minutes=-30))
    with unit("U_BOB") as ctx:
        incidents.raise_incident(ctx, TITLE, "sev3")
    clock.advance(timedelta(minutes=30))


def _wait_for_post(stub: SlackStub, text: str, timeout: float = 30) -> Call:
    """The first chat.postMessage saying ``text`` (planners may post other things first)."""
    seen = 0
    while True:
        calls = stub.wait_for("chat.postMessage", seen + 1, timeout=timeout)
        found = [c for c in calls if text in json.dumps(c.params)]
        if found:
            return found[0]
        seen = len(calls)


def _announcement_status(sessions) -> str:
    with sessions() as session:
        notice = session.scalars(select(Notice).where(Notice.kind == "incident.announce")).one()
        return f"{notice.status}: {notice.last_error}" if notice.last_error else notice.status


@pytest.mark.parametrize("mode", ["serve", "socket", "scheduler"])
def test_a_notice_due_while_the_process_was_down_is_sent_at_start_up(
    mode: str, engine: Engine, sessions, unit, clock, slack_stub: SlackStub, tmp_path: Path
) -> None:
    _overdue_announcement(unit, clock)
    proc = subprocess.Popen(
        [sys.executable, "-c", PROBE, mode],
        env=_env(engine, slack_stub),
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        try:
            post = _wait_for_post(slack_stub, TITLE)
        except AssertionError:
            proc.kill()
            raise AssertionError(f"not sent; the process said: {proc.communicate()[1]}") from None
        out, err = proc.communicate("seen\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert post.params["channel"] == "C_INCIDENTS"
    assert _announcement_status(sessions) == "sent"
    loaded = json.loads(out)
    if mode == "scheduler":
        assert loaded == [], "the scheduler process imports no Slack listener"
    else:
        assert "handlers.incidents" in loaded, "the modes that talk to Slack have the listeners"


def test_the_console_sends_a_notice_due_while_it_was_not_running(
    engine: Engine, sessions, unit, clock, slack_stub: SlackStub, tmp_path: Path
) -> None:
    _overdue_announcement(unit, clock)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        env=_env(engine, slack_stub),
        cwd=tmp_path,
        input="clock +1m\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    said = result.stdout.split("> clock +1m")[1]
    assert "#incidents  @opsdesk:" in said and TITLE.upper() in said  # the announcement's header
    assert _announcement_status(sessions) == "sent"


def _queue_a_kind_this_version_lacks(unit) -> None:
    gone: Registry = Registry()  # a version that had an "incident.page" kind queued it
    gone.add_notice_kind("incident.page", lambda ctx, payload: Plan(), payload=IncidentRef)
    with unit() as ctx:
        ctx.registry = gone
        ctx.notify("incident.page", IncidentRef(id=1))
        ctx.notify("incident.page", IncidentRef(id=2))


def test_start_up_refuses_notices_no_area_can_send(unit, sessions, registry) -> None:
    boot.check_notice_kinds(registry, sessions)  # nothing queued: fine
    _queue_a_kind_this_version_lacks(unit)
    with pytest.raises(boot.StartupError) as raised:
        boot.check_notice_kinds(registry, sessions)
    assert "2 queued notice(s)" in raised.value.title
    assert raised.value.lines[0] == "incident.page: 2 pending or being sent"
    with sessions.begin() as session:  # what the message advises, once they are not wanted
        session.execute(text(raised.value.lines[-1].split("run in the database: ")[1]))
    boot.check_notice_kinds(registry, sessions)


def test_the_scheduler_process_stops_with_a_one_screen_message(
    unit, engine: Engine, slack_stub: SlackStub, tmp_path: Path
) -> None:
    _queue_a_kind_this_version_lacks(unit)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "scheduler"],
        env=_env(engine, slack_stub),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        "opsdesk: 2 queued notice(s) are of a kind no area of this version sends" in result.stderr
    )
    assert "incident.page: 2 pending or being sent" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 5
    assert slack_stub.calls_to("chat.postMessage") == []
