"""GET /metrics over HTTP, parsed as Prometheus parses it, before and after real actions."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest
from freezegun import freeze_time

from bot import dispatcher as policy
from bot import metrics
from bot.notice_health import OVERDUE
from tests.e2e import SlackApp
from tests.metrics.helpers import parse, total, value

# The endpoints over a real socket, as a scraper or a script reaches them.
pytestmark = pytest.mark.wire

ANNOUNCE = "incident.announce"


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time("2026-12-01 08:00:00") as f:
        yield f


def scrape(slack: SlackApp) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    got = slack.get("/metrics")
    assert got.status == 200, got.raw
    assert got.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(got.raw.decode())


def test_a_slash_command_is_counted_with_its_latency_and_its_announcement(
    slack: SlackApp,
) -> None:
    before = scrape(slack)
    reply = slack.slash("/incident", "raise Disk full on db-2 sev2")
    assert "INC-1" in reply.text
    slack.stub.wait_for("chat.postMessage")
    slack.runtime.drain()
    after = scrape(slack)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"kind": "/incident raise", "outcome": "ok"}
    assert grew("opsdesk_requests_total", **ok) == 1
    assert grew("opsdesk_request_seconds_count") == 1
    assert grew("opsdesk_notices_sent_total", kind=ANNOUNCE) == 1
    posts = {"method": "chat.postMessage", "outcome": "ok"}
    assert grew("opsdesk_slack_api_calls_total", **posts) == len(
        slack.stub.calls_to("chat.postMessage")
    )
    assert grew("opsdesk_slack_api_seconds_count") >= 1
    # Read from the database whichever process answers: the incident, and an empty queue.
    assert value(after, "opsdesk_incidents_open", severity="sev2") == 1
    assert value(after, "opsdesk_incidents_open", severity="sev1") == 0
    assert value(after, "opsdesk_notices", status="pending", kind=ANNOUNCE) == 0
    assert value(after, "opsdesk_notice_oldest_pending_seconds") == 0


def test_a_user_error_is_counted_under_the_command_never_under_what_was_typed(
    slack: SlackApp,
) -> None:
    before = scrape(slack)
    assert "don't know" in slack.slash("/incident", "frobnicate @channel now").text
    assert "`title` is missing" in slack.slash("/incident", "raise").text
    after = scrape(slack)

    unknown = {"kind": "/incident", "outcome": "user_error"}
    assert (
        value(after, "opsdesk_requests_total", **unknown)
        - value(before, "opsdesk_requests_total", **unknown)
        == 1
    )
    bad_raise = {"kind": "/incident raise", "outcome": "user_error"}
    assert (
        value(after, "opsdesk_requests_total", **bad_raise)
        - value(before, "opsdesk_requests_total", **bad_raise)
        == 1
    )
    kinds = {dict(labels)["kind"] for labels in after["opsdesk_requests_total"]}
    assert not any("frobnicate" in kind or "channel" in kind for kind in kinds)


def test_buttons_are_counted_by_action_id(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev2")
    [announcement] = slack.stub.wait_for("chat.postMessage")
    slack.runtime.drain()
    before = scrape(slack)
    slack.click_button(announcement, "incident_ack", user="U_BOB")
    slack.runtime.drain()
    after = scrape(slack)
    ack = {"kind": "action:incident_ack", "outcome": "ok"}
    assert (
        value(after, "opsdesk_requests_total", **ack)
        - value(before, "opsdesk_requests_total", **ack)
        == 1
    )


def test_a_notice_slack_refuses_is_late_then_failed_and_counted(slack: SlackApp, frozen) -> None:
    before = scrape(slack)
    slack.stub.respond_with("chat.postMessage", {"ok": False, "error": "not_in_channel"})
    slack.slash("/incident", "raise Disk full sev3")
    slack.runtime.drain()
    frozen.tick(OVERDUE + timedelta(minutes=1))  # nothing swept since: it waits
    late = scrape(slack)
    assert value(late, "opsdesk_notices", status="pending", kind=ANNOUNCE) == 1
    assert late["opsdesk_notice_oldest_pending_seconds"][()] > OVERDUE.total_seconds()

    for _ in range(policy.MAX_ATTEMPTS):
        slack.runtime.dispatcher.run_due()
        frozen.tick(timedelta(minutes=20))
    after = scrape(slack)

    assert (
        value(after, "opsdesk_notices_failed_total", kind=ANNOUNCE)
        - value(before, "opsdesk_notices_failed_total", kind=ANNOUNCE)
        == 1
    )
    assert value(after, "opsdesk_notices_sent_total", kind=ANNOUNCE) == value(
        before, "opsdesk_notices_sent_total", kind=ANNOUNCE
    )
    # Every attempt was refused (and the announcement, awaited by others, is tried again).
    refused = {"method": "chat.postMessage", "outcome": "not_in_channel"}
    assert (
        value(after, "opsdesk_slack_api_calls_total", **refused)
        - value(before, "opsdesk_slack_api_calls_total", **refused)
        >= policy.MAX_ATTEMPTS
    )
    assert value(after, "opsdesk_notices", status="failed", kind=ANNOUNCE) == 1


def _get(url: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    request = urllib.request.Request(url + "/metrics", headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        assert err.headers["WWW-Authenticate"].startswith("Bearer")
        return int(err.code)


def test_with_a_token_set_metrics_need_the_bearer(
    slack: SlackApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _get(slack.url, None) == 200  # no token configured: open, as documented
    monkeypatch.setattr(slack.runtime.settings, "OPSDESK_METRICS_TOKEN", "s3cret-metrics")
    assert _get(slack.url, None) == 401
    assert _get(slack.url, "wrong") == 401
    assert _get(slack.url, "s3cret-metrics") == 200


def test_metrics_that_fail_break_neither_a_request_nor_a_delivery(
    slack: SlackApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(metrics, "_get", broken)
    reply = slack.slash("/incident", "raise Disk full sev2")
    assert "INC-1" in reply.text
    assert slack.stub.wait_for("chat.postMessage")
    slack.runtime.drain()
    monkeypatch.undo()
    assert total(scrape(slack), "opsdesk_incidents_open") == 1


def test_a_database_that_fails_leaves_the_counters_answering(
    slack: SlackApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.slash("/incident", "raise Disk full sev2")
    slack.runtime.drain()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("database gone")

    monkeypatch.setattr(metrics.queue, "by_status_and_kind", broken)
    samples = scrape(slack)
    assert total(samples, "opsdesk_requests_total") >= 1
    assert "opsdesk_incidents_open" not in samples
