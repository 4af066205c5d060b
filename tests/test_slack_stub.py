"""The test harness itself: the Web API stand-in, the payload builders and request signing."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from freezegun import freeze_time
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier

from bot.console import payloads as sp
from tests.signing import post_signed, signed_headers
from tests.slack_stub import SlackStub

SECRET = "test-signing-secret"


@pytest.fixture
def stub(slack_stub: SlackStub) -> SlackStub:
    """The process's stand-in, renewed for this test (the first tests below check renew())."""
    return slack_stub


def test_a_stub_of_its_own_starts_and_stops() -> None:
    with SlackStub() as s:
        client = WebClient(token="xoxb-test", base_url=s.base_url)
        assert client.auth_test()["ok"]
        assert [c.method for c in s.calls] == ["auth.test"]
    with pytest.raises(RuntimeError, match="not started"):
        s.base_url  # noqa: B018


def test_renew_forgets_everything_and_refuses_the_old_urls(stub: SlackStub) -> None:
    old = WebClient(token="xoxb-test", base_url=stub.base_url, retry_handlers=[])
    first_ts = old.chat_postMessage(channel="C_OPS", text="before")["ts"]
    stub.set_user("U_TOKYO", tz="Asia/Tokyo")
    stub.fail_next("auth.test", status=500)
    stub.respond_with("api.test", {"ok": False, "error": "overridden"})

    stub.renew()

    assert stub.calls == [] and stub.messages("C_OPS") == []
    # A client left over from before (a thread of a finished test) reaches nobody.
    with pytest.raises(SlackApiError) as raised:
        old.chat_postMessage(channel="C_OPS", text="from a test long gone")
    assert raised.value.response.status_code == 410
    assert stub.calls == [] and stub.messages("C_OPS") == []
    new = WebClient(token="xoxb-test", base_url=stub.base_url, retry_handlers=[])
    assert new.auth_test()["ok"] and new.api_test()["ok"]  # no fault, no override
    assert new.users_info(user="U_TOKYO")["user"]["tz"] == "UTC"
    assert new.chat_postMessage(channel="C_OPS", text="after")["ts"] == first_ts  # ts restart
    assert [c.path for c in stub.calls_to("chat.postMessage")] == ["/api/chat.postMessage"]


@pytest.fixture
def client(stub: SlackStub) -> WebClient:
    return WebClient(token="xoxb-test", base_url=stub.base_url)


def make_app(stub: SlackStub, **kwargs: Any) -> App:
    # The token goes on the client: Bolt ignores App(token=...) when a client is given.
    return App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=stub.base_url),
        **kwargs,
    )


def dispatch(app: App, payload: tuple[str, str]) -> tuple[int, str]:
    body, content_type = payload
    response = app.dispatch(
        BoltRequest(body=body, headers=signed_headers(body, content_type, secret=SECRET))
    )
    return response.status, response.body


# --- the stub with the real WebClient --------------------------------------------------------


