"""/healthz tells how the notice queue is doing: failures of the day, how late it runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot import dispatcher as policy
from bot.notice_health import OVERDUE
from tests.e2e import SlackApp

pytestmark = pytest.mark.faults


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time("2026-12-01 08:00:00") as f:
        yield f


def test_healthz_counts_failed_and_overdue_notices_and_says_degraded(
    slack: SlackApp, frozen
) -> None:
    body = slack.get("/healthz").json
    assert body["status"] == "ok"
    assert body["notices"] == {"failed": 0, "oldest_pending_s": 0}

    slack.stub.respond_with("chat.postMessage", {"ok": False, "error": "not_in_channel"})
    slack.slash("/incident", "raise Disk full sev3")
    slack.runtime.drain()
    frozen.tick(OVERDUE + timedelta(minutes=1))  # nothing swept since: it is late
    late = slack.get("/healthz")
    assert late.status == 200  # degraded is not down: the load balancer keeps the instance
    assert late.json["status"] == "degraded"
    assert late.json["notices"]["oldest_pending_s"] > OVERDUE.total_seconds()

    for _ in range(policy.MAX_ATTEMPTS):
        slack.runtime.dispatcher.run_due()
        frozen.tick(timedelta(minutes=20))
    failed = slack.get("/healthz").json
    assert failed["status"] == "degraded"
    assert failed["notices"]["failed"] == 1
