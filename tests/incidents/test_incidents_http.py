"""Incidents end to end: signed requests in, what Slack would have received out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from tests.e2e import SlackApp


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _announce(slack: SlackApp) -> dict:
    posts = slack.stub.wait_for("chat.postMessage", 1)
    return posts[0]


def test_raise_by_command_announces_with_buttons(slack: SlackApp) -> None:
    resp = slack.slash("/incident", "raise Checkout is failing sev1", channel="C_GENERAL")
    assert resp.status == 200
    assert "Raised *INC-1* (sev1)" in resp.text
    assert resp.json["response_type"] == "ephemeral"
    post = _announce(slack)
    assert post.params["channel"] == "C_INCIDENTS"  # incidents.channel from the config
    actions = [
        e["action_id"] for blk in post.blocks for e in blk.get("elements", []) if "action_id" in e
    ]
    assert actions == ["incident_ack", "incident_mitigate", "incident_update", "incident_resolve"]
    assert all(
        e["value"] == "1" for blk in post.blocks for e in blk.get("elements", []) if "value" in e
    )


def test_severity_token_may_stand_anywhere(slack: SlackApp) -> None:
    resp = slack.slash("/incident", "raise sev2 Payments slow")
    assert "(sev2)" in resp.text and "Payments slow" in resp.text


def test_ack_and_resolve_by_button_update_the_announcement(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Search is down sev2")
    post = _announce(slack)
    assert slack.click_button(post, "incident_ack", user="U_BOB").status == 200
    updates = slack.stub.wait_for("chat.update", 1)
    # The announcement itself is updated: the channel and ts Slack gave it when it was posted.
    assert (updates[0].params["channel"], updates[0].params["ts"]) == (
        post.answer["channel"],
        post.answer["ts"],
    )
    assert "Acknowledged" in dump(updates[0].blocks)
    assert "<@U_BOB>" in dump(updates[0].blocks)  # first acknowledger commands
    thread = [c for c in slack.stub.wait_for("chat.postMessage", 2) if c.params.get("thread_ts")]
    assert "acknowledged" in thread[0].params["text"]

    slack.click_button(post, "incident_resolve", user="U_BOB")
    updates = slack.stub.wait_for("chat.update", 2)
    final = updates[-1]
    assert "Resolved" in dump(final.blocks)
    assert not [blk for blk in final.blocks if blk["type"] == "actions"], "buttons are gone"


def test_second_acknowledgement_is_told_who_was_first(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev3")
    slack.slash("/incident", "ack 1", user="U_BOB")
    resp = slack.slash("/incident", "ack 1", user="U_CAROL")
    assert "already acknowledged by <@U_BOB>" in resp.text


def test_update_goes_to_the_thread_and_show_has_the_timeline(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Queue backlog sev3")
    _announce(slack)
    slack.slash("/incident", "update INC-1 Scaled workers to 20")
    slack.slash("/incident", "sev #1 sev2")
    slack.slash("/incident", "assign 1 <@U_DAVE|dave>")
    show = slack.slash("/incident", "show 1")
    body = dump(show.json["blocks"])
    for expected in ("Timeline", "Scaled workers to 20", "sev3 → sev2", "<@U_DAVE>"):
        assert expected in body
    threads = [c for c in slack.stub.wait_for("chat.postMessage", 4) if c.params.get("thread_ts")]
    assert any("Scaled workers to 20" in c.params["text"] for c in threads)


def test_raise_by_modal_submission(slack: SlackApp) -> None:
    resp = slack.slash("/incident", "")
    assert resp.status == 200
    modal = slack.stub.wait_for("views.open", 1)[0]
    view = modal.json_param("view")
    assert view["callback_id"] == "incident_raise"
    sub = slack.submit(
        "incident_raise",
        {
            "title": "VPN flapping",
            "severity": "sev2",
            "description": "Since 09:10",
            "resource": "staging-1",
        },
        private_metadata=view["private_metadata"],
    )
    assert sub.status == 200 and not sub.raw.strip(), "the modal closes"
    post = _announce(slack)
    assert "VPN flapping" in post.params["text"]
    assert "staging-1" in dump(post.blocks)


def test_modal_with_empty_title_shows_a_field_error(slack: SlackApp) -> None:
    resp = slack.submit("incident_raise", {"title": " ", "severity": "sev3"})
    assert resp.json["response_action"] == "errors"
    assert "title" in resp.json["errors"]


def test_raise_by_message_shortcut_prefills_the_modal(slack: SlackApp) -> None:
    resp = slack.shortcut(
        "raise_incident_from_message",
        text="Login returns 500 for everyone\nstack trace...",
        channel="C_SUPPORT",
        ts="1700000123.000200",
    )
    assert resp.status == 200
    view = slack.stub.wait_for("views.open", 1)[0].json_param("view")
    title_input = next(blk for blk in view["blocks"] if blk.get("block_id") == "title")
    assert title_input["element"]["initial_value"] == "Login returns 500 for everyone"
    meta = json.loads(view["private_metadata"])
    assert meta["source_ts"] == "1700000123.000200" and meta["source_channel"] == "C_SUPPORT"
    slack.submit(
        "incident_raise",
        {"title": "Login returns 500", "severity": "sev1"},
        private_metadata=view["private_metadata"],
    )
    post = _announce(slack)
    assert "<#C_SUPPORT>" in dump(post.blocks)


def test_raise_by_mention(slack: SlackApp) -> None:
    slack.mention("incident Printer on fire sev4", channel="C_OFFICE")
    posts = slack.stub.wait_for("chat.postMessage", 2)
    texts = " ".join(c.params.get("text", "") for c in posts)
    assert "INC-1" in texts and "Printer on fire" in texts


def test_stats_reports_counts_and_percentiles(slack: SlackApp) -> None:
    slack.slash("/incident", "raise A sev1")
    slack.slash("/incident", "raise B sev3")
    slack.slash("/incident", "ack 1")
    slack.slash("/incident", "resolve 1 fixed")
    resp = slack.slash("/incident", "stats 7d")
    assert "last 7 days: 2" in resp.text and "sev1: 1" in resp.text and "sev3: 1" in resp.text
    assert "over 1 acknowledged" in resp.text and "over 1 resolved" in resp.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("raise", "`title` is missing"),
        ("raise sev1", "`title` is missing"),
        ("raise Broken sev9", "`sev9` is not a severity"),
        ("show 99", "There is no incident INC-99"),
        ("show PUR-1", "is not an incident id"),
        ("ack banana", "is not an incident id"),
        ("sev 1 critical", "is not a valid severity"),
        ("explode", "I don't know `explode`"),
    ],
)
def test_bad_input_is_answered_clearly(slack: SlackApp, text: str, expected: str) -> None:
    resp = slack.slash("/incident", text)
    assert resp.status == 200
    assert expected in resp.text
    assert "Traceback" not in resp.text
    slack.runtime.drain()
    assert not slack.stub.calls_to("chat.postMessage")


def test_resolving_a_resolved_incident_changes_nothing(slack: SlackApp) -> None:
    slack.slash("/incident", "raise X sev3")
    slack.slash("/incident", "resolve 1")
    slack.runtime.drain()
    before = len(slack.stub.calls)
    resp = slack.slash("/incident", "resolve 1")
    assert "already resolved" in resp.text
    slack.runtime.drain()
    assert len(slack.stub.calls) == before


def test_long_title_is_trimmed_and_mentions_are_inert(slack: SlackApp) -> None:
    title = "<!channel> <@U123> " + "x" * 5000
    resp = slack.slash("/incident", f"raise {title}")
    assert "kept its first 150 characters" in resp.text
    post = _announce(slack)
    # mrkdwn (and the notification text) is where Slack would ping: escaped there.
    marked = [post.params["text"], *_mrkdwn_texts(post.blocks)]
    assert not any("<!channel>" in t or "<@U123>" in t for t in marked)
    assert any("&lt;!channel&gt;" in t for t in marked)
    # plain_text never pings or links; the header shows the title literally, trimmed.
    header = post.blocks[0]["text"]
    assert header["type"] == "plain_text" and "<!channel>" in header["text"]
    assert len(header["text"]) <= 150


def _mrkdwn_texts(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for v in node.values() for t in _mrkdwn_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn_texts(v)]
    return []


def test_help_lists_every_subcommand(slack: SlackApp) -> None:
    resp = slack.slash("/incident", "help")
    for sub in (
        "raise",
        "list",
        "show",
        "ack",
        "update",
        "sev",
        "assign",
        "resolve",
        "reopen",
        "stats",
    ):
        assert f"/incident {sub}" in resp.text


def test_list_sorts_by_severity_then_age(slack: SlackApp) -> None:
    for title, sev in [("low", "sev4"), ("worst", "sev1"), ("mid", "sev2"), ("worst2", "sev1")]:
        slack.slash("/incident", f"raise {title} {sev}")
    body = dump(slack.slash("/incident", "list").json["blocks"])
    order = [body.index(t) for t in ("INC-2", "INC-4", "INC-3", "INC-1")]
    assert order == sorted(order)


@pytest.mark.parametrize(
    ("action_id", "noun"),
    [
        ("incident_ack", "an incident"),
        ("purchase_approve", "a purchase request"),
        ("booking_release", "a booking"),
    ],
)
def test_a_button_whose_value_is_no_id_is_refused_kindly(
    slack: SlackApp, action_id: str, noun: str
) -> None:
    resp = slack.click(action_id, "not-an-id", user="U_BOB")
    assert resp.status == 200
    [note] = slack.stub.wait_for("chat.postEphemeral", 1)
    assert f"That button no longer points at {noun}." in note.params["text"]


def _epoch(utc: str) -> int:
    return int(datetime.fromisoformat(utc).replace(tzinfo=UTC).timestamp())


def test_a_severity_change_does_not_pass_for_the_last_update(slack: SlackApp) -> None:
    with freeze_time("2026-12-01 10:00:00") as frozen:
        slack.slash("/incident", "raise Checkout slow sev3")
        slack.slash("/incident", "update 1 First look: the database is slow")
        frozen.tick(timedelta(hours=2))
        slack.slash("/incident", "sev 1 sev2")
        slack.runtime.drain()
        last = slack.stub.calls_to("chat.update")[-1]
    assert f"Last update <!date^{_epoch('2026-12-01 10:00')}^" in dump(last.blocks)
    assert "First look" in dump(last.blocks)


@pytest.mark.parametrize(
    ("ack_after", "expected", "wrong"),
    [
        (None, "Resolved after 2h 10m.", "Resolved resolved"),
        (
            timedelta(hours=1, minutes=6),
            "Resolved after 2h 10m (acknowledged after 1h 6m).",
            "Resolved acknowledged",
        ),
    ],
)
def test_the_resolved_announcement_reads_as_a_sentence(
    slack: SlackApp, ack_after: timedelta | None, expected: str, wrong: str
) -> None:
    with freeze_time("2026-12-01 10:00:00") as frozen:
        slack.slash("/incident", "raise Checkout slow sev3")
        if ack_after:
            frozen.tick(ack_after)
            slack.slash("/incident", "ack 1", user="U_BOB")
            frozen.tick(timedelta(hours=2, minutes=10) - ack_after)
        else:
            frozen.tick(timedelta(hours=2, minutes=10))
        slack.slash("/incident", "resolve 1", user="U_BOB")
        slack.runtime.drain()
        final = dump(slack.stub.calls_to("chat.update")[-1].blocks)
    assert expected in final and wrong not in final


def test_taking_command_yourself_is_said_plainly(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev3")
    resp = slack.slash("/incident", "assign 1 <@U_ALICE|alice>")
    assert "You made yourself the commander of INC-1" in resp.text
    again = slack.slash("/incident", "assign 1 <@U_ALICE|alice>")
    assert "You already command INC-1" in again.text
    slack.runtime.drain()
    notes = [c.params["text"] for c in slack.stub.calls_to("chat.postMessage")]
    assert any("<@U_ALICE> took command of INC-1" in t for t in notes), notes
    assert not any("made <@U_ALICE> the commander" in t for t in notes)
    other = slack.slash("/incident", "assign 1 <@U_BOB|bob>")
    assert "<@U_BOB> now commands INC-1" in other.text


@pytest.mark.parametrize(
    ("command", "text", "usage"),
    [
        ("/incident", "raise help", "Usage: `/incident raise &lt;title&gt;"),
        ("/purchase", "request help", "Usage: `/purchase request &lt;amount&gt;"),
        ("/resource", "book help", "Usage: `/resource book &lt;name&gt;"),
    ],
)
def test_help_after_a_subcommand_shows_its_usage_and_changes_nothing(
    slack: SlackApp, command: str, text: str, usage: str
) -> None:
    resp = slack.slash(command, text)
    assert usage in resp.text and "Example: `" in resp.text
    assert "is not an amount" not in resp.text and "Raised" not in resp.text
    slack.runtime.drain()
    assert not slack.stub.calls_to("chat.postMessage")
    assert "No open incidents" in slack.slash("/incident", "list").text


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("incident", "`title` is missing.\nUsage: `/incident raise &lt;title&gt;"),
        ("incident sev1", "`title` is missing.\nUsage: `/incident raise &lt;title&gt;"),
        ("incident help", "*/incident raise*: Raise an incident"),
        ("status", "`resource` is missing.\nUsage: `/resource status &lt;name&gt;`"),
    ],
)
def test_a_mention_missing_its_words_answers_like_the_slash_command(
    slack: SlackApp, said: str, expected: str
) -> None:
    slack.mention(said)
    reply = slack.stub.wait_for("chat.postMessage", 1)[0].params["text"]
    assert expected in reply, reply
    assert "Here is what you can ask me" not in reply
    slack.runtime.drain()
    assert len(slack.stub.calls_to("chat.postMessage")) == 1, "nothing was raised"


def test_the_raise_form_marks_every_invalid_input_at_once(slack: SlackApp) -> None:
    values = {"title": " ", "severity": "sev9", "resource": "room-z"}
    resp = slack.submit("incident_raise", values)
    assert resp.json["response_action"] == "errors"
    assert resp.json["errors"] == {
        "title": "An incident needs a title.",
        "severity": "Choose a severity.",
        "resource": "There is no resource called room-z.",
    }
    slack.runtime.drain()
    assert not slack.stub.calls_to("chat.postMessage")