def test_post_message_is_recorded_with_params_and_bearer_token(
    stub: SlackStub, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*INC-1* raised"}}]

    result = client.chat_postMessage(channel="C_OPS", text="INC-1 raised", blocks=blocks)

    assert result["ok"] is True
    assert result["channel"] == "C_OPS"
    [call] = stub.calls_to("chat.postMessage")
    assert call.params["channel"] == "C_OPS"
    assert call.params["text"] == "INC-1 raised"
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.token == "xoxb-test"
    # slack_sdk posts chat.* as JSON, so blocks arrive as a list; json_param takes it as is.
    assert call.params["blocks"] == blocks
    assert call.json_param("blocks") == blocks
    assert result["message"]["blocks"] == blocks


def test_blocks_sent_as_a_form_field_stay_a_string_and_decode(
    stub: SlackStub, client: WebClient
) -> None:
    blocks = [{"type": "divider"}]

    client.api_call("chat.postMessage", params={"channel": "C_OPS", "blocks": json.dumps(blocks)})

    [call] = stub.calls_to("chat.postMessage")
    assert call.params["blocks"] == json.dumps(blocks)
    assert call.json_param("blocks") == blocks
    assert call.blocks == blocks


def test_post_message_ts_are_unique_and_increasing(stub: SlackStub, client: WebClient) -> None:
    ts = [client.chat_postMessage(channel="C_OPS", text=str(i))["ts"] for i in range(3)]

    assert ts == ["1700000000.000100", "1700000000.000200", "1700000000.000300"]


def test_post_message_to_a_user_lands_in_their_dm(stub: SlackStub, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U_ALICE", text="hi")
    opened = client.conversations_open(users="U_ALICE")

    assert posted["channel"] == "DU_ALICE"
    assert opened["channel"]["id"] == "DU_ALICE"


def test_post_message_without_text_is_rejected_like_slack(
    stub: SlackStub, client: WebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postMessage", params={"channel": "C_OPS"})

    assert raised.value.response["error"] == "no_text"


def test_call_without_token_is_not_authed(stub: SlackStub) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=stub.base_url).chat_postMessage(channel="C_OPS", text="x")

    assert raised.value.response["error"] == "not_authed"
    assert stub.calls_to("chat.postMessage")[0].token is None


def test_default_answers_are_slack_shaped(stub: SlackStub, client: WebClient) -> None:
    auth = client.auth_test()
    created = client.conversations_create(name="inc-1-db-down")
    updated = client.chat_update(channel="C_OPS", ts="1700000000.000100", text="resolved")
    ephemeral = client.chat_postEphemeral(channel="C_OPS", user="U_ALICE", text="only you")
    opened = client.views_open(
        trigger_id="1.2.abc", view={"type": "modal", "callback_id": "incident_new", "blocks": []}
    )
    updated_view = client.views_update(view_id=opened["view"]["id"], view={"type": "modal"})
    home = client.views_publish(user_id="U_ALICE", view={"type": "home", "blocks": []})

    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == (
        "U_OPSDESK",
        "B_OPSDESK",
        "T_OPSDESK",
    )
    assert created["channel"]["id"].startswith("C_NEW_")
    assert created["channel"]["name"] == "inc-1-db-down"
    assert (updated["channel"], updated["ts"]) == ("C_OPS", "1700000000.000100")
    assert ephemeral["message_ts"]
    assert opened["view"]["callback_id"] == "incident_new"
    assert updated_view["view"]["id"] == opened["view"]["id"]
    assert home["view"]["type"] == "home"
    # views.open is sent as JSON, so its view arrives already decoded.
    assert stub.calls_to("views.open")[0].json_param("view")["callback_id"] == "incident_new"
    assert client.reactions_add(channel="C_OPS", timestamp="1.2", name="eyes")["ok"]
    assert client.api_call("bookmarks.list")["ok"]


def test_users_info_reports_the_configured_time_zone(stub: SlackStub, client: WebClient) -> None:
    stub.set_user("U_ALICE", tz="Europe/Berlin", name="alice")

    with freeze_time("2026-07-01 12:00:00"):
        summer = client.users_info(user="U_ALICE")["user"]
    with freeze_time("2026-01-15 12:00:00"):
        winter = client.users_info(user="U_ALICE")["user"]
    default = client.users_info(user="U_BOB")["user"]

    assert (summer["tz"], summer["name"]) == ("Europe/Berlin", "alice")
    assert summer["tz_offset"] == 7200
    assert winter["tz_offset"] == 3600
    assert (default["tz"], default["tz_offset"], default["name"]) == ("UTC", 0, "bob")


def test_respond_with_overrides_until_cleared(stub: SlackStub, client: WebClient) -> None:
    stub.respond_with("users.info", {"ok": False, "error": "user_not_found"})
    with pytest.raises(SlackApiError):
        client.users_info(user="U_GONE")

    stub.respond_with("conversations.info", lambda call: {"ok": True, "seen": call.params})
    assert client.conversations_info(channel="C_X")["seen"] == {"channel": "C_X"}

    stub.respond_with("users.info", None)
    assert client.users_info(user="U_GONE")["ok"]


def test_a_failing_responder_answers_500_instead_of_hanging(
    stub: SlackStub, client: WebClient
) -> None:
    stub.respond_with("users.info", lambda call: {"ok": True, "user": call.params["nope"]})

    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U_ALICE")

    assert raised.value.response.status_code == 500
    assert "KeyError" in raised.value.response["error"]
    assert stub.calls_to("users.info")[0].status == 500


def test_response_url_posts_are_recorded(stub: SlackStub) -> None:
    from slack_sdk.webhook import WebhookClient

    url = stub.response_url("inc-1")
    WebhookClient(url).send(text="done", replace_original=True)

    [call] = stub.calls_to("response_url")
    assert call.path == "/response_url/inc-1"
    assert call.params == {"text": "done", "replace_original": True}


def test_reset_forgets_calls_faults_and_overrides(stub: SlackStub, client: WebClient) -> None:
    client.auth_test()
    stub.fail_next("auth.test", status=500)
    stub.respond_with("api.test", {"ok": False, "error": "x"})

    stub.reset()

    assert stub.calls == []
    assert client.auth_test()["ok"]
    assert client.api_test()["ok"]


# --- fault injection and slack_sdk's retry handlers -----------------------------------------


def test_rate_limit_is_retried_after_retry_after(stub: SlackStub) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=stub.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    stub.fail_next("chat.postMessage", status=429, retry_after=1)

    result = client.chat_postMessage(channel="C_OPS", text="hi")

    assert result["ok"]
    first, second = stub.calls_to("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    # The handler waited out Retry-After (plus its own jitter) before trying again.
    assert second.at - first.at >= 1.0


def test_server_error_is_retried(stub: SlackStub) -> None:
    handler = ServerErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    client = WebClient(token="xoxb-test", base_url=stub.base_url, retry_handlers=[handler])
    stub.fail_next("chat.postMessage", status=500)

    assert client.chat_postMessage(channel="C_OPS", text="hi")["ok"]
    assert [c.status for c in stub.calls_to("chat.postMessage")] == [500, 200]


def test_without_retry_handlers_rate_limit_surfaces(stub: SlackStub, client: WebClient) -> None:
    stub.fail_next("chat.postMessage", status=429, retry_after=30)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C_OPS", text="hi")

    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "30"
    # Only the next call fails.
    assert client.chat_postMessage(channel="C_OPS", text="hi")["ok"]


def test_fail_next_times(stub: SlackStub, client: WebClient) -> None:
    stub.fail_next("auth.test", status=500, times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.auth_test()
    assert client.auth_test()["ok"]


# --- waiting for calls made from other threads ---------------------------------------------


def test_history_serves_posts_with_their_metadata_newest_first(
    stub: SlackStub, client: WebClient
) -> None:
    meta = {"event_type": "opsdesk_notice", "event_payload": {"notice_id": 7, "part": "p"}}
    first = client.chat_postMessage(channel="C_OPS", text="one", metadata=meta)["ts"]
    client.chat_postMessage(channel="C_OPS", text="two")
    client.chat_postMessage(channel="C_OPS", text="reply", thread_ts=first, metadata=meta)

    plain = client.conversations_history(channel="C_OPS")["messages"]
    full = client.conversations_history(channel="C_OPS", include_all_metadata=True)["messages"]
    thread = client.conversations_replies(channel="C_OPS", ts=first, include_all_metadata=True)

    assert [m["text"] for m in plain] == ["two", "one"]  # replies stay in their thread
    assert all("metadata" not in m for m in plain)
    assert full[1]["metadata"] == meta
    assert [m["text"] for m in thread["messages"]] == ["one", "reply"]
    assert stub.tagged() == {(7, "p"): 2}


def test_history_pages_and_honours_oldest(stub: SlackStub, client: WebClient) -> None:
    with freeze_time("2026-12-01 09:00:00") as frozen:
        for n in range(5):
            client.chat_postMessage(channel="C_OPS", text=str(n))
            frozen.tick(60)
        since = datetime(2026, 12, 1, 9, 1, 30, tzinfo=UTC).timestamp()  # after the 2nd post
        page = client.conversations_history(channel="C_OPS", oldest=str(since), limit=2)
        rest = client.conversations_history(
            channel="C_OPS",
            oldest=str(since),
            limit=2,
            cursor=page["response_metadata"]["next_cursor"],
        )

    assert [m["text"] for m in page["messages"]] == ["4", "3"] and page["has_more"]
    assert [m["text"] for m in rest["messages"]] == ["2"] and not rest["has_more"]


def test_created_channels_are_listed_and_a_name_is_taken_once(
    stub: SlackStub, client: WebClient
) -> None:
    made = client.conversations_create(name="inc-1-db")["channel"]["id"]
    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name="inc-1-db")

    assert raised.value.response["error"] == "name_taken"
    assert client.conversations_list()["channels"] == [{"id": made, "name": "inc-1-db"}]


def test_a_slow_answer_arrives_after_the_timeout_but_the_post_is_made(stub: SlackStub) -> None:
    client = WebClient(token="xoxb-test", base_url=stub.base_url, timeout=0.3, retry_handlers=[])
    stub.slow_next("chat.postMessage", delay=1.0)

    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C_OPS", text="late")

    assert [m["text"] for m in stub.messages("C_OPS")] == ["late"]
    client.chat_postMessage(channel="C_OPS", text="on time")  # the fault was used up
    assert len(stub.messages("C_OPS")) == 2


def test_a_dropped_connection_after_the_post_is_made(stub: SlackStub) -> None:
    client = WebClient(token="xoxb-test", base_url=stub.base_url, retry_handlers=[])
    stub.drop_next("chat.postMessage", times=2)

    for _ in range(2):
        with pytest.raises(ConnectionError):  # http.client.RemoteDisconnected
            client.chat_postMessage(channel="C_OPS", text="dropped")

    assert [m["text"] for m in stub.messages("C_OPS")] == ["dropped", "dropped"]


def test_the_sdk_default_retry_posts_twice_after_a_drop(stub: SlackStub) -> None:
    """Why Opsdesk turns it off: the connection-error retry resends a post Slack already has."""
    client = WebClient(token="xoxb-test", base_url=stub.base_url)  # default retry handlers
    stub.drop_next("chat.postMessage")

    client.chat_postMessage(channel="C_OPS", text="once?")

    assert [m["text"] for m in stub.messages("C_OPS")] == ["once?", "once?"]


def test_wait_for_sees_calls_from_another_thread(stub: SlackStub, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.05)
        client.chat_postMessage(channel="C_OPS", text="after the ack")

    threading.Thread(target=later).start()

    [call] = stub.wait_for("chat.postMessage", timeout=2)
    assert call.params["text"] == "after the ack"


def test_wait_for_times_out_with_a_readable_assertion(stub: SlackStub, client: WebClient) -> None:
    client.auth_test()

    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"2 call\(s\) to chat.postMessage.*got 0.*auth.test"):
        stub.wait_for("chat.postMessage", count=2, timeout=0.2)
    assert time.monotonic() - started < 1.5


def test_wait_for_times_out_under_a_frozen_clock(stub: SlackStub) -> None:
    with freeze_time("2026-03-29 00:59:00"), pytest.raises(AssertionError):
        stub.wait_for("chat.postMessage", timeout=0.1)


# --- payload builders, signing and a real Bolt app ------------------------------------------


def all_payloads() -> dict[str, tuple[str, str]]:
    return {
        "slash": sp.slash_command("/incident", "raise db down", user_id="U_ALICE"),
        "action": sp.block_action("incident_ack", "INC-1", user_id="U_ALICE"),
        "home_action": sp.block_action(
            "incident_ack", "INC-1", user_id="U_ALICE", view={"type": "home", "blocks": []}
        ),
        "submission": sp.view_submission("incident_new", {}, user_id="U_ALICE"),
        "shortcut": sp.message_shortcut(
            "incident_from_message",
            user_id="U_ALICE",
            channel_id="C_OPS",
            message_text="db is down",
            message_user="U_BOB",
            message_ts="1700000000.000100",
        ),
        "mention": sp.event(sp.app_mention_event("who is on call", user_id="U_A", channel_id="C")),
        "dm": sp.event(sp.dm_message_event("help", user_id="U_ALICE")),
        "home": sp.event(sp.app_home_opened_event("U_ALICE")),
    }


@pytest.mark.parametrize("name", list(all_payloads()))
def test_signed_payloads_verify(name: str) -> None:
    body, content_type = all_payloads()[name]
    headers = signed_headers(body, content_type, secret=SECRET)

    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not SignatureVerifier("other-secret").is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert headers["Content-Type"] == content_type


def test_signing_follows_the_frozen_clock() -> None:
    body, content_type = sp.slash_command("/incident", "list", user_id="U_ALICE")
    with freeze_time("2026-10-25 01:30:00"):
        headers = signed_headers(body, content_type, secret=SECRET)
        assert headers["X-Slack-Request-Timestamp"] == str(int(time.time()))
        assert SignatureVerifier(SECRET).is_valid(
            body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
        )


def test_slash_command_shape() -> None:
    body, content_type = sp.slash_command(
        "/incident", "raise db down", user_id="U_ALICE", channel_id="C_OPS", trigger_id="t.1"
    )
    fields = {k: v[0] for k, v in parse_qs(body).items()}

    assert content_type == "application/x-www-form-urlencoded"
    assert fields["command"] == "/incident"
    assert fields["text"] == "raise db down"
    assert (fields["user_id"], fields["user_name"]) == ("U_ALICE", "alice")
    assert (fields["channel_id"], fields["channel_name"]) == ("C_OPS", "ops")
    assert fields["trigger_id"] == "t.1"
    for key in ("token", "team_id", "team_domain", "api_app_id", "response_url"):
        assert fields[key]


def test_block_action_takes_block_id_and_label_from_the_message() -> None:
    message = {
        "ts": "1700000000.000100",
        "blocks": [
            {
                "type": "actions",
                "block_id": "inc_1_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "incident_ack",
                        "text": {"type": "plain_text", "text": "Acknowledge"},
                        "value": "INC-1",
                    }
                ],
            }
        ],
    }
    body, _ = sp.block_action("incident_ack", "INC-1", user_id="U_ALICE", message=message)
    payload = json.loads(parse_qs(body)["payload"][0])

    [action] = payload["actions"]
    assert (action["block_id"], action["text"]["text"]) == ("inc_1_actions", "Acknowledge")
    assert payload["container"]["message_ts"] == "1700000000.000100"
    assert payload["message"]["blocks"] == message["blocks"]


