"""A misbehaving Slack, end to end: the real app over HTTP, its WebClient on the stand-in.

Slack accepts a post but answers after the client gave up, or drops the connection after
accepting it; it rate-limits or fails with 5xx. Every notice must reach the channel exactly
once, counted per notice by the message metadata the stand-in received.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, select

from bot.clock import Clock
from bot.config import Config
from bot.context import Ctx
from bot.registry import Registry
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.slack_messenger import SlackMessenger, make_web_client
from storage.models import Notice
from tests.e2e import SECRET, SlackApp
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.faults
TIMEOUT = 0.3  # seconds; the stand-in's slow answers come after it
LATE = TIMEOUT + 0.4


@pytest.fixture
def impatient(
    engine: Engine, config: Config, slack_stub: SlackStub, registry: Registry[Ctx]
) -> Iterator[SlackApp]:
    """The app as `slack` builds it, with a short Slack client timeout."""
    settings = Settings(
        _env_file=None,
        DATABASE_URL=str(engine.url),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_stub.base_url,
        OPSDESK_SCHEDULER="off",
        OPSDESK_SLACK_TIMEOUT=TIMEOUT,
    )
    messenger = SlackMessenger(make_web_client(settings))
    rt = build_runtime(settings, config, messenger, registry, clock=Clock(), engine=engine)
    app = SlackApp(rt, slack_stub)
    yield app
    app.close()
    rt.drain()


def _settle(app: SlackApp, frozen, rounds: int = 6) -> None:
    """The sweeps that follow: each a little later, as the scheduler would run them."""
    for _ in range(rounds):
        app.runtime.drain()
        frozen.tick(timedelta(seconds=40))
        app.runtime.dispatcher.run_due()
    app.runtime.drain()


def _statuses(app: SlackApp) -> dict[str, int]:
    with app.runtime.sessions() as s:
        rows = s.execute(select(Notice.status, Notice.kind))
        counts: dict[str, int] = {}
        for status, kind in rows:
            if kind == "incident.announce":
                counts[status] = counts.get(status, 0) + 1
        return counts


def _announcements(app: SlackApp) -> list[tuple[int, str]]:
    return [key for key in app.stub.tagged() if key[1] == "post:C_INCIDENTS:"]


@pytest.mark.parametrize("fault", ["slow", "drop"])
def test_a_post_slack_took_but_never_answered_is_not_posted_twice(
    impatient: SlackApp, fault: str
) -> None:
    stub = impatient.stub
    if fault == "slow":
        stub.slow_next("chat.postMessage", delay=LATE, times=3)
    else:
        stub.drop_next("chat.postMessage", times=3)
    with freeze_time("2026-12-01 08:00:00") as frozen:
        for n in range(3):
            assert impatient.slash("/incident", f"raise Outage {n} sev3").status == 200
        _settle(impatient, frozen)
    tagged = stub.tagged()
    assert len(_announcements(impatient)) == 3
    assert set(tagged.values()) == {1}, tagged  # each exactly once
    assert _statuses(impatient) == {"sent": 3}
    # Each was looked for once after its answer was lost, and found.
    assert len(stub.calls_to("conversations.history")) == 3


def test_rate_limits_and_server_errors_lose_and_double_nothing(impatient: SlackApp) -> None:
    stub = impatient.stub
    stub.fail_next("chat.postMessage", status=429, retry_after=0, times=2)  # waited out
    stub.fail_next("chat.postMessage", status=429, retry_after=30)  # handed back: later
    stub.fail_next("chat.postMessage", status=500, times=2)  # may have posted: looked for
    stub.fail_next("chat.update", status=500, times=2)  # idempotent: simply again
    with freeze_time("2026-12-01 08:00:00") as frozen:
        for n in range(4):
            impatient.slash("/incident", f"raise Outage {n} sev3")
        impatient.runtime.drain()
        for n in range(1, 5):
            impatient.slash("/incident", f"ack {n}")
        _settle(impatient, frozen, rounds=8)
    tagged = stub.tagged()
    assert len(_announcements(impatient)) == 4
    assert set(tagged.values()) == {1}, tagged
    assert _statuses(impatient) == {"sent": 4}
    with impatient.runtime.sessions() as s:
        statuses = set(s.scalars(select(Notice.status).where(Notice.kind != "incident.remind")))
    assert statuses == {"sent"}
    edits = {c.params["ts"] for c in stub.calls_to("chat.update") if c.status == 200}
    assert len(edits) == 4  # every announcement shows its acknowledgement
