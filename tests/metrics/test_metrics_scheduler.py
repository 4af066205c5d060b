"""The scheduler's gauges, and the console counting what it does as Slack mode does."""

from __future__ import annotations

import io
import time

from freezegun import freeze_time
from sqlalchemy import Engine

from bot import metrics
from bot.config import Config
from bot.console.shell import build_console
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.settings import Settings
from tests.metrics.helpers import parse, value


def test_the_active_scheduler_says_so_and_when_it_last_swept(runtime: Runtime) -> None:
    scheduler = Scheduler(runtime)
    with freeze_time("2026-12-01 09:00:00"):
        scheduler.tick()
        samples = parse(metrics.exposition(runtime).decode())
        assert value(samples, "opsdesk_scheduler_leader") == 1
        assert value(samples, "opsdesk_scheduler_last_tick_timestamp_seconds") == time.time()
    scheduler.shutdown()
    samples = parse(metrics.exposition(runtime).decode())
    assert value(samples, "opsdesk_scheduler_leader") == 0


def test_a_follower_is_not_the_leader_and_does_not_tick(runtime: Runtime) -> None:
    leader = Scheduler(runtime)
    leader.tick()
    swept = value(
        parse(metrics.exposition(runtime).decode()),
        "opsdesk_scheduler_last_tick_timestamp_seconds",
    )
    follower = Scheduler(runtime)
    follower.leadership.check = lambda: False  # type: ignore[method-assign]  # another holds it
    with freeze_time("2030-01-01"):
        follower.tick()
    samples = parse(metrics.exposition(runtime).decode())
    assert value(samples, "opsdesk_scheduler_leader") == 0
    assert value(samples, "opsdesk_scheduler_last_tick_timestamp_seconds") == swept


def test_the_console_counts_its_commands_and_notices(
    settings: Settings, config: Config, engine: Engine
) -> None:
    console = build_console(settings, config, engine, io.StringIO())
    before = parse(metrics.exposition(console.rt).decode())
    console.run_lines(["/incident raise Disk full sev1", "/incident list"])
    after = parse(metrics.exposition(console.rt).decode())

    for kind in ("/incident raise", "/incident list"):
        ok = {"kind": kind, "outcome": "ok"}
        assert (
            value(after, "opsdesk_requests_total", **ok)
            - value(before, "opsdesk_requests_total", **ok)
            == 1
        )
    announced = {"kind": "incident.announce"}
    assert (
        value(after, "opsdesk_notices_sent_total", **announced)
        - value(before, "opsdesk_notices_sent_total", **announced)
        == 1
    )
    assert value(after, "opsdesk_incidents_open", severity="sev1") == 1