def test_ts_follow_the_frozen_clock_and_stay_unique() -> None:
    sp.new_ts()  # a ts from the real clock first, which is later than the frozen one
    with freeze_time("2026-03-29 01:00:00"):
        first = sp.dm_message_event("a", user_id="U_ALICE")["ts"]
        second = sp.dm_message_event("b", user_id="U_ALICE")["ts"]

    assert first == f"{int(datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp())}.000000"
    assert second == first[:-1] + "1"


def test_bolt_parses_a_slash_command(stub: SlackStub) -> None:
    app = make_app(stub)
    seen: dict[str, Any] = {}

    @app.command("/incident")
    def incident(ack: Ack, command: dict[str, Any]) -> None:
        seen.update(command)
        ack(f"got: {command['text']}")

    status, body = dispatch(app, sp.slash_command("/incident", "raise db down", user_id="U_ALICE"))

    assert status == 200
    # Bolt answers ack("...") with the bare text, which Slack shows as the reply.
    assert body == "got: raise db down"
    assert seen["user_id"] == "U_ALICE"
    # Bolt checked the token through the stub at start-up.
    assert stub.calls_to("auth.test")[0].token == "xoxb-test"


def test_bolt_rejects_a_bad_signature(stub: SlackStub) -> None:
    app = make_app(stub)
    body, content_type = sp.slash_command("/incident", "list", user_id="U_ALICE")
    headers = signed_headers(body, content_type, secret="wrong-secret")

    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 401


