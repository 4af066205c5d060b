"""@opsdesk mentions and direct messages: help, short help, and what the bot ignores."""

from __future__ import annotations

from bot.console import payloads
from tests.e2e import SlackApp


def _replies(slack: SlackApp, count: int) -> list[str]:
    return [c.params.get("text", "") for c in slack.stub.wait_for("chat.postMessage", count)]


def test_help_by_mention_answers_in_the_thread(slack: SlackApp) -> None:
    slack.mention("help", channel="C_GENERAL")
    call = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert call.params["channel"] == "C_GENERAL" and call.params.get("thread_ts")
    assert "Here is what you can ask me" in call.params["text"]
    assert "incident &lt;title&gt;" in call.params["text"]


def test_anything_else_gets_a_short_help(slack: SlackApp) -> None:
    slack.mention("what is the meaning of life")
    (text,) = _replies(slack, 1)
    assert text.startswith("Sorry, I didn't get that.") and "`help`" in text
    assert len(text) < 1500


def test_direct_messages_are_answered(slack: SlackApp) -> None:
    slack.event(payloads.dm_message_event("help", user_id="U_BOB", channel_id="D_BOB"))
    call = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert call.params["channel"] == "D_BOB" and "what you can ask me" in call.params["text"]


def test_the_bot_ignores_its_own_messages_and_unhandled_subtypes(slack: SlackApp) -> None:
    own = {
        **payloads.dm_message_event("help", user_id="U_OPSDESK", channel_id="D_BOB"),
        "bot_id": "B_OPSDESK",
    }
    edited = {
        **payloads.dm_message_event("help", user_id="U_BOB", channel_id="D_BOB"),
        "subtype": "message_changed",
    }
    joined = {
        **payloads.dm_message_event("help", user_id="U_BOB", channel_id="D_BOB"),
        "subtype": "channel_join",
    }
    own_mention = {**payloads.app_mention_event("help", user_id="U_OPSDESK", channel_id="C_X"),
                   "bot_id": "B_OPSDESK"}  # fmt: skip
    for event in (own, edited, joined, own_mention):
        assert slack.event(event).status == 200
    # A real question afterwards is answered, so the silence above was not a broken app.
    slack.event(payloads.dm_message_event("help", user_id="U_CAROL", channel_id="D_CAROL"))
    slack.stub.wait_for("chat.postMessage", 1)
    slack.runtime.drain()
    calls = slack.stub.calls_to("chat.postMessage")
    assert [c.params["channel"] for c in calls] == ["D_CAROL"]


def test_incident_by_mention(slack: SlackApp) -> None:
    slack.mention("incident VPN is down sev2", user="U_BOB")
    texts = _replies(slack, 2)
    assert any("Raised *INC-1* (sev2)" in t for t in texts)


def test_a_direct_message_is_answered_in_the_conversation_not_a_thread(slack: SlackApp) -> None:
    slack.event(payloads.dm_message_event("help", user_id="U_BOB", channel_id="D_BOB"))
    first = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert first.params["channel"] == "D_BOB" and not first.params.get("thread_ts")
    # Asked inside a thread of the DM, the answer stays in that thread.
    threaded = {
        **payloads.dm_message_event("help", user_id="U_BOB", channel_id="D_BOB"),
        "thread_ts": "1700000000.000100",
    }
    slack.event(threaded)
    second = slack.stub.wait_for("chat.postMessage", 2)[1]
    assert second.params.get("thread_ts") == "1700000000.000100"
