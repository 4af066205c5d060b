"""Every Web API call is counted by method and outcome, with its latency, and the client's
retry and timeout behaviour is what it was."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prometheus_client import generate_latest

from bot import metrics
from bot.messenger import DeliveryUnknown, Message, RateLimited, Refused
from bot.settings import Settings
from bot.slack_messenger import SlackMessenger, make_web_client
from tests.metrics.helpers import parse, value
from tests.slack_stub import SlackStub

TIMEOUT = 0.3
POST = "chat.postMessage"


class Scrape:
    """Nothing here needs the database: the counters of this process, as /metrics shows them."""

    def __init__(self) -> None:
        self.before = self.now()

    @staticmethod
    def now() -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
        return parse(generate_latest(metrics._get().registry).decode())

    def grew(self, name: str, **labels: str) -> float:
        return value(self.now(), name, **labels) - value(self.before, name, **labels)


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with SlackStub() as s:
        yield s


@pytest.fixture
def messenger(stub: SlackStub) -> SlackMessenger:
    s = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=stub.base_url,
        OPSDESK_SLACK_TIMEOUT=TIMEOUT,
    )
    return SlackMessenger(make_web_client(s))


def calls(outcome: str, method: str = POST) -> dict[str, str]:
    return {"method": method, "outcome": outcome}


def test_an_answered_call_is_ok_and_timed(stub: SlackStub, messenger: SlackMessenger) -> None:
    seen = Scrape()
    messenger.post("C_OPS", Message("hello"))
    messenger.publish_home("U_ALICE", {"type": "home", "blocks": []})
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("ok")) == 1
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("ok", "views.publish")) == 1
    assert seen.grew("opsdesk_slack_api_seconds_count") == 2
    assert seen.grew("opsdesk_slack_api_seconds_sum") > 0


def test_a_refusal_is_counted_by_slacks_error_code(
    stub: SlackStub, messenger: SlackMessenger
) -> None:
    seen = Scrape()
    stub.respond_with(POST, {"ok": False, "error": "channel_not_found"})
    with pytest.raises(Refused):
        messenger.post("C_GONE", Message("nobody"))
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("channel_not_found")) == 1


def test_a_timeout_is_counted_and_still_a_doubt(stub: SlackStub, messenger: SlackMessenger) -> None:
    seen = Scrape()
    stub.slow_next(POST, delay=TIMEOUT + 0.5)
    with pytest.raises(DeliveryUnknown):
        messenger.post("C_OPS", Message("slow"))
    assert len(stub.calls_to(POST)) == 1  # still never retried by the client
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("timeout")) == 1
    assert seen.grew("opsdesk_slack_api_seconds_sum") >= TIMEOUT


def test_a_server_error_and_a_refused_connection_are_told_apart(
    stub: SlackStub, messenger: SlackMessenger
) -> None:
    seen = Scrape()
    stub.fail_next(POST, status=503)
    with pytest.raises(DeliveryUnknown):
        messenger.post("C_OPS", Message("down"))
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("http_503")) == 1

    s = Settings(_env_file=None, SLACK_BOT_TOKEN="x", SLACK_API_URL="http://127.0.0.1:9/api/")
    with pytest.raises(OSError):
        SlackMessenger(make_web_client(s)).post("C_OPS", Message("nobody there"))
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("connection_error")) == 1


def test_rate_limits_are_counted_whether_waited_out_or_handed_back(
    stub: SlackStub, messenger: SlackMessenger
) -> None:
    seen = Scrape()
    stub.fail_next(POST, status=429, retry_after=0)  # short: retried inside the call
    messenger.post("C_OPS", Message("after a pause"))
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("ratelimited")) == 1
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("ok")) == 1
    assert seen.grew("opsdesk_slack_api_seconds_count") == 1  # one call, one latency

    stub.fail_next(POST, status=429, retry_after=60)  # long: the queue waits instead
    started = time.monotonic()
    with pytest.raises(RateLimited):
        messenger.post("C_OPS", Message("later"))
    assert time.monotonic() - started < 5
    assert seen.grew("opsdesk_slack_api_calls_total", **calls("ratelimited")) == 2
    assert len(stub.calls_to(POST)) == 3


def test_labels_never_carry_free_text() -> None:
    seen = Scrape()
    metrics.slack_call("chat.postMessage", "weird error: <@U1> {x}", 0.1)
    labels = [dict(key) for key in seen.now()["opsdesk_slack_api_calls_total"]]
    assert {"method": "chat.postMessage", "outcome": "weird_error_U1_x_"} in labels