def test_bolt_parses_a_block_action_and_responds_through_the_stub(stub: SlackStub) -> None:
    app = make_app(stub)

    @app.action("incident_ack")
    def acknowledge(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        respond(f"{body['actions'][0]['value']} acknowledged by <@{body['user']['id']}>")

    payload = sp.block_action(
        "incident_ack", "INC-1", user_id="U_ALICE", response_url=stub.response_url()
    )
    status, _ = dispatch(app, payload)

    assert status == 200
    [call] = stub.wait_for("response_url")
    assert call.params["text"] == "INC-1 acknowledged by <@U_ALICE>"


def test_bolt_parses_a_home_tab_action(stub: SlackStub) -> None:
    app = make_app(stub)
    seen: list[str] = []

    @app.action("incident_ack")
    def acknowledge(ack: Ack, body: dict[str, Any]) -> None:
        seen.append(body["container"]["type"])
        ack()

    view = {"type": "home", "blocks": []}
    status, _ = dispatch(app, sp.block_action("incident_ack", "INC-1", user_id="U_A", view=view))

    assert (status, seen) == (200, ["view"])


def test_bolt_parses_a_view_submission(stub: SlackStub) -> None:
    app = make_app(stub)

    @app.view("incident_new")
    def submit(ack: Ack, view: dict[str, Any]) -> None:
        title = view["state"]["values"]["title"]["title_input"]["value"]
        if len(title) < 5:
            ack(response_action="errors", errors={"title": "Too short"})
        else:
            ack()

    values = {"title": {"title_input": {"type": "plain_text_input", "value": "db"}}}
    status, body = dispatch(app, sp.view_submission("incident_new", values, user_id="U_ALICE"))

    assert status == 200
    assert json.loads(body) == {"response_action": "errors", "errors": {"title": "Too short"}}


def test_bolt_parses_a_message_shortcut_and_events(stub: SlackStub) -> None:
    # Event listeners run after the automatic ack; this makes them finish before dispatch returns.
    app = make_app(stub, process_before_response=True)
    seen: list[str] = []

    @app.shortcut("incident_from_message")
    def shortcut(ack: Ack, shortcut: dict[str, Any]) -> None:
        seen.append(shortcut["message"]["text"])
        ack()

    @app.event("app_mention")
    def mention(event: dict[str, Any]) -> None:
        seen.append(event["text"])

    shortcut_payload = sp.message_shortcut(
        "incident_from_message",
        user_id="U_ALICE",
        channel_id="C_OPS",
        message_text="db is down",
        message_user="U_BOB",
        message_ts="1700000000.000100",
    )
    mention_event = sp.app_mention_event("who is on call", user_id="U_ALICE", channel_id="C_OPS")

    assert dispatch(app, shortcut_payload)[0] == 200
    assert dispatch(app, sp.event(mention_event))[0] == 200
    assert seen == ["db is down", "<@U_OPSDESK> who is on call"]


def test_post_signed_returns_error_statuses(stub: SlackStub) -> None:
    # Any HTTP endpoint will do to show that a 404 comes back instead of raising.
    status, headers, body = post_signed(
        stub.base_url.removesuffix("api/") + "nowhere", "{}", "application/json", secret=SECRET
    )

    assert status == 404
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"] == "unknown_path"
