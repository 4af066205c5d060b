"""The Slack messenger against a misbehaving Slack: what it raises tells the notice queue
whether a post may have arrived, and it never re-sends one by itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.messenger import DeliveryUnknown, Message, MessageRef, RateLimited, Refused, Tag
from bot.settings import Settings
from bot.slack_messenger import SlackMessenger, make_web_client
from tests.slack_stub import SlackStub

pytestmark = pytest.mark.faults
TIMEOUT = 0.3


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


def _since() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def test_a_post_carries_metadata_naming_its_notice(stub: SlackStub, messenger) -> None:
    messenger.post("C_OPS", Message("hello"), tag=Tag(42, "post:C_OPS:"))

    [call] = stub.calls_to("chat.postMessage")
    assert call.json_param("metadata") == {
        "event_type": "opsdesk_notice",
        "event_payload": {"notice_id": 42, "part": "post:C_OPS:"},
    }


@pytest.mark.parametrize("fault", ["slow", "drop", "500"])
def test_a_post_whose_answer_is_lost_is_in_doubt_and_sent_once(
    stub: SlackStub, messenger, fault: str
) -> None:
    if fault == "slow":
        stub.slow_next("chat.postMessage", delay=TIMEOUT + 0.5)
    elif fault == "drop":
        stub.drop_next("chat.postMessage")
    else:
        stub.fail_next("chat.postMessage", status=500)

    with pytest.raises(DeliveryUnknown):
        messenger.post("C_OPS", Message("in doubt"), tag=Tag(1, "p"))

    # No retry by the client: the post reached "Slack" at most once (a 500 did nothing).
    assert len(stub.calls_to("chat.postMessage")) == 1
    found = messenger.find_tagged("C_OPS", Tag(1, "p"), since=_since())
    assert (found is not None) == (fault != "500")


def test_a_short_rate_limit_is_waited_out_and_a_long_one_handed_back(
    stub: SlackStub, messenger
) -> None:
    stub.fail_next("chat.postMessage", status=429, retry_after=0)
    assert messenger.post("C_OPS", Message("after a pause")).channel == "C_OPS"

    stub.fail_next("chat.postMessage", status=429, retry_after=60)
    started = time.monotonic()
    with pytest.raises(RateLimited) as raised:
        messenger.post("C_OPS", Message("later"))
    assert raised.value.retry_after == 60
    assert time.monotonic() - started < 5  # nobody slept a minute in a worker thread
    assert [m["text"] for m in stub.messages("C_OPS")] == ["after a pause"]


def test_a_refusal_is_definite(stub: SlackStub, messenger) -> None:
    stub.respond_with("chat.postMessage", {"ok": False, "error": "not_in_channel"})
    with pytest.raises(Refused, match="not_in_channel"):
        messenger.post("C_OPS", Message("refused"))


def test_nothing_listening_is_not_a_doubt(stub: SlackStub) -> None:
    s = Settings(_env_file=None, SLACK_BOT_TOKEN="x", SLACK_API_URL="http://127.0.0.1:9/api/")
    with pytest.raises(OSError) as raised:
        SlackMessenger(make_web_client(s)).post("C_OPS", Message("nobody there"))
    assert not isinstance(raised.value, DeliveryUnknown)


def test_a_dm_is_found_in_the_dm_channel_and_a_reply_in_its_thread(
    stub: SlackStub, messenger
) -> None:
    dm = messenger.dm("U_BOB", Message("approve?"), tag=Tag(5, "dm:U_BOB"))
    parent = messenger.post("C_OPS", Message("incident"))
    reply = messenger.post("C_OPS", Message("update"), thread_ts=parent.ts, tag=Tag(6, "t"))

    assert messenger.find_tagged("U_BOB", Tag(5, "dm:U_BOB"), since=_since()) == dm
    assert messenger.find_tagged("C_OPS", Tag(6, "t"), since=_since(), thread_ts=parent.ts) == reply
    assert messenger.find_tagged("C_OPS", Tag(6, "t"), since=_since()) is None  # not top-level
    assert messenger.find_tagged("U_BOB", Tag(5, "other"), since=_since()) is None
    assert dm == MessageRef("DU_BOB", dm.ts)


def test_a_lookup_never_reaches_back_before_the_call(stub: SlackStub, messenger) -> None:
    messenger.post("C_OPS", Message("long ago"), tag=Tag(9, "p"))
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert messenger.find_tagged("C_OPS", Tag(9, "p"), since=later) is None


def test_a_created_channel_is_found_by_name(stub: SlackStub, messenger) -> None:
    made = messenger.create_channel("inc-3-db")
    assert messenger.find_channel("inc-3-db") == made
    assert messenger.find_channel("inc-4-db") is None


def test_a_repeated_invite_is_not_an_error(stub: SlackStub, messenger) -> None:
    stub.respond_with("conversations.invite", {"ok": False, "error": "already_in_channel"})
    messenger.invite("C_OPS", ["U_BOB"])  # does not raise
